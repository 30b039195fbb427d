/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* libkp internals shared by the library's source files. */
#ifndef LIBKP_PRIV_H
#define LIBKP_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include "libkp.h"

#define KP_NUM_BARS	6
#define KP_ERRLEN	256

/*
 * A handle.  @refs counts the owner (until kp_close()), every call in
 * flight and the handler thread; the last reference closes the fd and
 * frees the handle, so an fd number is never reused under a call.
 */
struct kp_dev {
	atomic_int		refs;
	int			fd;
	pid_t			pid;		/* of the opener */
	atomic_int		closing;	/* kp_close() has begun */
	char			path[128];

	/* last error of this handle, guarded by err_lock */
	pthread_mutex_t		err_lock;
	char			err[KP_ERRLEN];

	/* guards the state below against concurrent enable/disable/close */
	pthread_mutex_t		lock;
	void			*bar_addr[KP_NUM_BARS];
	size_t			bar_size[KP_NUM_BARS];
	int			plugin_open;
	int			int_enabled;
	int			events;

	/* the notification queue, mapped (NULL with an older runtime) */
	const struct kp_notify_state *nstate;
	struct kp_notify_ack	*nack;

	/* handler thread of kp_int_enable() */
	int			thread_running;
	pthread_t		thread;
	kp_int_handler		handler;
	void			*handler_ctx;
	int			thread_err;	/* -errno the thread stopped on */
};

/* A reference for the duration of a call. */
static inline struct kp_dev *kp_get(struct kp_dev *dev)
{
	atomic_fetch_add_explicit(&dev->refs, 1, memory_order_relaxed);
	return dev;
}

void kp_put(struct kp_dev *dev);

/* Records "<what>: <strerror(-err)>" as @dev's last error; returns @err. */
int kp_set_error(struct kp_dev *dev, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ioctl() returning 0 or -errno, recording the error under @name. */
int kp_ioctl(struct kp_dev *dev, unsigned long req, void *arg,
	     const char *name);

/* Unmaps what kp_open_path() mapped (libkp_irq.c maps the queue). */
void kp_notify_map(struct kp_dev *dev);
void kp_notify_unmap(struct kp_dev *dev);

#endif /* LIBKP_PRIV_H */
