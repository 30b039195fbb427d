// SPDX-License-Identifier: GPL-2.0
/*
 * kp_call.c - the session's plugin open: KP_PLUGIN_OPEN (KP_Open),
 * KP_PLUGIN_CLOSE (KP_Close) and KP_PLUGIN_CALL (KP_Call).
 *
 * The plugin only ever sees kernel copies of user buffers, inside a copy
 * window (kp_copy.c) that bounds COPY_TO/FROM_USER_OR_KERNEL.  KP_Call is
 * the hot path: a small pData lives on the stack, the device gate is a
 * per-CPU read lock, and only dwResult is written back to the header.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kp_internal.h"
#include "kp_trace.h"

long kp_ioctl_plugin_open(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_plugin_open, __pad);
	struct kp_device *kdev = sess->kdev;
	u8 bounce[KP_BOUNCE_SIZE] __aligned(8);
	struct kp_copy_window win;
	struct kp_plugin_open po;
	KP_OPEN_CALL ops = {};
	struct kp_ubuf ub;
	void *ctx = NULL;
	BOOL ok;
	int ret;

	if (copy_from_user(&po, uarg, minsz))
		return -EFAULT;
	if (po.argsz < minsz || po.flags)
		return -EINVAL;

	ret = kp_ubuf_get(&ub, bounce, po.data, po.data_size, true);
	if (ret)
		return ret;

	ret = kp_device_enter(kdev);
	if (ret)
		goto out_put_buf;
	mutex_lock(&kdev->lock);
	if (kdev->removing) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (sess->plugin_open || sess->plugin_closed) {
		ret = -EBUSY;
		goto out_unlock;
	}

	kp_copy_window_open(&win, ub.buf, po.data_size);
	ok = kdev->plugin->open(&ops, sess, ub.buf, &ctx);
	kp_copy_window_close(&win);
	if (!ok) {
		ret = -EPERM;
		goto out_unlock;
	}
	sess->ops = ops;
	sess->drv_ctx = ctx;
	/* KP_Call reads the flag, then the ops, without kdev->lock */
	smp_store_release(&sess->plugin_open, true);

out_unlock:
	mutex_unlock(&kdev->lock);
	kp_device_exit(kdev);
out_put_buf:
	kp_ubuf_put(&ub);
	return ret;
}

/*
 * Ends the session's plugin open: interrupts off, then KP_Close.  Caller
 * holds kdev->gate for writing (no KP_Call runs) and kdev->lock.
 */
void kp_session_close_plugin(struct kp_session *sess)
{
	struct kp_device *kdev = sess->kdev;

	lockdep_assert_held(&kdev->lock);
	if (kdev->irq && kdev->irq->owner == sess)
		kp_irq_teardown(kdev, KP_STOP_DISABLED);
	if (!sess->plugin_open)
		return;

	WRITE_ONCE(sess->plugin_open, false);
	if (sess->ops.funcClose)
		sess->ops.funcClose(sess->drv_ctx);
	memset(&sess->ops, 0, sizeof(sess->ops));
	sess->drv_ctx = NULL;
}

/*
 * Also works after the device was removed, so that cleanup succeeds:
 * removal already ran KP_Close, which then is not called again.
 */
long kp_ioctl_plugin_close(struct kp_session *sess)
{
	struct kp_device *kdev = sess->kdev;
	int ret = 0;

	percpu_down_write(&kdev->gate);
	mutex_lock(&kdev->lock);
	if (sess->plugin_open)
		kp_session_close_plugin(sess);
	else if (sess->plugin_closed)
		sess->plugin_closed = false;
	else
		ret = -ENOTCONN;
	mutex_unlock(&kdev->lock);
	percpu_up_write(&kdev->gate);
	return ret;
}

long kp_ioctl_plugin_call(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_plugin_call, __pad);
	struct kp_plugin_call __user *upc = uarg;
	struct kp_device *kdev = sess->kdev;
	u8 bounce[KP_BOUNCE_SIZE] __aligned(8);
	WD_KERNEL_PLUGIN_CALL kpcall = {};
	struct kp_copy_window win;
	struct kp_plugin_call pc;
	struct kp_ubuf ub;
	bool copy_in, copy_out;
	int ret;

	if (copy_from_user(&pc, uarg, minsz))
		return -EFAULT;
	if (pc.argsz < minsz || (pc.flags & ~(KP_CALL_F_IN | KP_CALL_F_OUT)))
		return -EINVAL;
	copy_in = !(pc.flags & KP_CALL_F_OUT) || (pc.flags & KP_CALL_F_IN);
	copy_out = !(pc.flags & KP_CALL_F_IN) || (pc.flags & KP_CALL_F_OUT);

	ret = kp_ubuf_get(&ub, bounce, pc.data, pc.data_size, copy_in);
	if (ret)
		return ret;

	ret = kp_device_enter(kdev);
	if (ret)
		goto out_put_buf;
	/* pairs with kp_ioctl_plugin_open(): the ops are set before it */
	if (!smp_load_acquire(&sess->plugin_open)) {
		ret = -ENOTCONN;
		goto out_exit;
	}
	if (!sess->ops.funcCall) {
		ret = -EOPNOTSUPP;
		goto out_exit;
	}

	kpcall.hKernelPlugIn = sess;
	kpcall.dwMessage = pc.message;
	kpcall.pData = ub.buf;
	kpcall.dwDataSize = pc.data_size;

	trace_kp_call_entry(kdev->minor, pc.message, pc.data_size);
	kp_copy_window_open(&win, ub.buf, pc.data_size);
	sess->ops.funcCall(sess->drv_ctx, &kpcall, FALSE);
	kp_copy_window_close(&win);
	kp_stat_inc(kdev, calls);
	kp_device_exit(kdev);

	if (copy_out && ub.buf &&
	    copy_to_user(u64_to_user_ptr(pc.data), ub.buf, pc.data_size))
		ret = -EFAULT;
	if (!ret && put_user(kpcall.dwResult, &upc->result))
		ret = -EFAULT;
	trace_kp_call_exit(kdev->minor, pc.message, kpcall.dwResult, ret);
	kp_ubuf_put(&ub);
	return ret;

out_exit:
	kp_device_exit(kdev);
out_put_buf:
	kp_ubuf_put(&ub);
	return ret;
}
