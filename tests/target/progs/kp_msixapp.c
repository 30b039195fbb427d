// SPDX-License-Identifier: GPL-2.0
/*
 * kp_msixapp - user-mode side of the kp_msix test plugin (QEMU's e1000e):
 * interrupts on several MSI-X vectors.
 *
 *   kp_msixapp [--dev PATH] --mode msix|msi|auto --nvec N --count C
 *              [--gap-us G] [--together]
 *
 * Enables interrupts with @mode and @nvec, routes e1000e's five causes
 * (RXQ0, RXQ1, TXQ0, TXQ1, OTHER) to the granted vectors (cause i to
 * vector i mod granted; MSI has one vector for all), then raises each
 * cause C times through ICS, round-robin, one at a time: the next raise
 * only after KP_INT_WAIT returned the notification of the previous one,
 * and G microseconds later (default 1000).  --together raises all five
 * causes with one ICS write C times (5 vectors needed), waiting for the
 * five notifications each time.
 *
 * Why the gap: QEMU 7.2's e1000e throttles every vector (EITR resets to
 * 500 = 128 us and cannot be set lower), and once it has postponed one
 * interrupt of a vector it keeps re-sending that vector whenever its
 * throttling timer expires (QEMU's "pending" flags are never cleared;
 * removed in QEMU 8.0).  A raise that lands while the vector's timer
 * runs - 128 us, or longer when QEMU's main loop is late - can spoil
 * the counts for the rest of the boot (seen: extra interrupts, raises
 * merged).  1 ms between raises keeps same-vector raises 5 ms apart.
 * Prints one JSON line: granted mode and vectors, per vector what was
 * expected, what KP_IntAtIrqlMSI / KP_IntAtDpcMSI saw (KPM_MSG_COUNTS)
 * and the /proc/interrupts delta of its line, how many waits reported
 * another last_vector than the one raised, the runtime counter deltas
 * (KP_GET_STATS and sysfs) and ICR at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libkp.h"
#include "kp_msix_msgs.h"
#include "kpt_common.h"

#define WAIT_MS		5000

static int fail(struct kp_dev *dev, const char *what, int err)
{
	printf("{\"error\": \"%s\", \"errno\": \"%s\", \"detail\": \"%s\"}\n",
	       what, kpt_errname(err), dev ? kp_strerror(dev) : "");
	kp_close(dev);
	return 1;
}

/*
 * The /proc/interrupts line whose action is @action: its IRQ and its
 * count summed over CPUs.  Returns -1 when there is no such line.
 */
static int64_t proc_irq_count(const char *action, int *irq)
{
	char *line = NULL, *p, *end, *name;
	size_t cap = 0, len;
	int64_t total = -1;
	FILE *f = fopen("/proc/interrupts", "re");

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		len = strlen(line);
		while (len && (line[len - 1] == '\n' || line[len - 1] == ' '))
			line[--len] = '\0';
		name = strrchr(line, ' ');
		if (!name || strcmp(name + 1, action))
			continue;
		p = line;
		while (*p == ' ')
			p++;
		*irq = strtol(p, &end, 10);
		if (end == p || *end != ':')
			continue;
		total = 0;
		for (p = end + 1;; p = end) {
			unsigned long long c = strtoull(p, &end, 10);

			if (end == p)
				break;
			total += c;
		}
		break;
	}
	free(line);
	fclose(f);
	return total;
}

static void vector_action(char *buf, size_t len, const char *name,
			  uint32_t nvec, uint32_t v)
{
	if (nvec > 1)
		snprintf(buf, len, "kp-%s-%u", name, v);
	else
		snprintf(buf, len, "kp-%s", name);
}

static void print_array(const char *key, const uint64_t *a, uint32_t n)
{
	uint32_t i;

	printf("\"%s\": [", key);
	for (i = 0; i < n; i++)
		printf("%s%" PRIu64, i ? ", " : "", a[i]);
	printf("], ");
}

static void print_array_s(const char *key, const int64_t *a, uint32_t n)
{
	uint32_t i;

	printf("\"%s\": [", key);
	for (i = 0; i < n; i++)
		printf("%s%" PRId64, i ? ", " : "", a[i]);
	printf("], ");
}

/* One notification within WAIT_MS: 0, or -ETIMEDOUT / -errno. */
static int wait_one(struct kp_dev *dev, struct kp_int_result *res)
{
	struct pollfd pfd = { .fd = kp_fd(dev), .events = POLLIN };
	int n = poll(&pfd, 1, WAIT_MS);

	if (n < 0)
		return -errno;
	if (!n)
		return -ETIMEDOUT;
	return kp_int_wait(dev, res, 1);
}

static int run(const char *path, uint32_t mode, uint32_t nvec,
	       uint64_t count, unsigned int gap_us, int together)
{
	struct kp_int_opts opts = { .mode = mode, .nvec = nvec };
	struct kpt_counters s0, s1, f0, f1, ds, df;
	uint64_t expect[KPM_MAX_VEC] = {}, irqs[KPM_MAX_VEC] = {};
	uint64_t dpcs[KPM_MAX_VEC] = {}, dpc_count[KPM_MAX_VEC] = {};
	int64_t p0[KPM_MAX_VEC], p1[KPM_MAX_VEC], proc[KPM_MAX_VEC];
	int irq_of[KPM_MAX_VEC];
	uint64_t i, fired = 0, timeouts = 0, wrong = 0, extra = 0;
	uint32_t g, v, cause, route[KPM_NCAUSES], first_wrong = ~0u;
	struct kp_device_info info;
	struct kp_int_granted granted;
	struct kp_int_result res;
	struct kpm_setup su;
	struct kpm_counts c;
	struct kp_stats st;
	struct kp_dev *dev = NULL;
	char name[40], action[64];
	uint32_t result;
	double t0, t1;
	int distinct = 0, err, w;

	err = kp_open_path(&dev, path);
	if (err)
		return fail(NULL, "open", err);
	err = kp_get_info(dev, &info);
	if (err)
		return fail(dev, "get_info", err);
	err = kpt_dev_name(dev, name, sizeof(name), NULL, 0);
	if (err)
		return fail(dev, "get_info", err);
	err = kp_plugin_open(dev, NULL, 0);
	if (err)
		return fail(dev, "plugin_open", err);
	err = kp_int_enable(dev, &opts, NULL, NULL, &granted);
	if (err)
		return fail(dev, "int_enable", err);
	g = granted.nvec;
	if (!g || g > KPM_MAX_VEC)
		return fail(dev, "granted nvec", -ERANGE);
	/* two causes on one vector may merge into one interrupt */
	if (together && g != KPM_NCAUSES)
		return fail(dev, "--together needs 5 vectors", -EINVAL);

	/* cause i -> vector i mod g; MSI: one vector, IVAR unused */
	memset(&su, 0, sizeof(su));
	su.ims = KPM_CAUSES_ALL;
	for (cause = 0; cause < KPM_NCAUSES; cause++) {
		route[cause] = cause % g;
		su.ivar |= KPM_IVAR(cause, route[cause]);
		su.ack[route[cause]] |= KPM_CAUSE(cause);
		expect[route[cause]] += count;
	}
	err = kp_call(dev, KPM_MSG_SETUP, &su, sizeof(su), &result);
	if (err || result != KPM_RES_OK)
		return fail(dev, "setup", err ? err : -EIO);

	for (v = 0; v < g; v++) {
		vector_action(action, sizeof(action), name, g, v);
		irq_of[v] = -1;
		p0[v] = proc_irq_count(action, &irq_of[v]);
	}
	/* each vector its own Linux IRQ (its own /proc/interrupts line) */
	for (v = 0; v < g; v++) {
		for (w = 0; w < (int)v; w++)
			if (irq_of[w] == irq_of[v])
				break;
		if (irq_of[v] >= 0 && w == (int)v)
			distinct++;
	}
	err = kp_get_stats(dev, &st);
	if (err)
		return fail(dev, "get_stats", err);
	kpt_from_stats(&st, &s0);
	err = kpt_read_sysfs(name, &f0);
	if (err)
		return fail(dev, "sysfs", err);

	t0 = kpt_now();
	/* --together: all causes in one ICS write, one vector each */
	for (i = 0; together && i < count; i++) {
		uint32_t k;

		err = kp_bar_write(dev, 0, KPM_REG_ICS, 4, KPM_CAUSES_ALL);
		if (err)
			return fail(dev, "ics", err);
		fired += KPM_NCAUSES;
		for (k = 0; k < KPM_NCAUSES; k++) {
			err = wait_one(dev, &res);
			if (err == -ETIMEDOUT || err == -EAGAIN)
				break;
			if (err)
				return fail(dev, "int_wait", err);
		}
		if (k < KPM_NCAUSES) {
			timeouts++;
			break;
		}
		if (gap_us)
			usleep(gap_us);
	}
	for (i = 0; !together && i < count * KPM_NCAUSES; i++) {
		cause = i % KPM_NCAUSES;
		err = kp_bar_write(dev, 0, KPM_REG_ICS, 4, KPM_CAUSE(cause));
		if (err)
			return fail(dev, "ics", err);
		fired++;
		err = wait_one(dev, &res);
		if (err == -ETIMEDOUT || err == -EAGAIN) {
			timeouts++;
			break;
		}
		if (err)
			return fail(dev, "int_wait", err);
		if (res.last_vector != route[cause]) {
			if (!wrong)
				first_wrong = (uint32_t)i;
			wrong++;
		}
		if (gap_us)
			usleep(gap_us);
	}
	t1 = kpt_now();
	/* Anything beyond one notification per raise would come now. */
	usleep(200000);
	while (kp_int_wait(dev, &res, 1) == 0 && !res.stopped)
		extra++;

	for (v = 0; v < g; v++) {
		int irq = -1;

		vector_action(action, sizeof(action), name, g, v);
		p1[v] = proc_irq_count(action, &irq);
		proc[v] = (p0[v] < 0 || p1[v] < 0 || irq != irq_of[v]) ?
			  -1 : p1[v] - p0[v];
	}
	err = kp_get_stats(dev, &st);
	if (err)
		return fail(dev, "get_stats", err);
	kpt_from_stats(&st, &s1);
	err = kpt_read_sysfs(name, &f1);
	if (err)
		return fail(dev, "sysfs", err);
	err = kp_call(dev, KPM_MSG_COUNTS, &c, sizeof(c), &result);
	if (err || result != KPM_RES_OK)
		return fail(dev, "counts", err ? err : -EIO);
	for (v = 0; v < g; v++) {
		irqs[v] = c.irqs[v];
		dpcs[v] = c.dpcs[v];
		dpc_count[v] = c.dpc_count[v];
	}
	err = kp_int_disable(dev);
	if (err)
		return fail(dev, "int_disable", err);
	kpt_sub(&ds, &s1, &s0);
	kpt_sub(&df, &f1, &f0);

	printf("{\"mode\": %u, \"together\": %d, \"granted_mode\": %u, "
	       "\"nvec\": %u, "
	       "\"msi_max\": %u, \"msix_max\": %u, \"count\": %" PRIu64
	       ", \"fired\": %" PRIu64 ", \"timeouts\": %" PRIu64
	       ", \"wrong_last_vector\": %" PRIu64 ", \"first_wrong\": %d"
	       ", \"extra\": %" PRIu64 ", \"bad_message\": %u, "
	       "\"distinct_irqs\": %d, \"ivar\": %u, \"ivar_rb\": %u, "
	       "\"ims_rb\": %u, \"icr_rb\": %u, \"itr_rb\": %u, "
	       "\"eitr_rb\": %u, \"icr_end\": %u, "
	       "\"seconds\": %.3f, ",
	       mode, together, granted.mode, g, info.msi_max, info.msix_max,
	       count,
	       fired, timeouts, wrong, (int)first_wrong, extra,
	       c.bad_message, distinct, su.ivar, su.ivar_rb, su.ims_rb,
	       su.icr_rb, su.itr_rb, su.eitr_rb, c.icr, t1 - t0);
	print_array("expected", expect, g);
	print_array("irqs", irqs, g);
	print_array("dpcs", dpcs, g);
	print_array("dpc_count", dpc_count, g);
	print_array_s("proc", proc, g);
	kpt_print_counters(stdout, "stats", &ds);
	printf(", ");
	kpt_print_counters(stdout, "sysfs", &df);
	printf("}\n");
	kp_close(dev);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: kp_msixapp [--dev PATH] --mode msix|msi|auto "
		"--nvec N --count C [--gap-us G] [--together]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "nvec", required_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'c' },
		{ "gap-us", required_argument, NULL, 'g' },
		{ "together", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = "/dev/kp/" KPM_DRIVER_NAME "0";
	uint32_t mode = KP_INT_MODE_MSIX, nvec = 5;
	uint64_t count = 100;
	unsigned int gap_us = 1000;
	int together = 0, c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			path = optarg;
			break;
		case 'm':
			if (!strcmp(optarg, "msix"))
				mode = KP_INT_MODE_MSIX;
			else if (!strcmp(optarg, "msi"))
				mode = KP_INT_MODE_MSI;
			else if (!strcmp(optarg, "auto"))
				mode = KP_INT_MODE_AUTO;
			else
				usage();
			break;
		case 'n':
			nvec = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			count = strtoull(optarg, NULL, 0);
			break;
		case 'g':
			gap_us = strtoul(optarg, NULL, 0);
			break;
		case 't':
			together = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	return run(path, mode, nvec, count, gap_us, together);
}
