#!/bin/bash
# The guest half of make demo (see demo.sh): runs as root in the target.
set -euo pipefail
proj=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
diag="$proj/edu_diag --script"
kpstat="$top/bpf/build/kpstat"
N=2000

echo "guest kernel $(uname -r); edu at $(grep -l 0x11e8 /sys/bus/pci/devices/*/device | cut -d/ -f6)"
insmod "$top/runtime/kernel/kp_runtime.ko"
insmod "$proj/edu_kp.ko"
trap 'rmmod edu_kp kp_runtime 2>/dev/null || true' EXIT
echo "loaded: $(ls /dev/kp/)"

printf '\n-- KP_Call\n'
$diag call version
$diag call factorial n=10	# 10! = 3628800 = 0x375f00

printf '\n-- interrupts (%d each, raised one at a time through BAR0 0x60)\n' $N
$kpstat -d edu0 >"$KP_SHARE/kpstat.txt" 2>&1 &
kp=$!
sleep 2 # kpstat attaches
$diag irq --mode msi --count $N
$diag irq --mode intx --count $N
$diag irq --mode intx --trans --count $N
kill -INT $kp
wait $kp

printf '\n-- runtime counters (/sys/class/kp/edu0)\n'
for c in interrupts spurious dpcs dpc_count_sum notifications lost; do
	printf '%-14s %s\n' "$c" "$(cat /sys/class/kp/edu0/$c)"
done

printf '\n-- kpstat -d edu0 (eBPF on the runtime tracepoints, same window)\n'
cat "$KP_SHARE/kpstat.txt"
