#!/usr/bin/env bash
# Compares what SqueezeNet 1.1, SqueezeNet 1.0 and MobileNetV2 keep, layer
# by layer, on three photos: one sweep per model, then one report.
#   bash testdata/zoo_compare.sh [OUTDIR]
set -euo pipefail
S=${SHARED:-../shared}
OUT=${1:-out/zoo}
mkdir -p "$OUT/photos"
cp "$S/images/astronaut.png" "$S/images/coffee.png" "$S/images/rocket.png" "$OUT/photos/"
go build -o "$OUT/invrep" ./cmd/invrep
run() { "$OUT/invrep" sweep --model "$1" --layers "$2" --images "$OUT/photos" --out "$OUT/$1" --iters 400 --workers 2 --quiet; }
run squeezenet1.1 conv0_relu,pool0,fire1,fire3,fire5,fire7,conv25_relu,logits
run squeezenet1.0-tflite conv1_relu,maxpool1,fire3,fire4,fire6,fire8,fire9,conv10_relu,logits
run mobilenetv2-1.0 c0_r6,add_14,add_31,add_54,add_71,add_88,c95_r6,features,logits
"$OUT/invrep" report --in "$OUT/squeezenet1.1,$OUT/squeezenet1.0-tflite,$OUT/mobilenetv2-1.0" --out "$OUT/report"
