#!/usr/bin/env bash
# Runs `deepvis batch` as N shards on a Slurm cluster: a job array of N tasks (deepvis-batch.sbatch)
# and a merge job that starts when all of them have succeeded (deepvis-merge.sbatch).
#
#   scripts/cluster/submit-slurm.sh [--wait] METHOD[,METHOD...] MODEL IMAGES_DIR|MANIFEST.csv OUT N [deepvis batch flags]
#
#   METHOD   the attribution methods, as for `deepvis batch` (e.g. saliency,gradcam)
#   MODEL    an ONNX file (or a .caffemodel with --prototxt among the flags)
#   IMAGES_DIR|MANIFEST.csv   a folder of images (--images) or a CSV manifest (--manifest)
#   OUT      the output folder, on a file system every node sees; Slurm's logs go to OUT/slurm/
#   N        the number of shards = array tasks
#   flags    passed to every task unchanged: --preprocess caffe, --size, --class, --png, --faithfulness, ...
#   --wait   return only when the merge job has ended, with its exit status (sbatch --wait)
#
# Prints the two job ids. Anything else about the jobs (partition, time limit, account, array
# throttle such as %4) goes in sbatch's own environment variables, which apply to both jobs:
# SBATCH_PARTITION, SBATCH_TIMELIMIT, SBATCH_ACCOUNT, ... (see `man sbatch`). The deepvis CLI is
# $DEEPVIS if set, else `deepvis` on PATH on the nodes. Example:
#
#   DEEPVIS=$PWD/build/tools/deepvis/deepvis SBATCH_PARTITION=cpu \
#     scripts/cluster/submit-slurm.sh saliency,gradcam squeezenet1.0.onnx photos/ run/ 8 --preprocess caffe
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
wait=()
if [[ "${1:-}" == "--wait" ]]; then wait=(--wait); shift; fi
if (($# < 5)); then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
methods=$1 model=$2 input=$3 out=$4 shards=$5
shift 5
if ! [[ "$shards" =~ ^[1-9][0-9]*$ ]]; then echo "submit-slurm: N must be a positive integer, got '$shards'" >&2; exit 2; fi
if [[ -d "$input" ]]; then source=(--images "$(realpath "$input")")
elif [[ -f "$input" ]]; then source=(--manifest "$(realpath "$input")")
else echo "submit-slurm: '$input' is neither a folder of images nor a manifest file" >&2; exit 2
fi
[[ -f "$model" ]] || { echo "submit-slurm: model '$model' not found" >&2; exit 2; }
mkdir -p "$out/slurm"
out=$(realpath "$out")

array=$(sbatch --parsable --array="0-$((shards - 1))" --output="$out/slurm/batch-%A_%a.out" \
        "$here/deepvis-batch.sbatch" "$shards" "$methods" --model "$(realpath "$model")" "${source[@]}" --out "$out" "$@")
array=${array%%;*}  # --parsable prints "id" or "id;cluster"
echo "submit-slurm: array job $array: $shards tasks of 'deepvis batch $methods', logs in $out/slurm/"
# sbatch prints the merge job's id as soon as it is submitted; with --wait it then waits for it.
echo -n "submit-slurm: merge job (after array job $array, writes $out/results.csv): "
exec sbatch --parsable "${wait[@]}" --dependency="afterok:$array" --output="$out/slurm/merge-%j.out" \
     "$here/deepvis-merge.sbatch" "$out"
