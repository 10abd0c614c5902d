#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, run and test perturbridge.
# System: OpenBLAS, HDF5, RDKit (+ Boost headers it includes), InChI, pkg-config, Debian's RDKit Python (tests
# compare fingerprints with it). Python (pip): h5py, anndata, safetensors and tensorboard, used only by tests that
# check our files open in the reference tools. R with limma, edgeR and statmod: the black-box oracle of the statistics
# tests (PerturbStatsTests) and the peer of `perturbridge-bench limma`. Open MPI (openmpi-bin: mpirun and
# libmpi.so.40, which CMPI loads under mpirun; libopenmpi-dev: headers for users' own MPI tools): data-parallel
# pretraining, the holdout fan-out and their tests.
# Chromium (headless): the report tests render REPORT.html and check its figures.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
need=()
for pkg in libopenblas-dev libhdf5-dev zlib1g-dev librdkit-dev libboost-dev libinchi-dev python3-rdkit pkg-config \
           r-bioc-limma r-bioc-edger r-cran-statmod openmpi-bin libopenmpi-dev chromium; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
if [ "${PERTURBRIDGE_SKIP_PIP:-0}" != 1 ]; then
    python3 -c "import h5py, anndata, safetensors, tensorboard" 2>/dev/null \
        || python3 -m pip install -q h5py anndata safetensors tensorboard
fi
