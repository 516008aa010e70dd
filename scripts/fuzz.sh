#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz with clang (build/fuzz) and runs each for SECONDS
# (default 60), from a copy of its committed seed corpus (tests/fuzz/corpus/KIND; make_seeds.py
# writes the caffe and cli seeds). Exits non-zero when any harness finds a
# crash, leak, hang (> 10 s per input), out-of-memory (> 2 GB) or sanitizer report; the input is
# left in build/fuzz/artifacts/. Usage: scripts/fuzz.sh [SECONDS] [HARNESS...]
set -euo pipefail
seconds=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/fuzz
cxx=${CXX_FUZZ:-$(command -v clang++-14 || command -v clang++)}
[[ -n "$cxx" ]] || { echo "fuzz: clang++ not found (apt-get install clang)" >&2; exit 2; }

harnesses=("$@")
((${#harnesses[@]})) || harnesses=(fuzz_onnx_load fuzz_onnx_run fuzz_caffe fuzz_npy fuzz_image fuzz_idx fuzz_cli)
declare -A corpus=([fuzz_onnx_load]=onnx [fuzz_onnx_run]=onnx [fuzz_caffe]=caffe [fuzz_npy]=npy [fuzz_image]=image
                   [fuzz_idx]=idx [fuzz_cli]=cli)
declare -A max_len=([fuzz_onnx_load]=16384 [fuzz_onnx_run]=16384 [fuzz_caffe]=16384 [fuzz_npy]=4096 [fuzz_image]=32768
                    [fuzz_idx]=4096 [fuzz_cli]=1024)

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" -DDEEPVIS_FUZZ=ON \
  -DDEEPVIS_BUILD_TESTS=OFF -DDEEPVIS_BUILD_EXAMPLES=OFF -DDEEPVIS_WITH_OPENMP=OFF -DDEEPVIS_WITH_GRABCUT=OFF >/dev/null
cmake --build "$build" -j "${FUZZ_JOBS:-2}" --target "${harnesses[@]}"

mkdir -p "$build/artifacts"
failed=0
for h in "${harnesses[@]}"; do
  kind=${corpus[$h]}
  work=$build/corpus/$h
  mkdir -p "$work"
  log=$build/$h.log
  # -fork-free single process; seeds are read from the committed corpus, new inputs go to $work.
  set +e
  "$build/tests/fuzz/$h" "$work" "$root/tests/fuzz/corpus/$kind" -dict="$root/tests/fuzz/dict/$kind.dict" \
    -max_total_time="$seconds" -max_len="${max_len[$h]}" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$build/artifacts/$h-" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if ((rc == 0)); then
    echo "fuzz: $h: ok, ${execs:-?} executions in ${seconds} s, corpus $(ls "$work" | wc -l) files"
  else
    failed=1
    echo "fuzz: $h: FAILED (exit $rc) after ${execs:-?} executions; log $log, input in $build/artifacts/"
    grep -m3 -E "ERROR: |SUMMARY: |runtime error:" "$log" | sed 's/^/  /' || true
  fi
done
exit $failed
