// SPDX-License-Identifier: GPL-2.0
/*
 * kp_irq.c - interrupts: the hard-IRQ handler (transfer commands, then
 * KP_IntAtIrql / KP_IntAtIrqlMSI, the storm guard), vector allocation,
 * KP_INT_ENABLE, KP_INT_DISABLE and the teardown every path shares.
 *
 * The handler takes no locks and allocates nothing: the state it uses is
 * built before request_irq() and freed only after free_irq().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kp_compat.h"
#include "kp_internal.h"
#include "kp_trace.h"

/*
 * Storm guard.  A level INTx that the handler claims (or refuses) while
 * the device keeps asserting it re-enters forever: the kernel's "nobody
 * cared" detector only counts IRQ_NONE, and only stops a line after
 * 99,900 of 100,000.  Once a vector takes more than KP_STORM_RATE
 * interrupts within one jiffy, the handler reads the device's INTx status
 * (PCI_STATUS_INTERRUPT) after each one; when it is still asserted
 * storm_limit times in a row the device is masked (DisINTx, so sharers of
 * the line keep working) and user mode is told (KP_STOP_STORM).
 */
#define KP_STORM_RATE		16

static unsigned int storm_limit = 10000;
module_param(storm_limit, uint, 0644);
MODULE_PARM_DESC(storm_limit,
		 "INTx still asserted after this many interrupts in a row is a storm (0: never)");

/* ---- hard IRQ ------------------------------------------------------- */

/*
 * Runs the transfer commands.  Returns false when a masked read says the
 * interrupt is not ours (the rest is skipped): no mask bit set, or with
 * KP_TRANS_F_TEST_CLEAR no mask bit clear.
 */
static bool kp_trans_run(struct kp_irq *ki)
{
	struct kp_device *kdev = ki->kdev;
	u64 last = 0;
	u32 i;

	for (i = 0; i < ki->ntrans; i++) {
		const struct kp_trans_cmd *t = &ki->trans[i];
		void __iomem *base = kdev->bars[t->bar];
		u64 val;

		if (t->cmd == KP_TRANS_READ) {
			last = kp_io_read(base, t->offset, t->width);
			if (!t->mask)
				continue;
			if (t->flags & KP_TRANS_F_TEST_CLEAR ?
			    (last & t->mask) == t->mask : !(last & t->mask))
				return false;
			continue;
		}

		val = t->value;
		if (t->flags & KP_TRANS_F_USE_READ) {
			val = last;
			if (t->mask)
				val &= t->mask;
		}
		kp_io_write(base, t->offset, t->width, val);
	}
	return true;
}

/* Reports a stop the handler detected; runs in process context. */
static void kp_irq_stop_work(struct work_struct *work)
{
	struct kp_irq *ki = container_of(work, struct kp_irq, stop_work);
	struct kp_device *kdev = ki->kdev;
	u32 reason = atomic_read(&ki->stop_reason);

	if (reason == KP_STOP_STORM)
		pci_warn(kdev->pdev, "%s: interrupt storm: INTx still asserted after %u handled interrupts in a row; device masked, interrupts stopped (the plugin must acknowledge the device)\n",
			 kdev->name, storm_limit);
	else
		pci_warn(kdev->pdev, "%s: the kernel disabled IRQ %d (spurious); interrupts stopped\n",
			 kdev->name, ki->vec[0].irq);
	WRITE_ONCE(kdev->irq_stop, reason);
	kp_notify_stop(&ki->owner->notify, reason);
}

/* First stop reason wins; the work reports it once. */
static void kp_irq_stop_from_irq(struct kp_irq *ki, u32 reason)
{
	if (atomic_cmpxchg(&ki->stop_reason, 0, reason) == 0) {
		if (reason == KP_STOP_STORM)
			atomic_inc(&ki->kdev->storms);
		schedule_work(&ki->stop_work);
	}
}

/* The INTx storm guard, after the handler ran; see KP_STORM_RATE. */
static void kp_storm_check(struct kp_vector *vec)
{
	struct kp_irq *ki = vec->ki;
	struct pci_dev *pdev = ki->kdev->pdev;
	u16 status;

	if (time_after(jiffies, vec->win_start)) {
		vec->win_start = jiffies;
		vec->win_count = 0;
	}
	if (++vec->win_count <= KP_STORM_RATE || !storm_limit)
		return;

	pci_read_config_word(pdev, PCI_STATUS, &status);
	if (!(status & PCI_STATUS_INTERRUPT)) {
		vec->stuck = 0;
		return;
	}
	if (++vec->stuck < storm_limit)
		return;

	/* masks only if it is asserting, which it is */
	if (!pci_check_and_mask_intx(pdev))
		disable_irq_nosync(vec->irq);
	kp_irq_stop_from_irq(ki, KP_STOP_STORM);
}

static irqreturn_t kp_irq_handler(int irq, void *data)
{
	struct kp_vector *vec = data;
	struct kp_irq *ki = vec->ki;
	struct kp_device *kdev = ki->kdev;
	bool intx = ki->mode == KP_INT_MODE_INTX;
	bool claimed = false, mine = false, dpc = false;
	bool traced = trace_kp_irq_batch_enabled();
	u64 t0 = traced ? kp_trace_clock() : 0, dpc_t0 = 0;
	u32 ret = 0;
	bool handled;

	if (unlikely(atomic_read(&ki->stop_reason)))
		return IRQ_NONE;	/* masked; sharers handle the rest */
	/* only spurious-IRQ polling calls a handler of a disabled line */
	if (unlikely(intx && irqd_irq_disabled(vec->irqd))) {
		kp_irq_stop_from_irq(ki, KP_STOP_LINE_DISABLED);
		return IRQ_NONE;
	}

	trace_kp_irq_entry(kdev->minor, vec->index, irq);

	if (ki->ntrans) {
		if (!kp_trans_run(ki))
			goto out;
		claimed = true;
	}

	if (intx) {
		BOOL is_mine = FALSE;

		if (ki->at_irql) {
			dpc = ki->at_irql(ki->int_ctx, &is_mine);
			mine = is_mine;
		} else {
			/* no KP_IntAtIrql: the transfer commands decide */
			dpc = claimed;
		}
	} else {
		mine = true;
		if (ki->at_irql_msi)
			dpc = ki->at_irql_msi(ki->int_ctx, vec->index, 0);
		else
			dpc = true;
	}

	if (dpc) {
		kp_stat_inc(kdev, dpc_requests);
		if (ki->dpc_inline) {
			trace_kp_dpc_schedule(kdev->minor, vec->index, 1);
			if (traced)
				dpc_t0 = kp_trace_clock();
			ret = kp_dpc_run(vec, 1);
		} else {
			u32 pending = atomic_inc_return(&vec->pending);

			trace_kp_dpc_schedule(kdev->minor, vec->index, pending);
			tasklet_schedule(&vec->dpc);
		}
	}

out:
	/* MSI and MSI-X are never shared: always ours */
	handled = claimed || mine || dpc || !intx;
	if (handled)
		kp_stat_inc(kdev, interrupts);
	else
		kp_stat_inc(kdev, spurious);
	trace_kp_irq_exit(kdev->minor, vec->index, irq, handled, dpc);
	if (traced)
		kp_trace_irq(vec, handled,
			     !ki->dpc_inline && atomic_read(&vec->pending),
			     t0, dpc && ki->dpc_inline, ret, dpc_t0);
	if (intx)
		kp_storm_check(vec);
	return handled ? IRQ_HANDLED : IRQ_NONE;
}

/* ---- enable / disable ----------------------------------------------- */

/* Validates the transfer commands against the device's BARs. */
static int kp_trans_check(struct kp_device *kdev,
			  const struct kp_trans_cmd *trans, u32 ntrans)
{
	bool have_read = false;
	u32 i;
	int ret;

	for (i = 0; i < ntrans; i++) {
		const struct kp_trans_cmd *t = &trans[i];

		switch (t->cmd) {
		case KP_TRANS_READ:
			if (t->flags & ~KP_TRANS_F_TEST_CLEAR)
				return -EINVAL;
			if ((t->flags & KP_TRANS_F_TEST_CLEAR) && !t->mask)
				return -EINVAL;
			have_read = true;
			break;
		case KP_TRANS_WRITE:
			if (t->flags & ~KP_TRANS_F_USE_READ)
				return -EINVAL;
			if ((t->flags & KP_TRANS_F_USE_READ) && !have_read)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
		ret = kp_bar_check(kdev, t->bar, t->offset, t->width);
		if (ret)
			return ret;
		if (t->cmd == KP_TRANS_WRITE) {
			/* a BAR write, made for user mode: as KP_BAR_WRITE */
			ret = security_locked_down(LOCKDOWN_PCI_ACCESS) ?:
			      kp_bar_write_check(kdev, t->bar, t->offset,
						 t->width);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * Allocates up to @nvec vectors of the requested @mode (AUTO: MSI-X, then
 * MSI, then INTx) and returns how many, with @mode set to what was used.
 * Not PCI_IRQ_AFFINITY: it caps the count at the number of CPUs, and a
 * plugin asking for 32 vectors maps 32 device causes to them.
 */
static int kp_alloc_vectors(struct pci_dev *pdev, u32 *mode, u32 nvec)
{
	int ret;

	switch (*mode) {
	case KP_INT_MODE_MSIX:
		if (!pdev->msix_cap)
			return -EOPNOTSUPP;
		return pci_alloc_irq_vectors(pdev, 1, nvec, PCI_IRQ_MSIX);
	case KP_INT_MODE_MSI:
		if (!pdev->msi_cap)
			return -EOPNOTSUPP;
		return pci_alloc_irq_vectors(pdev, 1, nvec, PCI_IRQ_MSI);
	case KP_INT_MODE_INTX:
		if (!pdev->pin || !pdev->irq)
			return -EOPNOTSUPP;
		return pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_INTX);
	default:
		if (pdev->msix_cap) {
			ret = pci_alloc_irq_vectors(pdev, 1, nvec,
						    PCI_IRQ_MSIX);
			if (ret > 0) {
				*mode = KP_INT_MODE_MSIX;
				return ret;
			}
		}
		if (pdev->msi_cap) {
			ret = pci_alloc_irq_vectors(pdev, 1, nvec, PCI_IRQ_MSI);
			if (ret > 0) {
				*mode = KP_INT_MODE_MSI;
				return ret;
			}
		}
		if (!pdev->pin || !pdev->irq)
			return -EOPNOTSUPP;
		*mode = KP_INT_MODE_INTX;
		return pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_INTX);
	}
}

static irqreturn_t kp_probe_handler(int irq, void *data)
{
	return IRQ_NONE;
}

/*
 * Requests a shared INTx line.  IRQF_NO_THREAD: KP_IntAtIrql* is the
 * reference's "high IRQL" handler and stays in hard-IRQ context even
 * where handlers are force-threaded (PREEMPT_RT, threadirqs); a forced
 * thread would fold back-to-back interrupts into one run.  But handlers
 * sharing a line must agree on IRQF_ONESHOT, and forced threading adds
 * it to every ordinary driver's handler ("Flags mismatch" otherwise, in
 * either order).  The kernel does not tell modules whether it forces
 * threading, so ask the line: take the flags the drivers already on it
 * accept, then check with a probe handler, requested the way an
 * ordinary driver requests, that the next driver will be let on too.
 * (ONESHOT on a handler without a thread changes nothing: the line is
 * unmasked when it returns.)  The device is masked (DisINTx) meanwhile.
 */
static int kp_request_intx(struct kp_vector *vec)
{
	unsigned long flags = IRQF_NO_THREAD | IRQF_SHARED;
	void *probe_id = vec->name;
	int ret;

	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		flags |= IRQF_ONESHOT;
	ret = request_irq(vec->irq, kp_irq_handler, flags, vec->name, vec);
	if (ret == -EBUSY) {
		flags ^= IRQF_ONESHOT;
		ret = request_irq(vec->irq, kp_irq_handler, flags, vec->name,
				  vec);
	}
	if (ret)
		return ret;

	if (!request_irq(vec->irq, kp_probe_handler, IRQF_SHARED, "kp-probe",
			 probe_id)) {
		free_irq(vec->irq, probe_id);
		return 0;
	}
	/* the line is ours alone: pick the flags the next driver needs */
	free_irq(vec->irq, vec);
	ret = request_irq(vec->irq, kp_irq_handler, flags ^ IRQF_ONESHOT,
			  vec->name, vec);
	if (!ret) {
		if (!request_irq(vec->irq, kp_probe_handler, IRQF_SHARED,
				 "kp-probe", probe_id)) {
			free_irq(vec->irq, probe_id);
			return 0;
		}
		free_irq(vec->irq, vec);
	}
	return request_irq(vec->irq, kp_irq_handler, flags, vec->name, vec);
}

static int kp_request_vectors(struct kp_irq *ki)
{
	struct pci_dev *pdev = ki->kdev->pdev;
	u32 i;
	int ret;

	for (i = 0; i < ki->nvec; i++) {
		struct kp_vector *vec = &ki->vec[i];

		if (ki->mode == KP_INT_MODE_INTX)
			ret = kp_request_intx(vec);
		else
			ret = request_irq(vec->irq, kp_irq_handler,
					  IRQF_NO_THREAD, vec->name, vec);
		if (ret == -EBUSY && ki->mode == KP_INT_MODE_INTX)
			pci_err(pdev, "IRQ %d: another driver holds the line and does not share it (or with different flags)\n",
				vec->irq);
		if (ret)
			return ret;
		vec->requested = true;
		/*
		 * Spread MSI-X vectors over the CPUs, one each in turn; an
		 * administrator may still move them (/proc/irq/N).
		 */
		if (ki->mode == KP_INT_MODE_MSIX && ki->nvec > 1)
			irq_set_affinity_and_hint(vec->irq,
				cpumask_of(cpumask_local_spread(i, NUMA_NO_NODE)));
	}
	return 0;
}

static void kp_free_vectors(struct kp_irq *ki)
{
	u32 i;

	for (i = ki->nvec; i-- > 0;) {
		if (!ki->vec[i].requested)
			continue;
		irq_update_affinity_hint(ki->vec[i].irq, NULL);
		free_irq(ki->vec[i].irq, &ki->vec[i]);
		ki->vec[i].requested = false;
	}
}

static void kp_trace_slots_put(struct kp_irq *ki)
{
	u32 i;

	for (i = 0; i < ki->nvec; i++)
		kp_trace_slot_put(ki->vec[i].slot);
}

static void kp_kill_dpcs(struct kp_irq *ki)
{
	u32 i;

	for (i = 0; i < ki->nvec; i++)
		tasklet_kill(&ki->vec[i].dpc);
}

/*
 * Releases what kp_int_enable_locked() set up, in this order (each step
 * needs the previous one done):
 *   0. mark it stopped, so the handler claims nothing from here on;
 *   1. mask INTx at the device (DisINTx): a device still asserting a
 *      shared line must not storm the other drivers on it once our
 *      handler is gone;
 *   2. free_irq() - waits for running handlers;
 *   3. the stop work and tasklet_kill() - nothing runs the plugin's
 *      interrupt callbacks after this;
 *   4. KP_IntDisable, which frees the interrupt context;
 *   5. pci_free_irq_vectors(); disabling MSI re-enables INTx, so mask it
 *      again; drop bus mastering taken for MSI;
 *   6. stop the owner's notification queue with @reason (queued ones stay
 *      takeable).
 */
static void __kp_irq_free(struct kp_irq *ki, u32 reason)
{
	struct kp_device *kdev = ki->kdev;
	struct pci_dev *pdev = kdev->pdev;
	u32 stopped;

	/*
	 * Stopped from here on: the handler returns IRQ_NONE.  free_irq()
	 * may call it once more after shutting the line down (DEBUG_SHIRQ
	 * does), which must not read as the kernel having disabled the line
	 * (the debug kernel logged "the kernel disabled IRQ" at every
	 * teardown of an INTx session).  A stop found earlier is kept.
	 */
	stopped = atomic_cmpxchg(&ki->stop_reason, 0, reason);
	if (ki->mode == KP_INT_MODE_INTX)
		pci_intx(pdev, 0);
	kp_free_vectors(ki);
	cancel_work_sync(&ki->stop_work);
	kp_kill_dpcs(ki);
	if (ki->int_disable)
		ki->int_disable(ki->int_ctx);
	pci_free_irq_vectors(pdev);
	pci_intx(pdev, 0);
	if (ki->mode != KP_INT_MODE_INTX)
		kp_bus_master_put(kdev);
	kp_trace_slots_put(ki);

	/* a storm or spurious disable is the better explanation */
	kp_notify_stop(&ki->owner->notify, stopped ? stopped : reason);
	kfree(ki->trans);
	kfree(ki);
}

/*
 * Tears the interrupts of @kdev down (KP_INT_DISABLE, close, plugin
 * close, remove) and stops the owner's queue with @reason.  Caller holds
 * kdev->lock; the device is present.
 */
void kp_irq_teardown(struct kp_device *kdev, u32 reason)
{
	struct kp_irq *ki = kdev->irq;

	lockdep_assert_held(&kdev->lock);
	if (!ki)
		return;

	kdev->irq = NULL;
	WRITE_ONCE(kdev->irq_mode, 0);
	WRITE_ONCE(kdev->irq_nvec, 0);
	if (!atomic_read(&ki->stop_reason))
		WRITE_ONCE(kdev->irq_stop, reason);
	__kp_irq_free(ki, reason);
}

/* Calls KP_IntEnable with a kernel copy of the user's data. */
static int kp_call_int_enable(struct kp_session *sess, struct kp_irq *ki,
			      struct kp_int_enable *ie, void *buf)
{
	WD_KERNEL_PLUGIN_CALL kpcall = {};
	struct kp_copy_window win;
	BOOL ok;

	ie->result = 0;
	if (!sess->ops.funcIntEnable)
		return 0;

	kpcall.hKernelPlugIn = sess;
	kpcall.dwMessage = ie->message;
	kpcall.pData = buf;
	kpcall.dwDataSize = ie->data_size;

	kp_copy_window_open(&win, buf, ie->data_size);
	WRITE_ONCE(sess->enable_ntrans, ie->ntrans);
	ok = sess->ops.funcIntEnable(sess->drv_ctx, &kpcall, &ki->int_ctx);
	WRITE_ONCE(sess->enable_ntrans, 0);
	kp_copy_window_close(&win);
	ie->result = kpcall.dwResult;
	return ok ? 0 : -EPERM;
}

static void kp_irq_init_vectors(struct kp_irq *ki)
{
	struct kp_device *kdev = ki->kdev;
	u32 i;

	for (i = 0; i < ki->nvec; i++) {
		struct kp_vector *vec = &ki->vec[i];

		vec->ki = ki;
		vec->index = i;
		vec->irq = pci_irq_vector(kdev->pdev, i);
		vec->irqd = irq_get_irq_data(vec->irq);
		vec->slot = kp_trace_slot_get();
		atomic_set(&vec->pending, 0);
		tasklet_setup(&vec->dpc, kp_dpc_fn);
		if (ki->nvec > 1)
			snprintf(vec->name, sizeof(vec->name), "kp-%s-%u",
				 kdev->name, i);
		else
			snprintf(vec->name, sizeof(vec->name), "kp-%s",
				 kdev->name);
	}
}

/*
 * The DPC runs inside the hard-IRQ handler when there is none to run or
 * the plugin says its DPC is IRQ-safe - not on PREEMPT_RT, where a
 * wake-up from hard IRQ is not allowed and the DPC is a thread anyway.
 */
static bool kp_dpc_inline(struct kp_session *sess, u32 mode)
{
	bool has_dpc = mode == KP_INT_MODE_INTX ? !!sess->ops.funcIntAtDpc :
		       !!sess->ops.funcIntAtDpcMSI;

	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return false;
	return !has_dpc || (sess->ops.dwOptions & KP_OPT_DPC_AT_IRQL);
}

static int kp_int_enable_locked(struct kp_session *sess,
				struct kp_int_enable *ie,
				struct kp_trans_cmd *trans, void *buf)
{
	struct kp_device *kdev = sess->kdev;
	struct pci_dev *pdev = kdev->pdev;
	struct kp_irq *ki;
	int nvec, ret;

	lockdep_assert_held(&kdev->lock);
	if (kdev->removing)
		return -ENODEV;
	if (kdev->irq)
		return -EBUSY;

	ki = kzalloc(struct_size(ki, vec, ie->nvec), GFP_KERNEL);
	if (!ki)
		return -ENOMEM;

	nvec = kp_alloc_vectors(pdev, &ie->mode, ie->nvec);
	if (nvec < 0) {
		ret = nvec;
		goto err_free_ki;
	}

	ki->kdev = kdev;
	ki->owner = sess;
	ki->mode = ie->mode;
	ki->nvec = nvec;
	ki->int_disable = sess->ops.funcIntDisable;
	ki->at_irql = sess->ops.funcIntAtIrql;
	ki->at_dpc = sess->ops.funcIntAtDpc;
	ki->at_irql_msi = sess->ops.funcIntAtIrqlMSI;
	ki->at_dpc_msi = sess->ops.funcIntAtDpcMSI;
	ki->dpc_inline = kp_dpc_inline(sess, ki->mode);
	ki->ntrans = ie->ntrans;
	ki->trans = trans;
	INIT_WORK(&ki->stop_work, kp_irq_stop_work);
	kp_irq_init_vectors(ki);

	ret = kp_call_int_enable(sess, ki, ie, buf);
	if (ret)
		goto err_free_vectors;

	/* MSI is a memory write by the device */
	if (ki->mode != KP_INT_MODE_INTX)
		kp_bus_master_get(kdev);
	kp_notify_reset(&sess->notify, ie->max_backlog);

	ret = kp_request_vectors(ki);
	if (ret)
		goto err_free_irq;
	if (ki->mode == KP_INT_MODE_INTX)
		pci_intx(pdev, 1);

	kdev->irq = ki;
	WRITE_ONCE(kdev->irq_mode, ki->mode);
	WRITE_ONCE(kdev->irq_nvec, ki->nvec);
	WRITE_ONCE(kdev->irq_stop, KP_STOP_NONE);
	ie->nvec = nvec;
	return 0;

err_free_irq:
	/* the same teardown as every other path, KP_IntDisable included */
	__kp_irq_free(ki, KP_STOP_DISABLED);
	return ret;
err_free_vectors:
	kp_trace_slots_put(ki);
	pci_free_irq_vectors(pdev);
	pci_intx(pdev, 0);
err_free_ki:
	kfree(ki);
	return ret;
}

long kp_ioctl_int_enable(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_int_enable, max_backlog);
	struct kp_device *kdev = sess->kdev;
	struct kp_trans_cmd *trans = NULL;
	u8 bounce[KP_BOUNCE_SIZE] __aligned(8);
	struct kp_int_enable ie;
	struct kp_ubuf ub;
	int ret;

	if (copy_from_user(&ie, uarg, minsz))
		return -EFAULT;
	if (ie.argsz < minsz || ie.flags)
		return -EINVAL;
	if (ie.mode > KP_INT_MODE_MSIX || !ie.nvec)
		return -EINVAL;
	if (ie.nvec > KP_MAX_VECTORS || ie.ntrans > KP_MAX_TRANS_CMDS ||
	    ie.data_size > KP_MAX_DATA_SIZE)
		return -E2BIG;

	if (ie.ntrans) {
		trans = memdup_user(u64_to_user_ptr(ie.trans),
				    array_size(ie.ntrans, sizeof(*trans)));
		if (IS_ERR(trans))
			return PTR_ERR(trans);
	}

	ret = kp_ubuf_get(&ub, bounce, ie.data, ie.data_size, true);
	if (ret)
		goto out_free_trans;

	ret = kp_device_enter(kdev);
	if (ret)
		goto out_put_buf;
	mutex_lock(&kdev->lock);
	if (!sess->plugin_open) {
		ret = -ENOTCONN;
		goto out_unlock;
	}
	ret = kp_trans_check(kdev, trans, ie.ntrans);
	if (ret)
		goto out_unlock;
	ret = kp_int_enable_locked(sess, &ie, trans, ub.buf);
	if (!ret)
		trans = NULL;	/* owned by the kp_irq now */
out_unlock:
	mutex_unlock(&kdev->lock);
	kp_device_exit(kdev);

	if (!ret && ub.buf && copy_to_user(u64_to_user_ptr(ie.data), ub.buf,
					   ie.data_size))
		ret = -EFAULT;
	if (!ret && copy_to_user(uarg, &ie, minsz))
		ret = -EFAULT;
out_put_buf:
	kp_ubuf_put(&ub);
out_free_trans:
	kfree(trans);
	return ret;
}

long kp_ioctl_int_disable(struct kp_session *sess)
{
	struct kp_device *kdev = sess->kdev;
	int ret;

	ret = kp_device_enter(kdev);
	if (ret)
		return ret;
	mutex_lock(&kdev->lock);
	if (kdev->irq && kdev->irq->owner == sess)
		kp_irq_teardown(kdev, KP_STOP_DISABLED);
	else
		ret = -EINVAL;
	mutex_unlock(&kdev->lock);
	kp_device_exit(kdev);
	return ret;
}

DWORD kp_int_trans_count(HANDLE hWD)
{
	struct kp_session *sess = hWD;

	return sess ? READ_ONCE(sess->enable_ntrans) : 0;
}
EXPORT_SYMBOL_GPL(kp_int_trans_count);

