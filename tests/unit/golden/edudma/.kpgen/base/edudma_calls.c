// SPDX-License-Identifier: GPL-2.0
/*
 * edudma_calls.c - the KP_Call message handlers of the edudma Kernel PlugIn
 *
 * Yours: kpgen created this file once; `kpgen update` adds the stub of a
 * new message (git merge-file) and never overwrites your code.  Process
 * context, may sleep; a handler that waits for the device polls with
 * kp_sleep_us(), which returns -ENODEV at once when the device goes away.
 * The generated code has copied the payload in and copies it back.
 */
#include <linux/delay.h>
#include <linux/module.h>

#include "edudma_plugin.h"

/* EDUDMA_MSG_TO_EDU: copy a range of a DMA buffer into edu's buffer; in: handle, offset, length, edu_offset; out: bus_addr, irq */
DWORD edudma_on_to_edu(struct edudma_drv_ctx *ctx,
		       struct edudma_msg_to_edu *msg,
		       const struct kp_dma_buffer *buf)
{
	/* TODO(user): implement EDUDMA_MSG_TO_EDU */
	(void)ctx;
	(void)msg;
	(void)buf;	/* edudma_dma_bus() finds a range's bus address */
	return EDUDMA_RES_NOT_IMPLEMENTED;
}

/* EDUDMA_MSG_FROM_EDU: copy edu's buffer into a range of a DMA buffer; in: handle, offset, length, edu_offset; out: bus_addr, irq */
DWORD edudma_on_from_edu(struct edudma_drv_ctx *ctx,
			 struct edudma_msg_from_edu *msg,
			 const struct kp_dma_buffer *buf)
{
	/* TODO(user): implement EDUDMA_MSG_FROM_EDU */
	(void)ctx;
	(void)msg;
	(void)buf;	/* edudma_dma_bus() finds a range's bus address */
	return EDUDMA_RES_NOT_IMPLEMENTED;
}

/* EDUDMA_MSG_SELFTEST: the plugin's bounce buffer RAM -> edu -> RAM, compared in the kernel; in: seed, length; out: mismatches, irqs */
DWORD edudma_on_selftest(struct edudma_drv_ctx *ctx,
			 struct edudma_msg_selftest *msg)
{
	/* TODO(user): implement EDUDMA_MSG_SELFTEST */
	(void)ctx;
	(void)msg;
	return EDUDMA_RES_NOT_IMPLEMENTED;
}
