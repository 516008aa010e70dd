#!/usr/bin/env bash
# The gallery in a browser: runs `deepvis gallery --quick` into a temporary folder, checks that
# every <img> of index.html names an existing, non-empty file, opens the page in headless
# Chromium and reads back the marker the page's own script writes on <body> once everything
# has loaded (data-broken = images that failed to load), and saves a screenshot.
#
# With --imagenet SHARED (a folder laid out as ../shared; $DEEPVIS_SHARED_DIR overrides it): the whole ImageNet gallery instead
# (scripts/imagenet-gallery-args.sh: the trained SqueezeNet 1.0 on the photos and paintings), its
# images checked and screenshot the same way; skipped (77) when SHARED is absent.
#
# usage: browser_test.sh DEEPVIS_EXECUTABLE SCREENSHOT_FOLDER [--imagenet SHARED]
# Exit codes: 0 pass, 1 fail, 77 skipped (Chromium is not installed, or SHARED is absent).
set -uo pipefail

usage="usage: browser_test.sh DEEPVIS_EXECUTABLE SCREENSHOT_FOLDER [--imagenet SHARED]"
deepvis=${1:?$usage}
shots=${2:?$usage}
imagenet=0
[[ "${3:-}" == "--imagenet" ]] && { imagenet=1; shared=${DEEPVIS_SHARED_DIR:-${4:?$usage}}; }
name=$([[ $imagenet == 1 ]] && echo gallery_imagenet || echo gallery_browser)
here=$(cd "$(dirname "$0")" && pwd)

fail() { echo "$name: FAIL: $*" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/deepvis-gallery.XXXXXX") || fail "cannot create a temporary folder"
trap 'rm -rf "$tmp"' EXIT
out="$tmp/gallery"

# 1. The gallery itself: --quick (well within two minutes), or the ImageNet one (its time is
#    printed, not checked: no test depends on the machine's load).
if [[ $imagenet == 1 ]]; then
  if [[ ! -d "$shared/models/squeezenet1.0" ]]; then
    echo "$name: SKIPPED: $shared/models/squeezenet1.0 is absent (the shared ImageNet model and photos)"
    exit 77
  fi
  args=$("$here/../../scripts/imagenet-gallery-args.sh" "$shared") || fail "the ImageNet gallery's files are incomplete"
  mapfile -t gallery_args <<<"$args"
else
  gallery_args=(--quick)
fi
start=$(date +%s)
"$deepvis" gallery "${gallery_args[@]}" --out "$out" >"$tmp/stdout.txt" 2>"$tmp/stderr.txt"
rc=$?
cat "$tmp/stdout.txt"
[[ $rc == 0 ]] || { cat "$tmp/stderr.txt" >&2; fail "deepvis gallery ${gallery_args[*]} exited with $rc"; }
elapsed=$(( $(date +%s) - start ))
echo "$name: deepvis gallery ${gallery_args[*]} took ${elapsed} s"
if [[ $imagenet == 0 ]]; then
  (( elapsed < 120 )) || fail "the quick gallery took ${elapsed} s (limit 120 s)"
fi
grep -q "stages, 0 failed" "$tmp/stdout.txt" || fail "some stages failed (see the progress lines above)"
[[ -s "$out/index.html" ]] || fail "no index.html in $out"
[[ -s "$out/overview.png" ]] || fail "no overview.png in $out"
stages=$(grep -c '^\[ *[0-9]*/[0-9]*\] ' "$tmp/stdout.txt")
(( stages >= 10 )) || fail "only $stages progress lines"

# 2. Every <img src> is a file beside the page, non-empty; nothing is fetched from the network.
srcs=$(grep -o '<img src="[^"]*"' "$out/index.html" | sed 's/^<img src="//; s/"$//')
count=$(printf '%s\n' "$srcs" | grep -c .)
(( count > 0 )) || fail "index.html has no images"
while IFS= read -r src; do
  [[ "$src" != *://* && "$src" != /* ]] || fail "image '$src' is not a relative path"
  [[ -s "$out/$src" ]] || fail "image '$src' is missing or empty"
done <<<"$srcs"
! grep -qE '(src|href)="(https?:)?//' "$out/index.html" || fail "index.html references the network"
echo "$name: $count images referenced, all present"

# 3. Failures (with the embedded models): a stage that throws is reported and the others run
#    (exit 0); when every stage fails, or the output folder cannot be created, the exit code is
#    non-zero with one error line.
if [[ $imagenet == 0 ]]; then
"$deepvis" gallery --quick --only predictions,reconstruction --autoencoder "$tmp/missing.onnx" --out "$tmp/partial" \
  >"$tmp/partial.txt" 2>&1 || fail "one failed stage made the whole gallery fail: $(cat "$tmp/partial.txt")"
grep -q "FAILED" "$tmp/partial.txt" || fail "the failed stage has no FAILED progress line"
grep -q "2 stages, 1 failed" "$tmp/partial.txt" || fail "the failed stage is not counted"
grep -q "FAILED" "$tmp/partial/index.html" || fail "the failed stage is not on the page"
if "$deepvis" gallery --quick --only reconstruction --autoencoder "$tmp/missing.onnx" --out "$tmp/none" >/dev/null 2>"$tmp/err.txt"; then
  fail "a gallery whose every stage failed exited with 0"
fi
grep -q "^deepvis: error: gallery: every stage failed" "$tmp/err.txt" || fail "no error line when every stage failed"
touch "$tmp/not_a_folder"
if "$deepvis" gallery --quick --only predictions --out "$tmp/not_a_folder/sub" >/dev/null 2>"$tmp/err.txt"; then
  fail "an unwritable --out did not fail"
fi
grep -q "^deepvis: error: " "$tmp/err.txt" || fail "an unwritable --out gave no error line: $(cat "$tmp/err.txt")"
echo "$name: failing stages are reported as they should be"
fi

# 4. Headless Chromium: every image must load.
browser=""
for b in chromium chromium-browser; do
  command -v "$b" >/dev/null 2>&1 && { browser=$(command -v "$b"); break; }
done
if [[ -z "$browser" ]]; then
  echo "$name: SKIPPED the browser part: Chromium is not installed (Debian package 'chromium')"
  exit 77
fi
chrome() {
  local profile
  profile=$(mktemp -d "$tmp/profile.XXXXXX")
  timeout 90 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" "$@" 2>>"$tmp/chromium.log"
}
url="file://$out/index.html"
chrome --virtual-time-budget=5000 --dump-dom "$url" >"$tmp/dom.html" || fail "chromium --dump-dom failed: $(tail -3 "$tmp/chromium.log")"
body=$(grep -o '<body[^>]*>' "$tmp/dom.html" | head -1)
echo "$name: $body"
[[ "$body" =~ data-images=\"([0-9]+)\" ]] || fail "the page's load check did not run (no data-images on <body>)"
loaded_count=${BASH_REMATCH[1]}
[[ "$body" =~ data-broken=\"([0-9]+)\" ]] || fail "no data-broken on <body>"
broken=${BASH_REMATCH[1]}
(( loaded_count == count )) || fail "the browser saw $loaded_count images, index.html has $count"
(( broken == 0 )) || fail "$broken images did not load: $(grep -o 'data-broken-list="[^"]*"' "$tmp/dom.html")"

mkdir -p "$shots"
shot="$shots/${name/gallery_browser/gallery}_screenshot.png"
rm -f "$shot"
chrome --screenshot="$shot" --window-size=1280,$([[ $imagenet == 1 ]] && echo 12000 || echo 4000) "$url" >/dev/null ||
  fail "chromium --screenshot failed: $(tail -3 "$tmp/chromium.log")"
[[ -s "$shot" ]] || fail "no screenshot written"
echo "$name: all $count images load; screenshot $shot"

echo "$name: PASS"
