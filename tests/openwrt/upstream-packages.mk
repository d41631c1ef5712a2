# The package definitions around ours, as their Makefiles declare them (names and dependency
# fields only), for tests/openwrt/pkgdeps.py: openwrt/packages net/keepalived (keepalived 2.3.3,
# PKG_RELEASE 3: keepalived and keepalived-sync) and openwrt/luci applications/luci-app-keepalived
# (LUCI_DEPENDS). Not a Makefile that builds anything.

define Package/keepalived
  DEPENDS:= +libnl-genl +libmagic +libkmod +kmod-nf-ipvs +libjson-c \
    +KEEPALIVED_NFTABLES:libnftnl +KEEPALIVED_VRRP:kmod-macvlan +KEEPALIVED_VRRP:libnl-route \
    +KEEPALIVED_VRRP:libnfnetlink +KEEPALIVED_SHA1:libopenssl +KEEPALIVED_IPTABLES:libip4tc \
    +KEEPALIVED_IP6TABLES:libip6tc +KEEPALIVED_IPTABLES:libxtables +KEEPALIVED_IPTABLES:libipset \
    +KEEPALIVED_DBUS:glib2
endef

define Package/keepalived-sync
  DEPENDS:= +keepalived +rsync +inotifywait +sudo +coreutils-timeout
endef

define Package/luci-app-keepalived
  DEPENDS:= +luci-base +keepalived +keepalived-sync
endef

# packages of other feeds, present in any tree that has the packages and luci feeds
EXTERNAL := libnl-genl libmagic libkmod kmod-nf-ipvs libjson-c libnftnl kmod-macvlan libnl-route \
  libnfnetlink libopenssl libip4tc libip6tc libxtables libipset glib2 rsync inotifywait sudo \
  coreutils-timeout luci-base

# what the stock keepalived-sync installs (its Package/keepalived-sync/install), which ours must too
STOCK_SYNC_FILES := /etc/init.d/keepalived-inotify /usr/share/keepalived/scripts/rsync.sh \
  /etc/keepalived/scripts/rsync.sh /usr/bin/keepalived-rsync-inotify \
  /lib/functions/keepalived/hotplug.sh /lib/functions/keepalived/common.sh \
  /usr/libexec/keepalived/rpc/sync.sh /etc/hotplug.d/keepalived/501-rpcd \
  /etc/hotplug.d/keepalived/505-system /etc/hotplug.d/keepalived/511-firewall \
  /etc/hotplug.d/keepalived/551-dnsmasq /etc/hotplug.d/keepalived/555-dropbear \
  /etc/hotplug.d/keepalived/600-uhttpd /etc/hotplug.d/keepalived/700-luci \
  /etc/hotplug.d/keepalived/810-files
