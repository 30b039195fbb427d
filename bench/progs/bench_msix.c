// SPDX-License-Identifier: GPL-2.0
/*
 * bench_msix - MSI-X scaling of the Kernel PlugIn runtime: the same
 * raise -> wait loop as bench_kp's kp_rt rows, with 1, 4 and 32 MSI-X
 * vectors, on QEMU's ivshmem-doorbell (1af4:1110) bound to kp_rt (no
 * interrupt callbacks: the runtime notifies user mode from each vector's
 * hard IRQ).  edu has a single MSI vector; ivshmem-doorbell has as many
 * MSI-X vectors as its "vectors" property, and a write of
 * (own peer id << 16 | vector) to its doorbell (BAR0 0x0c) raises that
 * vector of the same device.  bench/ivshmem_server.py gives the device its
 * shared memory and one eventfd per vector.  The doorbell is written with
 * KP_BAR_WRITE: BAR0 is 256 bytes and the runtime maps no BAR smaller
 * than a page (the rest of the page may be another device's), so every
 * cycle here pays one system call more than bench_kp's, at any number of
 * vectors.
 *
 * -m a comma list of msix-1, msix-4, msix-32 (default all).  Each run
 * enables that many vectors, raises them in turn (vector i % n) and takes
 * each notification with the blocking IntWait, which must name the vector
 * raised.  Records kp-rt-msix-N, kinds latency and cycle (ns per
 * interrupt of each batch), like bench_kp.  Checks: every wait returns the
 * next counter and the raised vector with nothing pending or lost; each
 * vector's /proc/interrupts line and the runtime's interrupts and
 * notifications grow by exactly the raises; nothing arrives afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "libkp.h"

#define IVSHMEM_VENDOR		0x1af4
#define IVSHMEM_DEVICE		0x1110
#define IVSHMEM_REG_IVPOSITION	0x08	/* our peer id, read-only */
#define IVSHMEM_REG_DOORBELL	0x0c	/* peer << 16 | vector */

#define MAX_VEC			32

#define KP_CHECK(err, what) KP_CHECK_DEV(m->dev, err, what)

struct msix {
	const struct bench_opts *o;
	struct kp_dev *dev;
	char bdf[16];
	uint32_t peer;
};

static void open_ivshmem(struct msix *m)
{
	struct kp_dev_entry e[16];
	uint64_t peer;
	int n, i;

	n = kp_list(e, 16);
	if (n < 0)
		FAIL("kp_list: %s", strerror(-n));
	for (i = 0; i < n && i < 16; i++) {
		if (e[i].vendor == IVSHMEM_VENDOR &&
		    e[i].device == IVSHMEM_DEVICE &&
		    (!m->o->bdf || !strcmp(e[i].bdf, m->o->bdf))) {
			KP_CHECK(kp_open(&m->dev, e[i].driver, e[i].index),
				 "kp_open");
			snprintf(m->bdf, sizeof(m->bdf), "%s", e[i].bdf);
			break;
		}
	}
	if (!m->dev)
		FAIL("no ivshmem device %s in /sys/class/kp (kp_rt not bound?)",
		     m->o->bdf ? m->o->bdf : "");
	KP_CHECK(kp_plugin_open(m->dev, NULL, 0), "kp_plugin_open");
	/* the server hands out ids from 0; -1 means no shared memory yet */
	KP_CHECK(kp_bar_read(m->dev, 0, IVSHMEM_REG_IVPOSITION, 4, &peer),
		 "kp_bar_read");
	m->peer = (uint32_t)peer;
	if (m->peer > 0xffff)
		FAIL("ivshmem has no peer id (0x%x): is the server running?",
		     m->peer);
}

/* One raise of @v and the wait for it; checks what the wait returned. */
static void cycle(struct msix *m, uint32_t v, uint64_t *counter, int *have)
{
	struct kp_int_result r;

	KP_CHECK(kp_bar_write(m->dev, 0, IVSHMEM_REG_DOORBELL, 4,
			      m->peer << 16 | v), "kp_bar_write");
	KP_CHECK(kp_int_wait_flags(m->dev, &r, 0, 0), "kp_int_wait");
	if (r.stopped)
		FAIL("interrupts stopped under the benchmark");
	if (*have && r.counter != *counter + 1)
		FAIL("IntWait counter went %llu -> %llu",
		     (unsigned long long)*counter,
		     (unsigned long long)r.counter);
	if (r.pending || r.lost)
		FAIL("%llu pending, %llu lost after a wait",
		     (unsigned long long)r.pending,
		     (unsigned long long)r.lost);
	if (r.last_vector != v)
		FAIL("raised vector %u, the wait says %u", v, r.last_vector);
	*counter = r.counter;
	*have = 1;
}

static void run(struct msix *m, uint32_t nvec, FILE *out)
{
	const struct bench_opts *o = m->o;
	KP_INT_OPTS(opts, .mode = KP_INT_MODE_MSIX, .nvec = nvec);
	struct kp_int_granted granted = { 0 };
	uint64_t p0[MAX_VEC], p1, counter = 0, raised = 0, t0, t1;
	struct kp_stats s0, s1;
	struct kp_int_result r;
	struct samples lat, thr;
	int irqs[MAX_VEC], n, have = 0, err;
	unsigned int i, b;
	char name[32], checks[256];
	uint32_t v = 0;

	snprintf(name, sizeof(name), "kp-rt-msix-%u", nvec);
	KP_CHECK(kp_int_enable(m->dev, &opts, NULL, NULL, &granted),
		 "kp_int_enable");
	if (granted.mode != KP_INT_MODE_MSIX || granted.nvec != nvec)
		FAIL("%s: asked for %u MSI-X vectors, got mode %u with %u",
		     name, nvec, granted.mode, granted.nvec);
	n = kp_dev_irqs(m->bdf, irqs, MAX_VEC);
	if (n != (int)nvec)
		FAIL("%s: %d IRQs for %u vectors", name, n, nvec);
	for (i = 0; i < nvec; i++) {
		pin_irq(o, irqs[i]);
		p0[i] = proc_interrupts(irqs[i]);
	}
	KP_CHECK(kp_get_stats(m->dev, &s0), "kp_get_stats");

	samples_init(&lat, o->iters);
	samples_init(&thr, o->reps);
	for (i = 0; i < o->warmup + o->iters; i++, v = (v + 1) % nvec) {
		t0 = now_ns();
		cycle(m, v, &counter, &have);
		t1 = now_ns();
		if (i >= o->warmup)
			samples_add(&lat, t1 - t0);
	}
	raised = o->warmup + o->iters;
	for (b = 0; b < o->reps; b++) {
		t0 = now_ns();
		for (i = 0; i < o->batch; i++, v = (v + 1) % nvec)
			cycle(m, v, &counter, &have);
		t1 = now_ns();
		samples_add(&thr, (t1 - t0) / o->batch);
	}
	raised += (uint64_t)o->reps * o->batch;

	usleep(20000);		/* anything extra would arrive now */
	err = kp_int_wait_flags(m->dev, &r, KP_WAIT_NONBLOCK, 0);
	if (err != -EAGAIN)
		FAIL("%s: a notification was left over (%d)", name, err);
	/* raises went round the vectors: each got its share, in order */
	for (i = 0; i < nvec; i++) {
		uint64_t want = raised / nvec + (i < raised % nvec);

		p1 = proc_interrupts(irqs[i]);
		if (p1 - p0[i] != want)
			FAIL("%s: IRQ %d (vector %u) grew by %llu, expected "
			     "%llu", name, irqs[i], i,
			     (unsigned long long)(p1 - p0[i]),
			     (unsigned long long)want);
	}
	KP_CHECK(kp_get_stats(m->dev, &s1), "kp_get_stats");
	if (s1.interrupts - s0.interrupts != raised ||
	    s1.notifications - s0.notifications != raised)
		FAIL("%s: runtime counted %llu interrupts, %llu notifications "
		     "for %llu raises", name,
		     (unsigned long long)(s1.interrupts - s0.interrupts),
		     (unsigned long long)(s1.notifications - s0.notifications),
		     (unsigned long long)raised);
	if (s1.spurious != s0.spurious || s1.lost != s0.lost)
		FAIL("%s: spurious or lost interrupts", name);
	KP_CHECK(kp_int_disable(m->dev), "kp_int_disable");

	snprintf(checks, sizeof(checks), "\"vectors\": %u, \"raises\": %llu, "
		 "\"irqs_exact\": true, \"runtime_exact\": true, "
		 "\"last_vector_exact\": true", nvec,
		 (unsigned long long)raised);
	json_record(out, name, "latency", "ns", &lat, checks);
	json_record(out, name, "cycle", "ns", &thr, checks);
	samples_free(&lat);
	samples_free(&thr);
}

int main(int argc, char **argv)
{
	static const uint32_t nvecs[] = { 1, 4, MAX_VEC };
	struct bench_opts o;
	struct msix m = { 0 };
	char what[16];
	unsigned int i;
	FILE *out;

	bench_parse(argc, argv, &o);
	m.o = &o;
	open_ivshmem(&m);
	out = json_begin(o.out);
	for (i = 0; i < sizeof(nvecs) / sizeof(nvecs[0]); i++) {
		snprintf(what, sizeof(what), "msix-%u", nvecs[i]);
		if (bench_want(o.mode, what))
			run(&m, nvecs[i], out);
	}
	kp_close(m.dev);
	json_end(out);
	return 0;
}
