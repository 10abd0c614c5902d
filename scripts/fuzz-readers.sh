#!/usr/bin/env bash
# Bounded mutation fuzzing of the readers: COUNT seeded damaged copies of each fixture of each reader (h5ad, gctx,
# gct) through `perturbridge inspect` (and `effects` on every 10th), each under a timeout and `ulimit -v`, with a
# summary per reader (scripts/mutate-inputs.py does the work; see its --help). Exit status 1 if any case crashed,
# hung, exited 2 or exited 1 without a message; the damaged copies of those are kept in $KEEP.
#
#   scripts/fuzz-readers.sh                      # 10000 variants per reader (hours on 2 cores)
#   COUNT=500 JOBS=2 scripts/fuzz-readers.sh     # a shorter run
#
# Environment: COUNT (variants per reader, split over its fixtures; default 10000), SEED (default 18), JOBS
# (parallel cases, default 1), BIN (default .build/debug/perturbridge, built if absent), SHARED (default
# ../shared/data), KEEP (default /tmp/perturbridge-fuzz), TIMEOUT (seconds per command, default 20), MEMORY_MB
# (default 4096). PERTURBRIDGE_HDF5_CPU_SECONDS defaults to 2 here (the readers' stall budget, 5 in normal use),
# so cases that spin inside libhdf5 end sooner; they are still counted as the exit 1 they become.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-10000}
SEED=${SEED:-18}
JOBS=${JOBS:-1}
BIN=${BIN:-.build/debug/perturbridge}
SHARED=${SHARED:-../shared/data}
KEEP=${KEEP:-/tmp/perturbridge-fuzz}
TIMEOUT=${TIMEOUT:-20}
MEMORY_MB=${MEMORY_MB:-4096}
export PERTURBRIDGE_HDF5_CPU_SECONDS=${PERTURBRIDGE_HDF5_CPU_SECONDS:-2}

[ -x "$BIN" ] || swift build --product perturbridge
FIXTURES=$(mktemp -d)
trap 'rm -rf "$FIXTURES"' EXIT
"$BIN" simulate --size small --seed 1 --output "$FIXTURES/sim" > /dev/null

declare -A READERS=(
  [h5ad]="$FIXTURES/sim/sim_op3.h5ad $SHARED/h5ad-scanpy-pbmc68k/pbmc68k_reduced.h5ad $SHARED/h5ad-scanpy-pbmc68k/pbmc68k_reduced_legacy.h5ad"
  [gctx]="$SHARED/l1000-cmapr/modzs_n25x50.gctx $SHARED/l1000-cmappy/mini_gctoo_for_testing.gctx $SHARED/l1000-signaturesearch/test_sample_n2x12328.gctx"
  [gct]="$SHARED/l1000-cmappy/test_p100.gct $SHARED/l1000-l1ktools-pipeline/TEST_A375_24H_X1_B20_NORM_n23x978.gct"
)
status=0
for reader in h5ad gctx gct; do
  files=()
  for file in ${READERS[$reader]}; do [ -f "$file" ] && files+=("$file"); done
  [ ${#files[@]} -gt 0 ] || { echo "$reader: no fixtures found (SHARED=$SHARED)"; continue; }
  per_file=$(( (COUNT + ${#files[@]} - 1) / ${#files[@]} ))
  echo "== $reader: $per_file variants of each of ${#files[@]} files"
  python3 scripts/mutate-inputs.py --bin "$BIN" --count "$per_file" --seed "$SEED" --jobs "$JOBS" --timeout "$TIMEOUT" \
    --memory-mb "$MEMORY_MB" --effects-every 10 --keep "$KEEP/$reader" "${files[@]}" || status=1
done
exit $status
