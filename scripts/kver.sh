#!/bin/sh
# Prints the version of the Debian amd64 kernel the QEMU target boots: the
# newest one that has its image, modules and build headers installed, of
# the standard flavour (a PREEMPT_RT -rt-amd64 kernel is only used when
# KVER names it).  KVER in the environment wins.  Never hard-code a version
# anywhere else.
set -eu
if [ -n "${KVER:-}" ]; then
	echo "$KVER"
	exit 0
fi
best=
for dir in /lib/modules/*-amd64; do
	[ -d "$dir" ] || continue
	v=${dir##*/}
	case "$v" in *-rt-amd64) continue ;; esac
	[ -f "/boot/vmlinuz-$v" ] && [ -d "$dir/build" ] || continue
	best="$best$v
"
done
v=$(printf '%s' "$best" | sort -V | tail -n 1)
if [ -z "$v" ]; then
	echo "kver.sh: no Debian amd64 kernel with headers found (run 'make deps')" >&2
	exit 1
fi
echo "$v"
