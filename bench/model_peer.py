#!/usr/bin/env python3
"""PyTorch CPU peer for `perturbridge-bench model`: the same LPM (scalar mode) and the same data pipeline.

Reads the effects .h5ad files written by the Swift bench (h5py, shard by shard: X, layers/measured and the obs
columns dataset/context/compounds/dose_um/time_h), builds global sorted vocabularies (compound code 0 = Control),
and trains one epoch exactly like the Swift trainer: shards in a seeded random order appended to a shuffle buffer
of `--buffer` scalar rows; whenever it is exceeded it is shuffled and batches of `--batch` rows are popped until it
drops below; the tail is shuffled and emptied. Model: Embedding(dataset), Embedding(context), EmbeddingBag(compound,
mean), Embedding(gene), Linear(1->D) of log10 dose (0 -> -5, missing -> 0) and of time, concat 6*D -> 256 -> 256 -> 1
(ReLU, dropout 0.1, Xavier ReLU gain), MSE, AdamW(lr 2e-3, wd 0.01). Prints one JSON object.

    python3 bench/model_peer.py --threads 2 --batch 16384 FILE.h5ad ...
"""
import argparse
import json
import math
import time

import h5py
import numpy as np
import torch
from torch import nn

from peer_common import strings, vocabularies


def log_dose(d):
    out = np.zeros_like(d, dtype=np.float32)
    ok = ~np.isnan(d)
    pos = ok & (d > 0)
    out[pos] = np.clip(np.log10(d[pos]), -5, 5)
    out[ok & (d <= 0)] = -5
    return out


class LPM(nn.Module):
    def __init__(self, n_ds, n_ctx, n_cpd, n_gene, d=128):
        super().__init__()
        self.dataset = nn.Embedding(n_ds, d)
        self.context = nn.Embedding(n_ctx, d)
        self.compound = nn.EmbeddingBag(n_cpd, d, mode="mean")
        self.gene = nn.Embedding(n_gene, d)
        self.dose = nn.Linear(1, d)
        self.time = nn.Linear(1, d)
        self.mlp = nn.Sequential(nn.Linear(6 * d, 256), nn.ReLU(), nn.Dropout(0.1),
                                 nn.Linear(256, 256), nn.ReLU(), nn.Dropout(0.1), nn.Linear(256, 1))
        for m in self.mlp:
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("relu"))

    def forward(self, ds, ctx, cpd, offsets, gene, dose, tm):
        x = torch.cat([self.dataset(ds), self.context(ctx), self.compound(cpd, offsets), self.gene(gene),
                       self.dose(dose), self.time(tm)], dim=1)
        return self.mlp(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=16384)
    p.add_argument("--buffer", type=int, default=1_000_000)
    p.add_argument("--shard", type=int, default=2048)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("files", nargs="+")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    meta = []
    for f in a.files:
        h = h5py.File(f, "r")
        obs = h["obs"]
        genes = strings(h["var"], h["var"].attrs["_index"])
        cpds = strings(obs, "compounds")
        meta.append(dict(h=h, ds=strings(obs, "dataset"), ctx=strings(obs, "context"), cpd=cpds,
                         dose=log_dose(obs["dose_um"][:]), time=np.nan_to_num(obs["time_h"][:]).astype(np.float32),
                         genes=genes))
    (ds_v, ds_i), (ctx_v, ctx_i), (cpd_v, cpd_i), (gene_v, gene_i) = vocabularies(meta)
    for m in meta:  # one compound per condition in the simulated data; controls map to Control
        m["ds_c"] = np.array([ds_i[x] for x in m["ds"]], dtype=np.int64)
        m["ctx_c"] = np.array([ctx_i[x] for x in m["ctx"]], dtype=np.int64)
        m["cpd_c"] = np.array([cpd_i[x.split("|")[0]] if x else 0 for x in m["cpd"]], dtype=np.int64)
        m["gene_c"] = np.array([gene_i[g] for g in m["genes"]], dtype=np.int64)

    model = LPM(len(ds_v), len(ctx_v), len(cpd_v), len(gene_v))
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.97)
    loss_fn = nn.MSELoss()
    rng = np.random.RandomState(a.seed)
    shards = [(k, lo, min(len(m["ds"]), lo + a.shard)) for k, m in enumerate(meta) for lo in range(0, len(m["ds"]), a.shard)]
    model.train()
    stats = dict(rows=0, steps=0, loss=math.nan)

    def train(cols):
        ds, ctx, cpd, gene, dose, tm, y = cols
        b = len(ds)
        opt.zero_grad(set_to_none=True)
        pred = model(torch.from_numpy(ds), torch.from_numpy(ctx), torch.from_numpy(cpd), torch.arange(b),
                     torch.from_numpy(gene), torch.from_numpy(dose).unsqueeze(1), torch.from_numpy(tm).unsqueeze(1))
        loss = loss_fn(pred, torch.from_numpy(y).unsqueeze(1))
        loss.backward()
        opt.step()
        stats["rows"] += b
        stats["steps"] += 1
        stats["loss"] = loss.item()

    start = time.perf_counter()
    order = rng.permutation(len(shards))
    buffer = None
    for s in order:
        k, lo, hi = shards[s]
        m = meta[k]
        X = m["h"]["X"][lo:hi]
        M = m["h"]["layers"]["measured"][lo:hi] != 0
        r, c = np.nonzero(M)
        r_abs = r + lo
        cols = [m["ds_c"][r_abs], m["ctx_c"][r_abs], m["cpd_c"][r_abs], m["gene_c"][c], m["dose"][r_abs], m["time"][r_abs],
                X[r, c].astype(np.float32)]
        buffer = cols if buffer is None else [np.concatenate([x, y]) for x, y in zip(buffer, cols)]
        if len(buffer[0]) > a.buffer:
            perm = rng.permutation(len(buffer[0]))
            buffer = [x[perm] for x in buffer]
            while len(buffer[0]) >= a.buffer:
                train([x[-a.batch:] for x in buffer])
                buffer = [x[:-a.batch] for x in buffer]
    if buffer is not None:
        perm = rng.permutation(len(buffer[0]))
        buffer = [x[perm] for x in buffer]
        while len(buffer[0]) > 0:
            train([x[-a.batch:] for x in buffer])
            buffer = [x[:-a.batch] for x in buffer]
    sched.step()
    seconds = time.perf_counter() - start
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": a.batch,
                      "rows": stats["rows"], "steps": stats["steps"], "seconds": seconds,
                      "rows_per_s": stats["rows"] / seconds, "last_loss": stats["loss"]}))


if __name__ == "__main__":
    main()
