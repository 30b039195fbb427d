// SPDX-License-Identifier: GPL-2.0
/*
 * edudma_calls.c - the KP_Call message handlers of the edudma Kernel PlugIn
 *
 * The user file of examples/edudma.  Process context, may sleep.  The
 * generated KP_Call has checked each message's user buffer range and
 * synced it; the handlers check what only the device knows: edu's window
 * and its 28 address bits, before the engine starts (a transfer outside
 * the window aborts QEMU).
 */
#include <linux/delay.h>
#include <linux/module.h>

#include "edudma_plugin.h"

/*
 * Runs one transfer of @len bytes between bus address @bus and edu's
 * buffer at @edu_offset (@to_ram: edu -> RAM).  With interrupts on this
 * open it asks for the completion interrupt and waits for the plugin's
 * handler to see it (*@irq = 1), else it polls the run bit.
 */
DWORD edudma_transfer(struct edudma_drv_ctx *ctx, u64 bus, u32 edu_offset,
		      u64 len, BOOL to_ram, u32 *irq)
{
	u64 edu = EDUDMA_WINDOW + edu_offset, cmd = EDUDMA_DMA_CMD_RUN;
	unsigned int waited;
	BOOL irq_on;
	int done;

	if (!len || edu_offset >= EDUDMA_USABLE ||
	    len > EDUDMA_USABLE - edu_offset)
		return EDUDMA_RES_ERROR;	/* outside edu's window */
	if (bus + len - 1 > DMA_BIT_MASK(EDUDMA_DMA_MASK_BITS) ||
	    bus + len - 1 < bus)
		return EDUDMA_RES_BAD_BUFFER;	/* edu would clamp it */

	mutex_lock(&ctx->dma_mutex);
	irq_on = kp_interlocked_read(&ctx->int_on);
	done = kp_interlocked_read(&ctx->dma_done);
	if (to_ram)
		cmd |= EDUDMA_DMA_CMD_TO_RAM;
	if (irq_on)
		cmd |= EDUDMA_DMA_CMD_IRQ;
	edudma_write_dma_src(ctx->hWD, to_ram ? edu : bus);
	edudma_write_dma_dst(ctx->hWD, to_ram ? bus : edu);
	edudma_write_dma_cnt(ctx->hWD, len);
	edudma_write_dma_cmd(ctx->hWD, cmd);
	/*
	 * edu takes 100 ms of the guest's clock.  The buffer must not go back
	 * to user mode while the engine may still write it: wait up to 10 s.
	 */
	for (waited = 0;; waited++) {
		if (irq_on ? kp_interlocked_read(&ctx->dma_done) != done :
		    !(edudma_read_dma_cmd(ctx->hWD) & EDUDMA_DMA_CMD_RUN))
			break;
		if (irq_on && !kp_interlocked_read(&ctx->int_on))
			irq_on = FALSE;		/* disabled meanwhile: poll */
		if (waited >= 10000 || kp_sleep_us(ctx->hWD, 1000)) {
			mutex_unlock(&ctx->dma_mutex);
			return EDUDMA_RES_TIMEOUT;
		}
	}
	mutex_unlock(&ctx->dma_mutex);
	*irq = irq_on;
	return EDUDMA_RES_OK;
}

/* EDUDMA_MSG_TO_EDU: [offset, offset + length) of the buffer -> edu */
DWORD edudma_on_to_edu(struct edudma_drv_ctx *ctx,
		       struct edudma_msg_to_edu *msg,
		       const struct kp_dma_buffer *buf)
{
	u64 bus;

	/* edu's engine takes one address: the range must be one segment */
	if (!edudma_dma_bus(buf, msg->offset, msg->length, &bus))
		return EDUDMA_RES_BAD_BUFFER;
	msg->bus_addr = bus;
	return edudma_transfer(ctx, bus, msg->edu_offset, msg->length, FALSE,
			       &msg->irq);
}

/* EDUDMA_MSG_FROM_EDU: edu -> [offset, offset + length) of the buffer */
DWORD edudma_on_from_edu(struct edudma_drv_ctx *ctx,
			 struct edudma_msg_from_edu *msg,
			 const struct kp_dma_buffer *buf)
{
	u64 bus;

	if (!edudma_dma_bus(buf, msg->offset, msg->length, &bus))
		return EDUDMA_RES_BAD_BUFFER;
	msg->bus_addr = bus;
	return edudma_transfer(ctx, bus, msg->edu_offset, msg->length, TRUE,
			       &msg->irq);
}

/*
 * EDUDMA_MSG_SELFTEST: a pattern from @seed in the first half of the
 * plugin's bounce buffer goes to edu and comes back into the second half;
 * @mismatches counts the bytes that differ.
 */
DWORD edudma_on_selftest(struct edudma_drv_ctx *ctx,
			 struct edudma_msg_selftest *msg)
{
	const struct edudma_dma_buf *b = &ctx->dma->bounce;
	u8 *src = b->va, *dst = src + b->size / 2;
	u32 x = msg->seed | 1, i, irq = 0;
	DWORD res;

	if (!msg->length || msg->length > b->size / 2)
		return EDUDMA_RES_ERROR;
	for (i = 0; i < msg->length; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		src[i] = (u8)x;
	}
	memset(dst, 0, msg->length);
	msg->irqs = 0;
	res = edudma_transfer(ctx, b->bus, 0, msg->length, FALSE, &irq);
	msg->irqs += irq;
	if (res != EDUDMA_RES_OK)
		return res;
	res = edudma_transfer(ctx, b->bus + b->size / 2, 0, msg->length,
			      TRUE, &irq);
	msg->irqs += irq;
	if (res != EDUDMA_RES_OK)
		return res;
	msg->mismatches = 0;
	for (i = 0; i < msg->length; i++)
		msg->mismatches += src[i] != dst[i];
	return EDUDMA_RES_OK;
}
