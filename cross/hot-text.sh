#!/usr/bin/env bash
# Writes cross/hot-text.ld: the functions the parent and the VRRP child run once settled, which
# cross/build.sh links first (x86_64) so that they share a few 64 KiB folios instead of pulling
# folios spread over the whole text (see cross/README.md, "Hot text first").
#
#   CROSS_OUT=target/cross-sym CARGO_PROFILE_RELEASE_STRIP=false SETUP=0 cross/build.sh x86_64-unknown-linux-musl
#   cross/hot-text.sh target/cross-sym/x86_64-unknown-linux-musl/keepalived
#   RUNS="1:1 100:0.1" SECS=20      the idle configs probed (COUNT:ADVERT_INT, as tests/bench/pss.sh) and
#                                   how long each is probed once settled
# Needs root (network namespaces, tracefs uprobes). Holds the labs' lock while it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:?unstripped binary}")
# shellcheck source=tests/bench/idle.sh
. tests/bench/idle.sh
hits=$(mktemp)
# A fresh machine may not have tracefs mounted.
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
for spec in ${RUNS:-1:1 100:0.1}; do
  count=${spec%%:*} adv=${spec#*:}
  exec 9>/tmp/keepalived-rs-lab.lock
  flock 9
  idle_setup
  idle_conf "$count" 3 "$adv"
  idle_start "$ns_ours" "$bin" ours >/dev/null
  # Every process releases its text at its first 12 hellos (0.5 to 5 s apart): probes set before the
  # last release would be dropped with it.
  sleep 25
  python3 cross/hot_text_probe.py "$bin" "${SECS:-20}" >>"$hits"
  idle_cleanup
  trap - EXIT
  exec 9>&-
done
python3 cross/hot_text_ld.py "$(basename "$bin") probed with RUNS=\"${RUNS:-1:1 100:0.1}\"" <"$hits" >cross/hot-text.ld
echo "$(awk '{print $2}' "$hits" | sort -u | wc -l) names -> cross/hot-text.ld" >&2
# Cargo does not track the script: the next build relinks only if the crate changed.
echo "relink: touch src/main.rs && SETUP=0 cross/build.sh x86_64-unknown-linux-musl" >&2
rm -f "$hits"
