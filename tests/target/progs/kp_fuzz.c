// SPDX-License-Identifier: GPL-2.0
/*
 * kp_fuzz - a seeded, bounded ioctl fuzzer for /dev/kp/<name> (the
 * kp_hostile plugin on QEMU's edu; tests/target/test_ioctl_fuzz.py).
 *
 *   kp_fuzz --dev NODE [--calls N] [--seconds S] [--seed N]
 *
 * Stops after N calls or S seconds, whichever comes first.  Each call is
 * one of: a KP_* ioctl (mostly), a random ioctl number of the KP type, a
 * random number; its argument a struct filled with plausible and random
 * values (argsz, flags, BAR, width, offset, sizes, data pointers, transfer
 * commands) or a pointer into unmapped, PROT_NONE, read-only, kernel,
 * non-canonical or shared (the notification ack page) memory; now and
 * then an mmap()/munmap() or poll().  A second thread keeps replacing the
 * fd under the first (see swapper()): closed, /dev/null, a new read-write
 * or read-only open of the node (dup2 onto the same number).  Blocking waits are cut
 * short by a timer signal (EINTR).
 *
 * What the fuzzer keeps away from the device - QEMU's edu, not the
 * runtime, would misbehave - and why: BAR writes (KP_BAR_WRITE, transfer
 * commands) only reach the liveness, ack and unused registers (edu's DMA
 * registers make QEMU abort on a bad address; raise, factorial and status
 * would start interrupts); kp_hostile messages that sleep get at most
 * 2 ms, SET_MODE only ACK or LOCK (the others are the storm tests'), DMA
 * at most 64 KiB.
 *
 * Prints one JSON line: calls made, the errno histogram, and every errno
 * an ioctl returned that linux/kp.h does not document.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/kp.h>
#include "kp_hostile_msgs.h"
#include "kpt_common.h"

#define PAGE		4096
#define BUF_SIZE	(64 * 1024)
#define MAX_ERRNO	600

static const char *devpath;
static volatile int fd_num = -1;
static unsigned long long n_open_fail;	/* the swapper's failed opens */
static int open_errno;	/* the number both threads use */
static volatile int done;
static uint64_t errs[MAX_ERRNO + 1];
static uint64_t undoc[MAX_ERRNO + 1];
static uint64_t n_mmap, n_poll, n_swaps;
static uint64_t n_made;		/* calls so far, for the swapper */
static int restore_fd = -1;	/* the fd to put back after a bad one */
static uint64_t restore_at;	/* ... once n_made reaches this (0: none) */

static uint8_t *buf;		/* read-write, random contents */
static uint8_t *ro;		/* read-only, zeros */
static uint8_t *none;		/* PROT_NONE */
static uint8_t *hole;		/* unmapped */
static uint8_t *ack_page;	/* the notification ack page, shared */

static uint64_t rnd_state;

static uint64_t rnd_r(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* the callers' thread; the swapper has its own state */
static uint64_t rnd(void)
{
	return rnd_r(&rnd_state);
}

static uint64_t pick(const uint64_t *v, size_t n)
{
	return v[rnd() % n];
}

#define PICK(...) ({ static const uint64_t __v[] = { __VA_ARGS__ };	\
		     pick(__v, sizeof(__v) / sizeof(__v[0])); })

/* ---- arguments ---------------------------------------------------------- */

static const unsigned long kp_cmds[] = {
	KP_GET_INFO, KP_GET_BAR_INFO, KP_BAR_READ, KP_BAR_WRITE, KP_CFG_READ,
	KP_CFG_WRITE, KP_PLUGIN_OPEN, KP_PLUGIN_CLOSE, KP_PLUGIN_CALL,
	KP_INT_ENABLE, KP_INT_DISABLE, KP_INT_WAIT, KP_EVENT_REGISTER,
	KP_EVENT_WAIT, KP_GET_STATS,
};
#define N_KP_CMDS	(sizeof(kp_cmds) / sizeof(kp_cmds[0]))

/*
 * A user pointer that is not a plain buffer, or NULL for "use buf".  The
 * shared ack page holds whatever the kernel last wrote there, so it is
 * only offered where the plugin does not read it (@shared).
 */
static void *bad_pointer_from(int shared)
{
	switch (rnd() % 9) {
	case 0: return NULL;
	case 1: return hole + rnd() % PAGE;
	case 2: return none + rnd() % PAGE;
	case 3: return ro + rnd() % PAGE;
	case 4: return (void *)(uintptr_t)PICK(0xffff888000000000ULL,
					      0xffffffff81000000ULL,
					      0xfffffffffffff000ULL,
					      0xffffc90000000000ULL);
	case 5: return (void *)(uintptr_t)PICK(0x0000800000000000ULL,
					      0x8000000000000000ULL, 0x1000,
					      0x10);
	case 6: return ack_page && shared ? ack_page + rnd() % 64 : NULL;
	case 7: return buf + BUF_SIZE - 1 - rnd() % 16;	/* runs off the end */
	default: return (void *)(uintptr_t)rnd();
	}
}

static void *bad_pointer(void)
{
	return bad_pointer_from(1);
}

static uint64_t fuzz_argsz(uint32_t minsz, uint32_t full)
{
	switch (rnd() % 8) {
	case 0: return 0;
	case 1: return minsz - 1;
	case 2: return minsz;
	case 3: return full + rnd() % 64;
	case 4: return PICK(0xffffffffULL, 0x80000000ULL, 4096, 1 << 20);
	case 5: return (uint32_t)rnd();
	default: return full;
	}
}

static uint32_t fuzz_flags(void)
{
	switch (rnd() % 6) {
	case 0: return (uint32_t)rnd();
	case 1: return 1u << (rnd() % 32);
	case 2: return rnd() % 16;
	default: return 0;
	}
}

static uint64_t fuzz_offset(void)
{
	switch (rnd() % 7) {
	case 0: return rnd() % 0x100;
	case 1: return (rnd() % 0x100) & ~3ULL;
	case 2: return PICK(0xffc, 0xfff, 0x1000, 0xffffc, 0xffffff, 0x100000,
			    0xfffffffffffffff8ULL, 0x7fffffffffffffffULL);
	case 3: return rnd() % 4096;
	case 4: return rnd();
	default: return (rnd() % 64) * 4;
	}
}

static uint32_t fuzz_width(void)
{
	return PICK(0, 1, 2, 3, 4, 4, 4, 8, 8, 16, 0xffffffff);
}

/* edu registers a BAR write may reach (see the header) */
static uint64_t safe_write_offset(uint64_t off)
{
	if (off < 0x100 && off != 0x04 && off != HOSTILE_EDU_IRQ_ACK)
		return PICK(0x04, HOSTILE_EDU_IRQ_ACK, 0x100, 0x1000);
	return off;
}

/* A kernel data buffer's pointer and size: usually inside buf. */
static void fuzz_data(__u64 *ptr, __u32 *size)
{
	uint32_t sz = PICK(0, 1, 4, sizeof(struct hostile_msg),
			   sizeof(struct hostile_msg), 64, 256, 257, 4096,
			   BUF_SIZE, KP_MAX_DATA_SIZE, KP_MAX_DATA_SIZE + 1,
			   0xffffffff);
	void *p;

	if (rnd() % 4 == 0 && (p = bad_pointer_from(0))) {
		*ptr = (uintptr_t)p;
	} else {
		uint32_t room = sz < BUF_SIZE ? BUF_SIZE - sz : 0;

		*ptr = (uintptr_t)(buf + (room ? rnd() % (room + 1) & ~7u :
					 0));
		if (rnd() % 8 == 0)
			*ptr += 1 + rnd() % 7;	/* misaligned */
	}
	*size = sz;
}

/* kp_hostile's view of pData (when it lies in buf): keep it harmless. */
static int tame_hostile(uint32_t msg, __u64 ptr, __u32 size,
			int enable)
{
	uint8_t *p = (uint8_t *)(uintptr_t)ptr;
	uint32_t arg;

	if (p < buf || p + sizeof(arg) > buf + BUF_SIZE || size < sizeof(arg))
		return 0;
	memcpy(&arg, p, sizeof(arg));
	if (enable) {
		arg = rnd() % 2 ? HOSTILE_MODE_ACK : HOSTILE_MODE_LOCK;
	} else {
		switch (msg) {
		case HOSTILE_MSG_SET_MODE:
			arg = rnd() % 2 ? HOSTILE_MODE_ACK : HOSTILE_MODE_LOCK;
			break;
		case HOSTILE_MSG_WAIT_GONE:
		case HOSTILE_MSG_IGNORE_GONE:
		case HOSTILE_MSG_SLEEP:
		case HOSTILE_MSG_READ_LOOP:
		case HOSTILE_MSG_SLOW_CLOSE:
			arg %= 3;
			break;
		case HOSTILE_MSG_DMA_ALLOC:
			arg %= 65537;
			break;
		}
	}
	memcpy(p, &arg, sizeof(arg));
	return 1;
}

/* Messages that sleep or poll for arg ms (tamed to at most 2 ms). */
static int hostile_sleeps(uint32_t msg)
{
	return msg == HOSTILE_MSG_WAIT_GONE || msg == HOSTILE_MSG_IGNORE_GONE ||
	       msg == HOSTILE_MSG_SLEEP || msg == HOSTILE_MSG_READ_LOOP ||
	       msg == HOSTILE_MSG_SLOW_CLOSE;
}

static void fuzz_trans(struct kp_trans_cmd *t, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		t[i].cmd = PICK(KP_TRANS_READ, KP_TRANS_READ, KP_TRANS_WRITE,
				KP_TRANS_WRITE, 0, 3, 0xffffffff);
		t[i].flags = rnd() % 4 ? 0 : rnd() % 4;
		t[i].bar = PICK(0, 0, 0, 1, 5, 6, 0xffffffff);
		t[i].width = fuzz_width();
		t[i].offset = fuzz_offset();
		if (t[i].cmd != KP_TRANS_READ)
			t[i].offset = safe_write_offset(t[i].offset);
		t[i].value = rnd();
		t[i].mask = rnd() % 2 ? 0 : rnd();
	}
}

/* Fills buf for @cmd; returns the ioctl's argument. */
static void *fuzz_arg(unsigned long cmd)
{
	void *bad;

	if (rnd() % 5 == 0 && (bad = bad_pointer()))
		return bad;
	if (rnd() % 8 == 0) {	/* raw garbage */
		uint32_t i;

		for (i = 0; i < 256; i += 8) {
			uint64_t v = rnd();

			memcpy(buf + i, &v, 8);
		}
		return buf;
	}
	switch (cmd) {
	case KP_GET_INFO: {
		struct kp_device_info *a = (void *)buf;

		memset(a, 0, sizeof(*a));
		a->argsz = fuzz_argsz(sizeof(*a), sizeof(*a));
		a->flags = fuzz_flags();
		return a;
	}
	case KP_GET_BAR_INFO: {
		struct kp_bar_info *a = (void *)buf;

		memset(a, 0, sizeof(*a));
		a->argsz = fuzz_argsz(sizeof(*a), sizeof(*a));
		a->flags = fuzz_flags();
		a->index = PICK(0, 0, 1, 5, 6, 7, 0xffffffff);
		return a;
	}
	case KP_BAR_READ:
	case KP_BAR_WRITE:
	case KP_CFG_READ:
	case KP_CFG_WRITE: {
		struct kp_rw *a = (void *)buf;

		a->argsz = fuzz_argsz(sizeof(*a), sizeof(*a));
		a->flags = fuzz_flags();
		a->bar = cmd == KP_CFG_READ || cmd == KP_CFG_WRITE ?
			 PICK(0, 0, 0, 1) : PICK(0, 0, 0, 1, 2, 5, 6, 0x80000000);
		a->width = fuzz_width();
		a->offset = fuzz_offset();
		if (cmd == KP_BAR_WRITE)
			a->offset = safe_write_offset(a->offset);
		a->value = rnd();
		return a;
	}
	case KP_PLUGIN_OPEN: {
		struct kp_plugin_open *a = (void *)buf;

		a->argsz = fuzz_argsz(sizeof(*a), sizeof(*a));
		a->flags = fuzz_flags();
		fuzz_data(&a->data, &a->data_size);
		a->__pad = rnd() % 4 ? 0 : rnd();
		return a;
	}
	case KP_PLUGIN_CALL: {
		struct kp_plugin_call *a = (void *)buf;
		__u64 data;
		__u32 size;

		fuzz_data(&data, &size);
		/* pData must not overlap this header (kp_hostile tames it) */
		if (data < (uintptr_t)buf + 64)
			data += 64;
		a->argsz = fuzz_argsz(sizeof(*a), sizeof(*a));
		a->flags = rnd() % 3 ? 0 : fuzz_flags();
		a->message = PICK(HOSTILE_MSG_COUNTS, HOSTILE_MSG_COUNTS,
				  HOSTILE_MSG_SET_MODE, HOSTILE_MSG_SLEEP,
				  HOSTILE_MSG_WAIT_GONE, HOSTILE_MSG_DMA_ALLOC,
				  HOSTILE_MSG_READ_LOOP, 0, 9, 0xffffffff);
		a->data = data;
		a->data_size = size;
		/*
		 * pData past the end of buf may still be readable (the next
		 * mapping): its arg cannot be tamed, so nothing sleeps on it.
		 */
		if (!tame_hostile(a->message, data, size, 0) &&
		    hostile_sleeps(a->message))
			a->message = HOSTILE_MSG_COUNTS;
		return a;
	}
	case KP_INT_ENABLE: {
		struct kp_int_enable *a = (void *)buf;
		struct kp_trans_cmd *t = (void *)(buf + 1024);
		uint32_t ntrans = PICK(0, 0, 0, 1, 2, 3, 64, 65, 0xffffffff);

		a->argsz = fuzz_argsz(sizeof(*a), sizeof(*a));
		a->flags = rnd() % 3 ? 0 : fuzz_flags();
		a->mode = PICK(KP_INT_MODE_AUTO, KP_INT_MODE_MSI,
			       KP_INT_MODE_MSI, KP_INT_MODE_INTX,
			       KP_INT_MODE_MSIX, 4, 0xffffffff);
		a->nvec = PICK(0, 1, 1, 1, 2, 32, 33, 0xffffffff);
		a->message = rnd() % 4;
		a->data = (uintptr_t)(buf + 512);
		a->data_size = PICK(0, 4, 8, 8, 16, KP_MAX_DATA_SIZE + 1);
		if (rnd() % 6 == 0)
			a->data = (uintptr_t)bad_pointer_from(0);
		tame_hostile(0, a->data, a->data_size, 1);
		a->ntrans = ntrans;
		fuzz_trans(t, ntrans < 64 ? ntrans : 64);
		a->trans = rnd() % 6 ? (uintptr_t)t : (uintptr_t)bad_pointer();
		a->max_backlog = PICK(0, 0, 1, 16, 0xffffffffffffffffULL);
		return a;
	}
	case KP_INT_WAIT: {
		struct kp_int_wait *a = (void *)buf;

		memset(a, 0, sizeof(*a));
		a->argsz = PICK(offsetof(struct kp_int_wait, timeout_ns),
				sizeof(*a), sizeof(*a), 0, 8, 0xffffffff);
		a->flags = rnd() % 3 ? rnd() % 16 : fuzz_flags();
		a->timeout_ns = PICK(0, 1, 1000000, 0xffffffffffffffffULL);
		return a;
	}
	case KP_EVENT_REGISTER: {
		struct kp_event_register *a = (void *)buf;

		a->argsz = fuzz_argsz(sizeof(*a), sizeof(*a));
		a->flags = rnd() % 3 ? 0 : fuzz_flags();
		a->actions = PICK(0, KP_EVENT_REMOVE, KP_EVENT_ALL, 0x4, 0x100,
				  0xffffffff);
		a->__pad = 0;
		return a;
	}
	case KP_EVENT_WAIT: {
		struct kp_event_wait *a = (void *)buf;

		memset(a, 0, sizeof(*a));
		a->argsz = fuzz_argsz(sizeof(*a), sizeof(*a));
		a->flags = rnd() % 2 ? KP_WAIT_NONBLOCK : fuzz_flags();
		return a;
	}
	case KP_GET_STATS: {
		struct kp_stats *a = (void *)buf;

		memset(a, 0, sizeof(*a));
		a->argsz = PICK(offsetof(struct kp_stats, storms), sizeof(*a),
				sizeof(*a), 0, 8, 0xffffffff);
		a->flags = rnd() % 3 ? 0 : fuzz_flags();
		return a;
	}
	default:
		return buf;
	}
}

/* ---- calls -------------------------------------------------------------- */

static const char *errno_name(int e)
{
	const char *n = e ? kpt_errname(e) : "OK";

	if (n[1] == '?')
		n = strerrorname_np(e);
	return n ? n : "E?";
}

/* linux/kp.h's errors, plus what the fd swaps give (EBADF, ENOTTY) */
static int documented(int e)
{
	switch (e) {
	case 0: case EFAULT: case EINVAL: case E2BIG: case ENOTTY:
	case EBADF: case ENOTCONN: case EBUSY: case EPERM: case EOPNOTSUPP:
	case ENODEV: case EAGAIN: case ETIMEDOUT: case EINTR: case ENOMEM:
		return 1;
	default:
		return 0;
	}
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * Blocking waits end with EINTR within 1 ms.  The timer repeats until it
 * is disarmed: a one-shot could fire before the ioctl goes to sleep (a
 * loaded host delays the caller by more than 1 ms), and the wait would
 * then sleep until something else woke it - before the swapper counted
 * calls, its close() did, every 1-2 ms.
 */
static void arm(int on)
{
	struct itimerval it = { .it_value = { 0, on ? 1000 : 0 },
				.it_interval = { 0, on ? 1000 : 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* VFS ioctls that act on the file system, never on the driver */
static int vfs_ioctl(unsigned long cmd)
{
	unsigned int type = _IOC_TYPE(cmd), nr = _IOC_NR(cmd);

	return type == 'X' || type == 'f' || type == 'T' || type == 0x94 ||
	       type == 0x12 || (type == 0 && nr <= 2);
}

static unsigned long fuzz_cmd(void)
{
	unsigned long cmd;

	switch (rnd() % 20) {
	case 0:		/* the KP type, any number, direction and size */
		return _IOC(rnd() % 4, KP_TYPE, rnd() % 256, rnd() % 512);
	case 1:
		do {
			cmd = (uint32_t)rnd();
		} while (vfs_ioctl(cmd));
		return cmd;
	default:
		/*
		 * A wait blocks until the alarm when nothing is queued: one in
		 * eight picks keeps it, or the run would be mostly sleeping.
		 */
		cmd = kp_cmds[rnd() % N_KP_CMDS];
		if ((cmd == KP_INT_WAIT || cmd == KP_EVENT_WAIT) && rnd() % 8)
			cmd = kp_cmds[rnd() % N_KP_CMDS];
		return cmd;
	}
}

static void one_mmap(int fd)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_NONE, PROT_WRITE };
	size_t len = PICK(PAGE, PAGE, 2 * PAGE, 1 << 20, (1 << 20) + PAGE, 1);
	off_t off = (off_t)PICK(KP_MMAP_OFFSET(0), KP_MMAP_OFFSET(0) + PAGE,
				KP_MMAP_OFFSET(1), KP_MMAP_OFFSET(5),
				KP_MMAP_NOTIFY, KP_MMAP_NOTIFY_ACK,
				KP_MMAP_NOTIFY + PAGE, KP_MMAP_OFFSET(8),
				KP_MMAP_OFFSET(0xffffff), 0x7ffffffff000LL);
	int flags = rnd() % 5 ? MAP_SHARED : MAP_PRIVATE;
	int prot = prots[rnd() % 4];
	void *p;

	n_mmap++;
	p = mmap(NULL, len, prot, flags, fd, off);
	if (p == MAP_FAILED)
		return;
	/* reading a queue page is safe; BAR pages are left alone */
	if ((off == KP_MMAP_NOTIFY || off == KP_MMAP_NOTIFY_ACK) &&
	    (prot & PROT_READ))
		(void)*(volatile uint64_t *)p;
	munmap(p, len);
}

/* A new kp fd opened with @flags, or -1 (counted) */
static int open_node(int flags)
{
	int fd = open(devpath, flags | O_CLOEXEC);

	if (fd < 0) {
		open_errno = errno;
		__atomic_add_fetch(&n_open_fail, 1, __ATOMIC_RELAXED);
	}
	return fd;
}

/* Puts @fd at fd_num (dup2 closes what was there) and drops @fd. */
static void install(int fd)
{
	if (fd < 0)
		return;
	dup2(fd, fd_num);
	close(fd);
}

/*
 * Waits until the callers have made @n more calls (or the run ends),
 * sleeping @poll_us between looks.  Counting calls, not time, keeps the
 * share of calls that meet a bad fd the same on a fast kernel and on a
 * debug kernel 5 times slower.
 */
static void wait_calls(uint64_t n, unsigned int poll_us)
{
	uint64_t until = __atomic_load_n(&n_made, __ATOMIC_RELAXED) + n;

	while (!done && __atomic_load_n(&n_made, __ATOMIC_RELAXED) < until)
		usleep(poll_us);
}

/*
 * The callers' side of a bad fd: once they have made the calls the
 * swapper allotted it, they put the replacement back themselves.  A
 * swapper that waited for the count would come back only when the
 * scheduler let it - a whole time slice of calls on a loaded vCPU.
 */
static void restore_if_due(uint64_t made)
{
	uint64_t at = __atomic_load_n(&restore_at, __ATOMIC_ACQUIRE);

	if (!at || made < at)
		return;
	install(__atomic_exchange_n(&restore_fd, -1, __ATOMIC_RELAXED));
	__atomic_store_n(&restore_at, 0, __ATOMIC_RELEASE);
}

/*
 * Races the callers with close() and dup2() on their fd: every 20-200
 * calls the fd becomes closed, /dev/null or a read-only open of the node
 * for 1-8 calls (the callers restore it, see restore_if_due()), or is
 * replaced by a new read-write open.  The read-write
 * replacement is opened before the bad fd goes in, so its open() time
 * (long on a debug kernel) does not stretch the gap.
 */
static void *swapper(void *arg)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	uint64_t st = *(uint64_t *)arg;

	while (!done) {
		int next;

		wait_calls(20 + rnd_r(&st) % 181, 200);
		next = open_node(O_RDWR);
		switch (rnd_r(&st) % 4) {
		case 0:
			close(fd_num);
			break;
		case 1:
			dup2(null, fd_num);
			break;
		case 2:
			install(open_node(O_RDONLY));
			break;
		default:	/* a new open file under the callers' feet */
			goto swap;
		}
		/* the callers put @next back after 1-8 more calls */
		__atomic_store_n(&restore_fd, next, __ATOMIC_RELAXED);
		__atomic_store_n(&restore_at, __atomic_load_n(&n_made,
			__ATOMIC_RELAXED) + 1 + rnd_r(&st) % 8,
			__ATOMIC_RELEASE);
		while (!done && __atomic_load_n(&restore_at, __ATOMIC_ACQUIRE))
			usleep(50);
		next = __atomic_exchange_n(&restore_fd, -1, __ATOMIC_RELAXED);
swap:
		install(next);		/* -1 (done by the callers): nothing */
		__atomic_add_fetch(&n_swaps, 1, __ATOMIC_RELAXED);
	}
	close(null);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "calls", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t calls = 1000000, made = 0, seed = 1, i, swap_seed;
	double seconds = 600, t0, t1;
	struct sigaction sa;
	pthread_t th;
	void *p;
	int c, e, fd, first;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': devpath = optarg; break;
		case 'n': calls = strtoull(optarg, NULL, 0); break;
		case 's': seconds = strtod(optarg, NULL); break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		default: return 2;
		}
	}
	if (!devpath) {
		fprintf(stderr, "usage: kp_fuzz --dev NODE [--calls N] "
			"[--seconds S] [--seed N]\n");
		return 2;
	}
	rnd_state = seed * 0x9e3779b97f4a7c15ULL | 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: waits get EINTR */
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/*
	 * A guard page after buf: pointers that run off its end must fault,
	 * not reach whatever is mapped next (the TLS block with the stack
	 * canary was, and the kernel rightly wrote where it was told).
	 */
	buf = mmap(NULL, BUF_SIZE + PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf != MAP_FAILED && mprotect(buf + BUF_SIZE, PAGE, PROT_NONE))
		return 1;
	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hole = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || ro == MAP_FAILED || none == MAP_FAILED ||
	    hole == MAP_FAILED)
		return 1;
	munmap(hole, PAGE);
	for (i = 0; i < BUF_SIZE; i += 8) {
		uint64_t v = rnd();

		memcpy(buf + i, &v, 8);
	}

	fd = open(devpath, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("{\"error\": \"open %s: %s\"}\n", devpath,
		       kpt_errname(errno));
		return 1;
	}
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 KP_MMAP_NOTIFY_ACK);
	ack_page = p == MAP_FAILED ? NULL : p;
	fd_num = fd;
	swap_seed = rnd() | 1;
	pthread_create(&th, NULL, swapper, &swap_seed);

	t0 = kpt_now();
	while (made < calls) {
		unsigned long cmd;
		void *arg;

		if ((made & 1023) == 0 && kpt_now() - t0 >= seconds)
			break;
		if (rnd() % 200 == 0) {
			one_mmap(fd_num);
			continue;
		}
		if (rnd() % 200 == 0) {
			struct pollfd pf = { .fd = fd_num,
					     .events = POLLIN | POLLPRI };

			poll(&pf, 1, 0);
			n_poll++;
			continue;
		}
		cmd = fuzz_cmd();
		arg = fuzz_arg(cmd);
		if (cmd == KP_INT_WAIT || cmd == KP_EVENT_WAIT)
			arm(1);
		e = ioctl(fd_num, cmd, arg) < 0 ? errno : 0;
		if (cmd == KP_INT_WAIT || cmd == KP_EVENT_WAIT)
			arm(0);
		made++;
		__atomic_store_n(&n_made, made, __ATOMIC_RELAXED);
		restore_if_due(made);
		if (e > MAX_ERRNO)
			e = MAX_ERRNO;
		errs[e]++;
		if (!documented(e))
			undoc[e]++;
	}
	t1 = kpt_now();
	done = 1;
	pthread_join(th, NULL);

	printf("{\"seed\": %llu, \"calls\": %llu, \"seconds\": %.2f, "
	       "\"calls_per_s\": %.0f, \"mmaps\": %llu, \"polls\": %llu, "
	       "\"fd_swaps\": %llu, \"open_failures\": %llu, "
	       "\"open_errno\": \"%s\", \"errno\": {",
	       (unsigned long long)seed,
	       (unsigned long long)made, t1 - t0,
	       made / (t1 - t0 > 0 ? t1 - t0 : 1), (unsigned long long)n_mmap,
	       (unsigned long long)n_poll, (unsigned long long)n_swaps,
	       n_open_fail, open_errno ? kpt_errname(open_errno) : "OK");
	for (i = 0, first = 1; i <= MAX_ERRNO; i++) {
		if (!errs[i])
			continue;
		printf("%s\"%s\": %llu", first ? "" : ", ", errno_name(i),
		       (unsigned long long)errs[i]);
		first = 0;
	}
	printf("}, \"undocumented\": {");
	for (i = 0, first = 1; i <= MAX_ERRNO; i++) {
		if (!undoc[i])
			continue;
		printf("%s\"%s\": %llu", first ? "" : ", ", errno_name(i),
		       (unsigned long long)undoc[i]);
		first = 0;
	}
	printf("}}\n");
	return 0;
}
