// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* libkp: Kernel PlugIn open / close / call. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libkp_priv.h"

int kp_plugin_open(struct kp_dev *dev, const void *open_data, size_t size)
{
	struct kp_plugin_open po;
	int err;

	if (!dev || (size && !open_data))
		return -EINVAL;
	if (size > UINT32_MAX)
		return kp_set_error(dev, -E2BIG, "KP_PLUGIN_OPEN size %zu",
				    size);
	memset(&po, 0, sizeof(po));
	po.argsz = sizeof(po);
	po.data = (uintptr_t)open_data;
	po.data_size = size;
	kp_get(dev);
	pthread_mutex_lock(&dev->lock);
	err = kp_ioctl(dev, KP_PLUGIN_OPEN, &po, "KP_PLUGIN_OPEN");
	if (!err)
		dev->plugin_open = 1;
	pthread_mutex_unlock(&dev->lock);
	kp_put(dev);
	return err;
}

int kp_plugin_close(struct kp_dev *dev)
{
	int err;

	if (!dev)
		return -EINVAL;
	kp_get(dev);
	pthread_mutex_lock(&dev->lock);
	err = kp_ioctl(dev, KP_PLUGIN_CLOSE, NULL, "KP_PLUGIN_CLOSE");
	dev->plugin_open = 0;
	/* closing the plugin disables its interrupts */
	dev->int_enabled = 0;
	pthread_mutex_unlock(&dev->lock);
	kp_put(dev);
	return err;
}

int kp_call_dir(struct kp_dev *dev, uint32_t message, void *data,
		size_t size, uint32_t flags, uint32_t *result)
{
	struct kp_plugin_call pc = {
		.argsz = sizeof(pc),
		.flags = flags,
		.message = message,
		.data = (uintptr_t)data,
		.data_size = (uint32_t)size,
	};
	int err = 0;

	if (!dev || (size && !data))
		return -EINVAL;
	if (size > UINT32_MAX)
		return kp_set_error(dev, -E2BIG, "KP_PLUGIN_CALL size %zu",
				    size);
	kp_get(dev);
	if (ioctl(dev->fd, KP_PLUGIN_CALL, &pc) < 0)
		err = kp_set_error(dev, -errno, "KP_PLUGIN_CALL message %u",
				   message);
	else if (result)
		*result = pc.result;
	kp_put(dev);
	return err;
}

int kp_call(struct kp_dev *dev, uint32_t message, void *data, size_t size,
	    uint32_t *result)
{
	return kp_call_dir(dev, message, data, size, 0, result);
}
