// SPDX-License-Identifier: GPL-2.0
/*
 * kp_msix.c - a test Kernel PlugIn for QEMU's e1000e (8086:10d3): the
 * multi-vector MSI-X path of kp_runtime.ko.
 *
 * The test program routes e1000e's five software-raisable interrupt
 * causes to the MSI-X vectors (KPM_MSG_SETUP: IVAR, IMS and the ICR bits
 * each vector acks), raises them through ICS and compares what it sent
 * with what the handlers saw (KPM_MSG_COUNTS): KP_IntAtIrqlMSI counts its
 * calls per dwLastMessage and acks that vector's causes; KP_IntAtDpcMSI
 * counts its calls and dwCount per dwLastMessage and notifies user mode
 * dwCount times.  Messages: kp_msix_msgs.h.
 *
 * Contexts: KP_Open/Close/Call/IntEnable/IntDisable run in process
 * context; KP_IntAtIrqlMSI in hard IRQ (registers and KP_INTERLOCKED
 * only); KP_IntAtDpcMSI in a tasklet.  The interrupt context is the
 * driver context, so KP_Call can read the counters at any time.
 */
#include <linux/module.h>
#include <linux/pci.h>

#include <kp/kp_plugin.h>

#include "kp_msix_msgs.h"

/* Per open: KP_Open's driver context, also the interrupt context */
struct kp_msix_ctx {
	void __iomem	*regs;			/* BAR0 */
	KP_INTERLOCKED	ack[KPM_MAX_VEC];	/* ICR bits per vector */
	KP_INTERLOCKED	irqs[KPM_MAX_VEC];
	KP_INTERLOCKED	dpcs[KPM_MAX_VEC];
	KP_INTERLOCKED	dpc_count[KPM_MAX_VEC];
	KP_INTERLOCKED	bad_message;
	KP_INTERLOCKED	last_message;
	KP_INTERLOCKED	int_enables;
};

/* e1000e's BAR0 is 128 KiB; EITR4 is the highest register read */
#define KPM_BAR0_MIN	(KPM_REG_EITR(4) + 4)

static void __cdecl KP_msix_Close(PVOID pDrvContext);
static void __cdecl KP_msix_Call(PVOID pDrvContext,
				 WD_KERNEL_PLUGIN_CALL *kpCall,
				 BOOL fIsKernelMode);
static BOOL __cdecl KP_msix_IntEnable(PVOID pDrvContext,
				      WD_KERNEL_PLUGIN_CALL *kpCall,
				      PVOID *ppIntContext);
static void __cdecl KP_msix_IntDisable(PVOID pIntContext);
static BOOL __cdecl KP_msix_IntAtIrqlMSI(PVOID pIntContext,
					 ULONG dwLastMessage,
					 DWORD dwReserved);
static DWORD __cdecl KP_msix_IntAtDpcMSI(PVOID pIntContext, DWORD dwCount,
					 ULONG dwLastMessage,
					 DWORD dwReserved);

static u32 kp_msix_rd(struct kp_msix_ctx *ctx, u32 reg)
{
	return ioread32(ctx->regs + reg);
}

static void kp_msix_wr(struct kp_msix_ctx *ctx, u32 reg, u32 val)
{
	iowrite32(val, ctx->regs + reg);
}

/* No cause enabled, none pending, no routing, no acks. */
static void kp_msix_disarm(struct kp_msix_ctx *ctx)
{
	int v;

	kp_msix_wr(ctx, KPM_REG_IMC, ~0u);
	kp_msix_wr(ctx, KPM_REG_ICR, ~0u);
	kp_msix_wr(ctx, KPM_REG_IVAR, 0);
	for (v = 0; v < KPM_MAX_VEC; v++)
		kp_interlocked_set(&ctx->ack[v], 0);
}

static void kp_msix_reset_counts(struct kp_msix_ctx *ctx)
{
	int v;

	for (v = 0; v < KPM_MAX_VEC; v++) {
		kp_interlocked_set(&ctx->irqs[v], 0);
		kp_interlocked_set(&ctx->dpcs[v], 0);
		kp_interlocked_set(&ctx->dpc_count[v], 0);
	}
	kp_interlocked_set(&ctx->bad_message, 0);
	kp_interlocked_set(&ctx->last_message, 0);
}

/* ---- KP_Open / KP_Close --------------------------------------------- */

static BOOL __cdecl KP_msix_Open(KP_OPEN_CALL *kpOpenCall, HANDLE hWD,
				 PVOID pOpenData, PVOID *ppDrvContext)
{
	struct kp_msix_ctx *ctx;

	if (!kp_bar(hWD, 0) || kp_bar_size(hWD, 0) < KPM_BAR0_MIN)
		return FALSE;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return FALSE;
	ctx->regs = kp_bar(hWD, 0);

	kpOpenCall->funcClose = KP_msix_Close;
	kpOpenCall->funcCall = KP_msix_Call;
	kpOpenCall->funcIntEnable = KP_msix_IntEnable;
	kpOpenCall->funcIntDisable = KP_msix_IntDisable;
	kpOpenCall->funcIntAtIrqlMSI = KP_msix_IntAtIrqlMSI;
	kpOpenCall->funcIntAtDpcMSI = KP_msix_IntAtDpcMSI;

	*ppDrvContext = ctx;
	return TRUE;
}

static void __cdecl KP_msix_Close(PVOID pDrvContext)
{
	/* no register access here: the device may already be gone */
	free(pDrvContext);
}

/* ---- KP_Call messages ----------------------------------------------- */

static DWORD kp_msix_setup(struct kp_msix_ctx *ctx,
			   WD_KERNEL_PLUGIN_CALL *kpCall, BOOL fIsKernelMode)
{
	struct kpm_setup su;
	int v;

	if (COPY_FROM_USER_OR_KERNEL(&su, kpCall->pData, sizeof(su),
				     fIsKernelMode))
		return KPM_RES_BAD_SIZE;

	kp_msix_disarm(ctx);
	kp_msix_wr(ctx, KPM_REG_EIAC, 0);
	kp_msix_wr(ctx, KPM_REG_IVAR, su.ivar);
	for (v = 0; v < KPM_MAX_VEC; v++)
		kp_interlocked_set(&ctx->ack[v], su.ack[v]);
	kp_msix_wr(ctx, KPM_REG_IMS, su.ims);

	su.ivar_rb = kp_msix_rd(ctx, KPM_REG_IVAR);
	su.ims_rb = kp_msix_rd(ctx, KPM_REG_IMS);
	su.icr_rb = kp_msix_rd(ctx, KPM_REG_ICR);
	su.itr_rb = kp_msix_rd(ctx, KPM_REG_ITR);
	for (v = 0; v < 5; v++)
		su.eitr_rb |= kp_msix_rd(ctx, KPM_REG_EITR(v));
	if (COPY_TO_USER_OR_KERNEL(kpCall->pData, &su, sizeof(su),
				   fIsKernelMode))
		return KPM_RES_BAD_SIZE;
	return KPM_RES_OK;
}

static DWORD kp_msix_counts(struct kp_msix_ctx *ctx,
			    WD_KERNEL_PLUGIN_CALL *kpCall, BOOL fIsKernelMode)
{
	struct kpm_counts c = {};
	int v;

	for (v = 0; v < KPM_MAX_VEC; v++) {
		c.irqs[v] = kp_interlocked_read(&ctx->irqs[v]);
		c.dpcs[v] = kp_interlocked_read(&ctx->dpcs[v]);
		c.dpc_count[v] = kp_interlocked_read(&ctx->dpc_count[v]);
	}
	c.bad_message = kp_interlocked_read(&ctx->bad_message);
	c.last_message = kp_interlocked_read(&ctx->last_message);
	c.int_enables = kp_interlocked_read(&ctx->int_enables);
	c.icr = kp_msix_rd(ctx, KPM_REG_ICR);
	if (COPY_TO_USER_OR_KERNEL(kpCall->pData, &c, sizeof(c),
				   fIsKernelMode))
		return KPM_RES_BAD_SIZE;
	return KPM_RES_OK;
}

static void __cdecl KP_msix_Call(PVOID pDrvContext,
				 WD_KERNEL_PLUGIN_CALL *kpCall,
				 BOOL fIsKernelMode)
{
	struct kp_msix_ctx *ctx = pDrvContext;

	switch (kpCall->dwMessage) {
	case KPM_MSG_SETUP:
		kpCall->dwResult = kp_msix_setup(ctx, kpCall, fIsKernelMode);
		break;
	case KPM_MSG_COUNTS:
		kpCall->dwResult = kp_msix_counts(ctx, kpCall, fIsKernelMode);
		break;
	case KPM_MSG_DISARM:
		kp_msix_disarm(ctx);
		kpCall->dwResult = KPM_RES_OK;
		break;
	default:
		kpCall->dwResult = KPM_RES_NO_IMPL;
		break;
	}
}

/* ---- interrupts ----------------------------------------------------- */

static BOOL __cdecl KP_msix_IntEnable(PVOID pDrvContext,
				      WD_KERNEL_PLUGIN_CALL *kpCall,
				      PVOID *ppIntContext)
{
	struct kp_msix_ctx *ctx = pDrvContext;

	kp_msix_reset_counts(ctx);
	kp_interlocked_increment(&ctx->int_enables);
	*ppIntContext = ctx;
	kpCall->dwResult = KPM_RES_OK;
	return TRUE;
}

/* The vectors are freed already: mask and clear what may be pending. */
static void __cdecl KP_msix_IntDisable(PVOID pIntContext)
{
	kp_msix_disarm(pIntContext);
}

/*
 * Hard IRQ: count the call under its vector and ack the causes routed
 * to that vector, so that the next ICS write of them signals again.
 */
static BOOL __cdecl KP_msix_IntAtIrqlMSI(PVOID pIntContext,
					 ULONG dwLastMessage,
					 DWORD dwReserved)
{
	struct kp_msix_ctx *ctx = pIntContext;
	u32 ack;

	kp_interlocked_set(&ctx->last_message, dwLastMessage);
	if (dwLastMessage >= KPM_MAX_VEC) {
		kp_interlocked_increment(&ctx->bad_message);
		return FALSE;
	}
	kp_interlocked_increment(&ctx->irqs[dwLastMessage]);
	ack = kp_interlocked_read(&ctx->ack[dwLastMessage]);
	if (ack)
		kp_msix_wr(ctx, KPM_REG_ICR, ack);
	return TRUE;
}

/* DPC: count it under its vector and notify user mode dwCount times. */
static DWORD __cdecl KP_msix_IntAtDpcMSI(PVOID pIntContext, DWORD dwCount,
					 ULONG dwLastMessage,
					 DWORD dwReserved)
{
	struct kp_msix_ctx *ctx = pIntContext;

	if (dwLastMessage >= KPM_MAX_VEC) {
		kp_interlocked_increment(&ctx->bad_message);
		return 0;
	}
	kp_interlocked_increment(&ctx->dpcs[dwLastMessage]);
	kp_interlocked_add(&ctx->dpc_count[dwLastMessage], dwCount);
	return dwCount;
}

/* ---- KP_Init and the module ----------------------------------------- */

BOOL __cdecl KP_Init(KP_INIT *kpInit)
{
	if (kpInit->dwVerWD != WD_VER)
		return FALSE;

	kpInit->funcOpen = KP_msix_Open;
	strscpy(kpInit->cDriverName, KPM_DRIVER_NAME,
		sizeof(kpInit->cDriverName));
	return TRUE;
}

static const struct pci_device_id kp_msix_ids[] = {
	{ PCI_DEVICE(KPM_VENDOR, KPM_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, kp_msix_ids);

KP_PLUGIN(kp_msix_ids);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kpgen test plugin: multi-vector MSI-X on QEMU's e1000e");
