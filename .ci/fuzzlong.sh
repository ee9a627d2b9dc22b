#!/usr/bin/env bash
# Runs each fuzz target for MINUTES (default 10) by hand, in rounds of a
# fixed count (a time limit stalls in some VMs: the count form does not),
# and prints the inputs each tried. The corpus grows across rounds in
# Go's fuzz cache, so the rounds are one run.
#   bash .ci/fuzzlong.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
for target in "FuzzDecodeBuild ./onnxload" "FuzzRead ./graph/npy" "FuzzDecode ./graph/pixels" \
              "FuzzSizeFlags ./cmd/invrep" "FuzzParseObjective ./invert" "FuzzParseAugmentations ./invert"; do
  set -- $target
  end=$(( $(date +%s) + 60 * minutes ))
  total=0
  round=20000
  while [ "$(date +%s)" -lt "$end" ]; do
    out=$(go test -run '^$' -fuzz "^$1\$" -fuzztime ${round}x "$2" 2>&1) || { echo "$out"; echo "$1: FAILED"; exit 1; }
    total=$(( total + round ))
  done
  echo "$1 ($2): $total inputs in $minutes min, no failure"
done
