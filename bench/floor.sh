#!/bin/bash
# bench/floor.sh start | stop OUT  (runs in the guest)
#
# The runtime's in-kernel floor: the time from the hard IRQ to the DPC,
# kp:kp_irq_entry -> kp:kp_dpc_entry of the same (dev, vector), measured in
# the kernel with ftrace hist triggers: the entry stores common_timestamp
# (ns) in a variable, the DPC's trigger emits a synthetic event
# kpbench_floor with the difference.  A private trace instance keeps the
# records apart from anything else.  stop writes one latency (ns) a line.
set -eu
T=/sys/kernel/tracing
I=$T/instances/kpbench
ENTRY='hist:keys=dev,vector:ts0=common_timestamp'
MATCH='hist:keys=dev,vector:lat=common_timestamp-$ts0:onmatch(kp.kp_irq_entry).trace(kpbench_floor,dev,vector,$lat)'
case "$1" in
start)
	[ -d "$T/events/kp/kp_irq_entry" ] ||
		{ echo "floor: no kp tracepoints (kp_runtime not loaded)" >&2; exit 1; }
	mkdir "$I"
	echo 'kpbench_floor u32 dev; u32 vector; u64 lat' >> "$T/synthetic_events"
	echo 16384 > "$I/buffer_size_kb"
	echo "$ENTRY" >> "$I/events/kp/kp_irq_entry/trigger"
	echo "$MATCH" >> "$I/events/kp/kp_dpc_entry/trigger"
	echo 1 > "$I/events/synthetic/kpbench_floor/enable"
	;;
stop)
	echo 0 > "$I/events/synthetic/kpbench_floor/enable"
	sed -n 's/.*kpbench_floor: .* lat=\([0-9]*\).*/\1/p' "$I/trace" > "$2"
	echo "!$MATCH" >> "$I/events/kp/kp_dpc_entry/trigger"
	echo "!$ENTRY" >> "$I/events/kp/kp_irq_entry/trigger"
	echo '!kpbench_floor' >> "$T/synthetic_events"
	rmdir "$I"
	;;
*)
	echo "usage: floor.sh start | stop OUT" >&2
	exit 2
	;;
esac
