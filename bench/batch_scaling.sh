#!/usr/bin/env bash
# How `deepvis batch` scales with shards on one machine, and that its memory does not grow with
# the dataset: the figures of the README's "On a cluster" section.
#
#   bench/batch_scaling.sh DEEPVIS [COUNT] [WORKDIR]
#
# 1. Writes the first COUNT (default 1000) Fashion-MNIST test images as PNGs
#    (tests/support/fashion_pngs.py) and runs `deepvis batch saliency,gradcam` over them with
#    models/fashion_cnn.onnx as 1, 2 and 4 shards started at once (each shard one process with
#    OMP_NUM_THREADS=1, as a 1-CPU Slurm task; plus 1 shard with 2 threads), then `batch merge`.
#    Each configuration runs 3 times; the median wall time is reported, with the load average, and
#    the CPU time (user + system) of all its processes, which load hardly changes.
# 2. Peak RSS (/usr/bin/time -v) of one unsharded process at 1 000 and 10 000 images.
# The machine may be shared: times are indicative, RSS does not depend on load.
set -euo pipefail
deepvis=$(realpath "$1"); count=${2:-1000}; work=${3:-/tmp/deepvis-batch-scaling}
root=$(cd "$(dirname "$0")/.." && pwd)
model="$root/models/fashion_cnn.onnx"
methods=saliency,gradcam
mkdir -p "$work"
[[ -d "$work/n$count/images" ]] || python3 "$root/tests/support/fashion_pngs.py" "$count" "$work/n$count" >/dev/null
[[ -d "$work/n10000/images" ]] || python3 "$root/tests/support/fashion_pngs.py" 10000 "$work/n10000" >/dev/null

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "cpus: $(nproc); load average before: $(load)"
echo "| shards run at once | threads each | wall time, median of 3 (s) | items/s | CPU time, median (s) | load average (1, 5, 15 min) at the end |"
echo "|---|---|---|---|---|---|"
for config in "1 2" "1 1" "2 1" "4 1"; do
  read -r shards threads <<<"$config"
  times=(); cpus=()
  for rep in 1 2 3; do
    out="$work/out-$shards-$threads-$rep"; rm -rf "$out"
    # /usr/bin/time: the wall time of the whole configuration, and the CPU time of every process
    # in it (the shell waits for each shard, so their times add up in its own)
    # shellcheck disable=SC2016  # the inner script's variables are its own arguments
    /usr/bin/time -f "%e %U %S" -o "$work/time.txt" bash -c '
      deepvis=$1 methods=$2 model=$3 images=$4 out=$5 shards=$6 threads=$7
      for ((k = 0; k < shards; k++)); do
        shard=(); ((shards == 1)) || shard=(--shard "$k/$shards")
        OMP_NUM_THREADS=$threads "$deepvis" batch "$methods" --model "$model" --images "$images" \
          --out "$out" "${shard[@]}" >/dev/null 2>&1 &
      done
      wait
      ((shards == 1)) || "$deepvis" batch merge "$out" >/dev/null' \
      _ "$deepvis" "$methods" "$model" "$work/n$count/images" "$out" "$shards" "$threads"
    read -r wall user sys <"$work/time.txt"
    times+=("$wall"); cpus+=("$(echo "$user + $sys" | bc -l)")
    [[ $(($(wc -l <"$out/results.csv") - 1)) == "$count" ]] || { echo "incomplete table in $out" >&2; exit 1; }
  done
  median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
  cpu=$(printf '%s\n' "${cpus[@]}" | sort -g | sed -n 2p)
  printf '| %d | %d | %.2f (%s) | %.0f | %.2f | %s |\n' "$shards" "$threads" "$median" \
    "$(printf '%.2f ' "${times[@]}" | sed 's/ $//')" "$(echo "$count / $median" | bc -l)" "$cpu" "$(load)"
done

echo
echo "| images | peak RSS of one \`deepvis batch $methods\` process (MB) | wall (s) |"
echo "|---|---|---|"
for n in 1000 10000; do
  [[ -d "$work/n$n/images" ]] || python3 "$root/tests/support/fashion_pngs.py" "$n" "$work/n$n" >/dev/null
  rm -rf "$work/rss-$n"
  /usr/bin/time -v -o "$work/rss-$n.txt" "$deepvis" batch "$methods" --model "$model" \
    --images "$work/n$n/images" --out "$work/rss-$n" --every 1000 >/dev/null 2>&1
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/rss-$n.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/rss-$n.txt")
  printf '| %d | %.1f | %s |\n' "$n" "$(echo "$rss / 1024" | bc -l)" "$wall"
done
echo "load average after: $(load)"
