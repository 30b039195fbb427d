// SPDX-License-Identifier: GPL-2.0
/*
 * kp_reference.c - every example callback of the Kernel PlugIn reference
 * (B.6.1 - B.6.11), copied verbatim, assembled into a plugin for QEMU's
 * edu device.  Only the user's types (kp_reference.h), this header block
 * and the module boilerplate at the end were added; the example code is
 * deliberately not reformatted.
 *
 * Driver name "KPDriver": the device appears as /dev/kp/KPDriver0.
 */
#include <kp/kp_callbacks.h>

#include "kp_reference.h"

/* ---- B.6.1 KP_Init ------------------------------------------------ */
BOOL __cdecl KP_Init(KP_INIT *kpInit)
{
  /* Check if the version of the WinDriver Kernel
     PlugIn library is the same version
     as windrvr.h and wd_kp.h */
  if (kpInit->dwVerWD != WD_VER)
  {
      /* You need to re-compile your Kernel PlugIn
         with the compatible version of the WinDriver
         Kernel PlugIn library, windrvr.h and wd_kp.h */
     return FALSE;
  }

  kpInit->funcOpen = KP_Open;
  strcpy (kpInit->cDriverName, "KPDriver");  /* Up to 12 chars */

  return TRUE;
}

/* ---- B.6.2 KP_Open ------------------------------------------------ */
BOOL __cdecl KP_Open(KP_OPEN_CALL *kpOpenCall, HANDLE hWD,
            PVOID pOpenData, PVOID *ppDrvContext)
{
    kpOpenCall->funcClose = KP_Close;
    kpOpenCall->funcCall = KP_Call;
    kpOpenCall->funcIntEnable = KP_IntEnable;
    kpOpenCall->funcIntDisable = KP_IntDisable;
    kpOpenCall->funcIntAtIrql = KP_IntAtIrql;
    kpOpenCall->funcIntAtDpc = KP_IntAtDpc;
    kpOpenCall->funcIntAtIrqlMSI = KP_IntAtIrqlMSI;
    kpOpenCall->funcIntAtDpcMSI = KP_IntAtDpcMSI;
    kpOpenCall->funcEvent = KP_Event;

    /* You can allocate driver context memory here: */
    *ppDrvContext = malloc(sizeof(MYDRV_STRUCT));
    return *ppDrvContext!=NULL;
}

/* ---- B.6.3 KP_Close ----------------------------------------------- */
void __cdecl KP_Close(PVOID pDrvContext)
{
   if (pDrvContext)
        free(pDrvContext); /* Free allocated driver context memory */
}

/* ---- B.6.4 KP_Call ------------------------------------------------ */
void __cdecl KP_Call(PVOID pDrvContext,
   WD_KERNEL_PLUGIN_CALL *kpCall, BOOL fIsKernelMode)
{
    kpCall->dwResult = MY_DRV_OK;
    switch (kpCall->dwMessage)
    {
        /* In this sample we implement a GetVersion message */
        case MY_DRV_MSG_VERSION:
            {
              DWORD dwVer = 100;
              MY_DRV_VERSION *ver = (MY_DRV_VERSION *)kpCall->pData;
              COPY_TO_USER_OR_KERNEL(&ver->dwVer, &dwVer,
                  sizeof(DWORD), fIsKernelMode);
              COPY_TO_USER_OR_KERNEL(ver->cVer, "My Driver V1.00",
                  sizeof("My Driver V1.00")+1, fIsKernelMode);

              kpCall->dwResult = MY_DRV_OK;
            }
            break;
        /* You can implement other messages here */
        default:
            kpCall->dwResult = MY_DRV_NO_IMPL_MESSAGE;
    }
}

/* ---- B.6.5 KP_Event ----------------------------------------------- */
BOOL __cdecl KP_Event(PVOID pDrvContext, WD_EVENT *wd_event)
{
    /* Handle the event here */
    return TRUE; /* Return TRUE to notify the user about the event */
}

/* ---- B.6.6 KP_IntEnable ------------------------------------------- */
BOOL __cdecl KP_IntEnable(PVOID pDrvContext,
     WD_KERNEL_PLUGIN_CALL *kpCall, PVOID *ppIntContext)
{
    DWORD *pIntCount;
    /* You can allocate specific memory for each interrupt
       in *ppIntContext */
    *ppIntContext = malloc(sizeof (DWORD));
    if (!*ppIntContext)
        return FALSE;
    /* In this sample the information is a DWORD used to
       count the incoming interrupts */
    pIntCount = (DWORD *) *ppIntContext;
    *pIntCount = 0; /* Reset the count to zero */
    return TRUE;
}

/* ---- B.6.7 KP_IntDisable ------------------------------------------ */
void __cdecl KP_IntDisable(PVOID pIntContext)
{
  /* You can free the interrupt specific memory
     allocated to pIntContext here */
  free(pIntContext);
}

/* ---- B.6.8 KP_IntAtIrql ------------------------------------------- */
BOOL __cdecl KP_IntAtIrql(PVOID pIntContext,
    BOOL *pfIsMyInterrupt)
{
    DWORD *pdwIntCount = (DWORD *) pIntContext;

    /* Check your hardware here to see if the interrupt belongs to you.
       If it does, you must set *pfIsMyInterrupt to TRUE.
       Otherwise, set *pfIsMyInterrupt to FALSE. */
    *pfIsMyInterrupt = FALSE;

    /* In this example we will schedule a DPC
       once in every 5 interrupts */
    (*pdwIntCount) ++;
    if (*pdwIntCount==5)
    {
        *pdwIntCount = 0;
        return TRUE;
    }

    return FALSE;
}

/* ---- B.6.9 KP_IntAtDpc -------------------------------------------- */
DWORD __cdecl KP_IntAtDpc(PVOID pIntContext, DWORD dwCount)
{
  /* Return WD_IntWait as many times as KP_IntAtIrql
     scheduled KP_IntAtDpc */
  return dwCount;
}

/* ---- B.6.10 KP_IntAtIrqlMSI --------------------------------------- */
BOOL __cdecl KP_PCI_IntAtIrqlMSI(PVOID pIntContext,
    ULONG dwLastMessage, DWORD dwReserved)
{
    return TRUE;
}

/* ---- B.6.11 KP_IntAtDpcMSI ---------------------------------------- */
DWORD __cdecl KP_IntAtDpcMSI(PVOID pIntContext, DWORD dwCount,
  ULONG dwLastMessage, DWORD dwReserved)
{
  /* Return WD_IntWait as many times as KP_IntAtIrqlMSI
     scheduled KP_IntAtDpcMSI */
  return dwCount;
}

/* ---- module boilerplate (added) ----------------------------------- */
static const struct pci_device_id kp_reference_ids[] = {
	{ PCI_DEVICE(KP_REFERENCE_VENDOR, KP_REFERENCE_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, kp_reference_ids);

KP_PLUGIN(kp_reference_ids);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel PlugIn reference example callbacks (edu)");
