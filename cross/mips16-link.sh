#!/usr/bin/env bash
# Linker for keepalived's MIPS16 build (run by rustc, see cross/mips16-rustc.sh): compiles the
# bitcode object rustc hands over (our functions "+mips16", std's MIPS32) to assembly with llc
# (mips16-select.py), assembles it with GNU as, and links with GNU ld, which turns a JAL between
# MIPS16 and MIPS32 code into JALX and sets the ISA bit of MIPS16 function addresses.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
zig_cc=${MIPS16_ZIG_CC:?run through cross/mips16-rustc.sh}
llvm=${MIPS16_LLVM:?} target=${MIPS16_TARGET:?}
# Without -mips-tail-calls: a MIPS32 function's tail call is a J, which cannot change mode (GNU as:
# "jump to a symbol in another ISA mode" when the callee is a MIPS16 function, seen in the unit-test
# binary); a JAL can, as JALX.
read -r -a given <<<"${MIPS16_LLC_ARGS:-}"
llc_args=()
for a in "${given[@]}"; do [ "$a" = -mips-tail-calls ] || llc_args+=("$a"); done
case "$target" in
  mips-*) gnu=mips-linux-gnu endian=-EB ;;
  mipsel-*) gnu=mipsel-linux-gnu endian=-EL ;;
  *) echo "mips16-link.sh: $target is not MIPS" >&2; exit 1 ;;
esac

out= bitcode=
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    -o) out=${args[i + 1]} ;;
    *.o) [ "$(head -c 4 "${args[i]}" | od -An -tx1 | tr -d ' \n')" != 4243c0de ] || bitcode=$i ;;
  esac
done
[ -n "$out" ] && [ -n "$bitcode" ] || { echo "mips16-link.sh: no bitcode object or no -o in: $*" >&2; exit 1; }
work=$out.mips16
rm -rf "$work" && mkdir -p "$work"

# rustc's code generation for these targets: one section per function and datum (--gc-sections),
# soft float, mips32r2, its -C llvm-args.
python3 "$here/mips16-select.py" "${args[bitcode]}" "$work/keepalived.s" "llc-$llvm" "llvm-dis-$llvm" \
  -function-sections -data-sections -float-abi=soft -mcpu=mips32r2 "${llc_args[@]}"
"$gnu-as" -mips32r2 -msoft-float "$endian" "$work/keepalived.s" -o "$work/keepalived.o"
args[bitcode]=$work/keepalived.o

# zig's driver with -v prints the ld.lld line it runs: zig's crt1.o and musl archives, in order,
# and every library rustc asked for. lld then fails on the MIPS16 relocations; GNU ld runs the
# same line without the options only lld has.
filtered=()
for a in "${args[@]}"; do
  case "$a" in -Wl,-plugin-opt=*) ;; *) filtered+=("$a") ;; esac
done
"$zig_cc" -v "${filtered[@]}" >"$work/zig-link.log" 2>&1 || true
lld_line=$(grep -m1 "^ld.lld " "$work/zig-link.log" || true)
[ -n "$lld_line" ] || { echo "mips16-link.sh: $zig_cc -v printed no ld.lld line (see $work/zig-link.log)" >&2; exit 1; }
read -r -a lld <<<"$lld_line"
# lld searches all archives again for each undefined symbol; GNU ld only those after the
# reference, unless they are one group (musl's libc.a and zig's libzigc.a call each other).
ld=() archives=()
for ((i = 1; i < ${#lld[@]}; i++)); do
  case "${lld[i]}" in
    -mllvm) i=$((i + 1)) ;;
    --error-limit=*|--image-base=*) ;;
    *.a|*.rlib) archives+=("${lld[i]}") ;;
    *) ld+=("${lld[i]}") ;;
  esac
done
"$gnu-ld" "${ld[@]}" --start-group "${archives[@]}" --end-group
