// SPDX-License-Identifier: GPL-2.0
/*
 * kp_main.c - module init/exit of kp_runtime.ko: the "kp" class, the
 * char-device region and the one cdev that covers all of its minors
 * (open() finds the struct kp_device by minor, see kp_fops.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "kp_compat.h"
#include "kp_internal.h"

#define CREATE_TRACE_POINTS
#include "kp_trace.h"

struct class *kp_class;
dev_t kp_devt;
struct workqueue_struct *kp_wq;
static struct cdev kp_cdev;

static char *kp_devnode(KP_DEVNODE_CONST struct device *dev, umode_t *mode)
{
	if (mode)
		*mode = 0600;
	return kasprintf(GFP_KERNEL, "kp/%s", dev_name(dev));
}

/* /sys/class/kp/plugin_allocations: objects plugins hold from malloc() */
static ssize_t plugin_allocations_show(KP_CLASS_ATTR_CONST struct class *class,
				       KP_CLASS_ATTR_CONST struct class_attribute *attr,
				       char *buf)
{
	return sysfs_emit(buf, "%ld\n", kp_plugin_allocations());
}
static CLASS_ATTR_RO(plugin_allocations);

static int __init kp_init(void)
{
	int ret;

	kp_copy_init();
	kp_wq = alloc_workqueue("kp", 0, 0);
	if (!kp_wq)
		return -ENOMEM;
	ret = alloc_chrdev_region(&kp_devt, 0, KP_MAX_MINORS, "kp");
	if (ret)
		goto err_destroy_wq;

	cdev_init(&kp_cdev, &kp_fops);
	kp_cdev.owner = THIS_MODULE;
	ret = cdev_add(&kp_cdev, kp_devt, KP_MAX_MINORS);
	if (ret)
		goto err_unregister_region;

	kp_class = kp_class_create("kp");
	if (IS_ERR(kp_class)) {
		ret = PTR_ERR(kp_class);
		goto err_del_cdev;
	}
	kp_class->devnode = kp_devnode;
	ret = class_create_file(kp_class, &class_attr_plugin_allocations);
	if (ret)
		goto err_destroy_class;

	pr_info("Kernel PlugIn runtime loaded (API %u, major %u)\n",
		KP_API_VERSION, MAJOR(kp_devt));
	return 0;

err_destroy_class:
	class_destroy(kp_class);
err_del_cdev:
	cdev_del(&kp_cdev);
err_unregister_region:
	unregister_chrdev_region(kp_devt, KP_MAX_MINORS);
err_destroy_wq:
	destroy_workqueue(kp_wq);
	return ret;
}


static void __exit kp_exit(void)
{
	/* plugins depend on our symbols: all of them are gone by now */
	class_remove_file(kp_class, &class_attr_plugin_allocations);
	class_destroy(kp_class);
	cdev_del(&kp_cdev);
	unregister_chrdev_region(kp_devt, KP_MAX_MINORS);
	/* deferred releases and RCU frees run code of this module */
	destroy_workqueue(kp_wq);
	rcu_barrier();
	kp_minors_destroy();
}

module_init(kp_init);
module_exit(kp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kpgen Kernel PlugIn runtime");
MODULE_AUTHOR("kpgen");
