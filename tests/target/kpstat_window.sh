#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kpstat_window.sh MODE COUNT HARDIRQS [KPSTAT_ARGS]  (guest side of
# test_kpstat.py)
#
# One tracing window around COUNT edu interrupts raised one at a time
# (kp_irqwin, MODE msi|intx), with three tracers running at once:
#   kp     kpstat -d kp_edu0 --json -s 1 KPSTAT_ARGS   (kp mode)
#   all    kpstat --all-irqs --json 1           (generic mode)
#   hirq   HARDIRQS -C                          (libbpf-tools)
# The IRQ is allocated before the tracers start and freed after they end,
# so the window holds the raises and nothing else of the edu device.
#
# Order: kp_irqwin enables interrupts and waits -> tracers start -> each
# has taken its first snapshot (kpstat printed its first interval report,
# hardirqs printed "Tracing") -> the raises -> SIGINT to the tracers
# (totals) -> kp_irqwin disables interrupts.
# Prints every output as "@@ NAME" followed by its lines.  Builtins only
# in the polling loops: every exec is slow in the TCG guest.
set -u
MODE=$1 COUNT=$2 HARDIRQS=$3 KP_ARGS=${4:-}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
D=$(mktemp -d /tmp/kpstat-window.XXXXXX)

lines() {	# lines FILE -> number of lines, no fork
	local -a l=()
	[ -r "$1" ] && mapfile -t l < "$1"
	echo ${#l[@]}
}

wait_until() {	# wait_until WHAT COMMAND...: poll for up to 120 s
	local what=$1 i
	shift
	for ((i = 0; i < 600; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	echo "timeout waiting for $what" >&2
	return 1
}

has_lines() { [ "$(lines "$1")" -ge "$2" ]; }

"$REPO/tests/target/progs/build/kp_irqwin" --dev /dev/kp/kp_edu0 \
	--mode "$MODE" --count "$COUNT" --go "$D/go" --release "$D/release" \
	> "$D/irqwin" 2>&1 &
win=$!
rc=0
wait_until "kp_irqwin ready" has_lines "$D/irqwin" 1 || rc=1

# shellcheck disable=SC2086	# KP_ARGS are words
"$REPO/bpf/build/kpstat" -d kp_edu0 --json -s 1 $KP_ARGS > "$D/kp" \
	2> "$D/kp.err" &
kp=$!
"$REPO/bpf/build/kpstat" --all-irqs --json 1 > "$D/all" 2> "$D/all.err" &
all=$!
stdbuf -oL "$HARDIRQS" -C > "$D/hirq" 2>&1 &
hirq=$!
ready() { has_lines "$D/kp" 1 && has_lines "$D/all" 1 && has_lines "$D/hirq" 1; }
[ $rc = 0 ] && { wait_until "tracers" ready || rc=1; }

touch "$D/go"
[ $rc = 0 ] && { wait_until "the raises" has_lines "$D/irqwin" 2 || rc=1; }
kill -INT $kp $all $hirq
wait $kp $all $hirq
touch "$D/release"
wait $win

for f in irqwin kp kp.err all all.err hirq; do
	echo "@@ $f"
	cat "$D/$f"
done
echo "@@ trace_sample"
cat /sys/module/kp_runtime/parameters/trace_sample
rm -rf "$D"
exit $rc
