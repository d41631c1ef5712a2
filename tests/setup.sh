#!/bin/sh
# Installs what the tests need on a fresh Debian machine (run as root).
# Idempotent: when everything is present it only checks and returns (FORCE_SETUP=1 installs anyway).
set -eu

need=${FORCE_SETUP:-}
for pair in keepalived:/usr/sbin/keepalived ip:/usr/sbin/ip pgrep:/usr/bin/pgrep \
            tshark:/usr/bin/tshark killall:/usr/bin/killall ping:/usr/bin/ping \
            shellcheck:/usr/bin/shellcheck qemu-mips-static:/usr/bin/qemu-mips-static; do
    path=${pair#*:}
    [ -x "$path" ] || need=yes
done

if [ -n "$need" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup.sh: missing test tools and not root; install keepalived iproute2 procps tshark psmisc iputils-ping shellcheck qemu-user-static" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # tshark's package asks whether non-root users may capture; answer before it asks.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    # The keepalived package's service must never run on a test machine (the tests start keepalived
    # themselves): policy-rc.d stops maintainer scripts from starting it during the install.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
    fi
    apt-get update -q
    apt-get install -y -q --no-install-recommends keepalived iproute2 procps tshark psmisc iputils-ping \
        shellcheck qemu-user-static
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl disable --now keepalived >/dev/null 2>&1 || true
    fi
fi

if ! command -v cargo >/dev/null 2>&1; then
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
fi
command -v cargo >/dev/null 2>&1 || { echo "setup.sh: cargo not found (install rustup)" >&2; exit 1; }
if command -v rustup >/dev/null 2>&1; then
    for c in rustfmt clippy; do
        if ! rustup component list --installed 2>/dev/null | grep -q "^$c"; then
            rustup component add "$c"
        fi
    done
fi

# Each area's extra tools (test servers, the IPVS VM's kernel, ...) install from their own file.
for f in "$(dirname "$0")"/setup.d/*.sh; do
    [ -e "$f" ] || continue
    sh "$f"
done
