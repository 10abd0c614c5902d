#!/usr/bin/env python3
"""Seeded mutation harness for the perturbridge readers.

Takes real input files, makes damaged copies the way downloads and disks damage them (truncation at an offset,
flipped bytes, a zeroed range, a block copied over another place), runs `perturbridge inspect FILE` (and, for
every --effects-every-th case, `perturbridge effects --input FILE --output ...`) on each copy under a per-case
timeout and address-space limit, and records exit status, signal and time.

A case passes when the command exits 0, or exits 1 with an `error:` message on stderr. Anything else is a
failure: a signal (crash), exit 2 (internal error), another status, exit 1 without a message, or a timeout. The
damaged copies of failing cases are kept in --keep so they can be replayed.

Every variant is a pure function of (--seed, fixture file name, case number): the same command finds the same
cases again. Example:

  scripts/mutate-inputs.py --bin .build/debug/perturbridge --count 100 --keep /tmp/mutants \\
      ../shared/data/h5ad-scanpy-pbmc68k/pbmc68k_reduced.h5ad ../shared/data/l1000-cmapr/modzs_n25x50.gctx
"""
import argparse
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

MUTATIONS = ("truncate", "flip", "zero", "copy")


def pick_offset(rng, size):
    """An offset in the file; half of the picks fall in the first 64 KiB, where HDF5 keeps most metadata."""
    if size <= 1:
        return 0
    if rng.random() < 0.5:
        return rng.randrange(min(size, 1 << 16))
    return rng.randrange(size)


def mutate(data, rng):
    """Returns (damaged bytes, description) for one seeded mutation of `data`."""
    size = len(data)
    kind = rng.choice(MUTATIONS)
    out = bytearray(data)
    if kind == "truncate":
        at = pick_offset(rng, size)
        return bytes(out[:at]), f"truncate at {at}"
    if kind == "flip":
        positions = sorted(pick_offset(rng, size) for _ in range(rng.randint(1, 16)))
        for p in positions:
            out[p] ^= 1 << rng.randrange(8) if rng.random() < 0.5 else rng.randrange(1, 256)
        return bytes(out), "flip bytes at " + ",".join(map(str, positions))
    if kind == "zero":
        at = pick_offset(rng, size)
        length = min(size - at, rng.choice((1, 8, 64, 512, 4096, 65536)))
        out[at:at + length] = bytes(length)
        return bytes(out), f"zero {length} bytes at {at}"
    source = pick_offset(rng, size)
    target = pick_offset(rng, size)
    length = min(size - source, size - target, rng.choice((8, 64, 512, 4096)))
    out[target:target + length] = data[source:source + length]
    return bytes(out), f"copy {length} bytes from {source} to {target}"


def limit_memory(megabytes):
    def apply():
        limit = megabytes << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def classify(status, stderr, timed_out):
    if timed_out:
        return "timeout"
    if status < 0:
        return f"signal {signal.Signals(-status).name}"
    if status == 0:
        return "ok"
    if status == 1:
        return "user-error" if "error:" in stderr else "exit 1 without message"
    if status == 2:
        return "internal error (exit 2)"
    return f"exit {status}"


def run_case(command, timeout, memory_mb):
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               preexec_fn=limit_memory(memory_mb), start_new_session=True)
    try:
        _, err = process.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, err = process.communicate()
        timed_out = True
    elapsed = time.monotonic() - start
    stderr = err.decode("utf-8", "replace")
    return classify(process.returncode, stderr, timed_out), elapsed, stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("fixtures", nargs="+", help=".h5ad, .gct or .gctx files to damage")
    parser.add_argument("--bin", default=".build/debug/perturbridge", help="the perturbridge executable")
    parser.add_argument("--count", type=int, default=50, help="variants per fixture")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--first", type=int, default=0, help="number of the first case (to continue a run)")
    parser.add_argument("--timeout", type=float, default=20, help="seconds per command")
    parser.add_argument("--memory-mb", type=int, default=4096, help="address-space limit per command (ulimit -v)")
    parser.add_argument("--effects-every", type=int, default=5, help="also run `effects` on every N-th variant (0: never)")
    parser.add_argument("--keep", help="folder for the damaged copies of failing cases and failures.tsv")
    parser.add_argument("--jobs", type=int, default=1, help="cases run at the same time")
    parser.add_argument("--log", help="TSV of every case (fixture, case, command, mutation, outcome, seconds)")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="perturbridge-mutants-")
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    started = time.monotonic()

    def run_variant(task):
        """Damages one copy, runs its commands; returns (fixture name, case, rows of (label, description, outcome, seconds, last line))."""
        fixture, data, case = task
        name = os.path.basename(fixture)
        stem, ext = os.path.splitext(name)
        rng = random.Random(f"{args.seed}:{name}:{case}")
        damaged, description = mutate(data, rng)
        path = os.path.join(work, f"{stem}-{case}{ext}")
        with open(path, "wb") as handle:
            handle.write(damaged)
        commands = [("inspect", [args.bin, "inspect", path])]
        if args.effects_every and case % args.effects_every == 0:
            output = os.path.join(work, f"effects-{stem}-{case}.h5ad")
            commands.append(("effects", [args.bin, "effects", "--input", path, "--output", output]))
        rows = []
        for label, command in commands:
            outcome, elapsed, stderr = run_case(command, args.timeout, args.memory_mb)
            last = stderr.strip().splitlines()[-1][:200] if stderr.strip() else ""
            rows.append((label, description, outcome, elapsed, last))
        if args.keep and any(row[2] not in ("ok", "user-error") for row in rows):
            shutil.copyfile(path, os.path.join(args.keep, f"{stem}-{case}{ext}"))
        for leftover in [path] + [os.path.join(work, f"effects-{stem}-{case}.h5ad{suffix}") for suffix in ("", ".ingest.json")]:
            if os.path.exists(leftover):
                os.remove(leftover)
        return name, case, rows

    totals = Counter()
    failures = []
    slowest = 0.0
    log = open(args.log, "w") if args.log else None
    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for fixture in args.fixtures:
                data = open(fixture, "rb").read()
                per_fixture = Counter()
                tasks = [(fixture, data, case) for case in range(args.first, args.first + args.count)]
                for name, case, rows in pool.map(run_variant, tasks):
                    for label, description, outcome, elapsed, last in rows:
                        slowest = max(slowest, elapsed)
                        totals[(label, outcome)] += 1
                        per_fixture[outcome] += 1
                        if log:
                            log.write(f"{name}\t{case}\t{label}\t{description}\t{outcome}\t{elapsed:.2f}\n")
                        if outcome not in ("ok", "user-error"):
                            failures.append((name, case, label, description, outcome, elapsed, last))
                            print(f"FAIL {name} case {case} {label}: {outcome} after {elapsed:.1f} s ({description}) {last}",
                                  flush=True)
                print(f"{os.path.basename(fixture)}: {args.count} variants: "
                      + ", ".join(f"{k} {v}" for k, v in sorted(per_fixture.items())), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if log:
            log.close()
    if args.keep:
        with open(os.path.join(args.keep, "failures.tsv"), "w") as handle:
            for row in failures:
                handle.write("\t".join(str(x) for x in row) + "\n")
    runs = sum(totals.values())
    print(f"summary: {runs} runs ({len(args.fixtures)} fixtures × {args.count} variants, seed {args.seed}) in "
          f"{time.monotonic() - started:.0f} s, slowest {slowest:.1f} s")
    for (label, outcome), number in sorted(totals.items()):
        print(f"  {label:8s} {outcome:28s} {number}")
    print(f"failures: {len(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
