#!/usr/bin/python3
"""RDKit Python peer for `perturbridge-bench chem`.

Reads SMILES (one per line) from the file given as argv[1] and times Chem.MolFromSmiles + Morgan generator
GetFingerprint (the same work as PerturbChem's Morgan.batch) single-process and with a multiprocessing pool
(RDKit holds the GIL, so processes are Python's way to use all cores). Prints one JSON object on stdout.

Run with Debian's interpreter, which has python3-rdkit:
    /usr/bin/python3 bench/chem_peer.py molecules.smi --radius 2 --bits 2048 --processes 2 --repeats 3
"""
import argparse
import json
import multiprocessing
import time

from rdkit import Chem, RDLogger, rdBase
from rdkit.Chem import rdFingerprintGenerator

_generator = None


def _init(radius, bits):
    global _generator
    RDLogger.DisableLog("rdApp.*")
    _generator = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=bits)


def fingerprint_chunk(smiles):
    """Parses and fingerprints a list of SMILES; returns (valid molecules, total on-bits)."""
    valid = 0
    on_bits = 0
    for smi in smiles:
        mol = Chem.MolFromSmiles(smi)
        if mol is None:
            continue
        fp = _generator.GetFingerprint(mol)
        valid += 1
        on_bits += fp.GetNumOnBits()
    return valid, on_bits


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("smiles_file")
    parser.add_argument("--radius", type=int, default=2)
    parser.add_argument("--bits", type=int, default=2048)
    parser.add_argument("--processes", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with open(args.smiles_file) as handle:
        smiles = [line.rstrip("\n") for line in handle if line.strip()]

    _init(args.radius, args.bits)
    single = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        valid, on_bits = fingerprint_chunk(smiles)
        single = min(single, time.perf_counter() - start)

    n = args.processes
    chunks = [smiles[len(smiles) * k // n: len(smiles) * (k + 1) // n] for k in range(n)]
    parallel = float("inf")
    with multiprocessing.Pool(n, initializer=_init, initargs=(args.radius, args.bits)) as pool:
        pool.map(fingerprint_chunk, [["C"]] * n)  # warm the workers
        for _ in range(args.repeats):
            start = time.perf_counter()
            results = pool.map(fingerprint_chunk, chunks, chunksize=1)
            parallel = min(parallel, time.perf_counter() - start)
    assert sum(r[0] for r in results) == valid and sum(r[1] for r in results) == on_bits

    print(json.dumps({
        "rdkit_version": rdBase.rdkitVersion,
        "molecules": len(smiles),
        "valid": valid,
        "on_bits": on_bits,
        "single_seconds": single,
        "parallel_seconds": parallel,
        "processes": n,
    }))


if __name__ == "__main__":
    main()
