// SPDX-License-Identifier: GPL-2.0
/*
 * edu_plugin.c - the callbacks of the edu Kernel PlugIn
 *
 * Yours: kpgen created this file once; `kpgen update` changes it only when
 * a new version of this starter must be merged in (git merge-file).  The
 * places that need your code are marked TODO(user).  edu_gen.h lists
 * what the description generated: register accessors edu_read_<reg>()
 * and edu_write_<reg>(), edu_acknowledge().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "edu_plugin.h"

BOOL edu_open(HANDLE hWD, PVOID pOpenData, struct edu_drv_ctx **pctx)
{
	struct edu_drv_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return FALSE;
	ctx->hWD = hWD;
	/* TODO(user): per-open initialization (pOpenData is yours to define) */
	(void)pOpenData;
	*pctx = ctx;
	return TRUE;
}

void edu_close(struct edu_drv_ctx *ctx)
{
	/* TODO(user): release what edu_open() set up */
	free(ctx);
}

/*
 * A device event; WD_REMOVE comes on removal even without registration.
 * TRUE passes it on to user mode (kp_event_wait()).
 */
BOOL edu_event(struct edu_drv_ctx *ctx, WD_EVENT *wd_event)
{
	(void)ctx;
	switch (wd_event->dwAction) {
	case WD_INSERT:
		/* TODO(user): the device was (re)inserted */
		return TRUE;
	case WD_REMOVE:
		/* TODO(user): the device is going away; stop using it */
		return TRUE;
	case WD_POWER_CHANGED_D0:
		/* TODO(user): back in D0: restore the device state */
		return TRUE;
	case WD_POWER_CHANGED_D3:
		/* TODO(user): going to D3: save the device state */
		return TRUE;
	default:
		return FALSE;	/* not in the description's events */
	}
}

BOOL edu_irq_enable(struct edu_drv_ctx *ctx, BOOL trans_ack,
		    struct edu_int_ctx **pictx)
{
	struct edu_int_ctx *ictx = calloc(1, sizeof(*ictx));

	if (!ictx)
		return FALSE;
	ictx->drv = ctx;
	ictx->hWD = ctx->hWD;
	ictx->trans_ack = trans_ack;
	/* TODO(user): enable the device's interrupt sources if it needs that */
	*pictx = ictx;
	return TRUE;
}

void edu_irq_disable(struct edu_int_ctx *ictx)
{
	/* TODO(user): disable the device's interrupt sources if needed */
	free(ictx);
}

/*
 * INTx, hard IRQ.
 * Say whether the interrupt is this device's and acknowledge it, so the
 * level line drops; TRUE runs edu_dpc().  Must not: sleep, allocate.
 */
BOOL edu_irq(struct edu_int_ctx *ictx, BOOL *pfIsMyInterrupt)
{
	/* with trans_ack the runtime's transfer commands did both already */
	if (!ictx->trans_ack && !edu_acknowledge(ictx->hWD)) {
		*pfIsMyInterrupt = FALSE;
		return FALSE;
	}
	*pfIsMyInterrupt = TRUE;
	return TRUE;
}

/*
 * Deferred processing of INTx: dwCount is how many edu_irq() TRUE
 * returns this call covers; returns how many times to wake user mode.
 * Must not: sleep, allocate (it may run at hard-IRQ level).
 */
DWORD edu_dpc(struct edu_int_ctx *ictx, DWORD dwCount)
{
	/* TODO(user): deferred interrupt work */
	(void)ictx;
	return dwCount;
}

/*
 * MSI/MSI-X, hard IRQ; @vector is 0..0.
 * Messages are never shared: acknowledge if the device needs it, TRUE
 * runs edu_dpc_msi().  Must not: sleep, allocate.
 */
BOOL edu_irq_msi(struct edu_int_ctx *ictx, ULONG vector)
{
	(void)vector;
	if (!ictx->trans_ack)
		edu_acknowledge(ictx->hWD);
	return TRUE;
}

/* Deferred processing of MSI/MSI-X, per vector; must not sleep. */
DWORD edu_dpc_msi(struct edu_int_ctx *ictx, DWORD dwCount, ULONG vector)
{
	/* TODO(user): deferred work for @vector */
	(void)ictx;
	(void)vector;
	return dwCount;
}
