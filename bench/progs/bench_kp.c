// SPDX-License-Identifier: GPL-2.0
/*
 * bench_kp - the Kernel PlugIn runtime's figures, through libkp, on the
 * edu device bound to a kp plugin (the device is found with kp_list() by
 * its PCI ids 1234:11e8 and, with -d, its address): kp_edu (examples/edu, a real plugin: its
 * KP_IntAtIrql* read the status and ack edu in the hard IRQ, its DPC runs
 * in the runtime's tasklet) or kp_rt (bench/kmod/kp_rt.c: no interrupt
 * callbacks, so the runtime notifies user mode from the hard IRQ itself
 * and user mode acks edu through the BAR, as with VFIO; its KP_Call does
 * nothing).  Records of kp_rt are named kp-rt-*.
 *
 * -m a comma list of (default all):
 *   call        KP_Call round trips: an unknown message (dwResult
 *               KP_EDU_RES_NO_IMPL; 4-byte payload) and KP_EDU_MSG_VERSION
 *               (64 bytes out, one MMIO read of the id register); kp_rt:
 *               the no-op call with 4 B .. 1 MiB of data in and out
 *   wait-msi    raise -> kp_int_wait_flags() returns (blocking IntWait;
 *               libkp takes a notification already in the mapped queue
 *               without a system call), MSI
 *   wait-ioctl  wait-msi, always through the KP_INT_WAIT system call (the
 *               mapped queue left unread): what the mapping saves
 *   wait-intx   the same on INTx (kp_edu only)
 *   thread-msi  raise -> libkp's handler thread calls our handler, MSI
 *   every       KP_EDU_MSG_NOTIFY_EVERY k (-k): the DPC notifies user mode
 *               every k-th interrupt; throughput only (kp_edu only)
 *   dma-contig  4 KiB round trips through edu's DMA engine (bench_dma.h)
 *               with two kp contiguous buffers (KP_DMA_ALLOC, mmap()ed;
 *               coherent, so no sync), edu programmed from user mode
 *               through the mapped BAR, each completion interrupt taken
 *               with the blocking IntWait (kp_edu acks it in its hard
 *               IRQ); kp_edu only: it sets edu's 28-bit DMA mask
 *   dma-sg      the same with two locked user buffers (KP_DMA_LOCK),
 *               synced for the device before and for the CPU after
 *   dma-lock    kp_dma_sg_lock() + kp_dma_unlock() of 4 KiB, 64 KiB and
 *               1 MiB of user memory (no device I/O), with bus mastering
 *               held (MSI on) and toggled by each pair (-cold)
 *
 * One cycle: raise (edu 0x60) -> the wait returns [-> ack (edu 0x64), kp_rt
 * only: kp_edu's hard-IRQ handlers ack in the kernel].  Checks: every wait
 * returns the next counter with nothing pending and nothing lost, the
 * runtime's interrupts/notifications and /proc/interrupts grow by exactly
 * the number of raises (notifications by raises / k), and nothing arrives
 * afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench_common.h"
#include "bench_dma.h"
#include "libkp.h"
#include "kp_edu_msgs.h"

struct kp {
	struct kp_dev *dev;
	volatile void *bar;
	const struct bench_opts *o;
	char bdf[16];
	int rt;				/* kp_rt: user mode acks */
	int raw;			/* wait with KP_INT_WAIT itself */
	uint32_t granted_mode;
	/* blocking waits */
	uint64_t counter;
	int have_counter;
	/* handler thread */
	sem_t sem;
	atomic_uint_fast64_t calls;
	atomic_uint_fast64_t t_handler;
	atomic_int bad;			/* handler saw a bad result */
	uint64_t waited;		/* sem_wait()s returned */
	uint64_t h_counter;
	/* DMA: the round trip's buffers, or the one being locked */
	struct kp_dma *dsrc, *ddst;
};

#define KP_CHECK(err, what) KP_CHECK_DEV(k->dev, err, what)

static void kp_open_edu(struct kp *k)
{
	struct kp_dev_entry e[16];
	int n, i;

	n = kp_list(e, 16);
	if (n < 0)
		FAIL("kp_list: %s", strerror(-n));
	for (i = 0; i < n && i < 16; i++) {
		if (e[i].vendor == 0x1234 && e[i].device == 0x11e8 &&
		    (!k->o->bdf || !strcmp(e[i].bdf, k->o->bdf))) {
			KP_CHECK(kp_open(&k->dev, e[i].driver, e[i].index),
				 "kp_open");
			snprintf(k->bdf, sizeof(k->bdf), "%s", e[i].bdf);
			k->rt = !strcmp(e[i].driver, "kp_rt");
			break;
		}
	}
	if (!k->dev)
		FAIL("no edu device %s in /sys/class/kp (plugin not bound?)",
		     k->o->bdf ? k->o->bdf : "");
	KP_CHECK(kp_plugin_open(k->dev, NULL, 0), "kp_plugin_open");
	KP_CHECK(kp_bar_map(k->dev, 0, &k->bar, NULL), "kp_bar_map");
	if ((reg_read(k->bar, EDU_REG_ID) & 0xff) != 0xed)
		FAIL("BAR0 does not look like edu (id 0x%08x)",
		     reg_read(k->bar, EDU_REG_ID));
}

static void check_result(const struct kp_int_result *r, uint64_t *prev,
			 int *have)
{
	if (r->stopped)
		FAIL("interrupts stopped under the benchmark");
	if (*have && r->counter != *prev + 1)
		FAIL("IntWait counter went %llu -> %llu: a wait did not "
		     "consume exactly one notification",
		     (unsigned long long)*prev,
		     (unsigned long long)r->counter);
	if (r->pending)
		FAIL("%llu notifications still pending after a wait",
		     (unsigned long long)r->pending);
	if (r->lost)
		FAIL("%llu notifications lost", (unsigned long long)r->lost);
	*prev = r->counter;
	*have = 1;
}

static void handler(struct kp_dev *dev, const struct kp_int_result *res,
		    void *ctx)
{
	struct kp *k = ctx;
	static int have;

	(void)dev;
	atomic_store(&k->t_handler, now_ns());
	if (res->stopped)
		return;
	if ((have && res->counter != k->h_counter + 1) || res->pending ||
	    res->lost)
		atomic_store(&k->bad, 1);
	k->h_counter = res->counter;
	have = 1;
	atomic_fetch_add(&k->calls, 1);
	sem_post(&k->sem);
}

static void int_on(struct kp *k, uint32_t mode, int thread)
{
	KP_INT_OPTS(opts, .mode = mode, .nvec = 1);
	struct kp_int_granted granted = { 0 };

	reg_write(k->bar, EDU_REG_IRQ_ACK, ~0u);
	KP_CHECK(kp_int_enable(k->dev, &opts, thread ? handler : NULL, k,
			       &granted), "kp_int_enable");
	if (granted.mode != mode)
		FAIL("asked for interrupt mode %u, got %u", mode,
		     granted.mode);
	if (granted.result != (k->rt ? 0 : KP_EDU_RES_OK))
		FAIL("KP_IntEnable result %u", granted.result);
	k->granted_mode = granted.mode;
	k->have_counter = 0;
}

/* Waits for one notification, blocking or through the handler thread. */
static void kp_wait1(struct kp *k, int thread, uint64_t *t1)
{
	struct kp_int_result r;

	if (thread) {
		while (sem_wait(&k->sem))
			if (errno != EINTR)
				FAIL("sem_wait: %s", strerror(errno));
		k->waited++;
		if (atomic_load(&k->bad))
			FAIL("the handler thread saw a wait that did not "
			     "consume exactly one notification");
		if (atomic_load(&k->calls) != k->waited)
			FAIL("%llu handler calls after %llu waits",
			     (unsigned long long)atomic_load(&k->calls),
			     (unsigned long long)k->waited);
		if (t1)
			*t1 = atomic_load(&k->t_handler);
		return;
	}
	if (k->raw) {
		struct kp_int_wait w = { .argsz = sizeof(w) };

		if (ioctl(kp_fd(k->dev), KP_INT_WAIT, &w))
			FAIL("KP_INT_WAIT: %s", strerror(errno));
		r.counter = w.counter;
		r.pending = w.pending;
		r.lost = w.lost;
		r.stopped = !!(w.flags & KP_WAIT_STOPPED);
	} else {
		KP_CHECK(kp_int_wait_flags(k->dev, &r, 0, 0), "kp_int_wait");
	}
	if (t1)
		*t1 = now_ns();
	check_result(&r, &k->counter, &k->have_counter);
}

struct deltas {
	struct kp_stats s0, s1;
	uint64_t p0, p1;
	int irq;
};

static void deltas_begin(struct kp *k, struct deltas *d)
{
	d->irq = device_irq(k->bdf, k->granted_mode != KP_INT_MODE_INTX);
	pin_irq(k->o, d->irq);
	KP_CHECK(kp_get_stats(k->dev, &d->s0), "kp_get_stats");
	d->p0 = proc_interrupts(d->irq);
}

/* Checks the counters after @raised raises and @notified notifications. */
static void deltas_end(struct kp *k, struct deltas *d, const char *name,
		       uint64_t raised, uint64_t notified, int thread,
		       char *checks, size_t len)
{
	struct kp_int_result r;
	int err;

	usleep(20000);		/* anything extra would arrive now */
	if (thread) {
		if (atomic_load(&k->calls) != notified)
			FAIL("%s: %llu handler calls for %llu notifications",
			     name, (unsigned long long)atomic_load(&k->calls),
			     (unsigned long long)notified);
	} else {
		err = kp_int_wait_flags(k->dev, &r, KP_WAIT_NONBLOCK, 0);
		if (err != -EAGAIN)
			FAIL("%s: a notification was left over (%d)", name,
			     err);
	}
	d->p1 = proc_interrupts(d->irq);
	KP_CHECK(kp_get_stats(k->dev, &d->s1), "kp_get_stats");
	if (d->p1 - d->p0 != raised)
		FAIL("%s: /proc/interrupts grew by %llu for %llu raises", name,
		     (unsigned long long)(d->p1 - d->p0),
		     (unsigned long long)raised);
	if (d->s1.interrupts - d->s0.interrupts != raised)
		FAIL("%s: runtime counted %llu interrupts for %llu raises",
		     name,
		     (unsigned long long)(d->s1.interrupts - d->s0.interrupts),
		     (unsigned long long)raised);
	if (d->s1.notifications - d->s0.notifications != notified)
		FAIL("%s: %llu notifications, expected %llu", name,
		     (unsigned long long)(d->s1.notifications -
					  d->s0.notifications),
		     (unsigned long long)notified);
	if (d->s1.spurious != d->s0.spurious || d->s1.lost != d->s0.lost)
		FAIL("%s: spurious or lost interrupts", name);
	snprintf(checks, len, "\"irq\": %d, \"raised\": %llu, "
		 "\"proc_interrupts_delta\": %llu, \"kp_interrupts_delta\": "
		 "%llu, \"kp_dpcs_delta\": %llu, \"kp_notifications_delta\": "
		 "%llu, \"batch\": %u", d->irq, (unsigned long long)raised,
		 (unsigned long long)(d->p1 - d->p0),
		 (unsigned long long)(d->s1.interrupts - d->s0.interrupts),
		 (unsigned long long)(d->s1.dpcs - d->s0.dpcs),
		 (unsigned long long)(d->s1.notifications -
				      d->s0.notifications),
		 k->o->batch);
}

static void run_irq(struct kp *k, uint32_t mode, int thread, FILE *out)
{
	const struct bench_opts *o = k->o;
	const char *what = thread ? "thread-msi" : k->raw ? "wait-msi-ioctl" :
		mode == KP_INT_MODE_MSI ? "wait-msi" : "wait-intx";
	char name[32];
	struct samples lat, thr;
	struct deltas d;
	uint64_t cycles = 0, t0, t1;
	unsigned int i, r;
	char checks[512];

	snprintf(name, sizeof(name), "%s-%s", k->rt ? "kp-rt" : "kp", what);
	if (k->rt && mode != KP_INT_MODE_MSI)
		FAIL("kp_rt has no KP_IntAtIrql to ack INTx: MSI only");
	if (thread) {
		sem_init(&k->sem, 0, 0);
		atomic_store(&k->calls, 0);
		k->waited = 0;
		atomic_store(&k->bad, 0);
	}
	int_on(k, mode, thread);
	deltas_begin(k, &d);
	samples_init(&lat, o->iters);
	samples_init(&thr, o->reps);
	for (i = 0; i < o->warmup + o->iters; i++) {
		t0 = now_ns();
		reg_write(k->bar, EDU_REG_IRQ_RAISE, EDU_IRQ_BIT);
		kp_wait1(k, thread, &t1);
		if (k->rt)
			reg_write(k->bar, EDU_REG_IRQ_ACK, EDU_IRQ_BIT);
		cycles++;
		if (i >= o->warmup)
			samples_add(&lat, t1 - t0);
	}
	for (r = 0; r < o->reps; r++) {
		t0 = now_ns();
		for (i = 0; i < o->batch; i++) {
			reg_write(k->bar, EDU_REG_IRQ_RAISE, EDU_IRQ_BIT);
			kp_wait1(k, thread, NULL);
			if (k->rt)
				reg_write(k->bar, EDU_REG_IRQ_ACK,
					  EDU_IRQ_BIT);
		}
		t1 = now_ns();
		cycles += o->batch;
		samples_add(&thr, (t1 - t0) / o->batch);
	}
	deltas_end(k, &d, name, cycles, cycles, thread, checks,
		   sizeof(checks));
	KP_CHECK(kp_int_disable(k->dev), "kp_int_disable");
	if (thread)
		sem_destroy(&k->sem);
	json_record(out, name, "latency", "ns", &lat, checks);
	json_record(out, name, "cycle", "ns", &thr, checks);
	samples_free(&lat);
	samples_free(&thr);
}

/*
 * NOTIFY_EVERY k: raise k interrupts one at a time (the next only after
 * the hard-IRQ side acked the previous one: edu's irq status reads 0),
 * then one wait.  Samples: ns per interrupt of each batch.
 */
static void run_every(struct kp *k, FILE *out)
{
	const struct bench_opts *o = k->o;
	struct samples thr;
	struct deltas d;
	uint64_t raised = 0, notified = 0, t0, t1;
	unsigned int i, j, r, groups;
	struct kp_edu_notify_every ne = { .k = o->k }, one = { .k = 1 };
	uint32_t every = o->k, result = ~0u;
	char checks[512], name[32];

	if (k->rt)
		FAIL("every needs kp_edu's DPC (NOTIFY_EVERY)");
	if (!every)
		FAIL("every: k must be >= 1");
	groups = o->batch / every ? o->batch / every : 1;
	int_on(k, KP_INT_MODE_MSI, 0);
	KP_CHECK(kp_call(k->dev, KP_EDU_MSG_NOTIFY_EVERY, &ne, sizeof(ne),
			 &result), "kp_call NOTIFY_EVERY");
	if (result)
		FAIL("NOTIFY_EVERY %u: result %u", every, result);
	deltas_begin(k, &d);
	samples_init(&thr, o->reps);
	for (r = 0; r < o->reps + 1; r++) {
		t0 = now_ns();
		for (i = 0; i < groups; i++) {
			for (j = 0; j < every; j++) {
				unsigned int spins = 0;

				reg_write(k->bar, EDU_REG_IRQ_RAISE,
					  EDU_IRQ_BIT);
				while (reg_read(k->bar, EDU_REG_IRQ_STATUS))
					if (++spins > 100000000)
						FAIL("every: the interrupt was "
						     "never acked in the "
						     "kernel");
			}
			kp_wait1(k, 0, NULL);
			raised += every;
			notified++;
		}
		t1 = now_ns();
		if (r)		/* the first batch is the warm-up */
			samples_add(&thr, (t1 - t0) / ((uint64_t)groups *
							every));
	}
	snprintf(name, sizeof(name), "kp-every-%u", every);
	deltas_end(k, &d, name, raised, notified, 0, checks, sizeof(checks));
	KP_CHECK(kp_call(k->dev, KP_EDU_MSG_NOTIFY_EVERY, &one, sizeof(one),
			 &result), "kp_call NOTIFY_EVERY 1");
	KP_CHECK(kp_int_disable(k->dev), "kp_int_disable");
	json_record(out, name, "cycle", "ns", &thr, checks);
	samples_free(&thr);
}

static void run_call1(struct kp *k, FILE *out, const char *name,
		      uint32_t msg, size_t size, uint32_t want_result)
{
	const struct bench_opts *o = k->o;
	struct kp_stats s0, s1;
	struct samples lat;
	uint64_t t0, t1;
	union {
		uint32_t raw;
		struct kp_edu_version ver;
	} data;
	uint32_t result;
	unsigned int i;
	char checks[160];

	KP_CHECK(kp_get_stats(k->dev, &s0), "kp_get_stats");
	samples_init(&lat, o->iters);
	for (i = 0; i < o->warmup + o->iters; i++) {
		memset(&data, 0, sizeof(data));
		result = ~0u;
		t0 = now_ns();
		KP_CHECK(kp_call(k->dev, msg, &data, size, &result),
			 "kp_call");
		t1 = now_ns();
		if (result != want_result)
			FAIL("%s: result %u, expected %u", name, result,
			     want_result);
		if (i >= o->warmup)
			samples_add(&lat, t1 - t0);
	}
	KP_CHECK(kp_get_stats(k->dev, &s1), "kp_get_stats");
	if (s1.calls - s0.calls != o->warmup + o->iters)
		FAIL("runtime counted %llu calls for %u",
		     (unsigned long long)(s1.calls - s0.calls),
		     o->warmup + o->iters);
	if (msg == KP_EDU_MSG_VERSION &&
	    (data.ver.version != KP_EDU_VERSION ||
	     (data.ver.device_id & 0xff) != 0xed))
		FAIL("VERSION returned 0x%x / id 0x%x", data.ver.version,
		     data.ver.device_id);
	snprintf(checks, sizeof(checks), "\"calls\": %u, \"message\": %u, "
		 "\"data_size\": %zu, \"result\": %u", o->warmup + o->iters,
		 msg, size, result);
	json_record(out, name, "call", "ns", &lat, checks);
	samples_free(&lat);
}

/* kp_rt: the no-op KP_Call with 4 B .. 1 MiB in and out */
static void run_call_sizes(struct kp *k, FILE *out)
{
	uint32_t max = bench_call_sizes[BENCH_NCALL_SIZES - 1];
	unsigned char *buf = malloc(max);
	struct kp_stats s0, s1;
	unsigned int z, i, n, total = 0;
	struct samples lat;
	uint64_t t0, t1;
	uint32_t result;
	char name[48], checks[160];

	if (!buf)
		FAIL("out of memory");
	memset(buf, 0x5a, max);		/* fault the pages in */
	KP_CHECK(kp_get_stats(k->dev, &s0), "kp_get_stats");
	for (z = 0; z < BENCH_NCALL_SIZES; z++) {
		uint32_t size = bench_call_sizes[z];

		n = bench_call_iters(k->o, size);
		samples_init(&lat, n);
		for (i = 0; i < k->o->warmup + n; i++) {
			result = ~0u;
			t0 = now_ns();
			KP_CHECK(kp_call(k->dev, 0, buf, size, &result),
				 "kp_call");
			t1 = now_ns();
			if (result)
				FAIL("kp_rt call %u: result %u", size, result);
			if (i >= k->o->warmup)
				samples_add(&lat, t1 - t0);
		}
		total += k->o->warmup + n;
		if (buf[0] != 0x5a || buf[size - 1] != 0x5a)
			FAIL("kp_rt call %u changed the data", size);
		snprintf(name, sizeof(name), "kp-rt call %u", size);
		snprintf(checks, sizeof(checks), "\"calls\": %u, "
			 "\"data_size\": %u", n, size);
		json_record(out, name, "call", "ns", &lat, checks);
		samples_free(&lat);
	}
	KP_CHECK(kp_get_stats(k->dev, &s1), "kp_get_stats");
	if (s1.calls - s0.calls != total)
		FAIL("runtime counted %llu calls for %u",
		     (unsigned long long)(s1.calls - s0.calls), total);
	free(buf);
}

static void run_call(struct kp *k, FILE *out)
{
	if (k->rt) {
		run_call_sizes(k, out);
		return;
	}
	/* 0 is no message of kp_edu: KP_Call answers KP_EDU_RES_NO_IMPL */
	run_call1(k, out, "kp_call", 0, sizeof(uint32_t), KP_EDU_RES_NO_IMPL);
	run_call1(k, out, "kp_call VERSION", KP_EDU_MSG_VERSION,
		  sizeof(struct kp_edu_version), KP_EDU_RES_OK);
}

/* ---- DMA (bench_dma.h) ---------------------------------------------- */

static void kp_dma_wait(struct dma_rt *rt)
{
	kp_wait1(rt->ctx, 0, NULL);
}

static void kp_dma_for_device(struct dma_rt *rt)
{
	struct kp *k = rt->ctx;

	KP_CHECK(kp_dma_sync_io(k->dsrc), "kp_dma_sync_io");
}

static void kp_dma_for_cpu(struct dma_rt *rt)
{
	struct kp *k = rt->ctx;

	KP_CHECK(kp_dma_sync_cpu(k->ddst), "kp_dma_sync_cpu");
}

static void kp_dma_buf(struct kp *k, int sg, uint32_t dir, void **buf,
		       struct kp_dma **dma)
{
	if (!sg) {
		KP_CHECK(kp_dma_contig_lock(k->dev, buf, dir, DMA_RT_SIZE,
					    dma), "kp_dma_contig_lock");
	} else {
		if (posix_memalign(buf, 4096, DMA_RT_SIZE))
			FAIL("out of memory");
		memset(*buf, 0, DMA_RT_SIZE);	/* fault it in */
		KP_CHECK(kp_dma_sg_lock(k->dev, *buf, dir, DMA_RT_SIZE, dma),
			 "kp_dma_sg_lock");
	}
	/* one page behind the IOMMU: one bus range, all edu can take */
	if ((*dma)->nsegs != 1)
		FAIL("a 4 KiB DMA buffer of %u segments", (*dma)->nsegs);
}

static void run_dma(struct kp *k, int sg, FILE *out)
{
	static const struct dma_rt_ops contig_ops = { .wait = kp_dma_wait };
	static const struct dma_rt_ops sg_ops = {
		.wait = kp_dma_wait,
		.for_device = kp_dma_for_device,
		.for_cpu = kp_dma_for_cpu,
	};
	const char *name = sg ? "kp-dma-sg" : "kp-dma-contig";
	struct dma_rt rt = { .bar = k->bar, .ops = sg ? &sg_ops : &contig_ops,
			     .ctx = k };
	struct samples wall, cpu;
	struct deltas d;
	uint64_t xfers;
	char checks[768];
	size_t len;
	void *s, *t;

	if (k->rt)
		FAIL("dma needs kp_edu: kp_rt sets no 28-bit DMA mask");
	kp_dma_buf(k, sg, KP_DMA_TO_DEVICE, &s, &k->dsrc);
	kp_dma_buf(k, sg, KP_DMA_FROM_DEVICE, &t, &k->ddst);
	rt.src = s;
	rt.dst = t;
	rt.src_bus = k->dsrc->segs[0].bus_addr;
	rt.dst_bus = k->ddst->segs[0].bus_addr;
	int_on(k, KP_INT_MODE_MSI, 0);
	deltas_begin(k, &d);
	xfers = dma_rt_run(&rt, k->o, name, &wall, &cpu);
	deltas_end(k, &d, name, xfers, xfers, 0, checks, sizeof(checks));
	KP_CHECK(kp_int_disable(k->dev), "kp_int_disable");
	len = strlen(checks);
	snprintf(checks + len, sizeof(checks) - len, ", "
		 "\"round_trips_compared\": %u, \"transfers\": %llu, "
		 "\"src_bus\": %llu, "
		 "\"dst_bus\": %llu", k->o->warmup + k->o->iters,
		 (unsigned long long)xfers, (unsigned long long)rt.src_bus,
		 (unsigned long long)rt.dst_bus);
	KP_CHECK(kp_dma_unlock(k->dsrc), "kp_dma_unlock");
	KP_CHECK(kp_dma_unlock(k->ddst), "kp_dma_unlock");
	k->dsrc = k->ddst = NULL;
	if (sg) {
		free(s);
		free(t);
	}
	json_record(out, name, "dma", "ns", &wall, checks);
	json_record(out, name, "dma-cpu", "ns", &cpu, checks);
	samples_free(&wall);
	samples_free(&cpu);
}

/* dma_map_ops: kp's SG lock as a user calls it (libkp reads the segments) */
static void kp_lock(void *ctx, void *buf, size_t size)
{
	struct kp *k = ctx;
	uint64_t len = 0;
	uint32_t i;

	KP_CHECK(kp_dma_sg_lock(k->dev, buf, KP_DMA_BIDIRECTIONAL, size,
				&k->dsrc), "kp_dma_sg_lock");
	for (i = 0; i < k->dsrc->nsegs; i++) {
		if (k->dsrc->segs[i].bus_addr + k->dsrc->segs[i].len >
		    EDU_DMA_LIMIT)
			FAIL("kp_dma_sg_lock: a segment beyond edu's mask");
		len += k->dsrc->segs[i].len;
	}
	if (len != size)
		FAIL("kp_dma_sg_lock of %zu bytes: segments of %llu", size,
		     (unsigned long long)len);
}

static void kp_unlock(void *ctx, void *buf, size_t size)
{
	struct kp *k = ctx;

	(void)buf;
	(void)size;
	KP_CHECK(kp_dma_unlock(k->dsrc), "kp_dma_unlock");
	k->dsrc = NULL;
}

/*
 * The runtime holds bus mastering on while something needs it (MSI, a DMA
 * buffer): with nothing else, every lock turns it on and every unlock off
 * again, two writes of the PCI command register (on each, QEMU switches
 * the device's bus-master memory region: a memory map update, slow under
 * emulation).  kp-dma-lock-cold is that
 * case; kp-dma-lock has MSI enabled, bus mastering held throughout, the
 * device in the state VFIO's rows have it (the VFIO user sets bus
 * mastering once) and a driver doing DMA normally has it in.
 */
static void run_dma_lock(struct kp *k, FILE *out)
{
	static const struct dma_map_ops ops = {
		.map = kp_lock,
		.unmap = kp_unlock,
	};

	if (k->rt)
		FAIL("dma-lock needs kp_edu: kp_rt sets no 28-bit DMA mask");
	dma_map_run(&ops, k, k->o, "kp-dma-lock-cold", out);
	int_on(k, KP_INT_MODE_MSI, 0);
	dma_map_run(&ops, k, k->o, "kp-dma-lock", out);
	KP_CHECK(kp_int_disable(k->dev), "kp_int_disable");
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct kp k = { 0 };
	FILE *out;

	bench_parse(argc, argv, &o);
	k.o = &o;
	kp_open_edu(&k);
	out = json_begin(o.out);
	if (bench_want(o.mode, "call"))
		run_call(&k, out);
	if (bench_want(o.mode, "wait-msi"))
		run_irq(&k, KP_INT_MODE_MSI, 0, out);
	if (bench_want(o.mode, "wait-ioctl")) {
		k.raw = 1;
		run_irq(&k, KP_INT_MODE_MSI, 0, out);
		k.raw = 0;
	}
	if (bench_want(o.mode, "wait-intx"))
		run_irq(&k, KP_INT_MODE_INTX, 0, out);
	if (bench_want(o.mode, "thread-msi"))
		run_irq(&k, KP_INT_MODE_MSI, 1, out);
	if (bench_want(o.mode, "every"))
		run_every(&k, out);
	if (bench_want(o.mode, "dma-contig"))
		run_dma(&k, 0, out);
	if (bench_want(o.mode, "dma-sg"))
		run_dma(&k, 1, out);
	if (bench_want(o.mode, "dma-lock"))
		run_dma_lock(&k, out);
	kp_close(k.dev);
	json_end(out);
	return 0;
}
