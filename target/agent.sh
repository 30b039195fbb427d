#!/bin/bash
# The command agent, run inside the guest's chroot.  The host sends lines
# over the second serial port (/dev/ttyS1):
#   HELLO <nonce>      -> answered with "KP-READY <nonce>"
#   RUN <id>           -> runs $KP_SHARE/cmd/<id>.sh with bash, output to
#                         <id>.out, then answers "KP-DONE <id> <status>"
#   POWEROFF           -> powers the guest off
# Commands run as root with the repo (read-only) as the working directory.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8 TMPDIR=/tmp
mkdir -p /tmp /run/lock
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3<>/dev/ttyS1
while IFS= read -r line <&3; do
	line=${line%$'\r'}
	case "$line" in
	"HELLO "*)
		printf 'KP-READY %s\n' "${line#HELLO }" >&3
		;;
	"RUN "*)
		id=${line#RUN }
		(cd "$KP_REPO" && exec bash "$KP_SHARE/cmd/$id.sh") \
			>"$KP_SHARE/cmd/$id.out" 2>&1 </dev/null
		printf 'KP-DONE %s %d\n' "$id" "$?" >&3
		;;
	POWEROFF)
		sync
		echo o >/proc/sysrq-trigger
		;;
	esac
done
