// SPDX-License-Identifier: GPL-2.0
/*
 * kp_dma.c - DMA buffers: contiguous coherent buffers user mode mmap()s
 * (KP_DMA_ALLOC), user memory pinned and mapped for the device
 * (KP_DMA_LOCK), their sync and segments, the plugin's lookups by handle,
 * the plugin's own coherent memory, and the device's DMA mask.
 *
 * A buffer belongs to one session and is named by a handle unique on the
 * device, so that its mmap() offset (KP_MMAP_DMA) is too and zapping one
 * buffer's mappings touches no other.  Its descriptor is refcounted: the
 * session holds one reference until KP_DMA_UNLOCK or its teardown, a
 * plugin one per kp_dma_buffer_get().  The memory goes with the last
 * reference, or at once when the session is torn down (close, process
 * exit, device removal - the device must not outlive its mappings); a
 * plugin reference held after that only keeps the descriptor.  Lookups
 * run under RCU, so plugins may take references in hard IRQ; releasing
 * memory sleeps, so a last reference dropped in atomic context hands the
 * release to a work item.
 *
 * Pinned pages and coherent memory count against RLIMIT_MEMLOCK of the
 * process that made the buffer (account_locked_vm(), as VFIO does).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "kp_compat.h"
#include "kp_internal.h"

#define KP_DMA_MAX_HANDLE	0xfffff		/* fits KP_MMAP_DMA() */

struct kp_dma_buf {
	struct kp_dma_buffer	pub;		/* what plugins see */
	refcount_t		ref;
	struct kp_session	*sess;		/* the owner */
	struct list_head	node;		/* in sess->dma_bufs while live */
	struct kp_device	*kdev;		/* holds a kref */
	bool			live;		/* memory held; under map_lock */
	enum dma_data_direction	dir;
	/* KP_DMA_ALLOC */
	dma_addr_t		bus;
	size_t			alloc_size;	/* page multiple */
	/* KP_DMA_LOCK */
	struct page		**pages;
	unsigned long		npages;
	struct sg_table		sgt;
	struct kp_dma_seg	*segs;
	struct mm_struct	*mm;		/* charged for @npages */
	struct llist_node	free_node;	/* on sess->dma_free */
	struct rcu_head		rcu;
};

/* The plugin's own coherent memory, freed by the runtime if it forgets */
struct kp_dma_chunk {
	struct list_head	node;
	void			*va;
	dma_addr_t		bus;
	size_t			size;
};

static struct device *kp_dma_device(struct kp_device *kdev)
{
	return &kdev->pdev->dev;
}

static enum dma_data_direction kp_dma_dir(u32 flags)
{
	switch (flags & KP_DMA_DIR_MASK) {
	case KP_DMA_TO_DEVICE:
		return DMA_TO_DEVICE;
	case KP_DMA_FROM_DEVICE:
		return DMA_FROM_DEVICE;
	default:
		return DMA_BIDIRECTIONAL;
	}
}


/* ---- releasing ------------------------------------------------------ */

/*
 * Gives the buffer's memory back: user mappings zapped first (a later
 * access raises SIGBUS), then unmapped, freed or unpinned, uncharged.
 * Idempotent; process context.  A live buffer's session exists: its
 * teardown releases every buffer before the session goes.
 */
static void kp_dma_release_mem(struct kp_dma_buf *b)
{
	struct kp_device *kdev = b->kdev;
	struct device *dev = kp_dma_device(kdev);

	might_sleep();
	/* a fault that saw live has inserted its page once we own this */
	down_write(&kdev->map_lock);
	if (!b->live) {
		up_write(&kdev->map_lock);
		return;
	}
	b->live = false;
	up_write(&kdev->map_lock);
	mutex_lock(&b->sess->dma_lock);
	list_del_init(&b->node);
	mutex_unlock(&b->sess->dma_lock);

	if (b->pub.flags & KP_DMA_F_CONTIG) {
		unmap_mapping_range(b->sess->mapping,
				    KP_MMAP_DMA(b->pub.handle), b->alloc_size,
				    1);
		dma_free_attrs(dev, b->alloc_size, b->pub.kva, b->bus,
			       DMA_ATTR_FORCE_CONTIGUOUS);
		b->pub.kva = NULL;
	} else {
		dma_unmap_sgtable(dev, &b->sgt, b->dir, 0);
		sg_free_table(&b->sgt);
		unpin_user_pages_dirty_lock(b->pages, b->npages,
					    b->dir != DMA_TO_DEVICE);
		kvfree(b->pages);
		b->pages = NULL;
	}
	if (b->mm) {
		account_locked_vm(b->mm, b->npages, false);
		mmdrop(b->mm);
		b->mm = NULL;
	}
	kp_bus_master_put(kdev);
}

static void kp_dma_free_desc(struct rcu_head *rcu)
{
	struct kp_dma_buf *b = container_of(rcu, struct kp_dma_buf, rcu);

	kvfree(b->segs);
	kfree(b);
}

/* The last reference went: memory (if still held), then descriptor. */
static void kp_dma_final(struct kp_dma_buf *b)
{
	struct kp_device *kdev = b->kdev;

	kp_dma_release_mem(b);
	call_rcu(&b->rcu, kp_dma_free_desc);
	kp_device_put(kdev);
}

/* Releases buffers whose last reference went in atomic context. */
static void kp_dma_free_work(struct work_struct *work)
{
	struct kp_session *sess = container_of(work, struct kp_session,
					       dma_free_work);
	struct kp_dma_buf *b, *tmp;

	llist_for_each_entry_safe(b, tmp, llist_del_all(&sess->dma_free),
				  free_node)
		kp_dma_final(b);
}

static void kp_dma_put(struct kp_dma_buf *b)
{
	if (!refcount_dec_and_test(&b->ref))
		return;
	if (preemptible() && !in_softirq()) {
		kp_dma_final(b);
	} else if (!READ_ONCE(b->live)) {
		/* released already: its session may be gone */
		call_rcu(&b->rcu, kp_dma_free_desc);
		kp_device_put_atomic(b->kdev);
	} else {
		/* a live buffer's session is there: queue it to it */
		llist_add(&b->free_node, &b->sess->dma_free);
		queue_work(kp_wq, &b->sess->dma_free_work);
	}
}

void kp_dma_init(struct kp_session *sess)
{
	mutex_init(&sess->dma_lock);
	INIT_LIST_HEAD(&sess->dma_bufs);
	INIT_LIST_HEAD(&sess->dma_chunks);
	init_llist_head(&sess->dma_free);
	INIT_WORK(&sess->dma_free_work, kp_dma_free_work);
}

/* ---- creating ------------------------------------------------------- */

static struct kp_dma_buf *kp_dma_new(struct kp_session *sess, u32 flags)
{
	struct kp_dma_buf *b;

	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		return NULL;
	refcount_set(&b->ref, 1);
	INIT_LIST_HEAD(&b->node);
	b->sess = sess;
	b->kdev = sess->kdev;
	b->dir = kp_dma_dir(flags);
	b->pub.flags = flags & KP_DMA_DIR_MASK;
	return b;
}

/*
 * Makes @b live and findable under a handle unique on the device.
 * Caller holds kdev->lock (no removal meanwhile).
 */
static int kp_dma_publish(struct kp_session *sess, struct kp_dma_buf *b)
{
	struct kp_device *kdev = sess->kdev;
	u32 handle;
	int ret;

	lockdep_assert_held(&kdev->lock);
	if (kdev->removing)
		return -ENODEV;
	b->live = true;
	ret = xa_alloc(&kdev->dma_bufs, &handle, b,
		       XA_LIMIT(1, KP_DMA_MAX_HANDLE), GFP_KERNEL);
	if (ret) {
		b->live = false;
		return ret == -EBUSY ? -ENOSPC : ret;
	}
	b->pub.handle = handle;
	kref_get(&kdev->kref);
	kp_bus_master_get(kdev);
	mutex_lock(&sess->dma_lock);
	list_add(&b->node, &sess->dma_bufs);
	mutex_unlock(&sess->dma_lock);
	return 0;
}

static int kp_dma_charge(struct kp_dma_buf *b, unsigned long npages)
{
	int ret = account_locked_vm(current->mm, npages, true);

	if (ret)
		return ret;
	mmgrab(current->mm);
	b->mm = current->mm;
	b->npages = npages;
	return 0;
}

static void kp_dma_uncharge(struct kp_dma_buf *b)
{
	if (!b->mm)
		return;
	account_locked_vm(b->mm, b->npages, false);
	mmdrop(b->mm);
	b->mm = NULL;
}

long kp_ioctl_dma_alloc(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_dma_alloc, mmap_offset);
	struct kp_device *kdev = sess->kdev;
	struct device *dev = kp_dma_device(kdev);
	struct kp_dma_alloc da;
	struct kp_dma_buf *b;
	int ret;

	if (copy_from_user(&da, uarg, minsz))
		return -EFAULT;
	if (da.argsz < minsz || (da.flags & ~KP_DMA_DIR_MASK) ||
	    !(da.flags & KP_DMA_DIR_MASK) || !da.size)
		return -EINVAL;
	if (da.size > KP_DMA_MAX_CONTIG)
		return -E2BIG;

	b = kp_dma_new(sess, da.flags);
	if (!b)
		return -ENOMEM;
	b->pub.flags |= KP_DMA_F_CONTIG;
	b->alloc_size = PAGE_ALIGN(da.size);
	b->pub.size = b->alloc_size;

	ret = kp_device_enter(kdev);
	if (ret)
		goto err_free_desc;
	ret = kp_dma_charge(b, b->alloc_size >> PAGE_SHIFT);
	if (ret)
		goto err_exit;
	/* physically contiguous, as the commercial kit's contiguous buffer */
	b->pub.kva = dma_alloc_attrs(dev, b->alloc_size, &b->bus, GFP_KERNEL,
				     DMA_ATTR_FORCE_CONTIGUOUS);
	if (!b->pub.kva) {
		ret = -ENOMEM;
		goto err_uncharge;
	}
	b->segs = kvmalloc(sizeof(*b->segs), GFP_KERNEL_ACCOUNT);
	if (!b->segs) {
		ret = -ENOMEM;
		goto err_free_mem;
	}
	b->segs[0].bus_addr = b->bus;
	b->segs[0].len = b->alloc_size;
	b->pub.segs = b->segs;
	b->pub.nsegs = 1;

	mutex_lock(&kdev->lock);
	ret = kp_dma_publish(sess, b);
	mutex_unlock(&kdev->lock);
	if (ret)
		goto err_free_mem;
	kp_device_exit(kdev);

	da.handle = b->pub.handle;
	da.__pad = 0;
	da.bus_addr = b->bus;
	da.mmap_offset = KP_MMAP_DMA(b->pub.handle);
	if (copy_to_user(uarg, &da, minsz)) {
		kp_dma_unlock(sess, b->pub.handle);
		return -EFAULT;
	}
	return 0;

err_free_mem:
	dma_free_attrs(dev, b->alloc_size, b->pub.kva, b->bus,
		       DMA_ATTR_FORCE_CONTIGUOUS);
err_uncharge:
	kp_dma_uncharge(b);
err_exit:
	kp_device_exit(kdev);
err_free_desc:
	kvfree(b->segs);
	kfree(b);
	return ret;
}

/* The segments of a mapped table, as the device sees them */
static int kp_dma_fill_segs(struct kp_dma_buf *b)
{
	struct scatterlist *sg;
	u32 i, n = 0;

	b->segs = kvmalloc_array(b->sgt.nents, sizeof(*b->segs),
				 GFP_KERNEL_ACCOUNT);
	if (!b->segs)
		return -ENOMEM;
	for_each_sgtable_dma_sg(&b->sgt, sg, i) {
		b->segs[n].bus_addr = sg_dma_address(sg);
		b->segs[n].len = sg_dma_len(sg);
		n++;
	}
	b->pub.segs = b->segs;
	b->pub.nsegs = n;
	return 0;
}

static int kp_dma_copy_segs(const struct kp_dma_buf *b, u64 uptr, u32 max)
{
	u32 n = min(b->pub.nsegs, max);

	if (!uptr || !n)
		return 0;
	return copy_to_user(u64_to_user_ptr(uptr), b->pub.segs,
			    array_size(n, sizeof(*b->pub.segs))) ? -EFAULT : 0;
}

long kp_ioctl_dma_lock(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_dma_lock, __pad);
	struct kp_device *kdev = sess->kdev;
	struct device *dev = kp_dma_device(kdev);
	/*
	 * FOLL_WRITE for every direction: a read-only long-term pin of a page
	 * never written pins the shared zero page (or a page COW later
	 * replaces), and the device would read what the user no longer sees.
	 */
	unsigned int gup = FOLL_LONGTERM | FOLL_WRITE;
	struct kp_dma_lock dl;
	struct kp_dma_buf *b;
	unsigned long npages;
	long pinned;
	int ret;

	if (copy_from_user(&dl, uarg, minsz))
		return -EFAULT;
	if (dl.argsz < minsz || (dl.flags & ~KP_DMA_DIR_MASK) ||
	    !(dl.flags & KP_DMA_DIR_MASK) || !dl.size)
		return -EINVAL;
	if (!PAGE_ALIGNED(dl.addr) || !PAGE_ALIGNED(dl.size) ||
	    dl.addr + dl.size < dl.addr)
		return -EINVAL;
	if (dl.size > KP_DMA_MAX_LOCK)
		return -E2BIG;
	npages = dl.size >> PAGE_SHIFT;

	b = kp_dma_new(sess, dl.flags);
	if (!b)
		return -ENOMEM;
	b->pub.size = dl.size;
	b->pages = kvmalloc_array(npages, sizeof(*b->pages),
				  GFP_KERNEL_ACCOUNT);
	if (!b->pages) {
		ret = -ENOMEM;
		goto err_free_desc;
	}

	ret = kp_device_enter(kdev);
	if (ret)
		goto err_free_desc;
	/* charged before pinning: over the limit, nothing gets pinned */
	ret = kp_dma_charge(b, npages);
	if (ret)
		goto err_exit;
	pinned = pin_user_pages_fast(dl.addr, npages, gup, b->pages);
	if (pinned != npages) {
		if (pinned > 0)
			unpin_user_pages(b->pages, pinned);
		ret = pinned < 0 ? pinned : -EFAULT;
		goto err_uncharge;
	}
	ret = sg_alloc_table_from_pages_segment(&b->sgt, b->pages, npages, 0,
						dl.size,
						dma_get_max_seg_size(dev),
						GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_unpin;
	ret = dma_map_sgtable(dev, &b->sgt, b->dir, 0);
	if (ret)
		goto err_free_table;
	ret = kp_dma_fill_segs(b);
	if (ret)
		goto err_unmap;

	mutex_lock(&kdev->lock);
	ret = kp_dma_publish(sess, b);
	mutex_unlock(&kdev->lock);
	if (ret)
		goto err_unmap;
	kp_device_exit(kdev);

	dl.nsegs = b->pub.nsegs;
	dl.handle = b->pub.handle;
	dl.__pad = 0;
	ret = kp_dma_copy_segs(b, dl.segs, dl.max_segs);
	if (!ret && copy_to_user(uarg, &dl, minsz))
		ret = -EFAULT;
	if (!ret && dl.segs && dl.max_segs < b->pub.nsegs)
		ret = -E2BIG;	/* nsegs says how many there are */
	if (ret && ret != -E2BIG)
		kp_dma_unlock(sess, b->pub.handle);
	return ret;

err_unmap:
	dma_unmap_sgtable(dev, &b->sgt, b->dir, 0);
err_free_table:
	sg_free_table(&b->sgt);
err_unpin:
	unpin_user_pages(b->pages, npages);
err_uncharge:
	kp_dma_uncharge(b);
err_exit:
	kp_device_exit(kdev);
err_free_desc:
	kvfree(b->segs);
	kvfree(b->pages);
	kfree(b);
	return ret;
}

/* ---- using ---------------------------------------------------------- */

/* The session's buffer @handle with a reference, or NULL; any context. */
static struct kp_dma_buf *kp_dma_get(struct kp_session *sess, u32 handle)
{
	struct kp_dma_buf *b;

	rcu_read_lock();
	b = xa_load(&sess->kdev->dma_bufs, handle);
	if (b && (b->sess != sess || !refcount_inc_not_zero(&b->ref)))
		b = NULL;
	rcu_read_unlock();
	return b;
}

/* Drops the session's reference: KP_DMA_UNLOCK, or a failed create. */
int kp_dma_unlock(struct kp_session *sess, u32 handle)
{
	struct kp_device *kdev = sess->kdev;
	struct kp_dma_buf *b;

	xa_lock(&kdev->dma_bufs);
	b = xa_load(&kdev->dma_bufs, handle);
	if (!b || b->sess != sess) {
		xa_unlock(&kdev->dma_bufs);
		return -ENOENT;
	}
	__xa_erase(&kdev->dma_bufs, handle);
	xa_unlock(&kdev->dma_bufs);
	kp_dma_put(b);
	return 0;
}

long kp_ioctl_dma_unlock(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_dma_unlock, __pad);
	struct kp_dma_unlock du;

	if (copy_from_user(&du, uarg, minsz))
		return -EFAULT;
	if (du.argsz < minsz || du.flags)
		return -EINVAL;
	return kp_dma_unlock(sess, du.handle);
}

static int kp_dma_sync_range(struct kp_dma_buf *b, u64 offset, u64 size,
			     bool for_cpu)
{
	struct device *dev = kp_dma_device(b->kdev);
	u64 start = 0;
	u32 i;

	if (!size || offset >= b->pub.size || size > b->pub.size - offset)
		return -EINVAL;
	if (b->pub.flags & KP_DMA_F_CONTIG)
		return 0;		/* coherent */
	for (i = 0; i < b->pub.nsegs; i++) {
		const struct kp_dma_seg *s = &b->segs[i];
		u64 lo = max(offset, start), hi = min(offset + size,
						       start + s->len);

		if (lo < hi) {
			if (for_cpu)
				dma_sync_single_range_for_cpu(dev,
					s->bus_addr, lo - start, hi - lo,
					b->dir);
			else
				dma_sync_single_range_for_device(dev,
					s->bus_addr, lo - start, hi - lo,
					b->dir);
		}
		start += s->len;
	}
	return 0;
}

long kp_ioctl_dma_sync(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_dma_sync, size);
	struct kp_dma_sync ds;
	struct kp_dma_buf *b;
	bool for_cpu;
	int ret;

	if (copy_from_user(&ds, uarg, minsz))
		return -EFAULT;
	if (ds.argsz < minsz ||
	    (ds.flags != KP_DMA_SYNC_FOR_CPU &&
	     ds.flags != KP_DMA_SYNC_FOR_DEVICE))
		return -EINVAL;
	for_cpu = ds.flags == KP_DMA_SYNC_FOR_CPU;
	b = kp_dma_get(sess, ds.handle);
	if (!b)
		return -ENOENT;
	ret = READ_ONCE(b->live) ? kp_dma_sync_range(b, ds.offset, ds.size,
						     for_cpu) : -ENOENT;
	kp_dma_put(b);
	return ret;
}

long kp_ioctl_dma_get_segs(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_dma_get_segs, __pad);
	struct kp_dma_get_segs gs;
	struct kp_dma_buf *b;
	int ret;

	if (copy_from_user(&gs, uarg, minsz))
		return -EFAULT;
	if (gs.argsz < minsz || gs.flags)
		return -EINVAL;
	b = kp_dma_get(sess, gs.handle);
	if (!b)
		return -ENOENT;
	gs.flags = b->pub.flags;
	gs.size = b->pub.size;
	gs.nsegs = b->pub.nsegs;
	gs.__pad = 0;
	ret = kp_dma_copy_segs(b, gs.segs, gs.max_segs);
	kp_dma_put(b);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &gs, minsz))
		return -EFAULT;
	return gs.segs && gs.max_segs < gs.nsegs ? -E2BIG : 0;
}

/* ---- mmap of contiguous buffers ------------------------------------- */

static vm_fault_t kp_dma_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct kp_session *sess = vma->vm_private_data;
	struct kp_device *kdev = sess->kdev;
	u64 off = ((u64)vma->vm_pgoff << PAGE_SHIFT) & (KP_MMAP_OFFSET(1) - 1);
	u32 handle = ((u64)vma->vm_pgoff << PAGE_SHIFT) >> KP_MMAP_OFFSET_SHIFT;
	struct kp_dma_buf *b;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	void *va;

	off += vmf->address - vma->vm_start;
	b = kp_dma_get(sess, handle - 8);
	if (!b)
		return VM_FAULT_SIGBUS;
	down_read(&kdev->map_lock);
	if (b->live && off < b->alloc_size) {
		va = b->pub.kva + off;
		ret = vmf_insert_pfn(vma, vmf->address,
				     is_vmalloc_addr(va) ?
				     page_to_pfn(vmalloc_to_page(va)) :
				     PHYS_PFN(virt_to_phys(va)));
	}
	up_read(&kdev->map_lock);
	kp_dma_put(b);
	return ret;
}

static const struct vm_operations_struct kp_dma_vm_ops = {
	.fault = kp_dma_fault,
};

/*
 * Maps (part of) contiguous buffer @handle; pages are inserted on fault,
 * so that freeing it can zap the mapping first.  Only on cache-coherent
 * devices: the mapping is cached like the kernel's.
 */
int kp_dma_mmap(struct kp_session *sess, struct vm_area_struct *vma,
		u32 handle)
{
	u64 off = ((u64)vma->vm_pgoff << PAGE_SHIFT) & (KP_MMAP_OFFSET(1) - 1);
	struct kp_dma_buf *b;
	int ret = 0;

	if (!dev_is_dma_coherent(kp_dma_device(sess->kdev)))
		return -EOPNOTSUPP;
	b = kp_dma_get(sess, handle);
	if (!b)
		return -ENOENT;
	if (!(b->pub.flags & KP_DMA_F_CONTIG) || !READ_ONCE(b->live) ||
	    off >= b->alloc_size ||
	    vma->vm_end - vma->vm_start > b->alloc_size - off) {
		ret = -EINVAL;
		goto out_put;
	}
	vma->vm_private_data = sess;
	vma->vm_ops = &kp_dma_vm_ops;
	kp_vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
out_put:
	kp_dma_put(b);
	return ret;
}

/* ---- teardown of a session ------------------------------------------ */

/*
 * Frees every buffer and chunk of @sess: on close, process exit and
 * device removal, after KP_Close and the interrupts' teardown, so no
 * plugin code of the session runs meanwhile.  References plugins still
 * hold keep only the descriptors.  Process context, the device present.
 */
void kp_dma_teardown(struct kp_session *sess)
{
	struct kp_device *kdev = sess->kdev;
	struct device *dev = kp_dma_device(kdev);
	struct kp_dma_chunk *c, *tmp;
	struct kp_dma_buf *b;

	/* last references dropped in the DPC or hard IRQ */
	flush_work(&sess->dma_free_work);
	for (;;) {
		mutex_lock(&sess->dma_lock);
		b = list_first_entry_or_null(&sess->dma_bufs,
					     struct kp_dma_buf, node);
		if (b)
			refcount_inc(&b->ref);
		mutex_unlock(&sess->dma_lock);
		if (!b)
			break;
		/* the session's reference, unless KP_DMA_UNLOCK dropped it */
		if (xa_erase(&kdev->dma_bufs, b->pub.handle) == b)
			kp_dma_put(b);
		kp_dma_release_mem(b);
		kp_dma_put(b);
	}
	list_for_each_entry_safe(c, tmp, &sess->dma_chunks, node) {
		pci_warn(kdev->pdev, "%s: plugin %s did not free %zu bytes of coherent DMA memory; freed for it\n",
			 kdev->name, kdev->plugin->name, c->size);
		dma_free_coherent(dev, c->size, c->va, c->bus);
		list_del(&c->node);
		kfree(c);
		kp_bus_master_put(kdev);
	}
}

/* ---- the plugin's side ---------------------------------------------- */

int kp_dma_set_mask(HANDLE hWD, unsigned int bits)
{
	struct kp_session *sess = hWD;
	struct kp_device *kdev;

	if (!sess || !bits || bits > 64)
		return -EINVAL;
	kdev = sess->kdev;
	/* every open of the device sets the same mask: that is no change */
	if (dma_get_mask(kp_dma_device(kdev)) == DMA_BIT_MASK(bits) &&
	    kp_dma_device(kdev)->coherent_dma_mask == DMA_BIT_MASK(bits))
		return 0;
	if (!xa_empty(&kdev->dma_bufs) || !list_empty(&sess->dma_chunks))
		return -EBUSY;	/* mappings made under the old mask */
	return dma_set_mask_and_coherent(kp_dma_device(kdev),
					 DMA_BIT_MASK(bits));
}
EXPORT_SYMBOL_GPL(kp_dma_set_mask);

void *kp_dma_alloc_coherent(HANDLE hWD, size_t size, dma_addr_t *bus)
{
	struct kp_session *sess = hWD;
	struct kp_dma_chunk *c;

	might_sleep();
	if (!sess || !size || !bus)
		return NULL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	c->va = dma_alloc_coherent(kp_dma_device(sess->kdev), size, &c->bus,
				   GFP_KERNEL);
	if (!c->va) {
		kfree(c);
		return NULL;
	}
	c->size = size;
	*bus = c->bus;
	kp_bus_master_get(sess->kdev);
	mutex_lock(&sess->dma_lock);
	list_add(&c->node, &sess->dma_chunks);
	mutex_unlock(&sess->dma_lock);
	return c->va;
}
EXPORT_SYMBOL_GPL(kp_dma_alloc_coherent);

void kp_dma_free_coherent(HANDLE hWD, size_t size, void *va, dma_addr_t bus)
{
	struct kp_session *sess = hWD;
	struct kp_dma_chunk *c, *found = NULL;

	might_sleep();
	if (!sess || !va)
		return;
	mutex_lock(&sess->dma_lock);
	list_for_each_entry(c, &sess->dma_chunks, node) {
		if (c->va == va) {
			found = c;
			list_del(&c->node);
			break;
		}
	}
	mutex_unlock(&sess->dma_lock);
	if (WARN_ON(!found || found->size != size || found->bus != bus))
		return;
	dma_free_coherent(kp_dma_device(sess->kdev), size, va, bus);
	kfree(found);
	kp_bus_master_put(sess->kdev);
}
EXPORT_SYMBOL_GPL(kp_dma_free_coherent);

const struct kp_dma_buffer *kp_dma_buffer_get(HANDLE hWD, DWORD handle)
{
	struct kp_dma_buf *b;

	if (!hWD)
		return NULL;
	b = kp_dma_get(hWD, handle);
	if (b && !READ_ONCE(b->live)) {
		kp_dma_put(b);
		b = NULL;
	}
	return b ? &b->pub : NULL;
}
EXPORT_SYMBOL_GPL(kp_dma_buffer_get);

void kp_dma_buffer_put(const struct kp_dma_buffer *buf)
{
	if (buf)
		kp_dma_put(container_of(buf, struct kp_dma_buf, pub));
}
EXPORT_SYMBOL_GPL(kp_dma_buffer_put);

int kp_dma_buffer_sync(const struct kp_dma_buffer *buf, u64 offset, u64 size,
		       BOOL for_cpu)
{
	struct kp_dma_buf *b;

	if (!buf)
		return -EINVAL;
	b = container_of(buf, struct kp_dma_buf, pub);
	if (!READ_ONCE(b->live))
		return -ENOENT;
	return kp_dma_sync_range(b, offset, size, for_cpu);
}
EXPORT_SYMBOL_GPL(kp_dma_buffer_sync);
