# shellcheck shell=dash
# Method "status" of the keepalived rpcd plugin (/usr/libexec/keepalived/rpc/status.sh): the last
# hotplug event of every configured instance and sync group, as 01-ubus recorded it:
#   {"instance": [{"name", "event" (unix time), "status" (ACTION)}], "group": [...]}

ka_status_list() { # ka_status_list TYPE: one array of the entries recorded for TYPE
	local dir base name event state
	json_add_array "$(echo "$1" | tr '[:upper:]' '[:lower:]')"
	for dir in /var/run/keepalived/*_"$1"; do
		[ -d "$dir" ] || continue
		base=${dir##*/}
		name=${base%_*}
		event=0
		state=
		[ -f "$dir/TIME" ] && event=$(cat "$dir/TIME")
		[ -f "$dir/STATUS" ] && state=$(cat "$dir/STATUS")
		json_add_object
		json_add_string name "$name"
		json_add_int event "$event"
		json_add_string status "$state"
		json_close_object
	done
	json_close_array
}

status() {
	json_init
	ka_status_list INSTANCE
	ka_status_list GROUP
	json_dump
}
