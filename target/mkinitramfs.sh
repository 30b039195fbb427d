#!/bin/sh
# mkinitramfs.sh MODDIR OUT - the target's tiny initramfs: busybox, the
# virtio/9p/overlay modules from MODDIR (a kernel's /lib/modules/<version>,
# in load order; those built into the kernel are skipped) and target/init.
set -eu
moddir=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
mods="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
netfs fscache 9pnet 9pnet_virtio 9p overlay"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/lib/kp" "$work/proc" "$work/sys" "$work/dev" \
	"$work/host" "$work/hosttmp" "$work/ovl"
cp /bin/busybox "$work/bin/busybox"
ln -s busybox "$work/bin/sh"
: >"$work/lib/kp/order"
for m in $mods; do
	if grep -q "/$m\.ko\$" "$moddir/modules.builtin" 2>/dev/null; then
		continue
	fi
	f=$(find "$moddir/kernel" -name "$m.ko*" | head -n 1)
	if [ -z "$f" ]; then
		# Only there in some kernels (virtio_pci_legacy_dev since 5.16,
		# netfs as a module since 5.13): nothing depends on it elsewhere.
		if grep -q "/$m\.ko" "$moddir/modules.dep"; then
			echo "mkinitramfs: module $m of $moddir not found" >&2
			exit 1
		fi
		continue
	fi
	case "$f" in
	*.ko.xz) xz -dc "$f" >"$work/lib/kp/$m.ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$work/lib/kp/$m.ko" ;;
	*.ko.gz) gzip -dc "$f" >"$work/lib/kp/$m.ko" ;;
	*) cp "$f" "$work/lib/kp/$m.ko" ;;
	esac
	echo "$m" >>"$work/lib/kp/order"
done
cp "$here/init" "$work/init"
chmod +x "$work/init"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
