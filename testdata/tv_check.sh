#!/usr/bin/env bash
# Checks full-size torchvision exports end to end and prints the README's
# model table: for each bundle written by
#   /usr/bin/python3 testdata/tv_export.py DIR --opset K --bundle ../shared/images/chelsea.png
# onnxruntime references for every node (testdata/families_ort.sh), the
# Go comparison of every node and of the input gradient with PyTorch's
# (TestExportedModels), then 'invrep invert' at an early, a middle and the
# last computed node (a quarter, half and all of the way), 10 iterations.
#   ORT=/path/to/ort bash testdata/tv_check.sh DIR [BUNDLE ...]
set -euo pipefail
DIR=${1:?bundle folder}; shift
ORT=${ORT:?set ORT to the folder holding node_modules/onnxruntime-node}
S=${SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
T=$(mktemp -d)
go build -o "$T/invrep" ./cmd/invrep
bundles=("$@")
[ ${#bundles[@]} -gt 0 ] || bundles=($(ls "$DIR"))
echo "| model | opset | ops | `invrep layers` | worst node diff | input gradient vs PyTorch | invert early / middle / last (ms/iter) |"
echo "|---|---|---|---|---|---|---|"
for b in "${bundles[@]}"; do
  d=$DIR/$b
  [ -f "$d/model.onnx" ] || continue
  [ -f "$d/refs.npz" ] || ORT=$ORT bash testdata/families_ort.sh "$d" >/dev/null
  row=$(INVREP_BUNDLES=$DIR go test ./onnxload -run "TestExportedModels/^$b\$" -v -count=1 -timeout 60m 2>&1 | grep -o '| .* |' | head -1 || true)
  start=$(date +%s.%N)
  layers=$("$T/invrep" layers --model "$d/model.onnx" | awk 'NR>1 {print $1}')
  load=$(printf "%.2f" "$(echo "$(date +%s.%N) - $start" | bc)")
  n=$(echo "$layers" | wc -l)
  times=()
  for at in $((n / 4)) $((n / 2)) $n; do
    l=$(echo "$layers" | sed -n "$((at > 0 ? at : 1))p")
    if "$T/invrep" invert --model "$d/model.onnx" --layer "$l" --image "$S/images/chelsea.png" --iters 10 --quiet \
        --out "$T/r.png" --report "$T/r.json" >/dev/null 2>"$T/err"; then
      times+=("$(/usr/bin/python3 -c "import json,sys; print('%.0f' % json.load(open(sys.argv[1]))['ms_per_iter'])" "$T/r.json")")
    else
      times+=("FAILED: $(head -c 200 "$T/err")")
    fi
  done
  name=${b%-opset*}; opset=${b##*-opset}
  IFS='|' read -r _ _ ops _ worst grad _ <<<"$row"
  echo "| $name | $opset | ${ops:- ?} | ${load} s | ${worst:- FAILED} | ${grad:- ?} | ${times[0]} / ${times[1]} / ${times[2]} |"
done
rm -rf "$T"
