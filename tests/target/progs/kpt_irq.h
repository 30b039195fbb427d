/* SPDX-License-Identifier: GPL-2.0 */
/* A counting user-mode interrupt handler on libkp's handler thread. */
#ifndef KPT_IRQ_H
#define KPT_IRQ_H

#include <pthread.h>
#include <stdint.h>
#include "libkp.h"

struct kpt_handler {
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	uint64_t	calls;		/* handler invocations */
	uint64_t	last_counter;
	uint64_t	lost;
	uint32_t	last_vector;
};

void kpt_handler_init(struct kpt_handler *h);
/* The kp_int_handler to pass to kp_int_enable() with @h as ctx. */
void kpt_handler_fn(struct kp_dev *dev, const struct kp_int_result *res,
		    void *ctx);
/* Waits until h->calls >= @n or @timeout_s passes; returns h->calls. */
uint64_t kpt_handler_wait(struct kpt_handler *h, uint64_t n,
			  double timeout_s);
uint64_t kpt_handler_calls(struct kpt_handler *h);

#endif
