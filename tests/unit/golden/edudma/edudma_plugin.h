/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edudma_plugin.h - the state of the edudma Kernel PlugIn
 *
 * The user file of examples/edudma (kpgen new --from places it in the
 * project); kpgen never rewrites it.
 */
#ifndef _EDUDMA_PLUGIN_H
#define _EDUDMA_PLUGIN_H

#include <linux/mutex.h>

#include "edudma_gen.h"

#define EDUDMA_IRQ_DMA		0x100	/* irq_status: a DMA transfer ended */
#define EDUDMA_WINDOW		0x40000	/* edu's 4 KiB buffer, device side */
/*
 * QEMU 7.2's edu aborts the whole machine on a transfer that ends at
 * 0x41000 (its range check is off by one): its last byte is out of reach.
 */
#define EDUDMA_USABLE		4095

/* Per open: edudma_open() allocates it, every callback gets it. */
struct edudma_drv_ctx {
	HANDLE hWD;			/* the open; argument of kp_bar() etc. */
	const struct edudma_dma *dma;	/* the plugin's DMA buffers */
	struct mutex dma_mutex;		/* edu has one engine */
	KP_INTERLOCKED int_on;		/* the plugin sees edu's interrupts */
	KP_INTERLOCKED dma_done;	/* completion interrupts seen */
};

/* Per interrupt enable: edudma_irq_enable() .. edudma_irq_disable(). */
struct edudma_int_ctx {
	struct edudma_drv_ctx *drv;
	HANDLE hWD;
	BOOL trans_ack;			/* the runtime acknowledges */
};

/* edudma_calls.c: one transfer of edu's engine, range-checked */
DWORD edudma_transfer(struct edudma_drv_ctx *ctx, u64 bus, u32 edu_offset,
		      u64 len, BOOL to_ram, u32 *irq);

#endif /* _EDUDMA_PLUGIN_H */
