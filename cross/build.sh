#!/usr/bin/env bash
# Builds stripped static musl binaries of keepalived for router targets.
#
# rustup cannot fetch std for other targets here, so the toolchain is Debian's rustc-web/cargo-web with
# rust-web-src (std rebuilt with -Z build-std) and zig (PyPI) as the musl C toolchain and linker.
#
#   cross/build.sh                 # every target
#   cross/build.sh x86_64-unknown-linux-musl armv7-unknown-linux-musleabihf
#   SETUP=0 cross/build.sh ...     # skip the toolchain install
#   EXTRA_RUSTFLAGS, EXTRA_CARGO_ARGS, CROSS_TARGET_DIR, CROSS_OUT: experiments without touching the default
#   TLS=1 cross/build.sh ...       # also build with --features tls (SSL_GET) into <out>-tls; adds a column
#   SNMP=0 cross/build.sh ...      # leave the snmp feature (the AgentX subagent) out of every target
#   PANIC=abort cross/build.sh ... # keep panic messages on every target (see "router profile" below)
#   MIPS16=1 cross/build.sh mips-unknown-linux-musl ... # experiment: our code in MIPS16e; miscompiles, see cross/README.md
#
# Output: target/cross/<target>/keepalived and a size table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

ALL_TARGETS="x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf mips-unknown-linux-musl mipsel-unknown-linux-musl"
targets=${*:-$ALL_TARGETS}

setup() {
  if ! /usr/bin/cargo --version 2>/dev/null | grep -q '^cargo 1\.9[6-9]'; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc-web cargo-web rust-web-src >/dev/null
  fi
  if ! command -v llvm-objcopy >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq llvm >/dev/null
  fi
  if [ "${MIPS16:-0}" = 1 ] && ! command -v mips-linux-gnu-ld >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binutils-mips-linux-gnu binutils-mipsel-linux-gnu >/dev/null
  fi
  if ! command -v cargo-zigbuild >/dev/null || ! python3 -c 'import ziglang' 2>/dev/null; then
    python3 -m pip install -q ziglang cargo-zigbuild
  fi
}

[ "${SETUP:-1}" = 0 ] || setup
# pip puts cargo-zigbuild beside the interpreter that installed it (with pyenv, not always on PATH yet).
if scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null); then
  PATH="$scripts:$PATH"
fi

export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
# Panic locations keep source paths in the stripped binary; mapping the checkout, the crate registry and
# the std sources (build-std) to fixed names makes the bytes independent of where and by whom it is built.
sysroot=$(/usr/bin/rustc --print sysroot)
registry=${CARGO_HOME:-$HOME/.cargo}/registry/src
remap="--remap-path-prefix=$PWD=. --remap-path-prefix=$registry=/cargo/registry/src"
remap="$remap --remap-path-prefix=$sysroot/lib/rustlib/src/rust=/rustc/src"
# zig provides the musl C runtime and linker; Rust's self-contained crt objects are not shipped by Debian.
# -Zlocation-detail=none: a panic still prints its message, not the file:line:column of every panic
# site in the crate and std (-29,328 bytes on armv7, measured 1,001,008 -> 971,680 on 2026-12-06; it
# pays for the HTTP_GET regex matcher, +20 KB, under the size budget).
# -Cforce-unwind-tables=no: with panic=abort nothing unwinds, and a stripped binary has no symbols for
# a backtrace to name; the tables were 15 % of x86_64 and aarch64 (.eh_frame + .eh_frame_hdr).
# -Zfmt-debug=none: `{:?}` and derived Debug print nothing, in our code and std's. Nothing a user
# sees goes through Debug (log lines, dumps and -d use Display or explicit text; unit tests pin
# those that kept Debug's words); a panic's message loses its values. -1,696 bytes on armv7
# (697,072 -> 695,376 on 2026-12-06; -d no longer printing the config with {:#?} took the rest).
EXTRA_RUSTFLAGS="-Zfmt-debug=none ${EXTRA_RUSTFLAGS:-}"
export RUSTFLAGS="-C link-self-contained=no -Zlocation-detail=none -Cforce-unwind-tables=no $remap ${EXTRA_RUSTFLAGS:-}"
# CROSS_TARGET_DIR/CROSS_OUT let a second build go elsewhere (reproducibility check, size experiments).
export CARGO_TARGET_DIR=${CROSS_TARGET_DIR:-target/cross-build}
out=${CROSS_OUT:-target/cross}
export SOURCE_DATE_EPOCH=0
# std built for size, without its default features: those are the backtrace symbolizer (gimli, addr2line),
# which has no symbols to read in a stripped binary anyway. Panic messages stay (-16 % on armv7, measured
# 1,061,880 -> 893,752 bytes on 2026-11-30).
std_features="-Zbuild-std-features=optimize_for_size"

# Copies the target's binary to $2. MIPS objects carry a .pdr section (IRIX-era procedure descriptors,
# read by no Linux tool) that lld keeps through --strip-all: 141 KB of the MIPS binaries.
place() {
  case "$1" in
    mips*) llvm-objcopy -R .pdr "$CARGO_TARGET_DIR/$1/release/keepalived" "$2" ;;
    *) cp "$CARGO_TARGET_DIR/$1/release/keepalived" "$2" ;;
  esac
}

printf '%-34s %10s%s\n' target bytes "$([ "${TLS:-0}" = 1 ] && printf ' %10s %8s' with-tls delta)"
for t in $targets; do
  flags=$RUSTFLAGS
  # Unwind tables out at the link (cross/no-eh-frame.ld): -Cforce-unwind-tables=no leaves those zig
  # compiles into musl and compiler_rt, which nothing reads (no unwinding, std without backtraces).
  # Stripped bytes on 2026-12-07 (relinked from one build's objects): mips 1,091,064 -> 1,082,288
  # (-8,776), armv7 654,800 -> 651,372 (-3,428, .ARM.exidx/.ARM.extab), aarch64 796,272 -> 786,184
  # (-10,088), x86_64 990,656 -> 979,096 (-11,560). zig's driver passes lld only the last -T, so
  # each target's scripts are joined into one file (named for its parts: cargo does not track it).
  scripts=cross/no-eh-frame.ld
  # MIPS static-pie is broken with this toolchain: the startup code relocates every GOT entry by the load
  # base, so std's undefined weak symbols become base+0 instead of null and calling them jumps to 0x40000000
  # (seen as SIGSEGV right after reading the config). A non-PIE static binary avoids it and is 11 % smaller.
  # ARMv7-A always has Thumb-2, whose mostly 16-bit encodings hold the same code in far fewer bytes
  # than the default 32-bit ARM set (-28 % on armv7, measured 935,584 -> 674,048 on 2026-12-06); what
  # the program does is unchanged, and the C library's ARM-mode code interworks through the linker.
  # LLVM's MIPS delay-slot filler only looks backward by default; letting it also take an instruction
  # from after a call or from a branch's successor block fills 6,137 more slots that held a nop
  # (mips 1,244,984 -> 1,226,664 bytes, -18,320, on 2026-12-06; smoke, lab and `-t` on 87 configs same).
  case "$t" in
    mips*) flags="$flags -C relocation-model=static -Cllvm-args=-disable-mips-df-forward-search=false"
      flags="$flags -Cllvm-args=-disable-mips-df-succbb-search=false"
      # LLVM makes a MIPS call in tail position a plain jump only when asked (-mips-tail-calls):
      # 1,226,664 -> 1,218,744 bytes (-7,920) on 2026-12-06. Rust checks every division by zero
      # itself, so LLVM's `teq` trap after each MIPS divide is dead code (-416). mipsel with all three:
      # 1,245,960 -> 1,219,352.
      flags="$flags -Cllvm-args=-mips-tail-calls -Cllvm-args=-mno-check-zero-division"
      # lld's identical code folding (cross/icf-link.sh replays zig's link with --icf=all):
      # functions whose machine code is the same (generic instances, musl's and ours) kept once.
      # ICF=0 links without it; MIPS16=1 links with GNU ld (cross/mips16-link.sh), without it.
      if [ "${ICF:-1}" = 1 ] && [ "${MIPS16:-0}" != 1 ]; then
        flags="$flags -C linker=$PWD/cross/icf-link.sh"
      fi ;;
    # LLVM does not run the machine outliner on ARM code by itself (see x86_64 below): with it
    # 746,432 -> 732,248 bytes (-14,184) on 2026-12-06.
    armv7-*) flags="$flags -C target-feature=+thumb-mode -Cllvm-args=-enable-machine-outliner=always" ;;
    # Outline atomics call helpers that pick LSE instructions at run time, a gain on many-core servers;
    # inline LL/SC loops are 2,256 bytes smaller here (875,552 -> 873,296 on 2026-12-06).
    # Three more outliner passes over the outlined code find repeats the first pass left:
    # 894,688 -> 891,600 bytes (-3,088) on 2026-12-06.
    aarch64-*) flags="$flags -C target-feature=-outline-atomics -Cllvm-args=-machine-outliner-reruns=3" ;;
    # The machine outliner turns instruction sequences repeated across functions into shared calls.
    # LLVM already runs it on the opt-level=z code of AArch64 (forcing it there changed 8 bytes);
    # on ARM it has to be asked for. Not on x86_64, which is not a flash image (goal < 1 MiB):
    # there it saved 15,152 bytes (974,248 -> 959,096 on 2026-12-07) and cost the checker child
    # its user time, the calls and returns it adds on every path (issue 16; checker VM, TCP, 1000
    # RS, user us per check in two boots back to back: 22.7-24.7 without, 27.9-36.3 with;
    # tests/bench/README.md).
    x86_64-*)
      # Hot text first: the functions the settled parent and VRRP child run (cross/hot-text.sh lists
      # them) linked together at the start of .text, so that the few 64 KiB folios the kernel maps
      # for them hold little else (cross/README.md, "Hot text first"). HOT_TEXT=0 links without it.
      if [ "${HOT_TEXT:-1}" = 1 ]; then scripts="$scripts cross/hot-text.ld"; fi ;;
  esac
  # A 64-bit time_t on the 32-bit targets (Y2038), as musl's own headers have had since 1.2: the
  # libc crates of std (0.2.183: the environment variable) and of keepalived (0.2.191: the cfg)
  # then call musl's __*_time64 functions, not its 32-bit compatibility wrappers, which fail with
  # EOVERFLOW from 2038 on. -944 bytes on mips (1,075,312 -> 1,074,368, 2026-12-07; smoke, lab and
  # `-t` on 90 configs the same). Caveat: std's futex wait with a timeout (Condvar::wait_timeout,
  # park_timeout; keepalived uses neither) passes the 64-bit timespec to the 32-bit futex syscall.
  # TIME64=0 builds with the libc crates' default (32-bit time_t).
  time64=
  case "$t" in mips*|armv7*) [ "${TIME64:-1}" = 0 ] || time64=1 ;; esac
  [ -z "$time64" ] || flags="$flags --cfg libc_unstable_musl_v1_2"
  ld=$CARGO_TARGET_DIR/link-$(basename -s .ld $scripts | tr '\n' '+' | sed 's/+$//').ld
  mkdir -p "$CARGO_TARGET_DIR"
  cat $scripts >"$ld"
  case "$ld" in /*) ;; *) ld=$PWD/$ld ;; esac
  flags="$flags -Clink-arg=-Wl,-T,$ld"
  # The SNMP subagent (cargo feature `snmp`, default on) is in every target: issue 16's size goals count
  # every feature in, and armv7 meets its goal with it. It costs 33,992 bytes on armv7 (786,552 ->
  # 752,560 without, measured 2026-12-06) and serves only where net-snmp's snmpd runs as the AgentX
  # master: SNMP=0 leaves it out for a router whose flash is that tight.
  nosnmp=
  if [ "${SNMP:-1}" = 0 ]; then nosnmp=--no-default-features; fi
  # The router profile: a panic is a trap instruction where it happens (the child dies of SIGILL or
  # SIGTRAP, which the parent logs before it respawns the child) instead of std's panic machinery
  # formatting a message to a stderr that a daemon has on /dev/null anyway. No production code path
  # panics. The x86_64 binary (the container image, run in the foreground with its stderr kept)
  # keeps the messages; PANIC=abort keeps them everywhere. Sizes in cross/README.md.
  panic=${PANIC:-}
  [ -n "$panic" ] || case "$t" in x86_64-*) panic=abort ;; *) panic=immediate-abort ;; esac
  [ "$panic" = abort ] || flags="$flags -Zunstable-options -Cpanic=$panic"
  # MIPS16=1: our crate's functions in MIPS16e, the 16-bit encodings of the 24Kc, 74Kc and 1004Kc
  # cores of ath79/ramips routers; std and musl stay MIPS32. mips 1,096,008 -> 927,028 bytes,
  # mipsel 1,097,320 -> 928,708 (2026-12-07; smoke, lab and `-t` on 90 configs the same). LLVM
  # writes MIPS16 only as assembly and lld cannot link it, so the final crate goes through
  # cross/mips16-rustc.sh (llc, GNU as, GNU ld). An experiment, not for routers: 5 unit tests that
  # pass in MIPS32 fail in this build (wrong file modes, a SIGSEGV), see cross/README.md.
  wrap=
  if [ "${MIPS16:-0}" = 1 ]; then
    case "$t" in
      mips*) wrap=$PWD/cross/mips16-rustc.sh
        echo "build.sh: MIPS16=1 is known to miscompile (cross/README.md): do not ship $t" >&2
        set -- -Zprofile-rustflags --config 'profile.release.package.keepalived.rustflags=["-Ctarget-feature=+mips16"]' ;;
    esac
  fi
  [ -n "$wrap" ] || set --
  env ICF_TARGET="$t" ${wrap:+RUSTC_WORKSPACE_WRAPPER=$wrap} ${time64:+RUST_LIBC_UNSTABLE_MUSL_V1_2_3=1} RUSTFLAGS="$flags" /usr/bin/cargo zigbuild --release --locked -q -Z build-std=std,panic_abort "$std_features" --target "$t" "$@" $nosnmp ${CARGO_FEATURES:+--features "$CARGO_FEATURES"} ${EXTRA_CARGO_ARGS:-}
  mkdir -p "$out/$t"
  place "$t" "$out/$t/keepalived"
  size=$(stat -c %s "$out/$t/keepalived")
  if [ "${TLS:-0}" = 1 ]; then
    env ICF_TARGET="$t" ${wrap:+RUSTC_WORKSPACE_WRAPPER=$wrap} ${time64:+RUST_LIBC_UNSTABLE_MUSL_V1_2_3=1} RUSTFLAGS="$flags" /usr/bin/cargo zigbuild --release --locked -q -Z build-std=std,panic_abort "$std_features" --target "$t" "$@" $nosnmp --features "tls${CARGO_FEATURES:+,$CARGO_FEATURES}" ${EXTRA_CARGO_ARGS:-}
    mkdir -p "$out-tls/$t"
    place "$t" "$out-tls/$t/keepalived"
    tls=$(stat -c %s "$out-tls/$t/keepalived")
    printf '%-34s %10d %10d %+8d\n' "$t" "$size" "$tls" "$((tls - size))"
  else
    printf '%-34s %10d\n' "$t" "$size"
  fi
done
