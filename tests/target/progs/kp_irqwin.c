// SPDX-License-Identifier: GPL-2.0
/*
 * kp_irqwin - raises N edu interrupts one at a time and keeps the IRQ
 * allocated afterwards, so a tracer (kpstat) can end its window while the
 * IRQ still has its /proc/interrupts line.
 *
 *   kp_irqwin --dev PATH --mode msi|intx --count N [--go FILE]
 *             --release FILE
 *
 * Enables interrupts (the kp_edu plugin acks them in code) and prints
 * {"ready": 1, "irqs": [29]}; with --go, waits until FILE exists (so a
 * tracer can start while the IRQ is already allocated).  Then reads the
 * /proc/interrupts line(s) of the granted vectors and the sysfs counters,
 * raises N interrupts (each waits for its notification, so every hard IRQ
 * and DPC has completed), reads both again and prints one JSON line:
 *
 *   {"mode": "msi", "irqs": [29], "raised": N, "timeouts": 0,
 *    "proc_delta": N, "sysfs": {"interrupts": N, ...}}
 *
 * Then it waits (up to 300 s) until the release FILE exists, disables
 * interrupts, closes the device and prints {"released": 1}.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kpt_common.h"
#include "kp_edu_msgs.h"

static void on_alarm(int sig)
{
	(void)sig;	/* interrupts a kp_int_wait() that would hang */
}

/* Waits up to 300 s for @path to exist; 0 if it does. */
static int wait_file(const char *path)
{
	double end = kpt_now() + 300;

	while (access(path, F_OK) && kpt_now() < end)
		usleep(20000);
	return access(path, F_OK);
}

static void print_irqs(const int *irqs, int n)
{
	printf("\"irqs\": [");
	for (int i = 0; i < n; i++)
		printf("%s%d", i ? ", " : "", irqs[i]);
	printf("]");
}

static int fail(struct kp_dev *dev, const char *step, int err)
{
	printf("{\"error\": \"%s\", \"errno\": \"%s\", \"detail\": \"%s\"}\n",
	       step, kpt_errname(err), dev ? kp_strerror(dev) : "");
	kp_close(dev);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'c' },
		{ "go", required_argument, NULL, 'g' },
		{ "release", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct kp_int_opts opts = { .mode = KP_INT_MODE_MSI, .nvec = 1 };
	const char *path = NULL, *go = NULL, *release = NULL;
	struct kpt_counters c0, c1, d;
	struct kp_int_granted granted = { 0 };
	struct kp_int_result res;
	struct sigaction sa;
	struct kp_dev *dev = NULL;
	volatile void *bar;
	volatile uint32_t *regs;
	char name[48], bdf[32];
	int irqs[KPT_MAX_IRQS], nirq, err, c;
	uint64_t count = 0, raised = 0, timeouts = 0;
	int64_t p0, p1;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': path = optarg; break;
		case 'm':
			if (!strcmp(optarg, "intx"))
				opts.mode = KP_INT_MODE_INTX;
			else if (strcmp(optarg, "msi"))
				goto usage;
			break;
		case 'c': count = strtoull(optarg, NULL, 0); break;
		case 'g': go = optarg; break;
		case 'r': release = optarg; break;
		default: goto usage;
		}
	}
	if (!path || !release || !count)
		goto usage;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: EINTR */
	sigaction(SIGALRM, &sa, NULL);

	err = kp_open_path(&dev, path);
	if (err)
		return fail(NULL, "open", err);
	err = kp_plugin_open(dev, NULL, 0);
	if (!err)
		err = kpt_dev_name(dev, name, sizeof(name), bdf, sizeof(bdf));
	if (!err)
		err = kp_bar_map(dev, 0, &bar, NULL);
	if (err)
		return fail(dev, "setup", err);
	regs = bar;
	/* nothing pending: INTx would fire at once otherwise */
	regs[KP_EDU_REG_IRQ_ACK / 4] = 0xffffffff;
	err = kp_int_enable(dev, &opts, NULL, NULL, &granted);
	if (err)
		return fail(dev, "int_enable", err);
	nirq = kpt_device_irqs(bdf, granted.mode, irqs, KPT_MAX_IRQS);
	if (nirq <= 0)
		return fail(dev, "device_irqs", nirq ? nirq : -ENOENT);
	printf("{\"ready\": 1, ");
	print_irqs(irqs, nirq);
	printf("}\n");
	fflush(stdout);
	if (go && wait_file(go))
		return fail(dev, "go", -ETIMEDOUT);
	err = kpt_read_sysfs(name, &c0);
	if (err)
		return fail(dev, "sysfs", err);
	p0 = kpt_proc_interrupts(irqs, nirq);

	for (raised = 0; raised < count; ) {
		regs[KP_EDU_REG_IRQ_RAISE / 4] = 1;
		raised++;
		alarm(5);
		err = kp_int_wait(dev, &res, 0);
		alarm(0);
		if (err == -EINTR || (!err && res.stopped)) {
			timeouts++;
			break;
		}
		if (err)
			return fail(dev, "int_wait", err);
	}

	p1 = kpt_proc_interrupts(irqs, nirq);
	err = kpt_read_sysfs(name, &c1);
	if (err)
		return fail(dev, "sysfs", err);
	kpt_sub(&d, &c1, &c0);
	printf("{\"device\": \"%s\", \"mode\": \"%s\", ", name,
	       granted.mode == KP_INT_MODE_INTX ? "intx" :
	       granted.mode == KP_INT_MODE_MSI ? "msi" : "msix");
	print_irqs(irqs, nirq);
	printf(", \"raised\": %" PRIu64 ", \"timeouts\": %" PRIu64
	       ", \"proc_delta\": %" PRId64 ", ", raised, timeouts,
	       (p0 < 0 || p1 < 0) ? -1 : p1 - p0);
	kpt_print_counters(stdout, "sysfs", &d);
	printf("}\n");
	fflush(stdout);

	wait_file(release);
	err = kp_int_disable(dev);
	kp_close(dev);
	printf("{\"released\": %d}\n", err ? 0 : 1);
	return err ? 1 : 0;

usage:
	fprintf(stderr, "usage: kp_irqwin --dev PATH --mode msi|intx "
		"--count N [--go FILE] --release FILE\n");
	return 2;
}
