// SPDX-License-Identifier: GPL-2.0
/*
 * kp_hostile.c - a plugin that misbehaves on request, for the hardening
 * tests: interrupts claimed and never acknowledged or never claimed,
 * KP_Calls that outlast a device removal (and ones that ignore it),
 * coherent DMA memory freed only in KP_Close, a KP_SPINLOCK shared by the
 * hard IRQ and the DPC, and counters of what the runtime called when -
 * notably whether KP_Event or KP_Close ever ran during a KP_Call, which
 * the runtime promises never happens.  Module parameters make KP_Init
 * fail or pick the driver name, for the registration tests.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <kp/kp_plugin.h>

#include "kp_hostile_msgs.h"

static char *name = "hostile";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "cDriverName to register (copied as is, up to 12 bytes)");
static ushort vendor = 0x1234;
module_param(vendor, ushort, 0444);
static ushort device = 0x11e8;
module_param(device, ushort, 0444);
static bool init_fail;
module_param(init_fail, bool, 0444);
MODULE_PARM_DESC(init_fail, "KP_Init returns FALSE");
static bool no_open;
module_param(no_open, bool, 0444);
MODULE_PARM_DESC(no_open, "KP_Init sets no funcOpen");

/* What the runtime did, readable after the fd and the device are gone */
static int opens, closes, removes, overlaps, int_disables, dma_frees;
module_param(opens, int, 0444);
module_param(closes, int, 0444);
/*
 * KP_Close calls per PCI bus number: two devices behind two hot-plug
 * ports are removed at once, and a check on one must not count the
 * other's closes.
 */
static int closes_bus[256];
module_param_array(closes_bus, int, NULL, 0444);
module_param(removes, int, 0444);
MODULE_PARM_DESC(removes, "KP_Event(WD_REMOVE) calls");
module_param(overlaps, int, 0444);
MODULE_PARM_DESC(overlaps, "KP_Event or KP_Close while a KP_Call ran");
module_param(int_disables, int, 0444);
module_param(dma_frees, int, 0444);
/* the counters are shared by every device: two may be removed at once */
static DEFINE_SPINLOCK(count_lock);

static void hostile_count(int *counter)
{
	spin_lock(&count_lock);
	WRITE_ONCE(*counter, *counter + 1);
	spin_unlock(&count_lock);
}

/*
 * One per open; it is also the interrupt context, so that KP_Call may
 * read the counters while KP_IntDisable runs (the runtime allows both at
 * once).
 */
struct hostile_ctx {
	HANDLE		hWD;
	void __iomem	*regs;
	atomic_t	in_call;	/* KP_Calls running */
	void		*dma_va;
	dma_addr_t	dma_bus;
	size_t		dma_size;
	unsigned int	close_ms;	/* KP_Close sleeps this long */
	atomic_t	mode;		/* HOSTILE_MODE_* */
	KP_SPINLOCK	*lock;
	u64		locked;		/* under @lock */
	atomic64_t	irql, claimed, dpcs, dpc_count_sum;
};

#define hostile_int hostile_ctx

/* ---- KP_Call -------------------------------------------------------- */

static DWORD hostile_wait_gone(struct hostile_ctx *ctx, struct hostile_msg *m)
{
	unsigned long start = jiffies;

	while (!kp_device_gone(ctx->hWD) &&
	       jiffies_to_msecs(jiffies - start) < m->arg)
		kp_sleep_us(ctx->hWD, 1000);
	m->elapsed_ms = jiffies_to_msecs(jiffies - start);
	m->gone = kp_device_gone(ctx->hWD);
	return m->gone ? HOSTILE_RES_GONE : HOSTILE_RES_TIMEOUT;
}

/* Polls a register as a careless plugin would: no kp_device_gone(). */
static DWORD hostile_read_loop(struct hostile_ctx *ctx, struct hostile_msg *m)
{
	unsigned long start = jiffies;

	while (jiffies_to_msecs(jiffies - start) < m->arg) {
		m->last_read = ioread32(ctx->regs + HOSTILE_EDU_IRQ_STATUS);
		usleep_range(500, 1000);
	}
	m->elapsed_ms = jiffies_to_msecs(jiffies - start);
	m->gone = kp_device_gone(ctx->hWD);
	return HOSTILE_RES_OK;
}

static DWORD hostile_dma_alloc(struct hostile_ctx *ctx, struct hostile_msg *m)
{
	struct device *dev = kp_dma_dev(ctx->hWD);

	if (ctx->dma_va || !m->arg)
		return HOSTILE_RES_BAD_SIZE;
	ctx->dma_va = dma_alloc_coherent(dev, m->arg, &ctx->dma_bus,
					 GFP_KERNEL);
	if (!ctx->dma_va)
		return HOSTILE_RES_NOMEM;
	ctx->dma_size = m->arg;
	return HOSTILE_RES_OK;
}

static void hostile_counts(struct hostile_ctx *ctx, struct hostile_msg *m)
{
	struct hostile_int *ic = ctx;

	m->dma_bytes = ctx->dma_size;
	m->irql = atomic64_read(&ic->irql);
	m->claimed = atomic64_read(&ic->claimed);
	m->dpcs = atomic64_read(&ic->dpcs);
	m->dpc_count_sum = atomic64_read(&ic->dpc_count_sum);
	kp_spinlock_wait(ic->lock);
	m->locked = ic->locked;
	kp_spinlock_release(ic->lock);
}

static void __cdecl hostile_call(PVOID pDrvContext,
				 WD_KERNEL_PLUGIN_CALL *kpCall,
				 BOOL fIsKernelMode)
{
	struct hostile_ctx *ctx = pDrvContext;
	struct hostile_msg m;
	DWORD res = HOSTILE_RES_OK;

	atomic_inc(&ctx->in_call);
	if (kpCall->dwDataSize < sizeof(m) ||
	    COPY_FROM_USER_OR_KERNEL(&m, kpCall->pData, sizeof(m),
				     fIsKernelMode)) {
		kpCall->dwResult = HOSTILE_RES_BAD_SIZE;
		goto out;
	}

	switch (kpCall->dwMessage) {
	case HOSTILE_MSG_SET_MODE:
		atomic_set(&ctx->mode, m.arg);
		break;
	case HOSTILE_MSG_COUNTS:
		hostile_counts(ctx, &m);
		break;
	case HOSTILE_MSG_WAIT_GONE:
		res = hostile_wait_gone(ctx, &m);
		break;
	case HOSTILE_MSG_IGNORE_GONE:
	case HOSTILE_MSG_SLEEP:
		msleep(m.arg);
		m.gone = kp_device_gone(ctx->hWD);
		break;
	case HOSTILE_MSG_DMA_ALLOC:
		res = hostile_dma_alloc(ctx, &m);
		break;
	case HOSTILE_MSG_READ_LOOP:
		res = hostile_read_loop(ctx, &m);
		break;
	case HOSTILE_MSG_SLOW_CLOSE:
		ctx->close_ms = m.arg;
		break;
	default:
		res = HOSTILE_RES_UNKNOWN;
		break;
	}
	if (COPY_TO_USER_OR_KERNEL(kpCall->pData, &m, sizeof(m),
				   fIsKernelMode))
		res = HOSTILE_RES_BAD_SIZE;
	kpCall->dwResult = res;
out:
	atomic_dec(&ctx->in_call);
}

/* ---- interrupts ----------------------------------------------------- */

static BOOL __cdecl hostile_int_enable(PVOID pDrvContext,
				       WD_KERNEL_PLUGIN_CALL *kpCall,
				       PVOID *ppIntContext)
{
	struct hostile_ctx *ctx = pDrvContext;
	struct hostile_int_enable opts = { 0 };

	if (kpCall->dwDataSize >= sizeof(opts) &&
	    COPY_FROM_USER_OR_KERNEL(&opts, kpCall->pData, sizeof(opts),
				     FALSE))
		return FALSE;
	atomic_set(&ctx->mode, opts.mode);
	atomic64_set(&ctx->irql, 0);
	atomic64_set(&ctx->claimed, 0);
	atomic64_set(&ctx->dpcs, 0);
	atomic64_set(&ctx->dpc_count_sum, 0);
	*ppIntContext = ctx;
	return TRUE;
}

static void __cdecl hostile_int_disable(PVOID pIntContext)
{
	hostile_count(&int_disables);
}

/* Acknowledges what edu has pending; false when nothing was. */
static bool hostile_ack(struct hostile_int *ic)
{
	void __iomem *regs = ic->regs;
	u32 status = ioread32(regs + HOSTILE_EDU_IRQ_STATUS);

	if (!status || status == ~0U)
		return false;
	iowrite32(status, regs + HOSTILE_EDU_IRQ_ACK);
	return true;
}

static void hostile_lock_inc(struct hostile_int *ic)
{
	kp_spinlock_wait(ic->lock);
	ic->locked++;
	kp_spinlock_release(ic->lock);
}

static BOOL __cdecl hostile_irql(PVOID pIntContext, BOOL *pfIsMyInterrupt)
{
	struct hostile_int *ic = pIntContext;
	int mode = atomic_read(&ic->mode);

	atomic64_inc(&ic->irql);
	*pfIsMyInterrupt = FALSE;
	switch (mode) {
	case HOSTILE_MODE_CLAIM_NOACK:
		break;
	case HOSTILE_MODE_NEVER_MINE:
		return FALSE;
	default:
		if (!hostile_ack(ic))
			return FALSE;
		if (mode == HOSTILE_MODE_LOCK)
			hostile_lock_inc(ic);
		break;
	}
	*pfIsMyInterrupt = TRUE;
	atomic64_inc(&ic->claimed);
	return TRUE;
}

static BOOL __cdecl hostile_irql_msi(PVOID pIntContext, ULONG dwLastMessage,
				     DWORD dwReserved)
{
	struct hostile_int *ic = pIntContext;
	int mode = atomic_read(&ic->mode);

	atomic64_inc(&ic->irql);
	if (mode == HOSTILE_MODE_NEVER_MINE)
		return FALSE;
	if (mode != HOSTILE_MODE_CLAIM_NOACK)
		hostile_ack(ic);
	if (mode == HOSTILE_MODE_LOCK)
		hostile_lock_inc(ic);
	atomic64_inc(&ic->claimed);
	return TRUE;
}

static DWORD hostile_dpc_common(struct hostile_int *ic, DWORD count)
{
	atomic64_inc(&ic->dpcs);
	atomic64_add(count, &ic->dpc_count_sum);
	if (atomic_read(&ic->mode) == HOSTILE_MODE_LOCK)
		hostile_lock_inc(ic);
	return count;
}

static DWORD __cdecl hostile_dpc(PVOID pIntContext, DWORD dwCount)
{
	return hostile_dpc_common(pIntContext, dwCount);
}

static DWORD __cdecl hostile_dpc_msi(PVOID pIntContext, DWORD dwCount,
				     ULONG dwLastMessage, DWORD dwReserved)
{
	return hostile_dpc_common(pIntContext, dwCount);
}

/* ---- events, open, close -------------------------------------------- */

static BOOL __cdecl hostile_event(PVOID pDrvContext, WD_EVENT *wd_event)
{
	struct hostile_ctx *ctx = pDrvContext;

	if (atomic_read(&ctx->in_call))
		hostile_count(&overlaps);
	if (wd_event->dwAction == WD_REMOVE)
		hostile_count(&removes);
	return TRUE;
}

static void __cdecl hostile_close(PVOID pDrvContext)
{
	struct hostile_ctx *ctx = pDrvContext;

	if (atomic_read(&ctx->in_call))
		hostile_count(&overlaps);
	/* a slow KP_Close keeps removal busy with the next open */
	if (ctx->close_ms)
		msleep(ctx->close_ms);
	if (ctx->dma_va) {
		/* needs the device: the runtime calls us before it goes */
		dma_free_coherent(kp_dma_dev(ctx->hWD), ctx->dma_size,
				  ctx->dma_va, ctx->dma_bus);
		hostile_count(&dma_frees);
	}
	hostile_count(&closes);
	hostile_count(&closes_bus[kp_pci_dev(ctx->hWD)->bus->number]);
	kp_spinlock_uninit(ctx->lock);
	kfree(ctx);
}

static BOOL __cdecl hostile_open(KP_OPEN_CALL *kpOpenCall, HANDLE hWD,
				 PVOID pOpenData, PVOID *ppDrvContext)
{
	struct hostile_ctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return FALSE;
	ctx->lock = kp_spinlock_init();
	if (!ctx->lock) {
		kfree(ctx);
		return FALSE;
	}
	ctx->hWD = hWD;
	ctx->regs = kp_bar(hWD, 0);
	atomic_set(&ctx->in_call, 0);

	kpOpenCall->funcClose = hostile_close;
	kpOpenCall->funcCall = hostile_call;
	kpOpenCall->funcIntEnable = hostile_int_enable;
	kpOpenCall->funcIntDisable = hostile_int_disable;
	kpOpenCall->funcIntAtIrql = hostile_irql;
	kpOpenCall->funcIntAtDpc = hostile_dpc;
	kpOpenCall->funcIntAtIrqlMSI = hostile_irql_msi;
	kpOpenCall->funcIntAtDpcMSI = hostile_dpc_msi;
	kpOpenCall->funcEvent = hostile_event;
	hostile_count(&opens);
	*ppDrvContext = ctx;
	return TRUE;
}

static BOOL __cdecl hostile_init(KP_INIT *kpInit)
{
	if (init_fail)
		return FALSE;
	/* deliberately no checks: the runtime must refuse bad names */
	memcpy(kpInit->cDriverName, name,
	       min(strlen(name) + 1, sizeof(kpInit->cDriverName)));
	kpInit->funcOpen = no_open ? NULL : hostile_open;
	return TRUE;
}

static struct pci_device_id hostile_ids[] = {
	{ PCI_DEVICE(PCI_ANY_ID, PCI_ANY_ID) },
	{ 0 }
};

static struct kp_plugin *hostile_plugin;

static int __init hostile_mod_init(void)
{
	hostile_ids[0].vendor = vendor;
	hostile_ids[0].device = device;
	return kp_plugin_register(THIS_MODULE, hostile_ids, hostile_init,
				  &hostile_plugin);
}

static void __exit hostile_mod_exit(void)
{
	kp_plugin_unregister(hostile_plugin);
}

module_init(hostile_mod_init);
module_exit(hostile_mod_exit);

MODULE_DESCRIPTION("kpgen test plugin that misbehaves on request");
MODULE_LICENSE("GPL");
