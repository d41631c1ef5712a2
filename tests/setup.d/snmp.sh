#!/bin/sh
# tests/snmp_agentx.rs: net-snmp's snmpd as the AgentX master agent, snmpget/snmpwalk as the
# manager (Debian packages snmpd and snmp; no MIB files needed, the tests print numeric OIDs).
set -e
if ! command -v snmpd >/dev/null 2>&1 && [ ! -x /usr/sbin/snmpd ] || ! command -v snmpwalk >/dev/null 2>&1; then
    [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' 2>/dev/null | head -1)" ] || apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends snmpd snmp
fi
