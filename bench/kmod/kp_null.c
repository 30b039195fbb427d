// SPDX-License-Identifier: GPL-2.0
/*
 * kp_null - the physical floor of a KP_Call round trip: a misc device,
 * /dev/kp_null, whose ioctl does nothing and returns 0.  The benchmark
 * compares the runtime's KP_PLUGIN_CALL against one ioctl on this node,
 * which pays the same syscall entry, fd lookup and vfs_ioctl dispatch.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

static long kp_null_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	return 0;
}

static const struct file_operations kp_null_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= kp_null_ioctl,
	.compat_ioctl	= kp_null_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice kp_null_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "kp_null",
	.fops	= &kp_null_fops,
	.mode	= 0600,
};

module_misc_device(kp_null_dev);

MODULE_DESCRIPTION("kpgen benchmark: an ioctl that does nothing");
MODULE_LICENSE("GPL");
