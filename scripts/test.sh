#!/usr/bin/env bash
# The whole test suite, as the README states it and .ci/run calls it:
#   1. Release build with internal assertions, every test (unit, ONNX conformance, PyTorch reference, CLI,
#      every public header compiled on its own).
#   2. The installed package consumed by another CMake project (find_package and add_subdirectory).
#   3. The unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage: scripts/test.sh [--no-sanitize]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=${DEEPVIS_JOBS:-2}
cd "$root"
# Idle OpenMP workers sleep instead of spinning (unless the caller chose): beside another job on
# both cores, spinning workers take the CPU from the threads with work (the deepvis CLI does the
# same, tools/deepvis/main.cpp). Results do not depend on it; OpenBLAS' variables stay untouched.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

# Unity builds (CMake's CMAKE_UNITY_BUILD: up to 8 sources of a target compiled as one): most of
# a test source's compile time is instantiating the same network and kernel templates, so this
# builds the suite about 3x faster. Sources must therefore not define clashing file-local names.
unity=(-DCMAKE_UNITY_BUILD=ON)

echo "== format: every C++ file as .clang-format says (clang-format 14)"
# Fails listing the first differences; fix with: git ls-files -z '*.hpp' '*.cpp' | xargs -0 clang-format-14 -i
if command -v clang-format-14 >/dev/null; then
  git ls-files -z '*.hpp' '*.cpp' | xargs -0 clang-format-14 --dry-run -Werror
else
  echo "clang-format-14 not installed (scripts/install-deps.sh installs it); format check skipped" >&2
fi

echo "== build and test (Release, assertions on)"
# DEEPVIS_CLUSTER_TESTS=ON (CI sets it): also the cluster recipes' tests (needs install-deps.sh --cluster).
cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Release -DDEEPVIS_ENABLE_ASSERT=ON "${unity[@]}" \
      -DDEEPVIS_CLUSTER_TESTS="${DEEPVIS_CLUSTER_TESTS:-OFF}" >/dev/null
cmake --build build/test -j"$jobs"
ctest --test-dir build/test --output-on-failure -j"$jobs" --timeout 900

echo "== package: install, then build consumers with find_package and add_subdirectory"
rm -rf build/install build/consumer-find build/consumer-subdir
cmake --install build/test --prefix "$root/build/install" >/dev/null
cmake -S tests/package/find_package -B build/consumer-find -DCMAKE_PREFIX_PATH="$root/build/install" >/dev/null
cmake --build build/consumer-find -j"$jobs" >/dev/null
./build/consumer-find/consumer
cmake -S tests/package/add_subdirectory -B build/consumer-subdir -DDEEPVIS_SOURCE="$root" >/dev/null
cmake --build build/consumer-subdir -j"$jobs" >/dev/null
./build/consumer-subdir/consumer

if [[ "${1:-}" != "--no-sanitize" ]]; then
  echo "== unit tests under ASan + UBSan"
  # -g1 (line tables, enough for the sanitizers' stack traces) instead of -g: a third less compile time.
  cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DDEEPVIS_SANITIZE=ON -DDEEPVIS_ENABLE_ASSERT=ON "${unity[@]}" \
        -DCMAKE_CXX_FLAGS="-O1" -DCMAKE_CXX_FLAGS_DEBUG="-g1" >/dev/null
  cmake --build build/asan -j"$jobs"
  # Not under the sanitizers: the PyTorch reference suites, slow cases, the trained ImageNet
  # network's minutes-long runs (label real), the cluster recipes, the compile-fail cases and the
  # header self-containment check (label headers; both only compile); the Release run covers them.
  ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build/asan --output-on-failure -j"$jobs" \
    -LE "reference|slow|real|cluster|compile_fail|headers" --timeout 900
fi
echo "== all tests passed"
