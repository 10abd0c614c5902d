#!/usr/bin/env bash
# Data-parallel pretraining, same global batch: 1 process × 2 threads against `mpirun -np 2` × 1 thread. Prints per
# run the mean training epoch (after the first), rows/s, wall clock, peak RSS, and for the 2-rank run the allreduce
# bytes per step and rank 0's seconds in allreduces per step.
# Build first: swift build -c release --product perturbridge. Options (environment): CONFIG, EPOCHS, BATCH, WORK;
# data: the default simulator (SIZE), or the paper's corpus shape with MANIFEST (a df_annot_split table) and
# FRACTION (share of its molecules), simulated into $WORK/cpb (or DATA: a folder `simulate --manifest` wrote, whose
# split.tsv is used).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PERTURBRIDGE_BIN:-.build/release/perturbridge}
config=${CONFIG:-experiments/pretrain/lpm-multiout.json}
epochs=${EPOCHS:-4}
batch=${BATCH:-256}
work=${WORK:-$(mktemp -d)}
root=(); [ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
split=()
if [ -n "${MANIFEST:-}" ] && [ -z "${DATA:-}" ]; then
  DATA="$work/cpb"
  "$bin" simulate --manifest "$MANIFEST" --fraction "${FRACTION:-0.1}" --smiles-table \
      "${SMILES:-../shared/data/l1000-lincs-metadata/pertinfo.tsv.gz}" --output "$DATA" --quiet
fi
if [ -n "${DATA:-}" ]; then
  files=("$DATA"/*.h5ad)
  [ -f "$DATA/split.tsv" ] && split=(--split "$DATA/split.tsv")
else
  "$bin" simulate --output "$work/sim" --seed 13 --size "${SIZE:-default}" >/dev/null 2>&1
  files=("$work"/sim/*.h5ad)
fi
common=(pretrain --config "$config" --effects "${files[@]}" "${split[@]}" --epochs "$epochs" --batch-size "$batch" --quiet)
start=$(date +%s.%N)
"$bin" "${common[@]}" --threads 2 --output "$work/one" >/dev/null
mid=$(date +%s.%N)
mpirun "${root[@]}" --oversubscribe --mca btl_vader_single_copy_mechanism none -np 2 \
    "$bin" "${common[@]}" --threads 1 --output "$work/two" >/dev/null
end=$(date +%s.%N)
python3 - "$work" "$start" "$mid" "$end" <<'PY'
import json, sys
work, start, mid, end = sys.argv[1], *map(float, sys.argv[2:])
for name, label, wall in [("one", "1 rank x 2 threads", mid - start), ("two", "2 ranks x 1 thread", end - mid)]:
    metrics = [json.loads(line) for line in open(f"{work}/{name}/metrics.jsonl")]
    run = json.load(open(f"{work}/{name}/run.json"))
    later = metrics[1:] or metrics
    seconds = sum(m["seconds"] for m in later) / len(later)
    rows = sum(m["trainRows"] for m in later) / len(later)
    steps = metrics[-1]["step"] / len(metrics)
    peak = max(m.get("peakRSSMB") or 0 for m in metrics)
    line = f"{label}: epoch {seconds:.3f} s, {rows / seconds:,.0f} rows/s, {steps:.0f} steps/epoch, wall {wall:.1f} s, rank 0 peak {peak:,.0f} MiB, val_rmse {metrics[-1]['validation']['rmse']:.4f}"
    if run.get("allreduceBytesPerStep"):
        reduce = sum(m["allreduceSeconds"] for m in later) / len(later) / steps
        line += f"; allreduce {run['allreduceBytesPerStep']:,} bytes/step, {reduce * 1e3:.2f} ms/step ({reduce * steps / seconds:.1%} of the epoch)"
    print(line)
PY
