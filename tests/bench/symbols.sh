#!/usr/bin/env bash
# Where a router binary's bytes are: the symbols of an unstripped cross build, summed by crate
# (ours by module), then the largest ones. Start here before cutting code for size (issue 16).
#
#   tests/bench/symbols.sh                       # armv7, built first if target/xsym has none
#   TARGET=mips-unknown-linux-musl tests/bench/symbols.sh
#   BUILD=1 tests/bench/symbols.sh               # rebuild (cross/build.sh, same flags, not stripped)
#   TOP=60 DEPTH=3 tests/bench/symbols.sh        # more of the largest symbols, ours by sub-module
#   tests/bench/symbols.sh path/to/unstripped    # another binary (e.g. a before/after pair)
#
# The build is cross/build.sh's own (same RUSTFLAGS, panic and std settings) with only the
# strip turned off, into target/xsym. Take sizes to report from cross/build.sh itself: at 24e7268
# this build, stripped afterwards, was 716,748 bytes where the shipped armv7 binary was 746,432
# (at this script's next commits 695,212 against 695,376); the cause of that gap is not known.
# Sizes are from the symbol table (llvm-nm -S): code inlined into a caller counts to the caller,
# and bytes between symbols (alignment, the ELF headers) to no one; the last line says how
# much of the file the symbols cover. bss (no file bytes) is left out; "rodata" is every other
# non-code symbol (read-only data, tables, data).
set -euo pipefail
cd "$(dirname "$0")/../.."

target=${TARGET:-armv7-unknown-linux-musleabihf}
bin=${1:-target/xsym/$target/keepalived}
if [ -z "${1:-}" ] && { [ "${BUILD:-0}" = 1 ] || [ ! -f "$bin" ]; }; then
  SETUP=${SETUP:-0} CROSS_OUT=target/xsym \
    EXTRA_CARGO_ARGS="--config profile.release.strip=false ${EXTRA_CARGO_ARGS:-}" \
    cross/build.sh "$target" >&2
fi
[ -f "$bin" ] || { echo "no binary at $bin" >&2; exit 1; }

echo "$bin: $(stat -c %s "$bin") bytes"
llvm-size -A "$bin" | awk '$1 ~ /^\.(text|rodata|data|bss|data\.rel\.ro|ARM\.exidx|got)/ {printf "  %-16s %9d\n", $1, $2}'
loaded=$(llvm-size -A "$bin" | awk '$1 ~ /^\.(text|rodata|data|data\.rel\.ro|ARM\.exidx|got|init_array|fini_array)$/ {n += $2} END {print n}')
llvm-nm --size-sort -S --demangle "$bin" | TOP=${TOP:-40} DEPTH=${DEPTH:-2} LOADED=$loaded python3 -c '
import os, re, sys
top, depth, loaded = int(os.environ["TOP"]), int(os.environ["DEPTH"]), int(os.environ["LOADED"])
# Crates by the first path in a name; a trait impl (`<T as Trait>::f`) goes to its type T,
# except Debug impls, which are counted apart (what -Zfmt-debug would remove).
crates = {"std": "std", "core": "core", "alloc": "alloc", "heapless": "heapless", "md5": "md-5",
          "digest": "md-5", "mio": "mio", "netlink_sys": "netlink-sys", "syslog": "syslog",
          "log": "log", "time": "time (syslog)", "libc": "libc", "compiler_builtins": "compiler_builtins",
          "rustls": "rustls", "ring": "ring", "hashbrown": "hashbrown", "memchr": "memchr",
          "panic_abort": "std", "std_detect": "std", "rustc_demangle": "std", "addr2line": "std",
          "gimli": "std", "object": "std", "miniz_oxide": "std", "adler2": "std"}
sym = re.compile(r"^([0-9a-f]+) ([0-9a-f]+) (\S) (.*)$")
path = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*")
def group(name):
    if " as core::fmt::Debug>" in name:
        return "Debug impls"
    m = path.search(name.lstrip("<&*[( ").removeprefix("dyn ").removeprefix("mut "))
    if not m or "::" not in m.group(0):
        return "C (musl, compiler-rt)"
    parts = m.group(0).split("::")
    if parts[0] == "keepalived":
        return "ours " + "::".join(parts[1:depth]) if len(parts) > 2 else "ours (top level)"
    if parts[0] == "core" and len(parts) > 1:
        # core::ptr is drop glue (of our types mostly), core::fmt the formatting machinery.
        return "core::" + parts[1]
    return crates.get(parts[0], parts[0])
code, data, count, syms, total, seen = {}, {}, {}, [], 0, set()
for line in sys.stdin:
    m = sym.match(line)
    if not m:
        continue
    addr, size, kind, name = m.group(1), int(m.group(2), 16), m.group(3), m.group(4)
    # bss takes no file bytes; an alias (a weak name of musl) is counted once.
    if kind in "bBU" or size == 0 or (addr, size) in seen:
        continue
    seen.add((addr, size))
    g = group(name)
    (code if kind in "tTwW" else data)[g] = (code if kind in "tTwW" else data).get(g, 0) + size
    count[g] = count.get(g, 0) + 1
    syms.append((size, kind, name))
    total += size
rows = sorted(count, key=lambda g: -(code.get(g, 0) + data.get(g, 0)))
print("%-34s %9s %9s %8s" % ("group", "code", "rodata", "symbols"))
for g in rows:
    print(f"{g:<34} {code.get(g, 0):>9} {data.get(g, 0):>9} {count[g]:>8}")
ours = [g for g in rows if g.startswith("ours")]
print("%-34s %9d %9d" % ("all of ours", sum(code.get(g, 0) for g in ours), sum(data.get(g, 0) for g in ours)))
print("%-34s %9d %9d %8d" % ("all symbols", sum(code.values()), sum(data.values()), len(syms)))
print(f"symbols cover {total} of the {loaded} bytes of code and data sections (the rest: string")
print("literals and constants without a symbol, most of .rodata, and padding)")
print(f"\nlargest {top}:")
for size, kind, name in sorted(syms, reverse=True)[:top]:
    print(f"{size:>8} {kind} {name[:150]}")
'
