#!/usr/bin/env bash
# Inverts SqueezeNet 1.1 at five layers with invrep and with the PyTorch peer
# (../shared/peers/torch_invert.py, the authors' algorithm), same settings:
# 400 iterations, the same λ, 2 threads, the same 224×224 image (resized
# once by invrep-prep, so the peer's bicubic resize is the identity), the
# same seeds. Prints a Markdown table of mean relative feature errors.
#   apt-get install -y python3-torch python3-torchvision python3-onnx
#   bash testdata/squeezenet_compare.sh [IMAGE] [OUTDIR] [SEEDS]
set -euo pipefail
S=${SHARED:-../shared}
IMG=${1:-$S/images/chelsea.png}
OUT=${2:-out/squeezenet}
SEEDS=${3:-1 2 3}
mkdir -p "$OUT"
go build -o "$OUT/invrep" ./cmd/invrep
go build -o "$OUT/invrep-prep" ./cmd/invrep-prep
"$OUT/invrep-prep" --image "$IMG" --size 224 --out "$OUT/input.png"
IMG=$OUT/input.png
export GOMAXPROCS=2
echo "| layer | λ_Vβ (code λTV) | invrep rel. error | PyTorch rel. error | invrep ms/iter | PyTorch ms/iter |"
echo "|---|---|---|---|---|---|"
mean() { /usr/bin/python3 -c "import sys; v=[float(a) for a in sys.argv[1:]]; print('%.4f' % (sum(v)/len(v)))" "$@"; }
# ONNX node, torchvision module, paper λ
while read -r layer module tv; do
  code=$(/usr/bin/python3 -c "print(2*float('$tv'))")
  oe=(); om=(); pe=(); pm=()
  for seed in $SEEDS; do
    "$OUT/invrep" invert --model "$S/models/squeezenet1.1.onnx" --layer "$layer" --image "$IMG" --tv "$tv" --seed "$seed" \
      --iters 400 --quiet --with-original --out "$OUT/$layer.$seed.png" --report "$OUT/$layer.$seed.json" >/dev/null
    read -r e ms < <(/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['final_relative_error'][0], d['ms_per_iter'])" "$OUT/$layer.$seed.json")
    oe+=("$e"); om+=("$ms")
    peer=$(/usr/bin/python3 "$S/peers/torch_invert.py" --model squeezenet1_1 --weights "$S/models/squeezenet1.1.onnx" \
      --layer "$module" --image "$IMG" --iters 400 --lambda-tv "$code" --threads 2 --seed "$seed" --out "$OUT/$layer.$seed.torch.png" | grep '^RESULT')
    pe+=("$(echo "$peer" | sed 's/.*rel_err=\([^ ]*\).*/\1/')"); pm+=("$(echo "$peer" | sed 's/.*ms_per_iter=\([^ ]*\).*/\1/')")
  done
  echo "| \`$layer\` | $tv ($code) | $(mean "${oe[@]}") | $(mean "${pe[@]}") | $(mean "${om[@]}") | $(mean "${pm[@]}") |"
done <<'LAYERS'
conv0_relu features.1 0.5
pool0 features.2 0.5
fire3 features.7 5
conv25_relu classifier.2 50
logits flatten 50
LAYERS
