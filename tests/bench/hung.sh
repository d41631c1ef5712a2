#!/usr/bin/env bash
# The two-masters window after our MASTER's VRRP child hangs: a master (ours, priority 200) and a backup
# (env PEER, default Debian's keepalived 2.2.7, priority 100) in two network namespaces joined by a veth
# pair, VRRP version and advert interval per spec (env SPECS, default "2:1 3:0.1"). Once the pair is
# steady, the master's VRRP child gets SIGSTOP (a loop that never returns to poll). Polling both
# namespaces every 10 ms:
#
#   takeover = the VIP appears on the backup, ms after the SIGSTOP
#   released = the VIP leaves the stopped master (the parent killed the child and removed its VIPs)
#   window   = released - takeover: both hosts answer for the VIP (0 when the VIP left first)
#
# Then the pair must settle again (the respawned child preempts: one VIP holder) before the next run.
# Prints median and max over N runs (env N, default 5) per spec. Figures, not pass/fail. Needs root.
#
#   tests/bench/hung.sh [OUR_BINARY]      (default: target/release/keepalived)
set -euo pipefail
cd "$(dirname "$0")/../.."
ours=${1:-target/release/keepalived}
peer=${PEER:-/usr/sbin/keepalived}
runs=${N:-5}
specs=${SPECS:-2:1 3:0.1}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }

# shellcheck source=tests/bench/pair.sh
. tests/bench/pair.sh
pair_setup hg 10.9.8
vip=192.0.2.100

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
        $vip/24
    }
}
CONF
}

# Not `| grep -q`: with pipefail, grep quitting early fails the pipeline with SIGPIPE.
has_vip() { [[ $(ip -n "$1" -o addr show dev eth0) == *" $vip/"* ]]; }
now_ms() { date +%s%3N; }

# The VRRP child of the daemon in namespace NS: the process there named Keepalived_vrrp.
vrrp_child() {
  local p
  for p in $(ip netns pids "$1"); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = Keepalived_vrrp ] && { echo "$p"; return; }
  done
}

# Waits (up to $1 s) until the master alone holds the VIP.
settled() {
  local deadline=$((SECONDS + $1))
  until has_vip "$nm" && ! has_vip "$nb"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

one() { # prints "takeover released window" in ms, or "fail: why"
  settled 20 || { echo "fail: pair never settled"; return; }
  sleep 1
  local child t0 tk="" tr="" end
  child=$(vrrp_child "$nm")
  [ -n "$child" ] || { echo "fail: no VRRP child"; return; }
  t0=$(now_ms)
  kill -STOP "$child"
  end=$((t0 + 30000))
  while [ -z "$tk" ] || [ -z "$tr" ]; do
    local t
    t=$(now_ms)
    [ -n "$tk" ] || ! has_vip "$nb" || tk=$t
    [ -n "$tr" ] || has_vip "$nm" || tr=$t
    [ "$t" -lt "$end" ] || { echo "fail: takeover ${tk:-never}, release ${tr:-never}"; kill -CONT "$child" 2>/dev/null; return; }
    sleep 0.01
  done
  local w=$((tr - tk))
  [ "$w" -gt 0 ] || w=0
  echo "$((tk - t0)) $((tr - t0)) $w"
}

printf '%-28s %-10s %3s %14s %14s %14s %14s\n' master spec n takeover_med released_med window_med window_max
for spec in $specs; do
  ver=${spec%%:*} adv=${spec#*:}
  stop_ns "$nm"
  stop_ns "$nb"
  conf "$ver" "$adv" 200 >"$tmp/m.conf"
  conf "$ver" "$adv" 100 >"$tmp/b.conf"
  start "$nm" m "$ours"
  start "$nb" b "$peer"
  vals=() fails=0
  for _ in $(seq "$runs"); do
    r=$(one)
    case $r in
      fail*) fails=$((fails + 1)); echo "  $spec: $r" >&2 ;;
      *) vals+=("$r") ;;
    esac
  done
  if [ "${#vals[@]}" = 0 ]; then
    printf '%-28s %-10s %3s %s\n' "$ours" "v$ver $adv" 0 "all $fails runs failed"
    continue
  fi
  printf '%s\n' "${vals[@]}" | awk -v name="$ours" -v spec="v$ver $adv" -v fails="$fails" '
    function med(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    { k[NR] = $1; r[NR] = $2; w[NR] = $3; if ($3 > max) max = $3 }
    END {
      printf "%-28s %-10s %3d %14.0f %14.0f %14.0f %14.0f%s\n", name, spec, NR, med(k, NR), med(r, NR),
        med(w, NR), max, fails ? "   (" fails " failed)" : ""
    }'
done
