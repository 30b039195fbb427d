// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * edu_app - user-mode application of the kp_edu Kernel PlugIn
 * (/dev/kp/kp_edu<n>), written against libkp.
 *
 *   edu_app [--dev PATH] info
 *   edu_app [--dev PATH] version
 *   edu_app [--dev PATH] liveness VALUE
 *   edu_app [--dev PATH] factorial N [--irq]
 *   edu_app [--dev PATH] irq --mode msi|intx|auto [--trans] --count N
 *                            [--burst] [--handler-thread] [--notify-every K]
 *   edu_app [--dev PATH] lock-hammer [--lock contended|private]
 *                            [--iterations N] [--threads T]
 *
 * Every command prints one JSON line (the last line of its output) with
 * exact counts; the exit status is 0 when the command itself worked (the
 * counts are for the caller to judge).
 *
 * irq raises N interrupts by writing 1 to edu's raise register (BAR0 0x60)
 * through the mmap()ed BAR.  Without --burst each raise waits until the
 * previous interrupt was handled: its notification reached user mode (or,
 * with --notify-every K > 1, the runtime counted the hard IRQ).  With
 * --burst all N are raised back to back and the app then waits for the
 * counters to settle.  --trans acknowledges the interrupt with transfer
 * commands (read 0x24 as the ownership test, write the value read to
 * 0x64); without it the plugin's KP_IntAtIrql* acknowledges in code.
 * --handler-thread counts on libkp's handler thread (WDC_IntEnable
 * style); otherwise the main thread blocks in kp_int_wait().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "libkp.h"
#include "../kp_edu_msgs.h"

static const char *dev_path;

/* ---- small helpers -------------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static inline void reg_write(volatile void *bar, unsigned int off,
			     uint32_t v)
{
	*(volatile uint32_t *)((volatile char *)bar + off) = v;
}

static inline uint32_t reg_read(volatile void *bar, unsigned int off)
{
	return *(volatile uint32_t *)((volatile char *)bar + off);
}

static int open_dev(struct kp_dev **dev)
{
	struct kp_dev_entry e[16];
	int n, i;

	if (dev_path)
		return kp_open_path(dev, dev_path);
	n = kp_list(e, 16);
	if (n < 0)
		return n;
	for (i = 0; i < n && i < 16; i++)
		if (!strcmp(e[i].driver, KP_EDU_DRIVER_NAME))
			return kp_open(dev, e[i].driver, e[i].index);
	return -ENODEV;
}

/* Prints the error JSON line, closes @dev; returns the exit status 1. */
static int fail(struct kp_dev *dev, const char *cmd, const char *what,
		int err)
{
	printf("{\"cmd\": \"%s\", \"error\": \"%s\", \"errno\": %d, "
	       "\"detail\": \"%s\"}\n", cmd, what, -err,
	       dev ? kp_strerror(dev) : strerror(-err));
	kp_close(dev);
	return 1;
}

/* open + KP_PLUGIN_OPEN */
static int open_plugin(struct kp_dev **dev)
{
	int err = open_dev(dev);

	if (err)
		return err;
	err = kp_plugin_open(*dev, NULL, 0);
	if (err) {
		kp_close(*dev);
		*dev = NULL;
	}
	return err;
}

/* The runtime's counters: sysfs /sys/class/kp/<name>/<counter>. */
struct counters {
	uint64_t v[8];
};
static const char *const counter_names[8] = {
	"interrupts", "spurious", "dpc_requests", "dpcs", "dpc_count_sum",
	"notifications", "lost", "calls",
};

static int read_sysfs_counters(const char *name, struct counters *c)
{
	char path[128];
	FILE *f;
	int i, ok;

	for (i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "/sys/class/kp/%s/%s", name,
			 counter_names[i]);
		f = fopen(path, "re");
		if (!f)
			return -errno;
		ok = fscanf(f, "%" SCNu64, &c->v[i]) == 1;
		fclose(f);
		if (!ok)
			return -EINVAL;
	}
	return 0;
}

static void stats_to_counters(const struct kp_stats *s, struct counters *c)
{
	c->v[0] = s->interrupts;
	c->v[1] = s->spurious;
	c->v[2] = s->dpc_requests;
	c->v[3] = s->dpcs;
	c->v[4] = s->dpc_count_sum;
	c->v[5] = s->notifications;
	c->v[6] = s->lost;
	c->v[7] = s->calls;
}

static void print_delta(const char *key, const struct counters *a,
			const struct counters *b)
{
	int i;

	printf("\"%s\": {", key);
	for (i = 0; i < 8; i++)
		printf("%s\"%s\": %" PRIu64, i ? ", " : "", counter_names[i],
		       a->v[i] - b->v[i]);
	printf("}");
}

/* Linux IRQ numbers of the granted vectors. */
static int device_irqs(const char *bdf, uint32_t mode, int *irqs, int max)
{
	char path[128];
	struct dirent *de;
	DIR *d;
	FILE *f;
	int n = 0;

	if (mode == KP_INT_MODE_INTX) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/irq",
			 bdf);
		f = fopen(path, "re");
		if (!f)
			return -errno;
		n = fscanf(f, "%d", &irqs[0]) == 1;
		fclose(f);
		return n;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs", bdf);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < max)
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
			irqs[n++] = atoi(de->d_name);
	closedir(d);
	return n;
}

/* Sum over CPUs of the /proc/interrupts lines of @irqs; -1 if missing. */
static int64_t proc_interrupts(const int *irqs, int n)
{
	char *line = NULL, *p, *end;
	size_t cap = 0;
	int64_t total = 0;
	int found = 0, i, irq;
	FILE *f = fopen("/proc/interrupts", "re");

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		p = line + strspn(line, " ");
		irq = strtol(p, &end, 10);
		if (end == p || *end != ':')
			continue;
		for (i = 0; i < n && irqs[i] != irq; i++)
			;
		if (i == n)
			continue;
		found++;
		for (p = end + 1;; p = end) {
			unsigned long long c = strtoull(p, &end, 10);

			if (end == p)
				break;
			total += c;
		}
	}
	free(line);
	fclose(f);
	return found == n ? total : -1;
}

/* ---- info / version / liveness / factorial -------------------------- */

static int cmd_info(void)
{
	struct kp_device_info info;
	struct kp_bar_info bi;
	struct kp_dev *dev = NULL;
	unsigned int bar;
	int err;

	err = open_dev(&dev);
	if (err)
		return fail(NULL, "info", "open", err);
	err = kp_get_info(dev, &info);
	if (err)
		return fail(dev, "info", "get_info", err);
	printf("{\"cmd\": \"info\", \"driver\": \"%.16s\", \"index\": %u, "
	       "\"bdf\": \"%.16s\", \"vendor\": %u, \"device\": %u, "
	       "\"irq_caps\": %u, \"msi_max\": %u, \"msix_max\": %u, "
	       "\"bars\": [", info.driver, info.index, info.bdf, info.vendor,
	       info.device, info.irq_caps, info.msi_max, info.msix_max);
	for (bar = 0; bar < info.num_bars; bar++) {
		err = kp_get_bar_info(dev, bar, &bi);
		if (err)
			return fail(dev, "info", "get_bar_info", err);
		printf("%s{\"size\": %llu, \"flags\": %u}", bar ? ", " : "",
		       (unsigned long long)bi.size, bi.flags);
	}
	printf("]}\n");
	kp_close(dev);
	return 0;
}

static int cmd_version(void)
{
	struct kp_edu_version ver;
	struct kp_dev *dev = NULL;
	uint32_t result = ~0u;
	int err;

	err = open_plugin(&dev);
	if (err)
		return fail(dev, "version", "open", err);
	memset(&ver, 0, sizeof(ver));
	err = kp_call(dev, KP_EDU_MSG_VERSION, &ver, sizeof(ver), &result);
	if (err)
		return fail(dev, "version", "call", err);
	ver.text[sizeof(ver.text) - 1] = '\0';
	printf("{\"cmd\": \"version\", \"result\": %u, \"version\": %u, "
	       "\"device_id\": %u, \"text\": \"%s\"}\n", result, ver.version,
	       ver.device_id, ver.text);
	kp_close(dev);
	return 0;
}

static int cmd_liveness(uint32_t value)
{
	struct kp_dev *dev = NULL;
	uint32_t v = value, result = ~0u;
	int err;

	err = open_plugin(&dev);
	if (err)
		return fail(dev, "liveness", "open", err);
	err = kp_call(dev, KP_EDU_MSG_LIVENESS, &v, sizeof(v), &result);
	if (err)
		return fail(dev, "liveness", "call", err);
	printf("{\"cmd\": \"liveness\", \"result\": %u, \"value\": %u, "
	       "\"inverted\": %u}\n", result, value, v);
	kp_close(dev);
	return 0;
}

/*
 * factorial N: KP_Call FACTORIAL.  With --irq interrupts are enabled
 * first (auto mode, the plugin acknowledges) and the "factorial done"
 * interrupt must reach user mode within 5 s.
 */
static int cmd_factorial(uint32_t n, int irq)
{
	struct kp_int_opts opts = { .mode = KP_INT_MODE_AUTO };
	struct kp_edu_factorial f = { .value = n };
	struct kp_int_granted granted = { 0 };
	struct kp_int_result res;
	struct kp_dev *dev = NULL;
	volatile void *bar = NULL;
	uint32_t result = ~0u, status_end = 0;
	int err, notified = 0;
	double end;

	err = open_plugin(&dev);
	if (err)
		return fail(dev, "factorial", "open", err);
	if (irq) {
		err = kp_bar_map(dev, 0, &bar, NULL);
		if (err)
			return fail(dev, "factorial", "bar_map", err);
		reg_write(bar, KP_EDU_REG_IRQ_ACK, 0xffffffff);
		err = kp_int_enable(dev, &opts, NULL, NULL, &granted);
		if (err)
			return fail(dev, "factorial", "int_enable", err);
		f.flags = KP_EDU_FACT_IRQ;
	}
	err = kp_call(dev, KP_EDU_MSG_FACTORIAL, &f, sizeof(f), &result);
	if (err)
		return fail(dev, "factorial", "call", err);
	if (irq) {
		end = now() + 5.0;
		while (!notified && now() < end) {
			err = kp_int_wait(dev, &res, 1);
			if (!err && !res.stopped)
				notified++;
			else if (err && err != -EAGAIN)
				return fail(dev, "factorial", "int_wait", err);
			else
				sleep_ms(1);
		}
		/* a second notification would be wrong */
		sleep_ms(100);
		while (kp_int_wait(dev, &res, 1) == 0 && !res.stopped)
			notified++;
		status_end = reg_read(bar, KP_EDU_REG_IRQ_STATUS);
		err = kp_int_disable(dev);
		if (err)
			return fail(dev, "factorial", "int_disable", err);
	}
	printf("{\"cmd\": \"factorial\", \"result\": %u, \"n\": %u, "
	       "\"value\": %u, \"irq\": %d, \"granted_mode\": %u, "
	       "\"notifications\": %d, \"irq_status_end\": %u}\n", result, n,
	       f.value, irq, granted.mode, notified, status_end);
	kp_close(dev);
	return 0;
}

/* ---- irq ------------------------------------------------------------- */

struct irq_ctx {
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	uint64_t	calls;		/* user-mode handler invocations */
	uint64_t	lost;
};

static void irq_handler(struct kp_dev *dev, const struct kp_int_result *res,
			void *arg)
{
	struct irq_ctx *c = arg;

	(void)dev;
	pthread_mutex_lock(&c->lock);
	c->calls++;
	c->lost = res->lost;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static uint64_t irq_calls(struct irq_ctx *c)
{
	uint64_t n;

	pthread_mutex_lock(&c->lock);
	n = c->calls;
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* Handler thread: wait until @n calls or @timeout seconds. */
static uint64_t wait_calls(struct irq_ctx *c, uint64_t n, double timeout)
{
	struct timespec ts;
	uint64_t calls;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)timeout;
	pthread_mutex_lock(&c->lock);
	while (c->calls < n &&
	       pthread_cond_timedwait(&c->cond, &c->lock, &ts) != ETIMEDOUT)
		;
	calls = c->calls;
	pthread_mutex_unlock(&c->lock);
	return calls;
}

static void on_alarm(int sig)
{
	(void)sig;	/* only interrupts a blocked kp_int_wait() */
}

/*
 * Blocking mode: this thread sleeps in kp_int_wait() for one notification.
 * An alarm of @timeout seconds (SIGALRM without SA_RESTART) interrupts a
 * wait that would never end.  Returns 1 (got one), 0 (timeout or
 * stopped) or -errno.  @timeout 0: only what is pending, no sleeping.
 */
static int wait_one_blocking(struct kp_dev *dev, struct irq_ctx *c,
			     unsigned int timeout)
{
	struct kp_int_result res;
	int err;

	if (timeout)
		alarm(timeout);
	err = kp_int_wait(dev, &res, !timeout);
	if (timeout)
		alarm(0);
	if (err == -EINTR || err == -EAGAIN)
		return 0;
	if (err)
		return err;
	if (res.stopped)
		return 0;
	irq_handler(dev, &res, c);
	return 1;
}

static int stats_now(struct kp_dev *dev, struct counters *c)
{
	struct kp_stats st;
	int err = kp_get_stats(dev, &st);

	if (!err)
		stats_to_counters(&st, c);
	return err;
}

struct irq_args {
	uint32_t	mode;
	int		trans, burst, handler_thread;
	uint32_t	notify_every;
	uint64_t	count;
};

static int cmd_irq(const struct irq_args *a)
{
	struct kp_trans_cmd tc[2] = {
		{ .cmd = KP_TRANS_READ, .bar = 0, .width = 4,
		  .offset = KP_EDU_REG_IRQ_STATUS, .mask = 0xffffffff },
		{ .cmd = KP_TRANS_WRITE, .flags = KP_TRANS_F_USE_READ,
		  .bar = 0, .width = 4, .offset = KP_EDU_REG_IRQ_ACK },
	};
	struct kp_int_opts opts = { .mode = a->mode, .nvec = 1 };
	struct counters s0, s1, f0, f1, cur;
	struct kp_edu_notify_every ne = { .k = a->notify_every };
	struct kp_int_granted granted = { 0 };
	struct kp_device_info info;
	struct irq_ctx c = { .calls = 0 };
	pthread_condattr_t ca;
	struct kp_dev *dev = NULL;
	volatile void *bar;
	char name[48];
	int irqs[KP_MAX_VECTORS], nirq, err, i;
	uint64_t k, raised = 0, timeouts = 0, expect_calls, last_total;
	uint32_t result, status_end;
	int64_t p0, p1;
	double t0, t1, stable_since;

	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: EINTR */
	sigaction(SIGALRM, &sa, NULL);
	pthread_mutex_init(&c.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c.cond, &ca);

	err = open_plugin(&dev);
	if (err)
		return fail(dev, "irq", "open", err);
	err = kp_get_info(dev, &info);
	if (err)
		return fail(dev, "irq", "get_info", err);
	snprintf(name, sizeof(name), "%.16s%u", info.driver, info.index);
	err = kp_bar_map(dev, 0, &bar, NULL);
	if (err)
		return fail(dev, "irq", "bar_map", err);
	if (a->notify_every != 1) {
		err = kp_call(dev, KP_EDU_MSG_NOTIFY_EVERY, &ne, sizeof(ne),
			      &result);
		if (err || result != KP_EDU_RES_OK)
			return fail(dev, "irq", "notify_every",
				    err ? err : -EINVAL);
	}
	/* nothing pending: INTx would fire at once otherwise */
	reg_write(bar, KP_EDU_REG_IRQ_ACK, 0xffffffff);
	if (a->trans) {
		opts.trans = tc;
		opts.ntrans = 2;
		opts.message = KP_EDU_INTEN_TRANS_ACK;
	}
	err = kp_int_enable(dev, &opts, a->handler_thread ? irq_handler : NULL,
			    &c, &granted);
	if (err)
		return fail(dev, "irq", "int_enable", err);
	nirq = device_irqs(info.bdf, granted.mode, irqs, KP_MAX_VECTORS);
	if (nirq <= 0)
		return fail(dev, "irq", "device_irqs", nirq ? nirq : -ENOENT);
	err = stats_now(dev, &s0);
	if (!err)
		err = read_sysfs_counters(name, &f0);
	if (err)
		return fail(dev, "irq", "counters", err);
	p0 = proc_interrupts(irqs, nirq);
	expect_calls = a->count / a->notify_every;

	t0 = now();
	for (k = 1; k <= a->count; k++) {
		reg_write(bar, KP_EDU_REG_IRQ_RAISE, 1);
		raised++;
		if (a->burst)
			continue;
		if (k % a->notify_every == 0) {
			/* this interrupt notifies: wait for the handler */
			if (a->handler_thread)
				err = wait_calls(&c, k / a->notify_every,
						 5.0) >= k / a->notify_every;
			else
				err = wait_one_blocking(dev, &c, 5);
			if (err < 0)
				return fail(dev, "irq", "int_wait", err);
			if (!err) {
				timeouts++;
				break;
			}
		} else {
			/* no notification: wait for the runtime to count it */
			double end = now() + 5.0;

			do {
				err = stats_now(dev, &cur);
				if (err)
					return fail(dev, "irq", "stats", err);
			} while (cur.v[0] + cur.v[1] - s0.v[0] - s0.v[1] < k &&
				 now() < end);
			if (cur.v[0] + cur.v[1] - s0.v[0] - s0.v[1] < k) {
				timeouts++;
				break;
			}
		}
	}
	/*
	 * Settle: consume notifications until the counters have not moved
	 * for 300 ms and every notification the runtime made was consumed.
	 */
	stable_since = now();
	last_total = ~0ull;
	for (;;) {
		uint64_t total;

		if (!a->handler_thread)
			while ((err = wait_one_blocking(dev, &c, 0)) > 0)
				;
		err = stats_now(dev, &cur);
		if (err)
			return fail(dev, "irq", "stats", err);
		total = cur.v[0] + cur.v[1] + cur.v[5];
		if (total != last_total || irq_calls(&c) + cur.v[6] - s0.v[6] <
		    cur.v[5] - s0.v[5]) {
			last_total = total;
			stable_since = now();
		}
		if (now() - stable_since > 0.3 || now() - t0 > 600)
			break;
		sleep_ms(5);
	}
	t1 = now();
	p1 = proc_interrupts(irqs, nirq);
	err = kp_int_disable(dev);
	if (err)
		return fail(dev, "irq", "int_disable", err);
	err = stats_now(dev, &s1);
	if (!err)
		err = read_sysfs_counters(name, &f1);
	if (err)
		return fail(dev, "irq", "counters", err);
	status_end = reg_read(bar, KP_EDU_REG_IRQ_STATUS);

	printf("{\"cmd\": \"irq\", \"mode\": \"%s\", \"granted_mode\": \"%s\", "
	       "\"nvec\": %u, \"trans\": %d, \"burst\": %d, "
	       "\"handler_thread\": %d, \"notify_every\": %u, "
	       "\"count\": %" PRIu64 ", \"raised\": %" PRIu64 ", "
	       "\"expected_calls\": %" PRIu64 ", \"handler_calls\": %" PRIu64
	       ", \"timeouts\": %" PRIu64 ", \"irqs\": [",
	       a->mode == KP_INT_MODE_MSI ? "msi" :
	       a->mode == KP_INT_MODE_INTX ? "intx" : "auto",
	       granted.mode == KP_INT_MODE_MSI ? "msi" :
	       granted.mode == KP_INT_MODE_MSIX ? "msix" : "intx",
	       granted.nvec, a->trans, a->burst, a->handler_thread,
	       a->notify_every, a->count, raised, expect_calls,
	       irq_calls(&c), timeouts);
	for (i = 0; i < nirq; i++)
		printf("%s%d", i ? ", " : "", irqs[i]);
	printf("], \"proc_interrupts\": %" PRId64 ", \"irq_status_end\": %u, "
	       "\"seconds\": %.3f, ", (p0 < 0 || p1 < 0) ? -1 : p1 - p0,
	       status_end, t1 - t0);
	print_delta("stats", &s1, &s0);
	printf(", ");
	print_delta("sysfs", &f1, &f0);
	printf("}\n");
	kp_close(dev);
	return 0;
}

/* ---- lock-hammer ---------------------------------------------------- */

struct hammer {
	pthread_t	th;
	uint32_t	lock_id, iterations;
	int		err;
	uint32_t	result;
	double		seconds;
};

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	struct kp_edu_lock_hammer lh = { .lock_id = h->lock_id,
					 .iterations = h->iterations };
	struct kp_dev *dev = NULL;
	double t0;

	h->err = open_plugin(&dev);
	if (h->err)
		return NULL;
	t0 = now();
	h->err = kp_call(dev, KP_EDU_MSG_LOCK_HAMMER, &lh, sizeof(lh),
			 &h->result);
	h->seconds = now() - t0;
	kp_close(dev);
	return NULL;
}

static int cmd_lock_hammer(uint32_t lock_id, uint32_t iterations,
			   int threads)
{
	struct hammer h[64];
	int i, errors = 0, bad_results = 0;
	double t0, t1;

	if (threads < 1 || threads > 64)
		threads = 1;
	t0 = now();
	for (i = 0; i < threads; i++) {
		h[i].lock_id = lock_id;
		h[i].iterations = iterations;
		h[i].err = 0;
		h[i].result = ~0u;
		pthread_create(&h[i].th, NULL, hammer_thread, &h[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(h[i].th, NULL);
		errors += h[i].err != 0;
		bad_results += !h[i].err && h[i].result != KP_EDU_RES_OK;
	}
	t1 = now();
	printf("{\"cmd\": \"lock-hammer\", \"lock\": \"%s\", "
	       "\"iterations\": %u, \"threads\": %d, \"errors\": %d, "
	       "\"bad_results\": %d, \"first_errno\": %d, \"seconds\": %.3f}\n",
	       lock_id == KP_EDU_LOCK_CONTENDED ? "contended" : "private",
	       iterations, threads, errors, bad_results, -h[0].err, t1 - t0);
	return 0;
}

/* ---- main ------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr,
"usage: edu_app [--dev PATH] info | version | liveness VALUE |\n"
"         factorial N [--irq] |\n"
"         irq --mode msi|intx|auto [--trans] --count N [--burst]\n"
"             [--handler-thread] [--notify-every K] |\n"
"         lock-hammer [--lock contended|private] [--iterations N]\n"
"             [--threads T]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "irq", no_argument, NULL, 'I' },
		{ "mode", required_argument, NULL, 'm' },
		{ "trans", no_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ "burst", no_argument, NULL, 'b' },
		{ "handler-thread", no_argument, NULL, 'h' },
		{ "notify-every", required_argument, NULL, 'k' },
		{ "lock", required_argument, NULL, 'l' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "threads", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct irq_args ia = { .mode = KP_INT_MODE_MSI, .notify_every = 1,
			       .count = 1 };
	uint32_t lock_id = KP_EDU_LOCK_CONTENDED, iterations = 10000;
	int threads = 2, irq = 0, c;
	const char *cmd;
	char *pos[4];
	int npos = 0;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': dev_path = optarg; break;
		case 'I': irq = 1; break;
		case 'm':
			if (!strcmp(optarg, "msi"))
				ia.mode = KP_INT_MODE_MSI;
			else if (!strcmp(optarg, "intx"))
				ia.mode = KP_INT_MODE_INTX;
			else if (!strcmp(optarg, "auto"))
				ia.mode = KP_INT_MODE_AUTO;
			else
				usage();
			break;
		case 't': ia.trans = 1; break;
		case 'c': ia.count = strtoull(optarg, NULL, 0); break;
		case 'b': ia.burst = 1; break;
		case 'h': ia.handler_thread = 1; break;
		case 'k': ia.notify_every = strtoul(optarg, NULL, 0); break;
		case 'l':
			if (!strcmp(optarg, "contended"))
				lock_id = KP_EDU_LOCK_CONTENDED;
			else if (!strcmp(optarg, "private"))
				lock_id = KP_EDU_LOCK_PRIVATE;
			else
				usage();
			break;
		case 'i': iterations = strtoul(optarg, NULL, 0); break;
		case 'T': threads = atoi(optarg); break;
		default: usage();
		}
	}
	/* getopt_long permutes: the positionals are at the end */
	while (optind < argc && npos < 4)
		pos[npos++] = argv[optind++];
	if (!npos)
		usage();
	cmd = pos[0];
	if (!strcmp(cmd, "info") && npos == 1)
		return cmd_info();
	if (!strcmp(cmd, "version") && npos == 1)
		return cmd_version();
	if (!strcmp(cmd, "liveness") && npos == 2)
		return cmd_liveness(strtoul(pos[1], NULL, 0));
	if (!strcmp(cmd, "factorial") && npos == 2)
		return cmd_factorial(strtoul(pos[1], NULL, 0), irq);
	if (!strcmp(cmd, "irq") && npos == 1) {
		if (!ia.notify_every || !ia.count)
			usage();
		return cmd_irq(&ia);
	}
	if (!strcmp(cmd, "lock-hammer") && npos == 1)
		return cmd_lock_hammer(lock_id, iterations, threads);
	usage();
	return 2;
}
