#!/usr/bin/env bash
# Resident memory across many reloads: our daemon in a network namespace runs a VRRPv3 MASTER at
# advert_int 0.1 and one virtual server (TCP_CHECK every second, IPVS left alone: --without-ipvs) so that
# all three processes run. It gets N SIGHUPs (env N, default 1000), at least 50 ms apart and each one
# applied by both children (their "Reload complete") before the next, alternating between two configs
# that differ in one VIP. Every 100 reloads it prints VmRSS (KiB) of the parent, the VRRP child and the
# checker child, and at the end the reloads the children logged. With MEMCHECK=1 the daemon runs with
# --mem-check and its exit report (blocks not freed per process) is printed too.
#
# Figures, not pass/fail (flat is the goal). Needs root.
#
#   tests/bench/reload_rss.sh [OUR_BINARY]      (default: target/release/keepalived)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/release/keepalived}
reloads=${N:-1000}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }

tmp=$(mktemp -d)
ns=rss-$$
cleanup() {
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
exec 9>/tmp/keepalived-rs-lab.lock
flock 9
ip netns add "$ns"
ip -n "$ns" link set lo up
# This kernel has no dummy links: a veth pair with both ends here.
ip -n "$ns" link add eth0 type veth peer name eth1
ip -n "$ns" link set eth1 up
ip -n "$ns" link set eth0 up
ip -n "$ns" addr add 10.9.6.1/24 dev eth0

conf() { # the VIP the two configs differ in
  cat <<CONF
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 200
    advert_int 0.1
    version 3
    virtual_ipaddress {
        192.0.2.100/24
        $1/24
    }
}
virtual_server 10.9.6.1 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.9.6.1 8080 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
CONF
}

extra=()
[ "${MEMCHECK:-0}" = 1 ] && extra=(--mem-check)
conf 192.0.2.101 >"$tmp/k.conf"
ip netns exec "$ns" "$bin" -n -l --without-ipvs "${extra[@]}" -f "$tmp/k.conf" -p "$tmp/k.pid" \
  -r "$tmp/v.pid" -c "$tmp/c.pid" >"$tmp/log" 2>&1 </dev/null &
daemon=$!

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo -; }
completes() { grep -c "Reload complete" "$tmp/log" || true; }

deadline=$((SECONDS + 15))
until grep -q "Entering MASTER STATE" "$tmp/log" 2>/dev/null && [ -s "$tmp/c.pid" ]; do
  [ "$SECONDS" -lt "$deadline" ] || { echo "daemon did not start:"; cat "$tmp/log"; exit 1; }
  sleep 0.05
done
sleep 1
main=$(cat "$tmp/k.pid") vrrp=$(cat "$tmp/v.pid") check=$(cat "$tmp/c.pid")
echo "$bin ${extra[*]}: pids parent $main, VRRP $vrrp, checker $check"
printf '%8s %12s %12s %12s\n' reloads parent_KiB vrrp_KiB checker_KiB
printf '%8d %12s %12s %12s\n' 0 "$(rss "$main")" "$(rss "$vrrp")" "$(rss "$check")"
for i in $(seq "$reloads"); do
  if [ $((i % 2)) = 1 ]; then conf 192.0.2.102 >"$tmp/k.conf"; else conf 192.0.2.101 >"$tmp/k.conf"; fi
  kill -HUP "$main"
  sleep 0.05
  # Both children log it; a reload still running when the next SIGHUP comes would merge the two.
  deadline=$((SECONDS + 5))
  while [ "$(completes)" -lt $((2 * i)) ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.01; done
  if [ $((i % 100)) = 0 ]; then
    printf '%8d %12s %12s %12s\n' "$i" "$(rss "$main")" "$(rss "$vrrp")" "$(rss "$check")"
  fi
done
echo "reloads applied (Reload complete lines / 2): $(($(completes) / 2))"
[ "$(cat "$tmp/v.pid")" = "$vrrp" ] && [ "$(cat "$tmp/c.pid")" = "$check" ] || echo "a child was respawned"
kill -TERM "$main"
wait "$daemon" || true
grep -E "memory check summary|Tracked blocks not freed" "$tmp/log" | sed 's/^.*: \(---\|Tracked\)/\1/' || true
