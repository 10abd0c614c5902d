#!/usr/bin/env bash
# The paper's molecule holdout (11 datasets with test molecules × 8 families × 10 seeds) on the published split over
# the manifest corpus: the paper's 411,514 conditions with simulated values (`simulate --manifest`; the measured
# values are not redistributable), the published split applied by (dataset, context, CID, log_dose, time), the
# reference's checkpoint selection, and the table in the layout of paper10_results_summary beside the published one.
#
# Full scale is long (the multi-output epoch at the paper's shape takes ~70 s on 2 threads, and the protocol trains
# 3 all-datasets families × 10 seeds × 200 epochs plus 5 target-only families per dataset); the defaults are a quick
# run. Run from the repository root:
#   experiments/paper/run-holdout.sh                                 # FRACTION=0.02, 2 seeds, 2 epochs, 3 families
#   FRACTION=1 SEEDS=13,17,19,23,29,31,37,41,43,47 EPOCHS=200 FAMILIES=all experiments/paper/run-holdout.sh
set -euo pipefail
BIN=${BIN:-.build/release/perturbridge}
THREADS=${THREADS:-2}
FRACTION=${FRACTION:-0.02}
SEEDS=${SEEDS:-13,17}
EPOCHS=${EPOCHS:-2}
FAMILIES=${FAMILIES:-scratch_target_only,all_datasets,finetune_frozen_molecule_embeddings}
SHARED=${SHARED:-../shared}
[ -x "$BIN" ] || swift build -c release --product perturbridge
SPLITS=$SHARED/data/chem-perturbridge-splits
WORK=runs/paper/fraction-$FRACTION
OUT=experiments/paper/results-fraction-$FRACTION

# 1. The corpus: every condition of the manifest (or a seeded share of its molecules) as effects files.
[ -f "$WORK/corpus/genes.tsv" ] || "$BIN" simulate --manifest "$SPLITS/df_annot_split.tsv.gz" \
  --smiles-table "$SHARED/data/l1000-lincs-metadata/pertinfo.tsv.gz" --fraction "$FRACTION" --output "$WORK/corpus" --threads "$THREADS"

# 2. The published split, applied to the corpus by condition key (at FRACTION=1 the counts equal summary.tsv).
"$BIN" split --effects "$WORK"/corpus/*.h5ad --kind published --from "$SPLITS/df_annot_split.tsv.gz" \
  --output "$WORK/published-split.tsv" | tee "$WORK/published-split.counts.tsv"

# 3. The molecule holdout on that split, with the paper's statistics and the paper-layout table.
"$BIN" evaluate holdout --effects "$WORK"/corpus/*.h5ad --config experiments/paper/lpm-multiout.json \
  --split-file "$WORK/published-split.tsv" --families "$FAMILIES" --seeds "$SEEDS" --epochs "$EPOCHS" \
  --compare-paper "$SHARED/reference/chem-perturbridge-lpm/paper10_results_summary.tsv" \
  --threads "$THREADS" --output "$WORK/holdout" | tee "$WORK/holdout.stdout.md"

mkdir -p "$OUT"
cp "$WORK/published-split.counts.tsv" "$OUT/"
cp "$WORK"/holdout/{holdout_paper10.md,holdout_paper10.tsv,holdout_vs_paper.md,holdout_summary.md,holdout_paired_deltas.tsv,holdout_paired_deltas_vs_mean.tsv,holdout_wilcoxon.tsv,holdout_runs.tsv} "$OUT/"
cp "$SHARED/reference/chem-perturbridge-lpm/paper10_results_summary.md" "$OUT/published_paper10_results_summary.md"
echo "tables in $OUT"
