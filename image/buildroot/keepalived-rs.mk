################################################################################
#
# keepalived-rs
#
################################################################################

# Copy this directory to package/keepalived-rs (or a BR2_EXTERNAL tree) and source its Config.in.
# For a local checkout instead of a release tarball, put
#   KEEPALIVED_RS_OVERRIDE_SRCDIR = /path/to/keepalived-rs
# in local.mk; Cargo.lock is committed, so the build stays --locked.
KEEPALIVED_RS_VERSION = 0.1.0
KEEPALIVED_RS_SITE = $(call github,keepalived-rs,keepalived-rs,v$(KEEPALIVED_RS_VERSION))
KEEPALIVED_RS_LICENSE = GPL-2.0-or-later
# KEEPALIVED_RS_LICENSE_FILES = LICENSE  (once the repository ships a LICENSE file)

# Rust musl targets link statically by default; say so explicitly so a toolchain wrapper that
# flips the default cannot bring back a runtime dependency on the C library's .so.
ifeq ($(BR2_TOOLCHAIN_USES_MUSL),y)
KEEPALIVED_RS_CARGO_ENV += \
	CARGO_TARGET_$(call UPPERCASE,$(RUSTC_TARGET_NAME))_RUSTFLAGS="-C target-feature=+crt-static"
endif

KEEPALIVED_RS_CARGO_BUILD_OPTS = --bin keepalived

# SSL_GET and genhash -S; rustls with ring, whose C and assembly parts the target CC builds
ifeq ($(BR2_PACKAGE_KEEPALIVED_RS_TLS),y)
KEEPALIVED_RS_CARGO_BUILD_OPTS += --features tls
endif

KEEPALIVED_RS_BUILD_PROFILE = $(if $(BR2_ENABLE_DEBUG),debug,release)

# cargo install would put the binary in /usr/bin; keepalived lives in /usr/sbin. The binary acts
# as genhash when called by that name, found in /usr/bin as on Debian and OpenWrt.
define KEEPALIVED_RS_INSTALL_TARGET_CMDS
	$(INSTALL) -D -m 0755 \
		$(@D)/target/$(RUSTC_TARGET_NAME)/$(KEEPALIVED_RS_BUILD_PROFILE)/keepalived \
		$(TARGET_DIR)/usr/sbin/keepalived
	ln -sf ../sbin/keepalived $(TARGET_DIR)/usr/bin/genhash
	$(INSTALL) -D -m 0644 $(@D)/config/router-pair.conf \
		$(TARGET_DIR)/etc/keepalived/keepalived.conf.sample
endef

define KEEPALIVED_RS_INSTALL_INIT_SYSTEMD
	$(INSTALL) -D -m 0644 $(@D)/image/systemd/keepalived.service \
		$(TARGET_DIR)/usr/lib/systemd/system/keepalived.service
endef

define KEEPALIVED_RS_INSTALL_INIT_SYSV
	$(INSTALL) -D -m 0755 $(@D)/image/buildroot/S50keepalived \
		$(TARGET_DIR)/etc/init.d/S50keepalived
endef

$(eval $(cargo-package))
