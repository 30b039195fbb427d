/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libkp - user-mode library for devices served by kp_runtime.ko.
 *
 * Every call returns 0 (or a count) on success or a negative errno value;
 * nothing exits or prints.  kp_strerror() describes the last error of a
 * device handle (including the ioctl that failed).
 *
 * Threads: any call may be made from any thread, also concurrently on one
 * handle (kp_int_wait() in several threads takes each notification once).
 * kp_close() may be called from any thread, the libkp handler thread
 * included; threads blocked in kp_int_wait()/kp_event_wait() on the
 * handle return (stopped) and the descriptor is closed once the last call
 * in flight has returned.  No call may start on a handle after kp_close().
 * After fork(), kp_close() in the child only releases the child's copy
 * (the parent's interrupts and plugin open stay as they are).
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

/* Opens /dev/kp/<driver><index> for reading and writing. */
int kp_open(struct kp_dev **devp, const char *driver, unsigned int index);
/* Opens a device node path directly. */
int kp_open_path(struct kp_dev **devp, const char *path);
/* The same, read-only: register reads, info, stats, waits (KP_GET_*). */
int kp_open_path_ro(struct kp_dev **devp, const char *path);
/*
 * Stops the handler thread (if any), disables interrupts, closes the plugin
 * and releases @dev (see the threads note above).  Safe with NULL.
 */
void kp_close(struct kp_dev *dev);

int kp_fd(const struct kp_dev *dev);
/* The last error of @dev, as a copy private to the calling thread. */
const char *kp_strerror(const struct kp_dev *dev);
/* The same into @buf; returns @buf. */
char *kp_strerror_r(const struct kp_dev *dev, char *buf, size_t len);
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
/*
 * Maps a whole memory BAR; unmapped by kp_close() or kp_bar_unmap().
 * Accesses after the device was removed raise SIGBUS.
 */
int kp_bar_map(struct kp_dev *dev, unsigned int bar, volatile void **addr,
	       size_t *size);
int kp_bar_unmap(struct kp_dev *dev, unsigned int bar);

/* Kernel PlugIn: KP_Open, KP_Close, KP_Call. */
int kp_plugin_open(struct kp_dev *dev, const void *open_data, size_t size);
int kp_plugin_close(struct kp_dev *dev);
int kp_call(struct kp_dev *dev, uint32_t message, void *data, size_t size,
	    uint32_t *result);
/* KP_Call copying @data one way only: KP_CALL_F_IN or KP_CALL_F_OUT. */
int kp_call_dir(struct kp_dev *dev, uint32_t message, void *data,
		size_t size, uint32_t flags, uint32_t *result);

/*
 * Interrupts.  Set @sz to sizeof(struct kp_int_opts) (KP_INT_OPTS() does)
 * so that later versions can add members; 0 means this first version.
 */
struct kp_int_opts {
	size_t		sz;
	uint32_t	mode;		/* KP_INT_MODE_* */
	uint32_t	nvec;		/* 0 means 1 */
	uint32_t	message;	/* passed to KP_IntEnable */
	void		*data;		/* passed to KP_IntEnable, may be NULL */
	size_t		data_size;
	const struct kp_trans_cmd *trans;
	uint32_t	ntrans;
	uint64_t	max_backlog;	/* 0 = unlimited */
};
#define KP_INT_OPTS(name, ...)						\
	struct kp_int_opts name = { .sz = sizeof(struct kp_int_opts),	\
				    __VA_ARGS__ }

/* What kp_int_enable() got from the kernel. */
struct kp_int_granted {
	uint32_t	mode;		/* KP_INT_MODE_INTX/MSI/MSIX */
	uint32_t	nvec;
	uint32_t	result;		/* KP_IntEnable's dwResult */
};

/* What one wait returned. */
struct kp_int_result {
	uint64_t	counter;	/* ordinal of the (last) one taken */
	uint64_t	pending;	/* still queued */
	uint64_t	lost;		/* dropped by max_backlog so far */
	uint32_t	last_vector;
	int		stopped;	/* no more will come: see @reason */
	uint32_t	reason;		/* KP_STOP_* when stopped */
	uint64_t	taken;		/* notifications this wait took */
};

/* Called on libkp's thread once per notification. */
typedef void (*kp_int_handler)(struct kp_dev *dev,
			       const struct kp_int_result *res, void *ctx);

/*
 * Enables interrupts.  With @handler, starts a thread that waits and calls
 * @handler once per notification until kp_int_disable() or kp_close()
 * (the handler may call kp_close() itself).  Without it, the caller waits
 * with kp_int_wait().  @granted (may be NULL) receives what the kernel
 * gave.
 */
int kp_int_enable(struct kp_dev *dev, const struct kp_int_opts *opts,
		  kp_int_handler handler, void *ctx,
		  struct kp_int_granted *granted);
/* Disables interrupts and joins the handler thread, if any. */
int kp_int_disable(struct kp_dev *dev);
/*
 * Takes one notification, sleeping until there is one (@nonblock: -EAGAIN
 * if none is pending).  A pending notification is taken from the mapped
 * queue without a system call.
 */
int kp_int_wait(struct kp_dev *dev, struct kp_int_result *res, int nonblock);
/*
 * The same with KP_WAIT_* @flags: KP_WAIT_NONBLOCK, KP_WAIT_ALL (take every
 * pending one), KP_WAIT_TIMEOUT (-ETIMEDOUT after @timeout_ns).
 */
int kp_int_wait_flags(struct kp_dev *dev, struct kp_int_result *res,
		      uint32_t flags, uint64_t timeout_ns);
/* Short text for a KP_STOP_* reason ("device removed", ...). */
const char *kp_stop_reason(uint32_t reason);

/*
 * DMA buffers (linux/kp.h, "DMA buffers"), named after the commercial
 * kit's WDC_DMAContigBufLock, WDC_DMASGBufLock, WDC_DMABufUnlock,
 * WDC_DMASyncCpu and WDC_DMASyncIo.  @flags: KP_DMA_TO_DEVICE,
 * KP_DMA_FROM_DEVICE or KP_DMA_BIDIRECTIONAL.  The segments are what the
 * device is given; hand @handle to the plugin (in a KP_Call) to let it
 * program the device.  kp_dma_unlock() frees the struct; kp_close(),
 * process exit and device removal free the buffers in the kernel too.
 */
struct kp_dma {
	uint32_t	handle;
	uint32_t	flags;		/* direction, KP_DMA_F_CONTIG */
	void		*user_addr;	/* the buffer in this process */
	uint64_t	size;
	uint32_t	nsegs;
	struct kp_dma_seg *segs;	/* bus address + length each */
	struct kp_dev	*dev;
};

/* A physically contiguous buffer of @size bytes, mapped at *@buf. */
int kp_dma_contig_lock(struct kp_dev *dev, void **buf, uint32_t flags,
		       size_t size, struct kp_dma **dma);
/* Pins and maps @size bytes at @buf (both page aligned): scatter-gather. */
int kp_dma_sg_lock(struct kp_dev *dev, void *buf, uint32_t flags,
		   size_t size, struct kp_dma **dma);
int kp_dma_unlock(struct kp_dma *dma);
/* Before the CPU reads what the device wrote. */
int kp_dma_sync_cpu(struct kp_dma *dma);
/* Before the device reads what the CPU wrote. */
int kp_dma_sync_io(struct kp_dma *dma);
int kp_dma_sync_range(struct kp_dma *dma, uint64_t offset, uint64_t size,
		      int for_cpu);

/* Plug-and-play / power events (KP_EVENT_* mask). */
int kp_event_register(struct kp_dev *dev, uint32_t actions);
int kp_event_wait(struct kp_dev *dev, struct kp_event_wait *ev, int nonblock);

/*
 * The host's view of a device's interrupts, for tools and tests: the IRQ
 * numbers of PCI function @bdf ("0000:00:03.0") - its MSI/MSI-X vectors
 * if any are allocated, else its INTx line - up to @max, returning how
 * many there are; and the count of IRQ @irq summed over all CPUs in
 * /proc/interrupts (-ENOENT if it is not listed).
 */
int kp_dev_irqs(const char *bdf, int *irqs, int max);
int kp_proc_interrupts(int irq, uint64_t *count);

#ifdef __cplusplus
}
#endif
#endif /* LIBKP_H */
