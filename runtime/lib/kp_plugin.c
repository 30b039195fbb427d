// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* libkp: Kernel PlugIn open / close / call. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kp_priv.h"

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
	err = kp_ioctl(dev, KP_PLUGIN_OPEN, &po, "KP_PLUGIN_OPEN");
	if (!err)
		dev->plugin_open = 1;
	return err;
}

int kp_plugin_close(struct kp_dev *dev)
{
	int err;

	if (!dev)
		return -EINVAL;
	err = kp_ioctl(dev, KP_PLUGIN_CLOSE, NULL, "KP_PLUGIN_CLOSE");
	dev->plugin_open = 0;
	return err;
}

int kp_call(struct kp_dev *dev, uint32_t message, void *data, size_t size,
	    uint32_t *result)
{
	struct kp_plugin_call pc;
	int err;

	if (!dev || (size && !data))
		return -EINVAL;
	if (size > UINT32_MAX)
		return kp_set_error(dev, -E2BIG, "KP_PLUGIN_CALL size %zu",
				    size);
	memset(&pc, 0, sizeof(pc));
	pc.argsz = sizeof(pc);
	pc.message = message;
	pc.data = (uintptr_t)data;
	pc.data_size = size;
	if (ioctl(dev->fd, KP_PLUGIN_CALL, &pc) < 0) {
		err = -errno;
		return kp_set_error(dev, err, "KP_PLUGIN_CALL message %u",
				    message);
	}
	if (result)
		*result = pc.result;
	return 0;
}
