#!/usr/bin/env python3
"""compare-outputs.py A B: byte-compares every file of two output trees (e.g. two `perturbridge demo` folders
written to the same path by two builds, to check that a refactoring changed no result). Files that differ only in
wall-clock fields (JSON keys / CSV columns that are timings, RSS or dates; run.json's dataFingerprint, which hashes
the input files' modification times) are re-compared with those fields removed and reported as 'volatile-only';
REPORT.md/.html without their stage-timing cells and total; TensorBoard event files (named and stamped by wall time)
by their (step, tag, value) records only (minus 'Rows per second'); .h5ad files by their datasets and attributes
(HDF5 stores object modification times). Exit status 1 when anything else differs. Needs h5py."""
import csv, filecmp, json, os, re, struct, sys
VOLATILE = {"seconds", "rowsPerSecond", "peakRSSMB", "epochSeconds", "rows_per_s", "peak_rss_mb", "createdAt",
            "finishedAt", "startedAt", "updatedAt", "date", "wallSeconds", "elapsedSeconds", "time", "timestamp",
            "dataFingerprint"}
TIMING = re.compile(r'\| [0-9.]+ \| `perturbridge|<td class="num">[0-9.]+</td><td><code>perturbridge|Total: [0-9.]+ s')
def strip(o):
    if isinstance(o, dict): return {k: strip(v) for k, v in o.items() if k not in VOLATILE}
    if isinstance(o, list): return [strip(v) for v in o]
    return o
def load(path):
    if path.endswith(".jsonl"): return [strip(json.loads(l)) for l in open(path)]
    if path.endswith(".json"): return strip(json.load(open(path)))
    if path.endswith(".h5ad"): return h5(path)
    if os.path.basename(path) in ("REPORT.md", "REPORT.html"): return TIMING.sub("", open(path).read())
    if path.endswith(".csv"):
        rows = list(csv.reader(open(path)))
        keep = [i for i, h in enumerate(rows[0]) if h not in VOLATILE]
        return [[r[i] for i in keep] for r in rows]
    return None
def pb(buf):
    """Minimal protobuf decoder: list of (field, value) with nested bytes left raw."""
    out = []; i = 0
    def varint():
        nonlocal i; r = s = 0
        while True:
            b = buf[i]; i += 1; r |= (b & 0x7f) << s; s += 7
            if b < 0x80: return r
    while i < len(buf):
        key = varint(); f, w = key >> 3, key & 7
        if w == 0: out.append((f, varint()))
        elif w == 1: out.append((f, buf[i:i+8])); i += 8
        elif w == 5: out.append((f, buf[i:i+4])); i += 4
        else: n = varint(); out.append((f, buf[i:i+n])); i += n
    return out
def events(folder):
    """(step, tag, value bytes) of every scalar in the folder's event files, minus wall time and 'Rows per second'."""
    recs = []
    for f in sorted(os.listdir(folder)):
        if "tfevents" not in f: continue
        data = open(os.path.join(folder, f), "rb").read(); i = 0
        while i < len(data):
            n = struct.unpack("<Q", data[i:i+8])[0]; rec = data[i+12:i+12+n]; i += 12 + n + 4
            ev = dict(pb(rec)); step = ev.get(2, 0)
            if 3 in ev: recs.append(("file_version", ev[3])); continue
            for f5, value in pb(ev.get(5, b"")):
                v = dict(pb(value)); tag = v.get(1, b"").decode()
                if tag != "Rows per second": recs.append((step, tag, v.get(2)))
    return recs
def canon(a):
    import numpy as np
    a = np.asarray(a)
    return repr(a.tolist()).encode() if a.dtype == object else a.tobytes() + str(a.dtype).encode()
def h5(path):
    """Every dataset value and attribute of an HDF5 file (object modification times are not content)."""
    import h5py, numpy as np
    out = {}
    with h5py.File(path) as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset): out[name] = canon(obj[()])
            for k, a in obj.attrs.items(): out[name + "@" + k] = canon(a)
        f.visititems(visit)
        for k, a in f.attrs.items(): out["@" + k] = canon(a)
    return out
A, B = sys.argv[1:3]; same = vol = 0; bad = []
files = sorted(os.path.relpath(os.path.join(d, f), A) for d, _, fs in os.walk(A) for f in fs)
others = sorted(os.path.relpath(os.path.join(d, f), B) for d, _, fs in os.walk(B) for f in fs)
ev = {os.path.dirname(f) for f in files + others if "tfevents" in f}
for d in sorted(ev):
    print(("same" if events(os.path.join(A, d)) == events(os.path.join(B, d)) else "DIFFER"), "event records in", d)
    if events(os.path.join(A, d)) != events(os.path.join(B, d)): bad.append(d + "/events")
for f in files:
    if "tfevents" in f: continue
    pa, pb = os.path.join(A, f), os.path.join(B, f)
    if not os.path.exists(pb): bad.append(f); print("MISSING in B", f); continue
    if filecmp.cmp(pa, pb, shallow=False): same += 1; continue
    la = load(pa)
    if la is not None and la == load(pb): vol += 1; print("volatile-only", f); continue
    bad.append(f); print("DIFFER", f)
for f in others:
    if "tfevents" not in f and f not in files: bad.append(f); print("ONLY in B", f)
print(f"byte-identical {same}, differing only in volatile fields {vol}, differing {len(bad)}")
sys.exit(1 if bad else 0)
