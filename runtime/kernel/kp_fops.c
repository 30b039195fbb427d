// SPDX-License-Identifier: GPL-2.0
/*
 * kp_fops.c - file operations of /dev/kp/<name><n>: open/release/flush,
 * the ioctl dispatcher with the device-info and register-access ioctls,
 * poll, and mmap of memory BARs and of the notification pages.
 *
 * Every ioctl argument follows linux/kp.h: copy the first-version size,
 * reject argsz below it and unknown flags with EINVAL.  User memory is
 * copied before the device is entered and after it is left.  Whatever
 * changes the device or runs plugin code needs an fd opened for writing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/security.h>
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

	sess = kzalloc(sizeof(*sess), GFP_KERNEL_ACCOUNT);
	if (!sess) {
		ret = -ENOMEM;
		goto err_put_device;
	}
	ret = kp_notify_init(&sess->notify);
	if (ret)
		goto err_free_sess;
	kp_events_init(&sess->ev);
	kp_dma_init(sess);
	sess->kdev = kdev;
	sess->mod = mod;
	sess->owner = current->files;
	sess->mapping = file->f_mapping;

	mutex_lock(&kdev->lock);
	if (kdev->removing) {
		mutex_unlock(&kdev->lock);
		ret = -ENODEV;
		goto err_free_notify;
	}
	list_add_tail(&sess->node, &kdev->sessions);
	mutex_unlock(&kdev->lock);

	file->private_data = sess;
	return nonseekable_open(inode, file);

err_free_notify:
	kp_notify_free(&sess->notify);
err_free_sess:
	kfree(sess);
err_put_device:
	kp_device_put(kdev);
	module_put(mod);
	return ret;
}

/*
 * Last close: interrupts off (if this session had them), KP_Close, drop
 * the plugin module and the device.  Sessions that never opened the
 * plugin skip the gate (KP_Close is the only thing that needs it).
 */
static int kp_release(struct inode *inode, struct file *file)
{
	struct kp_session *sess = file->private_data;
	struct kp_device *kdev = sess->kdev;
	bool gate = READ_ONCE(sess->plugin_open);

	if (gate)
		percpu_down_write(&kdev->gate);
	mutex_lock(&kdev->lock);
	kp_session_close_plugin(sess);
	/* after removal they went with the device */
	if (!kdev->removed)
		kp_dma_teardown(sess);
	list_del(&sess->node);
	mutex_unlock(&kdev->lock);
	if (gate)
		percpu_up_write(&kdev->gate);

	kp_notify_free(&sess->notify);
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
	kp_notify_flush(&sess->notify);
	wake_up_all(&sess->ev.wq);
	return 0;
}

/* ---- device info ---------------------------------------------------- */

static long kp_ioctl_get_info(struct kp_session *sess, void __user *uarg)
{
	struct kp_device *kdev = sess->kdev;
	struct pci_dev *pdev = kdev->pdev;
	unsigned long minsz = offsetofend(struct kp_device_info, bdf);
	struct kp_device_info info;
	int nvec, ret;

	if (copy_from_user(&info, uarg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.flags)
		return -EINVAL;

	ret = kp_device_enter(kdev);
	if (ret)
		return ret;
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
	kp_device_exit(kdev);

	return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

static long kp_ioctl_get_bar_info(struct kp_session *sess, void __user *uarg)
{
	struct kp_device *kdev = sess->kdev;
	unsigned long minsz = offsetofend(struct kp_bar_info, offset);
	struct kp_bar_info bi;
	unsigned long flags;
	int ret;

	if (copy_from_user(&bi, uarg, minsz))
		return -EFAULT;
	if (bi.argsz < minsz || bi.flags || bi.index >= KP_NUM_BARS)
		return -EINVAL;

	ret = kp_device_enter(kdev);
	if (ret)
		return ret;
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
	kp_device_exit(kdev);

	return copy_to_user(uarg, &bi, minsz) ? -EFAULT : 0;
}

/* ---- register access ------------------------------------------------ */

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

	ret = kp_device_enter(kdev);
	if (ret)
		return ret;
	ret = kp_bar_check(kdev, rw.bar, rw.offset, rw.width);
	if (!ret && write)
		ret = security_locked_down(LOCKDOWN_PCI_ACCESS) ?:
		      kp_bar_write_check(kdev, rw.bar, rw.offset, rw.width);
	if (ret)
		goto out_exit;
	if (write)
		kp_io_write(kdev->bars[rw.bar], rw.offset, rw.width,
			    rw.value & kp_width_mask(rw.width));
	else
		rw.value = kp_io_read(kdev->bars[rw.bar], rw.offset,
				      rw.width);
out_exit:
	kp_device_exit(kdev);
	if (ret || write)
		return ret;
	return copy_to_user(uarg, &rw, minsz) ? -EFAULT : 0;
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

	ret = kp_device_enter(kdev);
	if (ret)
		return ret;
	if (rw.offset >= kdev->pdev->cfg_size ||
	    rw.width > kdev->pdev->cfg_size - rw.offset) {
		ret = -EINVAL;
		goto out_exit;
	}
	if (write) {
		ret = kp_cfg_write_check(kdev->pdev, rw.offset, rw.width);
		if (ret)
			goto out_exit;
	}
	ret = kp_cfg_access(kdev->pdev, &rw, write);
	if (ret)
		ret = pcibios_err_to_errno(ret);
out_exit:
	kp_device_exit(kdev);
	if (ret || write)
		return ret;
	return copy_to_user(uarg, &rw, minsz) ? -EFAULT : 0;
}

/* ---- statistics ----------------------------------------------------- */

/* Works after the device was removed: the counters live in kp_device. */
static long kp_ioctl_get_stats(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_stats, calls);
	unsigned long v2sz = offsetofend(struct kp_stats, storms);
	struct kp_stats st;
	u32 argsz, flags;

	if (get_user(argsz, (u32 __user *)uarg) ||
	    get_user(flags, (u32 __user *)uarg + 1))
		return -EFAULT;
	if (argsz < minsz || flags)
		return -EINVAL;

	kp_stats_read(sess->kdev, &st);
	st.argsz = argsz;
	st.flags = 0;
	return copy_to_user(uarg, &st, argsz >= v2sz ? v2sz : minsz) ?
	       -EFAULT : 0;
}

/* ---- the dispatcher ------------------------------------------------- */

/* ioctls that change the device or run plugin code need FMODE_WRITE */
static bool kp_ioctl_writes(unsigned int cmd)
{
	switch (cmd) {
	case KP_BAR_WRITE:
	case KP_CFG_WRITE:
	case KP_PLUGIN_OPEN:
	case KP_PLUGIN_CLOSE:
	case KP_PLUGIN_CALL:
	case KP_INT_ENABLE:
	case KP_INT_DISABLE:
	case KP_DMA_ALLOC:
	case KP_DMA_LOCK:
	case KP_DMA_UNLOCK:
	case KP_DMA_SYNC:
		return true;
	default:
		return false;
	}
}

static long kp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kp_session *sess = file->private_data;
	void __user *uarg = (void __user *)arg;

	if (kp_ioctl_writes(cmd) && !(file->f_mode & FMODE_WRITE))
		return -EBADF;

	switch (cmd) {
	case KP_PLUGIN_CALL:
		return kp_ioctl_plugin_call(sess, uarg);
	case KP_INT_WAIT:
		return kp_ioctl_int_wait(sess, uarg);
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
	case KP_INT_ENABLE:
		return kp_ioctl_int_enable(sess, uarg);
	case KP_INT_DISABLE:
		return kp_ioctl_int_disable(sess);
	case KP_EVENT_REGISTER:
		return kp_ioctl_event_register(sess, uarg);
	case KP_EVENT_WAIT:
		return kp_ioctl_event_wait(sess, uarg);
	case KP_GET_STATS:
		return kp_ioctl_get_stats(sess, uarg);
	case KP_DMA_ALLOC:
		return kp_ioctl_dma_alloc(sess, uarg);
	case KP_DMA_LOCK:
		return kp_ioctl_dma_lock(sess, uarg);
	case KP_DMA_UNLOCK:
		return kp_ioctl_dma_unlock(sess, uarg);
	case KP_DMA_SYNC:
		return kp_ioctl_dma_sync(sess, uarg);
	case KP_DMA_GET_SEGS:
		return kp_ioctl_dma_get_segs(sess, uarg);
	default:
		return -ENOTTY;
	}
}

/* ---- poll ----------------------------------------------------------- */

static __poll_t kp_poll(struct file *file, struct poll_table_struct *wait)
{
	struct kp_session *sess = file->private_data;

	return kp_notify_poll(&sess->notify, file, wait) |
	       kp_events_poll(&sess->ev, file, wait);
}

/* ---- mmap ----------------------------------------------------------- */

#define KP_MMAP_PGOFF_SHIFT	(KP_MMAP_OFFSET_SHIFT - PAGE_SHIFT)
#define KP_MMAP_PGOFF_MASK	((1UL << KP_MMAP_PGOFF_SHIFT) - 1)
#define KP_MMAP_REGION(off)	((off) >> KP_MMAP_OFFSET_SHIFT)

/*
 * BAR pages are inserted on fault, so that remove() can zap every
 * mapping and later faults see the device gone (SIGBUS) instead of a
 * stale BAR.
 */
static vm_fault_t kp_bar_fault(struct vm_fault *vmf)
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

static const struct vm_operations_struct kp_bar_vm_ops = {
	.fault = kp_bar_fault,
};

static int kp_bar_mmap(struct kp_session *sess, struct vm_area_struct *vma,
		       u32 bar)
{
	struct kp_device *kdev = sess->kdev;
	unsigned long pgoff = vma->vm_pgoff & KP_MMAP_PGOFF_MASK;
	unsigned long npages = vma_pages(vma);
	int ret = 0;

	ret = security_locked_down(LOCKDOWN_PCI_ACCESS);
	if (ret)
		return ret;

	/* map_lock, not the gate: we hold mmap_lock (lock order) */
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
	ret = kp_bar_write_check(kdev, bar, (u64)pgoff << PAGE_SHIFT,
				 (u64)npages << PAGE_SHIFT);
	if (ret)
		goto out_unlock;

	vma->vm_private_data = sess;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	kp_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &kp_bar_vm_ops;
out_unlock:
	up_read(&kdev->map_lock);
	return ret;
}

static int kp_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kp_session *sess = file->private_data;
	u64 region = KP_MMAP_REGION((u64)vma->vm_pgoff << PAGE_SHIFT);

	/* MAP_SHARED; of a read-only file the VFS keeps only VM_MAYSHARE */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (region < KP_NUM_BARS)
		return kp_bar_mmap(sess, vma, region);
	if (region >= KP_MMAP_REGION(KP_MMAP_DMA(0)))
		return kp_dma_mmap(sess, vma,
				   region - KP_MMAP_REGION(KP_MMAP_DMA(0)));
	if (vma->vm_pgoff & KP_MMAP_PGOFF_MASK)
		return -EINVAL;
	if (region == KP_MMAP_REGION(KP_MMAP_NOTIFY))
		return kp_notify_mmap(&sess->notify, vma, false);
	if (region == KP_MMAP_REGION(KP_MMAP_NOTIFY_ACK))
		return kp_notify_mmap(&sess->notify, vma, true);
	return -EINVAL;
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
