#!/usr/bin/env bash
# Regenerates the pictures of README.md, every one written by the deepvis CLI itself:
#   docs/overview.png          `deepvis gallery --only overview` on the trained ImageNet SqueezeNet
#                              1.0 (Caffe convention) and the shared photos: input, saliency, Grad-CAM
#   docs/real/cat_*.png        chelsea.png: saliency, guided backprop, Grad-CAM (`deepvis attribute`)
#   docs/real/class_<c>.png    `deepvis visualize-class --parameterisation fourier` of five ImageNet
#                              classes (seed 1), each read
#                              back from its PNG by `deepvis predict` for the p shown under it
#   docs/real/style_<p>.png    `deepvis style`: chelsea.png in the style of each painting, with the
#                              course's layers and weights
#   docs/synthesis/fashion_class_<c>.png  the embedded Fashion-MNIST classifier's class models
# It rewrites the image blocks of README.md between their markers (readme-images:real,
# readme-images:classes, readme-images:style) with the measured probabilities and losses.
# The shared model, photos and paintings are read, never copied into the repository.
# Usage: scripts/make-readme-images.sh [BUILD_DIR [SHARED]]
#   BUILD_DIR (default build) holds tools/deepvis/deepvis; SHARED (default ../shared beside the
#   repository) is laid out as ../shared: models/squeezenet1.0/squeezenet1.0.onnx,
#   models/imagenet_classes.txt, images/photos/chelsea.png, images/paintings/*.jpg.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
[[ "$build" = /* ]] || build="$root/$build"
shared=${2:-$root/../shared}
deepvis="$build/tools/deepvis/deepvis"
[[ -x "$deepvis" ]] || { echo "make-readme-images: $deepvis not found; build the target deepvis_cli" >&2; exit 1; }
imagenet_args=$("$root/scripts/imagenet-gallery-args.sh" "$shared")  # checks the shared files
model="$shared/models/squeezenet1.0/squeezenet1.0.onnx"
labels="$shared/models/imagenet_classes.txt"
cat_png="$shared/images/photos/chelsea.png"
net=(--model "$model" --preprocess caffe)
real="$root/docs/real"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$real" "$root/docs/synthesis"

# The probability `deepvis predict` gives class C for an image file ("  7. class 130  p=0.9934  name" → 0.9934).
probability() {
  "$deepvis" predict "${net[@]}" --labels "$labels" --image "$1" --top 1000 |
    awk -v c="$2" '$2 == "class" && $3 == c && !done { sub(/^p=/, "", $4); print $4; done = 1 }'  # reads all: no SIGPIPE
}

# --- the overview picture and the cat's attribution maps
mapfile -t gargs <<<"$imagenet_args"
"$deepvis" gallery "${gargs[@]}" --only overview --out "$work/overview" >/dev/null
cp "$work/overview/overview.png" "$root/docs/overview.png"
"$deepvis" attribute saliency "${net[@]}" --image "$cat_png" --class top1 --out "$real/cat_saliency.png" >/dev/null
"$deepvis" attribute guided-backprop "${net[@]}" --image "$cat_png" --class top1 --out "$real/cat_guided_backprop.png" >/dev/null
"$deepvis" attribute gradcam "${net[@]}" --image "$cat_png" --class top1 --overlay --out "$real/cat_gradcam.png" >/dev/null

# --- class models of five ImageNet classes, each read back from its PNG
classes=(130 285 417 945 980)
header="|" rule="|" cells="|"
for c in "${classes[@]}"; do
  name=$(sed -n "$((c + 1))p" "$labels" | sed 's/^n[0-9]* //; s/,.*//')
  "$deepvis" visualize-class "${net[@]}" --class "$c" --seed 1 --parameterisation fourier --out "$real/class_$c.png" >/dev/null
  p=$(probability "$real/class_$c.png" "$c")
  header+=" $name ($c) |" rule+="---|" cells+=" ![$name](docs/real/class_$c.png)<br>p = ${p:-?} |"
done
class_block=$(printf '%s\n%s\n%s\n' "$header" "$rule" "$cells")

# --- style transfer: chelsea.png in the style of each painting (the course's layers and weights)
style_rows="| style | result | losses (weighted, first step → last) |
|---|---|---|"
for painting in "$shared"/images/paintings/*.jpg; do
  stem=$(basename "$painting" .jpg)
  log=$("$deepvis" style "${net[@]}" --content "$cat_png" --style "$painting" --content-layer fire2/concat \
        --style-layers relu_conv1,fire3/concat,fire4/concat,fire5/concat --layer-weights 20000,500,12,1 \
        --optimizer adam --lr 0.05 --iterations 200 --seed 0 --out "$real/style_$stem.png")
  losses=$(grep -E '^(style|content) loss' <<<"$log" | paste -sd ';' | sed 's/;/; /g')
  style_rows+="
| $stem | ![$stem](docs/real/style_$stem.png) | $losses |"
done

real_block="| saliency | guided backprop | Grad-CAM |
|---|---|---|
| ![saliency](docs/real/cat_saliency.png) | ![guided backprop](docs/real/cat_guided_backprop.png) | ![Grad-CAM](docs/real/cat_gradcam.png) |

Class models (\`deepvis visualize-class --preprocess caffe --class C --seed 1 --parameterisation fourier\`,
227×227, 100 Adam steps on a decorrelated-colour Fourier parameterisation), with the probability
\`deepvis predict\` gives the class for the written PNG:

$class_block
Style transfer of chelsea.png (\`deepvis style\`, content fire2/concat, style relu_conv1,
fire3/concat, fire4/concat, fire5/concat with weights 20000, 500, 12, 1, Adam 0.05, 200 steps):

$style_rows"

# --- the embedded Fashion-MNIST classifier's class models (the default gallery's model)
names=("T-shirt/top" "Trouser" "Pullover" "Dress" "Coat" "Sandal" "Shirt" "Sneaker" "Bag" "Ankle boot")
header="|" rule="|" cells="|"
for c in $(seq 0 9); do
  log=$("$deepvis" visualize-class --model "$root/models/fashion_cnn.onnx" --class "$c" --seed 1 --zoom 4 \
        --out "$root/docs/synthesis/fashion_class_$c.png")
  p=$(sed -n 's/.*predicted class \([0-9]*\) p=\([0-9.]*\).*/\1 \2/p' <<<"$log")
  read -r predicted prob <<<"$p"
  [[ "$predicted" == "$c" ]] || { echo "make-readme-images: class $c visualisation is predicted as $predicted" >&2; exit 1; }
  header+=" ${names[$c]} |" rule+="---|" cells+=" ![${names[$c]}](docs/synthesis/fashion_class_$c.png)<br>p = $prob |"
done
fashion_block=$(printf '%s\n%s\n%s\n' "$header" "$rule" "$cells")

# Rewrite the blocks of README.md between their markers (nothing else).
/usr/bin/python3 - "$root" "$real_block" "$fashion_block" <<'PY'
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1] + "/bench")
import benchlib as bl
readme = sys.argv[1] + "/README.md"
bl.replace_between_markers(readme, "<!-- readme-images:real:begin -->", "<!-- readme-images:real:end -->", sys.argv[2])
bl.replace_between_markers(readme, "<!-- readme-images:classes:begin -->", "<!-- readme-images:classes:end -->", sys.argv[3])
PY
printf '%s\n\n%s\n' "$real_block" "$fashion_block"
