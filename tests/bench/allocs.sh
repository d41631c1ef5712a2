#!/usr/bin/env bash
# Prints the VRRP child's heap allocations per advert in steady state, for a MASTER (sending) and a BACKUP
# (receiving), from the `Allocations:` line our stats file carries under --mem-check. Needs root.
#
#   tests/bench/allocs.sh [OUR_BINARY]       (default: target/release/keepalived)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/release/keepalived}
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
secs=${SECS:-10}
tmp=$(mktemp -d)
a=alc-a-$$ b=alc-b-$$
cleanup() {
  for ns in "$a" "$b"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$a"; ip netns add "$b"
ip -n "$a" link add eth0 type veth peer name eth0 netns "$b"
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; ip -n "$ns" link set eth0 up; done
ip -n "$a" addr add 192.0.2.1/24 dev eth0
ip -n "$b" addr add 192.0.2.2/24 dev eth0
conf() { # priority
  printf 'vrrp_instance VI_1 {\n state BACKUP\n interface eth0\n virtual_router_id 7\n priority %s\n advert_int 0.1\n version 3\n virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n' "$1"
}
conf 200 >"$tmp/a.conf"; conf 100 >"$tmp/b.conf"
for r in a b; do
  ns=${!r}
  ip netns exec "$ns" "$bin" -n -l --mem-check -f "$tmp/$r.conf" -p "$tmp/$r.pid" -r "$tmp/$r.vrrp" \
    -c "$tmp/$r.chk" >"$tmp/$r.log" 2>&1 &
  disown
done
deadline=$((SECONDS + 15))
until grep -q 'Entering MASTER' "$tmp/a.log" && grep -q 'Entering BACKUP' "$tmp/b.log"; do
  [ $SECONDS -lt $deadline ] || { echo "no election; logs:"; cat "$tmp"/*.log; exit 1; }
  sleep 0.2
done
sleep 1
# The stats file has one fixed path (/tmp/keepalived.stats), as keepalived's: ask one router at a time.
sample() { # router -> "allocations sent received"
  rm -f /tmp/keepalived.stats
  kill -USR2 "$(cat "$tmp/$1.pid")"
  local d=$((SECONDS + 5))
  until grep -q '^Allocations:' /tmp/keepalived.stats 2>/dev/null; do
    [ $SECONDS -lt $d ] || { echo "no stats from $1" >&2; exit 1; }
    sleep 0.1
  done
  awk '/^Allocations:/ {a=$2} /Received:/ && !r {r=$2} /Sent:/ && !s {s=$2} END {print a, s, r}' /tmp/keepalived.stats
}
read -r a0 as0 ar0 <<<"$(sample a)"; read -r b0 bs0 br0 <<<"$(sample b)"
sleep "$secs"
read -r a1 as1 ar1 <<<"$(sample a)"; read -r b1 bs1 br1 <<<"$(sample b)"
printf 'over %s s at advert_int 0.1 (VRRPv3):\n' "$secs"
printf '  MASTER: %d adverts sent,     %d allocations\n' $((as1 - as0)) $((a1 - a0))
printf '  BACKUP: %d adverts received, %d allocations\n' $((br1 - br0)) $((b1 - b0))
