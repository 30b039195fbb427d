// SPDX-License-Identifier: GPL-2.0
/*
 * kp_rt - a benchmark plugin for QEMU's edu (1234:11e8) that isolates the
 * runtime: it installs no interrupt callbacks, so every MSI requests a
 * DPC, the runtime notifies user mode from the hard IRQ itself (no
 * tasklet: there is no DPC callback to defer) and user mode acks edu
 * through its own mapping of BAR0, exactly as a VFIO driver does.  Its
 * KP_Call does nothing (dwResult 0) whatever the message and data size,
 * so a call measures the runtime's copy-in, dispatch and copy-out alone.
 * The kp_edu rows of the benchmark show a real plugin's costs on top.
 */
#include <linux/module.h>
#include <linux/pci.h>

#include <kp/kp_plugin.h>

#define KP_RT_DRIVER_NAME	"kp_rt"

static void __cdecl kp_rt_close(PVOID pDrvContext)
{
}

static void __cdecl kp_rt_call(PVOID pDrvContext,
			       WD_KERNEL_PLUGIN_CALL *kpCall,
			       BOOL fIsKernelMode)
{
	kpCall->dwResult = 0;
}

/* Interrupts: KP_IntEnable accepts; no KP_IntAt* callbacks at all. */
static BOOL __cdecl kp_rt_int_enable(PVOID pDrvContext,
				     WD_KERNEL_PLUGIN_CALL *kpCall,
				     PVOID *ppIntContext)
{
	*ppIntContext = pDrvContext;
	kpCall->dwResult = 0;
	return TRUE;
}

static void __cdecl kp_rt_int_disable(PVOID pIntContext)
{
}

static BOOL __cdecl kp_rt_open(KP_OPEN_CALL *kpOpenCall, HANDLE hWD,
			       PVOID pOpenData, PVOID *ppDrvContext)
{
	kpOpenCall->funcClose = kp_rt_close;
	kpOpenCall->funcCall = kp_rt_call;
	kpOpenCall->funcIntEnable = kp_rt_int_enable;
	kpOpenCall->funcIntDisable = kp_rt_int_disable;
	*ppDrvContext = hWD;
	return TRUE;
}

BOOL __cdecl KP_Init(KP_INIT *kpInit)
{
	if (kpInit->dwVerWD != WD_VER)
		return FALSE;
	kpInit->funcOpen = kp_rt_open;
	strscpy(kpInit->cDriverName, KP_RT_DRIVER_NAME,
		sizeof(kpInit->cDriverName));
	return TRUE;
}

static const struct pci_device_id kp_rt_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, kp_rt_ids);

KP_PLUGIN(kp_rt_ids);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kpgen benchmark plugin: edu without interrupt callbacks");
