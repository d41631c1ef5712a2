#!/usr/bin/env bash
# Adverts lost across SIGHUP reloads of a MASTER: for ours and for Debian's keepalived 2.2.7, a master
# (priority 200) and a backup (priority 100) of the same implementation run in two network namespaces joined
# by a veth pair, VRRPv3 at each ADVERT interval (env ADVERTS, default "0.1 0.01"). While tshark captures on
# the backup's link, the master is sent N SIGHUPs (env N, default 10), 0.3 s apart, alternating between two
# configs that differ in priority (200/210) and an excluded VIP (the adverts' address list stays the same,
# so the backup has no reason to object). From the master's adverts in the capture:
#
#   lost    = sum over gaps longer than 1.5 intervals of (round(gap / interval) - 1), split into gaps
#             that span a SIGHUP (lost@reload) and the others (lost@other: scheduling on a loaded machine)
#   maxgap  = the longest gap, ms
#   flaps   = "Entering MASTER STATE" lines of the backup plus extra ones of the master
#
# Figures, not pass/fail. Needs root, tshark.
#
#   tests/bench/reload.sh [OUR_BINARY]      (default: target/release/keepalived)
set -euo pipefail
cd "$(dirname "$0")/../.."
ours=${1:-target/release/keepalived}
theirs=${THEIRS:-/usr/sbin/keepalived}
reloads=${N:-10}
adverts=${ADVERTS:-0.1 0.01}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
command -v tshark >/dev/null || { echo "needs tshark" >&2; exit 2; }

# shellcheck source=tests/bench/pair.sh
. tests/bench/pair.sh
pair_setup rl 10.9.9

conf() { # advert_int priority [excluded VIP]
  local evip=""
  [ -z "${3:-}" ] || evip="    virtual_ipaddress_excluded {
        $3/24
    }"
  cat <<CONF
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $2
    advert_int $1
    version 3
    virtual_ipaddress {
        192.0.2.100/24
    }
$evip
}
CONF
}

one() { # BINARY ADVERT_INT: prints "adverts lost maxgap_ms flaps" or "fail: why"
  local bin=$1 adv=$2 pcap=$tmp/cap.pcap
  stop_ns "$nm"
  stop_ns "$nb"
  rm -f "$pcap" "$tmp/hups"
  conf "$adv" 200 >"$tmp/m.conf"
  conf "$adv" 100 >"$tmp/b.conf"
  start "$nm" m "$bin"
  wait_log "$tmp/m/log" "Entering MASTER STATE" 15 || { echo "fail: master never MASTER"; return; }
  start "$nb" b "$bin"
  wait_log "$tmp/b/log" "Entering BACKUP STATE" 10 || { echo "fail: backup never BACKUP"; return; }
  ip netns exec "$nb" tshark -i eth0 -f "ip proto 112" -w "$pcap" -F pcap -q >"$tmp/tshark.log" 2>&1 &
  local cap=$!
  wait_log "$tmp/tshark.log" "Capture started" 10 || { kill "$cap"; echo "fail: tshark"; return; }
  sleep 0.5
  local main i
  main=$(cat "$tmp/m/k.pid")
  for i in $(seq "$reloads"); do
    if [ $((i % 2)) = 1 ]; then conf "$adv" 210 192.0.2.101 >"$tmp/m.conf"; else conf "$adv" 200 >"$tmp/m.conf"; fi
    date +%s.%N >>"$tmp/hups"
    kill -HUP "$main"
    sleep 0.3
  done
  sleep 0.5
  kill -INT "$cap"
  wait "$cap" || true
  local flaps
  flaps=$(( $(grep -c "Entering MASTER STATE" "$tmp/b/log" || true) + $(grep -c "Entering MASTER STATE" "$tmp/m/log") - 1 ))
  tshark -r "$pcap" -Y "vrrp && ip.src == $m_ip" -T fields -e frame.time_epoch 2>/dev/null |
    awk -v adv="$adv" -v flaps="$flaps" -v hups="$tmp/hups" '
      BEGIN { while ((getline h < hups) > 0) hup[++nh] = h }
      NR > 1 {
        g = $1 - prev; if (g > max) max = g
        if (g > 1.5 * adv) {
          at = 0; for (i = 1; i <= nh; i++) if (hup[i] >= prev - adv && hup[i] <= $1) at = 1
          n_lost = int(g / adv + 0.5) - 1
          if (at) lost_r += n_lost; else lost_o += n_lost
        }
      }
      { prev = $1; n++ }
      END {
        if (n < 2) { print "fail: no adverts in capture"; exit }
        printf "%d %d %d %.1f %d\n", n, lost_r, lost_o, max * 1000, flaps
      }'
}

printf '%-28s %-10s %8s %8s %12s %12s %10s %6s\n' implementation advert_int reloads adverts lost@reload lost@other maxgap_ms flaps
for bin in "$ours" "$theirs"; do
  if [ ! -x "$bin" ]; then
    printf '%-28s %s\n' "$bin" "missing (build: cargo build --release)"
    continue
  fi
  for adv in $adverts; do
    r=$(one "$bin" "$adv")
    case $r in
      fail*) printf '%-28s %-10s %s\n' "$bin" "$adv" "$r" ;;
      *) set -- $r; printf '%-28s %-10s %8d %8d %12d %12d %10s %6d\n' "$bin" "$adv" "$reloads" "$1" "$2" "$3" "$4" "$5" ;;
    esac
  done
  stop_ns "$nm"
  stop_ns "$nb"
done
