# shellcheck shell=dash
# Turns /etc/config/keepalived (UCI) into a keepalived.conf, with the same schema and output
# shape as the stock OpenWrt keepalived package, so existing router configs and LuCI keep working.
#
# Sourced by /etc/init.d/keepalived; needs OpenWrt's /lib/functions.sh (config_load, config_get,
# config_get_bool, config_foreach, config_list_foreach) loaded first. Tests source it with a shim.
#
#   keepalived_uci_generate OUT [UCI_PACKAGE]   -> writes OUT (regular file or symlink)
#
# OUT becomes a symlink to a hand-written file when globals.alt_config_file names an existing
# file, or when UCI defines neither a vrrp_instance nor a virtual_server and
# KEEPALIVED_HANDWRITTEN (default /etc/keepalived/keepalived.conf) exists.

KEEPALIVED_HANDWRITTEN=${KEEPALIVED_HANDWRITTEN:-/etc/keepalived/keepalived.conf}
KA_OUT=
KA_T1='\t'
KA_T2='\t\t'
KA_T3='\t\t\t'
KA_T4='\t\t\t\t'

# Appends printf output to the file being generated.
ka_out() {
	# shellcheck disable=SC2059 # the format is always a literal of our own
	printf "$@" >>"$KA_OUT"
}

ka_open() {
	if [ -n "$2" ]; then
		ka_out '%s %s {\n' "$1" "$2"
	else
		ka_out '%s {\n' "$1"
	fi
}

ka_close() {
	ka_out '}\n\n'
}

# Values with blanks are quoted so the keepalived lexer sees one word.
ka_value() {
	case "$1" in
	*[[:space:]]*) ka_out ' "%s"' "$1" ;;
	*) ka_out ' %s' "$1" ;;
	esac
}

# ka_options SECTION INDENT OPT... ; OPT prefixed with "flag:" is written without its value
# whenever it is set (stock behaviour: even '0' turns the flag on).
ka_options() {
	local sec="$1" ind="$2" opt name val
	shift 2
	for opt in "$@"; do
		name=${opt#flag:}
		val=
		config_get val "$sec" "$name"
		[ -n "$val" ] || continue
		ka_out '%b%s' "$ind" "$name"
		[ "$name" = "$opt" ] && ka_value "$val"
		ka_out '\n'
	done
}

# ka_block SECTION INDENT LIST_OPTION SECTION_TYPE PRINTER ; writes "LIST_OPTION { ... }" with one
# PRINTER call per named element, skipped when the list is empty.
ka_block() {
	local sec="$1" ind="$2" opt="$3" type="$4" printer="$5" items item
	items=
	config_get items "$sec" "$opt"
	[ -n "$items" ] || return 0
	ka_out '%b%s {\n' "$ind" "$opt"
	for item in $items; do
		config_foreach "$printer" "$type" "$item" "$ind$KA_T1"
	done
	ka_out '%b}\n' "$ind"
}

# Section printers below are called by config_foreach as: PRINTER SECTION WANTED_NAME INDENT.
ka_named() {
	local n=
	config_get n "$1" name
	[ "$n" = "$2" ]
}

ka_print_ipaddress() {
	local address device scope label_suffix
	ka_named "$1" "$2" || return 0
	config_get address "$1" address
	[ -n "$address" ] || return 0
	config_get device "$1" device
	config_get scope "$1" scope
	config_get label_suffix "$1" label_suffix vip
	ka_out '%b%s' "$3" "$address"
	if [ -n "$device" ]; then
		ka_out ' dev %s label %s' "$device" "$device:$label_suffix"
		[ -n "$scope" ] && ka_out ' scope %s' "$scope"
	fi
	ka_out '\n'
}

ka_print_route() {
	local address gateway device src_addr table blackhole
	ka_named "$1" "$2" || return 0
	config_get address "$1" address
	[ -n "$address" ] || return 0
	config_get_bool blackhole "$1" blackhole 0
	if [ "$blackhole" = 1 ]; then
		ka_out '%bblackhole %s\n' "$3" "$address"
		return 0
	fi
	config_get gateway "$1" gateway
	config_get device "$1" device
	config_get src_addr "$1" src_addr
	config_get table "$1" table
	if [ -n "$src_addr" ]; then
		ka_out '%bsrc %s %s' "$3" "$src_addr" "$address"
	else
		# the stock generator needs a device for a plain route; keep that rule
		[ -n "$device" ] || return 0
		ka_out '%b%s' "$3" "$address"
	fi
	[ -n "$gateway" ] && ka_out ' via %s' "$gateway"
	[ -n "$device" ] && ka_out ' dev %s' "$device"
	[ -n "$table" ] && ka_out ' table %s' "$table"
	ka_out '\n'
}

# Older configs list track_script sections (name, value, weight, direction); current ones list
# vrrp_script sections directly (weight and direction taken from the script). Both are accepted.
ka_print_track_script() {
	local value weight direction
	ka_named "$1" "$2" || return 0
	value=
	config_get value "$1" value
	[ "$KA_TRACK_TYPE" = vrrp_script ] && value="$2"
	[ -n "$value" ] || return 0
	config_get weight "$1" weight
	config_get direction "$1" direction
	ka_out '%b%s' "$3" "$value"
	if [ -n "$weight" ]; then
		ka_out ' weight %s' "$weight"
		case "$direction" in reverse | noreverse) ka_out ' %s' "$direction" ;; esac
	fi
	ka_out '\n'
}

ka_track_script_item() {
	ka_named "$1" "$2" && KA_FOUND=1
	return 0
}

# ka_track_scripts SECTION INDENT
ka_track_scripts() {
	local items item
	items=
	config_get items "$1" track_script
	[ -n "$items" ] || return 0
	ka_out '%btrack_script {\n' "$2"
	for item in $items; do
		KA_FOUND=0
		config_foreach ka_track_script_item track_script "$item"
		if [ "$KA_FOUND" = 1 ]; then KA_TRACK_TYPE=track_script; else KA_TRACK_TYPE=vrrp_script; fi
		config_foreach ka_print_track_script "$KA_TRACK_TYPE" "$item" "$2$KA_T1"
	done
	ka_out '%b}\n' "$2"
}

ka_print_track_interface() {
	local value weight
	ka_named "$1" "$2" || return 0
	config_get value "$1" value
	[ -n "$value" ] || return 0
	config_get weight "$1" weight
	ka_out '%b%s' "$3" "$value"
	[ -n "$weight" ] && ka_out ' weight %s' "$weight"
	ka_out '\n'
}

ka_print_track_bfd() {
	local weight
	ka_named "$1" "$2" || return 0
	config_get weight "$1" weight
	ka_out '%b%s' "$3" "$2"
	[ -n "$weight" ] && ka_out ' weight %s' "$weight"
	ka_out '\n'
}

ka_print_peer() {
	local address min_ttl max_ttl
	ka_named "$1" "$2" || return 0
	config_get address "$1" address
	[ -n "$address" ] || return 0
	config_get min_ttl "$1" min_ttl
	config_get max_ttl "$1" max_ttl
	ka_out '%b%s' "$3" "$address"
	[ -n "$min_ttl" ] && ka_out ' min_ttl %s' "$min_ttl"
	[ -n "$max_ttl" ] && ka_out ' max_ttl %s' "$max_ttl"
	ka_out '\n'
}

# Every notify hook is emitted whatever UCI says, as the stock generator does: LuCI's status,
# keepalived-sync and /etc/keepalived.user all hang off hotplug-call and must see every
# transition. User scripts live in /etc/hotplug.d/keepalived/ or /etc/keepalived.user.
# ka_notify TYPE NAME INDENT OPTION...
ka_notify() {
	local type="$1" name="$2" ind="$3" opt action
	shift 3
	for opt in "$@"; do
		action=$(printf '%s' "$opt" | tr '[:lower:]' '[:upper:]')
		ka_out '%b%s "/bin/busybox env -i ACTION=%s TYPE=%s NAME=%s /sbin/hotplug-call keepalived"\n' \
			"$ind" "$opt" "$action" "$type" "$name"
	done
}

# Startup and shutdown hooks exist only on OpenWrt; elsewhere (tests) keepalived would reject
# the missing command.
ka_hotplug_available() {
	[ "${KA_HOTPLUG:-}" = 1 ] || { [ -x /bin/busybox ] && [ -x /sbin/hotplug-call ]; }
}

ka_globals() {
	local emails e
	ka_out '%bscript_user root\n' "$KA_T1"
	ka_out '%benable_script_security\n' "$KA_T1"
	ka_out '%bprocess_names\n' "$KA_T1"
	if ka_hotplug_available; then
		ka_out '%bstartup_script "/bin/busybox env -i ACTION=startup /sbin/hotplug-call keepalived"\n' "$KA_T1"
		ka_out '%bstartup_script_timeout 10\n' "$KA_T1"
		ka_out '%bshutdown_script "/bin/busybox env -i ACTION=shutdown /sbin/hotplug-call keepalived"\n' "$KA_T1"
		ka_out '%bshutdown_script_timeout 10\n' "$KA_T1"
	fi
	emails=
	config_get emails "$1" notification_email
	if [ -n "$emails" ]; then
		ka_out '%bnotification_email {\n' "$KA_T1"
		for e in $emails; do ka_out '%b%s\n' "$KA_T2" "$e"; done
		ka_out '%b}\n' "$KA_T1"
	fi
	ka_options "$1" "$KA_T1" notification_email_from smtp_server smtp_connect_timeout \
		router_id vrrp_mcast_group4 vrrp_mcast_group6 vrrp_startup_delay
}

ka_static_ipaddress() {
	local list a
	list=
	config_get list "$1" address
	for a in $list; do
		config_foreach ka_print_ipaddress ipaddress "$a" "$KA_T1"
	done
}

ka_static_routes() {
	local list r
	list=
	config_get list "$1" route
	for r in $list; do
		config_foreach ka_print_route route "$r" "$KA_T1"
	done
}

ka_up_down_delays() {
	local device down_delay up_delay
	config_get device "$1" device
	config_get down_delay "$1" down_delay
	config_get up_delay "$1" up_delay
	[ -n "$device" ] && [ -n "$down_delay" ] || return 0
	ka_out '%b%s %s' "$KA_T1" "$device" "$down_delay"
	[ -n "$up_delay" ] && ka_out ' %s' "$up_delay"
	ka_out '\n'
}

ka_count_instance() {
	ka_named "$1" "$2" && KA_FOUND=1
	return 0
}

ka_instance_exists() {
	KA_FOUND=0
	config_foreach ka_count_instance vrrp_instance "$1"
	[ "$KA_FOUND" = 1 ]
}

ka_sync_group() {
	local name members m valid
	name=
	config_get name "$1" name
	[ -n "$name" ] || return 0
	members=
	config_get members "$1" group
	valid=
	# a group naming an undefined instance would make keepalived drop the whole group
	for m in $members; do
		ka_instance_exists "$m" && valid="$valid $m"
	done
	[ -n "$valid" ] || return 0
	ka_open vrrp_sync_group "$name"
	ka_out '%bgroup {\n' "$KA_T1"
	for m in $valid; do ka_out '%b%s\n' "$KA_T2" "$m"; done
	ka_out '%b}\n' "$KA_T1"
	ka_options "$1" "$KA_T1" flag:smtp_alert flag:global_tracking
	ka_track_scripts "$1" "$KA_T1"
	ka_notify GROUP "$name" "$KA_T1" notify_backup notify_master notify_fault notify
	ka_close
}

ka_vrrp_instance() {
	local name auth_type auth_pass
	name=
	config_get name "$1" name
	[ -n "$name" ] || return 0
	ka_open vrrp_instance "$name"
	config_get auth_type "$1" auth_type
	config_get auth_pass "$1" auth_pass
	if [ -n "$auth_type" ] && [ -n "$auth_pass" ]; then
		ka_out '%bauthentication {\n' "$KA_T1"
		ka_out '%bauth_type %s\n%bauth_pass %s\n' "$KA_T2" "$auth_type" "$KA_T2" "$auth_pass"
		ka_out '%b}\n' "$KA_T1"
	fi
	ka_options "$1" "$KA_T1" state interface mcast_src_ip unicast_src_ip virtual_router_id \
		version priority advert_int preempt_delay debug lvs_sync_daemon_interface \
		garp_master_delay garp_master_refresh garp_master_repeat garp_master_refresh_repeat \
		flag:vmac_xmit_base flag:native_ipv6 flag:accept flag:dont_track_primary \
		flag:smtp_alert flag:nopreempt flag:use_vmac flag:no_accept
	ka_notify INSTANCE "$name" "$KA_T1" notify_backup notify_master notify_fault notify_stop
	ka_block "$1" "$KA_T1" virtual_ipaddress ipaddress ka_print_ipaddress
	ka_block "$1" "$KA_T1" virtual_ipaddress_excluded ipaddress ka_print_ipaddress
	ka_block "$1" "$KA_T1" virtual_routes route ka_print_route
	ka_track_scripts "$1" "$KA_T1"
	ka_block "$1" "$KA_T1" track_interface track_interface ka_print_track_interface
	ka_block "$1" "$KA_T1" track_bfd bfd_instance ka_print_track_bfd
	ka_block "$1" "$KA_T1" unicast_peer peer ka_print_peer
	ka_close
}

ka_vrrp_script() {
	local name
	name=
	config_get name "$1" name
	[ -n "$name" ] || return 0
	ka_open vrrp_script "$name"
	ka_options "$1" "$KA_T1" script interval weight fall rise timeout
	ka_close
}

ka_bfd_instance() {
	local name
	name=
	config_get name "$1" name
	[ -n "$name" ] || return 0
	ka_open bfd_instance "$name"
	ka_options "$1" "$KA_T1" neighbor_ip source_ip min_rx min_tx idle_tx hoplimit max_hops
	ka_close
}

ka_url() {
	local path digest
	ka_named "$1" "$2" || return 0
	config_get path "$1" path
	config_get digest "$1" digest
	[ -n "$path" ] && [ -n "$digest" ] || return 0
	ka_out '%burl {\n%bpath %s\n%bdigest %s\n%b}\n' "$KA_T3" "$KA_T4" "$path" "$KA_T4" "$digest" "$KA_T3"
}

ka_url_item() {
	config_foreach ka_url url "$1"
}

ka_real_server() {
	local enabled weight ipaddr port check
	ka_named "$1" "$2" || return 0
	config_get_bool enabled "$1" enabled 1
	[ "$enabled" = 1 ] || return 0
	config_get weight "$1" weight
	config_get ipaddr "$1" ipaddr
	config_get port "$1" port
	config_get check "$1" check
	[ -n "$weight" ] && [ -n "$ipaddr" ] && [ -n "$port" ] || return 0
	ka_out '%breal_server %s %s {\n%bweight %s\n' "$KA_T1" "$ipaddr" "$port" "$KA_T2" "$weight"
	ka_notify REAL_SERVER "$2" "$KA_T2" notify_up notify_down
	case "$check" in
	PING_CHECK)
		ka_out '%b%s {\n%b}\n' "$KA_T2" "$check" "$KA_T2"
		;;
	TCP_CHECK)
		ka_out '%b%s {\n' "$KA_T2" "$check"
		ka_options "$1" "$KA_T3" connect_timeout connect_port
		ka_out '%b}\n' "$KA_T2"
		;;
	MISC_CHECK)
		ka_out '%b%s {\n' "$KA_T2" "$check"
		ka_options "$1" "$KA_T3" misc_path
		ka_out '%b}\n' "$KA_T2"
		;;
	HTTP_GET | SSL_GET)
		ka_out '%b%s {\n' "$KA_T2" "$check"
		ka_options "$1" "$KA_T3" connect_timeout connect_port nb_get_retry delay_before_retry
		config_list_foreach "$1" url ka_url_item
		ka_out '%b}\n' "$KA_T2"
		;;
	esac
	ka_out '%b}\n' "$KA_T1"
}

ka_real_server_item() {
	config_foreach ka_real_server real_server "$1"
}

ka_virtual_server() {
	local enabled ipaddr port lb_algo sorry_ip sorry_port
	config_get_bool enabled "$1" enabled 1
	[ "$enabled" = 1 ] || return 0
	config_get ipaddr "$1" ipaddr
	config_get port "$1" port
	[ -n "$ipaddr" ] && [ -n "$port" ] || return 0
	ka_open virtual_server "$ipaddr $port"
	ka_options "$1" "$KA_T1" fwmark delay_loop lb_kind persistence_timeout \
		persistence_granularity virtualhost protocol
	config_get lb_algo "$1" lb_algo rr
	# the scheduler module is not autoloaded by every OpenWrt kernel config
	command -v modprobe >/dev/null 2>&1 && modprobe "ip_vs_$lb_algo" >/dev/null 2>&1
	ka_out '%blb_algo %s\n' "$KA_T1" "$lb_algo"
	config_get sorry_ip "$1" sorry_server_ip
	config_get sorry_port "$1" sorry_server_port
	[ -n "$sorry_ip" ] && [ -n "$sorry_port" ] && ka_out '%bsorry_server %s %s\n' "$KA_T1" "$sorry_ip" "$sorry_port"
	config_list_foreach "$1" real_server ka_real_server_item
	ka_close
}

ka_count_any() {
	KA_FOUND=1
}

# True when UCI defines something keepalived would run.
ka_has_instances() {
	KA_FOUND=0
	config_foreach ka_count_any vrrp_instance
	config_foreach ka_count_any virtual_server
	[ "$KA_FOUND" = 1 ]
}

keepalived_uci_generate() {
	local alt linkbeat tmp
	KA_OUT="$1"
	config_load "${2:-keepalived}"
	alt=
	config_get alt globals alt_config_file
	if [ -n "$alt" ] && [ -f "$alt" ]; then
		rm -f "$KA_OUT"
		ln -s "$alt" "$KA_OUT"
		return 0
	fi
	if ! ka_has_instances && [ -f "$KEEPALIVED_HANDWRITTEN" ]; then
		rm -f "$KA_OUT"
		ln -s "$KEEPALIVED_HANDWRITTEN" "$KA_OUT"
		return 0
	fi
	# written beside the target then renamed, so a reload never reads half a file
	tmp="$KA_OUT.tmp"
	KA_OUT="$tmp"
	rm -f "$KA_OUT"
	ka_out '! Configuration file for keepalived (autogenerated from /etc/config/%s)\n\n' "${2:-keepalived}"
	config_get_bool linkbeat globals linkbeat_use_polling 0
	[ "$linkbeat" = 1 ] && ka_out 'linkbeat_use_polling\n\n'
	ka_open global_defs
	config_foreach ka_globals globals
	ka_close
	ka_open static_ipaddress
	config_foreach ka_static_ipaddress static_ipaddress
	ka_close
	ka_open static_routes
	config_foreach ka_static_routes static_routes
	ka_close
	ka_open interface_up_down_delays
	config_foreach ka_up_down_delays interface_up_down_delays
	ka_close
	config_foreach ka_vrrp_script vrrp_script
	config_foreach ka_bfd_instance bfd_instance
	config_foreach ka_sync_group vrrp_sync_group
	config_foreach ka_vrrp_instance vrrp_instance
	config_foreach ka_virtual_server virtual_server
	mv -f "$tmp" "$1"
	KA_OUT="$1"
}
