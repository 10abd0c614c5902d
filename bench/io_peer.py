#!/usr/bin/env python3
"""Peer for `perturbridge-bench io`: reads the same .h5ad files with h5py and anndata and prints best-of-N
timings as one JSON object.

    python3 bench/io_peer.py --dense DENSE.h5ad --csr CSR.h5ad --chunk-rows 10000 --repeats 3
"""
import argparse
import json
import time

import h5py
import numpy as np


def best(repeats, fn):
    times = []
    check = None
    for _ in range(repeats):
        start = time.perf_counter()
        check = fn()
        times.append(time.perf_counter() - start)
    return min(times), check


def dense_full(path):
    with h5py.File(path, "r") as f:
        x = f["X"][...]
        return float(x[0, 0]) + float(x[-1, -1])


def dense_chunks(path, chunk):
    with h5py.File(path, "r") as f:
        ds = f["X"]
        n = ds.shape[0]
        out = np.empty((min(chunk, n), ds.shape[1]), dtype=np.float32)
        total = 0.0
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            view = out[: stop - start]
            ds.read_direct(view, np.s_[start:stop], np.s_[0 : stop - start])
            total += float(view[0, 0])
        return total


def csr_full(path):
    with h5py.File(path, "r") as f:
        g = f["X"]
        data = g["data"][...]
        indices = g["indices"][...]
        indptr = g["indptr"][...]
        return float(data.sum(dtype=np.float64)) + int(indices[-1]) + int(indptr[-1])


def csr_chunks(path, chunk):
    with h5py.File(path, "r") as f:
        g = f["X"]
        indptr_ds, data_ds, indices_ds = g["indptr"], g["data"], g["indices"]
        n = indptr_ds.shape[0] - 1
        total = 0.0
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            ptr = indptr_ds[start : stop + 1]
            data = data_ds[ptr[0] : ptr[-1]]
            indices = indices_ds[ptr[0] : ptr[-1]]
            total += float(data[0]) + int(indices[0])
        return total


def anndata_full(path):
    import anndata

    a = anndata.read_h5ad(path)
    return a.shape[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dense", required=True)
    parser.add_argument("--csr", required=True)
    parser.add_argument("--chunk-rows", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-anndata", action="store_true")
    args = parser.parse_args()
    result = {"h5py": h5py.__version__, "hdf5": h5py.version.hdf5_version}
    result["dense_full"], _ = best(args.repeats, lambda: dense_full(args.dense))
    result["dense_chunks"], _ = best(args.repeats, lambda: dense_chunks(args.dense, args.chunk_rows))
    result["csr_full"], _ = best(args.repeats, lambda: csr_full(args.csr))
    result["csr_chunks"], _ = best(args.repeats, lambda: csr_chunks(args.csr, args.chunk_rows))
    if not args.no_anndata:
        from importlib.metadata import version

        result["anndata"] = version("anndata")
        result["anndata_dense_full"], _ = best(args.repeats, lambda: anndata_full(args.dense))
        result["anndata_csr_full"], _ = best(args.repeats, lambda: anndata_full(args.csr))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
