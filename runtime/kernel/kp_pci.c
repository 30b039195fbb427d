// SPDX-License-Identifier: GPL-2.0
/*
 * kp_pci.c - probe/remove of the per-plugin pci_driver, BAR mapping, the
 * class device /dev/kp/<name><n> and its sysfs counters.
 *
 * struct kp_device is refcounted: probe holds one reference, every open
 * session another.  remove() tears down everything that needs the PCI
 * device, tells the sessions (WD_REMOVE event, KP_WAIT_STOPPED) and drops
 * the probe's reference; the structure lives on until the last file is
 * released.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "kp_internal.h"

static DEFINE_IDA(kp_minor_ida);
static DEFINE_XARRAY(kp_minors);		/* minor -> kp_device */

/* ---- refcounting --------------------------------------------------- */

static void kp_device_release(struct kref *kref)
{
	struct kp_device *kdev = container_of(kref, struct kp_device, kref);

	ida_free(&kp_minor_ida, kdev->minor);
	pci_dev_put(kdev->pdev);
	kfree(kdev);
}

void kp_device_put(struct kp_device *kdev)
{
	kref_put(&kdev->kref, kp_device_release);
}

/*
 * Looks up the device of @minor and pins it together with its plugin
 * module.  While the device is in kp_minors its plugin is registered, so
 * the module pointer is valid; try_module_get() fails once the plugin is
 * being unloaded.
 */
struct kp_device *kp_device_open(unsigned int minor, struct module **mod)
{
	struct kp_device *kdev;

	xa_lock(&kp_minors);
	kdev = xa_load(&kp_minors, minor);
	if (kdev && try_module_get(kdev->plugin->owner)) {
		kref_get(&kdev->kref);
		*mod = kdev->plugin->owner;
	} else {
		kdev = NULL;
	}
	xa_unlock(&kp_minors);
	return kdev;
}

void kp_minors_destroy(void)
{
	xa_destroy(&kp_minors);
	ida_destroy(&kp_minor_ida);
}

/* ---- sysfs: /sys/class/kp/<name><n>/ ------------------------------ */

#define KP_STAT_ATTR(field)						\
static ssize_t field##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct kp_device *kdev = dev_get_drvdata(dev);			\
									\
	return sysfs_emit(buf, "%lld\n",				\
			  atomic64_read(&kdev->stats.field));		\
}									\
static DEVICE_ATTR_RO(field)

KP_STAT_ATTR(interrupts);
KP_STAT_ATTR(spurious);
KP_STAT_ATTR(dpc_requests);
KP_STAT_ATTR(dpcs);
KP_STAT_ATTR(dpc_count_sum);
KP_STAT_ATTR(notifications);
KP_STAT_ATTR(lost);
KP_STAT_ATTR(calls);

static ssize_t driver_name_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct kp_device *kdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", kdev->plugin->name);
}
static DEVICE_ATTR_RO(driver_name);

static ssize_t index_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct kp_device *kdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", kdev->index);
}
static DEVICE_ATTR_RO(index);

static ssize_t bdf_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	struct kp_device *kdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", pci_name(kdev->pdev));
}
static DEVICE_ATTR_RO(bdf);

static ssize_t irq_mode_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	static const char * const names[] = {
		[KP_INT_MODE_AUTO] = "none",
		[KP_INT_MODE_INTX] = "intx",
		[KP_INT_MODE_MSI] = "msi",
		[KP_INT_MODE_MSIX] = "msix",
	};
	struct kp_device *kdev = dev_get_drvdata(dev);
	u32 mode = READ_ONCE(kdev->irq_mode);

	return sysfs_emit(buf, "%s\n",
			  mode < ARRAY_SIZE(names) ? names[mode] : "none");
}
static DEVICE_ATTR_RO(irq_mode);

static ssize_t vectors_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct kp_device *kdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(kdev->irq_nvec));
}
static DEVICE_ATTR_RO(vectors);

static struct attribute *kp_dev_attrs[] = {
	&dev_attr_interrupts.attr,
	&dev_attr_spurious.attr,
	&dev_attr_dpc_requests.attr,
	&dev_attr_dpcs.attr,
	&dev_attr_dpc_count_sum.attr,
	&dev_attr_notifications.attr,
	&dev_attr_lost.attr,
	&dev_attr_calls.attr,
	&dev_attr_driver_name.attr,
	&dev_attr_index.attr,
	&dev_attr_bdf.attr,
	&dev_attr_irq_mode.attr,
	&dev_attr_vectors.attr,
	NULL,
};

static const struct attribute_group kp_dev_group = {
	.attrs = kp_dev_attrs,
};

static const struct attribute_group *kp_dev_groups[] = {
	&kp_dev_group,
	NULL,
};

/* ---- probe / remove ------------------------------------------------ */

static struct kp_plugin *kp_pdev_plugin(struct pci_dev *pdev)
{
	struct pci_driver *pdrv = to_pci_driver(pdev->dev.driver);

	return container_of(pdrv, struct kp_plugin, pdrv);
}

static int kp_map_bars(struct kp_device *kdev)
{
	struct pci_dev *pdev = kdev->pdev;
	void __iomem * const *table;
	int mask = 0;
	int bar, ret;

	for (bar = 0; bar < KP_NUM_BARS; bar++)
		if (pci_resource_len(pdev, bar) &&
		    (pci_resource_flags(pdev, bar) &
		     (IORESOURCE_MEM | IORESOURCE_IO)))
			mask |= BIT(bar);

	if (!mask)
		return 0;

	ret = pcim_iomap_regions(pdev, mask, kdev->plugin->name);
	if (ret)
		return ret;

	table = pcim_iomap_table(pdev);
	if (!table)
		return -ENOMEM;

	for (bar = 0; bar < KP_NUM_BARS; bar++) {
		if (!(mask & BIT(bar)))
			continue;
		kdev->bars[bar] = table[bar];
		kdev->bar_len[bar] = pci_resource_len(pdev, bar);
	}
	return 0;
}

int kp_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct kp_plugin *plugin = kp_pdev_plugin(pdev);
	struct kp_device *kdev;
	int ret;

	kdev = kzalloc(sizeof(*kdev), GFP_KERNEL);
	if (!kdev)
		return -ENOMEM;

	kref_init(&kdev->kref);
	init_rwsem(&kdev->rwsem);
	mutex_init(&kdev->lock);
	init_rwsem(&kdev->map_lock);
	init_waitqueue_head(&kdev->gone_wq);
	INIT_LIST_HEAD(&kdev->sessions);
	kdev->plugin = plugin;
	kdev->pdev = pci_dev_get(pdev);

	ret = ida_alloc_max(&kp_minor_ida, KP_MAX_MINORS - 1, GFP_KERNEL);
	if (ret < 0)
		goto err_free_kdev;
	kdev->minor = ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		goto err_free_minor;

	ret = kp_map_bars(kdev);
	if (ret) {
		pci_err(pdev, "cannot map BARs: %d\n", ret);
		goto err_free_minor;
	}

	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (ret) {
		pci_err(pdev, "no usable DMA mask\n");
		goto err_free_minor;
	}
	pci_set_master(pdev);

	ret = ida_alloc(&plugin->index_ida, GFP_KERNEL);
	if (ret < 0)
		goto err_clear_master;
	kdev->index = ret;
	snprintf(kdev->name, sizeof(kdev->name), "%s%u", plugin->name,
		 kdev->index);

	ret = xa_insert(&kp_minors, kdev->minor, kdev, GFP_KERNEL);
	if (ret)
		goto err_free_index;

	kdev->dev = device_create_with_groups(kp_class, &pdev->dev,
					      MKDEV(MAJOR(kp_devt),
						    kdev->minor),
					      kdev, kp_dev_groups, "%s",
					      kdev->name);
	if (IS_ERR(kdev->dev)) {
		ret = PTR_ERR(kdev->dev);
		goto err_erase_minor;
	}

	pci_set_drvdata(pdev, kdev);
	pci_info(pdev, "bound to plugin %s as /dev/kp/%s\n", plugin->name,
		 kdev->name);
	return 0;

err_erase_minor:
	xa_erase(&kp_minors, kdev->minor);
err_free_index:
	ida_free(&plugin->index_ida, kdev->index);
err_clear_master:
	pci_clear_master(pdev);
err_free_minor:
	/* BAR mappings and pcim_enable_device() are undone by devres */
	ida_free(&kp_minor_ida, kdev->minor);
err_free_kdev:
	pci_dev_put(kdev->pdev);
	kfree(kdev);
	return ret;
}

void kp_pci_remove(struct pci_dev *pdev)
{
	struct kp_device *kdev = pci_get_drvdata(pdev);
	struct kp_session *sess;
	int bar;

	/* no new open() can find the device */
	xa_erase(&kp_minors, kdev->minor);

	/* tell plugins: kp_device_gone() and kp_sleep_us() */
	WRITE_ONCE(kdev->removing, true);
	wake_up_all(&kdev->gone_wq);

	/* wait for every ioctl that uses the device or the plugin */
	down_write(&kdev->rwsem);
	mutex_lock(&kdev->lock);

	kp_irq_teardown(kdev);
	kp_event_deliver(kdev, KP_EVENT_REMOVE);

	WRITE_ONCE(kdev->removed, true);
	for (bar = 0; bar < KP_NUM_BARS; bar++)
		WRITE_ONCE(kdev->bars[bar], NULL);
	/* a fault that saw removed == false has inserted its page by now */
	down_write(&kdev->map_lock);
	up_write(&kdev->map_lock);

	list_for_each_entry(sess, &kdev->sessions, node) {
		kp_notify_stop(sess);
		/* user mappings of the BARs go before devres unmaps them */
		if (sess->mapping)
			unmap_mapping_range(sess->mapping, 0, 0, 1);
	}

	mutex_unlock(&kdev->lock);
	up_write(&kdev->rwsem);

	device_destroy(kp_class, MKDEV(MAJOR(kp_devt), kdev->minor));
	pci_clear_master(pdev);
	ida_free(&kdev->plugin->index_ida, kdev->index);
	pci_info(pdev, "/dev/kp/%s removed\n", kdev->name);
	kp_device_put(kdev);
}

/* ---- device access for plugins (WDC_xxx register calls) ----------- */

struct pci_dev *kp_pci_dev(HANDLE hWD)
{
	struct kp_session *sess = hWD;

	return sess ? sess->kdev->pdev : NULL;
}
EXPORT_SYMBOL_GPL(kp_pci_dev);

void __iomem *kp_bar(HANDLE hWD, int bar)
{
	struct kp_session *sess = hWD;

	if (!sess || bar < 0 || bar >= KP_NUM_BARS)
		return NULL;
	return READ_ONCE(sess->kdev->bars[bar]);
}
EXPORT_SYMBOL_GPL(kp_bar);

resource_size_t kp_bar_size(HANDLE hWD, int bar)
{
	struct kp_session *sess = hWD;

	if (!sess || bar < 0 || bar >= KP_NUM_BARS)
		return 0;
	return sess->kdev->bar_len[bar];
}
EXPORT_SYMBOL_GPL(kp_bar_size);

struct device *kp_dma_dev(HANDLE hWD)
{
	struct kp_session *sess = hWD;

	return sess ? &sess->kdev->pdev->dev : NULL;
}
EXPORT_SYMBOL_GPL(kp_dma_dev);

BOOL kp_device_gone(HANDLE hWD)
{
	struct kp_session *sess = hWD;
	struct kp_device *kdev;

	if (!sess)
		return TRUE;
	kdev = sess->kdev;
	return READ_ONCE(kdev->removing) ||
	       kdev->pdev->error_state == pci_channel_io_perm_failure;
}
EXPORT_SYMBOL_GPL(kp_device_gone);

int kp_sleep_us(HANDLE hWD, unsigned long usecs)
{
	struct kp_session *sess = hWD;

	might_sleep();
	if (!sess || kp_device_gone(hWD))
		return -ENODEV;
	wait_event_timeout(sess->kdev->gone_wq, kp_device_gone(hWD),
			   usecs_to_jiffies(usecs));
	return kp_device_gone(hWD) ? -ENODEV : 0;
}
EXPORT_SYMBOL_GPL(kp_sleep_us);
