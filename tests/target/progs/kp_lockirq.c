// SPDX-License-Identifier: GPL-2.0
/*
 * kp_lockirq - a KP_SPINLOCK taken in the hard-IRQ handler and in the DPC
 * (kp_hostile HOSTILE_MODE_LOCK); prints one JSON line.
 *
 *   kp_lockirq --dev PATH --mode msi|intx --count N
 *
 * N raises of edu, one at a time, each waited for (KP_INT_WAIT), so that
 * every interrupt gets a DPC of its own: kp_hostile then counts 2N
 * increments under the lock (KP_IntAtIrql* and KP_IntAtDpc* one each) -
 * made only when kp_spinlock_wait() really took the lock.
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dev = NULL, *mode = "msi";
	struct hostile_msg m;
	struct kp_int_wait w;
	uint64_t in_order = 0;
	uint32_t res = 0;
	int c, n = 100, fd, e, i, bad = 0, first_err = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 'm': mode = optarg; break;
		case 'n': n = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!dev || n < 1) {
		fprintf(stderr, "usage: kp_lockirq --dev PATH --mode msi|intx "
			"--count N\n");
		return 2;
	}
	fd = open(dev, O_RDWR | O_CLOEXEC);
	e = fd < 0 ? errno : kpt_plugin_open(fd);
	if (!e)
		e = kpt_hostile_enable(fd, strcmp(mode, "intx") ?
				       KP_INT_MODE_MSI : KP_INT_MODE_INTX,
				       HOSTILE_MODE_LOCK);
	printf("{\"mode\": \"%s\", \"count\": %d, \"enable_errno\": \"%s\", ",
	       mode, n, kpt_errname(e));
	if (e) {
		printf("\"done\": 1}\n");
		return 1;
	}
	for (i = 1; i <= n; i++) {
		e = kpt_bar_wr32(fd, KPT_EDU_IRQ_RAISE, 1);
		if (!e)
			e = kpt_int_wait(fd, KP_WAIT_TIMEOUT, 5000000000ull, &w);
		if (!e && !(w.flags & KP_WAIT_STOPPED) && w.counter == (uint64_t)i)
			in_order++;
		else if (!bad++)
			first_err = e ? e : ERANGE;
		if (e)
			break;
	}
	memset(&m, 0, sizeof(m));
	e = kpt_hostile_call(fd, HOSTILE_MSG_COUNTS, &m, &res);
	printf("\"waits_in_order\": %llu, \"bad_waits\": %d, \"first_error\": "
	       "\"%s\", \"counts_errno\": \"%s\", \"irql\": %llu, \"claimed\": "
	       "%llu, \"dpcs\": %llu, \"dpc_count_sum\": %llu, \"locked\": "
	       "%llu, ", (unsigned long long)in_order, bad,
	       kpt_errname(first_err), kpt_errname(e),
	       (unsigned long long)m.irql, (unsigned long long)m.claimed,
	       (unsigned long long)m.dpcs,
	       (unsigned long long)m.dpc_count_sum,
	       (unsigned long long)m.locked);
	printf("\"disable_errno\": \"%s\", \"done\": 1}\n",
	       kpt_errname(kpt_ioctl(fd, KP_INT_DISABLE, NULL)));
	close(fd);
	return 0;
}
