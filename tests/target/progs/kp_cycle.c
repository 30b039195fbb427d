// SPDX-License-Identifier: GPL-2.0
/*
 * kp_cycle - load a plugin module, use its device, unload it; N times,
 * with the kernel's allocations measured around the loop.
 *
 *   kp_cycle --ko PATH --module NAME --dev /dev/kp/X0 [--cycles N]
 *            [--warmup W]
 *
 * One cycle: finit_module(); open the node; KP_PLUGIN_OPEN; KP_PLUGIN_CALL
 * (unknown message, 64 bytes of data); KP_INT_ENABLE (MSI, edu ack
 * transfer commands); raise 2 edu interrupts through the mmap'd BAR0 and
 * consume both notifications; KP_INT_DISABLE; KP_PLUGIN_CLOSE; close;
 * delete_module().  Everything runs in this one process (no exec), so the
 * only allocations between the two snapshots are the cycles' own.
 *
 * Snapshots (kpt_kmem.h): objects in every kmalloc cache and the
 * /proc/vmallocinfo areas whose caller is in a kp_ module.  Prints one JSON line with the
 * per-cache deltas over the N measured cycles (after W warm-up cycles).
 * A leak of one object per cycle shows as a delta >= N in some cache.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kp.h>
#include "kpt_common.h"
#include "kpt_kmem.h"

static const char *ko, *modname, *devpath;

static int wait_one(int fd)
{
	struct kp_int_wait w = { .argsz = sizeof(w),
				 .flags = KP_WAIT_NONBLOCK };
	double end = kpt_now() + 5.0;

	while (kpt_now() < end) {
		w.flags = KP_WAIT_NONBLOCK;
		if (ioctl(fd, KP_INT_WAIT, &w) == 0)
			return (w.flags & KP_WAIT_STOPPED) ? -ESHUTDOWN : 0;
		if (errno != EAGAIN)
			return -errno;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

static const char *failed_step;

#define CHECK(expr, step) do {				\
	if ((expr) < 0) {				\
		err = -errno;				\
		failed_step = step;			\
		goto out;				\
	}						\
} while (0)

static int one_cycle(void)
{
	struct kp_trans_cmd tc[2] = {
		{ .cmd = KP_TRANS_READ, .bar = 0, .width = 4, .offset = 0x24,
		  .mask = 0xffffffff },
		{ .cmd = KP_TRANS_WRITE, .flags = KP_TRANS_F_USE_READ,
		  .bar = 0, .width = 4, .offset = 0x64 },
	};
	struct kp_plugin_open po = { .argsz = sizeof(po) };
	struct kp_plugin_call pc = { .argsz = sizeof(pc), .message = 0xdead };
	struct kp_int_enable ie = { .argsz = sizeof(ie),
				    .mode = KP_INT_MODE_MSI, .nvec = 1,
				    .ntrans = 2 };
	char data[64] = { 0 };
	volatile uint32_t *bar = MAP_FAILED;
	int kofd = -1, fd = -1, err = 0, i;

	kofd = open(ko, O_RDONLY | O_CLOEXEC);
	CHECK(kofd, "open ko");
	CHECK(syscall(SYS_finit_module, kofd, "", 0), "finit_module");
	close(kofd);
	kofd = -1;
	fd = open(devpath, O_RDWR | O_CLOEXEC);
	CHECK(fd, "open dev");
	CHECK(ioctl(fd, KP_PLUGIN_OPEN, &po), "KP_PLUGIN_OPEN");
	pc.data = (uintptr_t)data;
	pc.data_size = sizeof(data);
	CHECK(ioctl(fd, KP_PLUGIN_CALL, &pc), "KP_PLUGIN_CALL");
	ie.trans = (uintptr_t)tc;
	CHECK(ioctl(fd, KP_INT_ENABLE, &ie), "KP_INT_ENABLE");
	bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   KP_MMAP_OFFSET(0));
	if (bar == MAP_FAILED) {
		err = -errno;
		failed_step = "mmap";
		goto out;
	}
	for (i = 0; i < 2; i++) {
		bar[0x60 / 4] = 1;
		err = wait_one(fd);
		if (err) {
			failed_step = "KP_INT_WAIT";
			goto out;
		}
	}
	munmap((void *)bar, 4096);
	bar = MAP_FAILED;
	CHECK(ioctl(fd, KP_INT_DISABLE, NULL), "KP_INT_DISABLE");
	CHECK(ioctl(fd, KP_PLUGIN_CLOSE, NULL), "KP_PLUGIN_CLOSE");
	close(fd);
	fd = -1;
	CHECK(syscall(SYS_delete_module, modname, O_NONBLOCK),
	      "delete_module");
	return 0;
out:
	if (bar != MAP_FAILED)
		munmap((void *)bar, 4096);
	if (fd >= 0)
		close(fd);
	if (kofd >= 0)
		close(kofd);
	syscall(SYS_delete_module, modname, O_NONBLOCK);
	return err ? err : -EIO;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ko", required_argument, NULL, 'k' },
		{ "module", required_argument, NULL, 'm' },
		{ "dev", required_argument, NULL, 'd' },
		{ "cycles", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	static struct kpt_kmem before, after;
	int cycles = 100, warmup = 3, c, i, err = 0, done = 0, first = 1;
	long long d, maxd = 0;
	double t0, t1;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'k': ko = optarg; break;
		case 'm': modname = optarg; break;
		case 'd': devpath = optarg; break;
		case 'n': cycles = atoi(optarg); break;
		case 'w': warmup = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!ko || !modname || !devpath) {
		fprintf(stderr, "usage: kp_cycle --ko PATH --module NAME "
			"--dev NODE [--cycles N] [--warmup W]\n");
		return 2;
	}
	for (i = 0; i < warmup && !err; i++)
		err = one_cycle();
	sleep(1);	/* let deferred work of the warm-up settle */
	if (!err)
		kpt_kmem_snapshot(&before);
	t0 = kpt_now();
	for (i = 0; i < cycles && !err; i++) {
		err = one_cycle();
		if (!err)
			done++;
	}
	t1 = kpt_now();
	if (!err)
		kpt_kmem_snapshot(&after);
	printf("{\"cycles\": %d, \"done\": %d, \"error\": \"%s\", "
	       "\"failed_step\": \"%s\", \"seconds\": %.3f",
	       cycles, done, err ? kpt_errname(err) : "",
	       failed_step ? failed_step : "", t1 - t0);
	if (!err) {
		printf(", \"vmalloc_kp_delta\": %lld, \"caches\": {",
		       after.vmalloc_kp - before.vmalloc_kp);
		for (i = 0; i < before.n && i < after.n; i++) {
			if (strcmp(before.name[i], after.name[i]))
				continue;
			d = after.objects[i] - before.objects[i];
			if (d > maxd)
				maxd = d;
			printf("%s\"%s\": %lld", first ? "" : ", ",
			       before.name[i], d);
			first = 0;
		}
		printf("}, \"max_cache_delta\": %lld", maxd);
	}
	printf("}\n");
	return err ? 1 : 0;
}
