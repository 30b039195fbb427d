/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* libkp internals shared by the library's source files. */
#ifndef LIBKP_PRIV_H
#define LIBKP_PRIV_H

#include <pthread.h>
#include <stdint.h>
#include "libkp.h"

#define KP_NUM_BARS	6
#define KP_ERRLEN	256

struct kp_dev {
	int			fd;
	char			path[128];

	/* last error of this handle, guarded by err_lock */
	pthread_mutex_t		err_lock;
	char			err[KP_ERRLEN];

	void			*bar_addr[KP_NUM_BARS];
	size_t			bar_size[KP_NUM_BARS];

	int			plugin_open;
	int			int_enabled;

	/* handler thread of kp_int_enable() */
	int			thread_running;
	pthread_t		thread;
	kp_int_handler		handler;
	void			*handler_ctx;
	int			thread_err;	/* -errno the thread stopped on */
};

/* Records "<what>: <strerror(-err)>" as @dev's last error; returns @err. */
int kp_set_error(struct kp_dev *dev, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ioctl() returning 0 or -errno, recording the error under @name. */
int kp_ioctl(struct kp_dev *dev, unsigned long req, void *arg,
	     const char *name);

/* Joins a handler thread that a failed KP_INT_DISABLE left running. */
void kp_int_join_after_close(struct kp_dev *dev);

#endif /* LIBKP_PRIV_H */
