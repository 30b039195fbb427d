/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kp.h - user API of the kpgen Kernel PlugIn runtime (kp_runtime.ko)
 *
 * Every bound PCI device appears as /dev/kp/<driver><index> (root only by
 * default) and as /sys/class/kp/<driver><index>/ with live counters.
 *
 * Conventions follow linux/vfio.h: every ioctl takes a pointer to a struct
 * that starts with @argsz (the size the caller filled in) and @flags.  The
 * kernel accepts any argsz >= the size of the struct's first version, so
 * structs may only grow at the end.  Unknown flags are rejected with EINVAL.
 * All numbers the user and the kernel share are defined here and only here.
 *
 * Errors (one errno per case, for every ioctl):
 *   EFAULT	the argument or a buffer it points to cannot be read or
 *		written (NULL or unmapped pointers, data_size past the end)
 *   EINVAL	argsz below the first version's size; unknown flags; BAR
 *		index, width, offset or alignment out of range; an invalid
 *		transfer command; a bad mode, nvec == 0 or unknown event bits;
 *		KP_INT_DISABLE on an fd without interrupts enabled; a DMA
 *		size of 0, a bad direction, an unaligned or overflowing
 *		range
 *   E2BIG	data_size > KP_MAX_DATA_SIZE, ntrans > KP_MAX_TRANS_CMDS,
 *		nvec > KP_MAX_VECTORS, a DMA buffer above KP_DMA_MAX_CONTIG
 *		or KP_DMA_MAX_LOCK, more segments than max_segs
 *   ENOTTY	unknown ioctl
 *   EBADF	an ioctl that changes the device or runs plugin code
 *		(KP_BAR_WRITE, KP_CFG_WRITE, KP_PLUGIN_*, KP_INT_ENABLE,
 *		KP_INT_DISABLE, KP_DMA_*) on an fd opened without write
 *		access
 *   ENOTCONN	KP_PLUGIN_CALL, KP_PLUGIN_CLOSE or KP_INT_ENABLE before
 *		KP_PLUGIN_OPEN on this fd
 *   EBUSY	a second KP_PLUGIN_OPEN on an fd; KP_INT_ENABLE while an fd of
 *		the device has interrupts enabled, or when another driver
 *		holds the INTx line without sharing it
 *   EPERM	KP_Open or KP_IntEnable returned FALSE; KP_CFG_WRITE to a
 *		register the runtime owns (BARs, expansion ROM, COMMAND, the
 *		MSI and MSI-X capabilities), KP_BAR_WRITE, a transfer command
 *		or mmap() reaching the MSI-X table or PBA; KP_CFG_WRITE,
 *		KP_BAR_WRITE, a transfer command that writes (KP_INT_ENABLE)
 *		or BAR mmap() under kernel lockdown
 *   EOPNOTSUPP	the requested interrupt mode is not supported by the device
 *		(e.g. MSI-X on edu); the plugin has no KP_Call
 *   ENODEV	the PCI device was removed (or the plugin is being unloaded
 *		at open()).  Only KP_GET_STATS, KP_PLUGIN_CLOSE, KP_INT_WAIT
 *		and KP_EVENT_WAIT keep working on such an fd; the last two
 *		drain what is queued and then report KP_WAIT_STOPPED.
 *   ENOENT	a DMA handle this fd has not allocated or locked (or that it
 *		already unlocked)
 *   ENOMEM	a DMA allocation or lock beyond RLIMIT_MEMLOCK (like VFIO,
 *		unless CAP_IPC_LOCK) or beyond what the device can address
 *   EAGAIN	KP_WAIT_NONBLOCK and nothing queued
 *   ETIMEDOUT	KP_WAIT_TIMEOUT and nothing arrived in time
 *   EINTR	a signal interrupted KP_INT_WAIT / KP_EVENT_WAIT
 */
#ifndef _UAPI_LINUX_KP_H
#define _UAPI_LINUX_KP_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define KP_API_VERSION		2

#define KP_TYPE			0xB6
#define KP_BASE			0x00

#define KP_DRIVER_NAME_LEN	12	/* KP_INIT.cDriverName, with its NUL */

/* Limits the kernel enforces; larger requests fail with E2BIG. */
#define KP_MAX_DATA_SIZE	(1U << 20)	/* open data, call data */
#define KP_MAX_TRANS_CMDS	64
#define KP_MAX_VECTORS		32

/* ------------------------------------------------------------------ */
/*
 * KP_GET_INFO - describe the device and the plugin bound to it.
 */
struct kp_device_info {
	__u32	argsz;
	__u32	flags;
#define KP_INFO_PLUGIN_OPEN	(1 << 0)	/* out: KP_Open ran on this fd */
#define KP_INFO_INT_ENABLED	(1 << 1)	/* out: interrupts on (any fd) */
	__u32	api_version;		/* out: KP_API_VERSION */
	__u32	num_bars;		/* out: always 6 for a type 0 header */
	__u16	vendor;
	__u16	device;
	__u16	subsystem_vendor;
	__u16	subsystem_device;
	__u32	class;			/* out: 24-bit class code */
	__u32	irq_caps;		/* out: KP_IRQ_CAP_* */
#define KP_IRQ_CAP_INTX		(1 << 0)
#define KP_IRQ_CAP_MSI		(1 << 1)
#define KP_IRQ_CAP_MSIX		(1 << 2)
	__u32	msi_max;		/* out: vectors MSI can give, 0 if none */
	__u32	msix_max;		/* out: vectors MSI-X can give, 0 if none */
	__u32	index;			/* out: <index> of /dev/kp/<driver><index> */
	char	driver[16];		/* out: the plugin's cDriverName */
	char	bdf[16];		/* out: "0000:00:03.0" */
};
#define KP_GET_INFO		_IO(KP_TYPE, KP_BASE + 0)

/*
 * KP_GET_BAR_INFO - size and kind of one BAR.  @index is in.  @offset is
 * the mmap() offset to use for a mappable (memory) BAR.
 */
struct kp_bar_info {
	__u32	argsz;
	__u32	flags;
#define KP_BAR_FLAG_MEM		(1 << 0)	/* out: memory BAR */
#define KP_BAR_FLAG_IO		(1 << 1)	/* out: I/O port BAR */
#define KP_BAR_FLAG_MMAP	(1 << 2)	/* out: can be mmap()ed */
#define KP_BAR_FLAG_64		(1 << 3)	/* out: 64-bit memory BAR */
#define KP_BAR_FLAG_PREFETCH	(1 << 4)	/* out: prefetchable */
	__u32	index;			/* in: 0..5 */
	__u32	__pad;
	__u64	size;			/* out: 0 when the BAR is not present */
	__u64	offset;			/* out: mmap() offset of this BAR */
};
#define KP_GET_BAR_INFO		_IO(KP_TYPE, KP_BASE + 1)

/* mmap() offset of BAR n, like vfio-pci's region offsets */
#define KP_MMAP_OFFSET_SHIFT	40
#define KP_MMAP_OFFSET(bar)	((__u64)(bar) << KP_MMAP_OFFSET_SHIFT)

/*
 * KP_BAR_READ / KP_BAR_WRITE / KP_CFG_READ / KP_CFG_WRITE - one register
 * access of @width bytes (1, 2, 4 or 8; 8 is memory BARs only) at @offset.
 * For config space @bar must be 0 and @width 1, 2 or 4.  Offsets outside
 * the BAR or the config space, or not aligned to @width, fail with EINVAL.
 * Values written are truncated to @width bytes.
 */
struct kp_rw {
	__u32	argsz;
	__u32	flags;
	__u32	bar;
	__u32	width;
	__u64	offset;
	__u64	value;			/* out for reads, in for writes */
};
#define KP_BAR_READ		_IO(KP_TYPE, KP_BASE + 2)
#define KP_BAR_WRITE		_IO(KP_TYPE, KP_BASE + 3)
#define KP_CFG_READ		_IO(KP_TYPE, KP_BASE + 4)
#define KP_CFG_WRITE		_IO(KP_TYPE, KP_BASE + 5)

/* ------------------------------------------------------------------ */
/*
 * KP_PLUGIN_OPEN - WD_KernelPlugInOpen: calls the plugin's KP_Open with a
 * copy of @data_size bytes at @data as pOpenData.  One plugin open per file
 * descriptor; a second one fails with EBUSY.  KP_Open returning FALSE
 * fails the ioctl with EPERM.
 */
struct kp_plugin_open {
	__u32	argsz;
	__u32	flags;
	__u64	data;			/* user pointer, may be 0 */
	__u32	data_size;
	__u32	__pad;
};
#define KP_PLUGIN_OPEN		_IO(KP_TYPE, KP_BASE + 6)

/* KP_PLUGIN_CLOSE - WD_KernelPlugInClose: calls KP_Close.  No argument. */
#define KP_PLUGIN_CLOSE		_IO(KP_TYPE, KP_BASE + 7)

/*
 * KP_PLUGIN_CALL - WD_KernelPlugInCall: calls KP_Call with @message and a
 * kernel copy of the @data_size bytes at @data as pData; the buffer is
 * copied back to @data afterwards (in/out).  @result is dwResult; it is
 * the only field of the struct the kernel writes.  KP_CALL_F_IN or
 * KP_CALL_F_OUT alone copies one way only (an out-only pData starts
 * zeroed); neither flag means both.
 */
struct kp_plugin_call {
	__u32	argsz;
	__u32	flags;
#define KP_CALL_F_IN		(1 << 0)	/* copy @data in */
#define KP_CALL_F_OUT		(1 << 1)	/* copy pData back to @data */
	__u32	message;		/* in: dwMessage */
	__u32	result;			/* out: dwResult */
	__u64	data;			/* in: user pointer to pData, may be 0 */
	__u32	data_size;		/* in: bytes at @data */
	__u32	__pad;
};
#define KP_PLUGIN_CALL		_IO(KP_TYPE, KP_BASE + 8)

/* ------------------------------------------------------------------ */
/*
 * Interrupt transfer commands: run in the hard-IRQ handler, in order,
 * before KP_IntAtIrql / KP_IntAtIrqlMSI.  They let a level-triggered INTx
 * be acknowledged with no plugin code ("read status, write it to ack").
 *
 * KP_TRANS_READ reads BAR @bar at @offset into the command's slot.  With a
 * non-zero @mask it is also the ownership test: when (value & @mask) == 0
 * the interrupt is not this device's, the remaining commands and the
 * plugin's handler are skipped and the runtime returns IRQ_NONE.  With
 * KP_TRANS_F_TEST_CLEAR the test is inverted for active-low "pending"
 * bits: the interrupt is this device's when any bit of @mask reads 0
 * (16550 IIR bit 0 = 1: nothing pending).
 * KP_TRANS_WRITE writes @value; with KP_TRANS_F_USE_READ it writes the
 * value of the most recent KP_TRANS_READ instead (masked by @mask if set).
 * Values are truncated to @width.  KP_INT_ENABLE validates every command
 * (EINVAL): known @cmd and @flags (KP_TRANS_F_USE_READ only on a write
 * after a read, KP_TRANS_F_TEST_CLEAR only on a read with a @mask), @bar
 * present, @width 1/2/4/8 (8: memory BARs only), @offset aligned and
 * @offset + @width within the BAR.  I/O BARs work.
 */
struct kp_trans_cmd {
	__u32	cmd;
#define KP_TRANS_READ		1
#define KP_TRANS_WRITE		2
	__u32	flags;
#define KP_TRANS_F_USE_READ	(1 << 0)	/* write: the last read's value */
#define KP_TRANS_F_TEST_CLEAR	(1 << 1)	/* read: mine if a mask bit is 0 */
	__u32	bar;
	__u32	width;			/* 1, 2, 4 or 8 */
	__u64	offset;
	__u64	value;
	__u64	mask;
};

/*
 * KP_INT_ENABLE - WD_IntEnable with a Kernel PlugIn handle.  Calls
 * KP_IntEnable(pDrvContext, kpCall, &pIntContext) with @message and a
 * kernel copy of @data (as for KP_PLUGIN_CALL), allocates vectors and
 * requests the interrupt(s).  Requires KP_PLUGIN_OPEN on this fd.  Only one
 * fd of a device may have interrupts enabled (EBUSY otherwise).
 *
 * @mode: KP_INT_MODE_AUTO tries MSI-X, then MSI, then INTx.
 * @nvec: vectors wanted (1..KP_MAX_VECTORS; INTx always gets 1).  On
 * return @mode and @nvec say what was granted.
 * @max_backlog: 0 = unlimited; otherwise notifications beyond this many
 * unconsumed ones are dropped and counted in kp_int_wait.lost.
 */
struct kp_int_enable {
	__u32	argsz;
	__u32	flags;
	__u32	mode;			/* in/out */
#define KP_INT_MODE_AUTO	0
#define KP_INT_MODE_INTX	1
#define KP_INT_MODE_MSI		2
#define KP_INT_MODE_MSIX	3
	__u32	nvec;			/* in/out */
	__u32	message;		/* in: kpCall->dwMessage */
	__u32	result;			/* out: kpCall->dwResult */
	__u64	data;			/* in/out: kpCall->pData, may be 0 */
	__u32	data_size;
	__u32	ntrans;			/* in: number of transfer commands */
	__u64	trans;			/* in: user pointer to kp_trans_cmd[] */
	__u64	max_backlog;		/* in */
};
#define KP_INT_ENABLE		_IO(KP_TYPE, KP_BASE + 9)

/*
 * KP_INT_DISABLE - WD_IntDisable: frees the interrupt, waits for running
 * DPCs, calls KP_IntDisable and wakes every waiter with KP_WAIT_STOPPED.
 */
#define KP_INT_DISABLE		_IO(KP_TYPE, KP_BASE + 10)

/*
 * KP_INT_WAIT - WD_IntWait: sleeps until a DPC has notified user mode
 * (its return value is how many notifications it made) and consumes one
 * notification, or all of them with KP_WAIT_ALL.  Notifications still
 * queued when interrupts stop are returned first; then it returns 0 with
 * KP_WAIT_STOPPED and @reason saying why: never enabled on this fd,
 * KP_INT_DISABLE, the device went away, an interrupt storm was contained,
 * the kernel disabled the line, or the fd was closed by its owner (a
 * close() from the files_struct that opened it wakes the waiters sleeping
 * then).  EINTR on a signal.  With KP_WAIT_NONBLOCK it fails with EAGAIN
 * instead of sleeping; with KP_WAIT_TIMEOUT (argsz covering @timeout_ns)
 * with ETIMEDOUT after @timeout_ns.  poll() reports EPOLLIN when a
 * notification is pending and EPOLLHUP once stopped (after KP_INT_DISABLE
 * or removal; not before the first enable).
 *
 * The same queue is visible without a syscall (libkp's kp_int_wait() uses
 * it): mmap() one page at KP_MMAP_NOTIFY (read-only, struct
 * kp_notify_state, written by the kernel) and one at KP_MMAP_NOTIFY_ACK
 * (read-write, struct kp_notify_ack).  A notification is pending while
 * ack.consumed < state.produced; taking one is a compare-and-swap of
 * ack.consumed from c to c + 1 (KP_INT_WAIT does the same), its ordinal
 * is c + 1 - state.base.  Read state.state (acquire) before
 * state.produced: once it says KP_NOTIFY_STOPPED, produced is final.
 * The kernel never trusts ack.consumed beyond its own queue.
 */
struct kp_int_wait {
	__u32	argsz;
	__u32	flags;
#define KP_WAIT_NONBLOCK	(1 << 0)	/* in */
#define KP_WAIT_STOPPED		(1 << 1)	/* out */
#define KP_WAIT_ALL		(1 << 2)	/* in: take every queued one */
#define KP_WAIT_TIMEOUT		(1 << 3)	/* in: @timeout_ns is set */
	__u64	counter;		/* out: ordinal of the (last) one taken */
	__u64	pending;		/* out: notifications still queued */
	__u64	lost;			/* out: dropped by max_backlog so far */
	__u32	last_vector;		/* out: vector of the latest DPC */
	__u32	reason;			/* out: KP_STOP_* with KP_WAIT_STOPPED */
	/* since KP_API_VERSION 2: */
	__u64	timeout_ns;		/* in, with KP_WAIT_TIMEOUT */
	__u64	taken;			/* out: notifications this call took */
};
#define KP_INT_WAIT		_IO(KP_TYPE, KP_BASE + 11)

/* Why interrupts stopped (kp_int_wait.reason, kp_notify_state.reason) */
#define KP_STOP_NONE		0	/* still enabled */
#define KP_STOP_IDLE		1	/* never enabled on this fd */
#define KP_STOP_DISABLED	2	/* KP_INT_DISABLE, KP_PLUGIN_CLOSE */
#define KP_STOP_REMOVED		3	/* the device went away */
#define KP_STOP_STORM		4	/* a level interrupt nobody acked */
#define KP_STOP_LINE_DISABLED	5	/* the kernel disabled the line */
#define KP_STOP_CLOSED		6	/* the owner closed the fd */

#define KP_MMAP_NOTIFY		KP_MMAP_OFFSET(6)
#define KP_MMAP_NOTIFY_ACK	KP_MMAP_OFFSET(7)

struct kp_notify_state {
	__u64	produced;		/* notifications queued, ever */
	__u64	base;			/* produced at the latest enable */
	__u64	lost;			/* dropped since the latest enable */
	__u32	state;
#define KP_NOTIFY_IDLE		0
#define KP_NOTIFY_ENABLED	1
#define KP_NOTIFY_STOPPED	2
	__u32	reason;			/* KP_STOP_* */
	__u32	last_vector;		/* vector of the latest DPC */
	__u32	generation;		/* ++ at every KP_INT_ENABLE */
};

struct kp_notify_ack {
	__u64	consumed;		/* notifications taken, ever */
};

/* ------------------------------------------------------------------ */
/*
 * Plug-and-play and power events (WD_EVENT.dwAction values).  After
 * KP_EVENT_REGISTER, each event the runtime sees calls KP_Event; when it
 * returns TRUE the event is queued for KP_EVENT_WAIT (poll: EPOLLPRI).
 * Registering needs no KP_PLUGIN_OPEN: without a plugin open (or without
 * KP_Event) events are queued as if KP_Event returned TRUE.  Each fd
 * queues up to 16 events; more are counted in kp_event_wait.lost.
 * KP_EVENT_WAIT returns queued events first (also after the device was
 * removed: the WD_REMOVE event), then KP_WAIT_STOPPED once nothing more
 * can come (not registered, device removed, or the owner's close()).
 * The runtime reports WD_REMOVE (PCI remove) and WD_POWER_CHANGED_D3/D0
 * (system suspend/resume); it never generates WD_INSERT.
 */
#define KP_EVENT_INSERT		(1 << 0)	/* WD_INSERT */
#define KP_EVENT_REMOVE		(1 << 1)	/* WD_REMOVE */
#define KP_EVENT_POWER_D0	(1 << 4)	/* WD_POWER_CHANGED_D0 (resume) */
#define KP_EVENT_POWER_D3	(1 << 7)	/* WD_POWER_CHANGED_D3 (suspend) */
#define KP_EVENT_ALL		(KP_EVENT_INSERT | KP_EVENT_REMOVE | \
				 KP_EVENT_POWER_D0 | KP_EVENT_POWER_D3)

struct kp_event_register {
	__u32	argsz;
	__u32	flags;
	__u32	actions;		/* in: KP_EVENT_* mask, 0 unregisters */
	__u32	__pad;
};
#define KP_EVENT_REGISTER	_IO(KP_TYPE, KP_BASE + 12)

struct kp_event_wait {
	__u32	argsz;
	__u32	flags;			/* KP_WAIT_NONBLOCK in, KP_WAIT_STOPPED out */
	__u32	action;			/* out: one KP_EVENT_* bit */
	__u32	__pad;
	__u64	seq;			/* out: 1, 2, ... per fd */
	__u64	lost;			/* out: events dropped, queue full */
};
#define KP_EVENT_WAIT		_IO(KP_TYPE, KP_BASE + 13)

/* ------------------------------------------------------------------ */
/*
 * DMA buffers (WDC_DMAContigBufLock / WDC_DMASGBufLock / WDC_DMABufUnlock
 * / WDC_DMASyncCpu / WDC_DMASyncIo).  Every buffer belongs to the fd that
 * made it; its @handle names it to KP_DMA_* and to the plugin (which may
 * look it up by handle, kp_plugin.h).  Buffers go on KP_DMA_UNLOCK, on
 * close and process exit, and when the device is removed (after the
 * plugin's KP_Close); a mapping of a contiguous buffer then raises
 * SIGBUS.  Their pages count against RLIMIT_MEMLOCK, as VFIO's do.  Bus
 * addresses are what the device must use (IOVAs behind an IOMMU) and fit
 * the DMA mask the plugin set (kp_dma_set_mask(); 32 bits by default).
 *
 * The direction is the streaming DMA API's: TO_DEVICE (the device
 * reads), FROM_DEVICE (it writes), BIDIRECTIONAL.  Before the CPU reads
 * what the device wrote, KP_DMA_SYNC with KP_DMA_SYNC_FOR_CPU; before the
 * device reads what the CPU wrote, KP_DMA_SYNC_FOR_DEVICE.  Contiguous
 * buffers are coherent: syncing them is allowed and does nothing.
 */
#define KP_DMA_TO_DEVICE	(1 << 0)
#define KP_DMA_FROM_DEVICE	(1 << 1)
#define KP_DMA_BIDIRECTIONAL	(KP_DMA_TO_DEVICE | KP_DMA_FROM_DEVICE)
#define KP_DMA_DIR_MASK		KP_DMA_BIDIRECTIONAL

#define KP_DMA_MAX_CONTIG	(4U << 20)	/* one contiguous buffer */
#define KP_DMA_MAX_LOCK		(256ULL << 20)	/* one locked user buffer */

/* mmap() offset of contiguous buffer @handle (a whole one, or a part) */
#define KP_MMAP_DMA(handle)	KP_MMAP_OFFSET(8 + (__u64)(handle))

/* One mapped segment: what the device must be given */
struct kp_dma_seg {
	__u64	bus_addr;
	__u64	len;
};

/*
 * KP_DMA_ALLOC - a physically contiguous, coherent buffer of @size bytes
 * (rounded up to pages, at most KP_DMA_MAX_CONTIG), mmap()able at
 * @mmap_offset.  @flags: the direction (informative for coherent memory).
 */
struct kp_dma_alloc {
	__u32	argsz;
	__u32	flags;			/* in: KP_DMA_* direction */
	__u64	size;			/* in */
	__u32	handle;			/* out */
	__u32	__pad;
	__u64	bus_addr;		/* out */
	__u64	mmap_offset;		/* out */
};
#define KP_DMA_ALLOC		_IO(KP_TYPE, KP_BASE + 15)

/*
 * KP_DMA_LOCK - pins @size bytes of user memory at @addr (both page
 * aligned, at most KP_DMA_MAX_LOCK) and maps them for the device:
 * scatter-gather.  @nsegs says how many segments the mapping has; up to
 * @max_segs of them are written to the struct kp_dma_seg array at @segs
 * (which may be 0; KP_DMA_GET_SEGS reads them later).  The memory must
 * be writable in every direction (EFAULT otherwise): a read-only pin could
 * hold the zero page or a page copy-on-write replaces later.
 */
struct kp_dma_lock {
	__u32	argsz;
	__u32	flags;			/* in: KP_DMA_* direction */
	__u64	addr;			/* in: user address */
	__u64	size;			/* in */
	__u64	segs;			/* in: user pointer, may be 0 */
	__u32	max_segs;		/* in */
	__u32	nsegs;			/* out */
	__u32	handle;			/* out */
	__u32	__pad;
};
#define KP_DMA_LOCK		_IO(KP_TYPE, KP_BASE + 16)

/* KP_DMA_UNLOCK - frees a contiguous buffer or unmaps and unpins a lock */
struct kp_dma_unlock {
	__u32	argsz;
	__u32	flags;
	__u32	handle;			/* in */
	__u32	__pad;
};
#define KP_DMA_UNLOCK		_IO(KP_TYPE, KP_BASE + 17)

/*
 * KP_DMA_SYNC - ownership of [@offset, @offset + @size) of the buffer
 * goes to the CPU (KP_DMA_SYNC_FOR_CPU) or to the device
 * (KP_DMA_SYNC_FOR_DEVICE); exactly one of them.
 */
struct kp_dma_sync {
	__u32	argsz;
	__u32	flags;
#define KP_DMA_SYNC_FOR_CPU	(1 << 0)
#define KP_DMA_SYNC_FOR_DEVICE	(1 << 1)
	__u32	handle;			/* in */
	__u32	__pad;
	__u64	offset;			/* in */
	__u64	size;			/* in, > 0 */
};
#define KP_DMA_SYNC		_IO(KP_TYPE, KP_BASE + 18)

/*
 * KP_DMA_GET_SEGS - what a buffer is: up to @max_segs segments to @segs
 * (may be 0), and @nsegs, @size, @flags (its direction and
 * KP_DMA_F_CONTIG for KP_DMA_ALLOC buffers).
 */
struct kp_dma_get_segs {
	__u32	argsz;
	__u32	flags;			/* out */
#define KP_DMA_F_CONTIG		(1 << 8)
	__u32	handle;			/* in */
	__u32	max_segs;		/* in */
	__u64	segs;			/* in: user pointer, may be 0 */
	__u64	size;			/* out */
	__u32	nsegs;			/* out */
	__u32	__pad;
};
#define KP_DMA_GET_SEGS		_IO(KP_TYPE, KP_BASE + 19)

/* ------------------------------------------------------------------ */
/* KP_GET_STATS - the counters also shown in sysfs, read atomically-ish. */
struct kp_stats {
	__u32	argsz;
	__u32	flags;
	__u64	interrupts;		/* hard IRQs that were ours */
	__u64	spurious;		/* hard IRQs answered IRQ_NONE */
	__u64	dpc_requests;		/* IntAtIrql* TRUE returns */
	__u64	dpcs;			/* DPC (KP_IntAtDpc*) calls */
	__u64	dpc_count_sum;		/* sum of dwCount over DPC calls */
	__u64	notifications;		/* sum of DPC return values */
	__u64	lost;			/* notifications dropped by backlog */
	__u64	calls;			/* KP_Call invocations */
	/* since KP_API_VERSION 2: */
	__u64	storms;			/* interrupt storms contained */
};
#define KP_GET_STATS		_IO(KP_TYPE, KP_BASE + 14)

#endif /* _UAPI_LINUX_KP_H */
