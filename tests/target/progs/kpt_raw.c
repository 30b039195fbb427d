// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kpt_raw.h"

int kpt_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? errno : 0;
}

int kpt_rw(int fd, unsigned long req, uint32_t bar, uint64_t off,
	   uint32_t width, uint64_t *val)
{
	struct kp_rw r = { .argsz = sizeof(r), .bar = bar, .width = width,
			   .offset = off, .value = val ? *val : 0 };
	int e = kpt_ioctl(fd, req, &r);

	if (!e && val)
		*val = r.value;
	return e;
}

int kpt_bar_rd32(int fd, uint64_t off, uint32_t *val)
{
	uint64_t v = 0;
	int e = kpt_rw(fd, KP_BAR_READ, 0, off, 4, &v);

	*val = (uint32_t)v;
	return e;
}

int kpt_bar_wr32(int fd, uint64_t off, uint32_t val)
{
	uint64_t v = val;

	return kpt_rw(fd, KP_BAR_WRITE, 0, off, 4, &v);
}

int kpt_cfg_rd(int fd, uint64_t off, uint32_t width, uint32_t *val)
{
	uint64_t v = 0;
	int e = kpt_rw(fd, KP_CFG_READ, 0, off, width, &v);

	*val = (uint32_t)v;
	return e;
}

int kpt_cfg_wr(int fd, uint64_t off, uint32_t width, uint32_t val)
{
	uint64_t v = val;

	return kpt_rw(fd, KP_CFG_WRITE, 0, off, width, &v);
}

int kpt_find_cap(int fd, uint8_t id)
{
	uint32_t status, pos, cap;
	int e, hops;

	e = kpt_cfg_rd(fd, 0x06, 2, &status);
	if (e)
		return -e;
	if (!(status & 0x10))		/* PCI_STATUS_CAP_LIST */
		return 0;
	e = kpt_cfg_rd(fd, 0x34, 1, &pos);
	for (hops = 0; !e && pos >= 0x40 && hops < 48; hops++) {
		pos &= ~3u;
		e = kpt_cfg_rd(fd, pos, 2, &cap);
		if (e)
			break;
		if ((cap & 0xff) == id)
			return (int)pos;
		pos = cap >> 8;
	}
	return e ? -e : 0;
}

int kpt_plugin_open(int fd)
{
	struct kp_plugin_open o = { .argsz = sizeof(o) };

	return kpt_ioctl(fd, KP_PLUGIN_OPEN, &o);
}

int kpt_call(int fd, uint32_t message, void *data, uint32_t size,
	     uint32_t *result)
{
	struct kp_plugin_call c = { .argsz = sizeof(c), .message = message,
				    .data = (uintptr_t)data,
				    .data_size = size };
	int e = kpt_ioctl(fd, KP_PLUGIN_CALL, &c);

	if (!e && result)
		*result = c.result;
	return e;
}

int kpt_hostile_call(int fd, uint32_t message, struct hostile_msg *m,
		     uint32_t *result)
{
	return kpt_call(fd, message, m, sizeof(*m), result);
}

int kpt_int_enable(int fd, struct kp_int_enable *ie, uint32_t mode,
		   uint32_t message, const void *data, uint32_t size,
		   const struct kp_trans_cmd *trans, uint32_t ntrans)
{
	memset(ie, 0, sizeof(*ie));
	ie->argsz = sizeof(*ie);
	ie->mode = mode;
	ie->nvec = 1;
	ie->message = message;
	ie->data = (uintptr_t)data;
	ie->data_size = size;
	ie->trans = (uintptr_t)trans;
	ie->ntrans = ntrans;
	return kpt_ioctl(fd, KP_INT_ENABLE, ie);
}

int kpt_hostile_enable(int fd, uint32_t mode, uint32_t hmode)
{
	struct hostile_int_enable opts = { .mode = hmode };
	struct kp_int_enable ie;

	return kpt_int_enable(fd, &ie, mode, 0, &opts, sizeof(opts), NULL, 0);
}

int kpt_int_wait(int fd, uint32_t flags, uint64_t timeout_ns,
		 struct kp_int_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->argsz = sizeof(*w);
	w->flags = flags;
	w->timeout_ns = timeout_ns;
	return kpt_ioctl(fd, KP_INT_WAIT, w);
}

int kpt_get_stats(int fd, struct kp_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->argsz = sizeof(*st);
	return kpt_ioctl(fd, KP_GET_STATS, st);
}

int kpt_names(int fd, char *name, size_t len, char *bdf, size_t bdflen)
{
	struct kp_device_info info = { .argsz = sizeof(info) };
	int e = kpt_ioctl(fd, KP_GET_INFO, &info);

	if (e)
		return e;
	snprintf(name, len, "%.16s%u", info.driver, info.index);
	if (bdf)
		snprintf(bdf, bdflen, "%.16s", info.bdf);
	return 0;
}

int kpt_read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

int kpt_read_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;
	int e = kpt_read_text(path, buf, sizeof(buf));

	if (e)
		return e;
	*v = strtoull(buf, &end, 10);
	return end == buf ? -EINVAL : 0;
}

int kpt_write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n, len = strlen(text);

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return n == len ? 0 : -EIO;
}

int kpt_attr(const char *name, const char *attr, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/class/kp/%s/%s", name, attr);
	return kpt_read_text(path, buf, len);
}

int64_t kpt_hostile_param(const char *param)
{
	char path[256];
	uint64_t v;

	snprintf(path, sizeof(path), "/sys/module/kp_hostile/parameters/%s",
		 param);
	return kpt_read_u64(path, &v) ? -1 : (int64_t)v;
}

int kpt_intx_irq(const char *bdf)
{
	char path[256];
	uint64_t v;
	int e;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/irq", bdf);
	e = kpt_read_u64(path, &v);
	return e ? e : (int)v;
}

void kpt_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}
