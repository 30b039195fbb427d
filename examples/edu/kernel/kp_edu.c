// SPDX-License-Identifier: GPL-2.0
/*
 * kp_edu.c - a Kernel PlugIn for QEMU's "edu" educational PCI device.
 *
 * Written against the Kernel PlugIn API (kp/kp_plugin.h); the runtime
 * (kp_runtime.ko) binds the device and exposes it as /dev/kp/kp_edu<n>.
 * User mode talks to this plugin with KP_Call messages defined in
 * ../kp_edu_msgs.h.
 *
 * The edu device (BAR0, 1 MiB of MMIO, 32-bit registers):
 *   0x00 id		0xRRrr00ed
 *   0x04 liveness	reads back the inverse of the value written
 *   0x08 factorial	write n; read n! once status.busy clears
 *   0x20 status	bit 0 busy, bit 7 raise interrupt 0x1 when done
 *   0x24 irq status	pending interrupt causes
 *   0x60 irq raise	irq_status |= value, interrupt
 *   0x64 irq ack	irq_status &= ~value (INTx de-asserts at 0)
 *
 * Contexts: KP_Open/Close/Call/IntEnable/IntDisable/Event run in process
 * context and may sleep; the two IntAtIrql handlers run in hard IRQ and
 * only touch registers and KP_INTERLOCKED counters; the DPCs run in a
 * tasklet and must not sleep.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>

#include <kp/kp_plugin.h>

#include "../kp_edu_msgs.h"

/* Per open (KP_Open's driver context) */
struct kp_edu_ctx {
	HANDLE		hwd;		/* the runtime's open handle */
	void __iomem	*regs;		/* BAR0 */
	KP_SPINLOCK	*private_lock;	/* LOCK_HAMMER lock 1 */
	KP_INTERLOCKED	notify_every;	/* NOTIFY_EVERY k, >= 1 */
	/* KP_Event: what it returns, and what it saw (EVENT_COUNTS) */
	KP_INTERLOCKED	ev_notify;
	KP_INTERLOCKED	ev_calls;
	KP_INTERLOCKED	ev_remove;
	KP_INTERLOCKED	ev_d0;
	KP_INTERLOCKED	ev_d3;
	KP_INTERLOCKED	ev_other;
	KP_INTERLOCKED	ev_notified;
	KP_INTERLOCKED	ev_last_action;
	KP_INTERLOCKED	ev_last_hevent;
	/* DMA: completions seen by the interrupt handlers; int. enabled */
	KP_INTERLOCKED	dma_done;
	KP_INTERLOCKED	int_on;
	struct mutex	dma_mutex;	/* one transfer at a time */
};

/* Per KP_IntEnable (the interrupt context) */
struct kp_edu_int {
	struct kp_edu_ctx	*ctx;
	void __iomem		*regs;
	KP_INTERLOCKED		irqs;	/* interrupts that requested a DPC */
	KP_INTERLOCKED		seen;	/* DPC requests handled by the DPC */
	BOOL			trans_ack; /* transfer commands ack for us */
};

/*
 * LOCK_HAMMER lock 0 is shared by all opens, so that two threads contend
 * whatever fds they use.  Created by the first KP_Open, freed by the last
 * KP_Close (the plugin has no unload callback of its own).
 */
static DEFINE_MUTEX(kp_edu_shared_mutex);
static KP_SPINLOCK *kp_edu_contended_lock;
static unsigned int kp_edu_opens;

/* Serializes factorial computations: the device runs one at a time. */
static DEFINE_MUTEX(kp_edu_fact_mutex);

static u32 kp_edu_rd(struct kp_edu_ctx *ctx, u32 reg)
{
	return ioread32(ctx->regs + reg);
}

static void kp_edu_wr(struct kp_edu_ctx *ctx, u32 reg, u32 val)
{
	iowrite32(val, ctx->regs + reg);
}

/* ---- KP_Open / KP_Close --------------------------------------------- */

static void __cdecl KP_edu_Close(PVOID pDrvContext);
static DWORD kp_edu_event_notify(struct kp_edu_ctx *ctx,
				 WD_KERNEL_PLUGIN_CALL *kpCall,
				 BOOL fIsKernelMode)
{
	struct kp_edu_event_notify en;

	if (COPY_FROM_USER_OR_KERNEL(&en, kpCall->pData, sizeof(en),
				     fIsKernelMode))
		return KP_EDU_RES_BAD_SIZE;
	if (en.notify > 1)
		return KP_EDU_RES_INVALID;
	kp_interlocked_set(&ctx->ev_notify, en.notify);
	return KP_EDU_RES_OK;
}

static DWORD kp_edu_event_counts(struct kp_edu_ctx *ctx,
				 WD_KERNEL_PLUGIN_CALL *kpCall,
				 BOOL fIsKernelMode)
{
	struct kp_edu_event_counts ec = {
		.calls = kp_interlocked_read(&ctx->ev_calls),
		.remove = kp_interlocked_read(&ctx->ev_remove),
		.power_d0 = kp_interlocked_read(&ctx->ev_d0),
		.power_d3 = kp_interlocked_read(&ctx->ev_d3),
		.other = kp_interlocked_read(&ctx->ev_other),
		.notified = kp_interlocked_read(&ctx->ev_notified),
		.last_action = kp_interlocked_read(&ctx->ev_last_action),
		.last_hevent = kp_interlocked_read(&ctx->ev_last_hevent),
	};

	if (COPY_TO_USER_OR_KERNEL(kpCall->pData, &ec, sizeof(ec),
				   fIsKernelMode))
		return KP_EDU_RES_BAD_SIZE;
	return KP_EDU_RES_OK;
}

static void __cdecl KP_edu_Call(PVOID pDrvContext,
				WD_KERNEL_PLUGIN_CALL *kpCall,
				BOOL fIsKernelMode);
static BOOL __cdecl KP_edu_IntEnable(PVOID pDrvContext,
				     WD_KERNEL_PLUGIN_CALL *kpCall,
				     PVOID *ppIntContext);
static void __cdecl KP_edu_IntDisable(PVOID pIntContext);
static BOOL __cdecl KP_edu_IntAtIrql(PVOID pIntContext,
				     BOOL *pfIsMyInterrupt);
static DWORD __cdecl KP_edu_IntAtDpc(PVOID pIntContext, DWORD dwCount);
static BOOL __cdecl KP_edu_IntAtIrqlMSI(PVOID pIntContext,
					ULONG dwLastMessage,
					DWORD dwReserved);
static DWORD __cdecl KP_edu_IntAtDpcMSI(PVOID pIntContext, DWORD dwCount,
					ULONG dwLastMessage,
					DWORD dwReserved);
static BOOL __cdecl KP_edu_Event(PVOID pDrvContext, WD_EVENT *wd_event);

static bool kp_edu_shared_get(void)
{
	bool ok = true;

	mutex_lock(&kp_edu_shared_mutex);
	if (!kp_edu_opens) {
		kp_edu_contended_lock = kp_spinlock_init();
		ok = kp_edu_contended_lock;
	}
	if (ok)
		kp_edu_opens++;
	mutex_unlock(&kp_edu_shared_mutex);
	return ok;
}

static void kp_edu_shared_put(void)
{
	mutex_lock(&kp_edu_shared_mutex);
	if (!--kp_edu_opens) {
		kp_spinlock_uninit(kp_edu_contended_lock);
		kp_edu_contended_lock = NULL;
	}
	mutex_unlock(&kp_edu_shared_mutex);
}

static BOOL __cdecl KP_edu_Open(KP_OPEN_CALL *kpOpenCall, HANDLE hWD,
				PVOID pOpenData, PVOID *ppDrvContext)
{
	struct kp_edu_ctx *ctx;

	/* edu's registers live in the first 256 bytes of a 1 MiB BAR0 */
	if (!kp_bar(hWD, 0) || kp_bar_size(hWD, 0) < 0x100)
		return FALSE;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return FALSE;
	ctx->hwd = hWD;
	ctx->regs = kp_bar(hWD, 0);
	mutex_init(&ctx->dma_mutex);
	/* edu addresses 28 bits: a wider mask would let it clamp addresses */
	if (kp_dma_set_mask(hWD, KP_EDU_DMA_MASK_BITS))
		goto err_free_ctx;
	kp_interlocked_init(&ctx->notify_every);
	kp_interlocked_set(&ctx->notify_every, 1);
	kp_interlocked_set(&ctx->ev_notify, TRUE);

	ctx->private_lock = kp_spinlock_init();
	if (!ctx->private_lock)
		goto err_free_ctx;
	if (!kp_edu_shared_get())
		goto err_uninit_lock;

	kpOpenCall->funcClose = KP_edu_Close;
	kpOpenCall->funcCall = KP_edu_Call;
	kpOpenCall->funcIntEnable = KP_edu_IntEnable;
	kpOpenCall->funcIntDisable = KP_edu_IntDisable;
	kpOpenCall->funcIntAtIrql = KP_edu_IntAtIrql;
	kpOpenCall->funcIntAtDpc = KP_edu_IntAtDpc;
	kpOpenCall->funcIntAtIrqlMSI = KP_edu_IntAtIrqlMSI;
	kpOpenCall->funcIntAtDpcMSI = KP_edu_IntAtDpcMSI;
	kpOpenCall->funcEvent = KP_edu_Event;

	*ppDrvContext = ctx;
	return TRUE;

err_uninit_lock:
	kp_spinlock_uninit(ctx->private_lock);
err_free_ctx:
	free(ctx);
	return FALSE;
}

static void __cdecl KP_edu_Close(PVOID pDrvContext)
{
	struct kp_edu_ctx *ctx = pDrvContext;

	/* no register access here: the device may already be gone */
	kp_edu_shared_put();
	kp_spinlock_uninit(ctx->private_lock);
	kp_interlocked_uninit(&ctx->notify_every);
	free(ctx);
}

/* ---- KP_Call messages ----------------------------------------------- */

static DWORD kp_edu_version(struct kp_edu_ctx *ctx,
			    WD_KERNEL_PLUGIN_CALL *kpCall, BOOL fIsKernelMode)
{
	struct kp_edu_version ver = {
		.version = KP_EDU_VERSION,
		.device_id = kp_edu_rd(ctx, KP_EDU_REG_ID),
	};

	strscpy(ver.text, "kp_edu Kernel PlugIn 1.0.0", sizeof(ver.text));
	if (COPY_TO_USER_OR_KERNEL(kpCall->pData, &ver, sizeof(ver),
				   fIsKernelMode))
		return KP_EDU_RES_BAD_SIZE;
	return KP_EDU_RES_OK;
}

static DWORD kp_edu_liveness(struct kp_edu_ctx *ctx,
			     WD_KERNEL_PLUGIN_CALL *kpCall,
			     BOOL fIsKernelMode)
{
	u32 val;

	if (COPY_FROM_USER_OR_KERNEL(&val, kpCall->pData, sizeof(val),
				     fIsKernelMode))
		return KP_EDU_RES_BAD_SIZE;
	kp_edu_wr(ctx, KP_EDU_REG_LIVENESS, val);
	val = kp_edu_rd(ctx, KP_EDU_REG_LIVENESS);
	COPY_TO_USER_OR_KERNEL(kpCall->pData, &val, sizeof(val),
			       fIsKernelMode);
	return KP_EDU_RES_OK;
}

/*
 * Starts n! and polls the busy bit.  Process context: sleeps between
 * polls, gives up after about a second.
 */
static DWORD kp_edu_factorial(struct kp_edu_ctx *ctx,
			      WD_KERNEL_PLUGIN_CALL *kpCall,
			      BOOL fIsKernelMode)
{
	struct kp_edu_factorial fact = {};
	unsigned int tries = 50000;
	size_t size = sizeof(fact.value);
	DWORD res = KP_EDU_RES_OK;

	/* a bare __u32 is accepted; flags only when the caller passed them */
	if (kpCall->dwDataSize >= sizeof(fact))
		size = sizeof(fact);
	if (COPY_FROM_USER_OR_KERNEL(&fact, kpCall->pData, size,
				     fIsKernelMode))
		return KP_EDU_RES_BAD_SIZE;
	if (fact.value > KP_EDU_FACT_MAX ||
	    (fact.flags & ~KP_EDU_FACT_IRQ))
		return KP_EDU_RES_INVALID;

	mutex_lock(&kp_edu_fact_mutex);
	if (fact.flags & KP_EDU_FACT_IRQ)
		kp_edu_wr(ctx, KP_EDU_REG_STATUS, KP_EDU_STATUS_IRQ_FACT);
	kp_edu_wr(ctx, KP_EDU_REG_FACTORIAL, fact.value);
	while (kp_edu_rd(ctx, KP_EDU_REG_STATUS) & KP_EDU_STATUS_BUSY) {
		if (!--tries) {
			res = KP_EDU_RES_TIMEOUT;
			break;
		}
		usleep_range(10, 20);
	}
	if (res == KP_EDU_RES_OK)
		fact.value = kp_edu_rd(ctx, KP_EDU_REG_FACTORIAL);
	if (fact.flags & KP_EDU_FACT_IRQ)
		kp_edu_wr(ctx, KP_EDU_REG_STATUS, 0);
	mutex_unlock(&kp_edu_fact_mutex);

	if (res == KP_EDU_RES_OK)
		COPY_TO_USER_OR_KERNEL(kpCall->pData, &fact.value,
				       sizeof(fact.value), fIsKernelMode);
	return res;
}

/*
 * Takes and releases a KP_SPINLOCK in a loop, holding it ~1.5 us.  Used
 * to exercise the kp:kp_lock_* tracepoints: two threads on lock 0 contend,
 * lock 1 is this open's alone.
 */
static DWORD kp_edu_lock_hammer(struct kp_edu_ctx *ctx,
				WD_KERNEL_PLUGIN_CALL *kpCall,
				BOOL fIsKernelMode)
{
	struct kp_edu_lock_hammer lh;
	KP_SPINLOCK *lock;
	u32 i;

	if (COPY_FROM_USER_OR_KERNEL(&lh, kpCall->pData, sizeof(lh),
				     fIsKernelMode))
		return KP_EDU_RES_BAD_SIZE;
	if (!lh.iterations || lh.iterations > KP_EDU_HAMMER_MAX)
		return KP_EDU_RES_INVALID;

	switch (lh.lock_id) {
	case KP_EDU_LOCK_CONTENDED:
		lock = kp_edu_contended_lock;	/* alive: we are an open */
		break;
	case KP_EDU_LOCK_PRIVATE:
		lock = ctx->private_lock;
		break;
	default:
		return KP_EDU_RES_INVALID;
	}

	for (i = 0; i < lh.iterations; i++) {
		kp_spinlock_wait(lock);
		ndelay(1500);
		kp_spinlock_release(lock);
		if (!(i % 256))
			cond_resched();
	}
	return KP_EDU_RES_OK;
}

static DWORD kp_edu_notify_every(struct kp_edu_ctx *ctx,
				 WD_KERNEL_PLUGIN_CALL *kpCall,
				 BOOL fIsKernelMode)
{
	struct kp_edu_notify_every ne;

	if (COPY_FROM_USER_OR_KERNEL(&ne, kpCall->pData, sizeof(ne),
				     fIsKernelMode))
		return KP_EDU_RES_BAD_SIZE;
	if (!ne.k || ne.k > INT_MAX)
		return KP_EDU_RES_INVALID;
	kp_interlocked_set(&ctx->notify_every, ne.k);
	return KP_EDU_RES_OK;
}

/*
 * Finds the bus address of [@off, @off + @len) of @buf: one segment must
 * hold it all (edu's engine does one contiguous transfer).
 */
static bool kp_edu_dma_bus(const struct kp_dma_buffer *buf, u64 off, u32 len,
			   u64 *bus)
{
	u64 start = 0;
	u32 i;

	if (off >= buf->size || len > buf->size - off)
		return false;
	for (i = 0; i < buf->nsegs; i++) {
		const struct kp_dma_seg *seg = &buf->segs[i];

		if (off >= start && off + len <= start + seg->len) {
			*bus = seg->bus_addr + (off - start);
			return true;
		}
		start += seg->len;
	}
	return false;
}

/*
 * The caller drops its buffer reference when we return, and the runtime
 * may then unmap and free the buffer (device removal): the engine must
 * not be moving data into it any more.  edu cannot abort a transfer, so
 * wait for it to end, without kp_sleep_us() (it returns at once when the
 * device is going).  A vanished device reads all-ones and moves nothing.
 */
static void kp_edu_dma_quiesce(struct kp_edu_ctx *ctx)
{
	unsigned int i;
	u64 cmd;

	for (i = 0; i < 2000; i++) {
		cmd = readq(ctx->regs + KP_EDU_REG_DMA_CMD);
		if (cmd == ~0ULL || !(cmd & KP_EDU_DMA_RUN))
			return;
		usleep_range(1000, 2000);
	}
	pr_warn("kp_edu: DMA engine still running after 2 s\n");
}

static DWORD kp_edu_dma_run(struct kp_edu_ctx *ctx, struct kp_edu_dma *d,
			    u64 bus)
{
	bool to_ram = d->flags & KP_EDU_DMA_F_TO_RAM;
	u64 edu = KP_EDU_DMA_WINDOW + d->edu_offset;
	bool irq = kp_interlocked_read(&ctx->int_on);
	int done = kp_interlocked_read(&ctx->dma_done);
	u32 cmd = KP_EDU_DMA_RUN | (to_ram ? KP_EDU_DMA_TO_RAM : 0) |
		  (irq ? KP_EDU_DMA_IRQ : 0);
	unsigned int waited = 0;

	writeq(to_ram ? edu : bus, ctx->regs + KP_EDU_REG_DMA_SRC);
	writeq(to_ram ? bus : edu, ctx->regs + KP_EDU_REG_DMA_DST);
	writeq(d->len, ctx->regs + KP_EDU_REG_DMA_CNT);
	writeq(cmd, ctx->regs + KP_EDU_REG_DMA_CMD);
	/* edu's engine takes 100 ms of the guest's virtual clock: 2 s at most */
	for (;;) {
		if (irq ? kp_interlocked_read(&ctx->dma_done) != done :
		    !(readq(ctx->regs + KP_EDU_REG_DMA_CMD) & KP_EDU_DMA_RUN))
			break;
		if (waited++ > 2000 || kp_sleep_us(ctx->hwd, 1000)) {
			kp_edu_dma_quiesce(ctx);
			return KP_EDU_RES_TIMEOUT;
		}
	}
	d->irq = irq;
	return KP_EDU_RES_OK;
}

static DWORD kp_edu_dma(struct kp_edu_ctx *ctx, WD_KERNEL_PLUGIN_CALL *kpCall,
			BOOL fIsKernelMode)
{
	const struct kp_dma_buffer *buf = NULL;
	bool to_ram;
	struct kp_edu_dma d;
	DWORD res;
	u64 bus;

	if (kpCall->dwDataSize < sizeof(d) ||
	    COPY_FROM_USER_OR_KERNEL(&d, kpCall->pData, sizeof(d),
				     fIsKernelMode))
		return KP_EDU_RES_BAD_SIZE;
	to_ram = d.flags & KP_EDU_DMA_F_TO_RAM;
	/*
	 * Outside edu's window QEMU aborts: never start such a transfer.
	 * QEMU 7.2's edu also aborts on one that ends at the window's end
	 * (its range check is off by one), so its last byte is out of reach.
	 */
	if ((d.flags & ~(KP_EDU_DMA_F_TO_RAM | KP_EDU_DMA_F_RAW)) || !d.len ||
	    d.edu_offset >= KP_EDU_DMA_USABLE ||
	    d.len > KP_EDU_DMA_USABLE - d.edu_offset)
		return KP_EDU_RES_INVALID;
	if (d.flags & KP_EDU_DMA_F_RAW) {
		bus = d.bus_addr;
	} else {
		buf = kp_dma_buffer_get(ctx->hwd, d.handle);
		if (!buf)
			return KP_EDU_RES_INVALID;
		if (!kp_edu_dma_bus(buf, d.buf_offset, d.len, &bus) ||
		    (to_ram && !(buf->flags & KP_DMA_FROM_DEVICE)) ||
		    (!to_ram && !(buf->flags & KP_DMA_TO_DEVICE))) {
			kp_dma_buffer_put(buf);
			return KP_EDU_RES_INVALID;
		}
	}
	if (bus + d.len - 1 > DMA_BIT_MASK(KP_EDU_DMA_MASK_BITS)) {
		kp_dma_buffer_put(buf);
		return KP_EDU_RES_INVALID;	/* edu would clamp it */
	}

	mutex_lock(&ctx->dma_mutex);
	if (buf && !to_ram)
		kp_dma_buffer_sync(buf, d.buf_offset, d.len, FALSE);
	res = kp_edu_dma_run(ctx, &d, bus);
	if (buf && to_ram && res == KP_EDU_RES_OK)
		kp_dma_buffer_sync(buf, d.buf_offset, d.len, TRUE);
	mutex_unlock(&ctx->dma_mutex);
	kp_dma_buffer_put(buf);

	d.bus_addr = bus;
	if (COPY_TO_USER_OR_KERNEL(kpCall->pData, &d, sizeof(d),
				   fIsKernelMode))
		return KP_EDU_RES_BAD_SIZE;
	return res;
}

static void __cdecl KP_edu_Call(PVOID pDrvContext,
				WD_KERNEL_PLUGIN_CALL *kpCall,
				BOOL fIsKernelMode)
{
	struct kp_edu_ctx *ctx = pDrvContext;

	switch (kpCall->dwMessage) {
	case KP_EDU_MSG_VERSION:
		kpCall->dwResult = kp_edu_version(ctx, kpCall, fIsKernelMode);
		break;
	case KP_EDU_MSG_LIVENESS:
		kpCall->dwResult = kp_edu_liveness(ctx, kpCall, fIsKernelMode);
		break;
	case KP_EDU_MSG_FACTORIAL:
		kpCall->dwResult = kp_edu_factorial(ctx, kpCall,
						    fIsKernelMode);
		break;
	case KP_EDU_MSG_LOCK_HAMMER:
		kpCall->dwResult = kp_edu_lock_hammer(ctx, kpCall,
						      fIsKernelMode);
		break;
	case KP_EDU_MSG_NOTIFY_EVERY:
		kpCall->dwResult = kp_edu_notify_every(ctx, kpCall,
						       fIsKernelMode);
		break;
	case KP_EDU_MSG_EVENT_NOTIFY:
		kpCall->dwResult = kp_edu_event_notify(ctx, kpCall,
						       fIsKernelMode);
		break;
	case KP_EDU_MSG_EVENT_COUNTS:
		kpCall->dwResult = kp_edu_event_counts(ctx, kpCall,
						       fIsKernelMode);
		break;
	case KP_EDU_MSG_DMA:
		kpCall->dwResult = kp_edu_dma(ctx, kpCall, fIsKernelMode);
		break;
	default:
		kpCall->dwResult = KP_EDU_RES_NO_IMPL;
		break;
	}
}

/* ---- interrupts ----------------------------------------------------- */

static BOOL __cdecl KP_edu_IntEnable(PVOID pDrvContext,
				     WD_KERNEL_PLUGIN_CALL *kpCall,
				     PVOID *ppIntContext)
{
	struct kp_edu_ctx *ctx = pDrvContext;
	bool trans_ack = kpCall->dwMessage == KP_EDU_INTEN_TRANS_ACK;
	struct kp_edu_int *ic;

	/* leaving the ack to transfer commands that are not there storms */
	if (trans_ack && !kp_int_trans_count(kpCall->hKernelPlugIn)) {
		kpCall->dwResult = KP_EDU_RES_INVALID;
		return FALSE;
	}
	ic = malloc(sizeof(*ic));
	if (!ic)
		return FALSE;
	ic->ctx = ctx;
	ic->regs = ctx->regs;
	kp_interlocked_init(&ic->irqs);
	kp_interlocked_init(&ic->seen);
	ic->trans_ack = trans_ack;
	kp_interlocked_set(&ctx->int_on, TRUE);

	/* start clean: nothing pending from before we were listening */
	kp_edu_wr(ctx, KP_EDU_REG_IRQ_ACK,
		  kp_edu_rd(ctx, KP_EDU_REG_IRQ_STATUS));

	*ppIntContext = ic;
	kpCall->dwResult = KP_EDU_RES_OK;
	return TRUE;
}

static void __cdecl KP_edu_IntDisable(PVOID pIntContext)
{
	struct kp_edu_int *ic = pIntContext;

	kp_interlocked_set(&ic->ctx->int_on, FALSE);
	kp_interlocked_uninit(&ic->irqs);
	kp_interlocked_uninit(&ic->seen);
	free(ic);
}

/*
 * Hard IRQ, INTx (possibly shared): ours only if irq_status is non-zero.
 * Acknowledge exactly the pending causes so the line de-asserts.  When
 * transfer commands ack, the runtime only calls us once their masked read
 * proved the interrupt ours, and irq_status is already 0.
 */
static BOOL __cdecl KP_edu_IntAtIrql(PVOID pIntContext,
				     BOOL *pfIsMyInterrupt)
{
	struct kp_edu_int *ic = pIntContext;
	u32 status;

	if (ic->trans_ack) {
		*pfIsMyInterrupt = TRUE;
		kp_interlocked_increment(&ic->irqs);
		return TRUE;
	}

	status = ioread32(ic->regs + KP_EDU_REG_IRQ_STATUS);
	if (!status) {
		*pfIsMyInterrupt = FALSE;
		return FALSE;
	}
	iowrite32(status, ic->regs + KP_EDU_REG_IRQ_ACK);
	if (status & KP_EDU_IRQ_DMA)
		kp_interlocked_increment(&ic->ctx->dma_done);
	*pfIsMyInterrupt = TRUE;
	kp_interlocked_increment(&ic->irqs);
	return TRUE;
}

/*
 * Hard IRQ, MSI (never shared): always ours.  Acknowledge whatever is
 * pending (it may already be acknowledged by transfer commands) and
 * request the DPC.
 */
static BOOL __cdecl KP_edu_IntAtIrqlMSI(PVOID pIntContext,
					ULONG dwLastMessage,
					DWORD dwReserved)
{
	struct kp_edu_int *ic = pIntContext;
	u32 status = ioread32(ic->regs + KP_EDU_REG_IRQ_STATUS);

	if (status)
		iowrite32(status, ic->regs + KP_EDU_REG_IRQ_ACK);
	if (status & KP_EDU_IRQ_DMA)
		kp_interlocked_increment(&ic->ctx->dma_done);
	kp_interlocked_increment(&ic->irqs);
	return TRUE;
}

/*
 * DPC: @dwCount interrupts arrived since the last DPC.  Notify user mode
 * once per k-th interrupt, counting across DPCs: of the interrupts
 * seen+1 .. seen+dwCount, those that are multiples of k notify.
 */
static DWORD kp_edu_every_k(struct kp_edu_int *ic, DWORD dwCount)
{
	u32 k = kp_interlocked_read(&ic->ctx->notify_every);
	u32 total;

	if (k <= 1)
		return dwCount;
	total = kp_interlocked_add(&ic->seen, dwCount);
	return total / k - (total - dwCount) / k;
}

static DWORD __cdecl KP_edu_IntAtDpc(PVOID pIntContext, DWORD dwCount)
{
	return kp_edu_every_k(pIntContext, dwCount);
}

static DWORD __cdecl KP_edu_IntAtDpcMSI(PVOID pIntContext, DWORD dwCount,
					ULONG dwLastMessage,
					DWORD dwReserved)
{
	return kp_edu_every_k(pIntContext, dwCount);
}

/* ---- events --------------------------------------------------------- */

/*
 * Counts the event per dwAction (EVENT_COUNTS) and tells user mode about
 * it unless EVENT_NOTIFY turned that off.  Process context; on WD_REMOVE
 * the registers are still mapped, but this plugin needs none of them.
 */
static BOOL __cdecl KP_edu_Event(PVOID pDrvContext, WD_EVENT *wd_event)
{
	struct kp_edu_ctx *ctx = pDrvContext;
	BOOL notify = kp_interlocked_read(&ctx->ev_notify);

	kp_interlocked_increment(&ctx->ev_calls);
	switch (wd_event->dwAction) {
	case WD_REMOVE:
		kp_interlocked_increment(&ctx->ev_remove);
		break;
	case WD_POWER_CHANGED_D0:
		kp_interlocked_increment(&ctx->ev_d0);
		break;
	case WD_POWER_CHANGED_D3:
		kp_interlocked_increment(&ctx->ev_d3);
		break;
	default:
		kp_interlocked_increment(&ctx->ev_other);
		break;
	}
	kp_interlocked_set(&ctx->ev_last_action, wd_event->dwAction);
	kp_interlocked_set(&ctx->ev_last_hevent, wd_event->hEvent);
	if (notify)
		kp_interlocked_increment(&ctx->ev_notified);

	dev_info(&kp_pci_dev(ctx->hwd)->dev, "KP_Event 0x%x (#%u): %s\n",
		 wd_event->dwAction, wd_event->hEvent,
		 notify ? "notify" : "swallow");
	return notify;
}

/* ---- KP_Init and the module ----------------------------------------- */

BOOL __cdecl KP_Init(KP_INIT *kpInit)
{
	if (kpInit->dwVerWD != WD_VER)
		return FALSE;

	kpInit->funcOpen = KP_edu_Open;
	strscpy(kpInit->cDriverName, KP_EDU_DRIVER_NAME,
		sizeof(kpInit->cDriverName));
	return TRUE;
}

static const struct pci_device_id kp_edu_ids[] = {
	{ PCI_DEVICE(KP_EDU_VENDOR, KP_EDU_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, kp_edu_ids);

KP_PLUGIN(kp_edu_ids);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel PlugIn for QEMU's edu device");
