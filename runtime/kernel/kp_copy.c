// SPDX-License-Identifier: GPL-2.0
/*
 * kp_copy.c - COPY_TO_USER_OR_KERNEL / COPY_FROM_USER_OR_KERNEL.
 *
 * While the runtime runs KP_Open, KP_Call or KP_IntEnable it opens a
 * "copy window" for the current task: the kernel copy of the caller's
 * buffer.  Inside a window the pData side of every copy must lie within
 * that buffer, otherwise nothing is copied and the macro yields -EFAULT.
 * The helpers are out of line on purpose: the reference's KP_Call copies
 * sizeof("My Driver V1.00") + 1 bytes from the literal, which FORTIFY
 * would reject at compile time in the plugin; the destination (cVer, 100
 * bytes, inside pData) is what is checked here.
 */
#include <linux/list.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kp_internal.h"

/* Windows of all tasks; short, and only touched from task context. */
static LIST_HEAD(kp_copy_windows);
static DEFINE_RAW_SPINLOCK(kp_copy_lock);

void kp_copy_window_open(struct kp_copy_window *w, void *buf, size_t size)
{
	w->task = current;
	w->buf = buf;
	w->size = buf ? size : 0;
	raw_spin_lock(&kp_copy_lock);
	list_add(&w->node, &kp_copy_windows);
	raw_spin_unlock(&kp_copy_lock);
}

void kp_copy_window_close(struct kp_copy_window *w)
{
	raw_spin_lock(&kp_copy_lock);
	list_del(&w->node);
	raw_spin_unlock(&kp_copy_lock);
}

/*
 * The current task's innermost window, or NULL.  Only this task removes
 * its windows, so the result stays valid after the lock is dropped.
 * Softirqs and hard IRQs that interrupt a task never use its window.
 */
static struct kp_copy_window *kp_copy_window_find(void)
{
	struct kp_copy_window *w, *found = NULL;

	if (!in_task())
		return NULL;

	raw_spin_lock(&kp_copy_lock);
	list_for_each_entry(w, &kp_copy_windows, node) {
		if (w->task == current) {
			found = w;
			break;
		}
	}
	raw_spin_unlock(&kp_copy_lock);
	return found;
}

static bool kp_in_window(const struct kp_copy_window *w, const void *p,
			 size_t size)
{
	unsigned long start = (unsigned long)w->buf;
	unsigned long addr = (unsigned long)p;

	return w->buf && addr >= start && size <= w->size &&
	       addr - start <= w->size - size;
}

/*
 * One copy between a plugin buffer and the caller's data.  @data is the
 * side that belongs to the caller (pData/pOpenData, or a user address):
 * inside a runtime callback it must lie in the copy window; outside one,
 * @kernel says whether it is kernel or user memory.
 */
static int kp_copy(void *dst, const void *src, size_t size, BOOL kernel,
		   bool to_data)
{
	const void *data = to_data ? dst : src;
	struct kp_copy_window *w;

	if (!size)
		return 0;

	w = kp_copy_window_find();
	if (w) {
		if (!kp_in_window(w, data, size))
			return -EFAULT;
		memcpy(dst, src, size);
		return 0;
	}

	if (kernel) {
		memcpy(dst, src, size);
		return 0;
	}
	if (!in_task())
		return -EFAULT;
	if (to_data)
		return copy_to_user((void __user *)dst, src, size) ? -EFAULT : 0;
	return copy_from_user(dst, (const void __user *)src, size) ?
	       -EFAULT : 0;
}

int kp_copy_to_user_or_kernel(void *dst, const void *src, size_t size,
			      BOOL fIsKernelMode)
{
	return kp_copy(dst, src, size, fIsKernelMode, true);
}
EXPORT_SYMBOL_GPL(kp_copy_to_user_or_kernel);

int kp_copy_from_user_or_kernel(void *dst, const void *src, size_t size,
				BOOL fIsKernelMode)
{
	return kp_copy(dst, src, size, fIsKernelMode, false);
}
EXPORT_SYMBOL_GPL(kp_copy_from_user_or_kernel);
