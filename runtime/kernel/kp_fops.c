// SPDX-License-Identifier: GPL-2.0
/*
 * kp_fops.c - file operations of /dev/kp/<name><n>: open/release/flush,
 * the ioctl dispatcher with the device-info and register-access ioctls,
 * poll and mmap of memory BARs.
 *
 * Every ioctl argument follows linux/kp.h: copy the first-version size,
 * reject argsz below it and unknown flags with EINVAL.  User memory is
 * copied before the device locks are taken and after they are dropped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "kp_compat.h"
#include "kp_internal.h"

/* ---- open / release / flush ---------------------------------------- */

static int kp_open(struct inode *inode, struct file *file)
{
	struct kp_session *sess;
	struct kp_device *kdev;
	struct module *mod;
	int ret;

	kdev = kp_device_open(iminor(inode), &mod);
	if (!kdev)
		return -ENODEV;

	sess = kzalloc(sizeof(*sess), GFP_KERNEL);
	if (!sess) {
		ret = -ENOMEM;
		goto err_put_device;
	}
	sess->kdev = kdev;
	sess->mod = mod;
	sess->owner = current->files;
	sess->mapping = file->f_mapping;
	init_rwsem(&sess->rwsem);
	spin_lock_init(&sess->lock);
	init_waitqueue_head(&sess->wq);
	sess->int_state = KP_INT_IDLE;

	mutex_lock(&kdev->lock);
	if (kdev->removed) {
		mutex_unlock(&kdev->lock);
		ret = -ENODEV;
		goto err_free_sess;
	}
	list_add_tail(&sess->node, &kdev->sessions);
	mutex_unlock(&kdev->lock);

	file->private_data = sess;
	return nonseekable_open(inode, file);

err_free_sess:
	kfree(sess);
err_put_device:
	kp_device_put(kdev);
	module_put(mod);
	return ret;
}

/*
 * Last close: interrupts off (if this session had them), KP_Close, drop
 * the plugin module and the device.
 */
static int kp_release(struct inode *inode, struct file *file)
{
	struct kp_session *sess = file->private_data;
	struct kp_device *kdev = sess->kdev;
	bool was_open;

	mutex_lock(&kdev->lock);
	if (kdev->irq && kdev->irq->owner == sess)
		kp_irq_teardown(kdev);
	list_del(&sess->node);
	was_open = sess->plugin_open;
	sess->plugin_open = false;
	mutex_unlock(&kdev->lock);

	if (was_open && sess->ops.funcClose)
		sess->ops.funcClose(sess->drv_ctx);

	module_put(sess->mod);
	kp_device_put(kdev);
	kfree(sess);
	return 0;
}

/*
 * close() of any descriptor of this file.  When it comes from the
 * files_struct that opened the device, threads still blocked in
 * KP_INT_WAIT / KP_EVENT_WAIT (which keep the file alive) return with
 * KP_WAIT_STOPPED.
 */
static int kp_flush(struct file *file, fl_owner_t id)
{
	struct kp_session *sess = file->private_data;

	if (id != sess->owner)
		return 0;

	spin_lock_bh(&sess->lock);
	sess->flush_gen++;
	spin_unlock_bh(&sess->lock);
	wake_up_all(&sess->wq);
	return 0;
}

/* ---- device info ---------------------------------------------------- */

static long kp_ioctl_get_info(struct kp_session *sess, void __user *uarg)
{
	struct kp_device *kdev = sess->kdev;
	struct pci_dev *pdev = kdev->pdev;
	unsigned long minsz = offsetofend(struct kp_device_info, bdf);
	struct kp_device_info info;
	int nvec;

	if (copy_from_user(&info, uarg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.flags)
		return -EINVAL;

	down_read(&kdev->rwsem);
	if (kdev->removed) {
		up_read(&kdev->rwsem);
		return -ENODEV;
	}

	if (READ_ONCE(sess->plugin_open))
		info.flags |= KP_INFO_PLUGIN_OPEN;
	if (READ_ONCE(kdev->irq_mode))
		info.flags |= KP_INFO_INT_ENABLED;
	info.api_version = KP_API_VERSION;
	info.num_bars = KP_NUM_BARS;
	info.vendor = pdev->vendor;
	info.device = pdev->device;
	info.subsystem_vendor = pdev->subsystem_vendor;
	info.subsystem_device = pdev->subsystem_device;
	info.class = pdev->class;
	info.irq_caps = 0;
	if (pdev->pin && pdev->irq)
		info.irq_caps |= KP_IRQ_CAP_INTX;
	nvec = pdev->msi_cap ? pci_msi_vec_count(pdev) : 0;
	info.msi_max = nvec > 0 ? nvec : 0;
	if (nvec > 0)
		info.irq_caps |= KP_IRQ_CAP_MSI;
	nvec = pdev->msix_cap ? pci_msix_vec_count(pdev) : 0;
	info.msix_max = nvec > 0 ? nvec : 0;
	if (nvec > 0)
		info.irq_caps |= KP_IRQ_CAP_MSIX;
	info.index = kdev->index;
	memset(info.driver, 0, sizeof(info.driver));
	strscpy(info.driver, kdev->plugin->name, sizeof(info.driver));
	memset(info.bdf, 0, sizeof(info.bdf));
	strscpy(info.bdf, pci_name(pdev), sizeof(info.bdf));
	up_read(&kdev->rwsem);

	return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

/* BARs that can be mmap()ed: memory, page-aligned start and length */
static bool kp_bar_mmappable(struct kp_device *kdev, u32 bar)
{
	struct pci_dev *pdev = kdev->pdev;

	return kdev->bar_len[bar] &&
	       (pci_resource_flags(pdev, bar) & IORESOURCE_MEM) &&
	       PAGE_ALIGNED(pci_resource_start(pdev, bar)) &&
	       PAGE_ALIGNED(kdev->bar_len[bar]);
}

static long kp_ioctl_get_bar_info(struct kp_session *sess, void __user *uarg)
{
	struct kp_device *kdev = sess->kdev;
	unsigned long minsz = offsetofend(struct kp_bar_info, offset);
	struct kp_bar_info bi;
	unsigned long flags;

	if (copy_from_user(&bi, uarg, minsz))
		return -EFAULT;
	if (bi.argsz < minsz || bi.flags || bi.index >= KP_NUM_BARS)
		return -EINVAL;

	down_read(&kdev->rwsem);
	if (kdev->removed) {
		up_read(&kdev->rwsem);
		return -ENODEV;
	}
	bi.size = kdev->bar_len[bi.index];
	bi.offset = KP_MMAP_OFFSET(bi.index);
	bi.__pad = 0;
	if (bi.size) {
		flags = pci_resource_flags(kdev->pdev, bi.index);
		if (flags & IORESOURCE_MEM)
			bi.flags |= KP_BAR_FLAG_MEM;
		if (flags & IORESOURCE_IO)
			bi.flags |= KP_BAR_FLAG_IO;
		if (flags & IORESOURCE_MEM_64)
			bi.flags |= KP_BAR_FLAG_64;
		if (flags & IORESOURCE_PREFETCH)
			bi.flags |= KP_BAR_FLAG_PREFETCH;
		if (kp_bar_mmappable(kdev, bi.index))
			bi.flags |= KP_BAR_FLAG_MMAP;
	}
	up_read(&kdev->rwsem);

	return copy_to_user(uarg, &bi, minsz) ? -EFAULT : 0;
}

/* ---- register access ------------------------------------------------ */

/*
 * Checks a @width-byte access at @offset of BAR @bar: the BAR is mapped,
 * the width is 1, 2, 4 or 8 (8 only for memory BARs), the offset is
 * aligned and the access lies inside the BAR.  Also used for the transfer
 * commands.  Caller holds kdev->rwsem.
 */
int kp_bar_check(struct kp_device *kdev, u32 bar, u64 offset, u32 width)
{
	if (bar >= KP_NUM_BARS || !kdev->bars[bar])
		return -EINVAL;
	if (width != 1 && width != 2 && width != 4 && width != 8)
		return -EINVAL;
	if (width == 8 &&
	    !(pci_resource_flags(kdev->pdev, bar) & IORESOURCE_MEM))
		return -EINVAL;
	if (offset & (width - 1))
		return -EINVAL;
	if (offset >= kdev->bar_len[bar] ||
	    width > kdev->bar_len[bar] - offset)
		return -EINVAL;
	return 0;
}

static u64 kp_width_mask(u32 width)
{
	return width == 8 ? U64_MAX : BIT_ULL(width * 8) - 1;
}

static long kp_ioctl_bar_rw(struct kp_session *sess, void __user *uarg,
			    bool write)
{
	struct kp_device *kdev = sess->kdev;
	unsigned long minsz = offsetofend(struct kp_rw, value);
	struct kp_rw rw;
	int ret;

	if (copy_from_user(&rw, uarg, minsz))
		return -EFAULT;
	if (rw.argsz < minsz || rw.flags)
		return -EINVAL;

	down_read(&kdev->rwsem);
	if (kdev->removed) {
		ret = -ENODEV;
		goto out_unlock;
	}
	ret = kp_bar_check(kdev, rw.bar, rw.offset, rw.width);
	if (ret)
		goto out_unlock;
	if (write)
		kp_io_write(kdev->bars[rw.bar], rw.offset, rw.width,
			    rw.value & kp_width_mask(rw.width));
	else
		rw.value = kp_io_read(kdev->bars[rw.bar], rw.offset,
				      rw.width);
out_unlock:
	up_read(&kdev->rwsem);
	if (ret || write)
		return ret;
	return copy_to_user(uarg, &rw, minsz) ? -EFAULT : 0;
}

static int kp_cfg_access(struct pci_dev *pdev, struct kp_rw *rw, bool write)
{
	int where = rw->offset;
	u32 val32;
	u16 val16;
	u8 val8;
	int ret;

	switch (rw->width) {
	case 1:
		if (write)
			return pci_user_write_config_byte(pdev, where,
							  rw->value);
		ret = pci_user_read_config_byte(pdev, where, &val8);
		rw->value = val8;
		return ret;
	case 2:
		if (write)
			return pci_user_write_config_word(pdev, where,
							  rw->value);
		ret = pci_user_read_config_word(pdev, where, &val16);
		rw->value = val16;
		return ret;
	default:
		if (write)
			return pci_user_write_config_dword(pdev, where,
							   rw->value);
		ret = pci_user_read_config_dword(pdev, where, &val32);
		rw->value = val32;
		return ret;
	}
}

static long kp_ioctl_cfg_rw(struct kp_session *sess, void __user *uarg,
			    bool write)
{
	struct kp_device *kdev = sess->kdev;
	unsigned long minsz = offsetofend(struct kp_rw, value);
	struct kp_rw rw;
	int ret;

	if (copy_from_user(&rw, uarg, minsz))
		return -EFAULT;
	if (rw.argsz < minsz || rw.flags || rw.bar)
		return -EINVAL;
	if (rw.width != 1 && rw.width != 2 && rw.width != 4)
		return -EINVAL;
	if (rw.offset & (rw.width - 1))
		return -EINVAL;

	down_read(&kdev->rwsem);
	if (kdev->removed) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (rw.offset >= kdev->pdev->cfg_size ||
	    rw.width > kdev->pdev->cfg_size - rw.offset) {
		ret = -EINVAL;
		goto out_unlock;
	}
	ret = kp_cfg_access(kdev->pdev, &rw, write);
	if (ret)
		ret = pcibios_err_to_errno(ret);
out_unlock:
	up_read(&kdev->rwsem);
	if (ret || write)
		return ret;
	return copy_to_user(uarg, &rw, minsz) ? -EFAULT : 0;
}

/* ---- statistics ----------------------------------------------------- */

/* Works after the device was removed: the counters live in kp_device. */
static long kp_ioctl_get_stats(struct kp_session *sess, void __user *uarg)
{
	struct kp_stats_ctr *c = &sess->kdev->stats;
	unsigned long minsz = offsetofend(struct kp_stats, calls);
	struct kp_stats st;

	if (copy_from_user(&st, uarg, minsz))
		return -EFAULT;
	if (st.argsz < minsz || st.flags)
		return -EINVAL;

	st.interrupts = atomic64_read(&c->interrupts);
	st.spurious = atomic64_read(&c->spurious);
	st.dpc_requests = atomic64_read(&c->dpc_requests);
	st.dpcs = atomic64_read(&c->dpcs);
	st.dpc_count_sum = atomic64_read(&c->dpc_count_sum);
	st.notifications = atomic64_read(&c->notifications);
	st.lost = atomic64_read(&c->lost);
	st.calls = atomic64_read(&c->calls);

	return copy_to_user(uarg, &st, minsz) ? -EFAULT : 0;
}

static long kp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kp_session *sess = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case KP_GET_INFO:
		return kp_ioctl_get_info(sess, uarg);
	case KP_GET_BAR_INFO:
		return kp_ioctl_get_bar_info(sess, uarg);
	case KP_BAR_READ:
		return kp_ioctl_bar_rw(sess, uarg, false);
	case KP_BAR_WRITE:
		return kp_ioctl_bar_rw(sess, uarg, true);
	case KP_CFG_READ:
		return kp_ioctl_cfg_rw(sess, uarg, false);
	case KP_CFG_WRITE:
		return kp_ioctl_cfg_rw(sess, uarg, true);
	case KP_PLUGIN_OPEN:
		return kp_ioctl_plugin_open(sess, uarg);
	case KP_PLUGIN_CLOSE:
		return kp_ioctl_plugin_close(sess);
	case KP_PLUGIN_CALL:
		return kp_ioctl_plugin_call(sess, uarg);
	case KP_INT_ENABLE:
		return kp_ioctl_int_enable(sess, uarg);
	case KP_INT_DISABLE:
		return kp_ioctl_int_disable(sess);
	case KP_INT_WAIT:
		return kp_ioctl_int_wait(sess, uarg);
	case KP_EVENT_REGISTER:
		return kp_ioctl_event_register(sess, uarg);
	case KP_EVENT_WAIT:
		return kp_ioctl_event_wait(sess, uarg);
	case KP_GET_STATS:
		return kp_ioctl_get_stats(sess, uarg);
	default:
		return -ENOTTY;
	}
}

/* ---- poll ----------------------------------------------------------- */

static __poll_t kp_poll(struct file *file, struct poll_table_struct *wait)
{
	struct kp_session *sess = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &sess->wq, wait);

	spin_lock_bh(&sess->lock);
	if (sess->int_queued)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (sess->int_state == KP_INT_STOPPED)
		mask |= EPOLLHUP;
	if (sess->ev_count)
		mask |= EPOLLPRI;
	spin_unlock_bh(&sess->lock);

	return mask;
}

/* ---- mmap of memory BARs ------------------------------------------- */

#define KP_MMAP_PGOFF_SHIFT	(KP_MMAP_OFFSET_SHIFT - PAGE_SHIFT)
#define KP_MMAP_PGOFF_MASK	((1UL << KP_MMAP_PGOFF_SHIFT) - 1)

/*
 * Pages are inserted on fault, so that remove() can zap every mapping
 * and later faults see the device gone (SIGBUS) instead of a stale BAR.
 */
static vm_fault_t kp_mmap_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct kp_session *sess = vma->vm_private_data;
	struct kp_device *kdev = sess->kdev;
	u32 bar = vma->vm_pgoff >> KP_MMAP_PGOFF_SHIFT;
	unsigned long pgoff, pfn;
	vm_fault_t ret;

	pgoff = (vma->vm_pgoff & KP_MMAP_PGOFF_MASK) +
		((vmf->address - vma->vm_start) >> PAGE_SHIFT);
	pfn = (pci_resource_start(kdev->pdev, bar) >> PAGE_SHIFT) + pgoff;

	down_read(&kdev->map_lock);
	if (READ_ONCE(kdev->removed))
		ret = VM_FAULT_SIGBUS;
	else
		ret = vmf_insert_pfn(vma, vmf->address, pfn);
	up_read(&kdev->map_lock);
	return ret;
}

static const struct vm_operations_struct kp_vm_ops = {
	.fault = kp_mmap_fault,
};

static int kp_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kp_session *sess = file->private_data;
	struct kp_device *kdev = sess->kdev;
	unsigned long bar = vma->vm_pgoff >> KP_MMAP_PGOFF_SHIFT;
	unsigned long pgoff = vma->vm_pgoff & KP_MMAP_PGOFF_MASK;
	unsigned long npages = vma_pages(vma);
	int ret = 0;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (bar >= KP_NUM_BARS)
		return -EINVAL;

	/* map_lock, not kdev->rwsem: we hold mmap_lock (lock order) */
	down_read(&kdev->map_lock);
	if (READ_ONCE(kdev->removed)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (!kp_bar_mmappable(kdev, bar) ||
	    pgoff >= (kdev->bar_len[bar] >> PAGE_SHIFT) ||
	    npages > (kdev->bar_len[bar] >> PAGE_SHIFT) - pgoff) {
		ret = -EINVAL;
		goto out_unlock;
	}

	vma->vm_private_data = sess;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	kp_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &kp_vm_ops;
out_unlock:
	up_read(&kdev->map_lock);
	return ret;
}

const struct file_operations kp_fops = {
	.owner		= THIS_MODULE,
	.open		= kp_open,
	.release	= kp_release,
	.flush		= kp_flush,
	.unlocked_ioctl	= kp_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.poll		= kp_poll,
	.mmap		= kp_mmap,
};
