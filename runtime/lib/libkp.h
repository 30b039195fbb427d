/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libkp - user-mode library for devices served by kp_runtime.ko.
 *
 * Every call returns 0 on success or a negative errno value; nothing exits
 * or prints.  kp_strerror() describes the last error of a device handle
 * (including the ioctl that failed).  A kp_dev is not thread-safe as a
 * whole, but kp_int_wait() may block in one thread while others use the
 * handle; the handler thread of kp_int_enable() is libkp's own.
 */
#ifndef LIBKP_H
#define LIBKP_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kp.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kp_dev;

/* A device found in /sys/class/kp. */
struct kp_dev_entry {
	char		name[32];	/* "edu0": /dev/kp/<name> */
	char		driver[16];	/* plugin cDriverName */
	unsigned int	index;
	char		bdf[16];
	uint16_t	vendor, device;
};

/* Lists up to @max devices, returns how many exist (may exceed @max). */
int kp_list(struct kp_dev_entry *entries, int max);

/* Opens /dev/kp/<driver><index>. */
int kp_open(struct kp_dev **devp, const char *driver, unsigned int index);
/* Opens a device node path directly. */
int kp_open_path(struct kp_dev **devp, const char *path);
/*
 * Stops the handler thread (if any), disables interrupts, closes the plugin
 * and the fd, frees @dev.  Safe with NULL.
 */
void kp_close(struct kp_dev *dev);

int kp_fd(const struct kp_dev *dev);
const char *kp_strerror(const struct kp_dev *dev);
void kp_clear_error(struct kp_dev *dev);

int kp_get_info(struct kp_dev *dev, struct kp_device_info *info);
int kp_get_bar_info(struct kp_dev *dev, unsigned int bar,
		    struct kp_bar_info *info);
int kp_get_stats(struct kp_dev *dev, struct kp_stats *stats);

/* Register and config-space access; @width is 1, 2, 4 or 8 bytes. */
int kp_bar_read(struct kp_dev *dev, unsigned int bar, uint64_t offset,
		unsigned int width, uint64_t *value);
int kp_bar_write(struct kp_dev *dev, unsigned int bar, uint64_t offset,
		 unsigned int width, uint64_t value);
int kp_cfg_read(struct kp_dev *dev, uint64_t offset, unsigned int width,
		uint64_t *value);
int kp_cfg_write(struct kp_dev *dev, uint64_t offset, unsigned int width,
		 uint64_t value);
/* Maps a whole memory BAR; unmapped by kp_close() or kp_bar_unmap(). */
int kp_bar_map(struct kp_dev *dev, unsigned int bar, volatile void **addr,
	       size_t *size);
int kp_bar_unmap(struct kp_dev *dev, unsigned int bar);

/* Kernel PlugIn: KP_Open, KP_Close, KP_Call. */
int kp_plugin_open(struct kp_dev *dev, const void *open_data, size_t size);
int kp_plugin_close(struct kp_dev *dev);
int kp_call(struct kp_dev *dev, uint32_t message, void *data, size_t size,
	    uint32_t *result);

/* Interrupts. */
struct kp_int_opts {
	uint32_t	mode;		/* KP_INT_MODE_* */
	uint32_t	nvec;		/* 0 means 1 */
	uint32_t	message;	/* passed to KP_IntEnable */
	void		*data;		/* passed to KP_IntEnable, may be NULL */
	size_t		data_size;
	const struct kp_trans_cmd *trans;
	uint32_t	ntrans;
	uint64_t	max_backlog;	/* 0 = unlimited */
};

/* What one wait returned (struct kp_int_wait without the envelope). */
struct kp_int_result {
	uint64_t	counter;
	uint64_t	pending;
	uint64_t	lost;
	uint32_t	last_vector;
	int		stopped;
};

/* Called on libkp's thread once per notification. */
typedef void (*kp_int_handler)(struct kp_dev *dev,
			       const struct kp_int_result *res, void *ctx);

/*
 * Enables interrupts.  With @handler, starts a thread that waits and calls
 * @handler once per notification until kp_int_disable().  Without it, the
 * caller waits with kp_int_wait().  @granted (may be NULL) receives the
 * mode and vector count the kernel gave.
 */
int kp_int_enable(struct kp_dev *dev, const struct kp_int_opts *opts,
		  kp_int_handler handler, void *ctx,
		  struct kp_int_enable *granted);
/* Disables interrupts and joins the handler thread, if any. */
int kp_int_disable(struct kp_dev *dev);
/* Blocks for one notification (@nonblock: -EAGAIN if none pending). */
int kp_int_wait(struct kp_dev *dev, struct kp_int_result *res, int nonblock);

/* Plug-and-play / power events (KP_EVENT_* mask). */
int kp_event_register(struct kp_dev *dev, uint32_t actions);
int kp_event_wait(struct kp_dev *dev, struct kp_event_wait *ev, int nonblock);

#ifdef __cplusplus
}
#endif
#endif /* LIBKP_H */
