// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <time.h>

#include "kpt_irq.h"

void kpt_handler_init(struct kpt_handler *h)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cond, &ca);
	pthread_condattr_destroy(&ca);
	h->calls = h->last_counter = h->lost = 0;
	h->last_vector = 0;
}

void kpt_handler_fn(struct kp_dev *dev, const struct kp_int_result *res,
		    void *ctx)
{
	struct kpt_handler *h = ctx;

	(void)dev;
	pthread_mutex_lock(&h->lock);
	h->calls++;
	h->last_counter = res->counter;
	h->lost = res->lost;
	h->last_vector = res->last_vector;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

uint64_t kpt_handler_wait(struct kpt_handler *h, uint64_t n,
			  double timeout_s)
{
	struct timespec ts;
	uint64_t calls;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)timeout_s;
	ts.tv_nsec += (long)((timeout_s - (time_t)timeout_s) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&h->lock);
	while (h->calls < n) {
		if (pthread_cond_timedwait(&h->cond, &h->lock, &ts) ==
		    ETIMEDOUT)
			break;
	}
	calls = h->calls;
	pthread_mutex_unlock(&h->lock);
	return calls;
}

uint64_t kpt_handler_calls(struct kpt_handler *h)
{
	uint64_t calls;

	pthread_mutex_lock(&h->lock);
	calls = h->calls;
	pthread_mutex_unlock(&h->lock);
	return calls;
}
