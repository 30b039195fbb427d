// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libkp: interrupts (KP_INT_ENABLE / DISABLE / WAIT, with an optional
 * handler thread in the style of WDC_IntEnable) and plug-and-play events.
 *
 * kp_int_wait() first looks at the notification queue the runtime maps
 * into the process (linux/kp.h, KP_MMAP_NOTIFY): when a notification is
 * pending it takes it with one compare-and-swap, no system call; only
 * when none is pending does it sleep in KP_INT_WAIT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libkp_priv.h"

/* ---- the mapped queue ---------------------------------------------- */

void kp_notify_map(struct kp_dev *dev)
{
	long page = sysconf(_SC_PAGESIZE);
	void *st, *ack;

	st = mmap(NULL, page, PROT_READ, MAP_SHARED, dev->fd,
		  (off_t)KP_MMAP_NOTIFY);
	if (st == MAP_FAILED)
		return;		/* older runtime: KP_INT_WAIT only */
	ack = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, dev->fd,
		   (off_t)KP_MMAP_NOTIFY_ACK);
	if (ack == MAP_FAILED) {
		/* a read-only fd: the queue is visible but not takeable */
		munmap(st, page);
		return;
	}
	dev->nstate = st;
	dev->nack = ack;
}

void kp_notify_unmap(struct kp_dev *dev)
{
	long page = sysconf(_SC_PAGESIZE);

	if (dev->nstate)
		munmap((void *)dev->nstate, page);
	if (dev->nack)
		munmap(dev->nack, page);
	dev->nstate = NULL;
	dev->nack = NULL;
}

/*
 * Takes one pending notification (all of them with @all) from the mapped
 * queue; false when none is pending.  The same compare-and-swap as the
 * kernel's, so concurrent takers never take one twice.
 */
static bool kp_int_take(struct kp_dev *dev, bool all,
			struct kp_int_result *res)
{
	const struct kp_notify_state *st = dev->nstate;
	__u64 *consumed = &dev->nack->consumed;
	__u64 c, p, to;

	c = __atomic_load_n(consumed, __ATOMIC_ACQUIRE);
	for (;;) {
		p = __atomic_load_n(&st->produced, __ATOMIC_ACQUIRE);
		if (c >= p)
			return false;
		to = all ? p : c + 1;
		if (__atomic_compare_exchange_n(consumed, &c, to, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			break;
	}
	res->counter = to - __atomic_load_n(&st->base, __ATOMIC_RELAXED);
	res->pending = p - to;
	res->lost = __atomic_load_n(&st->lost, __ATOMIC_RELAXED);
	res->last_vector = __atomic_load_n(&st->last_vector,
					   __ATOMIC_RELAXED);
	res->stopped = 0;
	res->reason = KP_STOP_NONE;
	res->taken = to - c;
	return true;
}

/* ---- waiting -------------------------------------------------------- */

static void fill_result(struct kp_int_result *res,
			const struct kp_int_wait *w)
{
	res->counter = w->counter;
	res->pending = w->pending;
	res->lost = w->lost;
	res->last_vector = w->last_vector;
	res->stopped = !!(w->flags & KP_WAIT_STOPPED);
	res->reason = res->stopped ? w->reason : KP_STOP_NONE;
	res->taken = w->taken;
}

static int kp_int_wait_locked(struct kp_dev *dev, struct kp_int_result *res,
			      uint32_t flags, uint64_t timeout_ns)
{
	struct kp_int_wait w;
	int err;

	if (dev->nack) {
		if (kp_int_take(dev, flags & KP_WAIT_ALL, res))
			return 0;
		if ((flags & KP_WAIT_NONBLOCK) &&
		    __atomic_load_n(&dev->nstate->state, __ATOMIC_ACQUIRE) ==
		    KP_NOTIFY_ENABLED)
			return -EAGAIN;
	}
	memset(&w, 0, sizeof(w));
	w.argsz = sizeof(w);
	w.flags = flags;
	w.timeout_ns = timeout_ns;
	if (ioctl(dev->fd, KP_INT_WAIT, &w) < 0) {
		err = -errno;
		/* EAGAIN, ETIMEDOUT, EINTR are ordinary outcomes */
		if (err != -EAGAIN && err != -EINTR && err != -ETIMEDOUT)
			kp_set_error(dev, err, "KP_INT_WAIT");
		return err;
	}
	fill_result(res, &w);
	return 0;
}

int kp_int_wait_flags(struct kp_dev *dev, struct kp_int_result *res,
		      uint32_t flags, uint64_t timeout_ns)
{
	int err;

	if (!dev || !res ||
	    (flags & ~(KP_WAIT_NONBLOCK | KP_WAIT_ALL | KP_WAIT_TIMEOUT)))
		return -EINVAL;
	kp_get(dev);
	err = kp_int_wait_locked(dev, res, flags, timeout_ns);
	kp_put(dev);
	return err;
}

int kp_int_wait(struct kp_dev *dev, struct kp_int_result *res, int nonblock)
{
	return kp_int_wait_flags(dev, res, nonblock ? KP_WAIT_NONBLOCK : 0, 0);
}

/*
 * The handler thread: waits and calls the handler once per notification
 * until the runtime reports KP_WAIT_STOPPED (after KP_INT_DISABLE, device
 * removal or close of the fd) or kp_close() began.  It holds a reference,
 * so a kp_close() from inside the handler frees the handle only once the
 * thread has left it.
 */
static void *handler_thread(void *arg)
{
	struct kp_dev *dev = arg;
	struct kp_int_result res;
	int err;

	while (!atomic_load(&dev->closing)) {
		err = kp_int_wait_locked(dev, &res, 0, 0);
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
	kp_put(dev);
	return NULL;
}

static bool kp_in_handler(struct kp_dev *dev)
{
	return dev->thread_running && pthread_equal(pthread_self(),
						    dev->thread);
}

int kp_int_enable(struct kp_dev *dev, const struct kp_int_opts *opts,
		  kp_int_handler handler, void *ctx,
		  struct kp_int_granted *granted)
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

	kp_get(dev);
	pthread_mutex_lock(&dev->lock);
	if (dev->thread_running) {
		err = kp_set_error(dev, -EBUSY,
				   "kp_int_enable: handler thread running");
		goto out_unlock;
	}
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
		goto out_unlock;
	dev->int_enabled = 1;
	if (granted) {
		granted->mode = ie.mode;
		granted->nvec = ie.nvec;
		granted->result = ie.result;
	}
	if (!handler)
		goto out_unlock;

	dev->handler = handler;
	dev->handler_ctx = ctx;
	dev->thread_err = 0;
	/* The thread inherits a full signal mask: signals go elsewhere. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	kp_get(dev);		/* the thread's */
	err = -pthread_create(&dev->thread, NULL, handler_thread, dev);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		kp_put(dev);
		kp_set_error(dev, err, "pthread_create");
		ioctl(dev->fd, KP_INT_DISABLE, NULL);
		dev->int_enabled = 0;
		goto out_unlock;
	}
	dev->thread_running = 1;
out_unlock:
	pthread_mutex_unlock(&dev->lock);
	kp_put(dev);
	return err;
}

/*
 * Disables interrupts, which wakes every waiter with KP_WAIT_STOPPED, the
 * handler thread included; returns whether that thread is to be joined
 * (outside dev->lock: the handler may use the handle).  The thread stops
 * unless the ioctl failed for another reason than "nothing enabled" or
 * "device gone", which both stop it too.  Called with dev->lock held.
 */
static int kp_int_stop(struct kp_dev *dev, bool *join, pthread_t *thread)
{
	int err = 0;

	if (dev->int_enabled)
		err = kp_ioctl(dev, KP_INT_DISABLE, NULL, "KP_INT_DISABLE");
	dev->int_enabled = 0;
	*join = dev->thread_running &&
		(!err || err == -EINVAL || err == -ENODEV);
	if (*join) {
		*thread = dev->thread;
		dev->thread_running = 0;
	}
	return err;
}

int kp_int_disable(struct kp_dev *dev)
{
	pthread_t thread;
	bool join;
	int err;

	if (!dev)
		return -EINVAL;
	if (kp_in_handler(dev))
		return kp_set_error(dev, -EDEADLK,
				    "kp_int_disable from the handler");
	if (dev->pid != getpid())
		return kp_set_error(dev, -ECHILD,
				    "kp_int_disable in a forked child");
	kp_get(dev);
	pthread_mutex_lock(&dev->lock);
	err = kp_int_stop(dev, &join, &thread);
	pthread_mutex_unlock(&dev->lock);
	if (join) {
		pthread_join(thread, NULL);
		if (!err && dev->thread_err)
			err = dev->thread_err;
	}
	kp_put(dev);
	return err;
}

/*
 * kp_close()'s part: interrupts off and the thread gone - or, when
 * kp_close() runs on the handler thread itself, the thread detached; it
 * leaves its loop when the handler returns (dev->closing) and drops its
 * reference.
 */
void kp_int_shutdown(struct kp_dev *dev)
{
	pthread_t thread;
	bool join = false;

	pthread_mutex_lock(&dev->lock);
	if (kp_in_handler(dev)) {
		if (dev->int_enabled)
			ioctl(dev->fd, KP_INT_DISABLE, NULL);
		dev->int_enabled = 0;
		pthread_detach(dev->thread);
		dev->thread_running = 0;
	} else {
		kp_int_stop(dev, &join, &thread);
	}
	pthread_mutex_unlock(&dev->lock);
	if (join)
		pthread_join(thread, NULL);
}

/* ---- events ------------------------------------------------------- */

int kp_event_register(struct kp_dev *dev, uint32_t actions)
{
	struct kp_event_register er;
	int err;

	if (!dev)
		return -EINVAL;
	memset(&er, 0, sizeof(er));
	er.argsz = sizeof(er);
	er.actions = actions;
	kp_get(dev);
	pthread_mutex_lock(&dev->lock);
	err = kp_ioctl(dev, KP_EVENT_REGISTER, &er, "KP_EVENT_REGISTER");
	if (!err)
		dev->events = actions != 0;
	pthread_mutex_unlock(&dev->lock);
	kp_put(dev);
	return err;
}

int kp_event_wait(struct kp_dev *dev, struct kp_event_wait *ev, int nonblock)
{
	int err = 0;

	if (!dev || !ev)
		return -EINVAL;
	memset(ev, 0, sizeof(*ev));
	ev->argsz = sizeof(*ev);
	ev->flags = nonblock ? KP_WAIT_NONBLOCK : 0;
	kp_get(dev);
	if (ioctl(dev->fd, KP_EVENT_WAIT, ev) < 0) {
		err = -errno;
		if (err != -EAGAIN && err != -EINTR)
			kp_set_error(dev, err, "KP_EVENT_WAIT");
	}
	kp_put(dev);
	return err;
}
