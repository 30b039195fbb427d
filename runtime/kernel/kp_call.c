// SPDX-License-Identifier: GPL-2.0
/*
 * kp_call.c - the session's plugin open: KP_PLUGIN_OPEN (KP_Open),
 * KP_PLUGIN_CLOSE (KP_Close) and KP_PLUGIN_CALL (KP_Call).
 *
 * The plugin only ever sees kernel copies of user buffers, inside a copy
 * window (kp_copy.c) that bounds COPY_TO/FROM_USER_OR_KERNEL.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kp_internal.h"
#include "kp_trace.h"

/*
 * Kernel copy of @size bytes at user address @uptr: NULL when @size is 0,
 * ERR_PTR(-E2BIG) above KP_MAX_DATA_SIZE, ERR_PTR(-EFAULT) when the range
 * cannot be read.
 */
void *kp_user_buf(u64 uptr, u32 size)
{
	void *buf;

	if (!size)
		return NULL;
	if (size > KP_MAX_DATA_SIZE)
		return ERR_PTR(-E2BIG);

	buf = kvzalloc(size, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(buf, u64_to_user_ptr(uptr), size)) {
		kvfree(buf);
		return ERR_PTR(-EFAULT);
	}
	return buf;
}

void kp_user_buf_free(void *buf)
{
	kvfree(buf);
}

long kp_ioctl_plugin_open(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_plugin_open, __pad);
	struct kp_device *kdev = sess->kdev;
	struct kp_copy_window win;
	struct kp_plugin_open po;
	KP_OPEN_CALL ops = {};
	void *ctx = NULL;
	void *buf;
	BOOL ok;
	int ret = 0;

	if (copy_from_user(&po, uarg, minsz))
		return -EFAULT;
	if (po.argsz < minsz || po.flags)
		return -EINVAL;

	buf = kp_user_buf(po.data, po.data_size);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	down_read(&kdev->rwsem);
	if (kdev->removed) {
		ret = -ENODEV;
		goto out_unlock_dev;
	}
	down_write(&sess->rwsem);
	if (sess->plugin_open) {
		ret = -EBUSY;
		goto out_unlock_sess;
	}

	kp_copy_window_open(&win, buf, po.data_size);
	ok = kdev->plugin->open(&ops, sess, buf, &ctx);
	kp_copy_window_close(&win);
	if (!ok) {
		ret = -EPERM;
		goto out_unlock_sess;
	}

	mutex_lock(&kdev->lock);
	sess->ops = ops;
	sess->drv_ctx = ctx;
	sess->plugin_open = true;
	mutex_unlock(&kdev->lock);

out_unlock_sess:
	up_write(&sess->rwsem);
out_unlock_dev:
	up_read(&kdev->rwsem);
	kp_user_buf_free(buf);
	return ret;
}

/* Also works after the device was removed, so that cleanup succeeds. */
long kp_ioctl_plugin_close(struct kp_session *sess)
{
	struct kp_device *kdev = sess->kdev;
	KP_FUNC_CLOSE close;
	void *ctx;

	down_write(&sess->rwsem);
	if (!sess->plugin_open) {
		up_write(&sess->rwsem);
		return -ENOTCONN;
	}

	mutex_lock(&kdev->lock);
	if (kdev->irq && kdev->irq->owner == sess)
		kp_irq_teardown(kdev);
	close = sess->ops.funcClose;
	ctx = sess->drv_ctx;
	sess->plugin_open = false;
	memset(&sess->ops, 0, sizeof(sess->ops));
	sess->drv_ctx = NULL;
	mutex_unlock(&kdev->lock);

	if (close)
		close(ctx);
	up_write(&sess->rwsem);
	return 0;
}

long kp_ioctl_plugin_call(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_plugin_call, __pad);
	struct kp_device *kdev = sess->kdev;
	WD_KERNEL_PLUGIN_CALL kpcall = {};
	struct kp_copy_window win;
	struct kp_plugin_call pc;
	bool called = false;
	void *buf;
	int ret = 0;

	if (copy_from_user(&pc, uarg, minsz))
		return -EFAULT;
	if (pc.argsz < minsz || pc.flags)
		return -EINVAL;

	buf = kp_user_buf(pc.data, pc.data_size);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

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
	if (!sess->ops.funcCall) {
		ret = -EOPNOTSUPP;
		goto out_unlock_sess;
	}

	kpcall.hKernelPlugIn = sess;
	kpcall.dwMessage = pc.message;
	kpcall.pData = buf;
	kpcall.dwDataSize = pc.data_size;

	trace_kp_call_entry(kdev->minor, pc.message, pc.data_size);
	kp_copy_window_open(&win, buf, pc.data_size);
	sess->ops.funcCall(sess->drv_ctx, &kpcall, FALSE);
	kp_copy_window_close(&win);
	kp_stat_inc(&kdev->stats.calls);
	pc.result = kpcall.dwResult;
	called = true;

out_unlock_sess:
	up_read(&sess->rwsem);
out_unlock_dev:
	up_read(&kdev->rwsem);

	if (!ret && buf && copy_to_user(u64_to_user_ptr(pc.data), buf,
					pc.data_size))
		ret = -EFAULT;
	if (!ret && copy_to_user(uarg, &pc, minsz))
		ret = -EFAULT;
	if (called)
		trace_kp_call_exit(kdev->minor, pc.message, pc.result, ret);
	kp_user_buf_free(buf);
	return ret;
}
