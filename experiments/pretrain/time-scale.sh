#!/usr/bin/env bash
# time_scale_hours on the simulator's L1000-like dataset (README "Pretraining"): the demo's LPM config
# (experiments/holdout/lpm-demo.json, 20 epochs) trained with raw hours (scale 1) and with days (scale 24), against
# the RMSE of predicting every training value by its gene's training mean (numpy, anndata). Prints one line per run.
# Usage: experiments/pretrain/time-scale.sh [OUTPUT_FOLDER]   (B=path/to/perturbridge to use another binary)
set -euo pipefail
B=${B:-.build/release/perturbridge}
OUT=${1:-checkpoints/time-scale}
mkdir -p "$OUT"
"$B" simulate --output "$OUT/sim" > /dev/null 2>&1
for scale in 1 24; do
    sed "s/\"time_scale_hours\": 24/\"time_scale_hours\": $scale/" experiments/holdout/lpm-demo.json \
        > "$OUT/config-$scale.json"
    rm -rf "$OUT/scale-$scale"
    "$B" pretrain --config "$OUT/config-$scale.json" --effects "$OUT/sim/sim_l1000.h5ad" --threads 1 \
        --output "$OUT/scale-$scale" > /dev/null 2>&1
done
python3 - "$OUT" <<'PY'
import csv, sys
import anndata, numpy as np

out = sys.argv[1]
table = anndata.read_h5ad(f"{out}/sim/sim_l1000.h5ad")
x = np.asarray(table.X, dtype=np.float64)
rows = [r for r in csv.reader(open(f"{out}/scale-1/split.tsv"), delimiter="\t") if not r[0].startswith("#")][1:]
train = {r[0] for r in rows if r[4] == "train"}
keep = np.array([name in train for name in table.obs_names])
values = x[keep]
gene_means = np.nanmean(values, axis=0)
baseline = np.sqrt(np.nanmean((values - gene_means) ** 2))
print(f"gene means (training rows {keep.sum()}): train RMSE {baseline:.4f}")
for scale in (1, 24):
    last = list(csv.DictReader(open(f"{out}/scale-{scale}/metrics.csv")))[-1]
    print(f"time_scale_hours {scale}: epoch {last['epoch']} train RMSE {float(last['train_rmse']):.4f}, "
          f"validation RMSE {float(last['val_rmse']):.4f}, Pearson {float(last['val_pearson']):.4f}")
PY
