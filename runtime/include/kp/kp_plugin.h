/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_plugin.h - the Kernel PlugIn API for plugin modules (reference B.6).
 *
 * A plugin is an ordinary kernel module that includes this header, defines
 * KP_Init (and the callbacks KP_Open installs) exactly as in the reference,
 * and ends with
 *
 *	KP_PLUGIN(my_pci_ids);
 *
 * which registers it with kp_runtime.ko.  Registration calls KP_Init; the
 * runtime then binds the PCI devices of @my_pci_ids and exposes each as
 * /dev/kp/<cDriverName><n>.
 *
 * Contexts (Linux names for the reference's levels):
 *   KP_Init, KP_Open, KP_Close, KP_Call, KP_Event, KP_IntEnable,
 *   KP_IntDisable			process context, may sleep
 *   KP_IntAtIrql, KP_IntAtIrqlMSI	hard IRQ ("high IRQL"), also on
 *					PREEMPT_RT: no sleeping, no
 *					malloc/free; register access,
 *					kp_interlocked_* and kp_spinlock_*
 *					are fine
 *   KP_IntAtDpc, KP_IntAtDpcMSI	the DPC (softirq, a thread on
 *					PREEMPT_RT: the reference's DISPATCH
 *					level): no sleeping; malloc (atomic)
 *					and kp_spinlock_* are fine
 *
 * Concurrency, per open (one KP_Open .. KP_Close):
 *   - KP_Call may run in several threads at once, and concurrently with
 *     KP_IntEnable/KP_IntDisable and the interrupt callbacks;
 *   - KP_Open, KP_Close and KP_Event never run concurrently with a KP_Call
 *     or with each other;
 *   - KP_IntEnable and KP_IntDisable never run concurrently with each
 *     other, with KP_Event or with KP_Close.
 *   The interrupt callbacks run whenever the device interrupts: share
 *   state with them through kp_spinlock_* or kp_interlocked_*.
 *
 * Device removal (hot unplug, sysfs remove, unbind, rmmod):
 *   1. kp_device_gone() turns TRUE and kp_sleep_us() sleepers wake: a
 *      KP_Call that waits or polls must check it and return, as removal
 *      waits for running KP_Calls.  Register reads of a vanished device
 *      return all-ones.
 *   2. Interrupts are disabled (KP_IntDisable), then every open gets
 *      KP_Event(WD_REMOVE) - whether or not user mode registered for
 *      events - and then KP_Close, all before the device is released.
 *      Release DMA memory and everything tied to the device there; a
 *      later KP_PLUGIN_CLOSE or close() does not call KP_Close again.
 */
#ifndef _KP_PLUGIN_H
#define _KP_PLUGIN_H

#include <linux/types.h>
#include <linux/string.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/io.h>
#include <linux/dma-mapping.h>
#include <linux/kp.h>

/* ---- Reference types ---------------------------------------------- */
#ifndef __cdecl
#define __cdecl			/* the x86-64 ABI has one convention */
#endif
typedef int BOOL;
typedef u32 DWORD;
typedef u32 ULONG;		/* the reference's ULONG is 32-bit, as DWORD */
typedef u16 WORD;
typedef u8 BYTE;
typedef u8 UCHAR;
typedef char CHAR;
typedef u64 UINT64;
typedef void *PVOID;
typedef void *HANDLE;
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

/* The runtime passes this as KP_INIT.dwVerWD; KP_Init compares it. */
#define WD_VER			1000

/* KP_Call / KP_IntEnable argument (reference B.7.3) */
typedef struct {
	HANDLE	hKernelPlugIn;	/* the open: same value as KP_Open's hWD */
	DWORD	dwMessage;
	PVOID	pData;		/* kernel copy of the caller's buffer */
	DWORD	dwResult;
	DWORD	dwDataSize;	/* Linux: bytes at pData (0 if none) */
} WD_KERNEL_PLUGIN_CALL;

/* dwAction values of WD_EVENT, the same bits as the UAPI's KP_EVENT_* */
#define WD_INSERT		0x1
#define WD_REMOVE		0x2
#define WD_POWER_CHANGED_D0	0x10
#define WD_POWER_CHANGED_D3	0x80

/* KP_Event argument: what happened to which device */
typedef struct {
	DWORD	hEvent;		/* per-open event sequence number */
	DWORD	dwAction;	/* WD_INSERT, WD_REMOVE, WD_POWER_* */
	DWORD	dwEventType;	/* reserved, 0 */
	DWORD	dwVendorId;
	DWORD	dwDeviceId;
	DWORD	dwDomain;
	DWORD	dwBus;
	DWORD	dwSlot;
	DWORD	dwFunction;
	HANDLE	hKernelPlugIn;	/* the open the event is delivered to */
} WD_EVENT;

/* ---- Callback types (reference B.6, B.7.5) ------------------------ */
struct _KP_OPEN_CALL;
typedef BOOL (__cdecl *KP_FUNC_OPEN)(struct _KP_OPEN_CALL *kpOpenCall,
				     HANDLE hWD, PVOID pOpenData,
				     PVOID *ppDrvContext);
typedef void (__cdecl *KP_FUNC_CLOSE)(PVOID pDrvContext);
typedef void (__cdecl *KP_FUNC_CALL)(PVOID pDrvContext,
				     WD_KERNEL_PLUGIN_CALL *kpCall,
				     BOOL fIsKernelMode);
typedef BOOL (__cdecl *KP_FUNC_EVENT)(PVOID pDrvContext, WD_EVENT *wd_event);
typedef BOOL (__cdecl *KP_FUNC_INT_ENABLE)(PVOID pDrvContext,
					   WD_KERNEL_PLUGIN_CALL *kpCall,
					   PVOID *ppIntContext);
typedef void (__cdecl *KP_FUNC_INT_DISABLE)(PVOID pIntContext);
typedef BOOL (__cdecl *KP_FUNC_INT_AT_IRQL)(PVOID pIntContext,
					    BOOL *pfIsMyInterrupt);
typedef DWORD (__cdecl *KP_FUNC_INT_AT_DPC)(PVOID pIntContext, DWORD dwCount);
typedef BOOL (__cdecl *KP_FUNC_INT_AT_IRQL_MSI)(PVOID pIntContext,
						ULONG dwLastMessage,
						DWORD dwReserved);
typedef DWORD (__cdecl *KP_FUNC_INT_AT_DPC_MSI)(PVOID pIntContext,
						DWORD dwCount,
						ULONG dwLastMessage,
						DWORD dwReserved);

/* KP_Init's argument (B.7.4) */
typedef struct {
	DWORD		dwVerWD;		/* in: WD_VER */
	CHAR		cDriverName[12];	/* out: with its NUL */
	KP_FUNC_OPEN	funcOpen;		/* out */
} KP_INIT;
typedef BOOL (__cdecl *KP_FUNC_INIT_T)(KP_INIT *kpInit);

/*
 * KP_Open's argument (B.7.5); members left NULL are simply not called,
 * with these defaults on the interrupt path: no funcIntAtIrql - the
 * transfer commands decide (a DPC when they claimed the interrupt); no
 * funcIntAtIrqlMSI - every MSI requests a DPC; no DPC function - user
 * mode is notified dwCount times.
 */
typedef struct _KP_OPEN_CALL {
	KP_FUNC_CLOSE			funcClose;
	KP_FUNC_CALL			funcCall;
	KP_FUNC_INT_ENABLE		funcIntEnable;
	KP_FUNC_INT_DISABLE		funcIntDisable;
	KP_FUNC_INT_AT_IRQL		funcIntAtIrql;
	KP_FUNC_INT_AT_DPC		funcIntAtDpc;
	KP_FUNC_INT_AT_IRQL_MSI		funcIntAtIrqlMSI;
	KP_FUNC_INT_AT_DPC_MSI		funcIntAtDpcMSI;
	KP_FUNC_EVENT			funcEvent;
	DWORD				dwOptions;	/* KP_OPT_* (Linux) */
} KP_OPEN_CALL;

/*
 * KP_OPEN_CALL.dwOptions, set by KP_Open:
 * KP_OPT_DPC_AT_IRQL - the DPC callbacks are safe at hard-IRQ level (no
 *	sleeping, no malloc, locks only through kp_spinlock_*): the runtime
 *	may call them right after KP_IntAtIrql* in the hard-IRQ handler,
 *	with dwCount 1, and notify user mode from there (no softirq hop).
 *	Ignored on PREEMPT_RT, where the DPC always runs in its thread.
 *	Without DPC callbacks the runtime does this by itself.
 */
#define KP_OPT_DPC_AT_IRQL	0x1

/*
 * KP_Init is the one callback whose name is fixed (the runtime registers
 * it through KP_PLUGIN()).  Every other callback may have any name and
 * may be static; KP_Open installs them in KP_OPEN_CALL.  Plugins that use
 * the reference's conventional names non-statically (KP_Open, KP_Call,
 * ...) include <kp/kp_callbacks.h> for their prototypes.
 */
BOOL __cdecl KP_Init(KP_INIT *kpInit);

/* ---- The small C library of the reference (kpstdlib.h) ------------ */
/*
 * malloc() uses GFP_KERNEL in process context and GFP_ATOMIC in the DPC;
 * called at hard-IRQ level it returns NULL (and warns once), as the
 * reference forbids it there.
 */
void *kp_malloc(size_t size);
void *kp_calloc(size_t nmemb, size_t size);
void *kp_realloc(void *ptr, size_t size);
void kp_free(void *ptr);
#define malloc(s)		kp_malloc(s)
#define calloc(n, s)		kp_calloc(n, s)
#define realloc(p, s)		kp_realloc(p, s)
#define free(p)			kp_free(p)

/*
 * COPY_TO_USER_OR_KERNEL(dst, src, size, fIsKernelMode)
 * COPY_FROM_USER_OR_KERNEL(dst, src, size, fIsKernelMode)
 *
 * pData given to KP_Call/KP_IntEnable and pOpenData given to KP_Open are
 * kernel copies of the caller's buffer, bounded by its declared size.  The
 * copy macros check that the pData-side range lies inside that buffer: a
 * copy that would run past it copies nothing and evaluates to -EFAULT
 * (the reference's code cannot overrun the kernel copy).  Outside a
 * runtime callback they copy kernel memory when fIsKernelMode is TRUE and
 * user memory (copy_{to,from}_user) when it is FALSE.  They evaluate to 0
 * on success.  The plugin's side is bounded by its object's size where
 * the compiler knows it: a larger copy moves what the object holds (the
 * rest of the caller's side zeroed on COPY_TO) and the kernel log names
 * the call site.
 */
int kp_copy_to_caller(void *dst, const void *src, size_t size, BOOL kernel,
		      size_t own);
int kp_copy_from_caller(void *dst, const void *src, size_t size, BOOL kernel,
			size_t own);
int kp_copy_to_user_or_kernel(void *dst, const void *src, size_t size,
			      BOOL fIsKernelMode);
int kp_copy_from_user_or_kernel(void *dst, const void *src, size_t size,
				BOOL fIsKernelMode);
#define COPY_TO_USER_OR_KERNEL(dst, src, size, fIsKernelMode) \
	kp_copy_to_caller((void *)(dst), (const void *)(src), (size), \
			  (fIsKernelMode), __builtin_object_size(src, 0))
#define COPY_FROM_USER_OR_KERNEL(dst, src, size, fIsKernelMode) \
	kp_copy_from_caller((void *)(dst), (const void *)(src), (size), \
			    (fIsKernelMode), __builtin_object_size(dst, 0))

/* ---- Synchronization (B.6.13) ------------------------------------- */
/*
 * KP_SPINLOCK: a raw spinlock taken with interrupts off, so one lock can
 * be shared by process context, the DPC and KP_IntAtIrql* (the reference
 * forbids the last; Linux allows it, also on PREEMPT_RT).  Keep critical
 * sections short: on PREEMPT_RT they are not preemptible, and malloc()
 * under a KP_SPINLOCK returns NULL there.  Contention is reported through
 * the kp:kp_lock_* tracepoints, each lock named by the plugin module and
 * the call site that created it.
 */
typedef struct _KP_SPINLOCK KP_SPINLOCK;
KP_SPINLOCK *kp_spinlock_init_caller(struct module *owner, unsigned long ip);
#define kp_spinlock_init() \
	kp_spinlock_init_caller(THIS_MODULE, _THIS_IP_)
void kp_spinlock_wait(KP_SPINLOCK *spinlock);
void kp_spinlock_release(KP_SPINLOCK *spinlock);
void kp_spinlock_uninit(KP_SPINLOCK *spinlock);

/* KP_INTERLOCKED: atomic int, usable from any context including IRQ. */
typedef volatile int KP_INTERLOCKED;
void kp_interlocked_init(KP_INTERLOCKED *target);
void kp_interlocked_uninit(KP_INTERLOCKED *target);
int kp_interlocked_increment(KP_INTERLOCKED *target);
int kp_interlocked_decrement(KP_INTERLOCKED *target);
int kp_interlocked_add(KP_INTERLOCKED *target, int val);
int kp_interlocked_read(KP_INTERLOCKED *target);
void kp_interlocked_set(KP_INTERLOCKED *target, int val);
int kp_interlocked_exchange(KP_INTERLOCKED *target, int val);

/* ---- Device access from a plugin (the WDC_xxx register calls) ----- */
/*
 * hWD is the open handle KP_Open receives (also kpCall->hKernelPlugIn).
 * All accessors are safe at hard-IRQ level.  kp_bar() returns the mapped
 * BAR (memory or I/O, through pci_iomap) or NULL when absent or once the
 * device was removed; do not keep BAR pointers past KP_Close.
 */
struct pci_dev *kp_pci_dev(HANDLE hWD);
void __iomem *kp_bar(HANDLE hWD, int bar);
resource_size_t kp_bar_size(HANDLE hWD, int bar);
struct device *kp_dma_dev(HANDLE hWD);	/* for the DMA API */

/*
 * TRUE once the device is being removed or has been surprise-removed
 * (reads return all-ones).  Any context.
 */
BOOL kp_device_gone(HANDLE hWD);

/*
 * Sleeps about @usecs microseconds in process context (a KP_Call polling
 * the device).  Returns 0, or -ENODEV at once when the device goes away
 * (removal wakes the sleeper).
 */
int kp_sleep_us(HANDLE hWD, unsigned long usecs);

/*
 * In KP_IntEnable: the number of transfer commands the runtime will run
 * in the hard-IRQ handler before KP_IntAtIrql* (0 when user mode passed
 * none).  A plugin that leaves acknowledging to transfer commands must
 * check it: a level interrupt nobody acknowledges storms.
 */
DWORD kp_int_trans_count(HANDLE hWD);

/* ---- DMA ------------------------------------------------------------ */
/*
 * The device's DMA mask: what it can address (edu: 28 bits).  32 bits
 * until a plugin says otherwise; set it in KP_Open, before any buffer
 * exists (-EBUSY otherwise, unless the mask is already @bits: every open
 * may set the same mask).  Returns the kernel's error (-EIO) when the
 * platform cannot give it.  Process context.
 */
int kp_dma_set_mask(HANDLE hWD, unsigned int bits);

/*
 * Coherent memory for the plugin's own rings and descriptors, addressable
 * by the device (@bus).  Free it in KP_Close at the latest; what is left
 * then is freed by the runtime, with a warning.  Process context.
 */
void *kp_dma_alloc_coherent(HANDLE hWD, size_t size, dma_addr_t *bus);
void kp_dma_free_coherent(HANDLE hWD, size_t size, void *va,
			  dma_addr_t bus);

/*
 * A buffer user mode allocated (KP_DMA_ALLOC) or locked (KP_DMA_LOCK) on
 * this open, found by the handle it passes in a KP_Call.  @kva is the
 * kernel address of a contiguous buffer (NULL for a locked user buffer);
 * @segs are what to program into the device.
 */
struct kp_dma_buffer {
	DWORD			handle;
	DWORD			flags;		/* KP_DMA_* dir, KP_DMA_F_CONTIG */
	u64			size;
	void			*kva;
	DWORD			nsegs;
	const struct kp_dma_seg	*segs;
};

/*
 * Takes a reference on buffer @handle of this open, or NULL.  Any context
 * (KP_Call, KP_IntAtIrql*, the DPC).  While the reference is held the
 * buffer stays mapped even if user mode unlocks it meanwhile; drop it
 * (any context) once the device is done with the memory.  On close and
 * on device removal the runtime unmaps and frees every buffer after
 * KP_Close, references or not: by the time KP_Close returns (and before
 * a KP_Call returns because kp_device_gone() turned TRUE), the device
 * must have stopped every transfer it was given.  Without an IOMMU a
 * transfer that outlives its buffer writes into freed memory.
 */
const struct kp_dma_buffer *kp_dma_buffer_get(HANDLE hWD, DWORD handle);
void kp_dma_buffer_put(const struct kp_dma_buffer *buf);

/*
 * Gives [@offset, @offset + @size) of @buf to the CPU (@for_cpu TRUE:
 * before reading what the device wrote) or to the device.  Any context.
 * Returns -EINVAL for a range outside the buffer.
 */
int kp_dma_buffer_sync(const struct kp_dma_buffer *buf, u64 offset,
		       u64 size, BOOL for_cpu);

/* ---- Registration ------------------------------------------------- */
struct kp_plugin;
int kp_plugin_register(struct module *owner,
		       const struct pci_device_id *id_table,
		       KP_FUNC_INIT_T init, struct kp_plugin **out);
void kp_plugin_unregister(struct kp_plugin *plugin);

/*
 * KP_PLUGIN(id_table) - the plugin's module_init/module_exit: register
 * KP_Init and the PCI ids with the runtime.  Unloading is refused while
 * any of its devices is open (the runtime holds a module reference).
 */
#define KP_PLUGIN_INIT(init_fn, id_table)				\
	static struct kp_plugin *__kp_this_plugin;			\
	static int __init __kp_plugin_init(void)			\
	{								\
		return kp_plugin_register(THIS_MODULE, id_table,	\
					  init_fn, &__kp_this_plugin);	\
	}								\
	static void __exit __kp_plugin_exit(void)			\
	{								\
		kp_plugin_unregister(__kp_this_plugin);			\
	}								\
	module_init(__kp_plugin_init);					\
	module_exit(__kp_plugin_exit)
#define KP_PLUGIN(id_table)	KP_PLUGIN_INIT(KP_Init, id_table)

#endif /* _KP_PLUGIN_H */
