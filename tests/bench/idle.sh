# shellcheck shell=bash
# Sourced by the idle-memory benches (idle_rss.sh, pss.sh): ours and keepalived 2.2.7 side by side, each in a
# network namespace of its own (eth0, one end of a veth pair whose other end stays beside it), on the same
# config of COUNT vrrp_instances (VRIDs 1..COUNT, all BACKUP, no peer: all become MASTER), in the same run.
#
#   idle_setup                    namespaces $ns_ours / $ns_theirs, a scratch dir $tmp, cleanup on exit
#   idle_conf COUNT VERSION ADV   writes $tmp/one.conf (VRRP VERSION, advert_int ADV)
#   idle_start NS BINARY TAG      starts the daemon on $conf (default $tmp/one.conf) in the background;
#                                 pid files $tmp/TAG{,_vrrp,_chk,_bfd}.pid
#   idle_wait COUNT ADV           waits until both hold their COUNT VIPs, then a few adverts more
#   idle_vips NS                  prints how many VIPs NS holds

idle_setup() {
  tmp=$(mktemp -d)
  ns_ours=idle-ours-$$ ns_theirs=idle-kad-$$
  trap idle_cleanup EXIT
  [ -n "${KEEP_LOGS:-}" ] && trap 'cp "$tmp"/*.log /tmp/ 2>/dev/null; idle_cleanup' EXIT
  local ns
  for ns in "$ns_ours" "$ns_theirs"; do
    ip netns add "$ns"
    ip -n "$ns" link add eth0 type veth peer name peer0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set peer0 up
    ip -n "$ns" addr add 192.0.2.1/24 dev eth0
  done
}

idle_cleanup() {
  local ns
  for ns in "$ns_ours" "$ns_theirs"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$tmp"
}

idle_conf() { # COUNT VERSION ADV
  local i=1
  printf 'global_defs {\n    router_id rss_bench\n    vrrp_version %s\n}\n' "$2" >"$tmp/one.conf"
  while [ "$i" -le "$1" ]; do
    # VIPs 192.0.2.101.. then 198.51.100.x: up to 355 instances, each VIP distinct.
    printf 'vrrp_instance VI_%d {\n    state BACKUP\n    interface eth0\n    virtual_router_id %d\n    priority 100\n    advert_int %s\n    virtual_ipaddress {\n        %s/24\n    }\n}\n' \
      "$i" "$i" "$3" "$(idle_vip "$i")" >>"$tmp/one.conf"
    i=$((i + 1))
  done
}

idle_vip() { # N
  if [ "$1" -le 154 ]; then echo "192.0.2.$(($1 + 100))"; else echo "198.51.100.$(($1 - 154))"; fi
}

idle_start() { # NS BINARY TAG
  rm -f "$tmp/$3".pid "$tmp/$3"_*.pid
  ip netns exec "$1" "$2" -n -l -f "${conf:-$tmp/one.conf}" -p "$tmp/$3.pid" -r "$tmp/$3_vrrp.pid" \
    -c "$tmp/$3_chk.pid" -b "$tmp/$3_bfd.pid" >"$tmp/$3.log" 2>&1 &
  echo $!
}

idle_vips() { # NS
  ip -n "$1" -o -4 addr show dev eth0 | grep -c -v ' 192\.0\.2\.1/' || true
}

idle_wait() { # COUNT ADV
  # No peer: every instance becomes MASTER after Master_Down_Interval (3 * ADV + skew); allow that plus the
  # daemons' start-up (10 s on this loaded machine), then three more adverts (at least 1 s) before measuring.
  local deadline
  deadline=$((SECONDS + 10 + $(awk -v a="$2" 'BEGIN { printf "%d", 4 * a + 1 }')))
  while [ $SECONDS -lt $deadline ]; do
    if [ "$(idle_vips "$ns_ours")" -ge "$1" ] && [ "$(idle_vips "$ns_theirs")" -ge "$1" ]; then break; fi
    sleep 0.2
  done
  sleep "$(awk -v a="$2" 'BEGIN { s = 3 * a; if (s < 1) s = 1; print s }')"
}
