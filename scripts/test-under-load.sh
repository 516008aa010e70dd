#!/usr/bin/env bash
# The test suite on a loaded machine: one CPU-burning process per core runs beside CTest, so a
# test that depends on timing (a deadline, a race, a too-short timeout) fails here first.
# Builds build/test as scripts/test.sh does, then runs CTest RUNS times in a row (default 2);
# extra arguments go to CTest (e.g. `-R '^cli_'`, `-LE reference`). --build-dir runs the tests of
# another configured build (with --no-build: as it is).
# Usage: scripts/test-under-load.sh [--runs N] [--no-build] [--build-dir DIR] [CTEST ARGS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=${DEEPVIS_JOBS:-2}
runs=2
build=1
dir=build/test
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --build-dir) dir=$2; shift 2 ;;
    *) break ;;
  esac
done
cd "$root"
if ((build)); then
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DDEEPVIS_ENABLE_ASSERT=ON >/dev/null
  cmake --build "$dir" -j"$jobs"
fi

burners=()
stop_burners() {
  for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${burners[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_burners EXIT
cores=$(nproc)
for ((i = 0; i < cores; ++i)); do
  bash -c 'while :; do :; done' &
  burners+=($!)
done
echo "test-under-load: ${#burners[@]} CPU burners (pids ${burners[*]}) beside CTest, $runs run(s)"

for ((r = 1; r <= runs; ++r)); do
  start=$(date +%s)
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 900 "$@"
  echo "test-under-load: run $r of $runs passed in $(($(date +%s) - start)) s under load"
done
