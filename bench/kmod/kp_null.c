// SPDX-License-Identifier: GPL-2.0
/*
 * kp_null - the physical floors of a KP_Call round trip: a misc device,
 * /dev/kp_null, with two ioctls.
 *
 * KP_NULL_IOCTL does nothing and returns 0: the syscall entry, fd lookup
 * and vfs_ioctl dispatch every KP_PLUGIN_CALL pays.
 *
 * KP_NULL_COPY does the copies a KP_Call of the same size does and
 * nothing else: the argument header in, @size bytes from @data into a
 * kernel buffer, the buffer back to @data, and @result out.  The buffer
 * comes from the same place as the runtime's (on the stack up to 256
 * bytes, kvmalloc() above), so the ratio to KP_Call is what the runtime
 * adds to an ioctl that has to move the same data.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define KP_NULL_IOCTL		_IO(0xB7, 0)

struct kp_null_copy {
	__u64	data;		/* user pointer */
	__u32	size;		/* bytes, <= KP_NULL_MAX */
	__u32	result;		/* out: 0 */
};
#define KP_NULL_COPY		_IOWR(0xB7, 1, struct kp_null_copy)

#define KP_NULL_STACK		256		/* the runtime's bounce size */
#define KP_NULL_MAX		(1 << 20)	/* the runtime's data limit */

static long kp_null_copy(struct kp_null_copy __user *uarg)
{
	u8 stack[KP_NULL_STACK] __aligned(8);
	struct kp_null_copy c;
	void *buf = stack;
	long ret = 0;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.size > KP_NULL_MAX)
		return -E2BIG;
	if (c.size > KP_NULL_STACK) {
		buf = kvmalloc(c.size, GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
	}
	if (copy_from_user(buf, u64_to_user_ptr(c.data), c.size) ||
	    copy_to_user(u64_to_user_ptr(c.data), buf, c.size) ||
	    put_user(0, &uarg->result))
		ret = -EFAULT;
	if (buf != stack)
		kvfree(buf);
	return ret;
}

static long kp_null_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	switch (cmd) {
	case KP_NULL_IOCTL:
		return 0;
	case KP_NULL_COPY:
		return kp_null_copy((struct kp_null_copy __user *)arg);
	default:
		return -ENOTTY;
	}
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

MODULE_DESCRIPTION("kpgen benchmark: an ioctl that does nothing, and one that copies");
MODULE_LICENSE("GPL");
