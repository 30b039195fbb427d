/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edudma_plugin.h - the state of the edudma Kernel PlugIn
 *
 * Yours: kpgen created this file once and never rewrites it.  The
 * generated code (edudma_gen.c) only passes these structs through.
 */
#ifndef _EDUDMA_PLUGIN_H
#define _EDUDMA_PLUGIN_H

#include "edudma_gen.h"

/* Per open: edudma_open() allocates it, every callback gets it. */
struct edudma_drv_ctx {
	const struct edudma_dma *dma;	/* the plugin's DMA buffers */
	HANDLE hWD;			/* the open; argument of kp_bar() etc. */
	/* TODO(user): add your per-open state here */
};

/* Per interrupt enable: edudma_irq_enable() .. edudma_irq_disable(). */
struct edudma_int_ctx {
	struct edudma_drv_ctx *drv;
	HANDLE hWD;
	BOOL trans_ack;			/* the runtime acknowledges */
	/* TODO(user): add your interrupt state here */
};

#endif /* _EDUDMA_PLUGIN_H */
