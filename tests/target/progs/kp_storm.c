// SPDX-License-Identifier: GPL-2.0
/*
 * kp_storm - one INTx storm on edu and how the runtime contains it; prints
 * one JSON line.
 *
 *   kp_storm --dev PATH --plugin hostile --hmode N
 *	kp_hostile with HOSTILE_MODE_N (1 CLAIM_NOACK, 2 NEVER_MINE): INTx
 *	on, one thread blocked in KP_INT_WAIT, one raise (edu BAR0 0x60 =
 *	1), which nobody acknowledges.  Reports the storms attribute before,
 *	when irq_state said the interrupts stopped, how and when the waiter
 *	woke, what further waits took (KP_WAIT_ALL) until the stop,
 *	irq_state, storms, the change of the runtime's counters,
 *	/proc/interrupts of the line from the raise to the stop and in the
 *	500 ms after it; then
 *	KP_INT_DISABLE and a re-enable in HOSTILE_MODE_ACK with one raise
 *	that must come through.
 *   kp_storm --dev PATH --plugin starter
 *	The same with the starter plugin `kpgen new` generates (no
 *	acknowledge steps: it never claims); the re-enable raises nothing.
 *   kp_storm --dev PATH --plugin edu-transack
 *	kp_edu's KP_EDU_INTEN_TRANS_ACK without transfer commands: the
 *	enable must fail (nothing to storm); then one raise (not delivered:
 *	no handler) and the proper enable, with the commands, that
 *	delivers the next raise.
 *
 * The edu status stays pending after a contained storm; the program acks
 * it before re-enabling.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kp_edu_msgs.h"
#include "kpt_common.h"
#include "kpt_raw.h"

#define WAITER_TIMEOUT_NS	(30ull * 1000000000ull)

static int fd = -1;
static char name[64], bdf[32];
static int irq;

struct waiter {
	pthread_t	thread;
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	int		done;
	int		err;
	struct kp_int_wait w;
	double		when;
};

static void *waiter_fn(void *arg)
{
	struct waiter *wt = arg;
	struct kp_int_wait w;
	int e;

	/* a timeout only so that a broken runtime cannot hang the program */
	e = kpt_int_wait(fd, KP_WAIT_TIMEOUT, WAITER_TIMEOUT_NS, &w);
	pthread_mutex_lock(&wt->lock);
	wt->when = kpt_now();
	wt->err = e;
	wt->w = w;
	wt->done = 1;
	pthread_cond_broadcast(&wt->cond);
	pthread_mutex_unlock(&wt->lock);
	return NULL;
}

static void waiter_start(struct waiter *wt)
{
	memset(wt, 0, sizeof(*wt));
	pthread_mutex_init(&wt->lock, NULL);
	pthread_cond_init(&wt->cond, NULL);
	pthread_create(&wt->thread, NULL, waiter_fn, wt);
	kpt_sleep_ms(100);		/* asleep in the kernel by now */
}

static void waiter_join(struct waiter *wt)
{
	pthread_join(wt->thread, NULL);
}

static int64_t proc_count(void)
{
	return kpt_proc_interrupts(&irq, 1);
}

static void ack_edu(void)
{
	uint32_t st = 0;

	if (!kpt_bar_rd32(fd, KPT_EDU_IRQ_STATUS, &st) && st)
		kpt_bar_wr32(fd, KPT_EDU_IRQ_ACK, st);
}

static void print_state(const char *key)
{
	char buf[64] = "?";

	kpt_attr(name, "irq_state", buf, sizeof(buf));
	printf("\"%s\": \"%s\", ", key, buf);
}

/* Seconds from @t0 until irq_state says interrupts stopped (-1: never). */
static double until_stopped(double t0)
{
	char buf[64];

	while (kpt_now() < t0 + 30.0) {
		if (!kpt_attr(name, "irq_state", buf, sizeof(buf)) &&
		    strcmp(buf, "enabled"))
			return kpt_now() - t0;
		kpt_sleep_ms(1);
	}
	return -1;
}

static void print_waiter(const struct waiter *wt, double t0)
{
	printf("\"waiter\": {\"errno\": \"%s\", \"stopped\": %d, "
	       "\"reason\": %u, \"counter\": %llu, \"pending\": %llu, "
	       "\"seconds\": %.6f}, ", kpt_errname(wt->err),
	       !!(wt->w.flags & KP_WAIT_STOPPED), wt->w.reason,
	       wt->w.counter, wt->w.pending, wt->when - t0);
}

/* The runtime's counters since @base (taken before the enable). */
static void print_stats(const struct kp_stats *base)
{
	struct kp_stats st;
	int e = kpt_get_stats(fd, &st);

	st.interrupts -= base->interrupts;
	st.spurious -= base->spurious;
	st.dpc_requests -= base->dpc_requests;
	st.notifications -= base->notifications;
	st.storms -= base->storms;

	printf("\"stats\": {\"errno\": \"%s\", \"interrupts\": %llu"
	       ", \"spurious\": %llu, \"dpc_requests\": %llu"
	       ", \"notifications\": %llu, \"storms\": %llu}, ",
	       kpt_errname(e), st.interrupts, st.spurious, st.dpc_requests,
	       st.notifications, st.storms);
}

/*
 * A plugin that claims the storm made a notification of every interrupt;
 * they come first (drained with KP_WAIT_ALL), then the stop.
 */
static void drain(const struct waiter *wt)
{
	struct kp_int_wait w = { 0 };
	uint64_t taken = 0;
	int e = 0, rounds = 0;

	if (wt->err || (wt->w.flags & KP_WAIT_STOPPED))
		w = wt->w;
	while (!e && !(w.flags & KP_WAIT_STOPPED) && rounds++ < 100) {
		e = kpt_int_wait(fd, KP_WAIT_ALL | KP_WAIT_TIMEOUT,
				 5000000000ull, &w);
		if (!e && !(w.flags & KP_WAIT_STOPPED))
			taken += w.taken;
	}
	printf("\"drain\": {\"errno\": \"%s\", \"taken\": %llu, "
	       "\"stopped\": %d, \"reason\": %u}, ", kpt_errname(e),
	       (unsigned long long)taken, !!(w.flags & KP_WAIT_STOPPED),
	       w.reason);
}

/* After the storm: disable, ack, enable again and take one raise. */
static void reenable(int hostile)
{
	struct kp_int_enable ie;
	struct kp_int_wait w = { 0 };
	int e, we = -1;

	printf("\"disable_errno\": \"%s\", ",
	       kpt_errname(kpt_ioctl(fd, KP_INT_DISABLE, NULL)));
	print_state("irq_state_after_disable");
	ack_edu();
	if (hostile)
		e = kpt_hostile_enable(fd, KP_INT_MODE_INTX, HOSTILE_MODE_ACK);
	else
		e = kpt_int_enable(fd, &ie, KP_INT_MODE_INTX, 0, NULL, 0,
				   NULL, 0);
	printf("\"reenable_errno\": \"%s\", ", kpt_errname(e));
	print_state("irq_state_reenabled");
	if (!e && hostile) {
		kpt_bar_wr32(fd, KPT_EDU_IRQ_RAISE, 1);
		we = kpt_int_wait(fd, KP_WAIT_TIMEOUT, 5000000000ull, &w);
	} else if (!e) {
		we = kpt_int_wait(fd, KP_WAIT_NONBLOCK, 0, &w);
	}
	printf("\"reenable_wait\": {\"errno\": \"%s\", \"counter\": %llu"
	       ", \"stopped\": %d}, ", kpt_errname(we), w.counter,
	       !!(w.flags & KP_WAIT_STOPPED));
	printf("\"redisable_errno\": \"%s\", ",
	       kpt_errname(e ? 0 : kpt_ioctl(fd, KP_INT_DISABLE, NULL)));
	ack_edu();
}

static int storm(int hostile, uint32_t hmode)
{
	struct waiter wt;
	struct hostile_msg m;
	struct kp_int_enable ie;
	struct kp_stats base;
	int64_t p0, p1, p2;
	uint32_t status = 0, res = 0;
	char storms[32] = "-1";
	double t0, contained;
	int e;

	ack_edu();
	kpt_get_stats(fd, &base);
	kpt_attr(name, "storms", storms, sizeof(storms));
	printf("\"storms_before\": %s, ", storms);
	if (hostile)
		e = kpt_hostile_enable(fd, KP_INT_MODE_INTX, hmode);
	else
		e = kpt_int_enable(fd, &ie, KP_INT_MODE_INTX, 0, NULL, 0,
				   NULL, 0);
	printf("\"enable_errno\": \"%s\", ", kpt_errname(e));
	if (e)
		return 1;
	print_state("irq_state_enabled");

	waiter_start(&wt);
	p0 = proc_count();
	t0 = kpt_now();
	kpt_bar_wr32(fd, KPT_EDU_IRQ_RAISE, 1);
	contained = until_stopped(t0);
	waiter_join(&wt);
	p1 = proc_count();
	kpt_sleep_ms(500);
	p2 = proc_count();

	printf("\"contained_seconds\": %.6f, ", contained);
	print_waiter(&wt, t0);
	drain(&wt);
	printf("\"proc_interrupts\": {\"until_stop\": %" PRId64
	       ", \"after_stop\": %" PRId64 "}, ", p1 - p0, p2 - p1);
	print_state("irq_state");
	kpt_attr(name, "storms", storms, sizeof(storms));
	printf("\"storms_attr\": %s, ", storms);
	print_stats(&base);
	kpt_bar_rd32(fd, KPT_EDU_IRQ_STATUS, &status);
	printf("\"irq_status\": %u, ", status);
	if (hostile) {
		memset(&m, 0, sizeof(m));
		e = kpt_hostile_call(fd, HOSTILE_MSG_COUNTS, &m, &res);
		printf("\"hostile\": {\"errno\": \"%s\", \"irql\": %llu"
		       ", \"claimed\": %llu}, ", kpt_errname(e),
		       m.irql, m.claimed);
	}
	reenable(hostile);
	return 0;
}

static int edu_transack(void)
{
	static const struct kp_trans_cmd trans[2] = {
		{ .cmd = KP_TRANS_READ, .bar = 0, .width = 4,
		  .offset = KPT_EDU_IRQ_STATUS, .mask = 0xffffffff },
		{ .cmd = KP_TRANS_WRITE, .flags = KP_TRANS_F_USE_READ,
		  .bar = 0, .width = 4, .offset = KPT_EDU_IRQ_ACK },
	};
	struct kp_int_enable ie;
	struct kp_int_wait w = { 0 };
	int64_t p0, p1;
	int e, we = -1;

	ack_edu();
	e = kpt_int_enable(fd, &ie, KP_INT_MODE_INTX, KP_EDU_INTEN_TRANS_ACK,
			   NULL, 0, NULL, 0);
	printf("\"enable_errno\": \"%s\", \"enable_result\": %u, ",
	       kpt_errname(e), ie.result);
	print_state("irq_state");
	p0 = proc_count();
	kpt_bar_wr32(fd, KPT_EDU_IRQ_RAISE, 1);
	kpt_sleep_ms(300);
	p1 = proc_count();
	printf("\"proc_interrupts\": {\"before\": %" PRId64 ", \"after\": %"
	       PRId64 "}, ", p0, p1);
	if (!e)
		kpt_ioctl(fd, KP_INT_DISABLE, NULL);

	/* the proper way: the commands do the ack */
	e = kpt_int_enable(fd, &ie, KP_INT_MODE_INTX, KP_EDU_INTEN_TRANS_ACK,
			   NULL, 0, trans, 2);
	printf("\"trans_enable_errno\": \"%s\", ", kpt_errname(e));
	if (!e) {
		kpt_bar_wr32(fd, KPT_EDU_IRQ_RAISE, 1);
		we = kpt_int_wait(fd, KP_WAIT_TIMEOUT, 5000000000ull, &w);
		kpt_ioctl(fd, KP_INT_DISABLE, NULL);
	}
	printf("\"trans_wait\": {\"errno\": \"%s\", \"counter\": %llu"
	       "}, ", kpt_errname(we), w.counter);
	ack_edu();
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "plugin", required_argument, NULL, 'p' },
		{ "hmode", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dev = NULL, *plugin = "hostile";
	uint32_t hmode = HOSTILE_MODE_CLAIM_NOACK;
	int c, e, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 'p': plugin = optarg; break;
		case 'm': hmode = strtoul(optarg, NULL, 0); break;
		default: return 2;
		}
	}
	if (!dev) {
		fprintf(stderr, "usage: kp_storm --dev PATH --plugin "
			"hostile|starter|edu-transack [--hmode N]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0 || (e = kpt_plugin_open(fd)) ||
	    (e = kpt_names(fd, name, sizeof(name), bdf, sizeof(bdf)))) {
		printf("{\"error\": \"open\", \"errno\": \"%s\"}\n",
		       kpt_errname(fd < 0 ? errno : e));
		return 1;
	}
	irq = kpt_intx_irq(bdf);
	printf("{\"plugin\": \"%s\", \"dev\": \"%s\", \"irq\": %d, ", plugin,
	       name, irq);
	if (!strcmp(plugin, "edu-transack"))
		ret = edu_transack();
	else
		ret = storm(!strcmp(plugin, "hostile"), hmode);
	printf("\"done\": 1}\n");
	close(fd);
	return ret;
}
