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
 *			open (KP_Open context), its notification queue
 *			(kp_notify.c) and event queue (kp_events.c).
 *   struct kp_irq	interrupts of a device while one session has them
 *			enabled, with one struct kp_vector per vector.
 *
 * Locking, outermost first:
 *   kdev->gate		percpu rw-semaphore.  Read: KP_Call and every ioctl
 *			that touches the device (kp_device_enter()); write:
 *			KP_Close, KP_Event and remove(), which so never run
 *			concurrently with a KP_Call (kp_plugin.h's rules).
 *   kdev->lock		mutex: sessions list, kdev->irq, the plugin open
 *			state; held around KP_Open, KP_Close, KP_Event,
 *			KP_IntEnable, KP_IntDisable (they never overlap).
 *   kdev->map_lock	rw-semaphore: BAR mmap faults vs. remove(); taken
 *			under mmap_lock, so never around anything above.
 *   kdev->master_lock	mutex: the bus-master users count.
 *   sess->dma_lock	mutex: the session's DMA buffer and chunk lists;
 *			never held around pinning (mmap_lock) or map_lock.
 *   sess->ev.lock	spinlock: the event queue.
 *   kp_plugins_lock	mutex (kp_plugin.c): the plugin list.
 *   kp_copy_hash[].lock spinlock (kp_copy.c): copy windows, task context.
 *   kp_minors' xa_lock	(kp_pci.c): minor -> device, and the module ref.
 * The hard-IRQ path takes none of these: atomics and per-CPU counters.
 */
#ifndef _KP_INTERNAL_H
#define _KP_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/cdev.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/percpu.h>
#include <linux/percpu-rwsem.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/sched/clock.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
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

/* Per-CPU counters, summed on read (sysfs, KP_GET_STATS). */
struct kp_stats_pcpu {
	u64	interrupts;
	u64	spurious;
	u64	dpc_requests;
	u64	dpcs;
	u64	dpc_count_sum;
	u64	notifications;
	u64	lost;
	u64	calls;
};

#define kp_stat_inc(kdev, field)	this_cpu_inc((kdev)->stats->field)
#define kp_stat_add(kdev, field, n)	this_cpu_add((kdev)->stats->field, (n))

/*
 * One interrupt vector: the hard-IRQ handler's dev_id.  Each sits on its
 * own cache line: vectors of one device interrupt on different CPUs.
 */
struct kp_vector {
	struct kp_irq		*ki;
	u32			index;		/* dwLastMessage */
	int			irq;
	struct irq_data		*irqd;		/* to see a spurious disable */
	bool			requested;
	atomic_t		pending;	/* DPC requests not yet run */
	/* storm guard (INTx), touched by the handler only */
	unsigned long		win_start;	/* jiffies of the window */
	u32			win_count;	/* interrupts in the window */
	u32			stuck;		/* in a row still asserted */
	/* the kp_irq_batch being built while that event is enabled */
	u32			slot;		/* dense index for tracers */
	u32			tick;		/* batches, for trace_sample */
	struct kp_batch {
		u32		irqs;
		u32		handled;
		u64		irq_ns;
		u64		req_ts;		/* first DPC request */
	} batch;
	struct tasklet_struct	dpc;
	char			name[32];	/* request_irq() name */
} ____cacheline_aligned_in_smp;

struct kp_irq {
	struct kp_device	*kdev;
	struct kp_session	*owner;		/* the enabling session */
	u32			mode;		/* KP_INT_MODE_INTX/MSI/MSIX */
	u32			nvec;
	bool			dpc_inline;	/* DPC in the hard IRQ */
	void			*int_ctx;	/* *ppIntContext */
	KP_FUNC_INT_DISABLE	int_disable;
	KP_FUNC_INT_AT_IRQL	at_irql;
	KP_FUNC_INT_AT_DPC	at_dpc;
	KP_FUNC_INT_AT_IRQL_MSI	at_irql_msi;
	KP_FUNC_INT_AT_DPC_MSI	at_dpc_msi;
	u32			ntrans;
	struct kp_trans_cmd	*trans;		/* validated at enable */
	atomic_t		stop_reason;	/* KP_STOP_STORM... from IRQ */
	struct work_struct	stop_work;	/* reports it, process context */
	struct kp_vector	vec[];
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

	struct percpu_rw_semaphore gate;
	struct mutex		lock;
	struct rw_semaphore	map_lock;	/* mmap faults vs. remove */
	bool			removing;	/* remove() has begun */
	bool			removed;	/* set under gate + lock */
	wait_queue_head_t	gone_wq;	/* kp_sleep_us() sleepers */
	struct list_head	sessions;
	struct kp_irq		*irq;		/* under @lock */
	u32			irq_mode;	/* for sysfs, 0 = none */
	u32			irq_nvec;
	u32			irq_stop;	/* KP_STOP_* of the last stop */
	atomic_t		storms;		/* storms contained */

	struct mutex		master_lock;
	unsigned int		master_users;	/* MSI, DMA: bus mastering */
	struct xarray		dma_bufs;	/* handle -> struct kp_dma_buf */

	struct kp_stats_pcpu __percpu *stats;
	struct work_struct	put_work;	/* kp_device_put_atomic() */
};

/* The session's notification queue (kp_notify.c). */
struct kp_notify {
	struct kp_notify_state	*state;		/* page, read-only for users */
	struct kp_notify_ack	*ack;		/* page, shared with users */
	wait_queue_head_t	wq;		/* KP_INT_WAIT sleepers */
	u64			max_backlog;
	u32			flush_gen;	/* ++ by the owner's flush */
};

struct kp_event_entry {
	u32	action;
	u64	seq;
};

struct kp_events {
	spinlock_t		lock;
	wait_queue_head_t	wq;		/* KP_EVENT_WAIT sleepers */
	u32			mask;		/* KP_EVENT_* registered */
	u32			head;
	u32			count;
	u64			seq;
	u64			lost;
	struct kp_event_entry	queue[KP_EVENT_QUEUE_LEN];
};

struct kp_session {
	struct kp_device	*kdev;		/* holds a kref */
	struct list_head	node;		/* in kdev->sessions */
	fl_owner_t		owner;		/* files_struct at open() */
	struct address_space	*mapping;	/* mmaps, zapped on remove */
	struct module		*mod;		/* plugin module reference */

	/*
	 * Plugin open: set under kdev->lock, cleared under kdev->gate
	 * (write) + kdev->lock; KP_Call reads it under kdev->gate (read).
	 */
	bool			plugin_open;
	bool			plugin_closed;	/* KP_Close ran at removal */
	u32			enable_ntrans;	/* during KP_IntEnable */
	KP_OPEN_CALL		ops;
	void			*drv_ctx;

	struct kp_notify	notify;
	struct kp_events	ev;

	/* DMA buffers and the plugin's coherent chunks (kp_dma.c) */
	struct mutex		dma_lock;	/* the two lists */
	struct list_head	dma_bufs;	/* live buffers */
	struct list_head	dma_chunks;
	struct llist_head	dma_free;	/* last ref went in atomic ctx */
	struct work_struct	dma_free_work;
};

/* kp_main.c */
extern struct class *kp_class;
extern dev_t kp_devt;
extern struct workqueue_struct *kp_wq;	/* drained at module exit */

/* kp_alloc.c */
long kp_plugin_allocations(void);

/* kp_pci.c */
int kp_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id);
void kp_pci_remove(struct pci_dev *pdev);
struct kp_device *kp_device_open(unsigned int minor, struct module **mod);
void kp_device_put(struct kp_device *kdev);
void kp_device_put_atomic(struct kp_device *kdev);
void kp_minors_destroy(void);
int kp_device_enter(struct kp_device *kdev);
void kp_device_exit(struct kp_device *kdev);
void kp_bus_master_get(struct kp_device *kdev);
void kp_bus_master_put(struct kp_device *kdev);
void kp_stats_read(struct kp_device *kdev, struct kp_stats *st);

/* kp_bar.c */
int kp_map_bars(struct kp_device *kdev);
int kp_bar_check(struct kp_device *kdev, u32 bar, u64 offset, u32 width);
int kp_bar_write_check(struct kp_device *kdev, u32 bar, u64 offset,
		       u64 len);
bool kp_bar_mmappable(struct kp_device *kdev, u32 bar);
u64 kp_io_read(void __iomem *base, u64 off, u32 width);
void kp_io_write(void __iomem *base, u64 off, u32 width, u64 val);
u64 kp_width_mask(u32 width);

/* kp_cfg.c */
int kp_cfg_write_check(struct pci_dev *pdev, u32 offset, u32 width);
int kp_cfg_access(struct pci_dev *pdev, struct kp_rw *rw, bool write);

/* kp_fops.c */
extern const struct file_operations kp_fops;

/* kp_call.c: the session's plugin open and KP_Call */
long kp_ioctl_plugin_open(struct kp_session *sess, void __user *arg);
long kp_ioctl_plugin_close(struct kp_session *sess);
long kp_ioctl_plugin_call(struct kp_session *sess, void __user *arg);
void kp_session_close_plugin(struct kp_session *sess);

/* kp_irq.c */
long kp_ioctl_int_enable(struct kp_session *sess, void __user *arg);
long kp_ioctl_int_disable(struct kp_session *sess);
void kp_irq_teardown(struct kp_device *kdev, u32 reason);

/* kp_trace.c: the kp_irq_batch event */
#define KP_TRACE_SLOTS		256
int kp_trace_slot_get(void);
void kp_trace_slot_put(u32 slot);
void kp_trace_irq(struct kp_vector *vec, bool handled, bool dpc_pending,
		  u64 t0, u32 count, u32 ret, u64 dpc_t0);
void kp_trace_dpc_begin(struct kp_vector *vec, struct kp_batch *b);
void kp_trace_dpc(struct kp_vector *vec, const struct kp_batch *b, u32 count,
		  u32 ret, u64 t0);

/*
 * The clock of the traced timestamps: local_clock(), ftrace's default.
 * Every interval it measures starts and ends on one CPU (the hard IRQ,
 * and the tasklet it scheduled, which runs where it was scheduled), and
 * it reads the TSC even where the kernel keeps time with another
 * clocksource: QEMU's TCG falls back to the HPET, whose every read is an
 * emulated MMIO access (ktime_get_ns() about 1 us there).
 */
static inline u64 kp_trace_clock(void)
{
	return local_clock();
}

/* kp_notify.c */
int kp_notify_init(struct kp_notify *n);
void kp_notify_free(struct kp_notify *n);
void kp_notify_reset(struct kp_notify *n, u64 max_backlog);
u32 kp_notify_push(struct kp_notify *n, u32 vector, u32 count);
void kp_notify_stop(struct kp_notify *n, u32 reason);
void kp_notify_flush(struct kp_notify *n);
__poll_t kp_notify_poll(struct kp_notify *n, struct file *file,
			poll_table *wait);
long kp_ioctl_int_wait(struct kp_session *sess, void __user *arg);
int kp_notify_mmap(struct kp_notify *n, struct vm_area_struct *vma,
		   bool ack_page);
void kp_dpc_fn(struct tasklet_struct *t);
u32 kp_dpc_run(struct kp_vector *vec, u32 count);

/* kp_dma.c */
void kp_dma_init(struct kp_session *sess);
void kp_dma_teardown(struct kp_session *sess);
int kp_dma_unlock(struct kp_session *sess, u32 handle);
int kp_dma_mmap(struct kp_session *sess, struct vm_area_struct *vma,
		u32 handle);
long kp_ioctl_dma_alloc(struct kp_session *sess, void __user *arg);
long kp_ioctl_dma_lock(struct kp_session *sess, void __user *arg);
long kp_ioctl_dma_unlock(struct kp_session *sess, void __user *arg);
long kp_ioctl_dma_sync(struct kp_session *sess, void __user *arg);
long kp_ioctl_dma_get_segs(struct kp_session *sess, void __user *arg);

/* kp_events.c */
void kp_events_init(struct kp_events *ev);
long kp_ioctl_event_register(struct kp_session *sess, void __user *arg);
long kp_ioctl_event_wait(struct kp_session *sess, void __user *arg);
void kp_event_deliver(struct kp_device *kdev, u32 action);
BOOL kp_event_call(struct kp_session *sess, u32 action);
void kp_event_queue(struct kp_session *sess, u32 action);
void kp_events_stop(struct kp_session *sess);
__poll_t kp_events_poll(struct kp_events *ev, struct file *file,
			poll_table *wait);
extern const struct dev_pm_ops kp_pm_ops;

/* kp_copy.c: the buffer COPY_* may touch while a callback runs */
struct kp_copy_window {
	struct hlist_node	node;
	struct task_struct	*task;
	void			*buf;
	size_t			size;
};

void kp_copy_init(void);
void kp_copy_window_open(struct kp_copy_window *w, void *buf, size_t size);
void kp_copy_window_close(struct kp_copy_window *w);

/*
 * A kernel copy of a user buffer for a callback: small ones live in the
 * caller's on-stack bounce buffer, larger ones in kvmalloc() memory.
 */
#define KP_BOUNCE_SIZE		256
struct kp_ubuf {
	void	*buf;		/* NULL when size is 0 */
	u32	size;
	bool	heap;
};

int kp_ubuf_get(struct kp_ubuf *ub, void *bounce, u64 uptr, u32 size,
		bool copy_in);
void kp_ubuf_put(struct kp_ubuf *ub);

#endif /* _KP_INTERNAL_H */
