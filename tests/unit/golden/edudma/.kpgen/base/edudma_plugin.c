// SPDX-License-Identifier: GPL-2.0
/*
 * edudma_plugin.c - the callbacks of the edudma Kernel PlugIn
 *
 * Yours: kpgen created this file once; `kpgen update` changes it only when
 * a new version of this starter must be merged in (git merge-file).  The
 * places that need your code are marked TODO(user).  edudma_gen.h lists
 * what the description generated: register accessors edudma_read_<reg>()
 * and edudma_write_<reg>(), edudma_acknowledge().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "edudma_plugin.h"

BOOL edudma_open(HANDLE hWD, PVOID pOpenData, const struct edudma_dma *dma,
		 struct edudma_drv_ctx **pctx)
{
	struct edudma_drv_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return FALSE;
	ctx->dma = dma;		/* freed by the generated KP_Close after _close() */
	ctx->hWD = hWD;
	/* TODO(user): per-open initialization (pOpenData is yours to define) */
	(void)pOpenData;
	*pctx = ctx;
	return TRUE;
}

void edudma_close(struct edudma_drv_ctx *ctx)
{
	/* TODO(user): release what edudma_open() set up */
	free(ctx);
}

/*
 * A device event; WD_REMOVE comes on removal even without registration.
 * TRUE passes it on to user mode (kp_event_wait()).
 */
BOOL edudma_event(struct edudma_drv_ctx *ctx, WD_EVENT *wd_event)
{
	(void)ctx;
	switch (wd_event->dwAction) {
	case WD_REMOVE:
		/* TODO(user): the device is going away; stop using it (and its DMA) */
		return TRUE;
	default:
		return FALSE;	/* not in the description's events */
	}
}

BOOL edudma_irq_enable(struct edudma_drv_ctx *ctx, BOOL trans_ack,
		       struct edudma_int_ctx **pictx)
{
	struct edudma_int_ctx *ictx = calloc(1, sizeof(*ictx));

	if (!ictx)
		return FALSE;
	ictx->drv = ctx;
	ictx->hWD = ctx->hWD;
	ictx->trans_ack = trans_ack;
	/* TODO(user): enable the device's interrupt sources if it needs that */
	*pictx = ictx;
	return TRUE;
}

void edudma_irq_disable(struct edudma_int_ctx *ictx)
{
	/* TODO(user): disable the device's interrupt sources if needed */
	free(ictx);
}

/*
 * INTx, hard IRQ.
 * Say whether the interrupt is this device's and acknowledge it, so the
 * level line drops; TRUE runs edudma_dpc().  Must not: sleep, allocate.
 */
BOOL edudma_irq(struct edudma_int_ctx *ictx, BOOL *pfIsMyInterrupt)
{
	/* with trans_ack the runtime's transfer commands did both already */
	if (!ictx->trans_ack && !edudma_acknowledge(ictx->hWD)) {
		*pfIsMyInterrupt = FALSE;
		return FALSE;
	}
	*pfIsMyInterrupt = TRUE;
	return TRUE;
}

/*
 * Deferred processing of INTx: dwCount is how many edudma_irq() TRUE
 * returns this call covers; returns how many times to wake user mode.
 * Must not: sleep, allocate (it may run at hard-IRQ level).
 */
DWORD edudma_dpc(struct edudma_int_ctx *ictx, DWORD dwCount)
{
	/* TODO(user): deferred interrupt work */
	(void)ictx;
	return dwCount;
}

/*
 * MSI/MSI-X, hard IRQ; @vector is 0..0.
 * Messages are never shared: acknowledge if the device needs it, TRUE
 * runs edudma_dpc_msi().  Must not: sleep, allocate.
 */
BOOL edudma_irq_msi(struct edudma_int_ctx *ictx, ULONG vector)
{
	(void)vector;
	if (!ictx->trans_ack)
		edudma_acknowledge(ictx->hWD);
	return TRUE;
}

/* Deferred processing of MSI/MSI-X, per vector; must not sleep. */
DWORD edudma_dpc_msi(struct edudma_int_ctx *ictx, DWORD dwCount, ULONG vector)
{
	/* TODO(user): deferred work for @vector */
	(void)ictx;
	(void)vector;
	return dwCount;
}
