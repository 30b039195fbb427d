// SPDX-License-Identifier: GPL-2.0
/*
 * uart_calls.c - the KP_Call message handlers of the uart Kernel PlugIn
 *
 * Yours: kpgen created this file once; `kpgen update` adds the stub of a
 * new message (git merge-file) and never overwrites your code.  Process
 * context, may sleep; a handler that waits for the device polls with
 * kp_sleep_us(), which returns -ENODEV at once when the device goes away.
 * The generated code has copied the payload in and copies it back.
 */
#include <linux/delay.h>
#include <linux/module.h>

#include "uart_plugin.h"

/* UART_MSG_SCRATCH: write the scratch register and read it back; in: value; out: readback */
DWORD uart_on_scratch(struct uart_drv_ctx *ctx, struct uart_msg_scratch *msg)
{
	/* TODO(user): implement UART_MSG_SCRATCH */
	(void)ctx;
	(void)msg;
	return UART_RES_NOT_IMPLEMENTED;
}
