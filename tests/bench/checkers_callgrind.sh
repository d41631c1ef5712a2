#!/usr/bin/env bash
# Instructions per check of the checker child, counted by callgrind on the host: the same
# config as checkers.sh (COUNT real servers, default 200, at delay_loop 1, TCP_CHECK or
# HTTP_GET with MODE=http) run twice under valgrind, SHORT and LONG seconds (default 4 and 20);
# the child's instruction count and the namespace's Tcp ActiveOpens of the two runs are
# subtracted, so start-up and shutdown cancel out. Prints the total per check and the TOP
# (default 20) functions by their own instructions per check (symbols need a build that keeps
# them: CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=1 cargo build --release
# into another CARGO_TARGET_DIR). Instruction counts repeat within a few percent where the
# VM's CPU times do not; the kernel's share is not counted. Needs root, valgrind, python3.
# Takes the lab lock for both runs.
#
#   tests/bench/checkers_callgrind.sh [OUR_BINARY]      (default: target/release/keepalived)
#   MODE=http COUNT=200 SHORT=4 LONG=20 TOP=20 tests/bench/checkers_callgrind.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ours=${1:-target/release/keepalived}
[ -x "$ours" ] || { echo "build first: cargo build --release" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 2; }
count=${COUNT:-200}
mode=${MODE:-tcp}
case "$mode" in
  tcp) check='  TCP_CHECK {\n   connect_timeout 1\n  }\n' ;;
  http) check='  HTTP_GET {\n   url {\n    path /\n   }\n   connect_timeout 1\n  }\n' ;;
  *) echo "MODE is tcp or http" >&2; exit 2 ;;
esac

pool_quiet=1
. tests/bench/checker_pool.sh
opens() { ip netns exec "$ns" awk '/^Tcp:/ {n++} /^Tcp:/ && n == 2 {print $6}' /proc/net/snmp; }

# One run of `secs` seconds: "<connects> <callgrind file of the checker child>".
run() {
  local secs=$1 dir=$tmp/run$1 o0 o1 main child
  mkdir -p "$dir"
  o0=$(opens)
  ip netns exec "$ns" valgrind -q --tool=callgrind --callgrind-out-file="$dir/cg.%p" "$ours" -n -l -C \
    --without-ipvs -f "$tmp/bench.conf" -p "$dir/k.pid" -r "$dir/v.pid" -c "$dir/c.pid" >"$dir/log" 2>&1 &
  main=$!
  for _ in $(seq 100); do [ -s "$dir/c.pid" ] && break; sleep 0.1; done
  child=$(cat "$dir/c.pid")
  sleep "$secs"
  kill -TERM "$main"
  wait "$main" || true
  o1=$(opens)
  echo "$((o1 - o0)) $dir/cg.$child"
}
read -r n1 f1 < <(run "${SHORT:-4}")
read -r n2 f2 < <(run "${LONG:-20}")
[ "$n2" -gt "$n1" ] || { echo "no more checks in the long run ($n1, $n2)" >&2; exit 1; }
tests/bench/callgrind_diff.py "$f1" "$f2" $((n2 - n1)) "${TOP:-20}" "$mode, $count real servers" check
