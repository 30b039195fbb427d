/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu_plugin.h - the state of the edu Kernel PlugIn
 *
 * Yours: kpgen created this file once and never rewrites it.  The
 * generated code (edu_gen.c) only passes these structs through.
 */
#ifndef _EDU_PLUGIN_H
#define _EDU_PLUGIN_H

#include "edu_gen.h"

/* Per open: edu_open() allocates it, every callback gets it. */
struct edu_drv_ctx {
	HANDLE hWD;			/* the open; argument of kp_bar() etc. */
	/* TODO(user): add your per-open state here */
};

/* Per interrupt enable: edu_irq_enable() .. edu_irq_disable(). */
struct edu_int_ctx {
	struct edu_drv_ctx *drv;
	HANDLE hWD;
	BOOL trans_ack;			/* the runtime acknowledges */
	/* TODO(user): add your interrupt state here */
};

#endif /* _EDU_PLUGIN_H */
