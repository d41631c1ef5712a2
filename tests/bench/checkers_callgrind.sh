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
python3 - "$f1" "$f2" $((n2 - n1)) "${TOP:-20}" "$mode" "$count" <<'PY'
import re, subprocess, sys
def load(f):
    out = subprocess.run(["callgrind_annotate", "--auto=no", "--inclusive=no", "--threshold=100", f],
                         capture_output=True, text=True, check=True).stdout
    fns, total, body = {}, 0, False
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(.*?\)\s+(.*)", line)
        if "PROGRAM TOTALS" in line and m:
            total = int(m.group(1).replace(",", ""))
        if "file:function" in line:
            body = True
            continue
        if body and m:
            name = re.sub(r"\s*\[.*\]$", "", m.group(2))
            name = name.split(":", 1)[1] if ":" in name and not name.startswith("???") else name
            fns[name] = fns.get(name, 0) + int(m.group(1).replace(",", ""))
    return total, fns
(t1, a), (t2, b) = load(sys.argv[1]), load(sys.argv[2])
n, top, mode, count = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
print(f"{mode}, {count} real servers: {(t2 - t1) / n:.0f} instructions per check ({n} checks apart)")
rows = sorted(((b.get(k, 0) - a.get(k, 0)) / n, k) for k in set(a) | set(b))
for v, k in reversed(rows[-top:]):
    print(f"  {v:7.1f}  {k[:140]}")
PY
