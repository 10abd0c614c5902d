"""Helpers shared by the benchmark peers that read perturbridge effects .h5ad files with h5py."""
import h5py
import numpy as np


def strings(group, name):
    """A string column of an anndata frame (plain or categorical) as an object array."""
    node = group[name]
    if isinstance(node, h5py.Group):  # categorical
        cats = np.array([c.decode() if isinstance(c, bytes) else c for c in node["categories"][:]], dtype=object)
        return cats[node["codes"][:]]
    return np.array([v.decode() if isinstance(v, bytes) else v for v in node[:]], dtype=object)


def vocabularies(meta):
    """Global sorted vocabularies over files (dicts with ds, ctx, cpd, genes) as the Swift trainer builds them:
    (datasets, contexts, compounds with code 0 = Control, genes), each with its key -> code map."""
    ds_v = sorted({x for m in meta for x in m["ds"]})
    ctx_v = sorted({x for m in meta for x in m["ctx"]})
    cpd_v = ["Control"] + sorted({k for m in meta for x in m["cpd"] if x for k in x.split("|")} - {"Control"})
    gene_v = sorted({x for m in meta for x in m["genes"]})
    return [(v, {k: i for i, k in enumerate(v)}) for v in (ds_v, ctx_v, cpd_v, gene_v)]
