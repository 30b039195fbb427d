// SPDX-License-Identifier: GPL-2.0
/*
 * edudma_plugin.c - the callbacks of the edudma Kernel PlugIn
 *
 * The user file of examples/edudma.  Besides acknowledging edu's
 * interrupts the handlers count DMA completions (irq_status 0x100) for
 * the transfer a KP_Call waits for (edudma_calls.c).
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
	ctx->hWD = hWD;
	ctx->dma = dma;		/* freed by the generated KP_Close after _close() */
	mutex_init(&ctx->dma_mutex);
	kp_interlocked_init(&ctx->int_on);
	kp_interlocked_init(&ctx->dma_done);
	(void)pOpenData;
	*pctx = ctx;
	return TRUE;
}

/*
 * No transfer runs here: KP_Close never runs concurrently with a KP_Call,
 * and every transfer ends inside the KP_Call that started it.
 */
void edudma_close(struct edudma_drv_ctx *ctx)
{
	mutex_destroy(&ctx->dma_mutex);
	free(ctx);
}

BOOL edudma_event(struct edudma_drv_ctx *ctx, WD_EVENT *wd_event)
{
	(void)ctx;
	/* removal: a waiting transfer returns (kp_sleep_us() says -ENODEV) */
	return wd_event->dwAction == WD_REMOVE;
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
	/* with trans_ack the runtime reads irq_status: we cannot see DMA */
	kp_interlocked_set(&ctx->int_on, !trans_ack);
	*pictx = ictx;
	return TRUE;
}

void edudma_irq_disable(struct edudma_int_ctx *ictx)
{
	kp_interlocked_set(&ictx->drv->int_on, 0);
	free(ictx);
}

/* Acknowledges what is pending; FALSE when nothing was. Hard IRQ. */
static BOOL edudma_ack(struct edudma_int_ctx *ictx)
{
	u32 status = edudma_read_irq_status(ictx->hWD);

	if (!status)
		return FALSE;
	edudma_write_irq_ack(ictx->hWD, status);
	if (status & EDUDMA_IRQ_DMA)
		kp_interlocked_increment(&ictx->drv->dma_done);
	return TRUE;
}

BOOL edudma_irq(struct edudma_int_ctx *ictx, BOOL *pfIsMyInterrupt)
{
	/* with trans_ack the runtime's transfer commands did it already */
	*pfIsMyInterrupt = ictx->trans_ack || edudma_ack(ictx);
	return *pfIsMyInterrupt;
}

DWORD edudma_dpc(struct edudma_int_ctx *ictx, DWORD dwCount)
{
	(void)ictx;
	return dwCount;
}

BOOL edudma_irq_msi(struct edudma_int_ctx *ictx, ULONG vector)
{
	(void)vector;
	if (!ictx->trans_ack)
		edudma_ack(ictx);
	return TRUE;
}

DWORD edudma_dpc_msi(struct edudma_int_ctx *ictx, DWORD dwCount,
		     ULONG vector)
{
	(void)ictx;
	(void)vector;
	return dwCount;
}
