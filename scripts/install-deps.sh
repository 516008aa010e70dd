#!/usr/bin/env bash
# Installs every Debian package deepvis needs to build, test and benchmark.
# Does nothing when they are all present. Usage: scripts/install-deps.sh [--minimal] [--cluster]
#   --minimal   only what the library, CLI and unit tests need (no PyTorch, OpenCV, Chromium).
#   --cluster   also what the tests of the cluster recipes need (scripts/cluster, tests/cluster,
#               cmake -DDEEPVIS_CLUSTER_TESTS=ON): Slurm and munge, and PyYAML for the Kubernetes
#               manifests. Not in the default set: nothing else uses them.
set -euo pipefail

core=(build-essential cmake pkg-config
      libxtensor-dev libxtensor-blas-dev libxsimd-dev libopenblas-dev libopenblas-openmp-dev liblapack-dev
      libstb-dev libpng-dev libjpeg62-turbo-dev doctest-dev libonnx-dev libprotobuf-dev protobuf-compiler zlib1g-dev
      libcli11-dev
      libonnx-testdata dataset-fashion-mnist)
# PyTorch is the numerical and speed reference; OpenCV gives GrabCut; Chromium tests the report;
# clang 14 with its runtime libraries (libFuzzer, ASan, UBSan; only recommended by clang-14) builds
# the fuzz harnesses (scripts/fuzz.sh, run by .ci/run); time measures the hostile-input table;
# clang-format 14 checks every C++ file against .clang-format (scripts/test.sh).
extra=(python3-torch python3-torchvision python3-onnx python3-numpy
       libbenchmark-dev libopencv-dev chromium time clang-14 libclang-rt-14-dev
       clang-format-14)

cluster=(slurm-wlm munge python3-yaml)

want=("${core[@]}")
minimal=0
for arg in "$@"; do
  case "$arg" in
    --minimal) minimal=1 ;;
    --cluster) want+=("${cluster[@]}") ;;
    *) echo "usage: scripts/install-deps.sh [--minimal] [--cluster]" >&2; exit 2 ;;
  esac
done
((minimal)) || want+=("${extra[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""; [[ $(id -u) == 0 ]] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
