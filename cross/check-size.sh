#!/usr/bin/env bash
# Fails when the stripped armv7 binary (the smallest routers' target) grows past cross/size-budget.
# The budget is a measured size plus 10 %; raise it deliberately in the same commit that needs it.
#
#   cross/check-size.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/cross/armv7-unknown-linux-musleabihf/keepalived}
budget=$(grep -vE '^[[:space:]]*(#|$)' cross/size-budget | head -1 | tr -d '[:space:]')
[ -f "$bin" ] || { echo "check-size: $bin missing (run cross/build.sh armv7-unknown-linux-musleabihf)" >&2; exit 1; }
case "$budget" in ''|*[!0-9]*) echo "check-size: cross/size-budget holds no byte count" >&2; exit 1 ;; esac

size=$(stat -c %s "$bin")
if [ "$size" -gt "$budget" ]; then
  echo "check-size: FAIL $bin is $size bytes, over the budget of $budget bytes in cross/size-budget by $((size - budget))." >&2
  echo "check-size: find what grew (nm --size-sort -S on an unstripped build) or raise the budget on purpose." >&2
  exit 1
fi
echo "check-size: ok $bin $size bytes <= budget $budget ($(( (budget - size) * 100 / budget ))% headroom)"
