#!/usr/bin/env python3
"""PyTorch CPU peer for the multiout (CPB) training benchmark: the published LPM "dense union output + mask".

Reads the effects .h5ad files written by the Swift bench (h5py, block by block: X, the measured mask and the obs
columns dataset/context/compounds/log_dose/time_h), builds global sorted vocabularies (compound code 0 = Control,
genes = the sorted union of every file's var index) and trains on every row of every file: blocks of `--block` rows
in a seeded random order across files are appended to a shuffle buffer of `--buffer-rows` conditions; whenever it
is exceeded it is shuffled and batches of `--batch` rows are popped until it drops below; the tail is shuffled and
emptied. Each batch scatters its rows into a dense target [batch, V] (0 where unmeasured) and mask. The mask is
gene panels (`obs/gene_panel` codes into the columns of `varm/gene_panels`) where present, else `layers/measured`.
Model: Embedding(dataset), Embedding(context), EmbeddingBag(compound, mean), Linear(1->D) of log_dose and of
time_h / time_scale (missing -> 0), concat 5*D -> 256 -> 256 -> V (ReLU, dropout 0.1, Xavier ReLU gain), masked
MSE, AdamW(lr 2e-3, wd 0.01). `--max-seconds` stops early (0 = one full epoch). Prints one JSON object.

    python3 bench/cpb_peer.py --threads 2 --batch 4096 --max-seconds 120 --seed 13 FILE.h5ad ...
"""
import argparse
import itertools
import json
import math
import resource
import sys
import time

import h5py
import numpy as np
import torch
from torch import nn

from peer_common import strings, vocabularies


class LPM(nn.Module):
    def __init__(self, n_ds, n_ctx, n_cpd, n_gene, d=128):
        super().__init__()
        self.dataset = nn.Embedding(n_ds, d)
        self.context = nn.Embedding(n_ctx, d)
        self.compound = nn.EmbeddingBag(n_cpd, d, mode="mean")
        self.dose = nn.Linear(1, d)
        self.time = nn.Linear(1, d)
        self.mlp = nn.Sequential(nn.Linear(5 * d, 256), nn.ReLU(), nn.Dropout(0.1),
                                 nn.Linear(256, 256), nn.ReLU(), nn.Dropout(0.1), nn.Linear(256, n_gene))
        for m in self.mlp:
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("relu"))

    def forward(self, ds, ctx, cpd, offsets, dose, tm):
        x = torch.cat([self.dataset(ds), self.context(ctx), self.compound(cpd, offsets),
                       self.dose(dose), self.time(tm)], dim=1)
        return self.mlp(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=4096)
    p.add_argument("--buffer-rows", type=int, default=100_000, help="shuffle buffer size in conditions")
    p.add_argument("--block", type=int, default=2048, help="rows read from a file at a time")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--time-scale", type=float, default=1.0)
    p.add_argument("--max-seconds", type=float, default=0, help="stop after this much training time; 0 = one epoch")
    p.add_argument("files", nargs="+")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    meta = []
    for f in a.files:
        h = h5py.File(f, "r")
        obs = h["obs"]
        panels = None
        if "gene_panel" in obs:  # as the Swift reader: panels when present, else layers/measured
            members = np.ascontiguousarray((h["varm"]["gene_panels"][:] != 0).T, dtype=np.float32)  # [panels, genes]
            panels = (obs["gene_panel"][:].astype(np.int64), torch.from_numpy(members))
        meta.append(dict(h=h, ds=strings(obs, "dataset"), ctx=strings(obs, "context"), cpd=strings(obs, "compounds"),
                         dose=obs["log_dose"][:].astype(np.float32),
                         time=np.nan_to_num(obs["time_h"][:] / a.time_scale).astype(np.float32),
                         genes=strings(h["var"], h["var"].attrs["_index"]), panels=panels))
    (ds_v, ds_i), (ctx_v, ctx_i), (cpd_v, cpd_i), (gene_v, gene_i) = vocabularies(meta)
    for m in meta:
        m["ds_c"] = np.array([ds_i[x] for x in m["ds"]], dtype=np.int64)
        m["ctx_c"] = np.array([ctx_i[x] for x in m["ctx"]], dtype=np.int64)
        m["cpd_c"] = [[cpd_i[k] for k in x.split("|")] if x else [0] for x in m["cpd"]]
        m["cols"] = torch.tensor([gene_i[g] for g in m["genes"]], dtype=torch.int64)  # file column -> union index
    V = len(gene_v)

    model = LPM(len(ds_v), len(ctx_v), len(cpd_v), V)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    rng = np.random.RandomState(a.seed)
    blocks = [(k, lo, min(len(m["ds"]), lo + a.block))
              for k, m in enumerate(meta) for lo in range(0, len(m["ds"]), a.block)]
    model.train()
    stats = dict(rows=0, steps=0, loss=math.nan)
    start = time.perf_counter()
    last_report = start

    def train(batch):
        nonlocal last_report
        b = len(batch)
        target, mask = torch.zeros(b, V), torch.zeros(b, V)
        ds, ctx, dose, tm, cpd, offsets = [], [], [], [], [], []
        batch.sort(key=lambda e: e[0])  # group by file (order within a batch is immaterial) to scatter by slices
        lo = 0
        for k, group in itertools.groupby(batch, key=lambda e: e[0]):
            rows = list(group)
            hi, m = lo + len(rows), meta[k]
            target[lo:hi].index_copy_(1, m["cols"], torch.from_numpy(np.stack([e[2] for e in rows])))
            if m["panels"] is None:
                bits = np.unpackbits(np.stack([e[3] for e in rows]), axis=1, count=len(m["cols"]))
                mask[lo:hi].index_copy_(1, m["cols"], torch.from_numpy(bits).float())
            else:
                codes, members = m["panels"]
                mask[lo:hi].index_copy_(1, m["cols"], members[torch.from_numpy(codes[[e[1] for e in rows]])])
            lo = hi
        for k, r, _, _ in batch:
            m = meta[k]
            ds.append(m["ds_c"][r]); ctx.append(m["ctx_c"][r]); dose.append(m["dose"][r]); tm.append(m["time"][r])
            offsets.append(len(cpd)); cpd.extend(m["cpd_c"][r])
        opt.zero_grad(set_to_none=True)
        pred = model(torch.tensor(ds), torch.tensor(ctx), torch.tensor(cpd), torch.tensor(offsets),
                     torch.tensor(dose).unsqueeze(1), torch.tensor(tm).unsqueeze(1))
        loss = (mask * (pred - target) ** 2).sum() / mask.sum().clamp_min(1)
        loss.backward()
        opt.step()
        stats["rows"] += b
        stats["steps"] += 1
        stats["loss"] = loss.item()
        now = time.perf_counter()
        if now - last_report >= 10:
            last_report = now
            print(f"rows {stats['rows']}  {stats['rows'] / (now - start):.1f} rows/s  loss {stats['loss']:.5f}",
                  file=sys.stderr, flush=True)
        return a.max_seconds > 0 and now - start >= a.max_seconds

    def drain(buffer, floor):  # shuffle, then pop batches until fewer than `floor` rows remain; True = out of time
        buffer[:] = [buffer[i] for i in rng.permutation(len(buffer))]
        while len(buffer) >= max(floor, 1):
            batch = buffer[-a.batch:]
            del buffer[-a.batch:]
            if train(batch):
                return True
        return False

    buffer, stopped = [], False  # buffered row: (file, row, X row float32, packed mask bits or None)
    for s in rng.permutation(len(blocks)):
        k, lo, hi = blocks[s]
        m = meta[k]
        X = m["h"]["X"][lo:hi].astype(np.float32, copy=False)  # [rows, file genes]
        bits = np.packbits(m["h"]["layers"]["measured"][lo:hi] != 0, axis=1) if m["panels"] is None else None
        buffer.extend((k, lo + i, X[i].copy(), None if bits is None else bits[i].copy()) for i in range(hi - lo))
        if len(buffer) > a.buffer_rows and drain(buffer, a.buffer_rows):
            stopped = True
            break
    if not stopped:
        drain(buffer, 0)
    seconds = time.perf_counter() - start
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": a.batch,
                      "rows": stats["rows"], "steps": stats["steps"], "seconds": seconds,
                      "rows_per_s": stats["rows"] / seconds, "last_loss": stats["loss"], "union_genes": V,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "complete_epoch": stats["rows"] == sum(len(m["ds"]) for m in meta)}))


if __name__ == "__main__":
    main()
