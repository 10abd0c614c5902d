#!/usr/bin/env bash
# In-process mutation fuzzing of every reader a user can point at a file (h5ad, effects store, GCTX, GCT text,
# checkpoint + sidecar, pretrain --resume, split TSV, config JSON/YAML/TOML, manifests, compound tables with SMILES):
# `perturbridge-fuzz run` damages seed inputs in memory, writes each case to a RAM disk and runs the reader's entry
# point in a forked child under a timeout and an address-space limit (see `perturbridge-fuzz run --help`). Seeds:
# ../shared/data and fixtures made here with the CLI (simulator output, a tiny pretrain run, a split). Exit status 1
# if any case crashed, hung or failed without a user error; those cases are kept in $KEEP.
#
#   scripts/fuzz-inprocess.sh                          # 10000 cases per reader (release build)
#   CASES=500 READERS="gct config" scripts/fuzz-inprocess.sh
#   SECONDS_PER_READER=60 scripts/fuzz-inprocess.sh    # bounded by time instead
#
# Environment: CASES (per reader, default 10000), SECONDS_PER_READER (0 = no limit), READERS (space-separated,
# default all), SEED (default 18), FIRST (first case number, default 0), TIMEOUT (seconds per case, default 10),
# MEMORY_MB (address-space limit per case, default 4096), CONFIGURATION (release or debug), KEEP (default
# /tmp/perturbridge-fuzz-keep), FIXTURES (default .build/fuzz-fixtures, made if absent), SHARED (default
# ../shared/data), NICE (default 10). PERTURBRIDGE_HDF5_CPU_SECONDS defaults to 2 here (5 in normal use).
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${CASES:-10000}
SECONDS_PER_READER=${SECONDS_PER_READER:-0}
SEED=${SEED:-18}
FIRST=${FIRST:-0}
TIMEOUT=${TIMEOUT:-10}
MEMORY_MB=${MEMORY_MB:-4096}
CONFIGURATION=${CONFIGURATION:-release}
KEEP=${KEEP:-/tmp/perturbridge-fuzz-keep}
FIXTURES=${FIXTURES:-.build/fuzz-fixtures}
SHARED=${SHARED:-../shared/data}
NICE=${NICE:-10}
export PERTURBRIDGE_HDF5_CPU_SECONDS=${PERTURBRIDGE_HDF5_CPU_SECONDS:-2}
export OPENBLAS_NUM_THREADS=1

swift build -c "$CONFIGURATION" --product perturbridge
swift build -c "$CONFIGURATION" --product perturbridge-fuzz
BIN=$(swift build -c "$CONFIGURATION" --show-bin-path)

# Fixtures the readers' seeds come from, made with the CLI from the simulator (seconds).
if [ ! -f "$FIXTURES/done" ]; then
  rm -rf "$FIXTURES" && mkdir -p "$FIXTURES"
  "$BIN/perturbridge" simulate --size small --seed 1 --output "$FIXTURES/sim" > /dev/null
  "$BIN/perturbridge" split --effects "$FIXTURES/sim/sim_l1000.h5ad" "$FIXTURES/sim/sim_op3.h5ad" --kind molecule-holdout \
    --output "$FIXTURES/split.tsv" > /dev/null 2>&1
  printf '{"embedding_dim": 8, "hidden_width": 16, "hidden_layers": 1, "batch_size": 64, "max_epochs": 2, "threads": 1,
    "limit_train_batches": 2, "shuffle_buffer_mb": 8, "seed": 3}\n' > "$FIXTURES/tiny.json"
  "$BIN/perturbridge" pretrain --config "$FIXTURES/tiny.json" --effects "$FIXTURES/sim/sim_l1000.h5ad" \
    "$FIXTURES/sim/sim_op3.h5ad" --output "$FIXTURES/run" --quiet > /dev/null
  # A panel-format effects file (format version 2) from the manifest simulator.
  { zcat "$SHARED/chem-perturbridge-splits/df_annot_split.tsv.gz" || true; } \
    | awk 'NR == 1 || /^CIGS MCE/ { print; if (++n == 40) exit }' > "$FIXTURES/manifest.tsv"
  "$BIN/perturbridge" simulate --manifest "$FIXTURES/manifest.tsv" --gene-pool 1000 --panel-size CIGS=100-300 \
    --output "$FIXTURES/manifest-sim" --seed 2 > /dev/null 2>&1
  cp "$FIXTURES/manifest-sim/CIGS_MCE.h5ad" "$FIXTURES/panels.h5ad"
  # The first 60 probes of cmapPy's test_l1000.gct (978 × 377), its row count rewritten.
  awk -F '\t' -v OFS='\t' 'NR == 2 { $1 = 60; metadata = $4 } { print } NR >= 3 + metadata + 60 { exit }' \
    "$SHARED/l1000-cmappy/test_l1000.gct" > "$FIXTURES/test_l1000_head.gct"
  touch "$FIXTURES/done"
fi

ARGS=(--fixtures "$FIXTURES" --shared "$SHARED" --cases "$CASES" --seconds "$SECONDS_PER_READER" --seed "$SEED"
      --first "$FIRST" --timeout "$TIMEOUT" --memory-mb "$MEMORY_MB" --keep "$KEEP")
for reader in ${READERS:-}; do ARGS+=(--reader "$reader"); done
exec nice -n "$NICE" "$BIN/perturbridge-fuzz" run "${ARGS[@]}"
