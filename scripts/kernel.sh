#!/bin/sh
# kernel.sh [FIELD] - the kernel the QEMU target boots and modules build for,
# chosen by KERNEL (the one place that knows the choices):
#   standard    Debian's linux-image-amd64 (default)
#   threadirqs  the same kernel booted with `threadirqs` (forced IRQ threads)
#   rt          Debian's PREEMPT_RT linux-image-rt-amd64
#   debug       lockdep/KASAN/kmemleak kernel built from linux-source
#               (scripts/debug-kernel.sh; `make kernel KERNEL=debug`)
# A Debian kernel is the newest installed one of its flavour that has its
# image, modules and headers; KVER=<version> picks one by version (a
# *-rt-amd64 version implies KERNEL=rt).  Never hard-code a version elsewhere.
#
# Prints FIELD (kernel, kver, kdir, image, moddir, append) or, without one,
# all of them as NAME=value lines.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
kernel=${KERNEL:-}
kver=${KVER:-}

die() { echo "kernel.sh: $*" >&2; exit 1; }

if [ -z "$kernel" ]; then
	case "$kver" in
	*-rt-amd64) kernel=rt ;;
	*-kpdebug) kernel=debug ;;
	*) kernel=standard ;;
	esac
fi

newest_debian() { # $1: rt or std
	best=
	for dir in /lib/modules/*-amd64; do
		[ -d "$dir" ] || continue
		v=${dir##*/}
		case "$1:$v" in
		rt:*-rt-amd64) ;;
		rt:*) continue ;;
		std:*-rt-amd64) continue ;;
		esac
		[ -f "/boot/vmlinuz-$v" ] && [ -d "$dir/build" ] || continue
		best="$best$v
"
	done
	printf '%s' "$best" | sort -V | tail -n 1
}

append=
case "$kernel" in
standard | threadirqs | rt)
	[ "$kernel" = threadirqs ] && append=threadirqs
	if [ -z "$kver" ]; then
		if [ "$kernel" = rt ]; then
			kver=$(newest_debian rt)
			[ -n "$kver" ] || die "no PREEMPT_RT kernel with headers installed (run 'make deps KERNEL=rt')"
		else
			kver=$(newest_debian std)
			[ -n "$kver" ] || die "no Debian amd64 kernel with headers found (run 'make deps')"
		fi
	fi
	image=/boot/vmlinuz-$kver
	moddir=/lib/modules/$kver
	kdir=$moddir/build
	;;
debug)
	dir=$("$here/debug-kernel.sh" --dir)
	v=$(cat "$dir/kernelrelease")
	[ -z "$kver" ] || [ "$kver" = "$v" ] ||
		die "KVER=$kver but the debug kernel is $v"
	kver=$v
	# Every KASAN report, not only the first of the boot; 4-level paging,
	# since with -cpu max's LA57 an interrupt during early boot makes KASAN
	# report a wild access into the 5-level direct map, then the boot hangs.
	append="kasan_multi_shot no5lvl"
	image=$dir/bzImage
	moddir=$dir/root/lib/modules/$kver
	kdir=$dir/linux
	;;
*)
	die "unknown KERNEL=$kernel (standard, threadirqs, rt or debug)"
	;;
esac

case "${1:-}" in
kernel) echo "$kernel" ;;
kver) echo "$kver" ;;
kdir) echo "$kdir" ;;
image) echo "$image" ;;
moddir) echo "$moddir" ;;
append) echo "$append" ;;
"")
	echo "kernel=$kernel"
	echo "kver=$kver"
	echo "kdir=$kdir"
	echo "image=$image"
	echo "moddir=$moddir"
	echo "append=$append"
	;;
*) die "unknown field $1" ;;
esac
