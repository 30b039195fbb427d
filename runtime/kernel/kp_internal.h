/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_internal.h - state shared by the files of kp_runtime.ko
 *
 * Object model:
 *
 *   struct kp_plugin	one per loaded plugin module: its KP_Init results
 *			and the pci_driver named after cDriverName.
 *   struct kp_device	one per bound PCI function, refcounted (kref): the
 *			PCI device may be removed while files stay open.
 *   struct kp_session	one per open() of /dev/kp/<name><n>: the plugin
 *			open (KP_Open context), notification and event state.
 *   struct kp_irq	interrupts of a device while one session has them
 *			enabled, with one struct kp_vector per vector.
 *
 * Locking, outermost first:
 *   kdev->rwsem	read: any ioctl using the device or plugin; write:
 *			PCI remove (waits for KP_Call and friends to finish)
 *   sess->rwsem	read: KP_Call, KP_IntEnable; write: KP_Open/KP_Close
 *   kdev->lock		sessions list, kdev->irq, plugin open state changes
 *   sess->lock		(spinlock, _bh) notification and event counters
 * The IRQ path takes none of these: atomics only.
 */
#ifndef _KP_INTERNAL_H
#define _KP_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/interrupt.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>

#include <kp/kp_plugin.h>
#include <linux/kp.h>

/* the reference's C library names are for plugins, not for the runtime */
#undef malloc
#undef calloc
#undef realloc
#undef free

#define KP_NUM_BARS		PCI_STD_NUM_BARS
#define KP_MAX_MINORS		256
#define KP_EVENT_QUEUE_LEN	16

struct kp_plugin {
	struct list_head	node;		/* in kp_plugins */
	struct module		*owner;		/* the plugin module */
	char			name[KP_DRIVER_NAME_LEN];
	KP_FUNC_OPEN		open;		/* KP_INIT.funcOpen */
	struct pci_driver	pdrv;		/* .name = @name */
	struct ida		index_ida;	/* <n> of <name><n> */
};

/* One interrupt vector: the hard IRQ handler's dev_id */
struct kp_vector {
	struct kp_irq		*ki;
	u32			index;		/* dwLastMessage */
	int			irq;
	bool			requested;
	atomic_t		pending;	/* DPC requests not yet run */
	struct tasklet_struct	dpc;
	char			name[32];	/* request_irq() name */
};

struct kp_irq {
	struct kp_device	*kdev;
	struct kp_session	*owner;		/* the enabling session */
	u32			mode;		/* KP_INT_MODE_INTX/MSI/MSIX */
	u32			nvec;
	void			*int_ctx;	/* *ppIntContext */
	KP_FUNC_INT_DISABLE	int_disable;
	KP_FUNC_INT_AT_IRQL	at_irql;
	KP_FUNC_INT_AT_DPC	at_dpc;
	KP_FUNC_INT_AT_IRQL_MSI	at_irql_msi;
	KP_FUNC_INT_AT_DPC_MSI	at_dpc_msi;
	u32			ntrans;
	struct kp_trans_cmd	*trans;		/* validated at enable */
	struct kp_vector	vec[];
};

struct kp_stats_ctr {
	atomic64_t	interrupts;
	atomic64_t	spurious;
	atomic64_t	dpc_requests;
	atomic64_t	dpcs;
	atomic64_t	dpc_count_sum;
	atomic64_t	notifications;
	atomic64_t	lost;
	atomic64_t	calls;
};

struct kp_device {
	struct kref		kref;
	struct kp_plugin	*plugin;
	struct pci_dev		*pdev;		/* pinned with pci_dev_get() */
	struct device		*dev;		/* the class device */
	u32			minor;
	u32			index;
	char			name[32];	/* <driver><index> */
	void __iomem		*bars[KP_NUM_BARS];
	resource_size_t		bar_len[KP_NUM_BARS];

	struct rw_semaphore	rwsem;
	struct mutex		lock;
	struct rw_semaphore	map_lock;	/* mmap faults vs. remove */
	bool			removing;	/* remove() has begun */
	bool			removed;	/* set under both locks */
	wait_queue_head_t	gone_wq;	/* kp_sleep_us() sleepers */
	struct list_head	sessions;
	struct kp_irq		*irq;		/* under @lock */
	u32			irq_mode;	/* for sysfs, 0 = none */
	u32			irq_nvec;

	struct kp_stats_ctr	stats;
};

enum kp_int_state {
	KP_INT_IDLE,		/* never enabled on this fd */
	KP_INT_ENABLED,
	KP_INT_STOPPED,		/* disabled, or the device went away */
};

struct kp_event_entry {
	u32	action;
	u64	seq;
};

struct kp_session {
	struct kp_device	*kdev;		/* holds a kref */
	struct list_head	node;		/* in kdev->sessions */
	fl_owner_t		owner;		/* files_struct at open() */
	struct address_space	*mapping;	/* mmaps, zapped on remove */
	struct module		*mod;		/* plugin module reference */

	/* plugin open: written under @rwsem (write) and kdev->lock */
	struct rw_semaphore	rwsem;
	bool			plugin_open;
	u32			enable_ntrans;	/* during KP_IntEnable */
	KP_OPEN_CALL		ops;
	void			*drv_ctx;

	/* notifications and events, under @lock */
	spinlock_t		lock;
	wait_queue_head_t	wq;
	u32			flush_gen;	/* ++ by the owner's flush */
	enum kp_int_state	int_state;
	u64			max_backlog;
	u64			int_queued;	/* notifications not consumed */
	u64			int_counter;	/* last consumed ordinal */
	u64			int_lost;
	u32			last_vector;

	u32			ev_mask;	/* KP_EVENT_* registered */
	u32			ev_head;
	u32			ev_count;
	u64			ev_seq;
	u64			ev_lost;
	struct kp_event_entry	ev_queue[KP_EVENT_QUEUE_LEN];
};

/* kp_main.c */
extern struct class *kp_class;
long kp_plugin_allocations(void);
extern dev_t kp_devt;

/* kp_pci.c */
int kp_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id);
void kp_pci_remove(struct pci_dev *pdev);
struct kp_device *kp_device_open(unsigned int minor, struct module **mod);
void kp_device_put(struct kp_device *kdev);
void kp_minors_destroy(void);

/* kp_fops.c */
extern const struct file_operations kp_fops;
int kp_bar_check(struct kp_device *kdev, u32 bar, u64 offset, u32 width);

/* kp_call.c: the session's plugin open and KP_Call */
long kp_ioctl_plugin_open(struct kp_session *sess, void __user *arg);
long kp_ioctl_plugin_close(struct kp_session *sess);
long kp_ioctl_plugin_call(struct kp_session *sess, void __user *arg);
void *kp_user_buf(u64 uptr, u32 size);
void kp_user_buf_free(void *buf);

/* kp_irq.c */
long kp_ioctl_int_enable(struct kp_session *sess, void __user *arg);
long kp_ioctl_int_disable(struct kp_session *sess);
long kp_ioctl_int_wait(struct kp_session *sess, void __user *arg);
void kp_irq_teardown(struct kp_device *kdev);

/* kp_dpc.c */
void kp_dpc_fn(struct tasklet_struct *t);
void kp_notify_stop(struct kp_session *sess);

/* kp_events.c */
long kp_ioctl_event_register(struct kp_session *sess, void __user *arg);
long kp_ioctl_event_wait(struct kp_session *sess, void __user *arg);
void kp_event_deliver(struct kp_device *kdev, u32 action);
extern const struct dev_pm_ops kp_pm_ops;

/* kp_copy.c: the buffer COPY_* may touch while a callback runs */
struct kp_copy_window {
	struct list_head	node;
	struct task_struct	*task;
	void			*buf;
	size_t			size;
};

void kp_copy_window_open(struct kp_copy_window *w, void *buf, size_t size);
void kp_copy_window_close(struct kp_copy_window *w);

/* Register access of @width bytes; 8 only on memory BARs (checked). */
static inline u64 kp_io_read(void __iomem *base, u64 off, u32 width)
{
	switch (width) {
	case 1:
		return ioread8(base + off);
	case 2:
		return ioread16(base + off);
	case 4:
		return ioread32(base + off);
	default:
		return readq(base + off);
	}
}

static inline void kp_io_write(void __iomem *base, u64 off, u32 width,
			       u64 val)
{
	switch (width) {
	case 1:
		iowrite8(val, base + off);
		break;
	case 2:
		iowrite16(val, base + off);
		break;
	case 4:
		iowrite32(val, base + off);
		break;
	default:
		writeq(val, base + off);
		break;
	}
}

/* Helpers for the u64 statistics */
static inline void kp_stat_inc(atomic64_t *ctr)
{
	atomic64_inc(ctr);
}

static inline void kp_stat_add(atomic64_t *ctr, u64 val)
{
	atomic64_add(val, ctr);
}

#endif /* _KP_INTERNAL_H */
