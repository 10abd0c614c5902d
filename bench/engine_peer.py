#!/usr/bin/env python3
"""PyTorch CPU peer for `perturbridge-bench engine`.

Trains the reference LPM shape exactly as the Swift bench does: embeddings of dataset (12), context (200),
compound (EmbeddingBag mean, 2000, one compound per row) and gene (5000), Linear(1->128) of log-dose and of time,
concatenated (6 x 128 = 768) into Linear(768,256)+ReLU+Dropout(0.1) -> Linear(256,256)+ReLU+Dropout(0.1) ->
Linear(256,1); MSE; AdamW(lr 2e-3); random data; Xavier-uniform (ReLU gain) on the MLP. Times whole steps
(zero_grad, forward, loss, backward, optimizer step) after warm-up and prints one JSON object on stdout.

    python3 bench/engine_peer.py --threads 2 --batch 16384 --steps 10 --warmup 2
"""
import argparse
import json
import math
import time

import torch
from torch import nn

D = 128


class LPM(nn.Module):
    def __init__(self):
        super().__init__()
        self.dataset = nn.Embedding(12, D)
        self.context = nn.Embedding(200, D)
        self.compound = nn.EmbeddingBag(2000, D, mode="mean")
        self.gene = nn.Embedding(5000, D)
        self.dose = nn.Linear(1, D)
        self.time = nn.Linear(1, D)
        self.mlp = nn.Sequential(
            nn.Linear(6 * D, 256), nn.ReLU(), nn.Dropout(0.1),
            nn.Linear(256, 256), nn.ReLU(), nn.Dropout(0.1),
            nn.Linear(256, 1),
        )
        for m in self.mlp:
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("relu"))

    def forward(self, ds, ctx, cpd, cpd_offsets, gene, dose, tm):
        x = torch.cat([self.dataset(ds), self.context(ctx), self.compound(cpd, cpd_offsets), self.gene(gene),
                       self.dose(dose), self.time(tm)], dim=1)
        return self.mlp(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=16384)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = LPM()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
    loss_fn = nn.MSELoss()
    b = args.batch
    batches = []
    for _ in range(4):
        batches.append((
            torch.randint(0, 12, (b,)), torch.randint(0, 200, (b,)), torch.randint(0, 2000, (b,)),
            torch.arange(b), torch.randint(0, 5000, (b,)), torch.rand(b, 1) * 4 - 3, torch.rand(b, 1) * 48,
            torch.randn(b, 1),
        ))
    model.train()

    def step(i):
        ds, ctx, cpd, offsets, gene, dose, tm, y = batches[i % len(batches)]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(ds, ctx, cpd, offsets, gene, dose, tm), y)
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(args.warmup):
        step(i)
    start = time.perf_counter()
    loss = math.nan
    for i in range(args.steps):
        loss = step(i)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "batch": b, "steps": args.steps,
        "seconds": seconds, "rows_per_s": args.steps * b / seconds, "last_loss": loss,
    }))


if __name__ == "__main__":
    main()
