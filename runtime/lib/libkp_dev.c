// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libkp: device discovery, open/close, info, register and config-space
 * access, BAR mapping.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libkp_priv.h"

#define KP_SYSFS_CLASS	"/sys/class/kp"
#define KP_DEV_DIR	"/dev/kp"

/* ---- discovery ---------------------------------------------------- */

/* Reads one line of a sysfs attribute without its newline. */
static int read_attr(const char *dir, const char *attr, char *buf, size_t len)
{
	char path[512];
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int read_attr_ul(const char *dir, const char *attr,
			unsigned long *val)
{
	char buf[64], *end;
	int err = read_attr(dir, attr, buf, sizeof(buf));

	if (err)
		return err;
	errno = 0;
	*val = strtoul(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

static int fill_entry(const char *name, struct kp_dev_entry *e)
{
	char dir[256], pcidir[512];
	unsigned long v;
	int err;

	memset(e, 0, sizeof(*e));
	if (strlen(name) >= sizeof(e->name))
		return -ENAMETOOLONG;
	strcpy(e->name, name);
	snprintf(dir, sizeof(dir), KP_SYSFS_CLASS "/%s", name);
	err = read_attr(dir, "driver_name", e->driver, sizeof(e->driver));
	if (err)
		return err;
	err = read_attr_ul(dir, "index", &v);
	if (err)
		return err;
	e->index = v;
	err = read_attr(dir, "bdf", e->bdf, sizeof(e->bdf));
	if (err)
		return err;
	/* The class device's parent is the PCI device. */
	snprintf(pcidir, sizeof(pcidir), "%s/device", dir);
	if (read_attr_ul(pcidir, "vendor", &v)) {
		snprintf(pcidir, sizeof(pcidir), "/sys/bus/pci/devices/%s",
			 e->bdf);
		if (read_attr_ul(pcidir, "vendor", &v))
			return 0;	/* ids unknown: leave them 0 */
	}
	e->vendor = v;
	if (!read_attr_ul(pcidir, "device", &v))
		e->device = v;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct kp_dev_entry *x = a, *y = b;
	int c = strcmp(x->driver, y->driver);

	if (c)
		return c;
	return (x->index > y->index) - (x->index < y->index);
}

int kp_list(struct kp_dev_entry *entries, int max)
{
	struct kp_dev_entry *all = NULL, *tmp;
	struct dirent *de;
	int n = 0, cap = 0;
	DIR *d;

	if (max < 0 || (max > 0 && !entries))
		return -EINVAL;
	d = opendir(KP_SYSFS_CLASS);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			tmp = realloc(all, cap * sizeof(*all));
			if (!tmp) {
				free(all);
				closedir(d);
				return -ENOMEM;
			}
			all = tmp;
		}
		if (fill_entry(de->d_name, &all[n]) == 0)
			n++;
	}
	closedir(d);
	if (n > 1)
		qsort(all, n, sizeof(*all), entry_cmp);
	if (max > 0)
		memcpy(entries, all, (n < max ? n : max) * sizeof(*all));
	free(all);
	return n;
}

/* ---- open / close ------------------------------------------------- */

static int kp_open_mode(struct kp_dev **devp, const char *path, int flags)
{
	struct kp_dev *dev;
	int err;

	if (!devp || !path)
		return -EINVAL;
	*devp = NULL;
	if (strlen(path) >= sizeof(dev->path))
		return -ENAMETOOLONG;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	pthread_mutex_init(&dev->err_lock, NULL);
	pthread_mutex_init(&dev->lock, NULL);
	strcpy(dev->path, path);
	dev->fd = open(path, flags | O_CLOEXEC);
	if (dev->fd < 0) {
		err = -errno;
		pthread_mutex_destroy(&dev->lock);
		pthread_mutex_destroy(&dev->err_lock);
		free(dev);
		return err;
	}
	atomic_init(&dev->refs, 1);
	atomic_init(&dev->closing, 0);
	dev->pid = getpid();
	kp_notify_map(dev);
	*devp = dev;
	return 0;
}

int kp_open_path(struct kp_dev **devp, const char *path)
{
	return kp_open_mode(devp, path, O_RDWR);
}

int kp_open_path_ro(struct kp_dev **devp, const char *path)
{
	return kp_open_mode(devp, path, O_RDONLY);
}

int kp_open(struct kp_dev **devp, const char *driver, unsigned int index)
{
	char path[128];

	if (!devp || !driver || !driver[0] ||
	    strlen(driver) >= KP_DRIVER_NAME_LEN || strchr(driver, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), KP_DEV_DIR "/%s%u", driver, index);
	return kp_open_path(devp, path);
}

/* Implemented with the interrupts (libkp_irq.c). */
void kp_int_shutdown(struct kp_dev *dev);

void kp_close(struct kp_dev *dev)
{
	struct kp_event_register er = { .argsz = sizeof(er) };

	if (!dev)
		return;
	/*
	 * A forked child shares the open file with its parent: switching
	 * interrupts or the plugin off here would do it for the parent.
	 * Its copy of the handle has no handler thread either, so the
	 * reference that thread holds in the parent is dropped here too:
	 * the child's copy of the fd closes with the last one.
	 */
	if (dev->pid != getpid()) {
		if (dev->thread_running) {
			dev->thread_running = 0;
			kp_put(dev);
		}
		kp_put(dev);
		return;
	}
	atomic_store(&dev->closing, 1);
	pthread_mutex_lock(&dev->lock);
	if (dev->events)
		ioctl(dev->fd, KP_EVENT_REGISTER, &er);	/* wakes waiters */
	dev->events = 0;
	pthread_mutex_unlock(&dev->lock);
	kp_int_shutdown(dev);
	pthread_mutex_lock(&dev->lock);
	if (dev->plugin_open)
		ioctl(dev->fd, KP_PLUGIN_CLOSE, NULL);
	dev->plugin_open = 0;
	pthread_mutex_unlock(&dev->lock);
	kp_put(dev);		/* the owner's; the last one frees */
}

/* kp_ioctl() holding a reference, for the simple calls */
static int kp_ioctl_ref(struct kp_dev *dev, unsigned long req, void *arg,
			const char *name)
{
	int err;

	kp_get(dev);
	err = kp_ioctl(dev, req, arg, name);
	kp_put(dev);
	return err;
}

/* ---- info --------------------------------------------------------- */

int kp_get_info(struct kp_dev *dev, struct kp_device_info *info)
{
	if (!dev || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return kp_ioctl_ref(dev, KP_GET_INFO, info, "KP_GET_INFO");
}

int kp_get_bar_info(struct kp_dev *dev, unsigned int bar,
		    struct kp_bar_info *info)
{
	if (!dev || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = bar;
	return kp_ioctl_ref(dev, KP_GET_BAR_INFO, info, "KP_GET_BAR_INFO");
}

int kp_get_stats(struct kp_dev *dev, struct kp_stats *stats)
{
	if (!dev || !stats)
		return -EINVAL;
	memset(stats, 0, sizeof(*stats));
	stats->argsz = sizeof(*stats);
	return kp_ioctl_ref(dev, KP_GET_STATS, stats, "KP_GET_STATS");
}

/* ---- register access ---------------------------------------------- */

static int do_rw(struct kp_dev *dev, unsigned long req, const char *name,
		 unsigned int bar, uint64_t offset, unsigned int width,
		 uint64_t *value)
{
	struct kp_rw rw = {
		.argsz = sizeof(rw),
		.bar = bar,
		.width = width,
		.offset = offset,
		.value = *value,
	};
	int err;

	kp_get(dev);
	err = ioctl(dev->fd, req, &rw) < 0 ? -errno : 0;
	kp_put(dev);
	if (err)
		return kp_set_error(dev, err, "%s bar %u offset 0x%llx width %u",
				    name, bar, (unsigned long long)offset,
				    width);
	*value = rw.value;
	return 0;
}

int kp_bar_read(struct kp_dev *dev, unsigned int bar, uint64_t offset,
		unsigned int width, uint64_t *value)
{
	uint64_t v = 0;
	int err;

	if (!dev || !value)
		return -EINVAL;
	err = do_rw(dev, KP_BAR_READ, "KP_BAR_READ", bar, offset, width, &v);
	if (!err)
		*value = v;
	return err;
}

int kp_bar_write(struct kp_dev *dev, unsigned int bar, uint64_t offset,
		 unsigned int width, uint64_t value)
{
	if (!dev)
		return -EINVAL;
	return do_rw(dev, KP_BAR_WRITE, "KP_BAR_WRITE", bar, offset, width,
		     &value);
}

int kp_cfg_read(struct kp_dev *dev, uint64_t offset, unsigned int width,
		uint64_t *value)
{
	uint64_t v = 0;
	int err;

	if (!dev || !value)
		return -EINVAL;
	err = do_rw(dev, KP_CFG_READ, "KP_CFG_READ", 0, offset, width, &v);
	if (!err)
		*value = v;
	return err;
}

int kp_cfg_write(struct kp_dev *dev, uint64_t offset, unsigned int width,
		 uint64_t value)
{
	if (!dev)
		return -EINVAL;
	return do_rw(dev, KP_CFG_WRITE, "KP_CFG_WRITE", 0, offset, width,
		     &value);
}

/* ---- mmap --------------------------------------------------------- */

int kp_bar_map(struct kp_dev *dev, unsigned int bar, volatile void **addr,
	       size_t *size)
{
	struct kp_bar_info bi;
	void *p;
	int err;

	if (!dev || !addr)
		return -EINVAL;
	if (bar >= KP_NUM_BARS)
		return kp_set_error(dev, -EINVAL, "kp_bar_map bar %u", bar);
	pthread_mutex_lock(&dev->lock);
	if (dev->bar_addr[bar]) {
		*addr = dev->bar_addr[bar];
		if (size)
			*size = dev->bar_size[bar];
		err = 0;
		goto out_unlock;
	}
	err = kp_get_bar_info(dev, bar, &bi);
	if (err)
		goto out_unlock;
	err = -ENODEV;
	if (!bi.size) {
		kp_set_error(dev, err, "kp_bar_map bar %u absent", bar);
		goto out_unlock;
	}
	err = -ENOTSUP;
	if (!(bi.flags & KP_BAR_FLAG_MMAP)) {
		kp_set_error(dev, err, "kp_bar_map bar %u not mappable", bar);
		goto out_unlock;
	}
	err = -EOVERFLOW;
	if (bi.size > SIZE_MAX) {
		kp_set_error(dev, err, "kp_bar_map bar %u", bar);
		goto out_unlock;
	}
	p = mmap(NULL, bi.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev->fd,
		 (off_t)bi.offset);
	if (p == MAP_FAILED) {
		err = kp_set_error(dev, -errno, "mmap bar %u", bar);
		goto out_unlock;
	}
	dev->bar_addr[bar] = p;
	dev->bar_size[bar] = bi.size;
	*addr = p;
	if (size)
		*size = bi.size;
	err = 0;
out_unlock:
	pthread_mutex_unlock(&dev->lock);
	return err;
}

int kp_bar_unmap(struct kp_dev *dev, unsigned int bar)
{
	int err = 0;

	if (!dev || bar >= KP_NUM_BARS)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	if (dev->bar_addr[bar] &&
	    munmap(dev->bar_addr[bar], dev->bar_size[bar]) < 0) {
		err = kp_set_error(dev, -errno, "munmap bar %u", bar);
	} else {
		dev->bar_addr[bar] = NULL;
		dev->bar_size[bar] = 0;
	}
	pthread_mutex_unlock(&dev->lock);
	return err;
}
