#!/usr/bin/env bash
# Prints the proportional set size (PSS: private pages plus a 1/N share of each page N processes map), the
# resident size and the private dirty pages of every process of ours and of Debian's keepalived 2.2.7, from
# /proc/PID/smaps_rollup, both running the same idle config side by side (tests/bench/idle.sh), for two
# configs: 1 vrrp_instance at advert_int 1 and 100 at advert_int 0.01 (all VRRPv3, all MASTER). The sum of
# a daemon's PSS is what it costs the router: the text the parent and its children share counts once.
# Needs root.
#
#   tests/bench/pss.sh [OUR_BINARY]        (default: the static musl build, target/cross/x86_64-unknown-linux-musl)
#   RUNS="1:1 100:0.01"                    the configs, COUNT:ADVERT_INT each (default these two)
#   CONF=FILE tests/bench/pss.sh           one run on FILE instead (e.g. with checkers or BFD; interfaces eth0/lo)
#   DETAIL=1                               also each of our processes' mappings: text, data/bss, heap, stack, anon
#   SETTLE=30                              seconds both daemons run on once every VIP is up, before measuring
#                                          (default 30; 0 measures the start-up transient)
# Why SETTLE: our processes drop their start-up code's mappings at each of their first 12 hellos (every 0.5
# to 5 s, src/core/alloc/text.rs), and 100 instances at 10 ms become MASTER and send their delayed GARPs
# (5 s later) in that window: measured at once, 100 instances read 1,352-1,552 KiB, after 30 s 908 (seen
# 2026-12-07; one instance reads 584-592 either way).
# Each config's run holds the labs' lock (/tmp/keepalived-rs-lab.lock), so that no lab loads the machine while it
# measures and no lab waits for the whole script.
set -euo pipefail
cd "$(dirname "$0")/../.."
ours=${1:-target/cross/x86_64-unknown-linux-musl/keepalived}
theirs=/usr/sbin/keepalived
[ -x "$ours" ] || { echo "build first: SETUP=0 cross/build.sh x86_64-unknown-linux-musl" >&2; exit 2; }
[ -x "$theirs" ] || { echo "needs Debian's keepalived (apt-get install keepalived)" >&2; exit 2; }
# Ours runs from a copy, as a package installs it: a file just written by the linker (through mmap) sits
# in the page cache differently and read 40-110 KiB more PSS than the same bytes copied (2026-12-07).
given=$ours
installed=$(mktemp -d /tmp/pss-bin.XXXXXX)
cp "$ours" "$installed/keepalived"
ours=$installed/keepalived
# shellcheck source=tests/bench/idle.sh
. tests/bench/idle.sh

# role TAG PID: parent, vrrp, checker or bfd, from the pid files the daemon wrote.
role() {
  local f
  for f in vrrp chk bfd; do
    if [ "$(cat "$tmp/$1_$f.pid" 2>/dev/null)" = "$2" ]; then
      case $f in chk) echo checker ;; *) echo $f ;; esac
      return
    fi
  done
  if [ "$(cat "$tmp/$1.pid" 2>/dev/null)" = "$2" ]; then echo parent; else echo "child"; fi
}

# rollup PID: "rss pss pss_anon pss_file private_dirty" in KiB.
rollup() {
  awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} /^Pss_Anon:/ {a=$2} /^Pss_File:/ {f=$2} /^Private_Dirty:/ {d=$2}
       END {print r+0, p+0, a+0, f+0, d+0}' "/proc/$1/smaps_rollup" 2>/dev/null || echo "0 0 0 0 0"
}

# detail PID: the process's mappings grouped by name and permissions (the binary's segments, [heap],
# [stack], anonymous mmaps), largest PSS first.
detail() {
  awk '
    /^[0-9a-f]+-[0-9a-f]+ / {
      name = ($6 == "") ? "[anon]" : $6; n = split(name, parts, "/"); key = $2 " " parts[n]; next }
    /^Size:/ { size[key] += $2 } /^Rss:/ { rss[key] += $2 } /^Pss:/ { pss[key] += $2 } /^Private_Dirty:/ { dirty[key] += $2 }
    END { for (k in size) if (rss[k] > 0) printf "      %-36s %9d %7d %7d %7d\n", k, size[k], rss[k], pss[k], dirty[k] }
  ' "/proc/$1/smaps" | sort -k4,4nr
}

row() { # CONFIG IMPL TAG PID: one line per process and their sum
  local p r ps a f d total_r=0 total_p=0 total_d=0
  for p in $4 $(pgrep -P "$4" | sort -n); do
    read -r r ps a f d <<<"$(rollup "$p")"
    printf '%-16s %-22s %-8s %8d %8d %8d %8d %8d\n' "$1" "$2" "$(role "$3" "$p")" "$r" "$ps" "$a" "$f" "$d"
    total_r=$((total_r + r)) total_p=$((total_p + ps)) total_d=$((total_d + d))
    if [ -n "${DETAIL:-}" ] && [ "$3" = ours ]; then
      printf '      %-36s %9s %7s %7s %7s\n' "perms mapping" size_KiB rss pss dirty
      detail "$p"
    fi
  done
  printf '%-16s %-22s %-8s %8d %8d %8s %8s %8d\n' "$1" "$2" total "$total_r" "$total_p" "" "" "$total_d"
}

ver=$("$theirs" -v 2>&1 | awk 'NR == 1 {print $2}')
printf '%-16s %-22s %-8s %8s %8s %8s %8s %8s\n' config implementation process rss_KiB pss_KiB pss_anon pss_file \
  priv_dirty
runs=${RUNS:-1:1 100:0.01}
# No VIPs to count with a config of its own: its children get 6 s (3 x 2) to settle.
[ -n "${CONF:-}" ] && runs=conf:2
for spec in $runs; do
  count=${spec%%:*} adv=${spec#*:}
  exec 9>/tmp/keepalived-rs-lab.lock
  flock 9
  idle_setup
  if [ -n "${CONF:-}" ]; then
    conf=$CONF label=$(basename "$CONF") count=0
  else
    idle_conf "$count" 3 "$adv"
    label="${count}x v3 ${adv}s"
  fi
  p_ours=$(idle_start "$ns_ours" "$ours" ours)
  p_theirs=$(idle_start "$ns_theirs" "$theirs" kad)
  idle_wait "$count" "$adv"
  sleep "${SETTLE:-30}"
  [ "$count" = 0 ] || [ "$(idle_vips "$ns_ours")" -ge "$count" ] ||
    echo "ours holds $(idle_vips "$ns_ours") of $count VIPs" >&2
  [ "$count" = 0 ] || [ "$(idle_vips "$ns_theirs")" -ge "$count" ] ||
    echo "keepalived holds $(idle_vips "$ns_theirs") of $count VIPs" >&2
  row "$label" "ours" ours "$p_ours"
  row "$label" "keepalived $ver" kad "$p_theirs"
  idle_cleanup
  trap - EXIT
  exec 9>&-
done
printf "our binary: %s bytes (%s)\n" "$(stat -c %s "$ours")" "$given"
rm -rf "$installed"
