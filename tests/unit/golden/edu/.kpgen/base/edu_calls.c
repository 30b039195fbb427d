// SPDX-License-Identifier: GPL-2.0
/*
 * edu_calls.c - the KP_Call message handlers of the edu Kernel PlugIn
 *
 * Yours: kpgen created this file once; `kpgen update` adds the stub of a
 * new message (git merge-file) and never overwrites your code.  Process
 * context, may sleep; a handler that waits for the device polls with
 * kp_sleep_us(), which returns -ENODEV at once when the device goes away.
 * The generated code has copied the payload in and copies it back.
 */
#include <linux/delay.h>
#include <linux/module.h>

#include "edu_plugin.h"

/* EDU_MSG_VERSION: plugin version, device id and a version string; out: version, device_id, text */
DWORD edu_on_version(struct edu_drv_ctx *ctx, struct edu_msg_version *msg)
{
	/* TODO(user): implement EDU_MSG_VERSION */
	(void)ctx;
	(void)msg;
	return EDU_RES_NOT_IMPLEMENTED;
}

/* EDU_MSG_LIVENESS: write the liveness register and read it back; in: value; out: inverted */
DWORD edu_on_liveness(struct edu_drv_ctx *ctx, struct edu_msg_liveness *msg)
{
	/* TODO(user): implement EDU_MSG_LIVENESS */
	(void)ctx;
	(void)msg;
	return EDU_RES_NOT_IMPLEMENTED;
}

/* EDU_MSG_FACTORIAL: compute n! on the device (32-bit result, wraps); in: n; out: result */
DWORD edu_on_factorial(struct edu_drv_ctx *ctx, struct edu_msg_factorial *msg)
{
	/* TODO(user): implement EDU_MSG_FACTORIAL */
	(void)ctx;
	(void)msg;
	return EDU_RES_NOT_IMPLEMENTED;
}
