#!/usr/bin/env bash
# Prints the resident memory of every idle process of ours and of Debian's keepalived 2.2.7, both running the same
# config of COUNT vrrp_instances (default 1; VRIDs 1..COUNT on one link, all BACKUP), each in a network namespace of
# its own, in the same run. Needs root.
#
#   tests/bench/idle_rss.sh [OUR_BINARY]      (default: target/release/keepalived)
#   COUNT=100 tests/bench/idle_rss.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ours=${1:-target/release/keepalived}
theirs=/usr/sbin/keepalived
[ -x "$ours" ] || { echo "build first: cargo build --release" >&2; exit 2; }
[ -x "$theirs" ] || { echo "needs Debian's keepalived (apt-get install keepalived)" >&2; exit 2; }

tmp=$(mktemp -d)
ns_ours=rss-ours-$$ ns_theirs=rss-kad-$$
cleanup() {
  for ns in "$ns_ours" "$ns_theirs"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "${KEEP_LOGS:-}" ] && trap 'cp "$tmp"/*.log /tmp/ 2>/dev/null; cleanup' EXIT

count=${COUNT:-1}
printf 'global_defs {\n    router_id rss_bench\n}\n' >"$tmp/one.conf"
i=1
while [ "$i" -le "$count" ]; do
  printf 'vrrp_instance VI_%d {\n    state BACKUP\n    interface eth0\n    virtual_router_id %d\n    priority 100\n    advert_int 1\n    virtual_ipaddress {\n        192.0.2.%d/24\n    }\n}\n' \
    "$i" "$i" "$((i + 100))" >>"$tmp/one.conf"
  i=$((i + 1))
done

for ns in "$ns_ours" "$ns_theirs"; do
  ip netns add "$ns"
  ip -n "$ns" link add eth0 type veth peer name peer0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set peer0 up
  ip -n "$ns" addr add 192.0.2.1/24 dev eth0
done

start() { # ns binary tag
  ip netns exec "$1" "$2" -n -l -f "$tmp/one.conf" -p "$tmp/$3.pid" -r "$tmp/$3_vrrp.pid" \
    -c "$tmp/$3_chk.pid" >"$tmp/$3.log" 2>&1 &
  echo $!
}
p_ours=$(start "$ns_ours" "$ours" ours)
p_theirs=$(start "$ns_theirs" "$theirs" kad)

# Idle means: the children exist and have been through a few advert intervals.
deadline=$((SECONDS + 10))
while [ $SECONDS -lt $deadline ]; do
  if [ -n "$(pgrep -P "$p_ours")" ] && [ -n "$(pgrep -P "$p_theirs")" ]; then break; fi
  sleep 0.2
done
# No peer: every instance becomes MASTER after Master_Down_Interval (3.6 s at advert_int 1); measure once
# they all advertise and hold their addresses.
sleep 6

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
row() { # label pid
  local total=0 kb
  printf '%-22s' "$1"
  for p in $2 $(pgrep -P "$2" | sort -n); do
    kb=$(rss "$p"); total=$((total + kb))
    printf ' %s=%sKiB' "$(cat /proc/$p/comm 2>/dev/null)" "$kb"
  done
  printf '  total=%sKiB\n' "$total"
}
vips() { ip -n "$1" -o addr show dev eth0 | grep -c -E ' 192\.0\.2\.(1[0-9][0-9]|200)/' || true; }
echo "idle VmRSS, $count vrrp_instance(s) as MASTER (advert_int 1); VIPs held: ours $(vips "$ns_ours"), keepalived $(vips "$ns_theirs")"
row "ours" "$p_ours"
row "keepalived $($theirs -v 2>&1 | head -1 | awk '{print $2}')" "$p_theirs"
ls -l "$ours" | awk '{printf "our binary: %s bytes (%s)\n", $5, $9}'
