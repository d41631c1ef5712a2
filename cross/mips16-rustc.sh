#!/usr/bin/env bash
# RUSTC_WORKSPACE_WRAPPER for `MIPS16=1 cross/build.sh mips*`: the final crate (keepalived's binary)
# is linked by cross/mips16-link.sh, which compiles our functions in MIPS16e.
#
# LLVM writes MIPS16 only as assembly text (its object writer fails on MIPS16 relocations and some
# instructions: "Unsupported instruction"), and lld knows no R_MIPS16_* relocation nor the
# JAL -> JALX rewrite between the modes. -Clinker-plugin-lto makes rustc do its fat LTO as usual
# and hand the optimised module to the linker as bitcode instead of compiling it; mips16-link.sh
# compiles it to assembly, assembles it with GNU as and links with GNU ld.
# Every other rustc call (dependencies, the library, build scripts, cargo's probes) runs unchanged.
set -euo pipefail
rustc=$1
shift

name= crate_type= target= linker=
llc_args=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  a=${args[i]} next=${args[i + 1]:-}
  case "$a" in
    --crate-name) name=$next ;;
    --crate-type) crate_type=$next ;;
    --test) crate_type=bin ;; # the unit-test binary (cargo test --lib), for checking this build
    --target) target=$next ;;
    -C) case "$next" in
          linker=*) linker=${next#linker=} ;;
          llvm-args=*) llc_args+=("${next#llvm-args=}") ;;
          relocation-model=*) llc_args+=("-$next") ;;
        esac ;;
    -Cllvm-args=*) llc_args+=("${a#-Cllvm-args=}") ;;
  esac
done
case "$name/$crate_type/$target" in
  keepalived/bin/mips-*|keepalived/bin/mipsel-*) ;;
  *) exec "$rustc" "$@" ;;
esac
[ -n "$linker" ] || { echo "mips16-rustc.sh: no -C linker= for $target" >&2; exit 1; }
# rustc does not pass -Cllvm-args on to a linker doing LTO: they go to llc through the environment.
# llc must be the LLVM rustc is built on, to read its bitcode.
llvm=$("$rustc" -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
export MIPS16_ZIG_CC=$linker MIPS16_TARGET=$target MIPS16_LLVM=$llvm MIPS16_LLC_ARGS="${llc_args[*]}"
exec "$rustc" "$@" -Clinker-plugin-lto -Clinker-flavor=gnu-cc -Clinker="$(cd "$(dirname "$0")" && pwd)/mips16-link.sh"
