#!/usr/bin/env bash
# Regenerates the synthesis images shown in README.md (docs/synthesis/), every one written by the
# deepvis CLI itself:
#   fashion_class_<c>.png  `deepvis visualize-class` on models/fashion_cnn.onnx for the 10
#                          Fashion-MNIST classes (the recipe's defaults, seed 1, zoom ×4)
#   style_*.png            `deepvis style` with torchvision squeezenet1_1 features (seeded random
#                          weights: this machine has no pretrained ones) at 192×256: the content and
#                          style images (inputs, drawn by the Python below: no photos ship with
#                          Debian's base packages) and the result.
# It rewrites the two image blocks of README.md between their markers (readme-images:classes and
# readme-images:style): class names with the probability the model gives the class for its image;
# the style run's losses.
# Usage: scripts/make-readme-images.sh [BUILD_DIR]    (default: build; needs BUILD_DIR/tools/deepvis/deepvis,
#        and /usr/bin/python3 with torch, torchvision and PIL for the export and the drawings)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
[[ "$build" = /* ]] || build="$root/$build"
deepvis="$build/tools/deepvis/deepvis"
[[ -x "$deepvis" ]] || { echo "make-readme-images: $deepvis not found; build the target deepvis_cli" >&2; exit 1; }
out="$root/docs/synthesis"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# --- class-model visualisations of all 10 classes
names=("T-shirt/top" "Trouser" "Pullover" "Dress" "Coat" "Sandal" "Shirt" "Sneaker" "Bag" "Ankle boot")
header="|" rule="|" cells="|"
for c in $(seq 0 9); do
  log=$("$deepvis" visualize-class --model "$root/models/fashion_cnn.onnx" --class "$c" --seed 1 --zoom 4 \
        --out "$out/fashion_class_$c.png")
  p=$(sed -n 's/.*predicted class \([0-9]*\) p=\([0-9.]*\).*/\1 \2/p' <<<"$log")
  read -r predicted prob <<<"$p"
  [[ "$predicted" == "$c" ]] || { echo "make-readme-images: class $c visualisation is predicted as $predicted" >&2; exit 1; }
  header+=" ${names[$c]} |" rule+="---|" cells+=" ![${names[$c]}](docs/synthesis/fashion_class_$c.png)<br>p = $prob |"
done

# --- style transfer: squeezenet1_1 features at 192x256, the course's layers and weights but content
#     weight 5e-3 (with random features, 5e-2 keeps the content so tightly that the style loss falls
#     only ~1.7x); Adam lr 3, then 0.1 for the last 10 % of the steps
/usr/bin/python3 "$root/bench/benchlib.py" export squeezenet1_1 "$work/squeezenet1_1.onnx" --size 192,256 >/dev/null
/usr/bin/python3 - "$work" <<'EOF'
# Content: a small landscape; style: swirling brush strokes in a few colours. Seeded.
import math, random, sys
from PIL import Image, ImageDraw, ImageFilter
work, w, h = sys.argv[1], 256, 192
img = Image.new("RGB", (w, h))
d = ImageDraw.Draw(img)
for y in range(h):  # sky
    t = y / h
    d.line([(0, y), (w, y)], fill=(int(90 + 100 * t), int(150 + 70 * t), int(230 - 20 * t)))
d.ellipse([180, 20, 225, 65], fill=(255, 215, 90))  # sun
d.polygon([(0, 120), (60, 60), (110, 110), (170, 50), (256, 125), (256, 192), (0, 192)], fill=(95, 110, 125))
d.polygon([(40, 85), (60, 60), (78, 78)], fill=(240, 240, 245))  # snow caps
d.polygon([(150, 70), (170, 50), (188, 66)], fill=(240, 240, 245))
d.rectangle([0, 135, 256, 192], fill=(70, 140, 60))  # meadow
d.rectangle([70, 115, 130, 160], fill=(200, 70, 50))  # house
d.polygon([(62, 117), (100, 88), (138, 117)], fill=(110, 40, 35))
d.rectangle([92, 135, 108, 160], fill=(70, 45, 30))
d.rectangle([76, 122, 88, 132], fill=(250, 240, 170))
d.rectangle([188, 120, 196, 165], fill=(90, 60, 35))  # tree
d.ellipse([170, 85, 214, 130], fill=(40, 110, 45))
img.filter(ImageFilter.SMOOTH).save(f"{work}/content.png")

rng = random.Random(7)
style = Image.new("RGB", (w, h), (20, 40, 110))
d = ImageDraw.Draw(style)
palette = [(25, 55, 140), (60, 110, 200), (240, 200, 60), (250, 240, 180), (20, 30, 70), (110, 170, 220)]
for _ in range(2600):  # short strokes along a swirling flow field
    x, y = rng.uniform(0, w), rng.uniform(0, h)
    a = math.sin(x / 23.0) * 1.8 + math.cos(y / 17.0) * 1.5
    length = rng.uniform(6, 14)
    d.line([(x, y), (x + length * math.cos(a), y + length * math.sin(a))], fill=rng.choice(palette),
           width=rng.choice([2, 3, 3, 4]))
style.save(f"{work}/style.png")
EOF
layers="/features/features.1/Relu,/features/features.4/Concat,/features/features.6/Concat,/features/features.7/Concat"
norm=(--preprocess imagenet)
cp "$work/content.png" "$out/style_content.png"
cp "$work/style.png" "$out/style_style.png"
style_log=$("$deepvis" style --model "$work/squeezenet1_1.onnx" --content "$work/content.png" --style "$work/style.png" \
  --content-layer /features/features.3/Concat --style-layers "$layers" --layer-weights 20000,500,12,1 \
  --content-weight 5e-3 --tv-weight 5e-2 --optimizer adam --lr 3 --iterations 200 --seed 0 "${norm[@]}" \
  --out "$out/style_result.png")
losses=$(grep '^style loss' <<<"$style_log")

classes=$(printf '%s\n%s\n%s\n' "$header" "$rule" "$cells")
style=$(printf '%s\n%s\n%s\n\n%s\n' "| content | style | result |" "|---|---|---|" \
  "| ![content](docs/synthesis/style_content.png) | ![style](docs/synthesis/style_style.png) | ![result](docs/synthesis/style_result.png) |" \
  "Losses of this run (weighted; first image → last): ${losses}.")
# Rewrite the two blocks of README.md between their markers (nothing else).
/usr/bin/python3 - "$root" "$classes" "$style" <<'EOF'
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1] + "/bench")
import benchlib as bl
readme = sys.argv[1] + "/README.md"
bl.replace_between_markers(readme, "<!-- readme-images:classes:begin -->", "<!-- readme-images:classes:end -->", sys.argv[2])
bl.replace_between_markers(readme, "<!-- readme-images:style:begin -->", "<!-- readme-images:style:end -->", sys.argv[3])
EOF
printf '%s\n\n%s\n' "$classes" "$style"
