#!/bin/sh
# Installs what the tests need on a fresh Debian machine (run as root).
# Idempotent: when everything is present it only checks and returns.
set -eu

need=""
for pair in keepalived:/usr/sbin/keepalived ip:/usr/sbin/ip pgrep:/usr/bin/pgrep \
            tshark:/usr/bin/tshark killall:/usr/bin/killall ping:/usr/bin/ping; do
    path=${pair#*:}
    [ -x "$path" ] || need=yes
done

if [ -n "$need" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup.sh: missing test tools and not root; install keepalived iproute2 procps tshark psmisc" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # tshark's package asks whether non-root users may capture; answer before it asks.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get update -q
    apt-get install -y -q --no-install-recommends keepalived iproute2 procps tshark psmisc iputils-ping
    # The package's service must never run on a test machine: the tests start keepalived themselves.
    if command -v systemctl >/dev/null 2>&1; then
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
