#!/usr/bin/env bash
# VRRP between a big-endian MIPS keepalived (under qemu-mips-static) and an x86_64 one, each in its own
# network namespace joined by a veth pair. Byte-order mistakes in the packet code show up as both routers
# claiming MASTER, or a takeover that never happens. Runs once with VRRPv3 and once with VRRPv2 + AH.
#
#   cross/lab.sh                  # needs root; binaries from cross/build.sh
#   MIPS_BIN=... X86_BIN=... cross/lab.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MIPS_BIN=${MIPS_BIN:-target/cross/mips-unknown-linux-musl/keepalived}
X86_BIN=${X86_BIN:-target/cross/x86_64-unknown-linux-musl/keepalived}
QEMU=${QEMU:-qemu-mips-static}
ADVERT=1
# qemu-user start-up and translation make the emulated router slow to answer; a generous margin
# on top of the protocol's own timer keeps the lab from flaking without hiding a router that never acts.
MARGIN=${MARGIN:-6}
STARTUP=${STARTUP:-25}

M=kacross-m-$$ X=kacross-x-$$
WORK=$(mktemp -d /tmp/kacross-lab.XXXXXX)
VIP=10.77.0.100
fail=0

for f in "$MIPS_BIN" "$X86_BIN"; do [ -x "$f" ] || { echo "lab.sh: $f missing (run cross/build.sh)" >&2; exit 1; }; done
command -v "$QEMU" >/dev/null || { echo "lab.sh: $QEMU missing (apt-get install qemu-user-static)" >&2; exit 1; }

killns() { local p; p=$(ip netns pids "$1" 2>/dev/null || true); [ -z "$p" ] || kill "-$2" $p 2>/dev/null || true; }
cleanup() {
  for ns in $M $X; do killns "$ns" KILL; ip netns del "$ns" 2>/dev/null || true; done
  if [ "$fail" = 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; else echo "lab.sh: logs kept in $WORK"; fi
}
trap cleanup EXIT

ip netns add "$M"; ip netns add "$X"
ip link add eth0 netns "$M" type veth peer name eth0 netns "$X"
ip -n "$M" addr add 10.77.0.1/24 dev eth0; ip -n "$X" addr add 10.77.0.2/24 dev eth0
for ns in $M $X; do ip -n "$ns" link set lo up; ip -n "$ns" link set eth0 up; done

# Master_Down_Interval (RFC 5798 §6.1) for the backup's priority, rounded up, plus the qemu margin.
takeover_deadline() { echo $(( 3 * ADVERT + 1 + MARGIN )); }

# conf NAME VERSION PRIORITY -> path
conf() {
  local f=$WORK/$1.conf auth=""
  if [ "$2" = 2 ]; then
    auth="    authentication {
        auth_type AH
        auth_pass xk7Lq2
    }"
  fi
  cat >"$f" <<CONF
global_defs {
    router_id $1
    vrrp_version $2
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 77
    priority $3
    advert_int $ADVERT
$auth
    virtual_ipaddress {
        $VIP/24
    }
}
CONF
  echo "$f"
}

RUN=0 LOG_m="" LOG_x="" # set by start through eval
export LOG_x
# start ROLE(m|x) VERSION PRIORITY ; sets LOG_<role>
start() {
  local ns bin q="" d
  RUN=$((RUN + 1)); d=$WORK/$1-$RUN; mkdir -p "$d"
  if [ "$1" = m ]; then ns=$M bin=$MIPS_BIN q=$QEMU; else ns=$X bin=$X86_BIN; fi
  # QEMU_LOG=unimp makes qemu-user name any syscall or socket option it does not emulate.
  QEMU_LOG=unimp ip netns exec "$ns" $q "$bin" -n -l -f "$(conf "$1-$RUN" "$2" "$3")" \
    -p "$d/keepalived.pid" -r "$d/vrrp.pid" -c "$d/checkers.pid" >"$d/log" 2>&1 &
  # Out of the job table: the lab kills these itself and bash would print "Killed" for each.
  disown
  eval "LOG_$1=$d/log"
}

has_vip() { ip -n "$1" -4 addr show dev eth0 | grep -q "inet $VIP/"; }
is_master() { grep -qs '(VI_1) Entering MASTER STATE' "$1"; }
masters() { grep -cs '(VI_1) Entering MASTER STATE' "$1" || true; }

# wait_for SECONDS DESCRIPTION CMD... : polls CMD until it succeeds or the deadline passes.
wait_for() {
  local secs=$1 what=$2; shift 2
  local end=$(( $(date +%s%N) + secs * 1000000000 ))
  while ! "$@"; do
    if [ "$(date +%s%N)" -ge "$end" ]; then echo "FAIL: $what (within ${secs}s)"; fail=1; return 1; fi
    sleep 0.2
  done
  echo "ok   $what"
}
# hold_for SECONDS DESCRIPTION CMD... : CMD must stay true for the whole period.
hold_for() {
  local secs=$1 what=$2; shift 2
  local end=$(( $(date +%s%N) + secs * 1000000000 ))
  while [ "$(date +%s%N)" -lt "$end" ]; do
    if ! "$@"; then echo "FAIL: $what"; fail=1; return 1; fi
    sleep 0.2
  done
  echo "ok   $what (${secs}s)"
}
not() { ! "$@"; }
vip_only() { has_vip "$1" && ! has_vip "$2"; }

phase() {
  local v=$1 dl; dl=$(takeover_deadline)
  echo "== VRRPv$v$([ "$v" = 2 ] && echo ' + AH'): mips priority 150, x86_64 priority 100"
  start m "$v" 150; start x "$v" 100
  wait_for "$STARTUP" "v$v mips (higher priority) becomes MASTER" is_master "$LOG_m" || return 1
  wait_for "$dl" "v$v VIP only on mips" vip_only "$M" "$X" || return 1
  # The x86_64 router staying BACKUP proves it accepts the big-endian router's adverts. Both start
  # together, so their first Master_Down timers (3.41 s and 3.61 s) can expire in the same instant when
  # qemu is slow to start: the x86_64 one may then be MASTER for one advert before it yields, as RFC 5798
  # allows. What must not happen is a MASTER entry after the VIP has settled on mips.
  local n
  # shellcheck disable=SC2034 # read by the eval below
  n=$(masters "$LOG_x")
  hold_for $(( 2 * dl )) "v$v x86_64 stays BACKUP, VIP only on mips" eval 'vip_only $M $X && [ "$(masters $LOG_x)" = "$n" ]' || return 1

  echo "-- freeze then kill the mips router"
  killns "$M" STOP
  wait_for "$dl" "v$v x86_64 takes over from frozen mips" eval 'is_master $LOG_x && has_vip $X' || return 1
  killns "$M" KILL
  # SIGKILL leaves the VIP behind; a rebooted router would not have it.
  ip -n "$M" addr del "$VIP/24" dev eth0 2>/dev/null || true

  echo "-- restart mips with the lower priority"
  start m "$v" 50
  # The mips router staying BACKUP proves it accepts the x86_64 router's adverts.
  wait_for "$STARTUP" "v$v mips comes up as BACKUP" grep -qs '(VI_1) Entering BACKUP STATE' "$LOG_m" || return 1
  hold_for $(( 2 * dl )) "v$v mips stays BACKUP, VIP only on x86_64" eval 'vip_only $X $M && ! is_master $LOG_m' || return 1

  echo "-- freeze then kill the x86_64 router"
  killns "$X" STOP
  wait_for "$dl" "v$v mips takes over from frozen x86_64" eval 'is_master $LOG_m && has_vip $M' || return 1
  killns "$X" KILL
  ip -n "$X" addr del "$VIP/24" dev eth0 2>/dev/null || true
  killns "$M" TERM
  wait_for 10 "v$v mips exits on SIGTERM" eval '[ -z "$(ip netns pids $M)" ]' || return 1
}

phase 3 || true
for ns in $M $X; do killns "$ns" KILL; ip -n "$ns" addr del "$VIP/24" dev eth0 2>/dev/null || true; done
[ "$fail" = 0 ] && { phase 2 || true; }

# Anything qemu-user could not emulate (raw sockets, netlink, socket options) is named in the logs.
# qemu-user also rewrites netlink messages for the guest's byte order and names attributes it does not know
# ("Unknown host QEMU_IFLA type"); those are left in host byte order, which a big-endian guest then misreads.
if grep -h -iE 'unsupported|unimplemented|not implemented|unknown host' "$WORK"/m-*/log | sort -u | sed 's/^/qemu: /' | grep .; then
  echo "lab.sh: qemu-user reported calls or netlink attributes it does not emulate (above)"
fi
if [ "$fail" != 0 ]; then
  for l in "$WORK"/*/log; do echo "---- $l"; tail -n 30 "$l"; done
  echo "lab: FAILED"
else
  echo "lab: all passed"
fi
exit "$fail"
