# shellcheck shell=bash
# Sourced by the two-namespace benches (reload.sh, takeover.sh, hung.sh, the bfd_ and vrrp_ ones,
# busy_takeover.sh): a master namespace and a backup namespace joined by a veth pair (eth0 on both),
# the helpers that start, watch and stop a daemon in them, and the many-instance configs. `pair_setup
# PREFIX NET` makes the namespaces PREFIX-m-PID / PREFIX-b-PID with NET.1 (master, $m_ip) and NET.2
# (backup, $b_ip), a scratch dir $tmp, and removes all of it on exit. It first waits for the lab lock:
# lab tests hold it while they run, and waiting keeps them from skewing the figures.

pair_setup() { # PREFIX NET
  tmp=$(mktemp -d)
  nm=$1-m-$$ nb=$1-b-$$
  m_ip=$2.1 b_ip=$2.2
  trap pair_cleanup EXIT
  exec 9>/tmp/keepalived-rs-lab.lock
  flock 9
  ip netns add "$nm"
  ip netns add "$nb"
  ip -n "$nm" link add eth0 type veth peer name eth0 netns "$nb"
  local ns
  for ns in "$nm" "$nb"; do
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
  done
  ip -n "$nm" addr add "$m_ip/24" dev eth0
  ip -n "$nb" addr add "$b_ip/24" dev eth0
}

pair_cleanup() {
  local ns
  for ns in "$nm" "$nb"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$tmp"
}

# wait_log FILE TEXT SECONDS [SKIP_LINES]: waits until TEXT appears in FILE after its first SKIP_LINES lines.
wait_log() {
  local deadline=$((SECONDS + $3))
  while ! awk -v skip="${4:-0}" -v text="$2" 'NR > skip && index($0, text) { found = 1 } END { exit !found }' \
    "$1" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.01
  done
}

# many_conf COUNT PRIORITY NET: COUNT VRRPv3 instances vi1.. (VRIDs 1..) at advert_int 0.01 on eth0,
# each with the VIP NET.VRID/32, all starting as BACKUP at PRIORITY (the benches at 10,000 adverts/s).
many_conf() {
  local i
  # No second gratuitous ARP burst (5 s after MASTER by default): it would fall in a window.
  printf 'global_defs {\n    vrrp_version 3\n    vrrp_garp_master_delay 0\n}\n'
  for i in $(seq "$1"); do
    printf 'vrrp_instance vi%d {\n    state BACKUP\n    interface eth0\n    virtual_router_id %d\n' "$i" "$i"
    printf '    priority %d\n    advert_int 0.01\n    virtual_ipaddress {\n        %s.%d/32\n    }\n}\n' "$2" "$3" "$i"
  done
}

# states LOG STATE: how many instances' last logged state in LOG is STATE.
states() {
  awk -v want="$2" 'match($0, /\(vi[0-9]+\) Entering [A-Z]+ STATE/) {
      s = substr($0, RSTART, RLENGTH); split(s, w, " "); st[w[1]] = w[3] }
    END { n = 0; for (k in st) if (st[k] == want) n++; print n }' "$1"
}

# start NS NAME BINARY [CPUS]: runs the daemon on $tmp/NAME.conf in the foreground of its own process
# group (held to CPUS if given), logging to $tmp/NAME/log; prints nothing.
start() {
  local d=$tmp/$2 pin=()
  mkdir -p "$d"
  # A stale pid file naming a live (reused) pid makes keepalived refuse to start.
  rm -f "$d"/*.pid
  [ -n "${4:-}" ] && pin=(taskset -c "$4")
  ip netns exec "$1" "${pin[@]}" setsid "$3" -n -l -D -f "$tmp/$2.conf" -p "$d/k.pid" -r "$d/v.pid" -c "$d/c.pid" \
    >"$d/log" 2>&1 </dev/null &
}

# stop_ns NS: kills everything in NS and waits (up to 5 s) until it is gone.
stop_ns() {
  ip netns pids "$1" | xargs -r kill -9 2>/dev/null || true
  local deadline=$((SECONDS + 5))
  while [ -n "$(ip netns pids "$1")" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
}
