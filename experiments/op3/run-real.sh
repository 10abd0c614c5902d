#!/usr/bin/env bash
# OP3 compound-held-out protocol on the real L1000 signatures with structures in ../shared/data (issue 15):
# SEP-L1000 consensus signatures of 99 compounds (l1000-sepl1000-lucius, SMILES from LINCS pertinfo) and the A375
# plate's 10 µM wells (l1000-cmappy, limma logFC vs the plate's DMSO wells); Morgan r1/2000 and `none` with both
# predictors, with the mean anchor (the default) and without it (--anchor none, the predictors as before), beside
# the trivial baselines. Run from the repository root: experiments/op3/run-real.sh (the recorded run:
# BIN=.build/debug/perturbridge THREADS=1, defaults otherwise).
# Work folders go to runs/op3-real/ (ignored); summaries are copied to experiments/op3/results-real/.
set -euo pipefail
BIN=${BIN:-.build/release/perturbridge}
THREADS=${THREADS:-2}
SEEDS=${SEEDS:-0,1,2,3,4}
REFERENCE_SEEDS=${REFERENCE_SEEDS:-0}
REFERENCE_SCALE=${REFERENCE_SCALE:-0.2}  # a fifth of the reference's tuned epochs: 54 networks per fit
[ -x "$BIN" ] || swift build -c release --product perturbridge
S=${SHARED:-../shared/data}
W=runs/op3-real
OUT=experiments/op3/results-real
mkdir -p $W $OUT
"$BIN" effects --input "$S/l1000-sepl1000-lucius/tStats-transposed-head.txt" --format signatures \
  --smiles-map "$S/l1000-lincs-metadata/pertinfo.tsv.gz" --dataset SEP_L1000 --output $W/sepl1000.h5ad
"$BIN" effects --input "$S/l1000-cmappy/test_l1000.gct" --smiles-map "$S/l1000-lincs-metadata/pertinfo.tsv.gz" \
  --dataset LINCS_A375 --output $W/a375.h5ad
run() {  # name effects-file extra-arguments...
  local name=$1 file=$2; shift 2
  "$BIN" evaluate op3 --effects "$file" --layer logFC --features morgan,none --threads "$THREADS" \
    --output "$W/$name" "$@" > "$W/$name.stdout.md"
  cp "$W/$name/op3_summary.md" "$OUT/$name.md"
}
for anchor in mean none; do
  run sepl1000-fast-$anchor $W/sepl1000.h5ad --seeds "$SEEDS" --anchor $anchor
  run a375-fast-$anchor $W/a375.h5ad --dose 10 --seeds "$SEEDS" --anchor $anchor
done
for anchor in mean none; do
  run sepl1000-reference-$anchor $W/sepl1000.h5ad --seeds "$REFERENCE_SEEDS" --anchor $anchor \
    --predictor reference --epochs-scale "$REFERENCE_SCALE"
  run a375-reference-$anchor $W/a375.h5ad --dose 10 --seeds "$REFERENCE_SEEDS" --anchor $anchor \
    --predictor reference --epochs-scale "$REFERENCE_SCALE"
done
