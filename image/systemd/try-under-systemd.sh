#!/bin/sh
# Runs a keepalived unit under a real systemd on a host whose PID 1 is not systemd (a CI
# container): systemd becomes PID 1 of its own PID, mount, cgroup and UTS namespaces, in a
# network namespace with one link, and sees only the given unit (SYSTEMD_UNIT_PATH) and empty
# stand-ins for the targets it names, so it starts nothing else from the host. The binary is
# bind-mounted over /usr/sbin/keepalived and the config over /etc/keepalived there; the unit
# file itself is used unchanged.
#
#   image/systemd/try-under-systemd.sh BINARY [UNIT]    (root; UNIT defaults to Debian's)
#
# Prints systemd's view (Type, state, MainPID, Status) after start and reload, checks the VIP,
# and, when the unit has WatchdogSec, stops the VRRP child (the service must survive: the
# parent replaces it) and then the parent (systemd must restart the service). Stops the unit
# and checks the VIP is gone. Exit 0 when all of that held.
set -eu

BIN=$(realpath "$1")
UNIT=${2:-/lib/systemd/system/keepalived.service}
NAME=$(basename "$UNIT" .service)
D=$(mktemp -d /var/tmp/ka-systemd.XXXXXX)
NS=kasd$$
VIP=10.8.0.100
SYSD=
fails=0

cleanup() {
	if [ -n "$SYSD" ]; then kill -KILL "$SYSD" 2>/dev/null || true; fi
	sleep 1
	ip netns del "$NS" 2>/dev/null || true
	# systemd made its slices in the hierarchies it was given; they are empty once it is gone.
	for c in /sys/fs/cgroup/*/init.scope /sys/fs/cgroup/*/system.slice; do
		if [ -d "$c" ]; then find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
	done
	rm -rf "$D"
}
trap cleanup EXIT INT TERM

mkdir -p "$D/units" "$D/etc"
cp "$UNIT" "$D/units/"
for t in sysinit basic network-online multi-user shutdown default; do
	printf '[Unit]\nDescription=%s (stand-in)\n' "$t" >"$D/units/$t.target"
done
cat >"$D/etc/keepalived.conf" <<EOF
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 61
  priority 100
  advert_int 1
  virtual_ipaddress {
    $VIP/24
  }
}
EOF

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add eth0 type veth peer name peer0
ip -n "$NS" link set peer0 up
ip -n "$NS" link set eth0 up
ip -n "$NS" addr add 10.8.0.1/24 dev eth0

ip netns exec "$NS" unshare --pid --fork --mount --mount-proc --cgroup --uts --kill-child \
	sh -c "mount --bind $D/etc /etc/keepalived && mount --bind $BIN /usr/sbin/keepalived &&
		mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /tmp &&
		exec env container=ka-lab SYSTEMD_UNIT_PATH=$D/units /lib/systemd/systemd --system \
		--log-target=console --show-status=no" >"$D/systemd.log" 2>&1 &
UNSHARE=$!
for _ in $(seq 50); do
	SYSD=$(awk '{print $1}' "/proc/$UNSHARE/task/$UNSHARE/children" 2>/dev/null)
	[ -n "$SYSD" ] && nsenter -t "$SYSD" -m -p systemctl show -p Version >/dev/null 2>&1 && break
	sleep 0.2
done
S() { nsenter -t "$SYSD" -m -p systemctl "$@"; }
show() { S show "$NAME" -p Type,ActiveState,SubState,MainPID,StatusText,NRestarts,WatchdogUSec | tr '\n' ' '; echo; }
check() { if "$@"; then echo "ok   $*"; else echo "FAIL $*"; fails=$((fails + 1)); fi; }
active() { [ "$(S show "$NAME" -p ActiveState --value)" = active ]; }
vip() { ip -n "$NS" -o addr | grep -q " $VIP/"; }
host_pids() { grep -l "/$NAME.service" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3 | sort -n; }
waitfor() { t=$1; shift; while [ "$t" -gt 0 ]; do "$@" && return 0; sleep 1; t=$((t - 1)); done; "$@"; }

S start "$NAME"
echo "started:  $(show)"
check active
check waitfor 6 vip
S reload "$NAME"
echo "reloaded: $(show)"
check active

# "30s" when set, "0" when not; whole seconds are enough for the units here.
wd=$(S show "$NAME" -p WatchdogUSec --value)
if [ "$wd" != 0 ] && [ "$wd" != infinity ]; then
	wd=$(echo "$wd" | tr -dc 0-9)
	main=$(host_pids | head -1)
	child=$(host_pids | sed -n 2p)
	kill -STOP "$child"
	sleep 20 # the parent kills a silent child within three 5 s hello periods
	echo "child stopped 20 s: $(show)"
	check active
	check [ "$(S show "$NAME" -p NRestarts --value)" = 0 ]
	check [ "$(host_pids | head -1)" = "$main" ]
	kill -STOP "$main"
	sleep $((wd + 6))
	echo "parent stopped $((wd + 6)) s: $(show)"
	check [ "$(S show "$NAME" -p NRestarts --value)" = 1 ]
	check waitfor 6 active
fi

S stop "$NAME"
echo "stopped:  $(show) Result=$(S show "$NAME" -p Result --value)"
check [ "$(S show "$NAME" -p Result --value)" = success ]
check waitfor 3 eval '! vip'
printf '%d failed\n' "$fails"
[ "$fails" = 0 ]
