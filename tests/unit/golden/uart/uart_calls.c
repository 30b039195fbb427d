// SPDX-License-Identifier: GPL-2.0
/*
 * uart_calls.c - the KP_Call handler of the 16550 test driver (the user
 * file of uart.yaml, placed by `kpgen new --from uart.yaml`).
 */
#include <linux/module.h>

#include "uart_plugin.h"

/* UART_MSG_SCRATCH: the scratch register holds what was written */
DWORD uart_on_scratch(struct uart_drv_ctx *ctx, struct uart_msg_scratch *msg)
{
	uart_write_scr(ctx->hWD, msg->value);
	msg->readback = uart_read_scr(ctx->hWD);
	return UART_RES_OK;
}
