// SPDX-License-Identifier: GPL-2.0
/*
 * edu_calls.c - the KP_Call message handlers of the edu Kernel PlugIn
 *
 * The user file of examples/edu/edu.yaml: `kpgen new --from edu.yaml`
 * places it in the project instead of the starter.  Process context, may
 * sleep.  The generated code (edu_gen.c) has copied the payload in and
 * copies it back.
 */
#include <linux/module.h>
#include <linux/mutex.h>

#include "edu_plugin.h"

#define EDU_PLUGIN_VERSION	0x000100	/* 0xMMmmpp */
#define EDU_FACT_POLL_US	10
#define EDU_FACT_TRIES		100000		/* about a second */

/* One factorial unit per device: opens of the same edu must take turns. */
static DEFINE_MUTEX(edu_fact_lock);

/* EDU_MSG_VERSION: plugin version, device id and a version string */
DWORD edu_on_version(struct edu_drv_ctx *ctx, struct edu_msg_version *msg)
{
	msg->version = EDU_PLUGIN_VERSION;
	msg->device_id = edu_read_id(ctx->hWD);
	strscpy(msg->text, "edu Kernel PlugIn 0.1", sizeof(msg->text));
	return EDU_RES_OK;
}

/* EDU_MSG_LIVENESS: write the liveness register and read it back */
DWORD edu_on_liveness(struct edu_drv_ctx *ctx, struct edu_msg_liveness *msg)
{
	edu_write_liveness(ctx->hWD, msg->value);
	msg->inverted = edu_read_liveness(ctx->hWD);
	return EDU_RES_OK;
}

/*
 * EDU_MSG_FACTORIAL: n! on the device (32-bit result, wraps).  Polls the
 * busy bit with kp_sleep_us(), which returns at once when the device is
 * removed, so removal never waits for this call.
 */
DWORD edu_on_factorial(struct edu_drv_ctx *ctx,
		       struct edu_msg_factorial *msg)
{
	unsigned int tries = EDU_FACT_TRIES;
	DWORD res = EDU_RES_OK;

	mutex_lock(&edu_fact_lock);
	edu_write_factorial(ctx->hWD, msg->n);
	while (edu_read_status(ctx->hWD) & EDU_STATUS_BUSY) {
		if (kp_sleep_us(ctx->hWD, EDU_FACT_POLL_US)) {
			res = EDU_RES_NO_DEVICE;
			goto out;
		}
		if (!--tries) {
			res = EDU_RES_TIMEOUT;
			goto out;
		}
	}
	msg->result = edu_read_factorial(ctx->hWD);
out:
	mutex_unlock(&edu_fact_lock);
	return res;
}
