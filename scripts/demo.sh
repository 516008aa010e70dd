#!/usr/bin/env bash
# The demo: installs what is missing (Debian packages), builds the `deepvis` command-line tool
# (Release), and runs `deepvis gallery` on the embedded Fashion-MNIST models — every technique of
# the library in one HTML report, gallery/index.html, that opens from disk.
# Usage: scripts/demo.sh [gallery flags, e.g. --quick or --out DIR]
#   DEEPVIS_JOBS (default 2) build jobs; DEEPVIS_DEMO_BUILD (default build/demo) the build folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=${DEEPVIS_JOBS:-2}
build=${DEEPVIS_DEMO_BUILD:-build/demo}
cd "$root"

echo "== dependencies"
"$root/scripts/install-deps.sh"

echo "== build (Release, deepvis_cli only, -j$jobs)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DDEEPVIS_BUILD_TESTS=OFF -DDEEPVIS_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" --target deepvis_cli -j"$jobs"

# The report goes to gallery/ unless --out says otherwise.
out=gallery
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
