# shellcheck shell=dash
# Minimal stand-in for OpenWrt's /lib/functions.sh config API so the UCI generator can run on a
# development host: config_load, config_get, config_get_bool, config_foreach, config_list_foreach,
# and the list helpers append and list_contains (keepalived-sync's hotplug.sh uses them).
# UCI_CONFIG_DIR (default /etc/config) holds the UCI files, as with the real uci.
#
# Storage: SHIM_SECTIONS lists section ids in file order; SHIM_T_<id> is the type; option values are
# in SHIM_O_<id>__<opt>; list items are SHIM_L_<id>__<opt>_<n> with count SHIM_N_<id>__<opt>, and
# SHIM_O_<id>__<opt> holds the items joined by spaces (as the real config_get returns them).

SHIM_SECTIONS=

# Prints the UCI file as shell commands: one shim_sec/shim_opt/shim_list call per statement.
shim_parse() {
	awk '
	function q(s) { gsub(/\047/, "\047\\\047\047", s); return "\047" s "\047" }
	function tokens(line,   n, c, t) {
		n = 0
		while (length(line) > 0) {
			sub(/^[ \t]+/, "", line)
			if (line == "" || substr(line, 1, 1) == "#") break
			c = substr(line, 1, 1)
			if (c == "\047" || c == "\"") {
				line = substr(line, 2)
				t = index(line, c)
				if (t == 0) { tok[++n] = line; line = ""; break }
				tok[++n] = substr(line, 1, t - 1)
				line = substr(line, t + 1)
			} else {
				match(line, /^[^ \t]+/)
				tok[++n] = substr(line, 1, RLENGTH)
				line = substr(line, RLENGTH + 1)
			}
		}
		return n
	}
	{
		n = tokens($0)
		if (n == 0) next
		if (tok[1] == "config") {
			anon++
			print "shim_sec " q(tok[2]) " " q(n >= 3 ? tok[3] : sprintf("cfg%02d", anon))
		} else if (tok[1] == "option" && n >= 3) {
			print "shim_opt " q(tok[2]) " " q(tok[3])
		} else if (tok[1] == "list" && n >= 3) {
			print "shim_list " q(tok[2]) " " q(tok[3])
		} else if (tok[1] != "package") {
			printf "echo %s >&2; return 1\n", q(FILENAME ":" FNR ": cannot parse")
		}
	}' "$1"
}

shim_sec() {
	SHIM_CUR="$2"
	SHIM_SECTIONS="$SHIM_SECTIONS $2"
	eval "SHIM_T_$2=\$1"
}

shim_opt() {
	eval "SHIM_O_${SHIM_CUR}__$1=\$2"
}

shim_list() {
	local n
	eval "n=\${SHIM_N_${SHIM_CUR}__$1:-0}"
	n=$((n + 1))
	eval "SHIM_N_${SHIM_CUR}__$1=\$n"
	eval "SHIM_L_${SHIM_CUR}__$1_$n=\$2"
	eval "SHIM_O_${SHIM_CUR}__$1=\"\${SHIM_O_${SHIM_CUR}__$1:+\$SHIM_O_${SHIM_CUR}__$1 }\$2\""
}

config_load() {
	local file="${UCI_CONFIG_DIR:-/etc/config}/$1" code
	# drop what an earlier config_load stored so section ids reused by this file start empty
	for code in $(set | sed -n 's/^\(SHIM_[A-Z]_[A-Za-z0-9_]*\)=.*/\1/p'); do
		unset "$code"
	done
	SHIM_SECTIONS=
	[ -f "$file" ] || return 1
	code=$(shim_parse "$file") || return 1
	eval "$code"
}

# config_get VAR SECTION OPTION [DEFAULT]
# Locals carry a shim_ prefix: a caller's variable of the same name would otherwise be shadowed.
config_get() {
	local shim_v
	eval "shim_v=\${SHIM_O_${2}__$3-}"
	[ -n "$shim_v" ] || shim_v="${4-}"
	eval "$1=\$shim_v"
}

config_get_bool() {
	local shim_b
	config_get shim_b "$2" "$3" "${4-0}"
	case "$shim_b" in
	1 | on | true | yes | enabled) shim_b=1 ;;
	*) shim_b=0 ;;
	esac
	eval "$1=\$shim_b"
}

# config_foreach FUNCTION [TYPE] [ARGS...]
config_foreach() {
	local fn="$1" type="${2-}" s t
	shift
	[ $# -gt 0 ] && shift
	for s in $SHIM_SECTIONS; do
		eval "t=\$SHIM_T_$s"
		[ -z "$type" ] || [ "$t" = "$type" ] || continue
		"$fn" "$s" "$@"
	done
}

# config_list_foreach SECTION OPTION FUNCTION [ARGS...]
config_list_foreach() {
	local s="$1" o="$2" fn="$3" n i v
	shift 3
	eval "n=\${SHIM_N_${s}__$o:-0}"
	i=1
	while [ "$i" -le "$n" ]; do
		eval "v=\$SHIM_L_${s}__${o}_$i"
		"$fn" "$v" "$@"
		i=$((i + 1))
	done
}

# append VAR VALUE [SEP]: adds VALUE to the SEP-separated (default space) list in VAR
append() {
	# shellcheck disable=SC2034 # value and sep are read by the eval
	local var="$1" value="$2" sep="${3:- }"
	eval "$var=\${$var:+\${$var}\${sep}}\$value"
}

# list_contains VAR VALUE: whether the space-separated list in VAR holds the word VALUE
list_contains() {
	local list
	eval "list=\${$1}"
	case " $list " in *" $2 "*) return 0 ;; *) return 1 ;; esac
}
