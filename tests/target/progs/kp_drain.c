// SPDX-License-Identifier: GPL-2.0
/*
 * kp_drain - notifications queued when interrupts stop are still taken,
 * in order, before the stop is reported; prints one JSON line.
 *
 *   kp_drain --dev PATH --via ioctl|libkp|all --count N
 *
 * kp_hostile (HOSTILE_MODE_ACK) on edu, MSI: N raises, one at a time,
 * each waited for until its DPC has queued its notification (the
 * runtime's notification counter), none taken.  Then KP_INT_DISABLE and
 * N + 1 waits:
 *   ioctl  KP_INT_WAIT (raw UAPI), one notification per wait;
 *   libkp  kp_int_wait(), which takes them from the mapped queue;
 *   all    KP_INT_WAIT with KP_WAIT_ALL: the first takes all N.
 * Each wait has a 5 s timeout (KP_WAIT_TIMEOUT), so that a runtime that
 * loses them cannot hang the program.  Prints per wait: errno, counter
 * (ordinal), pending, taken, stopped, reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kpt_common.h"
#include "kpt_raw.h"

#define WAIT_NS		5000000000ull

struct result {
	int		err;
	uint64_t	counter, pending, taken;
	int		stopped;
	uint32_t	reason;
};

static void print_results(const struct result *r, int n)
{
	int i;

	printf("\"waits\": [");
	for (i = 0; i < n; i++)
		printf("%s{\"errno\": \"%s\", \"counter\": %llu, \"pending\": "
		       "%llu, \"taken\": %llu, \"stopped\": %d, \"reason\": %u}",
		       i ? ", " : "", kpt_errname(r[i].err),
		       (unsigned long long)r[i].counter,
		       (unsigned long long)r[i].pending,
		       (unsigned long long)r[i].taken, r[i].stopped,
		       r[i].reason);
	printf("], ");
}

/* Waits until the runtime has made @n notifications since @base. */
static int wait_notified(int fd, uint64_t base, uint64_t n)
{
	struct kp_stats st;
	double end = kpt_now() + 5.0;

	while (!kpt_get_stats(fd, &st) && kpt_now() < end) {
		if (st.notifications - base >= n)
			return 0;
		kpt_sleep_ms(1);
	}
	return ETIMEDOUT;
}

/* N raises, each queued before the next; returns 0 or an errno. */
static int queue(int fd, int n)
{
	struct kp_stats st;
	int i, e = kpt_get_stats(fd, &st);

	for (i = 0; !e && i < n; i++) {
		e = kpt_bar_wr32(fd, KPT_EDU_IRQ_RAISE, 1);
		if (!e)
			e = wait_notified(fd, st.notifications, i + 1);
	}
	return e;
}

static int via_ioctl(int fd, int n, int all, struct result *r)
{
	struct kp_int_wait w;
	int e, i, waits = all ? 2 : n + 1;

	e = kpt_hostile_enable(fd, KP_INT_MODE_MSI, HOSTILE_MODE_ACK);
	if (!e)
		e = queue(fd, n);
	printf("\"queue_errno\": \"%s\", ", kpt_errname(e));
	if (e)
		return 0;
	printf("\"disable_errno\": \"%s\", ",
	       kpt_errname(kpt_ioctl(fd, KP_INT_DISABLE, NULL)));
	for (i = 0; i < waits; i++) {
		r[i].err = kpt_int_wait(fd, KP_WAIT_TIMEOUT |
					(all ? KP_WAIT_ALL : 0), WAIT_NS, &w);
		r[i].counter = w.counter;
		r[i].pending = w.pending;
		r[i].taken = w.taken;
		r[i].stopped = !!(w.flags & KP_WAIT_STOPPED);
		r[i].reason = w.reason;
	}
	return waits;
}

static int via_libkp(const char *path, int n, struct result *r)
{
	struct hostile_int_enable opts = { .mode = HOSTILE_MODE_ACK };
	KP_INT_OPTS(io, .mode = KP_INT_MODE_MSI, .data = &opts,
		    .data_size = sizeof(opts));
	struct kp_int_result res;
	struct kp_dev *dev;
	int e, i;

	e = -kp_open_path(&dev, path);
	if (e) {
		printf("\"open_errno\": \"%s\", ", kpt_errname(e));
		return 0;
	}
	e = -kp_plugin_open(dev, NULL, 0);
	if (!e)
		e = -kp_int_enable(dev, &io, NULL, NULL, NULL);
	if (!e)
		e = queue(kp_fd(dev), n);
	printf("\"queue_errno\": \"%s\", ", kpt_errname(e));
	if (e) {
		kp_close(dev);
		return 0;
	}
	printf("\"disable_errno\": \"%s\", ",
	       kpt_errname(-kp_int_disable(dev)));
	for (i = 0; i < n + 1; i++) {
		memset(&res, 0, sizeof(res));
		r[i].err = -kp_int_wait_flags(dev, &res, KP_WAIT_TIMEOUT,
					      WAIT_NS);
		r[i].counter = res.counter;
		r[i].pending = res.pending;
		r[i].taken = res.taken;
		r[i].stopped = res.stopped;
		r[i].reason = res.reason;
	}
	kp_close(dev);
	return n + 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "via", required_argument, NULL, 'v' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dev = NULL, *via = "ioctl";
	struct result *r;
	int c, n = 8, fd, e, waits;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 'v': via = optarg; break;
		case 'n': n = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!dev || n < 1 || n > 1000) {
		fprintf(stderr, "usage: kp_drain --dev PATH "
			"--via ioctl|libkp|all --count N\n");
		return 2;
	}
	r = calloc(n + 1, sizeof(*r));
	if (!r)
		return 1;
	printf("{\"via\": \"%s\", \"count\": %d, ", via, n);
	if (!strcmp(via, "libkp")) {
		waits = via_libkp(dev, n, r);
	} else {
		fd = open(dev, O_RDWR | O_CLOEXEC);
		e = fd < 0 ? errno : kpt_plugin_open(fd);
		if (e) {
			printf("\"open_errno\": \"%s\", \"done\": 1}\n",
			       kpt_errname(e));
			return 1;
		}
		waits = via_ioctl(fd, n, !strcmp(via, "all"), r);
		close(fd);
	}
	print_results(r, waits);
	printf("\"done\": 1}\n");
	free(r);
	return waits ? 0 : 1;
}
