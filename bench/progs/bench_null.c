// SPDX-License-Identifier: GPL-2.0
/*
 * bench_null - the floors the KP_Call and handler-thread figures are
 * compared with:
 *   timer    two back-to-back clock_gettime(CLOCK_MONOTONIC) (the cost of
 *            the measurement itself, included in every other figure)
 *   getppid  a null system call (syscall(SYS_getppid), never cached)
 *   ioctl    one ioctl() on /dev/kp_null (bench/kmod/kp_null.ko), whose
 *            handler returns 0: syscall entry + fd lookup + vfs dispatch
 *   copy     kp_null's KP_NULL_COPY with 4 B .. 1 MiB: the copies a
 *            KP_Call of that size does (header in, data in and back out,
 *            result out), in an ioctl that does nothing else
 *   futex    a futex ping-pong between two threads on one CPU (glibc
 *            semaphores, as libkp's handler-thread benchmark uses): the
 *            main thread wakes the other and sleeps; the other takes the
 *            timestamp and wakes it back.  The shape of libkp's handler
 *            thread without the interrupt (a thread handoff each way).
 * -m all | a comma list of those.  Each call is timed alone; the futex
 * loop also gives a throughput record (round trips per batch).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench_common.h"

#define KP_NULL_IOCTL	_IO(0xB7, 0)

struct kp_null_copy {
	uint64_t	data;
	uint32_t	size;
	uint32_t	result;
};
#define KP_NULL_COPY	_IOWR(0xB7, 1, struct kp_null_copy)

static void run_ioctl(int fd, const struct bench_opts *o, FILE *out)
{
	struct samples s;
	uint64_t t0, t1;
	unsigned int i;
	char checks[64];

	samples_init(&s, o->iters);
	for (i = 0; i < o->warmup + o->iters; i++) {
		int r;

		t0 = now_ns();
		r = ioctl(fd, KP_NULL_IOCTL, 0);
		t1 = now_ns();
		if (r)
			FAIL("kp_null ioctl: %s", strerror(errno));
		if (i >= o->warmup)
			samples_add(&s, t1 - t0);
	}
	snprintf(checks, sizeof(checks), "\"calls\": %u", o->iters);
	json_record(out, "kp_null ioctl", "call", "ns", &s, checks);
	samples_free(&s);
}

static void run_copy(int fd, const struct bench_opts *o, FILE *out)
{
	uint32_t max = bench_call_sizes[BENCH_NCALL_SIZES - 1];
	unsigned char *buf = malloc(max);
	unsigned int z, i, n;
	struct samples s;
	uint64_t t0, t1;
	char name[48], checks[96];

	if (!buf)
		FAIL("out of memory");
	memset(buf, 0x5a, max);		/* fault the pages in */
	for (z = 0; z < BENCH_NCALL_SIZES; z++) {
		uint32_t size = bench_call_sizes[z];

		n = bench_call_iters(o, size);
		samples_init(&s, n);
		for (i = 0; i < o->warmup + n; i++) {
			struct kp_null_copy c = {
				.data = (uintptr_t)buf, .size = size,
				.result = ~0u,
			};
			int r;

			t0 = now_ns();
			r = ioctl(fd, KP_NULL_COPY, &c);
			t1 = now_ns();
			if (r || c.result)
				FAIL("KP_NULL_COPY %u: %s (result %u)", size,
				     strerror(errno), c.result);
			if (i >= o->warmup)
				samples_add(&s, t1 - t0);
		}
		if (buf[0] != 0x5a || buf[size - 1] != 0x5a)
			FAIL("KP_NULL_COPY %u changed the data", size);
		snprintf(name, sizeof(name), "kp_null copy %u", size);
		snprintf(checks, sizeof(checks), "\"calls\": %u, "
			 "\"data_size\": %u", n, size);
		json_record(out, name, "call", "ns", &s, checks);
		samples_free(&s);
	}
	free(buf);
}

/* ---- futex ping-pong (glibc semaphores: a futex each way) ----------- */
struct pingpong {
	sem_t ping, pong;
	atomic_int stop;
	atomic_uint_fast64_t t_other;	/* written by the other thread */
	atomic_uint_fast64_t answers;
};

static void sem_wait1(sem_t *s)
{
	while (sem_wait(s))
		if (errno != EINTR)
			FAIL("sem_wait: %s", strerror(errno));
}

static void *pong_thread(void *arg)
{
	struct pingpong *pp = arg;

	for (;;) {
		int last;

		sem_wait1(&pp->ping);
		atomic_store(&pp->t_other, now_ns());
		/* read before answering: main sets it before the last ping */
		last = atomic_load(&pp->stop);
		atomic_fetch_add(&pp->answers, 1);
		sem_post(&pp->pong);
		if (last)
			return NULL;
	}
}

/* One round trip: wake the other thread, sleep until it answers. */
static uint64_t ping1(struct pingpong *pp, uint64_t *sent)
{
	sem_post(&pp->ping);
	sem_wait1(&pp->pong);
	if (atomic_load(&pp->answers) != ++*sent)
		FAIL("futex ping-pong: %llu answers for %llu pings",
		     (unsigned long long)atomic_load(&pp->answers),
		     (unsigned long long)*sent);
	return atomic_load(&pp->t_other);
}

static void run_futex(const struct bench_opts *o, FILE *out)
{
	struct pingpong pp = { 0 };
	struct samples lat, thr;
	uint64_t t0, t1, sent = 0;
	unsigned int i, r;
	pthread_t th;
	char checks[96];
	int err;

	sem_init(&pp.ping, 0, 0);
	sem_init(&pp.pong, 0, 0);
	err = pthread_create(&th, NULL, pong_thread, &pp);
	if (err)
		FAIL("pthread_create: %s", strerror(err));
	samples_init(&lat, o->iters);
	samples_init(&thr, o->reps);
	for (i = 0; i < o->warmup + o->iters; i++) {
		t0 = now_ns();
		t1 = ping1(&pp, &sent);
		if (i >= o->warmup)
			samples_add(&lat, t1 - t0);
	}
	for (r = 0; r < o->reps; r++) {
		t0 = now_ns();
		for (i = 0; i < o->batch; i++)
			ping1(&pp, &sent);
		t1 = now_ns();
		samples_add(&thr, (t1 - t0) / o->batch);
	}
	atomic_store(&pp.stop, 1);
	ping1(&pp, &sent);
	pthread_join(th, NULL);
	sem_destroy(&pp.ping);
	sem_destroy(&pp.pong);
	snprintf(checks, sizeof(checks), "\"round_trips\": %llu, "
		 "\"batch\": %u", (unsigned long long)sent, o->batch);
	json_record(out, "futex-pingpong", "latency", "ns", &lat, checks);
	json_record(out, "futex-pingpong", "cycle", "ns", &thr, checks);
	samples_free(&lat);
	samples_free(&thr);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct samples s;
	uint64_t t0, t1;
	unsigned int i;
	FILE *out;
	char checks[64];
	int fd = -1;

	bench_parse(argc, argv, &o);
	if (bench_want(o.mode, "ioctl") || bench_want(o.mode, "copy")) {
		fd = open("/dev/kp_null", O_RDWR);
		if (fd < 0)
			FAIL("/dev/kp_null: %s (insmod bench/kmod/kp_null.ko)",
			     strerror(errno));
	}
	snprintf(checks, sizeof(checks), "\"calls\": %u", o.iters);
	out = json_begin(o.out);
	if (bench_want(o.mode, "timer")) {
		samples_init(&s, o.iters);
		for (i = 0; i < o.warmup + o.iters; i++) {
			t0 = now_ns();
			t1 = now_ns();
			if (i >= o.warmup)
				samples_add(&s, t1 - t0);
		}
		json_record(out, "clock_gettime", "call", "ns", &s, checks);
		samples_free(&s);
	}
	if (bench_want(o.mode, "getppid")) {
		pid_t ppid = getppid();

		samples_init(&s, o.iters);
		for (i = 0; i < o.warmup + o.iters; i++) {
			long r;

			t0 = now_ns();
			r = syscall(SYS_getppid);
			t1 = now_ns();
			if (r != ppid)
				FAIL("getppid returned %ld", r);
			if (i >= o.warmup)
				samples_add(&s, t1 - t0);
		}
		json_record(out, "getppid", "call", "ns", &s, checks);
		samples_free(&s);
	}
	if (bench_want(o.mode, "ioctl"))
		run_ioctl(fd, &o, out);
	if (bench_want(o.mode, "copy"))
		run_copy(fd, &o, out);
	if (bench_want(o.mode, "futex"))
		run_futex(&o, out);
	if (fd >= 0)
		close(fd);
	json_end(out);
	return 0;
}
