#!/usr/bin/env bash
# Takeover latency beyond the protocol's own wait: for ours and for Debian's keepalived 2.2.7, with VRRPv2
# (advert_int 1) and VRRPv3 (advert_int 0.01), a master (priority 200) and a backup (priority 100) run in two
# network namespaces joined by a veth pair. tshark captures VRRP on the backup's interface; the master is
# killed (SIGKILL, its whole process group); the capture ends once the backup has sent as MASTER. Then
#
#   overhead = (backup's first advert) - (master's last advert) - Master_Down_Interval
#   Master_Down_Interval = 3 * advert_int + (256 - 100) * advert_int / 256
#
# with frame.time_epoch from tshark. Prints median/min/max of N runs (env N, default 5) per implementation
# and version, in milliseconds. Figures, not pass/fail. Needs root, tshark.
#
#   tests/bench/takeover.sh [OUR_BINARY]      (default: target/release/keepalived)
#   THEIRS=/usr/sbin/keepalived N=10 tests/bench/takeover.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ours=${1:-target/release/keepalived}
theirs=${THEIRS:-/usr/sbin/keepalived}
runs=${N:-5}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
command -v tshark >/dev/null || { echo "needs tshark" >&2; exit 2; }

# shellcheck source=tests/bench/pair.sh
. tests/bench/pair.sh
pair_setup to 10.9.8

conf() { # version advert_int priority
  cat <<CONF
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $3
    advert_int $2
    version $1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
CONF
}

# one BINARY VERSION ADVERT_INT: prints one overhead in ms, or "fail: why".
one() {
  local bin=$1 adv=$3 pcap=$tmp/cap.pcap
  stop_ns "$nm"
  stop_ns "$nb"
  rm -f "$pcap"
  start "$nm" m "$bin"
  wait_log "$tmp/m/log" "Entering MASTER STATE" 15 || { echo "fail: master never MASTER"; return; }
  start "$nb" b "$bin"
  wait_log "$tmp/b/log" "Entering BACKUP STATE" 10 || { echo "fail: backup never BACKUP"; return; }
  if grep -q "Entering MASTER STATE" "$tmp/b/log"; then echo "fail: backup became MASTER"; return; fi
  ip netns exec "$nb" tshark -i eth0 -f "ip proto 112" -w "$pcap" -F pcap -q >"$tmp/tshark.log" 2>&1 &
  local cap=$!
  wait_log "$tmp/tshark.log" "Capture started" 10 || { kill "$cap"; echo "fail: tshark"; return; }
  # A few of the master's adverts in the capture, so its last one is there.
  sleep "$(awk -v a="$adv" 'BEGIN { print (a >= 1 ? 2.5 : 0.3) }')"
  local lines pgid
  lines=$(wc -l <"$tmp/b/log")
  pgid=$(ps -o pgid= -p "$(cat "$tmp/m/k.pid")" | tr -d ' ')
  kill -9 -- "-$pgid"
  stop_ns "$nm"
  local ok=1
  wait_log "$tmp/b/log" "Entering MASTER STATE" 15 "$lines" || ok=0
  sleep 0.3
  kill -INT "$cap"
  wait "$cap" || true
  [ "$ok" = 1 ] || { echo "fail: backup never took over"; return; }
  tshark -r "$pcap" -Y vrrp -T fields -e frame.time_epoch -e ip.src 2>/dev/null |
    awk -v m="$m_ip" -v b="$b_ip" -v adv="$adv" '
      $2 == m && !seen_b { last_m = $1 }
      $2 == b && !seen_b { first_b = $1; seen_b = 1 }
      END {
        if (!last_m || !seen_b) { print "fail: no adverts in capture"; exit }
        mdi = 3 * adv + (256 - 100) * adv / 256
        printf "%.3f\n", (first_b - last_m - mdi) * 1000
      }'
}

printf '%-28s %-14s %3s %10s %10s %10s   (ms beyond Master_Down_Interval)\n' \
  implementation version n median min max
for bin in "$ours" "$theirs"; do
  if [ ! -x "$bin" ]; then
    printf '%-28s %s\n' "$bin" "missing (build: cargo build --release)"
    continue
  fi
  for spec in "2 1" "3 0.01"; do
    set -- $spec
    conf "$1" "$2" 200 >"$tmp/m.conf"
    conf "$1" "$2" 100 >"$tmp/b.conf"
    vals=() fails=0
    for _ in $(seq "$runs"); do
      r=$(one "$bin" "$1" "$2")
      case $r in
        fail*) fails=$((fails + 1)); echo "  $bin v$1: $r" >&2 ;;
        *) vals+=("$r") ;;
      esac
    done
    stop_ns "$nm"
    stop_ns "$nb"
    if [ "${#vals[@]}" = 0 ]; then
      printf '%-28s %-14s %3s %s\n' "$bin" "v$1 adv $2" 0 "all $fails runs failed"
      continue
    fi
    printf '%s\n' "${vals[@]}" | sort -g | awk -v name="$bin" -v ver="v$1 adv $2" -v fails="$fails" '
      { v[NR] = $1 }
      END {
        med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%-28s %-14s %3d %10.3f %10.3f %10.3f%s\n", name, ver, NR, med, v[1], v[NR],
          fails ? "   (" fails " failed)" : ""
      }'
  done
done
