// SPDX-License-Identifier: GPL-2.0
/*
 * kp_irq.c - interrupts: the hard-IRQ handler (transfer commands, then
 * KP_IntAtIrql / KP_IntAtIrqlMSI), vector allocation, KP_INT_ENABLE,
 * KP_INT_DISABLE and KP_INT_WAIT.
 *
 * The handler takes no locks and allocates nothing: the state it uses is
 * built before request_irq() and freed only after free_irq().
 */
#include <linux/interrupt.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kp_compat.h"
#include "kp_internal.h"
#include "kp_trace.h"

/* ---- hard IRQ ------------------------------------------------------- */

/*
 * Runs the transfer commands.  Returns false when a masked read says the
 * interrupt is not ours (the rest is skipped).
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
			if (t->mask && !(last & t->mask))
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

static irqreturn_t kp_irq_handler(int irq, void *data)
{
	struct kp_vector *vec = data;
	struct kp_irq *ki = vec->ki;
	struct kp_device *kdev = ki->kdev;
	bool intx = ki->mode == KP_INT_MODE_INTX;
	bool claimed = false, mine = false, dpc = false;
	bool handled;

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
		u32 pending = atomic_inc_return(&vec->pending);

		kp_stat_inc(&kdev->stats.dpc_requests);
		trace_kp_dpc_schedule(kdev->minor, vec->index, pending);
		tasklet_schedule(&vec->dpc);
	}

out:
	/* MSI and MSI-X are never shared: always ours */
	handled = claimed || mine || dpc || !intx;
	if (handled)
		kp_stat_inc(&kdev->stats.interrupts);
	else
		kp_stat_inc(&kdev->stats.spurious);
	trace_kp_irq_exit(kdev->minor, vec->index, irq, handled, dpc);
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
			if (t->flags)
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
	}
	return 0;
}

/*
 * Allocates up to @nvec vectors of the requested @mode (AUTO: MSI-X, then
 * MSI, then INTx) and returns how many, with @mode set to what was used.
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

/*
 * IRQF_NO_THREAD: KP_IntAtIrql* is the reference's "high IRQL" handler and
 * stays in hard-IRQ context even where handlers are force-threaded
 * (PREEMPT_RT, threadirqs).  A forced thread would fold back-to-back
 * interrupts into one handler run, so neither the plugin nor the counters
 * would see every interrupt.  The handler takes no lock (atomics only) and
 * plugins may not use KP_SPINLOCKs there, so it is RT-safe; the deferred
 * work runs in the DPC, which PREEMPT_RT runs in a thread.
 */
static int kp_request_vectors(struct kp_irq *ki)
{
	unsigned long flags = IRQF_NO_THREAD;
	u32 i;
	int ret;

	if (ki->mode == KP_INT_MODE_INTX)
		flags |= IRQF_SHARED;
	for (i = 0; i < ki->nvec; i++) {
		struct kp_vector *vec = &ki->vec[i];

		ret = request_irq(vec->irq, kp_irq_handler, flags, vec->name,
				  vec);
		if (ret)
			return ret;
		vec->requested = true;
	}
	return 0;
}

static void kp_free_vectors(struct kp_irq *ki)
{
	u32 i;

	for (i = ki->nvec; i-- > 0;) {
		if (ki->vec[i].requested)
			free_irq(ki->vec[i].irq, &ki->vec[i]);
		ki->vec[i].requested = false;
	}
}

static void kp_kill_dpcs(struct kp_irq *ki)
{
	u32 i;

	for (i = 0; i < ki->nvec; i++)
		tasklet_kill(&ki->vec[i].dpc);
}

/*
 * Tears the interrupts of @kdev down, in the order of docs/design.md:
 * free_irq (waits for running handlers), tasklet_kill (waits for the
 * DPCs), KP_IntDisable, pci_free_irq_vectors, then wake the waiters with
 * KP_WAIT_STOPPED.  Caller holds kdev->lock; the device is present.
 */
void kp_irq_teardown(struct kp_device *kdev)
{
	struct kp_irq *ki = kdev->irq;

	lockdep_assert_held(&kdev->lock);
	if (!ki)
		return;

	kp_free_vectors(ki);
	kp_kill_dpcs(ki);
	if (ki->int_disable)
		ki->int_disable(ki->int_ctx);
	pci_free_irq_vectors(kdev->pdev);

	kdev->irq = NULL;
	WRITE_ONCE(kdev->irq_mode, 0);
	WRITE_ONCE(kdev->irq_nvec, 0);
	kp_notify_stop(ki->owner);

	kfree(ki->trans);
	kfree(ki);
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

static int kp_int_enable_locked(struct kp_session *sess,
				struct kp_int_enable *ie,
				struct kp_trans_cmd *trans, void *buf)
{
	struct kp_device *kdev = sess->kdev;
	struct kp_irq *ki;
	int nvec, ret;

	lockdep_assert_held(&kdev->lock);
	if (kdev->irq)
		return -EBUSY;

	ki = kzalloc(struct_size(ki, vec, ie->nvec), GFP_KERNEL);
	if (!ki)
		return -ENOMEM;

	nvec = kp_alloc_vectors(kdev->pdev, &ie->mode, ie->nvec);
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
	ki->ntrans = ie->ntrans;
	ki->trans = trans;
	kp_irq_init_vectors(ki);

	ret = kp_call_int_enable(sess, ki, ie, buf);
	if (ret)
		goto err_free_vectors;

	spin_lock_bh(&sess->lock);
	sess->int_state = KP_INT_ENABLED;
	sess->max_backlog = ie->max_backlog;
	sess->int_queued = 0;
	sess->int_counter = 0;
	sess->int_lost = 0;
	sess->last_vector = 0;
	spin_unlock_bh(&sess->lock);

	ret = kp_request_vectors(ki);
	if (ret)
		goto err_free_irqs;

	kdev->irq = ki;
	WRITE_ONCE(kdev->irq_mode, ki->mode);
	WRITE_ONCE(kdev->irq_nvec, ki->nvec);
	ie->nvec = nvec;
	return 0;

err_free_irqs:
	kp_free_vectors(ki);
	kp_kill_dpcs(ki);
	kp_notify_stop(sess);
	if (ki->int_disable)
		ki->int_disable(ki->int_ctx);
err_free_vectors:
	pci_free_irq_vectors(kdev->pdev);
err_free_ki:
	kfree(ki);
	return ret;
}

long kp_ioctl_int_enable(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_int_enable, max_backlog);
	struct kp_device *kdev = sess->kdev;
	struct kp_trans_cmd *trans = NULL;
	struct kp_int_enable ie;
	void *buf;
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

	buf = kp_user_buf(ie.data, ie.data_size);
	if (IS_ERR(buf)) {
		ret = PTR_ERR(buf);
		goto out_free_trans;
	}

	down_read(&kdev->rwsem);
	if (kdev->removed) {
		ret = -ENODEV;
		goto out_unlock_dev;
	}
	down_read(&sess->rwsem);
	if (!sess->plugin_open) {
		ret = -ENOTCONN;
		goto out_unlock_sess;
	}
	ret = kp_trans_check(kdev, trans, ie.ntrans);
	if (ret)
		goto out_unlock_sess;

	mutex_lock(&kdev->lock);
	ret = kp_int_enable_locked(sess, &ie, trans, buf);
	mutex_unlock(&kdev->lock);
	if (!ret)
		trans = NULL;	/* owned by the kp_irq now */

out_unlock_sess:
	up_read(&sess->rwsem);
out_unlock_dev:
	up_read(&kdev->rwsem);

	if (!ret && buf && copy_to_user(u64_to_user_ptr(ie.data), buf,
					ie.data_size))
		ret = -EFAULT;
	if (!ret && copy_to_user(uarg, &ie, minsz))
		ret = -EFAULT;
	kp_user_buf_free(buf);
out_free_trans:
	kfree(trans);
	return ret;
}

long kp_ioctl_int_disable(struct kp_session *sess)
{
	struct kp_device *kdev = sess->kdev;
	int ret = 0;

	down_read(&kdev->rwsem);
	if (kdev->removed) {
		up_read(&kdev->rwsem);
		return -ENODEV;
	}
	mutex_lock(&kdev->lock);
	if (kdev->irq && kdev->irq->owner == sess)
		kp_irq_teardown(kdev);
	else
		ret = -EINVAL;
	mutex_unlock(&kdev->lock);
	up_read(&kdev->rwsem);
	return ret;
}

/* ---- waiting for notifications -------------------------------------- */

static bool kp_int_wait_done(struct kp_session *sess, u32 gen)
{
	bool done;

	spin_lock_bh(&sess->lock);
	done = sess->int_queued || sess->int_state != KP_INT_ENABLED ||
	       sess->flush_gen != gen;
	spin_unlock_bh(&sess->lock);
	return done;
}

/*
 * Consumes one notification.  Returns 0 with KP_WAIT_STOPPED when this fd
 * has no interrupts enabled (never enabled, disabled, device removed) or
 * when the owner closed the fd while we waited; EAGAIN with
 * KP_WAIT_NONBLOCK and nothing pending; EINTR on a signal.
 */
long kp_ioctl_int_wait(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_int_wait, __pad);
	struct kp_int_wait iw;
	u32 gen;

	if (copy_from_user(&iw, uarg, minsz))
		return -EFAULT;
	if (iw.argsz < minsz || (iw.flags & ~KP_WAIT_NONBLOCK))
		return -EINVAL;

	spin_lock_bh(&sess->lock);
	gen = sess->flush_gen;
	for (;;) {
		if (sess->int_state != KP_INT_ENABLED ||
		    sess->flush_gen != gen) {
			iw.flags |= KP_WAIT_STOPPED;
			iw.counter = sess->int_counter;
			break;
		}
		if (sess->int_queued) {
			sess->int_queued--;
			iw.counter = ++sess->int_counter;
			break;
		}
		if (iw.flags & KP_WAIT_NONBLOCK) {
			spin_unlock_bh(&sess->lock);
			return -EAGAIN;
		}
		spin_unlock_bh(&sess->lock);
		if (wait_event_interruptible(sess->wq,
					     kp_int_wait_done(sess, gen)))
			return -EINTR;
		spin_lock_bh(&sess->lock);
	}
	iw.pending = sess->int_queued;
	iw.lost = sess->int_lost;
	iw.last_vector = sess->last_vector;
	iw.__pad = 0;
	spin_unlock_bh(&sess->lock);

	return copy_to_user(uarg, &iw, minsz) ? -EFAULT : 0;
}

DWORD kp_int_trans_count(HANDLE hWD)
{
	struct kp_session *sess = hWD;

	return sess ? READ_ONCE(sess->enable_ntrans) : 0;
}
EXPORT_SYMBOL_GPL(kp_int_trans_count);
