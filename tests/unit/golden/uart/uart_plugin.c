// SPDX-License-Identifier: GPL-2.0
/*
 * uart_plugin.c - the callbacks of the uart Kernel PlugIn
 *
 * Yours: kpgen created this file once; `kpgen update` changes it only when
 * a new version of this starter must be merged in (git merge-file).  The
 * places that need your code are marked TODO(user).  uart_gen.h lists
 * what the description generated: register accessors uart_read_<reg>()
 * and uart_write_<reg>(), uart_acknowledge().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "uart_plugin.h"

BOOL uart_open(HANDLE hWD, PVOID pOpenData, struct uart_drv_ctx **pctx)
{
	struct uart_drv_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return FALSE;
	ctx->hWD = hWD;
	/* TODO(user): per-open initialization (pOpenData is yours to define) */
	(void)pOpenData;
	*pctx = ctx;
	return TRUE;
}

void uart_close(struct uart_drv_ctx *ctx)
{
	/* TODO(user): release what uart_open() set up */
	free(ctx);
}

/*
 * A device event; WD_REMOVE comes on removal even without registration.
 * TRUE passes it on to user mode (kp_event_wait()).
 */
BOOL uart_event(struct uart_drv_ctx *ctx, WD_EVENT *wd_event)
{
	(void)ctx;
	switch (wd_event->dwAction) {
	case WD_REMOVE:
		/* TODO(user): the device is going away; stop using it */
		return TRUE;
	default:
		return FALSE;	/* not in the description's events */
	}
}

BOOL uart_irq_enable(struct uart_drv_ctx *ctx, BOOL trans_ack,
		     struct uart_int_ctx **pictx)
{
	struct uart_int_ctx *ictx = calloc(1, sizeof(*ictx));

	if (!ictx)
		return FALSE;
	ictx->drv = ctx;
	ictx->hWD = ctx->hWD;
	ictx->trans_ack = trans_ack;
	/* TODO(user): enable the device's interrupt sources if it needs that */
	*pictx = ictx;
	return TRUE;
}

void uart_irq_disable(struct uart_int_ctx *ictx)
{
	/* TODO(user): disable the device's interrupt sources if needed */
	free(ictx);
}

/*
 * INTx, hard IRQ.
 * Say whether the interrupt is this device's and acknowledge it, so the
 * level line drops; TRUE runs uart_dpc().  Must not: sleep, allocate.
 */
BOOL uart_irq(struct uart_int_ctx *ictx, BOOL *pfIsMyInterrupt)
{
	/* with trans_ack the runtime's transfer commands did both already */
	if (!ictx->trans_ack && !uart_acknowledge(ictx->hWD)) {
		*pfIsMyInterrupt = FALSE;
		return FALSE;
	}
	*pfIsMyInterrupt = TRUE;
	return TRUE;
}

/*
 * Deferred processing of INTx: dwCount is how many uart_irq() TRUE
 * returns this call covers; returns how many times to wake user mode.
 * Must not: sleep, allocate (it may run at hard-IRQ level).
 */
DWORD uart_dpc(struct uart_int_ctx *ictx, DWORD dwCount)
{
	/* TODO(user): deferred interrupt work */
	(void)ictx;
	return dwCount;
}

/*
 * MSI/MSI-X, hard IRQ (unused: interrupts.mode legacy has no MSI); @vector is 0..0.
 * Messages are never shared: acknowledge if the device needs it, TRUE
 * runs uart_dpc_msi().  Must not: sleep, allocate.
 */
BOOL uart_irq_msi(struct uart_int_ctx *ictx, ULONG vector)
{
	(void)vector;
	if (!ictx->trans_ack)
		uart_acknowledge(ictx->hWD);
	return TRUE;
}

/* Deferred processing of MSI/MSI-X, per vector; must not sleep. */
DWORD uart_dpc_msi(struct uart_int_ctx *ictx, DWORD dwCount, ULONG vector)
{
	/* TODO(user): deferred work for @vector */
	(void)ictx;
	(void)vector;
	return dwCount;
}
