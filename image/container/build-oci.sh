#!/bin/sh
# Writes the container image as an OCI image layout (a directory `skopeo`, `podman load`-free
# `podman run oci:DIR`, `crane` or a registry push can take) without a container daemon or root:
# tar, gzip, sha256sum and jq. The layer is reproducible (sorted names, mtime 0, uid/gid 0).
#
#   image/container/build-oci.sh OUT_DIR [scratch|busybox]
#   BIN=target/cross/x86_64-unknown-linux-musl/keepalived  (default; must be static)
#   BUSYBOX=/bin/busybox  (busybox variant: a static BusyBox, Debian's busybox-static)
#   ARCH=amd64
#
# scratch: what Containerfile builds. busybox: the same plus a static BusyBox with its applets
# linked in /bin, for vrrp_script and notify scripts written in sh (kubeadm's check_apiserver.sh).
# Both: no config (the user mounts one or sets the KEEPALIVED_* variables), ENTRYPOINT
# keepalived -n -l, STOPSIGNAL SIGTERM.
set -eu

OUT=${1:?usage: build-oci.sh OUT_DIR [scratch|busybox]}
VARIANT=${2:-scratch}
BIN=${BIN:-target/cross/x86_64-unknown-linux-musl/keepalived}
BUSYBOX=${BUSYBOX:-/bin/busybox}
ARCH=${ARCH:-amd64}

[ -f "$BIN" ] || { echo "build-oci.sh: no binary at $BIN (cross/build.sh, or set BIN)" >&2; exit 1; }
case $VARIANT in
scratch | busybox) ;;
*) echo "build-oci.sh: variant must be scratch or busybox, not $VARIANT" >&2; exit 1 ;;
esac

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
mkdir -p "$root/usr/sbin" "$root/run" "$root/tmp" "$root/etc/keepalived"
chmod 1777 "$root/tmp"
cp "$BIN" "$root/usr/sbin/keepalived"
chmod 755 "$root/usr/sbin/keepalived"
if [ "$VARIANT" = busybox ]; then
	[ -f "$BUSYBOX" ] || { echo "build-oci.sh: no BusyBox at $BUSYBOX" >&2; exit 1; }
	mkdir -p "$root/bin"
	cp "$BUSYBOX" "$root/bin/busybox"
	chmod 755 "$root/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
	done
fi

mkdir -p "$OUT/blobs/sha256"
# blob FILE: moves FILE into the layout under its digest, prints "DIGEST SIZE"
blob() {
	d=$(sha256sum "$1" | cut -d' ' -f1)
	s=$(stat -c %s "$1")
	mv "$1" "$OUT/blobs/sha256/$d"
	echo "$d $s"
}

(cd "$root" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$stage/layer.tar" .)
diff_id=$(sha256sum "$stage/layer.tar" | cut -d' ' -f1)
gzip -n -9 "$stage/layer.tar"
r=$(blob "$stage/layer.tar.gz")
layer_digest=${r% *} layer_size=${r#* }

path=/usr/sbin:/usr/bin:/sbin:/bin
jq -n --arg arch "$ARCH" --arg diff "sha256:$diff_id" --arg path "PATH=$path" --arg v "$VARIANT" '{
	architecture: $arch, os: "linux",
	config: {
		Entrypoint: ["/usr/sbin/keepalived", "-n", "-l"],
		Env: [$path], StopSignal: "SIGTERM", WorkingDir: "/",
		Labels: {
			"org.opencontainers.image.title": ("keepalived-rs" + (if $v == "busybox" then "-busybox" else "" end)),
			"org.opencontainers.image.licenses": "GPL-2.0-or-later"
		}
	},
	rootfs: {type: "layers", diff_ids: [$diff]}
}' >"$stage/config.json"
r=$(blob "$stage/config.json")
config_digest=${r% *} config_size=${r#* }

jq -n --arg cd "sha256:$config_digest" --argjson cs "$config_size" \
	--arg ld "sha256:$layer_digest" --argjson ls "$layer_size" '{
	schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
	config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
	layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $ld, size: $ls}]
}' >"$stage/manifest.json"
r=$(blob "$stage/manifest.json")
manifest_digest=${r% *} manifest_size=${r#* }

jq -n --arg md "sha256:$manifest_digest" --argjson ms "$manifest_size" --arg arch "$ARCH" --arg v "$VARIANT" '{
	schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
	manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md, size: $ms,
		platform: {architecture: $arch, os: "linux"},
		annotations: {"org.opencontainers.image.ref.name": $v}}]
}' >"$OUT/index.json"
echo '{"imageLayoutVersion": "1.0.0"}' >"$OUT/oci-layout"
echo "$OUT: $VARIANT image, manifest sha256:$manifest_digest, layer $layer_size bytes"
