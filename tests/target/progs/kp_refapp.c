// SPDX-License-Identifier: GPL-2.0
/*
 * kp_refapp - user-mode side of the reference plugin (kp_reference.ko,
 * the reference guide's example callbacks verbatim) for the target tests.
 *
 *   kp_refapp [--dev PATH] version
 *   kp_refapp [--dev PATH] irq --mode msi|intx [--trans] --count N
 *
 * irq raises N edu interrupts one at a time (write 1 to BAR0 0x60; the
 * next raise only after the previous one was handled) with a libkp handler
 * thread counting the user-mode handler calls, and prints one JSON line:
 * raised, handler calls, runtime counter deltas (KP_GET_STATS and sysfs),
 * the /proc/interrupts delta and edu's irq status at the end.
 *
 * The reference's KP_IntAtIrqlMSI returns TRUE every time (one user-mode
 * call per MSI); its KP_IntAtIrql returns TRUE every 5th interrupt and
 * never acks edu, so INTx needs --trans (read 0x24, write it to 0x64).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libkp.h"
#include "kp_reference.h"
#include "kpt_common.h"
#include "kpt_irq.h"

/* KP_Init of the reference: strcpy(kpInit->cDriverName, "KPDriver") */
#define REF_DRIVER_NAME	"KPDriver"

#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64

static const char *dev_path;

static int open_dev(struct kp_dev **dev)
{
	struct kp_dev_entry e[8];
	int n, i;

	if (dev_path)
		return kp_open_path(dev, dev_path);
	n = kp_list(e, 8);
	for (i = 0; i < n && i < 8; i++)
		if (!strcmp(e[i].driver, REF_DRIVER_NAME))
			return kp_open(dev, e[i].driver, e[i].index);
	return -ENODEV;
}

static int fail(struct kp_dev *dev, const char *what, int err)
{
	printf("{\"error\": \"%s\", \"errno\": \"%s\", \"detail\": \"%s\"}\n",
	       what, kpt_errname(err), dev ? kp_strerror(dev) : "");
	kp_close(dev);
	return 1;
}

static int cmd_version(void)
{
	struct kp_dev *dev = NULL;
	MY_DRV_VERSION ver;
	uint32_t result = ~0u;
	unsigned int byte16;
	int err;

	err = open_dev(&dev);
	if (err)
		return fail(NULL, "open", err);
	err = kp_plugin_open(dev, NULL, 0);
	if (err)
		return fail(dev, "plugin_open", err);
	memset(&ver, 0xa5, sizeof(ver));
	err = kp_call(dev, MY_DRV_MSG_VERSION, &ver, sizeof(ver), &result);
	if (err)
		return fail(dev, "call", err);
	/* the reference copies sizeof("My Driver V1.00") + 1 = 17 bytes */
	byte16 = (unsigned char)ver.cVer[16];
	ver.cVer[sizeof(ver.cVer) - 1] = '\0';
	printf("{\"result\": %u, \"ok\": %d, \"dwVer\": %u, \"cVer\": \"%s\", "
	       "\"byte16\": %u}\n", result, result == MY_DRV_OK,
	       (unsigned int)ver.dwVer, ver.cVer, byte16);
	kp_close(dev);
	return 0;
}

static inline void mmio_write32(volatile void *bar, unsigned int off,
				uint32_t v)
{
	*(volatile uint32_t *)((volatile char *)bar + off) = v;
}

static inline uint32_t mmio_read32(volatile void *bar, unsigned int off)
{
	return *(volatile uint32_t *)((volatile char *)bar + off);
}

static int cmd_irq(uint32_t mode, int trans, uint64_t count)
{
	struct kp_trans_cmd tc[2] = {
		{ .cmd = KP_TRANS_READ, .bar = 0, .width = 4,
		  .offset = EDU_IRQ_STATUS, .mask = 0xffffffff },
		{ .cmd = KP_TRANS_WRITE, .flags = KP_TRANS_F_USE_READ,
		  .bar = 0, .width = 4, .offset = EDU_IRQ_ACK },
	};
	struct kp_int_opts opts = { .mode = mode, .nvec = 1 };
	struct kpt_counters s0, s1, f0, f1, ds, df;
	struct kp_int_granted granted;
	struct kpt_handler h;
	struct kp_stats st;
	struct kp_dev *dev = NULL;
	volatile void *bar;
	char name[40], bdf[20];
	int irqs[KPT_MAX_IRQS], nirq, err;
	int64_t p0, p1;
	uint64_t i, expect, raised = 0, timeouts = 0;
	uint32_t status_end;
	double t0, t1;

	expect = mode == KP_INT_MODE_MSI ? count : count / 5;
	err = open_dev(&dev);
	if (err)
		return fail(NULL, "open", err);
	err = kpt_dev_name(dev, name, sizeof(name), bdf, sizeof(bdf));
	if (err)
		return fail(dev, "get_info", err);
	err = kp_plugin_open(dev, NULL, 0);
	if (err)
		return fail(dev, "plugin_open", err);
	err = kp_bar_map(dev, 0, &bar, NULL);
	if (err)
		return fail(dev, "bar_map", err);
	mmio_write32(bar, EDU_IRQ_ACK, 0xffffffff);	/* start clean */
	if (trans) {
		opts.trans = tc;
		opts.ntrans = 2;
	}
	kpt_handler_init(&h);
	err = kp_int_enable(dev, &opts, kpt_handler_fn, &h, &granted);
	if (err)
		return fail(dev, "int_enable", err);
	nirq = kpt_device_irqs(bdf, granted.mode, irqs, KPT_MAX_IRQS);
	if (nirq <= 0)
		return fail(dev, "device_irqs", nirq ? nirq : -ENOENT);
	err = kp_get_stats(dev, &st);
	if (err)
		return fail(dev, "get_stats", err);
	kpt_from_stats(&st, &s0);
	err = kpt_read_sysfs(name, &f0);
	if (err)
		return fail(dev, "sysfs", err);
	p0 = kpt_proc_interrupts(irqs, nirq);

	t0 = kpt_now();
	for (i = 0; i < count; i++) {
		mmio_write32(bar, EDU_IRQ_RAISE, 1);
		raised++;
		if (mode == KP_INT_MODE_MSI) {
			if (kpt_handler_wait(&h, i + 1, 5.0) < i + 1) {
				timeouts++;
				break;
			}
		} else {
			/* handled == acked by the transfer commands */
			double end = kpt_now() + 5.0;

			while (mmio_read32(bar, EDU_IRQ_STATUS) &&
			       kpt_now() < end)
				;
			if (mmio_read32(bar, EDU_IRQ_STATUS)) {
				timeouts++;
				break;
			}
		}
	}
	kpt_handler_wait(&h, expect, 5.0);
	t1 = kpt_now();
	/* Anything beyond the expected count would come now. */
	usleep(200000);
	p1 = kpt_proc_interrupts(irqs, nirq);
	err = kp_int_disable(dev);
	if (err)
		return fail(dev, "int_disable", err);
	err = kp_get_stats(dev, &st);
	if (err)
		return fail(dev, "get_stats", err);
	kpt_from_stats(&st, &s1);
	err = kpt_read_sysfs(name, &f1);
	if (err)
		return fail(dev, "sysfs", err);
	status_end = mmio_read32(bar, EDU_IRQ_STATUS);
	mmio_write32(bar, EDU_IRQ_ACK, 0xffffffff);
	kpt_sub(&ds, &s1, &s0);
	kpt_sub(&df, &f1, &f0);

	printf("{\"mode\": \"%s\", \"granted_mode\": %u, \"nvec\": %u, "
	       "\"trans\": %d, \"count\": %" PRIu64 ", \"raised\": %" PRIu64
	       ", \"expected_calls\": %" PRIu64 ", \"handler_calls\": %" PRIu64
	       ", \"timeouts\": %" PRIu64 ", \"proc_interrupts\": %" PRId64
	       ", \"irq_status_end\": %u, \"seconds\": %.3f, ",
	       mode == KP_INT_MODE_MSI ? "msi" : "intx", granted.mode,
	       granted.nvec, trans, count, raised, expect,
	       kpt_handler_calls(&h), timeouts,
	       (p0 < 0 || p1 < 0) ? (int64_t)-1 : p1 - p0, status_end,
	       t1 - t0);
	kpt_print_counters(stdout, "stats", &ds);
	printf(", ");
	kpt_print_counters(stdout, "sysfs", &df);
	printf("}\n");
	kp_close(dev);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kp_refapp [--dev PATH] version\n"
		"       kp_refapp [--dev PATH] irq --mode msi|intx [--trans] "
		"--count N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "trans", no_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t mode = KP_INT_MODE_MSI;
	uint64_t count = 100;
	int trans = 0, c;

	while ((c = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (c) {
		case 'd': dev_path = optarg; break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	if (!strcmp(argv[optind], "version"))
		return cmd_version();
	if (strcmp(argv[optind], "irq"))
		usage();
	optind++;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': dev_path = optarg; break;
		case 'm':
			if (!strcmp(optarg, "msi"))
				mode = KP_INT_MODE_MSI;
			else if (!strcmp(optarg, "intx"))
				mode = KP_INT_MODE_INTX;
			else
				usage();
			break;
		case 't': trans = 1; break;
		case 'c': count = strtoull(optarg, NULL, 0); break;
		default: usage();
		}
	}
	return cmd_irq(mode, trans, count);
}
