#!/bin/sh
# deps.sh [KERNEL...] - installs everything kpgen needs from Debian's
# packages, plus what the named target kernels need (scripts/kernel.sh):
#   rt      Debian's PREEMPT_RT image and headers (~70 MB download)
#   debug   the tools that build the debug kernel from linux-source
#   standard, threadirqs   nothing more
# Idempotent: quiet and quick when all is present.  Run as root (make deps,
# make deps KERNEL=rt).
set -eu
pkgs="gcc make git pkg-config cpio kmod xz-utils pciutils procps
clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
linux-headers-amd64 linux-image-amd64 linux-source qemu-system-x86 busybox-static
python3 python3-jinja2 python3-yaml python3-pytest python3-matplotlib
python3-jsonschema python3-ruamel.yaml python3-venv python3-setuptools
libbpf-tools bpftrace
debhelper dh-dkms dkms dh-python python3-all pybuild-plugin-pyproject
dpkg-dev lintian help2man udev"
for k in "$@"; do
	case "$k" in
	standard | threadirqs) ;;
	rt) pkgs="$pkgs linux-image-rt-amd64 linux-headers-rt-amd64" ;;
	debug) pkgs="$pkgs flex bison dwarves libssl-dev bc libelf-dev" ;;
	*)
		echo "deps: unknown kernel $k (standard, threadirqs, rt or debug)" >&2
		exit 2
		;;
	esac
done

missing=
for p in $pkgs; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
if [ -z "$missing" ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run 'make deps' as root)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The QEMU target boots the newest installed Debian kernel of each flavour;
# it needs the headers of exactly that version.
for k in "$@" standard; do
	case "$k" in
	standard | rt) KERNEL=$k "$(dirname "$0")/kver.sh" >/dev/null ;;
	esac
done
