/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_callbacks.h - prototypes of the Kernel PlugIn reference's
 * conventional callback names (B.6.2 - B.6.11), for plugins written as in
 * the reference: non-static KP_Open, KP_Call, ... defined after the code
 * that installs them.  A plugin with its own names (KP_MyKP_Open, static
 * functions) does not include this header; <kp/kp_plugin.h> declares only
 * KP_Init, the one name the runtime relies on.  (__cdecl is empty on
 * Linux, so these match the reference's "BOOL __cdecl KP_Open(...)".)
 */
#ifndef _KP_CALLBACKS_H
#define _KP_CALLBACKS_H

#include <kp/kp_plugin.h>

BOOL KP_Open(KP_OPEN_CALL *kpOpenCall, HANDLE hWD, PVOID pOpenData,
	     PVOID *ppDrvContext);
void KP_Close(PVOID pDrvContext);
void KP_Call(PVOID pDrvContext, WD_KERNEL_PLUGIN_CALL *kpCall,
	     BOOL fIsKernelMode);
BOOL KP_Event(PVOID pDrvContext, WD_EVENT *wd_event);
BOOL KP_IntEnable(PVOID pDrvContext, WD_KERNEL_PLUGIN_CALL *kpCall,
		  PVOID *ppIntContext);
void KP_IntDisable(PVOID pIntContext);
BOOL KP_IntAtIrql(PVOID pIntContext, BOOL *pfIsMyInterrupt);
DWORD KP_IntAtDpc(PVOID pIntContext, DWORD dwCount);
BOOL KP_IntAtIrqlMSI(PVOID pIntContext, ULONG dwLastMessage,
		     DWORD dwReserved);
DWORD KP_IntAtDpcMSI(PVOID pIntContext, DWORD dwCount,
		     ULONG dwLastMessage, DWORD dwReserved);

/*
 * The reference's MSI example is named KP_PCI_IntAtIrqlMSI (the name used
 * in the vendor's PCI sample) while its KP_Open installs KP_IntAtIrqlMSI.
 * Map the sample's name onto the conventional one so the reference code
 * builds as written.  Define KP_NO_REFERENCE_ALIASES to turn this off.
 */
#ifndef KP_NO_REFERENCE_ALIASES
#define KP_PCI_IntAtIrqlMSI KP_IntAtIrqlMSI
#endif

#endif /* _KP_CALLBACKS_H */
