// SPDX-License-Identifier: GPL-2.0
/*
 * bench_null - the floors the KP_Call round trip is compared with:
 *   timer    two back-to-back clock_gettime(CLOCK_MONOTONIC) (the cost of
 *            the measurement itself, included in every other figure)
 *   getppid  a null system call (syscall(SYS_getppid), never cached)
 *   ioctl    one ioctl() on /dev/kp_null (bench/kmod/kp_null.ko), whose
 *            handler returns 0: syscall entry + fd lookup + vfs dispatch
 * -m all | timer,getppid,ioctl (comma list).  Each call is timed alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench_common.h"

#define KP_NULL_IOCTL	_IO(0xB7, 0)

static int want(const char *mode, const char *what)
{
	return !strcmp(mode, "all") || strstr(mode, what);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct samples s;
	uint64_t t0, t1;
	unsigned int i;
	FILE *out;
	char checks[64];
	int fd = -1;

	bench_parse(argc, argv, &o);
	if (want(o.mode, "ioctl")) {
		fd = open("/dev/kp_null", O_RDWR);
		if (fd < 0)
			FAIL("/dev/kp_null: %s (insmod bench/kmod/kp_null.ko)",
			     strerror(errno));
	}
	snprintf(checks, sizeof(checks), "\"calls\": %u", o.iters);
	out = json_begin(o.out);
	if (want(o.mode, "timer")) {
		samples_init(&s, o.iters);
		for (i = 0; i < o.warmup + o.iters; i++) {
			t0 = now_ns();
			t1 = now_ns();
			if (i >= o.warmup)
				samples_add(&s, t1 - t0);
		}
		json_record(out, "clock_gettime", "call", "ns", &s, checks);
		samples_free(&s);
	}
	if (want(o.mode, "getppid")) {
		pid_t ppid = getppid();

		samples_init(&s, o.iters);
		for (i = 0; i < o.warmup + o.iters; i++) {
			long r;

			t0 = now_ns();
			r = syscall(SYS_getppid);
			t1 = now_ns();
			if (r != ppid)
				FAIL("getppid returned %ld", r);
			if (i >= o.warmup)
				samples_add(&s, t1 - t0);
		}
		json_record(out, "getppid", "call", "ns", &s, checks);
		samples_free(&s);
	}
	if (fd >= 0) {
		samples_init(&s, o.iters);
		for (i = 0; i < o.warmup + o.iters; i++) {
			int r;

			t0 = now_ns();
			r = ioctl(fd, KP_NULL_IOCTL, 0);
			t1 = now_ns();
			if (r)
				FAIL("kp_null ioctl: %s", strerror(errno));
			if (i >= o.warmup)
				samples_add(&s, t1 - t0);
		}
		json_record(out, "kp_null ioctl", "call", "ns", &s, checks);
		samples_free(&s);
		close(fd);
	}
	json_end(out);
	return 0;
}
