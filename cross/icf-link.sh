#!/usr/bin/env bash
# The linker rustc runs for the MIPS targets (build.sh passes it as -C linker): links once through
# cargo-zigbuild's zig cc wrapper with -v, then replays the ld.lld line zig printed with identical
# code folding added. zig's driver rejects --icf ("unsupported linker arg"), so it cannot be passed
# as a -Wl option; the first link's output is overwritten by the second.
#
# --icf=all, not safe: nothing in this toolchain writes address-significance tables (Rust objects,
# musl and zig's crt1.o have none), so `safe` folds nothing. `all` is sound here because no code
# in the binary tells two functions apart by address when their code is identical: Rust promises no
# distinct function addresses, and musl compares function pointers only with SIG_DFL/SIG_IGN and
# with its own empty pthread key destructor (folding it with another empty function changes
# nothing: neither does anything when called).
set -euo pipefail

# cargo-zigbuild names its zig cc wrapper in CARGO_TARGET_<TARGET>_LINKER; build.sh sets ICF_TARGET.
var=CARGO_TARGET_$(echo "${ICF_TARGET:?}" | tr a-z- A-Z_)_LINKER
zigcc=${!var:?"icf-link.sh: $var not set (not run by cargo zigbuild?)"}

log=$(mktemp)
if ! "$zigcc" "$@" -v 2>"$log"; then
  cat "$log" >&2
  rm -f "$log"
  exit 1
fi
line=$(grep '^ld\.lld ' "$log" | tail -n 1) || true
rm -f "$log"
if [ -z "$line" ]; then
  echo "icf-link.sh: zig cc -v printed no ld.lld line" >&2
  exit 1
fi
case "$line" in
  *\"* | *\'* | *\\*) echo "icf-link.sh: cannot replay a quoted ld.lld line: $line" >&2; exit 1 ;;
esac
# zig prints the arguments space-separated and unquoted; the paths here (checkout, target dir,
# zig's cache, rustc's temp dir) hold no spaces, which the check above cannot see, so say so.
read -r -a args <<<"${line#ld.lld }"
for a in "$@"; do
  case "$a" in *' '*) echo "icf-link.sh: argument with a space: $a" >&2; exit 1 ;; esac
done
# -O2: lld also merges C strings that are the tail of another (zig's driver ignores -Wl,-O2).
exec python3 -m ziglang ld.lld "${args[@]}" --icf=all -O2
