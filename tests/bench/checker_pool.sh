# Sourced by tests/bench/checkers.sh and checkers_callgrind.sh (from the repository root): the
# checker pool both measure. Expects $count real servers, each with the check text $check (MODE
# $mode: tcp or http); sets $ns (a new namespace) and $tmp (both removed at exit), holding
# bench.conf, takes the labs' lock, and starts one listener on 127.0.0.0/8:8080 in $ns that
# accepts (and for HTTP answers) every connection. pool_quiet=1 sends the listener's output away.
tmp=$(mktemp -d)
ns=chk-bench-$$
cleanup() {
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

{
  printf 'virtual_server 10.0.0.1 8080 {\n protocol TCP\n delay_loop 1\n'
  i=0
  while [ "$i" -lt "$count" ]; do
    printf " real_server 127.0.%d.%d 8080 {\n$check }\n" $((i / 250 + 1)) $((i % 250 + 1))
    i=$((i + 1))
  done
  printf '}\n'
} >"$tmp/bench.conf"

exec 9>/tmp/keepalived-rs-lab.lock
flock 9
ip netns add "$ns"
ip -n "$ns" link set lo up
# Accepts, and for HTTP answers one fixed response to whatever request came.
ip netns exec "$ns" python3 -c '
import socket, sys
http = sys.argv[1] == "http"
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080)); s.listen(4096)
while True:
    c, _ = s.accept()
    if http:
        try:
            c.settimeout(1); c.recv(4096)
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
        except OSError:
            pass
    c.close()
' "$mode" ${pool_quiet:+>/dev/null 2>&1} &
disown
sleep 0.5
