// SPDX-License-Identifier: GPL-2.0
/*
 * kp_pci.c - probe/remove of the per-plugin pci_driver, the class device
 * /dev/kp/<name><n> and its sysfs counters, the device gate every ioctl
 * enters, and the plugin calls about the device itself.
 *
 * struct kp_device is refcounted: probe holds one reference, every open
 * session another.  remove() tears down everything that needs the PCI
 * device - after telling the plugin (kp_device_gone(), KP_IntDisable,
 * KP_Event(WD_REMOVE), KP_Close) and user mode (KP_STOP_REMOVED, the
 * WD_REMOVE event) - and drops the probe's reference; the structure lives
 * on until the last file is released.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "kp_internal.h"

static DEFINE_IDA(kp_minor_ida);
static DEFINE_XARRAY(kp_minors);		/* minor -> kp_device */

/* ---- refcounting --------------------------------------------------- */

static void kp_device_free(struct kp_device *kdev)
{
	xa_destroy(&kdev->dma_bufs);
	percpu_free_rwsem(&kdev->gate);
	free_percpu(kdev->stats);
	pci_dev_put(kdev->pdev);
	kfree(kdev);
}

static void kp_device_release(struct kref *kref)
{
	struct kp_device *kdev = container_of(kref, struct kp_device, kref);

	ida_free(&kp_minor_ida, kdev->minor);
	kp_device_free(kdev);
}

void kp_device_put(struct kp_device *kdev)
{
	kref_put(&kdev->kref, kp_device_release);
}

static void kp_device_put_work(struct work_struct *work)
{
	kp_device_put(container_of(work, struct kp_device, put_work));
}

/* kp_device_put() where freeing cannot be done (it sleeps). */
void kp_device_put_atomic(struct kp_device *kdev)
{
	if (!refcount_dec_not_one(&kdev->kref.refcount))
		queue_work(kp_wq, &kdev->put_work);
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

/*
 * Every ioctl that uses the device or the plugin runs between these two:
 * a per-CPU read lock that remove() takes for writing, so no such ioctl
 * runs while the device is torn down, and none starts after.
 */
int kp_device_enter(struct kp_device *kdev)
{
	percpu_down_read(&kdev->gate);
	if (kdev->removed) {
		percpu_up_read(&kdev->gate);
		return -ENODEV;
	}
	return 0;
}

void kp_device_exit(struct kp_device *kdev)
{
	percpu_up_read(&kdev->gate);
}

/* Bus mastering while something needs it: MSI, DMA. */
void kp_bus_master_get(struct kp_device *kdev)
{
	mutex_lock(&kdev->master_lock);
	if (!kdev->master_users++)
		pci_set_master(kdev->pdev);
	mutex_unlock(&kdev->master_lock);
}

void kp_bus_master_put(struct kp_device *kdev)
{
	mutex_lock(&kdev->master_lock);
	if (!WARN_ON(!kdev->master_users) && !--kdev->master_users)
		pci_clear_master(kdev->pdev);
	mutex_unlock(&kdev->master_lock);
}

/* ---- statistics ----------------------------------------------------- */

void kp_stats_read(struct kp_device *kdev, struct kp_stats *st)
{
	int cpu;

	st->interrupts = 0;
	st->spurious = 0;
	st->dpc_requests = 0;
	st->dpcs = 0;
	st->dpc_count_sum = 0;
	st->notifications = 0;
	st->lost = 0;
	st->calls = 0;
	for_each_possible_cpu(cpu) {
		const struct kp_stats_pcpu *c = per_cpu_ptr(kdev->stats, cpu);

		st->interrupts += READ_ONCE(c->interrupts);
		st->spurious += READ_ONCE(c->spurious);
		st->dpc_requests += READ_ONCE(c->dpc_requests);
		st->dpcs += READ_ONCE(c->dpcs);
		st->dpc_count_sum += READ_ONCE(c->dpc_count_sum);
		st->notifications += READ_ONCE(c->notifications);
		st->lost += READ_ONCE(c->lost);
		st->calls += READ_ONCE(c->calls);
	}
	st->storms = atomic_read(&kdev->storms);
}

/* ---- sysfs: /sys/class/kp/<name><n>/ ------------------------------ */

#define KP_STAT_ATTR(field)						\
static ssize_t field##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct kp_device *kdev = dev_get_drvdata(dev);			\
	struct kp_stats st;						\
									\
	kp_stats_read(kdev, &st);					\
	return sysfs_emit(buf, "%llu\n", st.field);			\
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
KP_STAT_ATTR(storms);

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

/*
 * "enabled", "none" (never enabled), or why interrupts last stopped:
 * "disabled", "removed", "storm", "line-disabled", "closed".
 */
static ssize_t irq_state_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	static const char * const names[] = {
		[KP_STOP_NONE] = "none",
		[KP_STOP_IDLE] = "none",
		[KP_STOP_DISABLED] = "disabled",
		[KP_STOP_REMOVED] = "removed",
		[KP_STOP_STORM] = "storm",
		[KP_STOP_LINE_DISABLED] = "line-disabled",
		[KP_STOP_CLOSED] = "closed",
	};
	struct kp_device *kdev = dev_get_drvdata(dev);
	u32 stop = READ_ONCE(kdev->irq_stop);

	if (READ_ONCE(kdev->irq_mode) && stop == KP_STOP_NONE)
		return sysfs_emit(buf, "enabled\n");
	return sysfs_emit(buf, "%s\n",
			  stop < ARRAY_SIZE(names) ? names[stop] : "none");
}
static DEVICE_ATTR_RO(irq_state);

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
	&dev_attr_storms.attr,
	&dev_attr_driver_name.attr,
	&dev_attr_index.attr,
	&dev_attr_bdf.attr,
	&dev_attr_irq_mode.attr,
	&dev_attr_irq_state.attr,
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

static struct kp_device *kp_device_alloc(struct pci_dev *pdev)
{
	struct kp_device *kdev;

	kdev = kzalloc(sizeof(*kdev), GFP_KERNEL);
	if (!kdev)
		return NULL;
	kdev->stats = alloc_percpu(struct kp_stats_pcpu);
	if (!kdev->stats)
		goto err_free_kdev;
	if (percpu_init_rwsem(&kdev->gate))
		goto err_free_stats;

	kref_init(&kdev->kref);
	INIT_WORK(&kdev->put_work, kp_device_put_work);
	xa_init_flags(&kdev->dma_bufs, XA_FLAGS_ALLOC1);
	mutex_init(&kdev->lock);
	mutex_init(&kdev->master_lock);
	init_rwsem(&kdev->map_lock);
	init_waitqueue_head(&kdev->gone_wq);
	INIT_LIST_HEAD(&kdev->sessions);
	atomic_set(&kdev->storms, 0);
	kdev->irq_stop = KP_STOP_IDLE;
	kdev->plugin = kp_pdev_plugin(pdev);
	kdev->pdev = pci_dev_get(pdev);
	return kdev;

err_free_stats:
	free_percpu(kdev->stats);
err_free_kdev:
	kfree(kdev);
	return NULL;
}

/*
 * The device is published (kp_minors, so open() finds it) only once it
 * is complete: every error before that frees it directly, nobody can
 * hold a reference yet.
 */
int kp_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct kp_device *kdev;
	struct kp_plugin *plugin;
	int ret;

	kdev = kp_device_alloc(pdev);
	if (!kdev)
		return -ENOMEM;
	plugin = kdev->plugin;

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

	/* the kernel's default until the plugin says what the device can */
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (ret) {
		pci_err(pdev, "no usable DMA mask\n");
		goto err_free_minor;
	}
	/* masked until a handler is installed (devres restores it) */
	pci_intx(pdev, 0);

	ret = ida_alloc(&plugin->index_ida, GFP_KERNEL);
	if (ret < 0)
		goto err_free_minor;
	kdev->index = ret;
	snprintf(kdev->name, sizeof(kdev->name), "%s%u", plugin->name,
		 kdev->index);

	kdev->dev = device_create_with_groups(kp_class, &pdev->dev,
					      MKDEV(MAJOR(kp_devt),
						    kdev->minor),
					      kdev, kp_dev_groups, "%s",
					      kdev->name);
	if (IS_ERR(kdev->dev)) {
		ret = PTR_ERR(kdev->dev);
		goto err_free_index;
	}

	pci_set_drvdata(pdev, kdev);
	ret = xa_insert(&kp_minors, kdev->minor, kdev, GFP_KERNEL);
	if (ret)
		goto err_destroy_dev;

	pci_info(pdev, "bound to plugin %s as /dev/kp/%s\n", plugin->name,
		 kdev->name);
	return 0;

err_destroy_dev:
	pci_set_drvdata(pdev, NULL);
	device_destroy(kp_class, MKDEV(MAJOR(kp_devt), kdev->minor));
err_free_index:
	ida_free(&plugin->index_ida, kdev->index);
err_free_minor:
	/* BAR mappings and pcim_enable_device() are undone by devres */
	ida_free(&kp_minor_ida, kdev->minor);
err_free_kdev:
	kp_device_free(kdev);
	return ret;
}

/* Says who keeps remove() waiting, every 10 s, until it can go on. */
struct kp_remove_watch {
	struct delayed_work	work;
	struct kp_device	*kdev;
	unsigned int		seconds;
};

#define KP_REMOVE_WATCH_S	10

static void kp_remove_watch_fn(struct work_struct *work)
{
	struct kp_remove_watch *w = container_of(to_delayed_work(work),
						 struct kp_remove_watch, work);

	w->seconds += KP_REMOVE_WATCH_S;
	pci_warn(w->kdev->pdev, "%s: removal has waited %u s for a KP_Call of plugin %s to return (it must check kp_device_gone())\n",
		 w->kdev->name, w->seconds, w->kdev->plugin->name);
	schedule_delayed_work(&w->work, KP_REMOVE_WATCH_S * HZ);
}

/*
 * Tells every open session that the device is gone: KP_Event(WD_REMOVE)
 * for the plugin (registered or not; user mode gets it when registered
 * and KP_Event says so), KP_Close, then its DMA buffers freed and its
 * interrupt queue stopped (event waiters stop once kdev->removed is set).
 * Caller holds kdev->gate for writing and kdev->lock.
 */
static void kp_remove_sessions(struct kp_device *kdev)
{
	struct kp_session *sess;

	lockdep_assert_held(&kdev->lock);
	list_for_each_entry(sess, &kdev->sessions, node) {
		BOOL notify = kp_event_call(sess, KP_EVENT_REMOVE);

		if (notify && (READ_ONCE(sess->ev.mask) & KP_EVENT_REMOVE))
			kp_event_queue(sess, KP_EVENT_REMOVE);
		if (sess->plugin_open) {
			kp_session_close_plugin(sess);
			sess->plugin_closed = true;
		}
		kp_dma_teardown(sess);
		kp_notify_stop(&sess->notify, KP_STOP_REMOVED);
	}
}

void kp_pci_remove(struct pci_dev *pdev)
{
	struct kp_device *kdev = pci_get_drvdata(pdev);
	struct kp_remove_watch watch = { .kdev = kdev };
	struct kp_session *sess;
	int bar;

	/* no new open() can find the device */
	xa_erase(&kp_minors, kdev->minor);

	/* tell plugins: kp_device_gone() and kp_sleep_us() */
	WRITE_ONCE(kdev->removing, true);
	wake_up_all(&kdev->gone_wq);

	/* the interrupt callbacks stop first: nothing they wait for comes */
	mutex_lock(&kdev->lock);
	kp_irq_teardown(kdev, KP_STOP_REMOVED);
	mutex_unlock(&kdev->lock);

	/* wait for KP_Calls and the device ioctls, saying so if it lasts */
	INIT_DELAYED_WORK_ONSTACK(&watch.work, kp_remove_watch_fn);
	schedule_delayed_work(&watch.work, KP_REMOVE_WATCH_S * HZ);
	percpu_down_write(&kdev->gate);
	cancel_delayed_work_sync(&watch.work);
	destroy_delayed_work_on_stack(&watch.work);

	mutex_lock(&kdev->lock);
	kp_remove_sessions(kdev);
	WRITE_ONCE(kdev->removed, true);
	for (bar = 0; bar < KP_NUM_BARS; bar++)
		WRITE_ONCE(kdev->bars[bar], NULL);
	/* a fault that saw removed == false has inserted its page by now */
	down_write(&kdev->map_lock);
	up_write(&kdev->map_lock);
	/*
	 * Event waiters wake only now: kp_event_stopped() tests ->removed,
	 * and one woken before it was set would sleep again, for good.
	 * User mappings of the BARs go before devres unmaps them.
	 */
	list_for_each_entry(sess, &kdev->sessions, node) {
		kp_events_stop(sess);
		unmap_mapping_range(sess->mapping, 0, 0, 1);
	}
	mutex_unlock(&kdev->lock);
	percpu_up_write(&kdev->gate);

	device_destroy(kp_class, MKDEV(MAJOR(kp_devt), kdev->minor));
	if (kdev->master_users)
		pci_clear_master(pdev);
	ida_free(&kdev->plugin->index_ida, kdev->index);
	pci_info(pdev, "/dev/kp/%s removed\n", kdev->name);
	kp_device_put(kdev);
}

/* ---- the device, for plugins ---------------------------------------- */

struct pci_dev *kp_pci_dev(HANDLE hWD)
{
	struct kp_session *sess = hWD;

	return sess ? sess->kdev->pdev : NULL;
}
EXPORT_SYMBOL_GPL(kp_pci_dev);

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
	       READ_ONCE(kdev->pdev->error_state) ==
	       pci_channel_io_perm_failure;
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
