// SPDX-License-Identifier: GPL-2.0
/*
 * kp_copy.c - kernel copies of user buffers for callbacks, and
 * COPY_TO_USER_OR_KERNEL / COPY_FROM_USER_OR_KERNEL.
 *
 * While the runtime runs KP_Open, KP_Call or KP_IntEnable it opens a
 * "copy window" for the current task: the kernel copy of the caller's
 * buffer.  Inside a window the pData side of every copy must lie within
 * that buffer, otherwise nothing is copied and the macro yields -EFAULT.
 * Windows are found by task in a small hash, one lock per bucket, so
 * calls on different CPUs do not share a lock.  The helpers are out of
 * line on purpose: the reference's KP_Call copies sizeof("My Driver
 * V1.00") + 1 bytes from the literal, which FORTIFY would reject at
 * compile time in the plugin; the destination (cVer, 100 bytes, inside
 * pData) is what is checked here.
 */
#include <linux/hash.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kp_internal.h"

/* ---- kernel copies of user buffers ---------------------------------- */

/*
 * Fills @ub with a kernel copy of @size bytes at user address @uptr: in
 * @bounce (KP_BOUNCE_SIZE bytes, the caller's stack) when it fits, else
 * in kvmalloc() memory.  Without @copy_in the buffer is zeroed instead,
 * so no kernel memory reaches user mode.  -E2BIG above
 * KP_MAX_DATA_SIZE, -EFAULT when the range cannot be read.
 */
int kp_ubuf_get(struct kp_ubuf *ub, void *bounce, u64 uptr, u32 size,
		bool copy_in)
{
	ub->buf = NULL;
	ub->size = size;
	ub->heap = false;
	if (!size)
		return 0;
	if (size > KP_MAX_DATA_SIZE)
		return -E2BIG;

	if (size <= KP_BOUNCE_SIZE) {
		ub->buf = bounce;
	} else {
		ub->buf = kvmalloc(size, GFP_KERNEL_ACCOUNT);
		if (!ub->buf)
			return -ENOMEM;
		ub->heap = true;
	}
	if (!copy_in) {
		memset(ub->buf, 0, size);
	} else if (copy_from_user(ub->buf, u64_to_user_ptr(uptr), size)) {
		kp_ubuf_put(ub);
		return -EFAULT;
	}
	return 0;
}

void kp_ubuf_put(struct kp_ubuf *ub)
{
	if (ub->heap)
		kvfree(ub->buf);
	ub->buf = NULL;
	ub->heap = false;
}

/* ---- copy windows --------------------------------------------------- */

#define KP_COPY_HASH_BITS	6

static struct kp_copy_bucket {
	spinlock_t		lock;
	struct hlist_head	windows;
} kp_copy_hash[1 << KP_COPY_HASH_BITS];

void kp_copy_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(kp_copy_hash); i++) {
		spin_lock_init(&kp_copy_hash[i].lock);
		INIT_HLIST_HEAD(&kp_copy_hash[i].windows);
	}
}

static struct kp_copy_bucket *kp_copy_bucket(struct task_struct *task)
{
	return &kp_copy_hash[hash_ptr(task, KP_COPY_HASH_BITS)];
}

void kp_copy_window_open(struct kp_copy_window *w, void *buf, size_t size)
{
	struct kp_copy_bucket *b = kp_copy_bucket(current);

	w->task = current;
	w->buf = buf;
	w->size = buf ? size : 0;
	spin_lock(&b->lock);
	hlist_add_head(&w->node, &b->windows);
	spin_unlock(&b->lock);
}

void kp_copy_window_close(struct kp_copy_window *w)
{
	struct kp_copy_bucket *b = kp_copy_bucket(w->task);

	spin_lock(&b->lock);
	hlist_del(&w->node);
	spin_unlock(&b->lock);
}

/*
 * The current task's innermost window, or NULL.  Only this task removes
 * its windows, so the result stays valid after the lock is dropped.
 * Softirqs and hard IRQs that interrupt a task never use its window.
 */
static struct kp_copy_window *kp_copy_window_find(void)
{
	struct kp_copy_bucket *b;
	struct kp_copy_window *w, *found = NULL;

	if (!in_task())
		return NULL;

	b = kp_copy_bucket(current);
	spin_lock(&b->lock);
	hlist_for_each_entry(w, &b->windows, node) {
		if (w->task == current) {
			found = w;
			break;
		}
	}
	spin_unlock(&b->lock);
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
