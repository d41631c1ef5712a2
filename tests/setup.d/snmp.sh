#!/bin/sh
# SNMP labs, tests/snmp/record-walks.sh and record-traps.sh: net-snmp's snmpd (the AgentX master
# agent), the snmpwalk/snmpget clients and snmptrapd (which receives the traps). The package's snmpd service must not run on a test machine: the
# tests start their own, in a namespace, with their own config.
set -e
missing=""
[ -x /usr/sbin/snmpd ] || missing="$missing snmpd"
command -v snmpwalk >/dev/null 2>&1 || missing="$missing snmp"
[ -x /usr/sbin/snmptrapd ] || missing="$missing snmptrapd"
[ -z "$missing" ] && exit 0
export DEBIAN_FRONTEND=noninteractive
if [ ! -e /usr/sbin/policy-rc.d ]; then
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
fi
# shellcheck disable=SC2086 # a word list of package names
if ! apt-get install -y --no-install-recommends $missing; then
    apt-get update
    apt-get install -y --no-install-recommends $missing
fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now snmpd >/dev/null 2>&1 || true
    systemctl disable --now snmptrapd snmptrapd.socket >/dev/null 2>&1 || true
fi
