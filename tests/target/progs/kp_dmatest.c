// SPDX-License-Identifier: GPL-2.0
/*
 * kp_dmatest - DMA round trips through kp_edu and edu's DMA engine, with
 * libkp's buffers, and the DMA error cases.
 *
 *   kp_dmatest [--dev PATH] roundtrip --buf contig|sg --rounds N [--seed S]
 *	N times: a random 4 KiB pattern RAM -> edu (from one buffer) and
 *	edu -> RAM (into another), in two halves (QEMU 7.2's edu cannot
 *	move a whole 4 KiB), each transfer with its completion interrupt
 *	(MSI enabled), compared byte for byte.  Prints the mismatches, the
 *	interrupts seen and the highest bus address edu was given.
 *	--untouched: SG memory fresh from mmap(), not written before it is
 *	locked (a read-only pin would hold the zero page).
 *	--pages P: buffers of P pages, round i uses page i % P (an SG
 *	buffer of several pages has several segments without an IOMMU).
 *   kp_dmatest fault
 *	points edu at a bus address no buffer maps, with a guard buffer
 *	around: the guard must stay.
 *   kp_dmatest errors
 *	every DMA ioctl error case, {"case": "ERRNO"|"ok", ...}.
 *   kp_dmatest limit
 *	without CAP_IPC_LOCK and RLIMIT_MEMLOCK at 64 KiB: locking and
 *	allocating 128 KiB fail (ENOMEM), 64 KiB works.
 *   kp_dmatest hold --pages P [--no-unlock]
 *	a contiguous buffer and an SG buffer of P pages, then round trips
 *	until killed (buffers in flight), printing {"ready": ...} first;
 *	with --rounds N it stops after N and closes without unlocking.
 *
 * One JSON line on stdout; exit status 0 when the run itself worked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kpt_common.h"
#include "kp_edu_msgs.h"

#define PAGE	4096
#define HALF	(PAGE / 2)

static struct kp_dev *dev;
static unsigned int pages = 1;
static int untouched;		/* SG memory never written before the lock */

static void die(const char *what, int err)
{
	printf("{\"error\": \"%s\", \"errno\": \"%s\", \"detail\": \"%s\"}\n",
	       what, kpt_errname(err), kp_strerror(dev));
	exit(1);
}

static int edu_dma(uint32_t handle, uint32_t flags, uint64_t buf_off,
		   uint32_t edu_off, uint32_t len, uint64_t *bus,
		   uint32_t *irq)
{
	struct kp_edu_dma d = {
		.handle = handle, .flags = flags, .buf_offset = buf_off,
		.edu_offset = edu_off, .len = len,
		.bus_addr = bus ? *bus : 0,
	};
	uint32_t res;
	int err;

	err = kp_call(dev, KP_EDU_MSG_DMA, &d, sizeof(d), &res);
	if (err)
		return err;
	if (bus)
		*bus = d.bus_addr;
	if (irq)
		*irq = d.irq;
	return res == KP_EDU_RES_OK ? 0 : -(int)(1000 + res);
}

static struct kp_dma *make_buf(int sg, uint32_t flags, void **addr)
{
	size_t size = (size_t)pages * PAGE;
	struct kp_dma *dma;
	int err;

	if (sg && untouched) {
		*addr = mmap(NULL, size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (*addr == MAP_FAILED)
			die("mmap", errno);
		err = kp_dma_sg_lock(dev, *addr, flags, size, &dma);
	} else if (sg) {
		if (posix_memalign(addr, PAGE, size))
			die("posix_memalign", ENOMEM);
		memset(*addr, 0, size);
		err = kp_dma_sg_lock(dev, *addr, flags, size, &dma);
	} else {
		err = kp_dma_contig_lock(dev, addr, flags, size, &dma);
	}
	if (err)
		die(sg ? "kp_dma_sg_lock" : "kp_dma_contig_lock", err);
	return dma;
}

static void drain(void)
{
	struct kp_int_result r;

	while (!kp_int_wait_flags(dev, &r, KP_WAIT_NONBLOCK | KP_WAIT_ALL, 0))
		if (!r.taken || r.stopped)
			break;
}

/*
 * A random page-sized pattern from page @pg of @src through edu into page
 * @pg of @dst, in two halves; returns 1 on a mismatch.
 */
static unsigned int one_round(int sg, struct kp_dma *src, struct kp_dma *dst,
			      void *s, void *d, unsigned int pg,
			      unsigned int *irqs)
{
	unsigned char *sp = (unsigned char *)s + (size_t)pg * PAGE;
	unsigned char *dp = (unsigned char *)d + (size_t)pg * PAGE;
	uint64_t off = (uint64_t)pg * PAGE, bus;
	unsigned int j, h;
	uint32_t irq;
	int err;

	for (j = 0; j < PAGE; j++)
		sp[j] = rand();
	memset(dp, 0, PAGE);
	err = sg ? kp_dma_sync_range(src, off, PAGE, 0) : 0;
	if (err)
		die("kp_dma_sync_range(io)", err);
	/* edu moves at most 4095 bytes (QEMU 7.2): two halves */
	for (h = 0; h < PAGE; h += HALF) {
		err = edu_dma(src->handle, 0, off + h, 0, HALF, &bus, &irq);
		if (err)
			die("RAM -> edu", err);
		*irqs += irq;
		err = edu_dma(dst->handle, KP_EDU_DMA_F_TO_RAM, off + h, 0,
			      HALF, &bus, &irq);
		if (err)
			die("edu -> RAM", err);
		*irqs += irq;
	}
	err = sg ? kp_dma_sync_range(dst, off, PAGE, 1) : 0;
	if (err)
		die("kp_dma_sync_range(cpu)", err);
	drain();
	return memcmp(sp, dp, PAGE) != 0;
}

static int roundtrip(int sg, unsigned int rounds, unsigned int seed)
{
	KP_INT_OPTS(opts, .mode = KP_INT_MODE_MSI, .nvec = 1);
	struct kp_dma *src, *dst;
	void *s, *d;
	uint64_t max_bus = 0;
	unsigned int i, mismatches = 0, irqs = 0, j;
	int err;

	err = kp_int_enable(dev, &opts, NULL, NULL, NULL);
	if (err)
		die("kp_int_enable", err);
	src = make_buf(sg, KP_DMA_TO_DEVICE, &s);
	dst = make_buf(sg, KP_DMA_FROM_DEVICE, &d);
	for (j = 0; j < src->nsegs; j++)
		if (src->segs[j].bus_addr + src->segs[j].len - 1 > max_bus)
			max_bus = src->segs[j].bus_addr + src->segs[j].len - 1;
	for (j = 0; j < dst->nsegs; j++)
		if (dst->segs[j].bus_addr + dst->segs[j].len - 1 > max_bus)
			max_bus = dst->segs[j].bus_addr + dst->segs[j].len - 1;
	srand(seed);
	for (i = 0; i < rounds; i++)
		mismatches += one_round(sg, src, dst, s, d, i % pages, &irqs);
	printf("{\"buf\": \"%s\", \"rounds\": %u, \"pages\": %u, "
	       "\"mismatches\": %u, \"irqs\": %u, \"src_segs\": %u, "
	       "\"dst_segs\": %u, \"max_bus\": %llu}\n",
	       sg ? "sg" : "contig", rounds, pages, mismatches, irqs,
	       src->nsegs, dst->nsegs, (unsigned long long)max_bus);
	kp_dma_unlock(src);
	kp_dma_unlock(dst);
	if (sg && untouched) {
		munmap(s, (size_t)pages * PAGE);
		munmap(d, (size_t)pages * PAGE);
	} else if (sg) {
		free(s);
		free(d);
	}
	kp_int_disable(dev);
	return 0;
}

/* Hands pages of buffers to edu and back until killed or @rounds. */
static int hold(unsigned int rounds, int unlock)
{
	KP_INT_OPTS(opts, .mode = KP_INT_MODE_MSI, .nvec = 1);
	struct kp_dma *c, *g;
	unsigned int i, irqs = 0, mismatches = 0;
	void *cv, *gv;
	int err;

	err = kp_int_enable(dev, &opts, NULL, NULL, NULL);
	if (err)
		die("kp_int_enable", err);
	c = make_buf(0, KP_DMA_BIDIRECTIONAL, &cv);
	g = make_buf(1, KP_DMA_BIDIRECTIONAL, &gv);
	printf("{\"ready\": 1, \"contig\": %u, \"sg\": %u, \"pages\": %u}\n",
	       c->handle, g->handle, pages);
	fflush(stdout);
	for (i = 0; !rounds || i < rounds; i++)
		mismatches += one_round(1, c, g, cv, gv, i % pages, &irqs);
	printf("{\"rounds\": %u, \"mismatches\": %u, \"irqs\": %u}\n", i,
	       mismatches, irqs);
	if (unlock) {
		kp_dma_unlock(c);
		kp_dma_unlock(g);
	}
	return 0;
}

/*
 * edu writes a page to a bus address no buffer maps (the IOVA allocator
 * hands out addresses from the top of the 28-bit space down, so 4 KiB is
 * free), with a guard buffer holding a pattern: behind an IOMMU the write
 * faults (a DMAR fault in the kernel log) and the guard stays as it was.
 */
static int fault(void)
{
	struct kp_dma *fill, *guard;
	void *f, *g;
	uint64_t bus = 0x1000;
	unsigned int j, changed = 0;
	int err;

	/* something to write: a pattern in edu's buffer */
	fill = make_buf(0, KP_DMA_BIDIRECTIONAL, &f);
	memset(f, 0xa5, PAGE);
	err = edu_dma(fill->handle, 0, 0, 0, HALF, NULL, NULL);
	if (err)
		die("fill edu", err);
	guard = make_buf(0, KP_DMA_BIDIRECTIONAL, &g);
	memset(g, 0x3c, PAGE);
	if (bus + PAGE > guard->segs[0].bus_addr &&
	    bus < guard->segs[0].bus_addr + PAGE)
		die("the guard sits at the test address", EEXIST);
	err = edu_dma(0, KP_EDU_DMA_F_TO_RAM | KP_EDU_DMA_F_RAW, 0, 0, HALF,
		      &bus, NULL);
	for (j = 0; j < PAGE; j++)
		changed += ((unsigned char *)g)[j] != 0x3c;
	printf("{\"fault\": 1, \"dma\": \"%s\", \"bus\": %llu, "
	       "\"guard_bus\": %llu, \"guard_changed\": %u}\n",
	       err ? kpt_errname(err) : "ok", (unsigned long long)bus,
	       (unsigned long long)guard->segs[0].bus_addr, changed);
	kp_dma_unlock(guard);
	kp_dma_unlock(fill);
	return 0;
}

/* ---- error cases ---------------------------------------------------- */

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? errno : 0;
}

static void pr_case(const char *name, int err, int *first)
{
	printf("%s\"%s\": \"%s\"", *first ? "" : ", ", name,
	       err ? kpt_errname(err) : "ok");
	*first = 0;
}

static int dma_alloc(int fd, uint32_t flags, uint64_t size, uint32_t *h)
{
	struct kp_dma_alloc da = { .argsz = sizeof(da), .flags = flags,
				   .size = size };
	int err = xioctl(fd, KP_DMA_ALLOC, &da);

	if (!err && h)
		*h = da.handle;
	return err;
}

static int dma_lock(int fd, uint32_t flags, void *addr, uint64_t size,
		    struct kp_dma_seg *segs, uint32_t max, uint32_t *h)
{
	struct kp_dma_lock dl = { .argsz = sizeof(dl), .flags = flags,
				  .addr = (uintptr_t)addr, .size = size,
				  .segs = (uintptr_t)segs, .max_segs = max };
	int err = xioctl(fd, KP_DMA_LOCK, &dl);

	if ((!err || err == E2BIG) && h)
		*h = dl.handle;
	return err;
}

static int dma_unlock(int fd, uint32_t handle, uint32_t flags)
{
	struct kp_dma_unlock du = { .argsz = sizeof(du), .flags = flags,
				    .handle = handle };

	return xioctl(fd, KP_DMA_UNLOCK, &du);
}

static int dma_sync(int fd, uint32_t handle, uint32_t flags, uint64_t off,
		    uint64_t size)
{
	struct kp_dma_sync ds = { .argsz = sizeof(ds), .flags = flags,
				  .handle = handle, .offset = off,
				  .size = size };

	return xioctl(fd, KP_DMA_SYNC, &ds);
}

static int errors(const char *path)
{
	struct kp_dma_alloc small = { .argsz = 8, .flags = KP_DMA_TO_DEVICE,
				      .size = PAGE };
	struct kp_dma_get_segs gs = { .argsz = sizeof(gs) };
	struct kp_dma_seg segs[4];
	int fd = kp_fd(dev), first = 1, ro, err;
	uint32_t c = 0, g = 0, h = 0;
	struct kp_dev *other;
	char *buf, *rbuf, *hole;
	void *map;

	buf = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rbuf = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hole = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || rbuf == MAP_FAILED || hole == MAP_FAILED)
		die("mmap", errno);
	munmap(hole, PAGE);

	printf("{");
	/* KP_DMA_ALLOC */
	pr_case("alloc_ok", dma_alloc(fd, KP_DMA_TO_DEVICE, PAGE, &c), &first);
	pr_case("alloc_size_0", dma_alloc(fd, KP_DMA_TO_DEVICE, 0, NULL),
		&first);
	pr_case("alloc_above_max", dma_alloc(fd, KP_DMA_TO_DEVICE,
					     KP_DMA_MAX_CONTIG + 1, NULL),
		&first);
	pr_case("alloc_no_direction", dma_alloc(fd, 0, PAGE, NULL), &first);
	pr_case("alloc_unknown_flag", dma_alloc(fd, KP_DMA_TO_DEVICE | 0x80,
						PAGE, NULL), &first);
	pr_case("alloc_argsz_short", xioctl(fd, KP_DMA_ALLOC, &small), &first);
	pr_case("alloc_bad_pointer", xioctl(fd, KP_DMA_ALLOC, (void *)8),
		&first);
	/* KP_DMA_LOCK */
	pr_case("lock_ok", dma_lock(fd, KP_DMA_BIDIRECTIONAL, buf, 2 * PAGE,
				    segs, 4, &g), &first);
	pr_case("lock_unaligned_addr", dma_lock(fd, KP_DMA_TO_DEVICE, buf + 8,
						PAGE, NULL, 0, NULL), &first);
	pr_case("lock_unaligned_size", dma_lock(fd, KP_DMA_TO_DEVICE, buf,
						PAGE + 8, NULL, 0, NULL),
		&first);
	pr_case("lock_size_0", dma_lock(fd, KP_DMA_TO_DEVICE, buf, 0, NULL, 0,
					NULL), &first);
	pr_case("lock_wraps", dma_lock(fd, KP_DMA_TO_DEVICE,
				       (void *)(uintptr_t)-PAGE, 2 * PAGE,
				       NULL, 0, NULL), &first);
	pr_case("lock_above_max", dma_lock(fd, KP_DMA_TO_DEVICE, buf,
					   KP_DMA_MAX_LOCK + PAGE, NULL, 0,
					   NULL), &first);
	pr_case("lock_no_direction", dma_lock(fd, 0, buf, PAGE, NULL, 0,
					      NULL), &first);
	pr_case("lock_unmapped", dma_lock(fd, KP_DMA_TO_DEVICE, hole, PAGE,
					  NULL, 0, NULL), &first);
	pr_case("lock_readonly_from_device",
		dma_lock(fd, KP_DMA_FROM_DEVICE, rbuf, PAGE, NULL, 0, NULL),
		&first);
	pr_case("lock_readonly_to_device",
		dma_lock(fd, KP_DMA_TO_DEVICE, rbuf, PAGE, NULL, 0, &h),
		&first);
	dma_unlock(fd, h, 0);
	/* too few segments given: E2BIG, the buffer locked, nsegs told */
	err = dma_lock(fd, KP_DMA_TO_DEVICE, buf + 4 * PAGE, 2 * PAGE, segs,
		       0, &h);
	pr_case("lock_max_segs_0_with_array", err, &first);
	pr_case("lock_max_segs_0_then_unlock", err == E2BIG ?
		dma_unlock(fd, h, 0) : -1, &first);
	/* KP_DMA_SYNC */
	pr_case("sync_ok", dma_sync(fd, g, KP_DMA_SYNC_FOR_CPU, 0, PAGE),
		&first);
	pr_case("sync_contig_ok", dma_sync(fd, c, KP_DMA_SYNC_FOR_DEVICE, 0,
					   PAGE), &first);
	pr_case("sync_both_directions",
		dma_sync(fd, g, KP_DMA_SYNC_FOR_CPU | KP_DMA_SYNC_FOR_DEVICE,
			 0, PAGE), &first);
	pr_case("sync_no_direction", dma_sync(fd, g, 0, 0, PAGE), &first);
	pr_case("sync_size_0", dma_sync(fd, g, KP_DMA_SYNC_FOR_CPU, 0, 0),
		&first);
	pr_case("sync_beyond_end", dma_sync(fd, g, KP_DMA_SYNC_FOR_CPU, PAGE,
					    2 * PAGE), &first);
	pr_case("sync_offset_wraps", dma_sync(fd, g, KP_DMA_SYNC_FOR_CPU,
					      (uint64_t)-PAGE, 2 * PAGE),
		&first);
	pr_case("sync_bad_handle", dma_sync(fd, 9999, KP_DMA_SYNC_FOR_CPU, 0,
					    PAGE), &first);
	/* KP_DMA_GET_SEGS */
	gs.handle = g;
	gs.segs = (uintptr_t)segs;
	gs.max_segs = 4;
	pr_case("get_segs_ok", xioctl(fd, KP_DMA_GET_SEGS, &gs), &first);
	gs.handle = 9999;
	gs.flags = 0;		/* KP_DMA_GET_SEGS wrote it */
	pr_case("get_segs_bad_handle", xioctl(fd, KP_DMA_GET_SEGS, &gs),
		&first);
	gs.handle = g;
	gs.flags = 1;
	pr_case("get_segs_flags_in", xioctl(fd, KP_DMA_GET_SEGS, &gs), &first);
	/* mmap of the contiguous buffer: within it, or refused */
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   KP_MMAP_DMA(c));
	pr_case("mmap_beyond_buffer", map == MAP_FAILED ? errno : 0, &first);
	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   KP_MMAP_DMA(g));
	pr_case("mmap_sg_buffer", map == MAP_FAILED ? errno : 0, &first);
	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   KP_MMAP_DMA(9999));
	pr_case("mmap_bad_handle", map == MAP_FAILED ? errno : 0, &first);
	/* another open's handles are not this one's */
	err = kp_open_path(&other, path);
	if (err)
		die("kp_open_path(other)", err);
	/* kp_edu sets its 28-bit mask in every KP_Open: no -EBUSY now */
	pr_case("other_fd_plugin_open_with_buffers",
		-kp_plugin_open(other, NULL, 0), &first);
	pr_case("other_fd_sync", dma_sync(kp_fd(other), g,
					  KP_DMA_SYNC_FOR_CPU, 0, PAGE),
		&first);
	pr_case("other_fd_unlock", dma_unlock(kp_fd(other), g, 0), &first);
	kp_close(other);
	/* a read-only fd changes nothing */
	ro = open(path, O_RDONLY);
	if (ro < 0)
		die("open O_RDONLY", errno);
	pr_case("readonly_fd_alloc", dma_alloc(ro, KP_DMA_TO_DEVICE, PAGE,
					       NULL), &first);
	pr_case("readonly_fd_lock", dma_lock(ro, KP_DMA_TO_DEVICE, buf, PAGE,
					     NULL, 0, NULL), &first);
	close(ro);
	/* KP_DMA_UNLOCK */
	pr_case("unlock_flags", dma_unlock(fd, g, 1), &first);
	pr_case("unlock_ok", dma_unlock(fd, g, 0), &first);
	pr_case("unlock_twice", dma_unlock(fd, g, 0), &first);
	pr_case("sync_after_unlock", dma_sync(fd, g, KP_DMA_SYNC_FOR_CPU, 0,
					      PAGE), &first);
	pr_case("unlock_contig_ok", dma_unlock(fd, c, 0), &first);
	pr_case("unlock_bad_handle", dma_unlock(fd, 0, 0), &first);
	printf("}\n");
	return 0;
}

/* Drops CAP_IPC_LOCK (which lifts RLIMIT_MEMLOCK) from this process. */
static void drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		die("capget", errno);
	data[CAP_IPC_LOCK / 32].effective &= ~(1U << (CAP_IPC_LOCK % 32));
	data[CAP_IPC_LOCK / 32].permitted &= ~(1U << (CAP_IPC_LOCK % 32));
	if (syscall(SYS_capset, &hdr, data))
		die("capset", errno);
}

static int limit(void)
{
	struct rlimit rl = { 64 << 10, 64 << 10 };
	int fd = kp_fd(dev), first = 1;
	uint32_t h = 0;
	char *buf;

	drop_ipc_lock();
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		die("setrlimit", errno);
	buf = mmap(NULL, 256 << 10, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap", errno);
	printf("{");
	pr_case("lock_128k", dma_lock(fd, KP_DMA_TO_DEVICE, buf, 128 << 10,
				      NULL, 0, NULL), &first);
	pr_case("alloc_128k", dma_alloc(fd, KP_DMA_TO_DEVICE, 128 << 10,
					NULL), &first);
	pr_case("lock_64k", dma_lock(fd, KP_DMA_TO_DEVICE, buf, 64 << 10,
				     NULL, 0, &h), &first);
	pr_case("then_alloc_4k", dma_alloc(fd, KP_DMA_TO_DEVICE, PAGE, NULL),
		&first);
	pr_case("unlock_64k", dma_unlock(fd, h, 0), &first);
	pr_case("then_alloc_64k", dma_alloc(fd, KP_DMA_TO_DEVICE, 64 << 10,
					    &h), &first);
	pr_case("unlock_alloc", dma_unlock(fd, h, 0), &first);
	printf("}\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "buf", required_argument, NULL, 'b' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "pages", required_argument, NULL, 'p' },
		{ "no-unlock", no_argument, NULL, 'n' },
		{ "untouched", no_argument, NULL, 'u' },
		{ 0 }
	};
	const char *path = "/dev/kp/kp_edu0";
	unsigned int rounds = 10, seed = 1;
	int sg = 0, c, err, unlock = 1, rounds_set = 0;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			path = optarg;
			break;
		case 'b':
			sg = !strcmp(optarg, "sg");
			break;
		case 'r':
			rounds = strtoul(optarg, NULL, 0);
			rounds_set = 1;
			break;
		case 'p':
			pages = strtoul(optarg, NULL, 0);
			if (!pages || pages > 256)
				return 2;
			break;
		case 'n':
			unlock = 0;
			break;
		case 'u':
			untouched = 1;
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: kp_dmatest [--dev P] "
			"roundtrip|fault|errors|limit|hold [--buf contig|sg] "
			"[--rounds N] [--seed S] [--pages P] [--no-unlock]\n");
		return 2;
	}
	err = kp_open_path(&dev, path);
	if (err)
		die("kp_open_path", err);
	err = kp_plugin_open(dev, NULL, 0);
	if (err)
		die("kp_plugin_open", err);
	if (!strcmp(argv[optind], "roundtrip"))
		err = roundtrip(sg, rounds, seed);
	else if (!strcmp(argv[optind], "fault"))
		err = fault();
	else if (!strcmp(argv[optind], "errors"))
		err = errors(path);
	else if (!strcmp(argv[optind], "limit"))
		err = limit();
	else if (!strcmp(argv[optind], "hold"))
		err = hold(rounds_set ? rounds : 0, unlock);
	else
		return 2;
	kp_close(dev);
	return err ? 1 : 0;
}
