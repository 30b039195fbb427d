// SPDX-License-Identifier: GPL-2.0
/*
 * kp_unplug - one removal of a kp_hostile device, seen from user mode
 * (tests/target/test_hotplug.py).  Raw UAPI: this is about what the
 * kernel does.
 *
 *   kp_unplug --dev NODE --bdf BDF --dir DIR --roles ROLE[,ROLE...]
 *             [--ignore-ms MS] [--timeout S]
 *
 * Each ROLE gets its own fd of NODE and is set up before DIR/ready is
 * created; then whoever drives the test removes the device (QMP
 * device_del, sysfs remove, driver unbind).  Roles:
 *   idle      plugin open, registered for WD_REMOVE, a thread in
 *             KP_EVENT_WAIT: gets WD_REMOVE, then KP_WAIT_STOPPED
 *   evpower   no plugin open, registered for POWER_D3 only, a thread in
 *             KP_EVENT_WAIT: nothing is queued, it must still stop
 *   msi, intx interrupts on (hostile ACK mode), 3 raises counted
 *             exactly, then a thread blocked in KP_INT_WAIT: STOPPED,
 *             reason KP_STOP_REMOVED, nothing taken
 *   dpc       MSI, a thread raising through KP_BAR_WRITE until ENODEV,
 *             nothing taken before removal (DPCs and notifications
 *             pending); afterwards the queue drains, then STOPPED
 *   call      a KP_Call of HOSTILE_MSG_WAIT_GONE 30000 in flight: it must
 *             return HOSTILE_RES_GONE long before 30 s
 *   ignore    a KP_Call of HOSTILE_MSG_IGNORE_GONE MS in flight: removal
 *             waits for it
 *   mmap      BAR0 mapped, a thread writing/reading edu's liveness
 *             register through it until SIGBUS
 *   dma       plugin open holding 4 KiB of coherent DMA memory: KP_Close
 *             frees it during removal
 *   close     two threads open/KP_PLUGIN_OPEN/DMA/close and
 *             KP_PLUGIN_OPEN/KP_PLUGIN_CLOSE in a loop until the node is
 *             gone
 *   slowclose plugin open whose KP_Close sleeps 500 ms (keeps removal busy
 *             with this open while the roles opened before it re-wait)
 *
 * When a separate probe fd sees KP_GET_INFO fail with ENODEV, removal has
 * finished (KP_Close has run for every open).  The hostile counters are
 * read then, every role's fd is checked (ENODEV, KP_GET_STATS, one
 * KP_PLUGIN_CLOSE returning 0 without calling KP_Close again, ...) and
 * DIR/removed is created.  Once DIR/readded exists (the device is back)
 * the old fds and the old mapping are checked again and closed, and the
 * new device is used: 5 MSI raises, each counted exactly.  One JSON line
 * goes to stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kp.h>
#include "kp_hostile_msgs.h"
#include "kpt_common.h"
#include "kpt_node.h"

#define EDU_LIVENESS	0x04
#define MAP_LEN		4096
#define PRE_RAISES	3
#define NEW_RAISES	5

enum role_kind {
	R_IDLE, R_EVPOWER, R_MSI, R_INTX, R_DPC, R_CALL, R_IGNORE, R_MMAP,
	R_DMA, R_CLOSE, R_SLOWCLOSE, R_NKINDS
};

static const char *const role_names[R_NKINDS] = {
	"idle", "evpower", "msi", "intx", "dpc", "call", "ignore", "mmap",
	"dma", "close", "slowclose",
};

struct role {
	enum role_kind	kind;
	int		fd;
	int		plugin_open;	/* at removal */
	int		int_on;
	int		setup_err;
	const char	*setup_step;
	pthread_t	th, th2;
	int		nthreads;
	volatile pid_t	tid;		/* of the thread that must block */
	volatile pid_t	tid2;		/* close: of the toggle thread */
	volatile int	started, returned, returned2;
	volatile int	progress;	/* loops done, for readiness */
	double		t_returned;

	/* results of the thread(s) */
	int		err, err2;
	struct kp_int_wait	iw, iw2;
	struct kp_event_wait	ew, ew2;
	struct kp_plugin_call	pc;
	struct hostile_msg	msg;
	uint64_t	pre_counter[PRE_RAISES];
	struct kp_stats	pre_stats;

	/* dpc */
	uint64_t	raises, taken_before, taken_after, drain_waits;
	uint32_t	drain_reason;
	int		drain_err;
	struct kp_stats	final_stats;

	/* mmap */
	volatile uint32_t *map;
	uint64_t	accesses, mismatches;
	uint32_t	bad_wrote, bad_got;	/* the first mismatch */
	volatile int	sigbus;
	uintptr_t	sigbus_addr;
	int		maps_has, sigbus_after_readd;

	/* close */
	uint64_t	cycles, plugin_opens, dma_ok, toggles;
	int		errnos[8];
	char		bad_errno[32];

	/* checks after removal */
	int		e_info, e_bar, e_cfg, e_call, e_enable, e_disable,
			e_register, e_stats, e_mmap, e_close1, e_close2;
	int		iw_after_err, iw_after_stopped;
	uint32_t	iw_after_reason;
	int		closes_changed;
	int		e_info_readd, e_close_fd;
};

#define MAX_ROLES	16
static struct role roles[MAX_ROLES];
static int nroles;
static const char *devpath, *bdf, *dir;
static unsigned int ignore_ms = 12000;
static double timeout_s = 120;
static struct kp_stats stats0;	/* the device's counters at the start */

/* ---- helpers --------------------------------------------------------- */

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? errno : 0;
}

static void marker(const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

static int marker_exists(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* kp_hostile's KP_Close count for the bus of our device (closes_bus[]) */
static int closes_on_our_bus(void)
{
	unsigned int domain, bus, i;
	FILE *f;
	int v = -1;

	if (sscanf(bdf, "%x:%x:", &domain, &bus) != 2 || bus > 255)
		return -1;
	f = fopen("/sys/module/kp_hostile/parameters/closes_bus", "re");
	if (!f)
		return -1;
	for (i = 0; i <= bus; i++)
		if (fscanf(f, "%d,", &v) != 1) {
			v = -1;
			break;
		}
	fclose(f);
	return v;
}

static int read_param(const char *name)
{
	char path[256];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), "/sys/module/kp_hostile/parameters/%s",
		 name);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

struct counters {
	int opens, closes, removes, overlaps, int_disables, dma_frees;
};

static void read_counters(struct counters *c)
{
	c->opens = read_param("opens");
	c->closes = read_param("closes");
	c->removes = read_param("removes");
	c->overlaps = read_param("overlaps");
	c->int_disables = read_param("int_disables");
	c->dma_frees = read_param("dma_frees");
}

static int hostile_call(int fd, uint32_t msg, uint32_t arg,
			struct hostile_msg *m, uint32_t *result)
{
	struct kp_plugin_call pc = { .argsz = sizeof(pc), .message = msg };
	struct hostile_msg local;
	int err;

	if (!m)
		m = &local;
	memset(m, 0, sizeof(*m));
	m->arg = arg;
	pc.data = (uintptr_t)m;
	pc.data_size = sizeof(*m);
	err = xioctl(fd, KP_PLUGIN_CALL, &pc);
	if (result)
		*result = pc.result;
	return err;
}

static int plugin_open(int fd)
{
	struct kp_plugin_open po = { .argsz = sizeof(po) };

	return xioctl(fd, KP_PLUGIN_OPEN, &po);
}

static int int_enable(int fd, uint32_t mode)
{
	struct hostile_int_enable opts = { .mode = HOSTILE_MODE_ACK };
	struct kp_int_enable ie = {
		.argsz = sizeof(ie), .mode = mode, .nvec = 1,
		.data = (uintptr_t)&opts, .data_size = sizeof(opts),
	};

	return xioctl(fd, KP_INT_ENABLE, &ie);
}

static int raise_irq(int fd)
{
	struct kp_rw rw = { .argsz = sizeof(rw), .width = 4,
			    .offset = HOSTILE_EDU_IRQ_RAISE, .value = 1 };

	return xioctl(fd, KP_BAR_WRITE, &rw);
}

static int wait_one(int fd, struct kp_int_wait *w, double seconds)
{
	memset(w, 0, sizeof(*w));
	w->argsz = sizeof(*w);
	w->flags = KP_WAIT_TIMEOUT;
	w->timeout_ns = (uint64_t)(seconds * 1e9);
	return xioctl(fd, KP_INT_WAIT, w);
}

static int get_stats(int fd, struct kp_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->argsz = sizeof(*st);
	return xioctl(fd, KP_GET_STATS, st);
}

/* @s minus the counters at the start: this case's share */
static void stats_since_start(struct kp_stats *s)
{
	s->interrupts -= stats0.interrupts;
	s->spurious -= stats0.spurious;
	s->dpc_requests -= stats0.dpc_requests;
	s->dpcs -= stats0.dpcs;
	s->dpc_count_sum -= stats0.dpc_count_sum;
	s->notifications -= stats0.notifications;
	s->lost -= stats0.lost;
	s->calls -= stats0.calls;
}

static int event_register(int fd, uint32_t actions)
{
	struct kp_event_register er = { .argsz = sizeof(er),
					.actions = actions };

	return xioctl(fd, KP_EVENT_REGISTER, &er);
}

/*
 * True once thread @tid sleeps inside system call @nr (or @nr2): state S,
 * or D (kp_sleep_us() and msleep() sleep uninterruptibly).
 */
static int thread_blocked_in(pid_t tid, long nr1, long nr2)
{
	char path[128], buf[512], *p;
	long nr = -1;
	FILE *f;
	int ok = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		ok = p && p[1] == ' ' && (p[2] == 'S' || p[2] == 'D');
	}
	fclose(f);
	if (!ok)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &nr) != 1)
		nr = -1;
	fclose(f);
	return nr == nr1 || nr == nr2;
}

static int thread_blocked(pid_t tid)
{
	return thread_blocked_in(tid, SYS_ioctl, SYS_ioctl);
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static int wait_flag(volatile int *flag, double seconds)
{
	double end = kpt_now() + seconds;

	while (!*flag && kpt_now() < end)
		usleep(1000);
	return *flag;
}

/* ---- role threads ---------------------------------------------------- */

static void *event_thread(void *arg)
{
	struct role *r = arg;

	r->tid = gettid_();
	r->started = 1;
	r->ew.argsz = sizeof(r->ew);
	r->err = xioctl(r->fd, KP_EVENT_WAIT, &r->ew);
	r->returned = 1;
	if (r->kind == R_IDLE && !r->err &&
	    !(r->ew.flags & KP_WAIT_STOPPED)) {
		/* the next one: nothing more can come */
		r->ew2.argsz = sizeof(r->ew2);
		r->err2 = xioctl(r->fd, KP_EVENT_WAIT, &r->ew2);
	}
	r->t_returned = kpt_now();
	r->returned2 = 1;
	return NULL;
}

static void *int_wait_thread(void *arg)
{
	struct role *r = arg;

	r->tid = gettid_();
	r->started = 1;
	/* no KP_WAIT_TIMEOUT left over from the set-up's waits */
	memset(&r->iw, 0, sizeof(r->iw));
	r->iw.argsz = sizeof(r->iw);
	r->err = xioctl(r->fd, KP_INT_WAIT, &r->iw);
	r->returned = 1;
	/* and again: still stopped */
	memset(&r->iw2, 0, sizeof(r->iw2));
	r->iw2.argsz = sizeof(r->iw2);
	r->err2 = xioctl(r->fd, KP_INT_WAIT, &r->iw2);
	r->t_returned = kpt_now();
	r->returned2 = 1;
	return NULL;
}

static void *raise_thread(void *arg)
{
	struct role *r = arg;
	int err;

	r->started = 1;
	for (;;) {
		err = raise_irq(r->fd);
		if (err)
			break;
		r->raises++;
		if (r->raises >= 200)
			r->progress = 1;
	}
	r->err = err;
	r->t_returned = kpt_now();
	r->returned = r->returned2 = 1;
	return NULL;
}

static void *call_thread(void *arg)
{
	struct role *r = arg;
	uint32_t msg = r->kind == R_CALL ? HOSTILE_MSG_WAIT_GONE :
		       HOSTILE_MSG_IGNORE_GONE;
	uint32_t ms = r->kind == R_CALL ? 30000 : ignore_ms;

	r->tid = gettid_();
	r->started = 1;
	r->err = hostile_call(r->fd, msg, ms, &r->msg, &r->pc.result);
	r->t_returned = kpt_now();
	r->returned = r->returned2 = 1;
	return NULL;
}

static __thread sigjmp_buf bus_jmp;
static __thread volatile int bus_armed;
static __thread volatile uintptr_t bus_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (!bus_armed)
		abort();
	bus_addr = (uintptr_t)si->si_addr;
	bus_armed = 0;
	siglongjmp(bus_jmp, 1);
}

/* One liveness write + read through @map; 1 if it faulted (SIGBUS). */
static int touch_map(volatile uint32_t *map, uint32_t v, struct role *r,
		     uintptr_t *addr)
{
	uint32_t got;

	if (sigsetjmp(bus_jmp, 1)) {
		*addr = bus_addr;
		return 1;
	}
	bus_armed = 1;
	map[EDU_LIVENESS / 4] = v;
	got = map[EDU_LIVENESS / 4];
	/*
	 * All-ones is what a read gets from a device that is going away
	 * before the runtime revokes the mapping (seen once in a QMP
	 * unplug): not a mismatch, the next access faults.
	 */
	if (got != ~v && got != 0xffffffff && !r->mismatches++) {
		r->bad_wrote = v;
		r->bad_got = got;
	}
	bus_armed = 0;
	return 0;
}

static void *mmap_thread(void *arg)
{
	struct role *r = arg;
	uint32_t v = 0x5a000000;

	r->started = 1;
	for (;;) {
		if (touch_map(r->map, v++, r, &r->sigbus_addr)) {
			r->sigbus = 1;
			break;
		}
		r->accesses++;
		if (r->accesses >= 1000)
			r->progress = 1;
	}
	r->t_returned = kpt_now();
	r->returned = r->returned2 = 1;
	return NULL;
}

static void note_errno(struct role *r, int e, const char *what)
{
	static const int ok[] = { 0, ENODEV, ENOENT, EBUSY, ENOTCONN };
	unsigned int i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (e == ok[i]) {
			__atomic_add_fetch(&r->errnos[i], 1, __ATOMIC_RELAXED);
			return;
		}
	snprintf(r->bad_errno, sizeof(r->bad_errno), "%s %s", what,
		 kpt_errname(e));
}

/* open, KP_PLUGIN_OPEN, DMA, close, until the node is gone */
static void *close_thread(void *arg)
{
	struct role *r = arg;
	struct hostile_msg m;
	uint32_t res;
	int fd, e;

	r->tid = gettid_();
	r->started = 1;
	for (;;) {
		fd = open(devpath, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			note_errno(r, errno, "open");
			break;
		}
		e = plugin_open(fd);
		note_errno(r, e, "KP_PLUGIN_OPEN");
		if (!e) {
			__atomic_add_fetch(&r->plugin_opens, 1,
					   __ATOMIC_RELAXED);
			e = hostile_call(fd, HOSTILE_MSG_DMA_ALLOC, 4096, &m,
					 &res);
			note_errno(r, e, "DMA_ALLOC");
			if (!e && res == HOSTILE_RES_OK)
				__atomic_add_fetch(&r->dma_ok, 1,
						   __ATOMIC_RELAXED);
		}
		close(fd);
		if (__atomic_add_fetch(&r->cycles, 1, __ATOMIC_RELAXED) >= 10)
			r->progress = 1;
		if (e == ENODEV)
			break;
	}
	r->t_returned = kpt_now();
	r->returned = 1;
	return NULL;
}

/* KP_PLUGIN_OPEN / KP_PLUGIN_CLOSE on the role's fd until ENODEV */
static void *toggle_thread(void *arg)
{
	struct role *r = arg;
	int e;

	r->tid2 = gettid_();
	for (;;) {
		e = plugin_open(r->fd);
		note_errno(r, e, "KP_PLUGIN_OPEN");
		if (!e)
			__atomic_add_fetch(&r->plugin_opens, 1,
					   __ATOMIC_RELAXED);
		if (e == ENODEV)
			break;
		e = xioctl(r->fd, KP_PLUGIN_CLOSE, NULL);
		note_errno(r, e, "KP_PLUGIN_CLOSE");
		r->toggles++;
	}
	r->returned2 = 1;
	return NULL;
}

/* ---- set-up ------------------------------------------------------------ */

static int call_in_flight(void);

static int has_call_role(void)
{
	int i;

	for (i = 0; i < nroles; i++)
		if (roles[i].kind == R_CALL || roles[i].kind == R_IGNORE)
			return 1;
	return 0;
}

#define STEP(expr, name) do {					\
	int __e = (expr);					\
	if (__e) {						\
		r->setup_err = __e;				\
		r->setup_step = name;				\
		return -1;					\
	}							\
} while (0)

static int setup_role(struct role *r)
{
	uint32_t res = 0;
	int i;

	r->fd = open(devpath, O_RDWR | O_CLOEXEC);
	STEP(r->fd < 0 ? errno : 0, "open");
	switch (r->kind) {
	case R_IDLE:
		STEP(plugin_open(r->fd), "KP_PLUGIN_OPEN");
		r->plugin_open = 1;
		STEP(event_register(r->fd, KP_EVENT_REMOVE),
		     "KP_EVENT_REGISTER");
		pthread_create(&r->th, NULL, event_thread, r);
		break;
	case R_EVPOWER:
		STEP(event_register(r->fd, KP_EVENT_POWER_D3),
		     "KP_EVENT_REGISTER");
		pthread_create(&r->th, NULL, event_thread, r);
		break;
	case R_MSI:
	case R_INTX:
	case R_DPC:
		STEP(plugin_open(r->fd), "KP_PLUGIN_OPEN");
		r->plugin_open = 1;
		STEP(int_enable(r->fd, r->kind == R_INTX ? KP_INT_MODE_INTX :
				KP_INT_MODE_MSI), "KP_INT_ENABLE");
		r->int_on = 1;
		if (r->kind == R_DPC) {
			pthread_create(&r->th, NULL, raise_thread, r);
			break;
		}
		for (i = 0; i < PRE_RAISES; i++) {
			STEP(raise_irq(r->fd), "raise");
			STEP(wait_one(r->fd, &r->iw, 5.0), "KP_INT_WAIT");
			if (r->iw.flags & KP_WAIT_STOPPED)
				STEP(ESHUTDOWN, "KP_INT_WAIT stopped");
			r->pre_counter[i] = r->iw.counter;
		}
		STEP(get_stats(r->fd, &r->pre_stats), "KP_GET_STATS");
		stats_since_start(&r->pre_stats);
		pthread_create(&r->th, NULL, int_wait_thread, r);
		break;
	case R_CALL:
	case R_IGNORE:
		STEP(plugin_open(r->fd), "KP_PLUGIN_OPEN");
		r->plugin_open = 1;
		pthread_create(&r->th, NULL, call_thread, r);
		break;
	case R_MMAP:
		r->map = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE,
			      MAP_SHARED, r->fd, KP_MMAP_OFFSET(0));
		STEP(r->map == MAP_FAILED ? errno : 0, "mmap");
		pthread_create(&r->th, NULL, mmap_thread, r);
		break;
	case R_DMA:
		STEP(plugin_open(r->fd), "KP_PLUGIN_OPEN");
		r->plugin_open = 1;
		STEP(hostile_call(r->fd, HOSTILE_MSG_DMA_ALLOC, 4096, NULL,
				  &res), "DMA_ALLOC");
		STEP(res == HOSTILE_RES_OK ? 0 : EIO, "DMA_ALLOC result");
		STEP(hostile_call(r->fd, HOSTILE_MSG_COUNTS, 0, &r->msg,
				  &res), "COUNTS");
		r->started = r->returned = r->returned2 = 1;
		break;
	case R_CLOSE:
		/* a call role's KP_Call is in the plugin before the closes */
		for (i = 0; i < 1000 && has_call_role() && !call_in_flight();
		     i++)
			usleep(10000);
		pthread_create(&r->th, NULL, close_thread, r);
		pthread_create(&r->th2, NULL, toggle_thread, r);
		r->nthreads = 2;
		break;
	case R_SLOWCLOSE:
		STEP(plugin_open(r->fd), "KP_PLUGIN_OPEN");
		r->plugin_open = 1;
		STEP(hostile_call(r->fd, HOSTILE_MSG_SLOW_CLOSE, 500, NULL,
				  &res), "SLOW_CLOSE");
		r->started = r->returned = r->returned2 = 1;
		break;
	default:
		break;
	}
	if (r->kind != R_DMA && r->kind != R_SLOWCLOSE && !r->nthreads)
		r->nthreads = 1;
	return 0;
}

/* A KP_Call role of this program sleeps in the plugin. */
static int call_in_flight(void)
{
	int i;

	for (i = 0; i < nroles; i++)
		if ((roles[i].kind == R_CALL || roles[i].kind == R_IGNORE) &&
		    roles[i].started && !roles[i].returned && roles[i].tid &&
		    thread_blocked(roles[i].tid))
			return 1;
	return 0;
}

/* Everything is in place: the blocking threads sleep in the kernel. */
static int role_ready(struct role *r)
{
	switch (r->kind) {
	case R_CLOSE:
		/*
		 * KP_Close and KP_PLUGIN_CLOSE wait for the device's running
		 * KP_Calls (the gate, kp_internal.h): with a call role in
		 * flight both threads soon sleep in close()/ioctl() until
		 * removal ends that call.
		 */
		return r->progress ||
		       (call_in_flight() && r->tid && r->tid2 &&
			thread_blocked_in(r->tid, SYS_close, SYS_ioctl) &&
			thread_blocked_in(r->tid2, SYS_close, SYS_ioctl));
	case R_IDLE:
	case R_EVPOWER:
	case R_MSI:
	case R_INTX:
	case R_CALL:
	case R_IGNORE:
		return r->started && r->tid && thread_blocked(r->tid);
	case R_DPC:
	case R_MMAP:
		return r->progress;
	default:
		return 1;
	}
}

/* ---- after removal ----------------------------------------------------- */

static void check_removed_fd(struct role *r, int closes_before)
{
	struct kp_device_info info = { .argsz = sizeof(info) };
	struct kp_rw rw = { .argsz = sizeof(rw), .width = 4 };
	struct kp_int_wait w = { .argsz = sizeof(w),
				 .flags = KP_WAIT_NONBLOCK };
	struct kp_stats st;
	void *p;

	if (r->fd < 0)
		return;
	r->e_info = xioctl(r->fd, KP_GET_INFO, &info);
	r->e_bar = xioctl(r->fd, KP_BAR_READ, &rw);
	r->e_cfg = xioctl(r->fd, KP_CFG_READ, &rw);
	r->e_call = hostile_call(r->fd, HOSTILE_MSG_COUNTS, 0, NULL, NULL);
	r->e_enable = int_enable(r->fd, KP_INT_MODE_MSI);
	r->e_disable = xioctl(r->fd, KP_INT_DISABLE, NULL);
	r->e_register = event_register(r->fd, KP_EVENT_ALL);
	r->e_stats = get_stats(r->fd, &st);
	p = mmap(NULL, MAP_LEN, PROT_READ, MAP_SHARED, r->fd,
		 KP_MMAP_OFFSET(0));
	r->e_mmap = p == MAP_FAILED ? errno : 0;
	if (p != MAP_FAILED)
		munmap(p, MAP_LEN);
	r->iw_after_err = xioctl(r->fd, KP_INT_WAIT, &w);
	r->iw_after_stopped = !!(w.flags & KP_WAIT_STOPPED);
	r->iw_after_reason = w.reason;
	if (r->kind == R_CLOSE) {
		/* its toggle thread owned the plugin open */
		r->e_close1 = r->e_close2 = -1;
		return;
	}
	/*
	 * kp_hostile counts every session's KP_Close, and other roles (and
	 * the other device of a QMP pair) close theirs meanwhile: read our
	 * bus's count right around the two calls
	 */
	closes_before = closes_on_our_bus();
	r->e_close1 = xioctl(r->fd, KP_PLUGIN_CLOSE, NULL);
	r->e_close2 = xioctl(r->fd, KP_PLUGIN_CLOSE, NULL);
	r->closes_changed = closes_before < 0 ||
			    closes_on_our_bus() != closes_before;
}

/* The dpc role: take what is queued, until STOPPED. */
static void drain(struct role *r)
{
	struct kp_int_wait w;

	for (;;) {
		memset(&w, 0, sizeof(w));
		w.argsz = sizeof(w);
		w.flags = KP_WAIT_ALL | KP_WAIT_TIMEOUT;
		w.timeout_ns = 5000000000ULL;
		r->drain_err = xioctl(r->fd, KP_INT_WAIT, &w);
		if (r->drain_err)
			return;
		r->drain_waits++;
		if (w.flags & KP_WAIT_STOPPED) {
			r->drain_reason = w.reason;
			return;
		}
		r->taken_after += w.taken;
	}
}

static int maps_has(uintptr_t addr)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strtoull(line, NULL, 16) == addr)
			found = 1;
	fclose(f);
	return found;
}

/* ---- the new device ---------------------------------------------------- */

struct newdev {
	char		name[64];
	int		err;
	const char	*step;
	uint64_t	counters[NEW_RAISES];
	struct kp_stats	st;
	struct hostile_msg counts;
};

#undef STEP
#define STEP(expr, name) do {					\
	int __e = (expr);					\
	if (__e) {						\
		n->err = __e;					\
		n->step = name;					\
		goto out;					\
	}							\
} while (0)

static void use_new_device(struct newdev *n)
{
	struct kp_int_wait w;
	uint32_t res;
	int fd = -1, i;

	STEP(kpt_node_of_bdf(bdf, n->name, sizeof(n->name), 30.0),
	     "find node");
	fd = open(n->name, O_RDWR | O_CLOEXEC);
	STEP(fd < 0 ? errno : 0, "open");
	STEP(plugin_open(fd), "KP_PLUGIN_OPEN");
	STEP(int_enable(fd, KP_INT_MODE_MSI), "KP_INT_ENABLE");
	for (i = 0; i < NEW_RAISES; i++) {
		STEP(raise_irq(fd), "raise");
		STEP(wait_one(fd, &w, 5.0), "KP_INT_WAIT");
		STEP(w.flags & KP_WAIT_STOPPED ? ESHUTDOWN : 0, "stopped");
		n->counters[i] = w.counter;
	}
	STEP(get_stats(fd, &n->st), "KP_GET_STATS");
	STEP(hostile_call(fd, HOSTILE_MSG_COUNTS, 0, &n->counts, &res),
	     "COUNTS");
	STEP(xioctl(fd, KP_INT_DISABLE, NULL), "KP_INT_DISABLE");
	STEP(xioctl(fd, KP_PLUGIN_CLOSE, NULL), "KP_PLUGIN_CLOSE");
out:
	if (fd >= 0)
		close(fd);
}

/* ---- output ------------------------------------------------------------ */

static void counters_json(const char *key, const struct counters *c)
{
	printf("\"%s\": {\"opens\": %d, \"closes\": %d, \"removes\": %d, "
	       "\"overlaps\": %d, \"int_disables\": %d, \"dma_frees\": %d}",
	       key, c->opens, c->closes, c->removes, c->overlaps,
	       c->int_disables, c->dma_frees);
}

static void stats_json(const char *key, const struct kp_stats *s)
{
	printf("\"%s\": {\"interrupts\": %llu, \"spurious\": %llu, "
	       "\"dpc_requests\": %llu, \"dpcs\": %llu, "
	       "\"dpc_count_sum\": %llu, \"notifications\": %llu, "
	       "\"lost\": %llu, \"calls\": %llu}", key,
	       (unsigned long long)s->interrupts,
	       (unsigned long long)s->spurious,
	       (unsigned long long)s->dpc_requests,
	       (unsigned long long)s->dpcs,
	       (unsigned long long)s->dpc_count_sum,
	       (unsigned long long)s->notifications,
	       (unsigned long long)s->lost, (unsigned long long)s->calls);
}

static const char *en(int e)
{
	return e < 0 ? "-" : kpt_errname(e);
}

static void role_json(struct role *r, double t_removed)
{
	printf("{\"role\": \"%s\", \"setup\": \"%s\", \"setup_step\": \"%s\", "
	       "\"returned\": %d, \"returned_all\": %d, "
	       "\"returned_after_removal_s\": %.3f",
	       role_names[r->kind], en(r->setup_err),
	       r->setup_step ? r->setup_step : "", r->returned,
	       r->returned2, r->returned2 && r->t_returned > 0 ?
	       r->t_returned - t_removed : -1.0);
	switch (r->kind) {
	case R_IDLE:
	case R_EVPOWER:
		printf(", \"wait\": {\"errno\": \"%s\", \"action\": %u, "
		       "\"seq\": %llu, \"stopped\": %d}", en(r->err),
		       r->ew.action, (unsigned long long)r->ew.seq,
		       !!(r->ew.flags & KP_WAIT_STOPPED));
		if (r->kind == R_IDLE)
			printf(", \"wait2\": {\"errno\": \"%s\", \"action\": "
			       "%u, \"stopped\": %d}", en(r->err2),
			       r->ew2.action,
			       !!(r->ew2.flags & KP_WAIT_STOPPED));
		break;
	case R_MSI:
	case R_INTX:
		printf(", \"pre_counters\": [%llu, %llu, %llu], ",
		       (unsigned long long)r->pre_counter[0],
		       (unsigned long long)r->pre_counter[1],
		       (unsigned long long)r->pre_counter[2]);
		stats_json("pre_stats", &r->pre_stats);
		printf(", \"wait\": {\"errno\": \"%s\", \"stopped\": %d, "
		       "\"reason\": %u, \"taken\": %llu, \"counter\": %llu}, "
		       "\"wait2\": {\"errno\": \"%s\", \"stopped\": %d, "
		       "\"reason\": %u}", en(r->err),
		       !!(r->iw.flags & KP_WAIT_STOPPED), r->iw.reason,
		       (unsigned long long)r->iw.taken,
		       (unsigned long long)r->iw.counter, en(r->err2),
		       !!(r->iw2.flags & KP_WAIT_STOPPED), r->iw2.reason);
		break;
	case R_DPC:
		printf(", \"raises\": %llu, \"raise_end\": \"%s\", "
		       "\"taken\": %llu, \"drain_waits\": %llu, "
		       "\"drain\": {\"errno\": \"%s\", \"reason\": %u}, ",
		       (unsigned long long)r->raises, en(r->err),
		       (unsigned long long)r->taken_after,
		       (unsigned long long)r->drain_waits, en(r->drain_err),
		       r->drain_reason);
		stats_json("final_stats", &r->final_stats);
		break;
	case R_CALL:
	case R_IGNORE:
		printf(", \"call\": {\"errno\": \"%s\", \"result\": %u, "
		       "\"gone\": %u, \"elapsed_ms\": %u}", en(r->err),
		       r->pc.result, r->msg.gone, r->msg.elapsed_ms);
		break;
	case R_MMAP:
		printf(", \"accesses\": %llu, \"mismatches\": %llu, "
		       "\"first_mismatch\": \"wrote 0x%08x, read 0x%08x\", "
		       "\"sigbus\": %d, \"sigbus_in_map\": %d, "
		       "\"maps_has_mapping\": %d, \"sigbus_after_readd\": %d",
		       (unsigned long long)r->accesses,
		       (unsigned long long)r->mismatches, r->bad_wrote,
		       r->bad_got, r->sigbus,
		       r->sigbus && r->sigbus_addr >= (uintptr_t)r->map &&
		       r->sigbus_addr < (uintptr_t)r->map + MAP_LEN,
		       r->maps_has, r->sigbus_after_readd);
		break;
	case R_DMA:
		printf(", \"dma_bytes\": %llu",
		       (unsigned long long)r->msg.dma_bytes);
		break;
	case R_CLOSE:
		printf(", \"cycles\": %llu, \"plugin_opens\": %llu, "
		       "\"dma_ok\": %llu, \"toggles\": %llu, "
		       "\"errnos\": {\"OK\": %d, \"ENODEV\": %d, \"ENOENT\": %d, "
		       "\"EBUSY\": %d, \"ENOTCONN\": %d}, \"bad_errno\": \"%s\"",
		       (unsigned long long)r->cycles,
		       (unsigned long long)r->plugin_opens,
		       (unsigned long long)r->dma_ok,
		       (unsigned long long)r->toggles, r->errnos[0],
		       r->errnos[1], r->errnos[2], r->errnos[3], r->errnos[4],
		       r->bad_errno);
		break;
	default:
		break;
	}
	if (r->fd >= 0)
		printf(", \"after\": {\"get_info\": \"%s\", \"bar_read\": "
		       "\"%s\", \"cfg_read\": \"%s\", \"plugin_call\": \"%s\", "
		       "\"int_enable\": \"%s\", \"int_disable\": \"%s\", "
		       "\"event_register\": \"%s\", \"get_stats\": \"%s\", "
		       "\"mmap\": \"%s\", \"int_wait\": {\"errno\": \"%s\", "
		       "\"stopped\": %d, \"reason\": %u}, "
		       "\"plugin_close\": [\"%s\", \"%s\"], "
		       "\"plugin_close_called_kp_close\": %d, "
		       "\"get_info_after_readd\": \"%s\", \"close\": \"%s\"}",
		       en(r->e_info), en(r->e_bar), en(r->e_cfg),
		       en(r->e_call), en(r->e_enable), en(r->e_disable),
		       en(r->e_register), en(r->e_stats), en(r->e_mmap),
		       en(r->iw_after_err), r->iw_after_stopped,
		       r->iw_after_reason, en(r->e_close1), en(r->e_close2),
		       r->closes_changed, en(r->e_info_readd),
		       en(r->e_close_fd));
	printf("}");
}

/* ---- main ---------------------------------------------------------------- */

static int parse_roles(const char *s)
{
	char buf[256], *tok, *save = NULL;
	int k;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < R_NKINDS; k++)
			if (!strcmp(tok, role_names[k]))
				break;
		if (k == R_NKINDS || nroles == MAX_ROLES) {
			fprintf(stderr, "kp_unplug: bad role %s\n", tok);
			return -1;
		}
		roles[nroles].kind = k;
		roles[nroles].fd = -1;
		nroles++;
	}
	return nroles ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "bdf", required_argument, NULL, 'b' },
		{ "dir", required_argument, NULL, 'D' },
		{ "roles", required_argument, NULL, 'r' },
		{ "ignore-ms", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct kp_device_info info;
	struct counters c0, c_removed = { -1, -1, -1, -1, -1, -1 }, c_end;
	struct sigaction sa;
	struct newdev nd = { .err = 0 };
	double t0, t_removed = 0, end;
	int probe, i, c, ready, removed = 0, readded = 0, all_back = 1;
	const char *fail = "";

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': devpath = optarg; break;
		case 'b': bdf = optarg; break;
		case 'D': dir = optarg; break;
		case 'r':
			if (parse_roles(optarg))
				return 2;
			break;
		case 'i': ignore_ms = strtoul(optarg, NULL, 0); break;
		case 't': timeout_s = strtod(optarg, NULL); break;
		default: return 2;
		}
	}
	if (!devpath || !bdf || !dir || !nroles) {
		fprintf(stderr, "usage: kp_unplug --dev NODE --bdf BDF --dir DIR "
			"--roles ROLE[,ROLE...] [--ignore-ms MS] "
			"[--timeout S]\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);

	read_counters(&c0);
	probe = open(devpath, O_RDWR | O_CLOEXEC);
	if (probe < 0) {
		printf("{\"error\": \"open %s: %s\"}\n", devpath,
		       kpt_errname(errno));
		return 1;
	}
	get_stats(probe, &stats0);
	for (i = 0; i < nroles; i++)
		if (setup_role(&roles[i])) {
			fail = "setup";
			break;
		}
	/* wait until every role is in place */
	end = kpt_now() + 30;
	do {
		ready = !*fail;
		for (i = 0; i < nroles && ready; i++)
			ready = role_ready(&roles[i]);
		if (!ready)
			usleep(5000);
	} while (!*fail && !ready && kpt_now() < end);
	if (!*fail && !ready)
		fail = "not ready";
	if (!*fail) {
		usleep(100000);	/* the blocked ones stay blocked */
		for (i = 0; i < nroles; i++)
			if (roles[i].nthreads && roles[i].kind != R_CLOSE &&
			    roles[i].returned)
				fail = "a wait returned early";
	}
	if (!*fail) {
		marker("ready");

		/* removal is done once the device's ioctls say ENODEV */
		t0 = kpt_now();
		while (kpt_now() - t0 < timeout_s) {
			memset(&info, 0, sizeof(info));
			info.argsz = sizeof(info);
			if (xioctl(probe, KP_GET_INFO, &info) == ENODEV) {
				removed = 1;
				break;
			}
			usleep(10000);
		}
		t_removed = kpt_now();
		read_counters(&c_removed);
		if (!removed)
			fail = "not removed";
	}

	/* the threads return; the dpc queue drains */
	for (i = 0; i < nroles; i++) {
		struct role *r = &roles[i];

		if (!r->nthreads)
			continue;
		wait_flag(&r->returned, removed ? 15.0 : 0.5);
		if (r->kind == R_CLOSE)
			wait_flag(&r->returned2, 15.0);
		else
			wait_flag(&r->returned2, 5.0);
	}
	for (i = 0; i < nroles; i++) {
		struct role *r = &roles[i];

		if (r->kind == R_DPC && r->fd >= 0 && removed) {
			drain(r);
			get_stats(r->fd, &r->final_stats);
			stats_since_start(&r->final_stats);
		}
		if (r->kind == R_MMAP && r->map != MAP_FAILED && r->map)
			r->maps_has = maps_has((uintptr_t)r->map);
		if (removed)
			check_removed_fd(r, c_removed.closes);
	}
	if (removed) {
		marker("removed");
		/* the device comes back */
		end = kpt_now() + timeout_s;
		while (!(readded = marker_exists("readded")) &&
		       kpt_now() < end)
			usleep(20000);
		if (readded) {
			for (i = 0; i < nroles; i++) {
				struct role *r = &roles[i];
				struct role scratch = { 0 };	/* not counted */
				uintptr_t a;

				if (r->fd >= 0) {
					memset(&info, 0, sizeof(info));
					info.argsz = sizeof(info);
					r->e_info_readd = xioctl(r->fd,
						KP_GET_INFO, &info);
				}
				if (r->kind == R_MMAP && r->map &&
				    r->map != MAP_FAILED)
					r->sigbus_after_readd =
						touch_map(r->map, 1, &scratch, &a);
			}
		} else {
			fail = "not re-added";
		}
	}

	/* unblock whatever still waits (a failure): the owner's close */
	for (i = 0; i < nroles; i++) {
		struct role *r = &roles[i];

		if (r->nthreads && !(r->returned && r->returned2))
			all_back = 0;
		if (r->map && r->map != MAP_FAILED)
			munmap((void *)r->map, MAP_LEN);
		if (r->fd >= 0)
			r->e_close_fd = close(r->fd) ? errno : 0;
	}
	close(probe);
	for (i = 0; i < nroles; i++) {
		struct role *r = &roles[i];

		if (!r->nthreads)
			continue;
		wait_flag(&r->returned2, 5.0);
		if (r->returned2) {
			pthread_join(r->th, NULL);
			if (r->nthreads == 2)
				pthread_join(r->th2, NULL);
		}
	}
	if (removed && readded)
		use_new_device(&nd);
	read_counters(&c_end);

	printf("{\"fail\": \"%s\", \"all_returned\": %d, \"roles\": [", fail,
	       all_back);
	for (i = 0; i < nroles; i++) {
		if (i)
			printf(", ");
		role_json(&roles[i], t_removed);
	}
	printf("], ");
	counters_json("counters_start", &c0);
	printf(", ");
	counters_json("counters_removed", &c_removed);
	printf(", ");
	counters_json("counters_end", &c_end);
	printf(", \"new_device\": {\"node\": \"%s\", \"errno\": \"%s\", "
	       "\"step\": \"%s\", \"counters\": [", nd.name, en(nd.err),
	       nd.step ? nd.step : "");
	for (i = 0; i < NEW_RAISES; i++)
		printf("%s%llu", i ? ", " : "",
		       (unsigned long long)nd.counters[i]);
	printf("], ");
	stats_json("stats", &nd.st);
	printf(", \"irql\": %llu, \"claimed\": %llu, \"dpc_count_sum\": %llu}}\n",
	       (unsigned long long)nd.counts.irql,
	       (unsigned long long)nd.counts.claimed,
	       (unsigned long long)nd.counts.dpc_count_sum);
	fflush(stdout);
	marker("done");
	return *fail ? 1 : 0;
}
