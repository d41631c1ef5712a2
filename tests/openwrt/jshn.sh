# shellcheck shell=dash
# Stand-in for OpenWrt's /usr/share/libubox/jshn.sh (libubox, not packaged by Debian), written
# from its documented use: json_init starts an object, json_add_{string,int,boolean} NAME VALUE
# add members (NAME ignored inside arrays), json_add_{object,array} [NAME] open a container,
# json_close_{object,array} close it, json_dump prints the result, json_load TEXT replaces it.
# Covers what the keepalived rpcd plugin and its rpc/*.sh scripts use; no json_get_*.

json_init() {
	JSHN_OUT='{'
	JSHN_FIRST=1
	JSHN_KIND=o
	JSHN_LOADED=
}

jshn_esc() {
	printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'
}

# jshn_member NAME: separator, then the key when the innermost container is an object
jshn_member() {
	case "$JSHN_FIRST" in
	*1) JSHN_FIRST="${JSHN_FIRST%1}0" ;;
	*) JSHN_OUT="$JSHN_OUT," ;;
	esac
	case "$JSHN_KIND" in
	*o) JSHN_OUT="$JSHN_OUT\"$(jshn_esc "$1")\":" ;;
	esac
}

json_add_string() {
	jshn_member "$1"
	JSHN_OUT="$JSHN_OUT\"$(jshn_esc "$2")\""
}

json_add_int() {
	jshn_member "$1"
	JSHN_OUT="$JSHN_OUT$(printf '%d' "$2")"
}

json_add_boolean() {
	jshn_member "$1"
	if [ "$2" = 1 ] || [ "$2" = true ]; then JSHN_OUT="${JSHN_OUT}true"; else JSHN_OUT="${JSHN_OUT}false"; fi
}

json_add_object() {
	jshn_member "$1"
	JSHN_OUT="$JSHN_OUT{"
	JSHN_FIRST="${JSHN_FIRST}1"
	JSHN_KIND="${JSHN_KIND}o"
}

json_add_array() {
	jshn_member "$1"
	JSHN_OUT="${JSHN_OUT}["
	JSHN_FIRST="${JSHN_FIRST}1"
	JSHN_KIND="${JSHN_KIND}a"
}

json_close_object() {
	JSHN_OUT="$JSHN_OUT}"
	JSHN_FIRST="${JSHN_FIRST%?}"
	JSHN_KIND="${JSHN_KIND%?}"
}

json_close_array() {
	JSHN_OUT="$JSHN_OUT]"
	JSHN_FIRST="${JSHN_FIRST%?}"
	JSHN_KIND="${JSHN_KIND%?}"
}

json_load() {
	JSHN_LOADED=$1
}

json_dump() {
	if [ -n "$JSHN_LOADED" ]; then
		printf '%s\n' "$JSHN_LOADED"
	else
		printf '%s}\n' "$JSHN_OUT"
	fi
}
