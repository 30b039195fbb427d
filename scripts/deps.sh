#!/bin/sh
# Installs everything kpgen needs from Debian's packages.  Idempotent: quiet
# and quick when all is present.  Run as root (make deps).
set -eu
pkgs="gcc make git pkg-config cpio kmod xz-utils pciutils procps
clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
linux-headers-amd64 linux-image-amd64 linux-source qemu-system-x86 busybox-static
python3 python3-jinja2 python3-yaml python3-pytest python3-matplotlib
python3-jsonschema python3-ruamel.yaml python3-venv python3-setuptools
libbpf-tools bpftrace"

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
# The QEMU target boots the newest installed Debian kernel; it needs the
# headers of exactly that version.
"$(dirname "$0")/kver.sh" >/dev/null
