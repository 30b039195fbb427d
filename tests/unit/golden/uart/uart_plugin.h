/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uart_plugin.h - the state of the uart Kernel PlugIn
 *
 * Yours: kpgen created this file once and never rewrites it.  The
 * generated code (uart_gen.c) only passes these structs through.
 */
#ifndef _UART_PLUGIN_H
#define _UART_PLUGIN_H

#include "uart_gen.h"

/* Per open: uart_open() allocates it, every callback gets it. */
struct uart_drv_ctx {
	HANDLE hWD;			/* the open; argument of kp_bar() etc. */
	/* TODO(user): add your per-open state here */
};

/* Per interrupt enable: uart_irq_enable() .. uart_irq_disable(). */
struct uart_int_ctx {
	struct uart_drv_ctx *drv;
	HANDLE hWD;
	BOOL trans_ack;			/* the runtime acknowledges */
	/* TODO(user): add your interrupt state here */
};

#endif /* _UART_PLUGIN_H */
