#!/bin/sh
# Demo of the watchdog parent: start, child respawn, a rejected reload, clean stop.
# Runs the daemon in a throw-away network namespace (root needed), so the host is never touched.
#   cargo build --release && tests/demo/watchdog.sh
# KEEPALIVED=/usr/sbin/keepalived tests/demo/watchdog.sh runs the same demo against keepalived itself.
set -eu
cd "$(dirname "$0")/../.."

BIN=${KEEPALIVED:-target/release/keepalived}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
[ -x "$BIN" ] || { echo "no $BIN: run cargo build --release first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "the demo needs root (network namespaces)" >&2; exit 1; }

ns=kdemo$$
tmp=$(mktemp -d)
log=$tmp/keepalived.log
pid=

cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
mark() { wc -l <"$log"; }
log_since() { tail -n +"$(($1 + 1))" "$log" | sed 's/^/   | /'; }
# Polls a shell condition for up to $1 seconds.
wait_for() {
    n=$(($1 * 10)); shift
    while [ "$n" -gt 0 ]; do
        if eval "$*"; then return 0; fi
        sleep 0.1; n=$((n - 1))
    done
    return 1
}
tree() { pstree -p "$pid" 2>/dev/null | sed 's/^/   /' || ps -o pid,ppid,args --ppid "$pid" -p "$pid"; }
vrrp_child() {
    if [ -s "$tmp/vrrp.pid" ]; then cat "$tmp/vrrp.pid"; else pgrep -P "$pid" | head -n 1; fi
}

say "lab: namespace $ns with eth0 192.168.1.2/24"
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add eth0 type veth peer name p0
ip -n "$ns" link set p0 up
ip -n "$ns" link set eth0 up
ip -n "$ns" addr add 192.168.1.2/24 dev eth0
cp config/router-pair.conf "$tmp/keepalived.conf"

say "start: $BIN -n -l -D -f keepalived.conf (config/router-pair.conf)"
ip netns exec "$ns" "$BIN" -n -l -D -f "$tmp/keepalived.conf" \
    -p "$tmp/keepalived.pid" -r "$tmp/vrrp.pid" -c "$tmp/checkers.pid" >"$log" 2>&1 &
pid=$!
if ! wait_for 10 '[ -n "$(pgrep -P $pid)" ]'; then
    echo "no child process appeared; log:"; log_since 0; exit 1
fi
sleep 1
log_since 0
say "process tree: the parent watchdog and its VRRP child"
tree

child=$(vrrp_child)
say "kill -KILL $child (the VRRP child): the parent must respawn it"
before=$(pgrep -P "$pid" | tr '\n' ' ')
# True once the parent has a child that was not there before the kill.
respawned() {
    for c in $(pgrep -P "$pid"); do
        case " $before " in *" $c "*) ;; *) return 0 ;; esac
    done
    return 1
}
m=$(mark)
kill -KILL "$child"
if wait_for 30 respawned; then
    sleep 1
    log_since "$m"
    tree
else
    log_since "$m"
    echo "   !! no new child within 30 s"; exit 1
fi

say "SIGHUP with a broken config: the daemon must keep running the old one"
cat >"$tmp/keepalived.conf" <<'EOF'
vrrp_instance LAN {
    interface eth0
    virtual_router_id 300
    priority 150
    virtual_ipaddress {
        192.168.1.1/24 dev eth0
EOF
m=$(mark)
kill -HUP "$pid"
sleep 3
log_since "$m"
if kill -0 "$pid" 2>/dev/null; then echo "   parent $pid still running"; else echo "   !! parent died"; exit 1; fi
tree

say "SIGTERM: clean stop"
m=$(mark)
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
log_since "$m"
echo "   exit status $rc; processes left in the namespace: $(ip netns pids "$ns" | wc -l)"
[ "$rc" = 0 ]
