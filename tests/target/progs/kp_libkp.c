// SPDX-License-Identifier: GPL-2.0
/*
 * kp_libkp - libkp's handle life under threads and fork(), against the
 * kp_hostile plugin (tests/target/test_libkp.py).  Built three more times
 * than usual: with AddressSanitizer, with ThreadSanitizer (libkp's
 * sources compiled into the program with the sanitizer) and with -m32.
 *
 *   kp_libkp TEST --dev NODE
 *
 * TEST is one of
 *   close-from-handler  the handler thread calls kp_close() on its first
 *                       notification; later raises call nothing; the fd
 *                       is closed once the thread has left
 *   close-during-wait   a thread blocks in kp_int_wait(), another calls
 *                       kp_close(): the waiter returns stopped; a handle
 *                       opened right after gets every notification (the
 *                       waiter never used its fd)
 *   fork-close          fork(); the child's kp_close() closes only its copy
 *                       of the fd; the parent's handler keeps counting
 *   strerror-race       kp_strerror()/kp_strerror_r() read while the handler
 *                       thread records errors: never a torn message
 *   bar-map             kp_bar_map() of every mappable BAR and the mapped
 *                       queue: /proc/self/maps has each at offset
 *                       bar << 40 (6 << 40, 7 << 40 for the queue); the
 *                       mapping reads what KP_BAR_READ reads
 * Interrupts are raised through a second handle of the same device.  One
 * JSON line; exit status 0 when every check held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libkp.h"
#include "kp_hostile_msgs.h"

static const char *devpath;
static int failed;
static char why[512];

#define CHECK(cond, ...) do {						\
	if (!(cond) && !failed) {					\
		failed = 1;						\
		snprintf(why, sizeof(why), __VA_ARGS__);		\
	}								\
} while (0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

static int wait_until(int *flag, double seconds)
{
	double end = now() + seconds;

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE) && now() < end)
		usleep(1000);
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}

static struct kp_dev *open_plugin(void)
{
	struct kp_dev *dev;
	int err = kp_open_path(&dev, devpath);

	CHECK(!err, "kp_open_path %s: %d", devpath, err);
	if (err)
		return NULL;
	err = kp_plugin_open(dev, NULL, 0);
	CHECK(!err, "kp_plugin_open: %s", kp_strerror(dev));
	return dev;
}

static void raise_irq(struct kp_dev *via)
{
	int err = kp_bar_write(via, 0, HOSTILE_EDU_IRQ_RAISE, 4, 1);

	CHECK(!err, "raise: %s", kp_strerror(via));
}

static int enable_msi(struct kp_dev *dev, kp_int_handler h, void *ctx)
{
	struct hostile_int_enable opts = { .mode = HOSTILE_MODE_ACK };
	KP_INT_OPTS(o, .mode = KP_INT_MODE_MSI, .data = &opts,
		    .data_size = sizeof(opts));
	int err = kp_int_enable(dev, &o, h, ctx, NULL);

	CHECK(!err, "kp_int_enable: %s", kp_strerror(dev));
	return err;
}

/* A thread of this process sleeping in a system call (S or D). */
static int thread_asleep(pid_t tid)
{
	char path[64], buf[256], *p;
	FILE *f;
	int ok = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
			ok = p[2] == 'S' || p[2] == 'D';
		fclose(f);
	}
	return ok;
}

/* ---- close-from-handler ------------------------------------------------ */

static int h1_calls;

static void close_handler(struct kp_dev *dev, const struct kp_int_result *res,
			  void *ctx)
{
	(void)res;
	(void)ctx;
	__atomic_add_fetch(&h1_calls, 1, __ATOMIC_ACQ_REL);
	kp_close(dev);		/* the old use-after-free */
}

static int close_from_handler(void)
{
	struct kp_dev *dev = open_plugin(), *via = open_plugin();
	struct kp_device_info info;
	int fd, i, closed = 0;
	double end;

	if (!dev || !via)
		return 1;
	fd = kp_fd(dev);
	if (enable_msi(dev, close_handler, NULL))
		return 1;
	raise_irq(via);
	CHECK(wait_until(&h1_calls, 5.0), "the handler never ran");
	/* the thread leaves, the last reference closes the fd */
	for (end = now() + 5.0; now() < end && !closed; usleep(1000))
		closed = !fd_open(fd);
	for (i = 0; i < 3; i++)
		raise_irq(via);
	usleep(200000);
	CHECK(kp_get_info(via, &info) == 0, "kp_get_info: %s",
	      kp_strerror(via));
	i = __atomic_load_n(&h1_calls, __ATOMIC_ACQUIRE);
	printf("{\"test\": \"close-from-handler\", \"handler_calls\": %d, "
	       "\"fd_closed\": %d, \"int_enabled_after\": %d",
	       i, closed, !!(info.flags & KP_INFO_INT_ENABLED));
	CHECK(i == 1, "handler ran %d times", i);
	CHECK(closed, "fd %d still open 5 s after kp_close()", fd);
	CHECK(!(info.flags & KP_INFO_INT_ENABLED),
	      "interrupts still enabled after kp_close()");
	kp_close(via);
	return 0;
}

/* ---- close-during-wait ------------------------------------------------- */

struct waiter {
	struct kp_dev		*dev;
	pid_t			tid;
	int			returned;
	int			err;
	struct kp_int_result	res;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	__atomic_store_n(&w->tid, (pid_t)syscall(SYS_gettid),
			 __ATOMIC_RELEASE);
	w->err = kp_int_wait(w->dev, &w->res, 0);
	__atomic_store_n(&w->returned, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int close_during_wait(void)
{
	struct kp_dev *dev = open_plugin(), *via = open_plugin(), *dev2;
	struct waiter w = { 0 };
	struct kp_int_result r;
	uint64_t counters[5] = { 0 };
	pthread_t th;
	int fd1, fd2, i, err, early;
	double end;

	if (!dev || !via || enable_msi(dev, NULL, NULL))
		return 1;
	fd1 = kp_fd(dev);
	w.dev = dev;
	pthread_create(&th, NULL, wait_thread, &w);
	for (end = now() + 5.0; now() < end; usleep(1000)) {
		pid_t tid = __atomic_load_n(&w.tid, __ATOMIC_ACQUIRE);

		if (tid && thread_asleep(tid))
			break;
	}
	usleep(100000);
	early = __atomic_load_n(&w.returned, __ATOMIC_ACQUIRE);
	kp_close(dev);
	/* a new handle right away: its fd may not be the old one while the
	 * waiter's call is in flight */
	err = kp_open_path(&dev2, devpath);
	CHECK(!err, "kp_open_path: %d", err);
	if (err)
		return 1;
	fd2 = kp_fd(dev2);
	CHECK(kp_plugin_open(dev2, NULL, 0) == 0, "plugin open 2: %s",
	      kp_strerror(dev2));
	if (enable_msi(dev2, NULL, NULL))
		return 1;
	CHECK(wait_until(&w.returned, 5.0), "the waiter did not return");
	pthread_join(th, NULL);
	for (i = 0; i < 5; i++) {
		raise_irq(via);
		err = kp_int_wait_flags(dev2, &r, KP_WAIT_TIMEOUT,
					5000000000ULL);
		CHECK(!err && !r.stopped, "wait %d on the new handle: %d", i,
		      err);
		counters[i] = r.counter;
	}
	printf("{\"test\": \"close-during-wait\", \"returned_early\": %d, "
	       "\"waiter\": {\"err\": %d, \"stopped\": %d, \"reason\": %u, "
	       "\"taken\": %" PRIu64 "}, \"same_fd_number\": %d, "
	       "\"new_counters\": [%" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %"
	       PRIu64 ", %" PRIu64 "]", early, w.err, w.res.stopped,
	       w.res.reason, w.res.taken, fd1 == fd2, counters[0],
	       counters[1], counters[2], counters[3], counters[4]);
	CHECK(!early, "the wait returned before kp_close()");
	CHECK(!w.err && w.res.stopped && w.res.taken == 0,
	      "waiter: err %d stopped %d taken %" PRIu64, w.err,
	      w.res.stopped, w.res.taken);
	for (i = 0; i < 5; i++)
		CHECK(counters[i] == (uint64_t)i + 1,
		      "new handle's notification %d has counter %" PRIu64,
		      i + 1, counters[i]);
	kp_close(dev2);
	kp_close(via);
	return 0;
}

/* ---- fork-close ------------------------------------------------------------- */

static int h3_calls;

static void count_handler(struct kp_dev *dev, const struct kp_int_result *res,
			  void *ctx)
{
	(void)dev;
	(void)res;
	(void)ctx;
	__atomic_add_fetch(&h3_calls, 1, __ATOMIC_ACQ_REL);
}

static int wait_calls(int n)
{
	double end = now() + 5.0;

	while (__atomic_load_n(&h3_calls, __ATOMIC_ACQUIRE) < n && now() < end)
		usleep(1000);
	usleep(50000);	/* and no more */
	return __atomic_load_n(&h3_calls, __ATOMIC_ACQUIRE);
}

static int fork_close(void)
{
	struct kp_dev *dev = open_plugin(), *via = open_plugin();
	struct hostile_msg m;
	struct kp_device_info info;
	uint32_t result = ~0u;
	int i, fd, st = 0, before, after, child_fd_closed;
	pid_t pid;

	if (!dev || !via || enable_msi(dev, count_handler, NULL))
		return 1;
	fd = kp_fd(dev);
	for (i = 0; i < 3; i++) {
		raise_irq(via);
		wait_calls(i + 1);
	}
	before = wait_calls(3);
	pid = fork();
	if (pid == 0) {
		kp_close(dev);
		/* exit status: 0 = the child's copy of the fd is closed */
		_exit(fd_open(fd) ? 3 : 0);
	}
	waitpid(pid, &st, 0);
	child_fd_closed = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	for (i = 0; i < 5; i++) {
		raise_irq(via);
		wait_calls(before + i + 1);
	}
	after = wait_calls(8);
	memset(&m, 0, sizeof(m));
	CHECK(kp_call(dev, HOSTILE_MSG_COUNTS, &m, sizeof(m), &result) == 0,
	      "kp_call after the child's kp_close: %s", kp_strerror(dev));
	CHECK(kp_get_info(dev, &info) == 0, "kp_get_info: %s",
	      kp_strerror(dev));
	printf("{\"test\": \"fork-close\", \"before\": %d, \"after\": %d, "
	       "\"child_exit\": %d, \"child_fd_closed\": %d, "
	       "\"plugin_claimed\": %" PRIu64 ", \"int_enabled\": %d, "
	       "\"plugin_open\": %d", before, after,
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1, child_fd_closed,
	       (uint64_t)m.claimed, !!(info.flags & KP_INFO_INT_ENABLED),
	       !!(info.flags & KP_INFO_PLUGIN_OPEN));
	CHECK(before == 3 && after == 8, "handler calls %d then %d, "
	      "expected 3 then 8", before, after);
	CHECK(m.claimed == 8, "plugin claimed %" PRIu64 " interrupts",
	      (uint64_t)m.claimed);
	CHECK(info.flags & KP_INFO_INT_ENABLED, "the child's kp_close() "
	      "disabled the parent's interrupts");
	CHECK(info.flags & KP_INFO_PLUGIN_OPEN, "the child's kp_close() "
	      "closed the parent's plugin open");
	CHECK(child_fd_closed, "the child's kp_close() left its fd open "
	      "(exit %d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	kp_close(dev);
	kp_close(via);
	return 0;
}

/* ---- strerror-race ------------------------------------------------------------ */

#define RACE_IRQS	200
static int h4_calls;
static char expect_a[256], expect_b[256];

/* Records one of two different errors, alternately, on @dev. */
static void error_handler(struct kp_dev *dev, const struct kp_int_result *res,
			  void *ctx)
{
	uint64_t v;
	int n = __atomic_add_fetch(&h4_calls, 1, __ATOMIC_ACQ_REL);

	(void)res;
	(void)ctx;
	kp_bar_read(dev, n % 2 ? 7 : 0, n % 2 ? 0 : 0x3, 4, &v);
}

static int strerror_race(void)
{
	struct kp_dev *dev = open_plugin(), *via = open_plugin();
	char buf[256];
	const char *s;
	uint64_t v, reads = 0, torn = 0;
	int i;
	double end;

	if (!dev || !via)
		return 1;
	/* the two messages the handler will leave */
	kp_bar_read(dev, 7, 0, 4, &v);
	snprintf(expect_a, sizeof(expect_a), "%s", kp_strerror(dev));
	kp_bar_read(dev, 0, 0x3, 4, &v);
	snprintf(expect_b, sizeof(expect_b), "%s", kp_strerror(dev));
	CHECK(strcmp(expect_a, expect_b), "the two errors read the same");
	if (enable_msi(dev, error_handler, NULL))
		return 1;
	for (i = 0; i < RACE_IRQS; i++) {
		raise_irq(via);
		for (end = now() + 5.0; now() < end &&
		     __atomic_load_n(&h4_calls, __ATOMIC_ACQUIRE) <= i;) {
			s = i % 2 ? kp_strerror(dev) :
			    kp_strerror_r(dev, buf, sizeof(buf));
			reads++;
			if (strcmp(s, expect_a) && strcmp(s, expect_b))
				torn++;
		}
	}
	i = __atomic_load_n(&h4_calls, __ATOMIC_ACQUIRE);
	printf("{\"test\": \"strerror-race\", \"handler_calls\": %d, "
	       "\"reads\": %" PRIu64 ", \"torn\": %" PRIu64, i, reads,
	       torn);
	CHECK(i == RACE_IRQS, "handler ran %d times for %d raises", i,
	      RACE_IRQS);
	CHECK(torn == 0, "%" PRIu64 " of %" PRIu64 " messages were neither "
	      "error", torn, reads);
	kp_close(dev);
	kp_close(via);
	return 0;
}

/* ---- bar-map ------------------------------------------------------------------ */

/* The offset field of the /proc/self/maps line starting at @addr. */
static int maps_offset(const void *addr, unsigned long long *off)
{
	char line[512];
	unsigned long long start, end, o;
	FILE *f = fopen("/proc/self/maps", "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx %*s %llx", &start, &end, &o) == 3 &&
		    start == (uintptr_t)addr) {
			*off = o;
			found = 1;
		}
	fclose(f);
	return found;
}

static int bar_map(void)
{
	struct kp_dev *dev;
	struct kp_bar_info bi;
	struct kp_int_result r;
	volatile void *p;
	size_t size;
	unsigned long long off;
	uint64_t v;
	unsigned int bar, mapped = 0;
	int err, first = 1;

	err = kp_open_path(&dev, devpath);
	CHECK(!err, "kp_open_path: %d", err);
	if (err)
		return 1;
	printf("{\"test\": \"bar-map\", \"pointer_bits\": %d, \"bars\": [",
	       (int)(8 * sizeof(void *)));
	for (bar = 0; bar < 6; bar++) {
		if (kp_get_bar_info(dev, bar, &bi) ||
		    !(bi.flags & KP_BAR_FLAG_MMAP))
			continue;
		err = kp_bar_map(dev, bar, &p, &size);
		if (err == -EPERM) {
			/* it holds the MSI-X table: never mapped whole */
			printf("%s{\"bar\": %u, \"refused\": \"EPERM\"}",
			       first ? "" : ", ", bar);
			first = 0;
			continue;
		}
		CHECK(!err, "kp_bar_map %u: %s", bar, kp_strerror(dev));
		if (err)
			continue;
		off = ~0ULL;
		maps_offset((const void *)p, &off);
		CHECK(kp_bar_read(dev, bar, 0, 4, &v) == 0, "KP_BAR_READ %u",
		      bar);
		printf("%s{\"bar\": %u, \"maps_offset\": \"0x%llx\", "
		       "\"size\": %zu, \"read_matches\": %d}", first ? "" : ", ",
		       bar, off, size, *(volatile uint32_t *)p == (uint32_t)v);
		first = 0;
		CHECK(off == (unsigned long long)KP_MMAP_OFFSET(bar),
		      "BAR %u mapped at offset 0x%llx", bar, off);
		CHECK(*(volatile uint32_t *)p == (uint32_t)v,
		      "BAR %u: the mapping reads 0x%x, KP_BAR_READ 0x%x", bar,
		      *(volatile uint32_t *)p, (uint32_t)v);
		mapped++;
	}
	printf("], \"mapped\": %u", mapped);
	CHECK(mapped > 0, "no mappable BAR");
	/* the queue libkp mapped at open: a wait on an idle fd is STOPPED */
	err = kp_int_wait(dev, &r, 1);
	printf(", \"idle_wait\": {\"err\": %d, \"stopped\": %d, \"reason\": %u}",
	       err, r.stopped, r.reason);
	CHECK(!err && r.stopped && r.reason == KP_STOP_IDLE,
	      "kp_int_wait on an idle fd: %d", err);
	kp_close(dev);
	return 0;
}

/* The notification pages: at 6 << 40 and 7 << 40 in /proc/self/maps. */
static void queue_offsets(void)
{
	char line[512];
	unsigned long long o, want6 = KP_MMAP_NOTIFY, want7 = KP_MMAP_NOTIFY_ACK;
	int n6 = 0, n7 = 0;
	FILE *f = fopen("/proc/self/maps", "re");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "/dev/kp/"))
			continue;
		if (sscanf(line, "%*x-%*x %*s %llx", &o) != 1)
			continue;
		n6 += o == want6;
		n7 += o == want7;
	}
	if (f)
		fclose(f);
	printf(", \"queue_maps\": [%d, %d]", n6, n7);
	CHECK(n6 == 1 && n7 == 1, "queue pages mapped at 6<<40: %d, 7<<40: %d",
	      n6, n7);
}

int main(int argc, char **argv)
{
	const char *test = argc > 1 ? argv[1] : "";
	int ret = 2;

	if (argc == 4 && !strcmp(argv[2], "--dev"))
		devpath = argv[3];
	if (!devpath) {
		fprintf(stderr, "usage: kp_libkp close-from-handler|"
			"close-during-wait|fork-close|strerror-race|bar-map "
			"--dev NODE\n");
		return 2;
	}
	if (!strcmp(test, "close-from-handler"))
		ret = close_from_handler();
	else if (!strcmp(test, "close-during-wait"))
		ret = close_during_wait();
	else if (!strcmp(test, "fork-close"))
		ret = fork_close();
	else if (!strcmp(test, "strerror-race"))
		ret = strerror_race();
	else if (!strcmp(test, "bar-map")) {
		struct kp_dev *dev;

		ret = bar_map();
		if (!kp_open_path(&dev, devpath)) {
			queue_offsets();
			kp_close(dev);
		}
	}
	if (ret == 2) {
		fprintf(stderr, "kp_libkp: unknown test %s\n", test);
		return 2;
	}
	printf("%s\"ok\": %d, \"why\": \"%s\"}\n", ret ? "{" : ", ", !failed &&
	       !ret, why);
	return failed || ret;
}
