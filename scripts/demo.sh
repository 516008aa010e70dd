#!/usr/bin/env bash
# The demo: installs what is missing (Debian packages), builds the `deepvis` command-line tool
# (Release), and runs `deepvis gallery` on the embedded Fashion-MNIST models — every technique of
# the library in one HTML report, gallery/index.html, that opens from disk.
# Usage: scripts/demo.sh [gallery flags, e.g. --quick or --out DIR]
#        scripts/demo.sh --imagenet SHARED [gallery flags]
#   --imagenet SHARED: the gallery of the trained ImageNet SqueezeNet 1.0 instead (Caffe
#   convention) on real photos and paintings, read from SHARED/models/squeezenet1.0/,
#   SHARED/models/imagenet_classes.txt, SHARED/images/photos/ and SHARED/images/paintings/
#   (the layout of ../shared; bring your own files in that layout), into gallery-imagenet/.
#   DEEPVIS_JOBS (default 2) build jobs; DEEPVIS_DEMO_BUILD (default build/demo) the build folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=${DEEPVIS_JOBS:-2}
build=${DEEPVIS_DEMO_BUILD:-build/demo}
cd "$root"

# --imagenet SHARED: the ImageNet gallery's arguments (checked before the build: a wrong folder fails fast).
out=gallery
if [[ "${1:-}" == "--imagenet" ]]; then
  shared=${2:?"usage: scripts/demo.sh --imagenet SHARED_FOLDER [gallery flags]"}
  shift 2
  imagenet_args=$("$root/scripts/imagenet-gallery-args.sh" "$shared")
  mapfile -t imagenet <<<"$imagenet_args"
  set -- "${imagenet[@]}" "$@"
  out=gallery-imagenet
fi

echo "== dependencies"
"$root/scripts/install-deps.sh"

echo "== build (Release, deepvis_cli only, -j$jobs)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DDEEPVIS_BUILD_TESTS=OFF -DDEEPVIS_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" --target deepvis_cli -j"$jobs"

# The report goes to gallery/ (gallery-imagenet/) unless --out says otherwise.
has_out=0
args=("$@")
for ((i = 0; i < ${#args[@]}; ++i)); do
  case "${args[i]}" in
    --out) out=${args[i + 1]:-$out} has_out=1 ;;
    --out=*) out=${args[i]#--out=} has_out=1 ;;
  esac
done
((has_out)) || set -- --out "$out" "$@"

echo "== deepvis gallery $*"
start=$(date +%s)
DEEPVIS_MODELS_DIR="$root/models" "$build/tools/deepvis/deepvis" gallery "$@"
echo "== done in $(($(date +%s) - start)) s"
report=$(cd "$out" && pwd)/index.html
echo "The report: $report"
echo "Open it with:  xdg-open '$report'   (or file://$report in any browser; no network needed)"
echo "README picture: $(cd "$out" && pwd)/overview.png"
