#!/usr/bin/env bash
# The numerical tests under each OpenBLAS kernel family a machine of this kind may run:
# OPENBLAS_CORETYPE unset (OpenBLAS picks by CPU), Haswell (AVX2, what an AMD EPYC runs when the
# environment sets it), SkylakeX (AVX-512, Intel Ice Lake) and Zen. The thread-count guarantee
# (tests/nn/parallel_test.cpp) and the PyTorch reference tests must hold under every one of them.
# CI does not run this (it never changes OPENBLAS_CORETYPE); run it after changing a kernel.
# Needs a CPU with AVX-512 for SkylakeX (skipped otherwise) and the build of scripts/test.sh.
# Usage: scripts/test-coretypes.sh [ctest regex, default: the numerical tests]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=${DEEPVIS_JOBS:-2}
build="$root/build/test"
tests=${1:-"^(nn|reference|reference_attribution|reference_generate|attribution_reference_generate|attribution|synthesis)$"}
cd "$root"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DDEEPVIS_ENABLE_ASSERT=ON >/dev/null
cmake --build "$build" -j"$jobs"
failed=()
for core in unset Haswell SkylakeX Zen; do
  if [[ $core == SkylakeX ]] && ! grep -q avx512f /proc/cpuinfo; then
    echo "== OPENBLAS_CORETYPE=$core: skipped (no AVX-512 on this CPU)"
    continue
  fi
  echo "== OPENBLAS_CORETYPE=$core"
  if [[ $core == unset ]]; then
    env -u OPENBLAS_CORETYPE ctest --test-dir "$build" -R "$tests" -j"$jobs" --output-on-failure --timeout 2400 || failed+=("$core")
  else
    OPENBLAS_CORETYPE=$core ctest --test-dir "$build" -R "$tests" -j"$jobs" --output-on-failure --timeout 2400 || failed+=("$core")
  fi
done
if ((${#failed[@]})); then
  echo "== failed under OPENBLAS_CORETYPE: ${failed[*]}"
  exit 1
fi
echo "== numerical tests passed under every OpenBLAS core type"
