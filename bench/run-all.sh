#!/usr/bin/env bash
# `make bench`: every benchmark with its peer, 2 threads; the corpus benchmark at the paper's full shape.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=.build/release/perturbridge-bench
$bench engine --threads 2
$bench model --threads 2
$bench io
$bench chem --threads 2
$bench limma --threads 2
$bench limma-tahoe --threads 2
$bench cpb --threads 2 --fraction "${CPB_FRACTION:-1}"
