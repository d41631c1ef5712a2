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

# What the tls feature (SSL_GET) adds, when its build is there (TLS=1 cross/build.sh): at most the second number.
tls_bin=${TLS_BINARY:-target/cross-tls/armv7-unknown-linux-musleabihf/keepalived}
tls_budget=$(grep -vE '^[[:space:]]*(#|$)' cross/size-budget | sed -n 2p | tr -d '[:space:]')
if [ -f "$tls_bin" ] && [ -n "$tls_budget" ]; then
  delta=$(( $(stat -c %s "$tls_bin") - size ))
  if [ "$delta" -gt "$tls_budget" ]; then
    echo "check-size: FAIL the tls feature adds $delta bytes, over its budget of $tls_budget in cross/size-budget." >&2
    exit 1
  fi
  echo "check-size: ok the tls feature adds $delta bytes <= $tls_budget"
fi
