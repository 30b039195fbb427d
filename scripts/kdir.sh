#!/bin/sh
# Prints the kernel build directory modules are built against: $KDIR if set,
# else that of the kernel the QEMU target boots (kernel.sh; KERNEL=...).  On
# a real machine, build for the running kernel with
# KDIR=/lib/modules/$(uname -r)/build.
set -eu
if [ -n "${KDIR:-}" ]; then
	echo "$KDIR"
	exit 0
fi
exec "$(dirname "$0")/kernel.sh" kdir
