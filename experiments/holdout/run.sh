#!/usr/bin/env bash
# Molecule holdout (issue 9) on the simulator (5 datasets, cross-dataset split) and on the real LINCS L1000 A375
# plate (one dataset, global molecule split). Reduced settings (seeds, epochs, small LPM) so that each part runs in a
# few minutes on 2 cores. Run from the repository root: experiments/holdout/run.sh
# Work folders go to runs/ (ignored); the tables and figures are copied to experiments/holdout/results-*/.
set -euo pipefail
BIN=${BIN:-.build/release/perturbridge}
THREADS=${THREADS:-2}
[ -x "$BIN" ] || swift build -c release --product perturbridge
SHARED=${SHARED:-../shared/data}
OUT=experiments/holdout

# 1. Simulator: every family, 3 seeds, 10 epochs, LPM 64-d / 2×256 (experiments/holdout/lpm-demo.json).
"$BIN" simulate --output runs/holdout/sim --seed 13
rm -rf runs/holdout/sim-eval
"$BIN" evaluate holdout --effects runs/holdout/sim/sim_*.h5ad --config $OUT/lpm-demo.json \
  --families all --seeds 13,17,19 --epochs 10 --threads "$THREADS" --output runs/holdout/sim-eval \
  | tee runs/holdout/sim-eval.stdout.md

# 2. Real L1000 plate (LJP005_A375_24H_X1_B19): effects vs plate DMSO, SMILES from LINCS pertinfo; one dataset, so
#    the split holds molecules out globally (15 % val, 15 % test) and the families compared are learned vs Morgan.
"$BIN" effects --input "$SHARED/l1000-cmappy/test_l1000.gct" \
  --smiles-map "$SHARED/l1000-lincs-metadata/pertinfo.tsv.gz" --dataset LINCS_A375 --output runs/holdout/a375.h5ad
rm -rf runs/holdout/a375-eval
"$BIN" evaluate holdout --effects runs/holdout/a375.h5ad --config $OUT/lpm-demo.json \
  --families scratch_target_only,scratch_target_only_morgan_fixed,morgan_learned \
  --seeds 13,17,19,23,29,31,37,41,43,47 --epochs 30 --split global --val-fraction 0.15 --test-fraction 0.15 \
  --threads "$THREADS" --output runs/holdout/a375-eval | tee runs/holdout/a375-eval.stdout.md

for part in sim a375; do
  mkdir -p $OUT/results-$part
  cp runs/holdout/$part-eval/{holdout_summary.md,holdout_summary.tsv,holdout_long.tsv,holdout_runs.tsv,finetune_init.tsv,split.tsv} $OUT/results-$part/
  cp runs/holdout/$part-eval/holdout_*_rmse.svg $OUT/results-$part/
done
