#!/usr/bin/env bash
# In-process mutation fuzzing of every reader a user can point at a file (h5ad, effects store, GCTX, GCT text,
# checkpoint + sidecar, pretrain --resume, split TSV, config JSON/YAML/TOML, manifests, signature tables, compound
# tables with SMILES):
# `perturbridge-fuzz run` damages seed inputs in memory, writes each case to a RAM disk and runs the reader's entry
# point in a forked child under a timeout and an address-space limit (see `perturbridge-fuzz run --help`). Seeds:
# ../shared/data and fixtures made with the CLI (scripts/make-fuzz-fixtures.sh: simulator output, a tiny pretrain
# run, a split). Exit status 1
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

[ -f "$FIXTURES/done" ] || scripts/make-fuzz-fixtures.sh "$BIN/perturbridge" "$FIXTURES" "$SHARED"

ARGS=(--fixtures "$FIXTURES" --shared "$SHARED" --cases "$CASES" --seconds "$SECONDS_PER_READER" --seed "$SEED"
      --first "$FIRST" --timeout "$TIMEOUT" --memory-mb "$MEMORY_MB" --keep "$KEEP")
for reader in ${READERS:-}; do ARGS+=(--reader "$reader"); done
exec nice -n "$NICE" "$BIN/perturbridge-fuzz" run "${ARGS[@]}"
