#!/bin/sh
# Prints the version of the kernel the QEMU target boots (KERNEL=standard,
# threadirqs, rt or debug; KVER wins).  The choice lives in kernel.sh.
exec "$(dirname "$0")/kernel.sh" kver
