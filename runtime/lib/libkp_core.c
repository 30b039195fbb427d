// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libkp: the handle's life (references, release) and its error string.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libkp_priv.h"

/* ---- references --------------------------------------------------- */

static void kp_free(struct kp_dev *dev)
{
	unsigned int bar;

	for (bar = 0; bar < KP_NUM_BARS; bar++)
		if (dev->bar_addr[bar])
			munmap(dev->bar_addr[bar], dev->bar_size[bar]);
	kp_notify_unmap(dev);
	close(dev->fd);
	pthread_mutex_destroy(&dev->lock);
	pthread_mutex_destroy(&dev->err_lock);
	free(dev);
}

void kp_put(struct kp_dev *dev)
{
	if (atomic_fetch_sub_explicit(&dev->refs, 1,
				      memory_order_acq_rel) == 1)
		kp_free(dev);
}

/* ---- errors ------------------------------------------------------- */

int kp_set_error(struct kp_dev *dev, int err, const char *fmt, ...)
{
	char what[160];
	char buf[128];
	const char *desc;
	va_list ap;

	if (!dev)
		return err;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	desc = strerror_r(-err, buf, sizeof(buf));	/* GNU variant */
	pthread_mutex_lock(&dev->err_lock);
	snprintf(dev->err, sizeof(dev->err), "%s: %s (%d)", what, desc, err);
	pthread_mutex_unlock(&dev->err_lock);
	return err;
}

int kp_ioctl(struct kp_dev *dev, unsigned long req, void *arg,
	     const char *name)
{
	if (ioctl(dev->fd, req, arg) < 0)
		return kp_set_error(dev, -errno, "%s", name);
	return 0;
}

char *kp_strerror_r(const struct kp_dev *dev, char *buf, size_t len)
{
	struct kp_dev *d = (struct kp_dev *)dev;

	if (!len)
		return buf;
	if (!dev) {
		snprintf(buf, len, "no device handle");
		return buf;
	}
	pthread_mutex_lock(&d->err_lock);
	snprintf(buf, len, "%s", d->err[0] ? d->err : "no error");
	pthread_mutex_unlock(&d->err_lock);
	return buf;
}

const char *kp_strerror(const struct kp_dev *dev)
{
	static __thread char buf[KP_ERRLEN];

	return kp_strerror_r(dev, buf, sizeof(buf));
}

void kp_clear_error(struct kp_dev *dev)
{
	if (!dev)
		return;
	pthread_mutex_lock(&dev->err_lock);
	dev->err[0] = '\0';
	pthread_mutex_unlock(&dev->err_lock);
}

int kp_fd(const struct kp_dev *dev)
{
	return dev ? dev->fd : -EBADF;
}

const char *kp_stop_reason(uint32_t reason)
{
	switch (reason) {
	case KP_STOP_NONE:
		return "not stopped";
	case KP_STOP_IDLE:
		return "interrupts not enabled";
	case KP_STOP_DISABLED:
		return "interrupts disabled";
	case KP_STOP_REMOVED:
		return "device removed";
	case KP_STOP_STORM:
		return "interrupt storm: device masked";
	case KP_STOP_LINE_DISABLED:
		return "the kernel disabled the interrupt line";
	case KP_STOP_CLOSED:
		return "device closed";
	default:
		return "unknown reason";
	}
}
