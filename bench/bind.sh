#!/bin/bash
# bench/bind.sh BDF DRIVER - (re)binds a PCI device to DRIVER with
# driver_override + unbind/bind through sysfs; DRIVER "none" leaves it
# unbound.  Loads uio_pci_generic / vfio-pci on demand.  Runs in the guest.
set -eu
bdf=$1 drv=$2
d=/sys/bus/pci/devices/$bdf
[ -d "$d" ] || { echo "bind: no device $bdf" >&2; exit 1; }
if [ -e "$d/driver" ]; then
	cur=$(basename "$(readlink "$d/driver")")
	[ "$cur" = "$drv" ] && exit 0
	echo "$bdf" > "$d/driver/unbind"
fi
if [ "$drv" = none ]; then
	echo > "$d/driver_override"
	exit 0
fi
case "$drv" in
uio_pci_generic|vfio-pci) modprobe "${drv//-/_}" ;;
esac
echo "$drv" > "$d/driver_override"
[ -d "/sys/bus/pci/drivers/$drv" ] || { echo "bind: no driver $drv" >&2; exit 1; }
echo "$bdf" > "/sys/bus/pci/drivers/$drv/bind"
cur=$(basename "$(readlink "$d/driver")")
[ "$cur" = "$drv" ] || { echo "bind: $bdf is bound to $cur, not $drv" >&2; exit 1; }
