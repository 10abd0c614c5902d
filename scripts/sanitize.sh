#!/usr/bin/env bash
# Sanitizer pass (issue #18): one debug build in $SCRATCH with AddressSanitizer on every target (Swift, C, C++) and
# UndefinedBehaviorSanitizer on the C and C++ targets (the HDF5 guard, the RDKit bridge; Swift traps on overflow
# and out-of-bounds access itself, and swiftc has no -sanitize=undefined on Linux), then
#   1. the reader, engine and model tests under ASan + UBSan (LeakSanitizer off: XCTest keeps its own allocations);
#   2. LeakSanitizer on the CLI's main paths (simulate, inspect of .h5ad/GCT/GCTX/run folder, effects, split, pretrain,
#      embed; no suppressions);
#   3. a short fuzz run of every reader under ASan (no address-space limit: ASan reserves terabytes of shadow), with
#      scripts/asan-fuzz-suppressions.txt (libhdf5's own over-reads of damaged headers).
# Any sanitizer report fails the step (halt_on_error) and the script (exit status 1); in the fuzz run a report is
# the case's exit status 86, counted as a failure. scripts/ubsan-suppressions.txt holds the one third-party UB
# (TOMLKit) that every TOML read reaches.
#
#   scripts/sanitize.sh                     # everything (a long build on 2 cores)
#   STEPS="leaks" scripts/sanitize.sh       # one step: tests, leaks, fuzz (space-separated)
#
# Environment: SCRATCH (default .build-asan), STEPS (default "tests leaks fuzz"), FILTER (tests, default the
# reader/engine/model suites), FUZZ_CASES (per reader, default 200), SHARED (default ../shared/data).
# The HDF5 guard's SIGSEGV handler chains to ASan's (installed first): a fault outside a guarded libhdf5 call still
# reaches ASan's report; libhdf5 itself is not instrumented, but ASan's interceptors check its memcpy/memset.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build-asan}
STEPS=${STEPS:-tests leaks fuzz}
FILTER=${FILTER:-PerturbIOTests|PerturbTensorTests|PerturbNNTests|PerturbChemTests|PerturbDataTests|PerturbModelTests}
FUZZ_CASES=${FUZZ_CASES:-200}
SHARED=${SHARED:-../shared/data}
FLAGS=(--scratch-path "$SCRATCH" --sanitize=address -Xcc -fsanitize=undefined -Xcxx -fsanitize=undefined
       -Xswiftc -Xclang-linker -Xswiftc -fsanitize=undefined)
ASAN_DEFAULTS=halt_on_error=1:detect_leaks=0:strict_string_checks=1:detect_stack_use_after_return=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-$ASAN_DEFAULTS}
UBSAN_DEFAULTS=halt_on_error=1:print_stacktrace=1:suppressions=$PWD/scripts/ubsan-suppressions.txt
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-$UBSAN_DEFAULTS}
export OPENBLAS_NUM_THREADS=1 SWIFT_BACKTRACE=enable=no

swift build --build-tests "${FLAGS[@]}"
BIN=$(swift build "${FLAGS[@]}" --show-bin-path)
status=0

if [[ " $STEPS " == *" tests "* ]]; then
  echo "== tests under ASan + UBSan: $FILTER"
  swift test --skip-build "${FLAGS[@]}" --filter "$FILTER" || status=1
fi

if [[ " $STEPS " == *" leaks "* ]]; then
  echo "== LeakSanitizer on the CLI's main paths"
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  printf '{"embedding_dim": 8, "hidden_width": 16, "hidden_layers": 1, "batch_size": 64, "max_epochs": 2,
    "threads": 1, "seed": 3}\n' > "$WORK/tiny.json"
  run() {
    echo "-- perturbridge $*"
    ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=1" "$BIN/perturbridge" "$@" > /dev/null \
      || { echo "FAILED: perturbridge $*"; status=1; }
  }
  run simulate --size small --seed 1 --output "$WORK/sim" --quiet
  run inspect "$WORK/sim/sim_op3.h5ad"
  run inspect "$SHARED/h5ad-scanpy-pbmc68k/pbmc68k_reduced.h5ad"
  run inspect "$SHARED/l1000-cmapr/modzs_n25x50.gctx"
  run inspect "$SHARED/l1000-cmappy/test_p100.gct"
  run effects --input "$SHARED/l1000-l1ktools-pipeline/TEST_A375_24H_X1_B20_NORM_n23x978.gct" --output "$WORK/a375.h5ad"
  SIM=("$WORK/sim/sim_l1000.h5ad" "$WORK/sim/sim_op3.h5ad")
  run split --effects "${SIM[@]}" --kind molecule-holdout --output "$WORK/split.tsv"
  run pretrain --config "$WORK/tiny.json" --effects "${SIM[@]}" --output "$WORK/run" --quiet
  run inspect "$WORK/run"
  run embed --checkpoint "$WORK/run" --output "$WORK/embeddings.h5ad"
fi

if [[ " $STEPS " == *" fuzz "* ]]; then
  echo "== fuzz run under ASan: $FUZZ_CASES cases per reader"
  FIXTURES="$SCRATCH/fuzz-fixtures"
  [ -f "$FIXTURES/done" ] || scripts/make-fuzz-fixtures.sh "$BIN/perturbridge" "$FIXTURES" "$SHARED"
  ASAN_OPTIONS="$ASAN_OPTIONS:exitcode=86:suppressions=$PWD/scripts/asan-fuzz-suppressions.txt" \
    "$BIN/perturbridge-fuzz" run --fixtures "$FIXTURES" --shared "$SHARED" --cases "$FUZZ_CASES" --memory-mb 0 \
    --timeout 60 --keep /tmp/perturbridge-fuzz-asan --quiet || status=1
fi
exit $status
