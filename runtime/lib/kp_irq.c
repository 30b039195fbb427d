// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libkp: interrupts (KP_INT_ENABLE / DISABLE / WAIT, with an optional
 * handler thread in the style of WDC_IntEnable) and plug-and-play events.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kp_priv.h"

static void fill_result(struct kp_int_result *res,
			const struct kp_int_wait *w)
{
	res->counter = w->counter;
	res->pending = w->pending;
	res->lost = w->lost;
	res->last_vector = w->last_vector;
	res->stopped = !!(w->flags & KP_WAIT_STOPPED);
}

int kp_int_wait(struct kp_dev *dev, struct kp_int_result *res, int nonblock)
{
	struct kp_int_wait w;
	int err;

	if (!dev || !res)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	w.argsz = sizeof(w);
	w.flags = nonblock ? KP_WAIT_NONBLOCK : 0;
	if (ioctl(dev->fd, KP_INT_WAIT, &w) < 0) {
		err = -errno;
		/* EAGAIN and EINTR are ordinary outcomes, not errors */
		if (err != -EAGAIN && err != -EINTR)
			kp_set_error(dev, err, "KP_INT_WAIT");
		return err;
	}
	fill_result(res, &w);
	return 0;
}

/*
 * The handler thread: blocks in KP_INT_WAIT and calls the handler once per
 * notification until the runtime reports KP_WAIT_STOPPED (after
 * KP_INT_DISABLE, device removal or close of the fd).
 */
static void *handler_thread(void *arg)
{
	struct kp_dev *dev = arg;
	struct kp_int_result res;
	int err;

	for (;;) {
		err = kp_int_wait(dev, &res, 0);
		if (err == -EINTR)
			continue;
		if (err) {
			dev->thread_err = err;
			break;
		}
		if (res.stopped)
			break;
		dev->handler(dev, &res, dev->handler_ctx);
	}
	return NULL;
}

int kp_int_enable(struct kp_dev *dev, const struct kp_int_opts *opts,
		  kp_int_handler handler, void *ctx,
		  struct kp_int_enable *granted)
{
	static const struct kp_int_opts defaults = { .mode = KP_INT_MODE_AUTO };
	struct kp_int_enable ie;
	sigset_t all, old;
	int err;

	if (!dev)
		return -EINVAL;
	if (!opts)
		opts = &defaults;
	if ((opts->data_size && !opts->data) || (opts->ntrans && !opts->trans))
		return kp_set_error(dev, -EINVAL, "kp_int_enable arguments");
	if (opts->data_size > UINT32_MAX)
		return kp_set_error(dev, -E2BIG, "KP_INT_ENABLE data_size");
	if (dev->thread_running)
		return kp_set_error(dev, -EBUSY,
				    "kp_int_enable: handler thread running");
	memset(&ie, 0, sizeof(ie));
	ie.argsz = sizeof(ie);
	ie.mode = opts->mode;
	ie.nvec = opts->nvec ? opts->nvec : 1;
	ie.message = opts->message;
	ie.data = (uintptr_t)opts->data;
	ie.data_size = opts->data_size;
	ie.ntrans = opts->ntrans;
	ie.trans = (uintptr_t)opts->trans;
	ie.max_backlog = opts->max_backlog;
	err = kp_ioctl(dev, KP_INT_ENABLE, &ie, "KP_INT_ENABLE");
	if (err)
		return err;
	dev->int_enabled = 1;
	if (granted)
		*granted = ie;
	if (!handler)
		return 0;

	dev->handler = handler;
	dev->handler_ctx = ctx;
	dev->thread_err = 0;
	/* The thread inherits a full signal mask: signals go elsewhere. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&dev->thread, NULL, handler_thread, dev);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		kp_set_error(dev, err, "pthread_create");
		ioctl(dev->fd, KP_INT_DISABLE, NULL);
		dev->int_enabled = 0;
		return err;
	}
	dev->thread_running = 1;
	return 0;
}

int kp_int_disable(struct kp_dev *dev)
{
	int err;

	if (!dev)
		return -EINVAL;
	if (dev->thread_running &&
	    pthread_equal(pthread_self(), dev->thread))
		return kp_set_error(dev, -EDEADLK,
				    "kp_int_disable from the handler");
	err = kp_ioctl(dev, KP_INT_DISABLE, NULL, "KP_INT_DISABLE");
	dev->int_enabled = 0;
	/*
	 * KP_INT_DISABLE wakes every waiter with KP_WAIT_STOPPED.  If it
	 * failed, the thread may still be blocked: leave it to kp_close(),
	 * whose close() of the fd stops it.
	 */
	if (dev->thread_running && !err) {
		pthread_join(dev->thread, NULL);
		dev->thread_running = 0;
		if (dev->thread_err)
			err = dev->thread_err;
	}
	return err;
}

/* Used by kp_close() when the thread outlived a failed KP_INT_DISABLE. */
void kp_int_join_after_close(struct kp_dev *dev)
{
	if (dev->thread_running) {
		pthread_join(dev->thread, NULL);
		dev->thread_running = 0;
	}
}

/* ---- events ------------------------------------------------------- */

int kp_event_register(struct kp_dev *dev, uint32_t actions)
{
	struct kp_event_register er;

	if (!dev)
		return -EINVAL;
	memset(&er, 0, sizeof(er));
	er.argsz = sizeof(er);
	er.actions = actions;
	return kp_ioctl(dev, KP_EVENT_REGISTER, &er, "KP_EVENT_REGISTER");
}

int kp_event_wait(struct kp_dev *dev, struct kp_event_wait *ev, int nonblock)
{
	int err;

	if (!dev || !ev)
		return -EINVAL;
	memset(ev, 0, sizeof(*ev));
	ev->argsz = sizeof(*ev);
	ev->flags = nonblock ? KP_WAIT_NONBLOCK : 0;
	if (ioctl(dev->fd, KP_EVENT_WAIT, ev) < 0) {
		err = -errno;
		if (err != -EAGAIN && err != -EINTR)
			kp_set_error(dev, err, "KP_EVENT_WAIT");
		return err;
	}
	return 0;
}
