#!/usr/bin/env bash
# OP3 compound-held-out protocol (issue 9) on simulated OP3-like PBMC data, with LPM embeddings pretrained on the
# other simulated datasets (lpm_all) or on the L1000-like one only (lpm_l1000), Morgan r1/2000 and the
# descriptor-free `none`; and on the real LINCS L1000 A375 plate (10 µM rows; Morgan vs none).
# Reduced settings so that each part runs in a few minutes on 2 cores. Run from the repository root:
#   experiments/op3/run.sh
# Work folders go to runs/ (ignored); tables and figures are copied to experiments/op3/results-*/.
set -euo pipefail
BIN=${BIN:-.build/release/perturbridge}
THREADS=${THREADS:-2}
[ -x "$BIN" ] || swift build -c release --product perturbridge
SHARED=${SHARED:-../shared/data}
OUT=experiments/op3
SEEDS=0,1,2,3,4

# 1. Simulated data; LPM pretraining WITHOUT the OP3-like target dataset (so no OP3 row of a held-out compound is
#    seen), once on the four other datasets and once on the L1000-like dataset only; compound embeddings exported.
"$BIN" simulate --output runs/op3/sim --seed 13
S=runs/op3/sim
rm -rf runs/op3/lpm_all runs/op3/lpm_l1000
"$BIN" pretrain --config $OUT/lpm-pretrain.json --effects $S/sim_l1000.h5ad $S/sim_bulk_rnaseq.h5ad $S/sim_drugseq.h5ad \
  $S/sim_sciplex.h5ad --threads "$THREADS" --output runs/op3/lpm_all --quiet
"$BIN" pretrain --config $OUT/lpm-pretrain.json --effects $S/sim_l1000.h5ad --threads "$THREADS" --output runs/op3/lpm_l1000 --quiet
"$BIN" embed --checkpoint runs/op3/lpm_all --output runs/op3/emb_all.h5ad
"$BIN" embed --checkpoint runs/op3/lpm_l1000 --output runs/op3/emb_l1000.h5ad

# 2. OP3 protocol on the simulated OP3-like dataset (the simulator writes logFC only, so the target is logFC).
"$BIN" evaluate op3 --effects $S/sim_op3.h5ad --layer logFC \
  --features lpm_all=runs/op3/emb_all.h5ad,lpm_l1000=runs/op3/emb_l1000.h5ad,morgan,none \
  --seeds $SEEDS --threads "$THREADS" --output runs/op3/sim-eval | tee runs/op3/sim-eval.stdout.md

# 3. Real L1000 plate: compounds held out (25 %, seed 42), 10 µM rows, target logFC vs plate DMSO.
"$BIN" effects --input "$SHARED/l1000-cmappy/test_l1000.gct" \
  --smiles-map "$SHARED/l1000-lincs-metadata/pertinfo.tsv.gz" --dataset LINCS_A375 --output runs/op3/a375.h5ad
"$BIN" evaluate op3 --effects runs/op3/a375.h5ad --layer logFC --dose 10 --features morgan,none \
  --seeds $SEEDS --threads "$THREADS" --output runs/op3/a375-eval | tee runs/op3/a375-eval.stdout.md

for part in sim a375; do
  mkdir -p $OUT/results-$part
  cp runs/op3/$part-eval/{op3_summary.md,op3_summary.tsv,op3_seeds.tsv,split.tsv} runs/op3/$part-eval/*.svg $OUT/results-$part/
done
