#!/bin/sh
# Prints the kernel build directory modules are built against: $KDIR if set,
# else the QEMU target kernel's (see kver.sh).  On a real machine, build
# for the running kernel with KDIR=/lib/modules/$(uname -r)/build.
set -eu
if [ -n "${KDIR:-}" ]; then
	echo "$KDIR"
	exit 0
fi
echo "/lib/modules/$("$(dirname "$0")/kver.sh")/build"
