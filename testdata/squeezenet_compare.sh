#!/usr/bin/env bash
# Inverts SqueezeNet 1.1 at five layers with invrep and with the PyTorch peer
# (../shared/peers/torch_invert.py, the authors' algorithm), same settings:
# 400 iterations, the same λ, 2 threads, one photo. Prints a Markdown table.
#   apt-get install -y python3-torch python3-torchvision python3-onnx
#   bash testdata/squeezenet_compare.sh [IMAGE] [OUTDIR]
set -euo pipefail
S=${SHARED:-../shared}
IMG=${1:-$S/images/chelsea.png}
OUT=${2:-out/squeezenet}
mkdir -p "$OUT"
go build -o "$OUT/invrep" ./cmd/invrep
export GOMAXPROCS=2
echo "| layer | λ_Vβ (code λTV) | invrep rel. error | PyTorch rel. error | invrep ms/iter | PyTorch ms/iter |"
echo "|---|---|---|---|---|---|"
# ONNX node, torchvision module, paper λ
while read -r layer module tv; do
  "$OUT/invrep" invert --model "$S/models/squeezenet1.1.onnx" --layer "$layer" --image "$IMG" --tv "$tv" \
    --iters 400 --quiet --with-original --out "$OUT/$layer.png" --report "$OUT/$layer.json" >/dev/null
  ours=$(/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('%.4f %.1f' % (d['final_relative_error'][0], d['ms_per_iter']))" "$OUT/$layer.json")
  code=$(/usr/bin/python3 -c "print(2*float('$tv'))")
  peer=$(/usr/bin/python3 "$S/peers/torch_invert.py" --model squeezenet1_1 --weights "$S/models/squeezenet1.1.onnx" \
    --layer "$module" --image "$IMG" --iters 400 --lambda-tv "$code" --threads 2 --out "$OUT/$layer.torch.png" | grep '^RESULT')
  prel=$(echo "$peer" | sed 's/.*rel_err=\([^ ]*\).*/\1/'); pms=$(echo "$peer" | sed 's/.*ms_per_iter=\([^ ]*\).*/\1/')
  set -- $ours
  echo "| \`$layer\` | $tv ($code) | $1 | $prel | $2 | $pms |"
done <<'LAYERS'
conv0_relu features.1 0.5
pool0 features.2 0.5
fire3 features.7 5
conv25_relu classifier.2 50
logits flatten 50
LAYERS
