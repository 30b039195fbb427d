#!/bin/sh
# mkinitramfs.sh KVER OUT - the target's tiny initramfs: busybox, the
# virtio/9p modules of kernel KVER (in load order) and target/init.
set -eu
kver=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
mods="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
netfs fscache 9pnet 9pnet_virtio 9p"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/lib/kp" "$work/proc" "$work/sys" "$work/dev" \
	"$work/host" "$work/hosttmp"
cp /bin/busybox "$work/bin/busybox"
ln -s busybox "$work/bin/sh"
for m in $mods; do
	f=$(find "/lib/modules/$kver/kernel" -name "$m.ko*" | head -n 1)
	if [ -z "$f" ]; then
		echo "mkinitramfs: module $m not found for $kver" >&2
		exit 1
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
mkdir -p "$(dirname "$out")"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
