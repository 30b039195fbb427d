// SPDX-License-Identifier: GPL-2.0
/*
 * kp_stress - a bounded, seeded concurrency stress of one kp_hostile
 * device (tests/target/test_stress.py), raw UAPI.
 *
 *   kp_stress --bdf BDF [--seconds S] [--seed N]
 *
 * For S seconds these threads run at once, each on fds of its own, and
 * each reopens the device's node when the device was removed (the test
 * removes and rescans it meanwhile, and attaches and detaches kpstat):
 *   2 callers      KP_Call (COUNTS, sometimes a 1 ms SLEEP) in a loop
 *   owner          KP_INT_ENABLE (MSI or INTx, hostile ACK or LOCK mode,
 *                  sometimes a small max_backlog), takes notifications
 *                  for a while, hands two dup()s of its fd to
 *   2 waiters      blocked in KP_INT_WAIT until STOPPED,
 *                  then KP_INT_DISABLE, everything drained, and again
 *   raiser         bursts of 1..64 raises through the mmap'd BAR0 (SIGBUS
 *                  once the device is gone)
 *   openclose      open; KP_PLUGIN_OPEN, DMA, KP_Call, KP_INT_ENABLE with
 *                  raises, KP_PLUGIN_CLOSE; dup + close; fork + close in
 *                  the child; close
 *   mapper         mmap/munmap of BAR0 and of the notification pages
 *   events         registered for WD_REMOVE: the event, then STOPPED
 * Every notification is taken (queues are drained before a session's
 * interrupts are enabled again and before its fd is closed), so for each
 * incarnation of the device (its node's inode) the runtime's final
 * counters (KP_GET_STATS after removal, or at the end) must satisfy
 *   dpc_count_sum == dpc_requests == interrupts
 *   notifications == taken + lost        (pending is 0: drained)
 *   calls == the KP_Calls that returned 0
 * and at the end sysfs equals KP_GET_STATS.  One JSON line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kp.h>
#include "kp_hostile_msgs.h"
#include "kpt_common.h"
#include "kpt_node.h"

#define EDU_ID		0x010000ed
#define MAP_LEN		4096
#define MAX_INCS	1024

static const char *bdf;
static volatile int stop;
static uint64_t seed = 1;

/* ---- what was counted -------------------------------------------------- */

struct inc {			/* one incarnation of the device */
	ino_t		ino;
	uint64_t	calls, taken;
	int		has_final;
	struct kp_stats	final;
};

static struct inc incs[MAX_INCS];
static int nincs;
static pthread_mutex_t inc_lock = PTHREAD_MUTEX_INITIALIZER;

enum {
	C_CALLS, C_CALL_ENODEV, C_ENABLES, C_ENABLE_BUSY, C_DISABLES,
	C_TAKEN, C_WAITS, C_RAISES, C_SIGBUS, C_OPENS, C_PLUGIN_OPENS,
	C_DMA, C_DUPS, C_FORKS, C_MAPS, C_EVENTS, C_REOPENS, C_BAD,
	C_NCOUNT
};
static const char *const cnames[C_NCOUNT] = {
	"calls", "call_enodev", "int_enables", "int_enable_ebusy",
	"int_disables", "taken", "waits", "raises", "sigbus", "opens",
	"plugin_opens", "dma_allocs", "dups", "forks", "maps", "remove_events",
	"reopens", "unexpected",
};
static uint64_t cnt[C_NCOUNT];
static char bad_what[128];
static uint64_t stop_reasons[8];

static void add(int c, uint64_t n)
{
	__atomic_add_fetch(&cnt[c], n, __ATOMIC_RELAXED);
}

static void unexpected(const char *what, int err)
{
	add(C_BAD, 1);
	pthread_mutex_lock(&inc_lock);
	snprintf(bad_what, sizeof(bad_what), "%s: %s", what,
		 kpt_errname(err));
	pthread_mutex_unlock(&inc_lock);
}

static struct inc *inc_of(int fd)
{
	struct stat sb;
	struct inc *in = NULL;
	int i;

	if (fstat(fd, &sb))
		return NULL;
	pthread_mutex_lock(&inc_lock);
	for (i = 0; i < nincs; i++)
		if (incs[i].ino == sb.st_ino)
			in = &incs[i];
	if (!in && nincs < MAX_INCS) {
		in = &incs[nincs++];
		in->ino = sb.st_ino;
	}
	pthread_mutex_unlock(&inc_lock);
	return in;
}

/* After removal (or at the end): the incarnation's counters are final. */
static void finalize(int fd)
{
	struct kp_stats st = { .argsz = sizeof(st) };
	struct inc *in = inc_of(fd);

	if (!in || ioctl(fd, KP_GET_STATS, &st))
		return;
	pthread_mutex_lock(&inc_lock);
	in->final = st;
	in->has_final = 1;
	pthread_mutex_unlock(&inc_lock);
}

static void inc_add(struct inc *in, int taken, uint64_t n)
{
	if (in)
		__atomic_add_fetch(taken ? &in->taken : &in->calls, n,
				   __ATOMIC_RELAXED);
}

/* ---- helpers ------------------------------------------------------------ */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? errno : 0;
}

/* Opens the device's node, wherever it is now; -1 once stopping. */
static int reopen(int flags)
{
	char path[96];
	int fd;

	while (!stop) {
		if (kpt_node_of_bdf(bdf, path, sizeof(path), 0.5))
			continue;
		fd = open(path, flags | O_CLOEXEC);
		if (fd >= 0) {
			add(C_REOPENS, 1);
			return fd;
		}
		if (errno != ENOENT && errno != ENODEV)
			unexpected("open", errno);
		usleep(2000);
	}
	return -1;
}

static int plugin_open(int fd)
{
	struct kp_plugin_open po = { .argsz = sizeof(po) };
	int e = xioctl(fd, KP_PLUGIN_OPEN, &po);

	if (!e)
		add(C_PLUGIN_OPENS, 1);
	return e;
}

static int hcall(int fd, uint32_t msg, uint32_t arg, struct inc *in)
{
	struct hostile_msg m = { .arg = arg };
	struct kp_plugin_call pc = {
		.argsz = sizeof(pc), .message = msg,
		.data = (uintptr_t)&m, .data_size = sizeof(m),
	};
	int e = xioctl(fd, KP_PLUGIN_CALL, &pc);

	if (!e) {
		add(C_CALLS, 1);
		inc_add(in, 0, 1);
	} else if (e == ENODEV) {
		add(C_CALL_ENODEV, 1);
	} else {
		unexpected("KP_PLUGIN_CALL", e);
	}
	return e;
}

static int int_enable(int fd, uint32_t mode, uint32_t hmode,
		      uint64_t backlog)
{
	struct hostile_int_enable opts = { .mode = hmode };
	struct kp_int_enable ie = {
		.argsz = sizeof(ie), .mode = mode, .nvec = 1,
		.data = (uintptr_t)&opts, .data_size = sizeof(opts),
		.max_backlog = backlog,
	};
	int e = xioctl(fd, KP_INT_ENABLE, &ie);

	if (!e)
		add(C_ENABLES, 1);
	else if (e == EBUSY)
		add(C_ENABLE_BUSY, 1);
	else if (e != ENODEV)
		unexpected("KP_INT_ENABLE", e);
	return e;
}

/*
 * One KP_INT_WAIT; adds what it took to @in.  Returns the stop reason
 * (0 while enabled), or -errno (-ETIMEDOUT, -EAGAIN are ordinary).
 */
static int take(int fd, uint32_t flags, uint64_t timeout_ns, struct inc *in)
{
	struct kp_int_wait w = { .argsz = sizeof(w), .flags = flags,
				 .timeout_ns = timeout_ns };
	int e = xioctl(fd, KP_INT_WAIT, &w);

	if (e)
		return -e;
	add(C_WAITS, 1);
	if (w.flags & KP_WAIT_STOPPED) {
		__atomic_add_fetch(&stop_reasons[w.reason & 7], 1,
				   __ATOMIC_RELAXED);
		return w.reason ? (int)w.reason : -EIO;
	}
	add(C_TAKEN, w.taken);
	inc_add(in, 1, w.taken);
	return 0;
}

/* Takes what is queued until STOPPED; the reason. */
static int drain(int fd, struct inc *in)
{
	int r;

	do {
		r = take(fd, KP_WAIT_ALL | KP_WAIT_TIMEOUT, 2000000000ULL, in);
	} while (r == 0);
	if (r < 0)
		unexpected("drain KP_INT_WAIT", -r);
	return r;
}

/* ---- callers ----------------------------------------------------------- */

static void *caller(void *arg)
{
	uint64_t s = seed ^ (uintptr_t)arg;
	struct inc *in;
	int fd, e;

	while ((fd = reopen(O_RDWR)) >= 0) {
		e = plugin_open(fd);
		in = inc_of(fd);
		while (!e && !stop) {
			if (rnd(&s) % 8 == 0)
				e = hcall(fd, HOSTILE_MSG_SLEEP, 1, in);
			else
				e = hcall(fd, HOSTILE_MSG_COUNTS, 0, in);
			if (e && e != ENODEV)
				e = 0;
		}
		if (e == ENODEV)
			finalize(fd);
		close(fd);
	}
	return NULL;
}

/* ---- the interrupt owner and its waiters --------------------------------- */

static pthread_mutex_t ep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ep_cond = PTHREAD_COND_INITIALIZER;
static struct {
	int		gen;		/* ++ per enable */
	int		fd[2];		/* dups for the waiters */
	struct inc	*in;
	int		done;		/* waiters that saw STOPPED */
} ep;

static void *waiter(void *arg)
{
	int me = (int)(uintptr_t)arg, gen = 0, fd, r;
	struct inc *in;

	for (;;) {
		pthread_mutex_lock(&ep_lock);
		while (ep.gen == gen && !stop)
			pthread_cond_wait(&ep_cond, &ep_lock);
		if (ep.gen == gen) {
			pthread_mutex_unlock(&ep_lock);
			return NULL;
		}
		gen = ep.gen;
		fd = ep.fd[me];
		in = ep.in;
		pthread_mutex_unlock(&ep_lock);

		do {
			r = take(fd, 0, 0, in);
		} while (r == 0 || r == -EINTR);
		if (r != KP_STOP_DISABLED && r != KP_STOP_REMOVED)
			unexpected("waiter stop", r < 0 ? -r : 0);

		pthread_mutex_lock(&ep_lock);
		ep.done++;
		pthread_cond_broadcast(&ep_cond);
		pthread_mutex_unlock(&ep_lock);
	}
}

static void *owner(void *arg)
{
	uint64_t s = seed ^ 0x6f776e6572;
	struct inc *in;
	double until;
	int fd, e, r, removed;

	(void)arg;
	while ((fd = reopen(O_RDWR)) >= 0) {
		removed = plugin_open(fd) == ENODEV;
		in = inc_of(fd);
		while (!removed && !stop) {
			e = int_enable(fd, rnd(&s) % 2 ? KP_INT_MODE_MSI :
				       KP_INT_MODE_INTX,
				       rnd(&s) % 4 ? HOSTILE_MODE_ACK :
				       HOSTILE_MODE_LOCK,
				       rnd(&s) % 4 ? 0 : 1 + rnd(&s) % 8);
			if (e == ENODEV) {
				removed = 1;
				break;
			}
			if (e) {
				usleep(1000);
				continue;
			}
			pthread_mutex_lock(&ep_lock);
			ep.fd[0] = dup(fd);
			ep.fd[1] = dup(fd);
			ep.in = in;
			ep.done = 0;
			ep.gen++;
			pthread_cond_broadcast(&ep_cond);
			pthread_mutex_unlock(&ep_lock);
			add(C_DUPS, 2);

			/* take some while it runs (the waiters too) */
			until = kpt_now() + (50 + rnd(&s) % 250) / 1000.0;
			while (kpt_now() < until) {
				r = take(fd, (rnd(&s) % 2 ? KP_WAIT_ALL : 0) |
					 KP_WAIT_TIMEOUT, 10000000, in);
				if (r > 0)
					break;	/* stopped: removed */
				if (r < 0 && r != -ETIMEDOUT && r != -EINTR) {
					unexpected("KP_INT_WAIT", -r);
					break;
				}
			}
			e = xioctl(fd, KP_INT_DISABLE, NULL);
			if (!e)
				add(C_DISABLES, 1);
			else if (e == ENODEV)
				removed = 1;
			else if (e != EINVAL)	/* already stopped: storm */
				unexpected("KP_INT_DISABLE", e);
			r = drain(fd, in);
			if (r == KP_STOP_REMOVED)
				removed = 1;
			/* both waiters are done before their dups close */
			pthread_mutex_lock(&ep_lock);
			while (ep.done < 2)
				pthread_cond_wait(&ep_cond, &ep_lock);
			close(ep.fd[0]);
			close(ep.fd[1]);
			pthread_mutex_unlock(&ep_lock);
		}
		if (removed)
			finalize(fd);
		close(fd);
	}
	return NULL;
}

/* ---- raiser and mapper ---------------------------------------------------- */

static __thread sigjmp_buf bus_jmp;
static __thread volatile int bus_armed;

static void on_sigbus(int sig)
{
	(void)sig;
	if (!bus_armed)
		abort();
	bus_armed = 0;
	siglongjmp(bus_jmp, 1);
}

static int raise_burst(volatile uint32_t *bar, int n)
{
	int i;

	if (sigsetjmp(bus_jmp, 1)) {
		add(C_SIGBUS, 1);
		return -1;
	}
	bus_armed = 1;
	for (i = 0; i < n; i++)
		bar[HOSTILE_EDU_IRQ_RAISE / 4] = 1;
	bus_armed = 0;
	add(C_RAISES, n);
	return 0;
}

static void *raiser(void *arg)
{
	uint64_t s = seed ^ 0x726169736572;
	volatile uint32_t *bar;
	int fd;

	(void)arg;
	while ((fd = reopen(O_RDWR)) >= 0) {
		bar = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, KP_MMAP_OFFSET(0));
		if (bar == MAP_FAILED) {
			if (errno != ENODEV)
				unexpected("mmap BAR0", errno);
			close(fd);
			continue;
		}
		add(C_MAPS, 1);
		while (!stop && !raise_burst(bar, 1 + rnd(&s) % 64))
			usleep(rnd(&s) % 2000);
		munmap((void *)bar, MAP_LEN);
		close(fd);
	}
	return NULL;
}

static int read_id(volatile uint32_t *bar, uint32_t *id)
{
	if (sigsetjmp(bus_jmp, 1)) {
		add(C_SIGBUS, 1);
		return -1;
	}
	bus_armed = 1;
	*id = bar[0];
	bus_armed = 0;
	return 0;
}

static void *mapper(void *arg)
{
	volatile uint32_t *bar;
	void *st, *ack;
	uint32_t id;
	int fd, i, gone;

	(void)arg;
	while ((fd = reopen(O_RDWR)) >= 0) {
		for (i = 0, gone = 0; i < 50 && !gone && !stop; i++) {
			bar = mmap(NULL, MAP_LEN, PROT_READ, MAP_SHARED, fd,
				   KP_MMAP_OFFSET(0));
			if (bar == MAP_FAILED) {
				gone = 1;
				break;
			}
			add(C_MAPS, 1);
			if (read_id(bar, &id))
				gone = 1;
			else if (id != EDU_ID)
				unexpected("BAR0 id", EIO);
			munmap((void *)bar, MAP_LEN);
			st = mmap(NULL, MAP_LEN, PROT_READ, MAP_SHARED, fd,
				  KP_MMAP_NOTIFY);
			ack = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, KP_MMAP_NOTIFY_ACK);
			if (st == MAP_FAILED || ack == MAP_FAILED)
				unexpected("mmap notify", errno);
			else
				add(C_MAPS, 2);
			if (st != MAP_FAILED)
				munmap(st, MAP_LEN);
			if (ack != MAP_FAILED)
				munmap(ack, MAP_LEN);
		}
		close(fd);
	}
	return NULL;
}

/* ---- open/close, dup, fork ------------------------------------------------ */

static void raise_some(int fd, int n)
{
	struct kp_rw rw = { .argsz = sizeof(rw), .width = 4,
			    .offset = HOSTILE_EDU_IRQ_RAISE, .value = 1 };

	while (n-- > 0 && !xioctl(fd, KP_BAR_WRITE, &rw))
		add(C_RAISES, 1);
}

static void *openclose(void *arg)
{
	uint64_t s = seed ^ 0x6f70656e;
	struct kp_device_info info;
	struct hostile_msg m = { .arg = 4096 };
	struct kp_plugin_call pc = {
		.argsz = sizeof(pc), .message = HOSTILE_MSG_DMA_ALLOC,
		.data = (uintptr_t)&m, .data_size = sizeof(m),
	};
	struct inc *in;
	pid_t pid;
	int fd, d, e, r, removed;

	(void)arg;
	while ((fd = reopen(O_RDWR)) >= 0) {
		add(C_OPENS, 1);
		in = inc_of(fd);
		removed = 0;
		r = rnd(&s) % 4;
		if (r <= 1 && !(e = plugin_open(fd))) {
			if (rnd(&s) % 2) {
				m.arg = 4096;
				e = xioctl(fd, KP_PLUGIN_CALL, &pc);
				if (!e) {
					add(C_CALLS, 1);
					inc_add(in, 0, 1);
					if (pc.result == HOSTILE_RES_OK)
						add(C_DMA, 1);
				}
				removed |= e == ENODEV;
			}
			removed |= hcall(fd, HOSTILE_MSG_COUNTS, 0, in) ==
				   ENODEV;
			if (r == 1 && !removed) {
				e = int_enable(fd, KP_INT_MODE_MSI,
					       HOSTILE_MODE_ACK, 0);
				removed |= e == ENODEV;
				if (!e) {
					raise_some(fd, 1 + rnd(&s) % 16);
					e = xioctl(fd, KP_INT_DISABLE, NULL);
					if (!e)
						add(C_DISABLES, 1);
					removed |= drain(fd, in) ==
						   KP_STOP_REMOVED;
				}
			}
			if (rnd(&s) % 2)
				removed |= xioctl(fd, KP_PLUGIN_CLOSE, NULL) ==
					   ENODEV;
		} else if (r <= 1) {
			removed = e == ENODEV;
		} else if (r == 2) {
			d = dup(fd);
			add(C_DUPS, 1);
			memset(&info, 0, sizeof(info));
			info.argsz = sizeof(info);
			removed = xioctl(d, KP_GET_INFO, &info) == ENODEV;
			close(d);
		} else {
			pid = fork();
			if (pid == 0) {
				close(fd);
				_exit(0);
			}
			if (pid > 0) {
				add(C_FORKS, 1);
				waitpid(pid, NULL, 0);
			}
		}
		if (removed)
			finalize(fd);
		close(fd);
	}
	return NULL;
}

/* ---- WD_REMOVE events ------------------------------------------------------ */

/* the events thread's fd while it blocks, for the end (see main()) */
static volatile int ev_fd = -1, ev_in_wait, ev_taken_over;

static void *events(void *arg)
{
	struct kp_event_register er = { .argsz = sizeof(er),
					.actions = KP_EVENT_REMOVE };
	struct kp_event_wait ew;
	struct pollfd p;
	int fd, e, done;

	(void)arg;
	while ((fd = reopen(O_RDWR)) >= 0) {
		e = xioctl(fd, KP_EVENT_REGISTER, &er);
		done = e != 0;
		while (!done && !stop) {
			p.fd = fd;
			p.events = POLLPRI;
			if (poll(&p, 1, 100) <= 0)
				continue;
			memset(&ew, 0, sizeof(ew));
			ew.argsz = sizeof(ew);
			ew.flags = KP_WAIT_NONBLOCK;
			e = xioctl(fd, KP_EVENT_WAIT, &ew);
			if (e) {
				unexpected("KP_EVENT_WAIT", e);
				break;
			}
			if (ew.action == KP_EVENT_REMOVE)
				add(C_EVENTS, 1);
			/* then nothing more comes: STOPPED */
			memset(&ew, 0, sizeof(ew));
			ew.argsz = sizeof(ew);
			ev_fd = fd;
			ev_in_wait = 1;
			e = xioctl(fd, KP_EVENT_WAIT, &ew);
			ev_in_wait = 0;
			if (e || !(ew.flags & KP_WAIT_STOPPED))
				unexpected("KP_EVENT_WAIT after remove", e);
			done = 1;
		}
		if (ev_taken_over)
			return NULL;	/* main() closed it */
		close(fd);
	}
	return NULL;
}

/* ---- the end ----------------------------------------------------------------- */

static int sysfs_matches(const char *name, const struct kp_stats *st)
{
	struct kpt_counters c, s;

	if (kpt_read_sysfs(name, &c))
		return 0;
	kpt_from_stats(st, &s);
	return !memcmp(&c, &s, sizeof(c));
}

static void stats_json(const struct kp_stats *s)
{
	printf("{\"interrupts\": %llu, \"spurious\": %llu, \"dpc_requests\": "
	       "%llu, \"dpcs\": %llu, \"dpc_count_sum\": %llu, "
	       "\"notifications\": %llu, \"lost\": %llu, \"calls\": %llu, "
	       "\"storms\": %llu}",
	       (unsigned long long)s->interrupts,
	       (unsigned long long)s->spurious,
	       (unsigned long long)s->dpc_requests,
	       (unsigned long long)s->dpcs,
	       (unsigned long long)s->dpc_count_sum,
	       (unsigned long long)s->notifications,
	       (unsigned long long)s->lost, (unsigned long long)s->calls,
	       (unsigned long long)s->storms);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "bdf", required_argument, NULL, 'b' },
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	void *(*fns[])(void *) = { caller, caller, owner, waiter, waiter,
				   raiser, openclose, mapper, events };
	pthread_t th[sizeof(fns) / sizeof(fns[0])];
	unsigned int nth = sizeof(fns) / sizeof(fns[0]), i;
	struct kp_stats live = { .argsz = sizeof(live) };
	char path[96];
	double seconds = 20, t0, t1;
	int c, fd, checked = 0, unchecked = 0, bad = 0, match = 0, first = 1;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'b': bdf = optarg; break;
		case 's': seconds = strtod(optarg, NULL); break;
		case 'S': seed = strtoull(optarg, NULL, 0) | 1; break;
		default: return 2;
		}
	}
	if (!bdf) {
		fprintf(stderr, "usage: kp_stress --bdf BDF [--seconds S] "
			"[--seed N]\n");
		return 2;
	}
	signal(SIGBUS, on_sigbus);
	signal(SIGPIPE, SIG_IGN);

	t0 = kpt_now();
	for (i = 0; i < nth; i++) {
		uintptr_t a = fns[i] == waiter ? (i == 3 ? 0 : 1) : i;

		pthread_create(&th[i], NULL, fns[i], (void *)a);
	}
	while (kpt_now() - t0 < seconds)
		usleep(50000);
	stop = 1;
	pthread_mutex_lock(&ep_lock);
	pthread_cond_broadcast(&ep_cond);
	pthread_mutex_unlock(&ep_lock);
	for (i = 0; i < nth; i++) {
		struct timespec ts;

		if (fns[i] != events) {
			pthread_join(th[i], NULL);
			continue;
		}
		/* a KP_EVENT_WAIT after WD_REMOVE must end by itself */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 10;
		if (pthread_timedjoin_np(th[i], NULL, &ts)) {
			unexpected("KP_EVENT_WAIT still blocked after removal",
				   ETIMEDOUT);
			ev_taken_over = 1;
			if (ev_in_wait)
				close(ev_fd);	/* the owner's close wakes it */
			pthread_join(th[i], NULL);
		}
	}
	t1 = kpt_now();

	/* the device as it is now: quiet, its counters final */
	if (!kpt_node_of_bdf(bdf, path, sizeof(path), 30.0) &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		if (!ioctl(fd, KP_GET_STATS, &live))
			match = sysfs_matches(strrchr(path, '/') + 1, &live);
		finalize(fd);
		close(fd);
	}

	printf("{\"seed\": %llu, \"seconds\": %.1f, \"ops\": {",
	       (unsigned long long)seed, t1 - t0);
	for (i = 0; i < C_NCOUNT; i++)
		printf("%s\"%s\": %llu", i ? ", " : "", cnames[i],
		       (unsigned long long)cnt[i]);
	printf("}, \"unexpected_what\": \"%s\", \"stop_reasons\": {"
	       "\"disabled\": %llu, \"removed\": %llu, \"storm\": %llu, "
	       "\"line_disabled\": %llu, \"closed\": %llu, \"idle\": %llu}, "
	       "\"sysfs_matches_stats\": %d, \"live\": ", bad_what,
	       (unsigned long long)stop_reasons[KP_STOP_DISABLED],
	       (unsigned long long)stop_reasons[KP_STOP_REMOVED],
	       (unsigned long long)stop_reasons[KP_STOP_STORM],
	       (unsigned long long)stop_reasons[KP_STOP_LINE_DISABLED],
	       (unsigned long long)stop_reasons[KP_STOP_CLOSED],
	       (unsigned long long)stop_reasons[KP_STOP_IDLE], match);
	stats_json(&live);
	printf(", \"disagreements\": [");
	for (i = 0; i < (unsigned int)nincs; i++) {
		struct inc *in = &incs[i];
		struct kp_stats *f = &in->final;

		if (!in->has_final) {
			unchecked++;
			continue;
		}
		checked++;
		if (f->dpc_count_sum == f->dpc_requests &&
		    f->interrupts == f->dpc_requests &&
		    f->notifications == in->taken + f->lost &&
		    f->calls == in->calls)
			continue;
		bad++;
		printf("%s{\"incarnation\": %u, \"taken\": %llu, "
		       "\"calls_counted\": %llu, \"stats\": ", first ? "" : ", ",
		       i, (unsigned long long)in->taken,
		       (unsigned long long)in->calls);
		stats_json(f);
		printf("}");
		first = 0;
	}
	printf("], \"incarnations\": %d, \"checked\": %d, \"unchecked\": %d, "
	       "\"disagreeing\": %d}\n", nincs, checked, unchecked, bad);
	return bad || cnt[C_BAD] || !match ? 1 : 0;
}
