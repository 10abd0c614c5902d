#!/usr/bin/env bash
# Makes the fixtures perturbridge-fuzz takes seeds from, with the CLI (seconds): simulator output (sim/), a split
# (split.tsv), a tiny two-epoch training run (run/: best, last and epoch checkpoints with sidecars), a panel-format
# effects file from the manifest simulator (panels.h5ad) and a 60-probe cut of cmapPy's test_l1000.gct.
#
#   scripts/make-fuzz-fixtures.sh BIN FIXTURES SHARED
#   scripts/make-fuzz-fixtures.sh .build/release/perturbridge .build/fuzz-fixtures ../shared/data
set -euo pipefail
BIN=$1
FIXTURES=$2
SHARED=$3
rm -rf "$FIXTURES" && mkdir -p "$FIXTURES"
"$BIN" simulate --size small --seed 1 --output "$FIXTURES/sim" > /dev/null
"$BIN" split --effects "$FIXTURES/sim/sim_l1000.h5ad" "$FIXTURES/sim/sim_op3.h5ad" --kind molecule-holdout \
  --output "$FIXTURES/split.tsv" > /dev/null 2>&1
printf '{"embedding_dim": 8, "hidden_width": 16, "hidden_layers": 1, "batch_size": 64, "max_epochs": 2, "threads": 1,
  "limit_train_batches": 2, "shuffle_buffer_mb": 8, "seed": 3}\n' > "$FIXTURES/tiny.json"
"$BIN" pretrain --config "$FIXTURES/tiny.json" --effects "$FIXTURES/sim/sim_l1000.h5ad" "$FIXTURES/sim/sim_op3.h5ad" \
  --output "$FIXTURES/run" --quiet > /dev/null
# A panel-format effects file (format version 2) from the manifest simulator.
{ zcat "$SHARED/chem-perturbridge-splits/df_annot_split.tsv.gz" || true; } \
  | awk 'NR == 1 || /^CIGS MCE/ { print; if (++n == 40) exit }' > "$FIXTURES/manifest.tsv"
"$BIN" simulate --manifest "$FIXTURES/manifest.tsv" --gene-pool 1000 --panel-size CIGS=100-300 \
  --output "$FIXTURES/manifest-sim" --seed 2 > /dev/null 2>&1
cp "$FIXTURES/manifest-sim/CIGS_MCE.h5ad" "$FIXTURES/panels.h5ad"
# The first 60 probes of cmapPy's test_l1000.gct (978 × 377), its row count rewritten.
awk -F '\t' -v OFS='\t' 'NR == 2 { $1 = 60; metadata = $4 } { print } NR >= 3 + metadata + 60 { exit }' \
  "$SHARED/l1000-cmappy/test_l1000.gct" > "$FIXTURES/test_l1000_head.gct"
touch "$FIXTURES/done"
