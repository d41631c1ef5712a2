#!/usr/bin/env bash
# checkers.sh beside keepalived 2.2.7, inside the IPVS VM (tests/vm): keepalived's checker child
# exits without IPVS, so both run there, one after the other in the same boot, on the same config:
# COUNT real servers (default 1000) on 127.0.x.y:8080 under one virtual server, each with one
# TCP_CHECK (MODE=tcp) or HTTP_GET of / (MODE=http) at delay_loop 1. Both program the VM's real
# IPVS (1000 destinations at start); the figures are taken after that, so IPVS writes are in only
# when a server changes state (the output says how many did). Per implementation it prints checks
# per second (the VM's Tcp ActiveOpens), user and system CPU time of the checker child (from
# /proc/PID/stat), CPU per check, and the child's VmRSS and PSS (smaps_rollup). RUNS=R repeats
# every mode R times in the same boot (ours and keepalived in turn each time). One small C
# listener accepts for every address.
#
# The VM is qemu TCG with one vCPU: absolute figures are those of an emulated CPU many times
# slower than the host, and the whole VM shares the host's cores; compare the two rows of one run.
#
#   tests/bench/checkers_vm.sh [OUR_BINARY]       (default: target/release/keepalived)
#   MODES="tcp http" COUNT=1000 SECS=10 RUNS=3 tests/bench/checkers_vm.sh
#   FIRST=theirs tests/bench/checkers_vm.sh      (keepalived 2.2.7 runs first in each mode)
#   LOGS=/tmp/out.txt tests/bench/checkers_vm.sh   (also saves the console with both daemons' logs)
#   DOWN=300 MODES=tcp tests/bench/checkers_vm.sh  (300 servers fail at start: a storm of changes
#     that once starved the healthy servers' checks; both should show 0 down in the window)
#   IMPLS=ours OURS_ARGS=... SAMPLE=1 LOGS=...    (ours alone, with options; SAMPLE lines in the
#     console say where the checker child was, from /proc/PID/syscall, 10 times a second)
#   PERF=1 tests/bench/checkers_vm.sh   (the host's perf in the VM: per check, the child's syscalls,
#     context switches and task-clock, the scheduler's own CPU time; counting syscalls slows both
#     a little)
#   ACCT=tick tests/bench/checkers_vm.sh   (user and system time by tick sampling, one vCPU: below)
#   BASE=/tmp/old-keepalived tests/bench/checkers_vm.sh   (a second build of ours, "base", in
#     the same boot: before and after a change, against one keepalived; boots differ by ±40 %)
# After each TCP round a "floor" row: cputime -c, a C loop that makes the syscalls a TCP check
# cannot do without and nothing else, at the same rate, pinned where the checkers run: what the
# accounting calls user time when a program's own code costs next to nothing. REUSE=1 adds a
# second floor (cputime -r): each server's socket kept and reset after its check, no socket,
# SO_LINGER, epoll_ctl or close per check.
#   PROFILE=1 tests/bench/checkers_vm.sh   (also 5 s of perf record after each row: the share of
#     kernel, program and libraries, the TOP (default 12) symbols, and the TOP user-space ones
#     (cpu-clock samples: under vtime too they cannot land where interrupts are off, so some
#     kernel time shows on the instruction after a syscall); ours goes in as given: for
#     its symbols, CROSS_OUT=target/cross-syms EXTRA_CARGO_ARGS="--config profile.release.strip=false"
#     SETUP=0 cross/build.sh x86_64-unknown-linux-musl)
#
# ACCT says how the checker child's user and system time are split (the total is the same
# either way: tick's are rescaled by the kernel to the scheduler's runtime, vtime's add up to it
# within a few per cent):
#   ACCT=vtime (default): two vCPUs, CPU 1 booted nohz_full, so the VM kernel
#     (CONFIG_VIRT_CPU_ACCOUNTING_GEN) reads the clock at every user/kernel crossing on it;
#     keepalived starts pinned there (parent and checker child), everything else (shell,
#     listener, perf) stays on CPU 0. user_s is then the time spent in user mode, to the
#     clock's precision; sys_s holds syscalls, faults and the interrupts and softirqs that came
#     while the child ran (this kernel has no IRQ_TIME_ACCOUNTING: loopback TCP's softirq work is
#     charged to whoever sent the packet, for both implementations alike).
#   ACCT=tick: the old set-up, one vCPU and 250 Hz tick sampling. A tick that comes while the
#     kernel runs with interrupts off is taken where they come on again, on the user instruction
#     after a syscall, so user_s there is mostly kernel exits (PROFILE=1 finds most user samples
#     on musl's sccp, connect and __syscall_ret; glibc's connect, for keepalived as for ours).
# Every boot first checks the accounting with two 2 s loops pinned where the checkers run
# (a busybox shell loop: all user; dd bs=1 /dev/zero to /dev/null: mostly system), and prints
# the kernel's nohz_full CPU list.
# Either way the clock is the host's: time the host takes the vCPU away is charged to what the
# guest was doing then.
#
# Needs qemu-system-x86_64, busybox, gcc (static libc) and the VM kernel (tests/setup.d/ipvs.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
ours=${1:-target/release/keepalived}
theirs=/usr/sbin/keepalived
[ -x "$ours" ] || { echo "build first: cargo build --release" >&2; exit 2; }
[ -x "$theirs" ] || { echo "no $theirs" >&2; exit 2; }
count=${COUNT:-1000}
modes=${MODES:-tcp http}
secs=${SECS:-10}
runs=${RUNS:-1}
acct=${ACCT:-vtime}
case "$acct" in
  vtime) smp=2 append=" nohz_full=1 rcu_nocbs=1 irqaffinity=0 tsc=reliable" ;;
  tick) smp=1 append= ;;
  *) echo "ACCT is vtime or tick" >&2; exit 2 ;;
esac
# The first row of a mode starts without the TIME_WAIT sockets the other leaves: FIRST=theirs
# swaps the order, to see what that is worth.
impls="ours theirs"
[ "${FIRST:-ours}" = theirs ] && impls="theirs ours"
[ -z "${BASE:-}" ] || impls="$impls base"
impls=${IMPLS:-$impls}
cache=${KA_VM_CACHE:-/var/cache/keepalived-vm}
kernel=$(ls "$cache"/kernel/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$kernel" ] || { echo "no VM kernel in $cache (run tests/setup.d/ipvs.sh)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root/bin" "$root/etc/keepalived"

sh tests/vm/initramfs.sh "$cache" "$tmp/base.cpio.gz"

# The listener: accept, for HTTP read the request (1 s at most) and answer a fixed 200, close.
cat >"$tmp/listener.c" <<'EOF'
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
int main(int argc, char **argv) {
    int http = argc > 1 && strcmp(argv[1], "http") == 0, one = 1;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(8080)};
    static const char ok[] = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";
    struct timeval tv = {1, 0};
    char buf[4096];
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 4096))
        return 1;
    for (;;) {
        int c = accept(s, 0, 0);
        if (c < 0)
            continue;
        if (http) {
            setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            if (read(c, buf, sizeof buf) > 0)
                write(c, ok, sizeof ok - 1);
        }
        close(c);
    }
}
EOF
gcc -O2 -static -o "$root/bin/listener" "$tmp/listener.c"
gcc -O2 -static -o "$root/bin/cputime" tests/bench/cputime.c

if [ "${PROFILE:-0}" = 1 ]; then cp "$ours" "$root/bin/ka-ours"; else strip -o "$root/bin/ka-ours" "$ours"; fi
perf=${PERF:-0}
[ "${PROFILE:-0}" = 1 ] && perf=1
perf_bin=
if [ "$perf" = 1 ]; then
  perf_bin=$(command -v perf) || { echo "PERF=1 needs perf (apt-get install linux-perf)" >&2; exit 2; }
  cp "$perf_bin" "$root/bin/perf"
fi
cp "$theirs" "$root/bin/ka-theirs"
[ -z "${BASE:-}" ] || strip -o "$root/bin/ka-base" "$BASE"
# Both binaries' shared libraries, at the paths their loaders look for.
for lib in $( (ldd "$ours"; ldd "$theirs"; [ -z "$perf_bin" ] || ldd "$perf_bin") | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i}' | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
  chmod 755 "$root$lib"
done

for mode in $modes; do
  case "$mode" in
    tcp) check='  TCP_CHECK {\n   connect_timeout 1\n  }\n' ;;
    http) check='  HTTP_GET {\n   url {\n    path /\n   }\n   connect_timeout 1\n  }\n' ;;
    *) echo "MODES are tcp and/or http" >&2; exit 2 ;;
  esac
  {
    printf 'virtual_server 10.0.0.1 8080 {\n protocol TCP\n delay_loop 1\n'
    i=0
    while [ "$i" -lt "$count" ]; do
      # DOWN=N: the first N have nothing listening (port 8081), so they fail at start.
      port=8080; [ "$i" -lt "${DOWN:-0}" ] && port=8081
      printf " real_server 127.0.%d.%d $port {\n$check }\n" $((i / 250 + 1)) $((i % 250 + 1))
      i=$((i + 1))
    done
    printf '}\n'
  } >"$root/etc/keepalived/$mode.conf"
done

cat >"$root/steps.sh" <<EOF
modes="$modes" secs=$secs count=$count logs=${LOGS:-0} impls="$impls" runs=$runs
ours_args="${OURS_ARGS:-}" sample=${SAMPLE:-0} perf=$perf profile=${PROFILE:-0} top=${TOP:-12} reuse=${REUSE:-0}
acct=$acct
EOF
cat >>"$root/steps.sh" <<'EOF'
opens() { awk '/^Tcp:/ {n++} /^Tcp:/ && n == 2 {print $6}' /proc/net/snmp; }
# cpu PID: its user and system time in microseconds. vtime: taskstats' raw counters (to the
# microsecond); tick: /proc/PID/stat as before, in 10 ms clock ticks scaled by the kernel so that
# they add up to the scheduler's runtime.
if [ "$acct" = vtime ]; then
  cpu() { cputime $1 || { echo "CPUTIME failed for $1" >&2; echo "0 0"; }; }
else
  cpu() { awk '{printf "%d %d\n", $14 * 10000, $15 * 10000}' /proc/$1/stat; }
fi
# runtime PID: the scheduler's runtime in microseconds (what perf's task-clock counts).
runtime() { awk '{printf "%d\n", $1 / 1000}' /proc/$1/schedstat; }
pss() { awk '/^Pss:/ {print $2}' /proc/$1/smaps_rollup; }
# Sockets in TIME_WAIT (state 06): earlier rows leave tens of thousands, which slow connect().
timewait() { awk '$4 == "06"' /proc/net/tcp | wc -l; }
[ "$perf" = 1 ] && mount -t tracefs nodev /sys/kernel/tracing
echo "TWMAX $(cat /proc/sys/net/ipv4/tcp_max_tw_buckets)"
# vtime: this shell and all it starts on CPU 0; the daemons on CPU 1, the nohz_full one.
pin=
if [ "$acct" = vtime ]; then
  taskset -p 1 $$ >/dev/null
  pin="taskset 2"
fi
echo "NOHZFULL $(cat /sys/devices/system/cpu/nohz_full 2>/dev/null)"
# For LOGS=: the clock the accounting reads (tsc, stable) and the mitigations that lengthen
# every syscall.
echo "CLOCK $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
dmesg | grep -i 'tsc\|clock\|isolation\|mitigat\|spectre' | sed 's/^/DMESG /'
$pin cputime -s 100000 | sed 's/^/SYSCALLS 100000 /'
# acctcheck NAME CMD...: CMD's user and system microseconds over 2 s, run where the checkers run.
acctcheck() {
  name=$1; shift
  $pin "$@" & p=$!
  sleep 0.5
  r0=$(runtime $p); set -- $(cpu $p); u0=$1 t0=$2
  sleep 2
  set -- $(cpu $p); u1=$1 t1=$2; r1=$(runtime $p)
  kill $p; wait $p 2>/dev/null
  echo "ACCTCHECK $name $((u1 - u0)) $((t1 - t0)) $((r1 - r0))"
}
acctcheck busy sh -c 'while :; do :; done'
acctcheck syscalls dd if=/dev/zero of=/dev/null bs=1
run=0
while [ $run -lt $runs ]; do
run=$((run + 1))
for mode in $modes; do
  listener $mode & lpid=$!
  for impl in $impls; do
    rm -f /run/ka.pid /run/ka_check.pid /tmp/ka.log
    extra=; [ $impl = theirs ] || extra=$ours_args
    $pin ka-$impl -n -l -C $extra -f /etc/keepalived/$mode.conf -p /run/ka.pid -c /run/ka_check.pid \
      >/tmp/ka.log 2>&1 & pid=$!
    n=0
    while [ ! -s /run/ka_check.pid ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
    child=$(cat /run/ka_check.pid 2>/dev/null)
    if [ -z "$child" ]; then echo "BENCH $impl $mode: no checker child"; cat /tmp/ka.log; continue; fi
    # Until the whole table is in and every checker has run once (spread over delay_loop).
    n=0
    while [ "$(grep -c '^  ->' /proc/net/ip_vs)" -lt $count ] && [ $n -lt 600 ]; do
      sleep 0.1; n=$((n + 1))
    done
    sleep 3
    down0=$(grep -c 'Removing service\|Disabling service' /tmp/ka.log)
    tw=$(timewait) r0=$(runtime $child)
    set -- $(cpu $child); u0=$1 st0=$2
    o0=$(opens) s0=$(cut -d' ' -f1 /proc/uptime)
    if [ "$perf" = 1 ]; then
      perf stat -x, -e raw_syscalls:sys_enter,context-switches,task-clock -p $child -o /tmp/ps -- sleep $secs
      echo "PERFSTAT $impl $mode $run $(awk -F, '$3 ~ /sys_enter|context-switches|task-clock/ {printf "%s ", $1}' /tmp/ps)"
    elif [ "$sample" = 0 ]; then
      sleep $secs
    else
      # Where the child is: its syscall number (or "running" in user space), 10 times a second.
      n=0
      while [ $n -lt $((secs * 10)) ]; do
        cut -d' ' -f1 /proc/$child/syscall; sleep 0.1; n=$((n + 1))
      done | sort | uniq -c | sort -rn | sed "s/^/SAMPLE $impl $mode /"
    fi
    o1=$(opens) s1=$(cut -d' ' -f1 /proc/uptime)
    set -- $(cpu $child); u1=$1 st1=$2
    r1=$(runtime $child)
    rss=$(awk '/^VmRSS/ {print $2}' /proc/$child/status) pss=$(pss $child)
    down=$(( $(grep -c 'Removing service\|Disabling service' /tmp/ka.log) - down0 ))
    echo "BENCH $impl $mode $run $((o1 - o0)) $((u1 - u0)) $((st1 - st0)) $s0 $s1 $rss $pss $down $tw $((r1 - r0))"
    if [ "$profile" = 1 ]; then
      perf record -q -e cpu-clock -F 2000 -p $child -o /tmp/pd -- sleep 5 >/dev/null 2>&1
      {
        for sort in dso dso,sym; do
          perf report -i /tmp/pd --stdio --sort $sort 2>/dev/null | grep -v '^#' | grep -v '^$' | head -$top
        done
        # User space alone (shares of all samples): where the user_s column goes.
        perf report -i /tmp/pd --stdio --sort dso,sym 2>/dev/null | grep -v '^#' | grep -v '^$' \
          | grep -v 'kernel\.kallsyms' | head -$top | sed 's/^/user /'
      } | sed "s/^/PROFILE $impl $mode $run /"
    fi
    kill $pid; wait $pid
    [ "$logs" = 0 ] || { echo "== log $impl $mode"; cat /tmp/ka.log; }
  done
  # The floor: a C loop making only the syscalls a TCP check needs, as often as the checkers do.
  [ $mode = tcp ] && echo "FLOOR $mode $run $($pin cputime -c $secs $count 8080)"
  [ $mode = tcp ] && [ "$reuse" = 1 ] && echo "FLOOR reuse $run $($pin cputime -r $secs $count 8080)"
  kill $lpid; wait $lpid 2>/dev/null
done
done
EOF

(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$tmp/run.cpio.gz"
cat "$tmp/base.cpio.gz" "$tmp/run.cpio.gz" >"$tmp/initrd.cpio.gz"
# Labs hold this lock while they run: a TCG VM takes a whole core and would skew their timing
# (and they ours).
exec 9>/tmp/keepalived-rs-lab.lock
flock 9
budget=$((120 + runs * $(echo "$modes" | wc -w) * $(echo "$impls" | wc -w) * (secs + 40)))
timeout "$budget" qemu-system-x86_64 -accel tcg -cpu max -m 768 -smp $smp -nographic -no-reboot -nic none \
  -kernel "$kernel" -initrd "$tmp/initrd.cpio.gz" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init$append" </dev/null >"$tmp/console.log" 2>&1 || true
tr -d '\r' <"$tmp/console.log" >"$tmp/out"
[ "${LOGS:-0}" = 0 ] || cp "$tmp/out" "$LOGS"
if ! grep -q '^BENCH' "$tmp/out"; then
  echo "no figures; console:" >&2
  cat "$tmp/out" >&2
  exit 1
fi
grep '^BENCH.*no checker child\|^CPUTIME failed' "$tmp/out" || true
# PERFSTAT: syscalls, context switches, task-clock ms over the window; checks from the BENCH line.
grep '^BENCH [a-z]* [a-z]* [0-9]' "$tmp/out" | while read -r _ impl mode run opens _; do
  grep "^PERFSTAT $impl $mode $run " "$tmp/out" | awk -v o="$opens" '{
    if (o) printf "perf %-6s %-4s run %s: per check %.2f syscalls, %.2f context switches, task-clock %.0f us\n", $2, $3, $4, $5 / o, $6 / o, $7 * 1000 / o }'
done || true
grep '^PROFILE' "$tmp/out" | cut -c9- || true
# The accounting check: 2 s of a user loop and of a syscall loop where the checkers run.
sed -n 's/^NOHZFULL/accounting: ACCT='"$acct"', nohz_full CPUs:/p' "$tmp/out" | head -1
if [ "$acct" = vtime ] && ! grep -q '^NOHZFULL 1$' "$tmp/out"; then
  echo "WARNING: CPU 1 is not nohz_full: user and system time below are tick samples" >&2
fi
grep '^ACCTCHECK' "$tmp/out" | head -2 | awk '{
  printf "accounting check, 2 s of %-8s: user %.3f s, system %.3f s\n", ($2 == "busy" ? "sh loop" : "dd bs=1"), $3 / 1e6, $4 / 1e6 }'
# What one user/kernel round trip costs, and the part the kernel counts as user time (the
# entry and exit code outside context tracking's window, and the loop): a floor on user time
# per syscall that is no program's code.
sed -n 's/^SYSCALLS //p' "$tmp/out" | head -1 | awk -v a="$acct" '{
  printf "accounting check, %d getppid() pinned there: per syscall user %.2f us, system %.2f us%s\n", $1, $2 / $1, $3 / $1, (a == "tick" ? " (tick samples)" : "") }'
# user_us and sys_us: per check; sched_s: the scheduler's runtime over the window, which
# user_s + sys_s should match.
printf '%-8s %-5s %3s %5s %8s %6s %6s %7s %6s %8s %7s %7s %8s %8s %5s %8s\n' impl check run RS checks/s user_s sys_s sched_s cpu% us/check user_us sys_us rss_KiB pss_KiB down timewait
grep '^BENCH [a-z]* [a-z]* [0-9]' "$tmp/out" | while read -r _ impl mode run opens ut st s0 s1 rss pss down tw rt; do
  awk -v n="$impl" -v m="$mode" -v r="$run" -v c="$count" -v o="$opens" -v u="$ut" -v sy="$st" -v a="$s0" \
    -v b="$s1" -v rss="$rss" -v pss="$pss" -v d="$down" -v tw="$tw" -v rt="$rt" 'BEGIN {
      el = b - a; t = u + sy; o1 = (o ? o : 1)
      printf "%-8s %-5s %3d %5d %8.0f %6.3f %6.3f %7.3f %6.1f %8.1f %7.1f %7.1f %8d %8d %5d %8d\n", n, m, r, c, o / el, u / 1e6, sy / 1e6, rt / 1e6, 100 * t / 1e6 / el, t / o1, u / o1, sy / o1, rss, pss, d, tw
    }'
done
# The floor row: what the kernel's accounting calls user time for the bare syscalls of a check.
{ grep '^FLOOR' "$tmp/out" || true; } | while read -r _ mode run checks ut st errs; do
  awk -v m="$mode" -v r="$run" -v c="$checks" -v u="$ut" -v sy="$st" -v s="$secs" -v e="${errs:-}" 'BEGIN {
    how = (m == "reuse" ? "C, a socket per server kept: connect, connect(AF_UNSPEC)" : \
      "C: socket, SO_LINGER, connect, epoll_ctl, close")
    if (c) printf "floor    %-5s %3d  (%s per check; epoll_wait per wake) %6.0f checks/s, user %.1f us, system %.1f us per check%s\n", \
      m, r, how, c / s, u / c, sy / c, (e == "" ? "" : ", " e " errors") }'
done
# ours/theirs (and base/theirs) per mode and run: what the issue's goals are stated in. "user" is
# over the window (the issue's first figures), "per check" divides by each row's checks.
grep '^BENCH [a-z]* [a-z]* [0-9]' "$tmp/out" | awk '
  { k = $3 " " $4; o[k, $2] = $5; u[k, $2] = $6; t[k, $2] = $6 + $7; r[k, $2] = $10; keys[k] = 1 }
  END {
    split("ours base", us, " ")
    for (k in keys) for (j = 1; j <= 2; j++) { i = us[j]
      if ((k, i) in o && (k, "theirs") in o && u[k, "theirs"] && o[k, i] && o[k, "theirs"] && r[k, "theirs"])
        printf "%s/keepalived %s (run %s): user %.2f, user per check %.2f, CPU per check %.2f, VmRSS %.2f (goals: < 0.5, < 0.5, <= 0.8, < 0.5)\n", \
          i, substr(k, 1, index(k, " ") - 1), substr(k, index(k, " ") + 1), u[k, i] / u[k, "theirs"], \
          (u[k, i] / o[k, i]) / (u[k, "theirs"] / o[k, "theirs"]), \
          (t[k, i] / o[k, i]) / (t[k, "theirs"] / o[k, "theirs"]), r[k, i] / r[k, "theirs"] }
  }' | sort
echo "(ours: $ours; keepalived: $theirs 2.2.7; VM: qemu TCG, $smp vCPU, ACCT=$acct, $secs s per row)"
# Ours closes its checks' sockets with a reset and leaves none in TIME_WAIT; keepalived's leave
# them (60 s), up to the VM's cap: a row after one of keepalived's starts with that many.
echo "(timewait: sockets in TIME_WAIT as the row's window starts; the VM holds at most $(sed -n 's/^TWMAX //p' "$tmp/out" | head -1))"
