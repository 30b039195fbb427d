/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_glue.h - the callback glue that every plugin kpgen generates shares.
 *
 * A generated <p>_gen.c keeps only what its description says (the KP_Call
 * message switch, the BAR table, the plugin's DMA buffers, the PCI ids)
 * and takes the rest from here, so a fix here reaches every generated
 * project at its next build.  Hand-written plugins do not need it.
 *
 * What the macros expect of a project with driver name <p> (kpgen writes
 * all of it into <p>_gen.h and <p>_msgs.h):
 *   struct <p>_drv_ctx, struct <p>_int_ctx	the user's contexts
 *   <p>_open(), <p>_close(), <p>_event(), <p>_irq_enable(),
 *   <p>_irq_disable(), <p>_irq(), <p>_dpc(), <p>_irq_msi(),
 *   <p>_dpc_msi()				the user's hooks
 *   <P>_RES_*, struct <p>_int_enable, <P>_INT_F_TRANS_ACK,
 *   struct <p>_dma_range			the same values and layouts
 *						as KP_GLUE_* below
 *						(KP_GLUE_CHECK_* assert it)
 * Contexts are those of kp_plugin.h: everything here runs in process
 * context except the interrupt callbacks, which only call the user's
 * hooks.
 */
#ifndef _KP_GLUE_H
#define _KP_GLUE_H

#include <linux/build_bug.h>
#include <linux/printk.h>
#include <linux/stddef.h>
#include <kp/kp_plugin.h>

/* ---- Results (dwResult) of the generated code ---------------------- */
#define KP_GLUE_RES_OK			0
#define KP_GLUE_RES_BAD_SIZE		2	/* payload too small */
#define KP_GLUE_RES_FAULT		3	/* copying the payload failed */
#define KP_GLUE_RES_ERROR		5	/* other failure (no memory) */
#define KP_GLUE_RES_NO_TRANS_CMDS	8	/* TRANS_ACK without commands */
#define KP_GLUE_RES_BAD_BUFFER		9	/* DMA buffer refused */

/* (@a) == (@b), in a form checkpatch does not read as a constant on the left */
#define __kp_glue_eq(a, b)		((a) == (b))

/* The project's <P>_RES_* (shared with user space) are these values. */
#define KP_GLUE_CHECK_RESULTS(P)					\
	static_assert(__kp_glue_eq(P##_RES_OK, KP_GLUE_RES_OK) &&	\
		      __kp_glue_eq(P##_RES_BAD_SIZE, KP_GLUE_RES_BAD_SIZE) && \
		      __kp_glue_eq(P##_RES_FAULT, KP_GLUE_RES_FAULT) &&	\
		      __kp_glue_eq(P##_RES_ERROR, KP_GLUE_RES_ERROR) &&	\
		      __kp_glue_eq(P##_RES_NO_TRANS_CMDS,		\
				   KP_GLUE_RES_NO_TRANS_CMDS) &&	\
		      __kp_glue_eq(P##_RES_BAD_BUFFER,			\
				   KP_GLUE_RES_BAD_BUFFER))

/* ---- KP_Call payloads ----------------------------------------------- */

/* Payloads up to this size are copied through the stack, larger ones malloc'ed */
#define KP_GLUE_SMALL_PAYLOAD		256

/*
 * Copies the caller's @size bytes of payload in: returns the kernel copy
 * (@small, KP_GLUE_SMALL_PAYLOAD bytes on the caller's stack, or a
 * malloc'ed buffer), or NULL with kpCall->dwResult set.
 */
static inline void *kp_glue_payload_in(WD_KERNEL_PLUGIN_CALL *kpCall,
				       BOOL fIsKernelMode, size_t size,
				       void *small)
{
	void *p = size <= KP_GLUE_SMALL_PAYLOAD ? small : malloc(size);

	if (kpCall->dwDataSize < size) {
		kpCall->dwResult = KP_GLUE_RES_BAD_SIZE;
		p = NULL;
	} else if (!p) {
		kpCall->dwResult = KP_GLUE_RES_ERROR;
	} else if (size && COPY_FROM_USER_OR_KERNEL(p, kpCall->pData, size,
						    fIsKernelMode)) {
		kpCall->dwResult = KP_GLUE_RES_FAULT;
	} else {
		return p;
	}
	if (p && p != small)
		free(p);
	return NULL;
}

/* Copies the payload back, frees it and sets the handler's result @res. */
static inline void kp_glue_payload_out(WD_KERNEL_PLUGIN_CALL *kpCall,
				       BOOL fIsKernelMode, void *p,
				       size_t size, void *small, DWORD res)
{
	if (size && COPY_TO_USER_OR_KERNEL(kpCall->pData, p, size,
					   fIsKernelMode))
		res = KP_GLUE_RES_FAULT;
	if (p != small)
		free(p);
	kpCall->dwResult = res;
}

/* ---- DMA ------------------------------------------------------------ */

/* The first members of the payload of every message with `buffer` */
struct kp_glue_dma_range {
	__u32 handle;			/* kp_dma_contig_lock / kp_dma_sg_lock */
	__u8 __pad0[4];
	__u64 offset;			/* the range of the buffer the device uses */
	__u64 length;
};

#define KP_GLUE_CHECK_DMA_RANGE(type)					\
	static_assert(sizeof(type) == sizeof(struct kp_glue_dma_range) && \
		      offsetof(type, handle) ==				\
		      offsetof(struct kp_glue_dma_range, handle) &&	\
		      offsetof(type, offset) ==				\
		      offsetof(struct kp_glue_dma_range, offset) &&	\
		      offsetof(type, length) ==				\
		      offsetof(struct kp_glue_dma_range, length))

/*
 * The user buffer of a message with `buffer`: [offset, offset + length)
 * of buffer `handle` of this open.  NULL (the message fails with
 * KP_GLUE_RES_BAD_BUFFER) unless the range lies in the buffer, it was
 * locked for what the device does (@dir) and its kind is accepted
 * (@contig: KP_DMA_ALLOC buffers, @sg: KP_DMA_LOCK ones); else a
 * reference, with the range synced for the device.
 */
static inline const struct kp_dma_buffer *
kp_glue_dma_msg_get(HANDLE hWD, const void *msg, DWORD dir, BOOL contig,
		    BOOL sg)
{
	const struct kp_glue_dma_range *r = msg;
	const struct kp_dma_buffer *buf = kp_dma_buffer_get(hWD, r->handle);

	if (!buf)
		return NULL;
	if (!r->length || r->offset >= buf->size ||
	    r->length > buf->size - r->offset || (buf->flags & dir) != dir ||
	    !((buf->flags & KP_DMA_F_CONTIG) ? contig : sg) ||
	    kp_dma_buffer_sync(buf, r->offset, r->length, FALSE)) {
		kp_dma_buffer_put(buf);
		return NULL;
	}
	return buf;
}

/* After the handler: the range goes back to the CPU if the device wrote it. */
static inline void kp_glue_dma_msg_put(const struct kp_dma_buffer *buf,
				       const void *msg, DWORD dir, DWORD res)
{
	const struct kp_glue_dma_range *r = msg;

	if (res == KP_GLUE_RES_OK && (dir & KP_DMA_FROM_DEVICE))
		kp_dma_buffer_sync(buf, r->offset, r->length, TRUE);
	kp_dma_buffer_put(buf);
}

/*
 * dma.mask, set before an open has buffers.  Another open of the device
 * may hold user buffers already (-EBUSY): the mask it set is then ours.
 */
static inline BOOL kp_glue_dma_mask(HANDLE hWD, unsigned int bits)
{
	int rc = kp_dma_set_mask(hWD, bits);

	if (rc == -EBUSY && dma_get_mask(kp_dma_dev(hWD)) == DMA_BIT_MASK(bits))
		rc = 0;
	if (rc)
		pr_err("cannot set a %u-bit DMA mask: %d\n", bits, rc);
	return !rc;
}

static inline BOOL __kp_glue_dma_alloc(HANDLE hWD, void **va,
				       dma_addr_t *bus, size_t *bsize,
				       size_t size, const char *what)
{
	*va = kp_dma_alloc_coherent(hWD, size, bus);
	if (!*va) {
		pr_err("cannot allocate DMA buffer %s (%zu bytes)\n", what, size);
		return FALSE;
	}
	*bsize = size;
	return TRUE;
}

static inline void __kp_glue_dma_free(HANDLE hWD, void **va, dma_addr_t bus,
				      size_t size)
{
	kp_dma_free_coherent(hWD, size, *va, bus);
	*va = NULL;
}

/*
 * A plugin buffer (dma.buffers): @b points to a struct with the members
 * va, bus and size (struct <p>_dma_buf).
 */
#define kp_glue_dma_alloc(hWD, b, bytes, what)				\
	__kp_glue_dma_alloc((hWD), &(b)->va, &(b)->bus, &(b)->size, (bytes), \
			    (what))
#define kp_glue_dma_free(hWD, b)					\
	__kp_glue_dma_free((hWD), &(b)->va, (b)->bus, (b)->size)

/* ---- KP_Open -------------------------------------------------------- */

/* A described BAR and the size it must have at least */
struct kp_glue_bar {
	int bar;
	resource_size_t need;
	const char *name;
};

/*
 * Every described BAR must be present and at least as large as `size`
 * and as the end of its highest register: the generated accessors (some
 * run in hard IRQ) then never leave the mapping.
 */
static inline BOOL kp_glue_check_bars(HANDLE hWD,
				      const struct kp_glue_bar *bars,
				      unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!kp_bar(hWD, bars[i].bar)) {
			pr_err("BAR%d (%s) is missing\n", bars[i].bar,
			       bars[i].name);
			return FALSE;
		}
		if (kp_bar_size(hWD, bars[i].bar) < bars[i].need) {
			pr_err("BAR%d (%s) is smaller than %llu bytes\n",
			       bars[i].bar, bars[i].name,
			       (unsigned long long)bars[i].need);
			return FALSE;
		}
	}
	return TRUE;
}

/* KP_Open's context as the user's: the same pointer, without dma.buffers */
#define KP_GLUE_SAME_CTX(pDrvContext)	(pDrvContext)

/*
 * KP_Event and, without dma.buffers, KP_Close (with them the generated
 * KP_Close frees the buffers): KP_<p>_Event, KP_<p>_Close.  @ctx turns
 * KP_Open's context into the user's struct <p>_drv_ctx *.
 */
#define KP_GLUE_EVENT(p, ctx)						\
static BOOL __cdecl KP_##p##_Event(PVOID pDrvContext, WD_EVENT *wd_event) \
{									\
	return p##_event(ctx(pDrvContext), wd_event);			\
}

#define KP_GLUE_CLOSE(p)						\
static void __cdecl KP_##p##_Close(PVOID pDrvContext)			\
{									\
	p##_close(pDrvContext);						\
}

/* The KP_OPEN_CALL members of KP_GLUE_EVENT, KP_<p>_Close and KP_<p>_Call */
#define KP_GLUE_CALLS(p)						\
	.funcClose = KP_##p##_Close,					\
	.funcCall = KP_##p##_Call,					\
	.funcEvent = KP_##p##_Event

/* ---- Interrupts ----------------------------------------------------- */

/* KP_INT_ENABLE data (kp_int_opts.data): struct <p>_int_enable */
struct kp_glue_int_enable {
	__u32 flags;
#define KP_GLUE_INT_F_TRANS_ACK		(1U << 0)	/* runtime acks */
	__u32 reserved;
};

/*
 * KP_IntEnable's options.  With KP_GLUE_INT_F_TRANS_ACK the application
 * asks the runtime to acknowledge through transfer commands; refuse when
 * it passed none, as a level interrupt nobody acknowledges would storm.
 * FALSE with kpCall->dwResult set, or TRUE and *@trans_ack.
 */
static inline BOOL kp_glue_int_enable_opts(WD_KERNEL_PLUGIN_CALL *kpCall,
					   BOOL *trans_ack)
{
	struct kp_glue_int_enable opts = { 0 };

	if (kpCall->pData && kpCall->dwDataSize >= sizeof(opts) &&
	    COPY_FROM_USER_OR_KERNEL(&opts, kpCall->pData, sizeof(opts),
				     FALSE)) {
		kpCall->dwResult = KP_GLUE_RES_FAULT;
		return FALSE;
	}
	*trans_ack = !!(opts.flags & KP_GLUE_INT_F_TRANS_ACK);
	if (*trans_ack && !kp_int_trans_count(kpCall->hKernelPlugIn)) {
		pr_warn_ratelimited("TRANS_ACK without transfer commands: refused\n");
		kpCall->dwResult = KP_GLUE_RES_NO_TRANS_CMDS;
		return FALSE;
	}
	return TRUE;
}

/*
 * KP_<p>_IntEnable, _IntDisable, _IntAtIrql, _IntAtDpc, _IntAtIrqlMSI and
 * _IntAtDpcMSI, calling the user's hooks; @ctx as for KP_GLUE_EVENT.
 */
#define KP_GLUE_INTERRUPTS(p, P, ctx)					\
static_assert(sizeof(struct p##_int_enable) ==				\
	      sizeof(struct kp_glue_int_enable) &&			\
	      __kp_glue_eq(P##_INT_F_TRANS_ACK, KP_GLUE_INT_F_TRANS_ACK)); \
									\
static BOOL __cdecl KP_##p##_IntEnable(PVOID pDrvContext,		\
				       WD_KERNEL_PLUGIN_CALL *kpCall,	\
				       PVOID *ppIntContext)		\
{									\
	struct p##_int_ctx *ictx = NULL;				\
	BOOL trans_ack;							\
									\
	if (!kp_glue_int_enable_opts(kpCall, &trans_ack) ||		\
	    !p##_irq_enable(ctx(pDrvContext), trans_ack, &ictx))	\
		return FALSE;						\
	kpCall->dwResult = KP_GLUE_RES_OK;				\
	*ppIntContext = ictx;						\
	return TRUE;							\
}									\
									\
static void __cdecl KP_##p##_IntDisable(PVOID pIntContext)		\
{									\
	p##_irq_disable(pIntContext);					\
}									\
									\
static BOOL __cdecl KP_##p##_IntAtIrql(PVOID pIntContext,		\
				       BOOL *pfIsMyInterrupt)		\
{									\
	return p##_irq(pIntContext, pfIsMyInterrupt);			\
}									\
									\
static DWORD __cdecl KP_##p##_IntAtDpc(PVOID pIntContext, DWORD dwCount) \
{									\
	return p##_dpc(pIntContext, dwCount);				\
}									\
									\
static BOOL __cdecl KP_##p##_IntAtIrqlMSI(PVOID pIntContext,		\
					  ULONG dwLastMessage,		\
					  DWORD dwReserved)		\
{									\
	return p##_irq_msi(pIntContext, dwLastMessage);			\
}									\
									\
static DWORD __cdecl KP_##p##_IntAtDpcMSI(PVOID pIntContext,		\
					  DWORD dwCount,		\
					  ULONG dwLastMessage,		\
					  DWORD dwReserved)		\
{									\
	return p##_dpc_msi(pIntContext, dwCount, dwLastMessage);	\
}

/* The KP_OPEN_CALL members of KP_GLUE_INTERRUPTS */
#define KP_GLUE_INTERRUPT_CALLS(p)					\
	.funcIntEnable = KP_##p##_IntEnable,				\
	.funcIntDisable = KP_##p##_IntDisable,				\
	.funcIntAtIrql = KP_##p##_IntAtIrql,				\
	.funcIntAtDpc = KP_##p##_IntAtDpc,				\
	.funcIntAtIrqlMSI = KP_##p##_IntAtIrqlMSI,			\
	.funcIntAtDpcMSI = KP_##p##_IntAtDpcMSI

/*
 * KP_<p>_Open without dma.buffers: checks the @nbars BARs of @bars, sets
 * a @dma_bits DMA mask (0: no DMA), lets <p>_open() allocate the per-open
 * state and installs @calls (a const KP_OPEN_CALL).
 */
#define KP_GLUE_OPEN(p, bars, nbars, dma_bits, calls)			\
static BOOL __cdecl KP_##p##_Open(struct _KP_OPEN_CALL *kpOpenCall,	\
				  HANDLE hWD, PVOID pOpenData,		\
				  PVOID *ppDrvContext)			\
{									\
	struct p##_drv_ctx *ctx = NULL;					\
									\
	if (!kp_glue_check_bars(hWD, bars, nbars) ||			\
	    ((dma_bits) && !kp_glue_dma_mask(hWD, dma_bits)) ||		\
	    !p##_open(hWD, pOpenData, &ctx))				\
		return FALSE;						\
	*kpOpenCall = calls;						\
	*ppDrvContext = ctx;						\
	return TRUE;							\
}

/* ---- KP_Init and registration --------------------------------------- */

static inline BOOL kp_glue_init(KP_INIT *kpInit, KP_FUNC_OPEN open,
				const char *name)
{
	if (kpInit->dwVerWD != WD_VER) {
		pr_err("built for runtime version %d, loaded into %u\n",
		       WD_VER, kpInit->dwVerWD);
		return FALSE;
	}
	kpInit->funcOpen = open;
	strscpy(kpInit->cDriverName, name, sizeof(kpInit->cDriverName));
	return TRUE;
}

/*
 * KP_Init (driver name @name, /dev/kp/<name><n>, and KP_<p>_Open), the
 * module's PCI id table @ids and its registration with kp_runtime.ko.
 */
#define KP_GLUE_PLUGIN(p, name, ids)					\
BOOL __cdecl KP_Init(KP_INIT *kpInit)					\
{									\
	return kp_glue_init(kpInit, KP_##p##_Open, name);		\
}									\
MODULE_DEVICE_TABLE(pci, ids);						\
KP_PLUGIN_INIT(KP_Init, ids)

#endif /* _KP_GLUE_H */
