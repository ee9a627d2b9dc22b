#!/bin/bash
# Makes the IJCV figures the README shows (invert/example/ijcv_*.png):
# channel mosaics at three layers of SqueezeNet 1.1 and MobileNetV2, five
# class visualisations, caricatures of two photos at two layers, and the
# IJCV inversion beside the CVPR one at SqueezeNet's logits.
#   bash testdata/ijcv_figures.sh   (from the repository root; ../shared)
set -euo pipefail
invrep=${INVREP:-./invrep}
[ -x "$invrep" ] || go build -o "$invrep" ./cmd/invrep
S=../shared
O=invert/example
stats="--stats $S/images"
# SKIP_EXISTING=1 keeps figures already made.
m() {
  local out=${*: -1}
  if [ -n "${SKIP_EXISTING:-}" ] && [ -e "$out" ]; then return; fi
  "$invrep" maximize --quiet "$@"
}
m --model squeezenet1.1 --layer fire1 --channels 0:25 $stats --out $O/ijcv_squeezenet_fire1.png
m --model squeezenet1.1 --layer fire3 --channels 0:25 $stats --out $O/ijcv_squeezenet_fire3.png
m --model squeezenet1.1 --layer fire6 --channels 0:25 $stats --out $O/ijcv_squeezenet_fire6.png
m --model mobilenetv2-1.0 --layer add_25 --channels 0:25 $stats --out $O/ijcv_mobilenetv2_add_25.png
m --model mobilenetv2-1.0 --layer add_48 --channels 0:25 $stats --out $O/ijcv_mobilenetv2_add_48.png
m --model mobilenetv2-1.0 --layer add_82 --channels 0:10 $stats --out $O/ijcv_mobilenetv2_add_82.png
m --model squeezenet1.1 --layer logits --class "black swan" --class "tree frog" --class cheeseburger --class "coffee mug" \
  --class "vending machine" --out $O/ijcv_squeezenet_classes.png
for img in chelsea.png coffee.png; do
  for l in fire3 fire6; do
    "$invrep" caricature --quiet --model squeezenet1.1 --layer $l --image $S/images/$img --out $O/ijcv_caricature_${img%.*}_$l.png
  done
done
"$invrep" invert --quiet --model squeezenet1.1 --layer logits --image $S/images/chelsea.png --method ijcv --with-original --out $O/ijcv_invert_logits.png
"$invrep" invert --quiet --model squeezenet1.1 --layer logits --image $S/images/chelsea.png --out $O/cvpr_invert_logits.png
