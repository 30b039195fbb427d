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
 * calls on different CPUs do not share a lock.
 *
 * The plugin's side of a copy is bounded too, by the size of its object
 * when the compiler knows it (the macros pass __builtin_object_size()).
 * The reference's own KP_Call copies sizeof("My Driver V1.00") + 1 bytes
 * from that 16-byte literal: KASAN reported the read past its end.  Such
 * a copy takes what the object holds, zero-fills the rest of the caller's
 * side and logs the call site; the reference works as written.  The
 * helpers are out of line so that FORTIFY does not reject that copy at
 * compile time in the plugin.
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
 * How much of a @size-byte copy the plugin's object (@own bytes, SIZE_MAX
 * when unknown) can take part in; says so when that is less.
 */
static size_t kp_copy_own_bound(size_t size, size_t own, bool to_data,
				const void *site)
{
	if (own >= size)
		return size;
	pr_warn_ratelimited("%pS: COPY_%s_USER_OR_KERNEL of %zu bytes %s a %zu-byte object: %zu copied%s\n",
			    site, to_data ? "TO" : "FROM", size,
			    to_data ? "from" : "into", own, own,
			    to_data ? ", the rest zeroed" : "");
	return own;
}

/*
 * One copy between a plugin buffer and the caller's data.  @data is the
 * side that belongs to the caller (pData/pOpenData, or a user address):
 * inside a runtime callback it must lie in the copy window; outside one,
 * @kernel says whether it is kernel or user memory.  @own is the size of
 * the plugin's object on the other side (SIZE_MAX: unknown).
 */
static int kp_copy(void *dst, const void *src, size_t size, BOOL kernel,
		   bool to_data, size_t own, const void *site)
{
	const void *data = to_data ? dst : src;
	struct kp_copy_window *w;
	size_t n;

	if (!size)
		return 0;

	w = kp_copy_window_find();
	if (w && !kp_in_window(w, data, size))
		return -EFAULT;
	if (!w && !kernel && !in_task())
		return -EFAULT;
	n = kp_copy_own_bound(size, own, to_data, site);

	if (w || kernel) {
		memcpy(dst, src, n);
		if (to_data && n < size)
			memset(dst + n, 0, size - n);
		return 0;
	}
	if (!to_data)
		return copy_from_user(dst, (const void __user *)src, n) ?
		       -EFAULT : 0;
	if (copy_to_user((void __user *)dst, src, n))
		return -EFAULT;
	if (n < size && clear_user((void __user *)dst + n, size - n))
		return -EFAULT;
	return 0;
}

/* The macros' helpers: @own is __builtin_object_size() of the plugin side. */
int kp_copy_to_caller(void *dst, const void *src, size_t size, BOOL kernel,
		      size_t own)
{
	return kp_copy(dst, src, size, kernel, true, own,
		       __builtin_return_address(0));
}
EXPORT_SYMBOL_GPL(kp_copy_to_caller);

int kp_copy_from_caller(void *dst, const void *src, size_t size, BOOL kernel,
			size_t own)
{
	return kp_copy(dst, src, size, kernel, false, own,
		       __builtin_return_address(0));
}
EXPORT_SYMBOL_GPL(kp_copy_from_caller);

/* For plugins built against headers older than the bounded macros. */
int kp_copy_to_user_or_kernel(void *dst, const void *src, size_t size,
			      BOOL fIsKernelMode)
{
	return kp_copy(dst, src, size, fIsKernelMode, true, SIZE_MAX,
		       __builtin_return_address(0));
}
EXPORT_SYMBOL_GPL(kp_copy_to_user_or_kernel);

int kp_copy_from_user_or_kernel(void *dst, const void *src, size_t size,
				BOOL fIsKernelMode)
{
	return kp_copy(dst, src, size, fIsKernelMode, false, SIZE_MAX,
		       __builtin_return_address(0));
}
EXPORT_SYMBOL_GPL(kp_copy_from_user_or_kernel);
