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
#   --wait   return only when the merge job has completed (exit 0), or when it cannot: a task
#            failed, so the merge never starts (it stays pending as DependencyNeverSatisfied, or
#            is cancelled where the cluster sets DependencyParameters=kill_invalid_depend), or the
#            merge failed (exit 1). Resubmit a failed task alone, see deepvis-batch.sbatch.
#
# Prints the two job ids. Anything else about the jobs (partition, time limit, account) goes in
# sbatch's own environment variables, which apply to both jobs:
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
merge=$(sbatch --parsable --dependency="afterok:$array" --output="$out/slurm/merge-%j.out" \
        "$here/deepvis-merge.sbatch" "$out")
merge=${merge%%;*}
echo "submit-slurm: merge job $merge after array job $array: $out/results.csv"
((${#wait[@]})) || exit 0

# --wait: poll the merge job (sbatch --wait reports 0 for a job cancelled before it ran).
while :; do
  info=$(scontrol -o show job "$merge" 2>/dev/null) || {
    # the job has left slurmctld's memory (MinJobAge): judge by its output
    [[ -f "$out/results.csv" ]] && exit 0
    echo "submit-slurm: merge job $merge is gone and $out/results.csv does not exist" >&2; exit 1; }
  state=$(grep -o 'JobState=[A-Z_]*' <<<"$info"); state=${state#JobState=}
  reason=$(grep -o 'Reason=[A-Za-z_]*' <<<"$info"); reason=${reason#Reason=}
  case "$state" in
    COMPLETED) echo "submit-slurm: merge job $merge completed: $out/results.csv"; exit 0 ;;
    PENDING | CONFIGURING | RUNNING | COMPLETING | REQUEUED | RESIZING | SUSPENDED)
      if [[ "$reason" == DependencyNeverSatisfied ]]; then
        echo "submit-slurm: a task of array job $array failed (see $out/slurm/): merge job $merge will not run;" \
             "resubmit the task, then the merge (or scancel $merge)" >&2
        exit 1
      fi ;;
    *) echo "submit-slurm: merge job $merge ended $state ($reason); see $out/slurm/" >&2; exit 1 ;;
  esac
  sleep 5
done
