// SPDX-License-Identifier: GPL-2.0
/*
 * kp_waitclose - a thread blocks in KP_INT_WAIT; then the main thread
 * either close()s the fd (--close) or issues KP_INT_DISABLE (--disable).
 * Prints one JSON line: whether the waiter returned, its errno and
 * whether KP_WAIT_STOPPED was set.  The waiter must be woken with
 * KP_WAIT_STOPPED (kp.h: "the fd was closed by its owner").
 *
 *   kp_waitclose --close|--disable DEVICE
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/kp.h>
#include "kpt_common.h"

static int fd;
static volatile int in_wait, returned, werr;
static volatile uint32_t wflags;

static void *waiter(void *arg)
{
	struct kp_int_wait w = { .argsz = sizeof(w) };

	(void)arg;
	in_wait = 1;
	werr = ioctl(fd, KP_INT_WAIT, &w) < 0 ? errno : 0;
	wflags = w.flags;
	returned = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	struct kp_plugin_open po = { .argsz = sizeof(po) };
	struct kp_int_enable ie = { .argsz = sizeof(ie),
				    .mode = KP_INT_MODE_MSI, .nvec = 1 };
	int do_close;
	pthread_t th;
	double t0, t1;

	if (argc != 3 || (strcmp(argv[1], "--close") &&
			  strcmp(argv[1], "--disable"))) {
		fprintf(stderr, "usage: kp_waitclose --close|--disable DEV\n");
		return 2;
	}
	do_close = !strcmp(argv[1], "--close");
	fd = open(argv[2], O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, KP_PLUGIN_OPEN, &po) < 0 ||
	    ioctl(fd, KP_INT_ENABLE, &ie) < 0) {
		printf("{\"error\": \"setup\", \"errno\": \"%s\"}\n",
		       kpt_errname(errno));
		return 1;
	}
	pthread_create(&th, NULL, waiter, NULL);
	while (!in_wait)
		usleep(1000);
	usleep(300000);		/* let it block in the kernel */
	if (returned) {
		printf("{\"error\": \"wait returned early\", \"errno\": "
		       "\"%s\", \"flags\": %u}\n", kpt_errname(werr), wflags);
		return 1;
	}
	t0 = kpt_now();
	if (do_close)
		close(fd);
	else
		ioctl(fd, KP_INT_DISABLE, NULL);
	while (!returned && kpt_now() - t0 < 5.0)
		usleep(1000);
	t1 = kpt_now();
	printf("{\"action\": \"%s\", \"returned\": %d, \"errno\": \"%s\", "
	       "\"stopped\": %d, \"seconds\": %.3f}\n",
	       do_close ? "close" : "disable", returned,
	       returned ? kpt_errname(werr) : "-",
	       returned ? !!(wflags & KP_WAIT_STOPPED) : 0, t1 - t0);
	fflush(stdout);
	if (returned)
		pthread_join(th, NULL);
	if (!do_close)
		close(fd);
	/* a waiter still blocked is killed by exit_group() */
	_exit(0);
}
