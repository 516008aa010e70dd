#!/usr/bin/env bash
# The `deepvis gallery` arguments of the ImageNet gallery, one per line, for a folder laid out as
# ../shared: SHARED/models/squeezenet1.0/squeezenet1.0.onnx (Caffe convention), SHARED/models/
# imagenet_classes.txt, SHARED/images/photos/ and SHARED/images/paintings/. Used by
# scripts/demo.sh --imagenet and by the browser test, so both run the same report.
# Class models: five recognisable classes (flamingo, Egyptian cat, balloon, bell pepper, volcano)
# besides the predicted ones; the paintings are the styles.
# Usage: scripts/imagenet-gallery-args.sh SHARED   (exit 1 naming a missing file)
set -euo pipefail
shared=${1:?"usage: imagenet-gallery-args.sh SHARED_FOLDER"}
model="$shared/models/squeezenet1.0/squeezenet1.0.onnx"
for need in "$model" "$shared/models/imagenet_classes.txt" "$shared/images/photos" "$shared/images/paintings"; do
  [[ -e "$need" ]] || { echo "imagenet gallery: $need is missing" >&2; exit 1; }
done
printf '%s\n' --model "$model" --images "$shared/images/photos" --labels "$shared/models/imagenet_classes.txt" \
  --preprocess caffe --classes 130,285,417,945,980 --styles "$shared/images/paintings"
