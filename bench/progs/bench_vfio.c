// SPDX-License-Identifier: GPL-2.0
/*
 * bench_vfio - interrupt-to-user latency and throughput through vfio-pci
 * (type1v2 IOMMU; the target runs q35 + intel-iommu since Debian has no
 * VFIO no-IOMMU mode).  The device must already be bound to vfio-pci.
 *
 * -m a comma list of msi, intx, thread (or all).  One cycle: raise ->
 * read() on the trigger eventfd returns its counter (must be exactly 1) ->
 * ack; INTx is automasked by vfio-pci, so each INTx cycle also sends
 * VFIO_DEVICE_SET_IRQS UNMASK after the ack.  thread (MSI) is the anchor
 * of libkp's handler thread, the same shape: a second thread blocks in
 * read() on the eventfd, takes the timestamp and posts a semaphore the
 * main thread sleeps on after raising; the main thread acks.  Bus
 * mastering is set in the command register first, or edu's MSI never
 * arrives.  /proc/interrupts must grow by the cycle count.
 *
 * DMA (bench_dma.h), the counterparts of bench_kp's:
 *   dma  4 KiB round trips through edu's DMA engine: two 4 KiB user
 *        buffers mapped once with VFIO_IOMMU_MAP_DMA at IOVAs below edu's
 *        28-bit limit, edu programmed through the mapped BAR, each
 *        completion interrupt (MSI) read from the eventfd and acked in
 *        user mode; type1 mappings are coherent on x86, so no sync
 *   map  VFIO_IOMMU_MAP_DMA + VFIO_IOMMU_UNMAP_DMA of 4 KiB, 64 KiB and
 *        1 MiB of user memory (no device I/O)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench_common.h"
#include "bench_dma.h"

struct vfio {
	int container, group, dev, efd;
	volatile void *bar;
	uint64_t cfg_off;
	int intx;
	/* -m thread */
	sem_t sem;
	atomic_int stop;
	atomic_uint_fast64_t calls;
	atomic_uint_fast64_t t_thread;
};

static void set_irqs(struct vfio *v, unsigned int index, uint32_t flags,
		     uint32_t count, int efd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int)];
	struct vfio_irq_set *s = (struct vfio_irq_set *)buf;

	memset(buf, 0, sizeof(buf));
	s->argsz = sizeof(*s) + ((flags & VFIO_IRQ_SET_DATA_EVENTFD) ?
				 sizeof(int) : 0);
	s->flags = flags;
	s->index = index;
	s->start = 0;
	s->count = count;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		memcpy(s->data, &efd, sizeof(int));
	if (ioctl(v->dev, VFIO_DEVICE_SET_IRQS, s))
		FAIL("VFIO_DEVICE_SET_IRQS index %u flags 0x%x: %s", index,
		     flags, strerror(errno));
}

/*
 * The end of a measured loop on @irq: no interrupt may be left over on the
 * eventfd, the IRQ is released, and /proc/interrupts must have grown by
 * exactly the @n @what the loop made since @irq0.  Returns the count now.
 */
static uint64_t vfio_irqs_end(struct vfio *v, unsigned int index,
			      const char *name, int irq, uint64_t irq0,
			      uint64_t n, const char *what)
{
	struct pollfd pfd = { .fd = v->efd, .events = POLLIN };
	uint64_t irq1 = proc_interrupts(irq);

	if (poll(&pfd, 1, 20) != 0)
		FAIL("%s: the eventfd fired after the last of the %s", name,
		     what);
	set_irqs(v, index, VFIO_IRQ_SET_DATA_NONE |
		 VFIO_IRQ_SET_ACTION_TRIGGER, 0, -1);
	if (irq1 - irq0 != n)
		FAIL("%s: /proc/interrupts grew by %llu for %llu %s", name,
		     (unsigned long long)(irq1 - irq0), (unsigned long long)n,
		     what);
	return irq1;
}

static void vfio_open(struct vfio *v, const char *bdf)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_region_info ri = { .argsz = sizeof(ri) };
	char link[256], path[512], *grp;
	uint16_t cmd;
	void *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		FAIL("%s: %s (no IOMMU?)", path, strerror(errno));
	link[n] = 0;
	grp = basename(link);
	v->container = open("/dev/vfio/vfio", O_RDWR);
	if (v->container < 0)
		FAIL("/dev/vfio/vfio: %s", strerror(errno));
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		FAIL("VFIO API version mismatch");
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
		FAIL("no VFIO_TYPE1v2_IOMMU");
	snprintf(path, sizeof(path), "/dev/vfio/%s", grp);
	v->group = open(path, O_RDWR);
	if (v->group < 0)
		FAIL("%s: %s (bind vfio-pci first)", path, strerror(errno));
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &gs))
		FAIL("VFIO_GROUP_GET_STATUS: %s", strerror(errno));
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		FAIL("group %s is not viable (other devices not bound to "
		     "vfio-pci)", grp);
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container))
		FAIL("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
	if (ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		FAIL("VFIO_SET_IOMMU: %s", strerror(errno));
	v->dev = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (v->dev < 0)
		FAIL("VFIO_GROUP_GET_DEVICE_FD %s: %s", bdf, strerror(errno));

	ri.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(v->dev, VFIO_DEVICE_GET_REGION_INFO, &ri))
		FAIL("BAR0 region info: %s", strerror(errno));
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP))
		FAIL("BAR0 is not mmap()able through VFIO");
	p = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, v->dev,
		 ri.offset);
	if (p == MAP_FAILED)
		FAIL("mmap BAR0: %s", strerror(errno));
	v->bar = p;

	memset(&ri, 0, sizeof(ri));
	ri.argsz = sizeof(ri);
	ri.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(v->dev, VFIO_DEVICE_GET_REGION_INFO, &ri))
		FAIL("config region info: %s", strerror(errno));
	v->cfg_off = ri.offset;
	if (pread(v->dev, &cmd, 2, v->cfg_off + PCI_CMD_OFF) != 2)
		FAIL("config read: %s", strerror(errno));
	cmd |= PCI_CMD_MEM | PCI_CMD_MASTER;
	cmd &= ~PCI_CMD_INTX_DISABLE;
	if (pwrite(v->dev, &cmd, 2, v->cfg_off + PCI_CMD_OFF) != 2)
		FAIL("config write: %s", strerror(errno));
	if ((reg_read(v->bar, EDU_REG_ID) & 0xff) != 0xed)
		FAIL("BAR0 does not look like edu (id 0x%08x)",
		     reg_read(v->bar, EDU_REG_ID));
	v->efd = eventfd(0, EFD_CLOEXEC);
	if (v->efd < 0)
		FAIL("eventfd: %s", strerror(errno));
}

static void vfio_wait(struct vfio *v)
{
	uint64_t c;
	ssize_t n = read(v->efd, &c, sizeof(c));

	if (n != sizeof(c))
		FAIL("read eventfd: %zd (%s)", n, strerror(errno));
	if (c != 1)
		FAIL("eventfd count %llu: a wait did not consume exactly one "
		     "interrupt", (unsigned long long)c);
}

static void vfio_ack(struct vfio *v)
{
	reg_write(v->bar, EDU_REG_IRQ_ACK, EDU_IRQ_BIT);
	if (v->intx)
		set_irqs(v, VFIO_PCI_INTX_IRQ_INDEX,
			 VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
			 1, -1);
}

static void run_mode(struct vfio *v, const struct bench_opts *o, int intx,
		     FILE *out)
{
	unsigned int index = intx ? VFIO_PCI_INTX_IRQ_INDEX :
				    VFIO_PCI_MSI_IRQ_INDEX;
	const char *name = intx ? "vfio-intx" : "vfio-msi";
	struct samples lat, thr;
	uint64_t irq0, irq1, cycles = 0, t0, t1;
	unsigned int i, r;
	char checks[256];
	int irq;

	v->intx = intx;
	reg_write(v->bar, EDU_REG_IRQ_ACK, ~0u);
	set_irqs(v, index, VFIO_IRQ_SET_DATA_EVENTFD |
		 VFIO_IRQ_SET_ACTION_TRIGGER, 1, v->efd);
	irq = device_irq(o->bdf, !intx);
	pin_irq(o, irq);
	irq0 = proc_interrupts(irq);
	samples_init(&lat, o->iters);
	samples_init(&thr, o->reps);
	for (i = 0; i < o->warmup + o->iters; i++) {
		t0 = now_ns();
		reg_write(v->bar, EDU_REG_IRQ_RAISE, EDU_IRQ_BIT);
		vfio_wait(v);
		t1 = now_ns();
		vfio_ack(v);
		cycles++;
		if (i >= o->warmup)
			samples_add(&lat, t1 - t0);
	}
	for (r = 0; r < o->reps; r++) {
		t0 = now_ns();
		for (i = 0; i < o->batch; i++) {
			reg_write(v->bar, EDU_REG_IRQ_RAISE, EDU_IRQ_BIT);
			vfio_wait(v);
			vfio_ack(v);
		}
		t1 = now_ns();
		cycles += o->batch;
		samples_add(&thr, (t1 - t0) / o->batch);
	}
	irq1 = vfio_irqs_end(v, index, name, irq, irq0, cycles, "cycles");
	snprintf(checks, sizeof(checks), "\"irq\": %d, \"cycles\": %llu, "
		 "\"proc_interrupts_delta\": %llu, \"batch\": %u", irq,
		 (unsigned long long)cycles,
		 (unsigned long long)(irq1 - irq0), o->batch);
	json_record(out, name, "latency", "ns", &lat, checks);
	json_record(out, name, "cycle", "ns", &thr, checks);
	samples_free(&lat);
	samples_free(&thr);
}

static void *reader_thread(void *arg)
{
	struct vfio *v = arg;

	for (;;) {
		vfio_wait(v);
		atomic_store(&v->t_thread, now_ns());
		if (atomic_load(&v->stop))
			return NULL;
		atomic_fetch_add(&v->calls, 1);
		sem_post(&v->sem);
	}
}

static void thread_wait1(struct vfio *v, uint64_t *waited, uint64_t *t1)
{
	while (sem_wait(&v->sem))
		if (errno != EINTR)
			FAIL("sem_wait: %s", strerror(errno));
	(*waited)++;
	if (atomic_load(&v->calls) != *waited)
		FAIL("vfio-thread-msi: %llu reads after %llu waits",
		     (unsigned long long)atomic_load(&v->calls),
		     (unsigned long long)*waited);
	if (t1)
		*t1 = atomic_load(&v->t_thread);
}

static void run_thread(struct vfio *v, const struct bench_opts *o, FILE *out)
{
	const char *name = "vfio-thread-msi";
	uint64_t irq0, irq1, cycles = 0, waited = 0, t0, t1, one = 1;
	struct samples lat, thr;
	unsigned int i, r;
	char checks[256];
	pthread_t th;
	int irq, err;

	v->intx = 0;
	sem_init(&v->sem, 0, 0);
	atomic_store(&v->stop, 0);
	atomic_store(&v->calls, 0);
	reg_write(v->bar, EDU_REG_IRQ_ACK, ~0u);
	set_irqs(v, VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_SET_DATA_EVENTFD |
		 VFIO_IRQ_SET_ACTION_TRIGGER, 1, v->efd);
	irq = device_irq(o->bdf, 1);
	pin_irq(o, irq);
	err = pthread_create(&th, NULL, reader_thread, v);
	if (err)
		FAIL("pthread_create: %s", strerror(err));
	irq0 = proc_interrupts(irq);
	samples_init(&lat, o->iters);
	samples_init(&thr, o->reps);
	for (i = 0; i < o->warmup + o->iters; i++) {
		t0 = now_ns();
		reg_write(v->bar, EDU_REG_IRQ_RAISE, EDU_IRQ_BIT);
		thread_wait1(v, &waited, &t1);
		vfio_ack(v);
		cycles++;
		if (i >= o->warmup)
			samples_add(&lat, t1 - t0);
	}
	for (r = 0; r < o->reps; r++) {
		t0 = now_ns();
		for (i = 0; i < o->batch; i++) {
			reg_write(v->bar, EDU_REG_IRQ_RAISE, EDU_IRQ_BIT);
			thread_wait1(v, &waited, NULL);
			vfio_ack(v);
		}
		t1 = now_ns();
		cycles += o->batch;
		samples_add(&thr, (t1 - t0) / o->batch);
	}
	usleep(20000);		/* a stray interrupt would be read now */
	irq1 = proc_interrupts(irq);
	if (atomic_load(&v->calls) != cycles)
		FAIL("%s: %llu reads for %llu cycles", name,
		     (unsigned long long)atomic_load(&v->calls),
		     (unsigned long long)cycles);
	atomic_store(&v->stop, 1);
	if (write(v->efd, &one, sizeof(one)) != sizeof(one))
		FAIL("eventfd write: %s", strerror(errno));
	pthread_join(th, NULL);
	set_irqs(v, VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_SET_DATA_NONE |
		 VFIO_IRQ_SET_ACTION_TRIGGER, 0, -1);
	sem_destroy(&v->sem);
	if (irq1 - irq0 != cycles)
		FAIL("%s: /proc/interrupts grew by %llu for %llu cycles", name,
		     (unsigned long long)(irq1 - irq0),
		     (unsigned long long)cycles);
	snprintf(checks, sizeof(checks), "\"irq\": %d, \"cycles\": %llu, "
		 "\"proc_interrupts_delta\": %llu, \"batch\": %u", irq,
		 (unsigned long long)cycles,
		 (unsigned long long)(irq1 - irq0), o->batch);
	json_record(out, name, "latency", "ns", &lat, checks);
	json_record(out, name, "cycle", "ns", &thr, checks);
	samples_free(&lat);
	samples_free(&thr);
}

/* ---- DMA (bench_dma.h) ---------------------------------------------- */

/* IOVAs are ours to choose with type1: low, well inside edu's 28 bits */
#define IOVA_SRC	0x100000ull
#define IOVA_DST	0x200000ull
#define IOVA_MAP	0x1000000ull

static void vfio_map(struct vfio *v, void *buf, uint64_t iova, size_t size)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = size,
	};

	if (ioctl(v->container, VFIO_IOMMU_MAP_DMA, &m))
		FAIL("VFIO_IOMMU_MAP_DMA %zu bytes at 0x%llx: %s", size,
		     (unsigned long long)iova, strerror(errno));
}

static void vfio_unmap(struct vfio *v, uint64_t iova, size_t size)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = iova,
		.size = size,
	};

	if (ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &u))
		FAIL("VFIO_IOMMU_UNMAP_DMA at 0x%llx: %s",
		     (unsigned long long)iova, strerror(errno));
	if (u.size != size)
		FAIL("VFIO_IOMMU_UNMAP_DMA unmapped %llu bytes of %zu",
		     (unsigned long long)u.size, size);
}

static void vfio_dma_wait(struct dma_rt *rt)
{
	struct vfio *v = rt->ctx;

	vfio_wait(v);
	reg_write(v->bar, EDU_REG_IRQ_ACK, EDU_IRQ_DMA);
}

static void run_dma(struct vfio *v, const struct bench_opts *o, FILE *out)
{
	static const struct dma_rt_ops ops = { .wait = vfio_dma_wait };
	const char *name = "vfio-dma";
	struct dma_rt rt = { .bar = v->bar, .ops = &ops, .ctx = v,
			     .src_bus = IOVA_SRC, .dst_bus = IOVA_DST };
	struct samples wall, cpu;
	uint64_t irq0, irq1, xfers;
	char checks[384];
	void *s, *t;
	int irq;

	if (posix_memalign(&s, 4096, DMA_RT_SIZE) ||
	    posix_memalign(&t, 4096, DMA_RT_SIZE))
		FAIL("out of memory");
	memset(s, 0, DMA_RT_SIZE);	/* fault them in */
	memset(t, 0, DMA_RT_SIZE);
	vfio_map(v, s, IOVA_SRC, DMA_RT_SIZE);
	vfio_map(v, t, IOVA_DST, DMA_RT_SIZE);
	rt.src = s;
	rt.dst = t;
	v->intx = 0;
	reg_write(v->bar, EDU_REG_IRQ_ACK, ~0u);
	set_irqs(v, VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_SET_DATA_EVENTFD |
		 VFIO_IRQ_SET_ACTION_TRIGGER, 1, v->efd);
	irq = device_irq(o->bdf, 1);
	pin_irq(o, irq);
	irq0 = proc_interrupts(irq);
	xfers = dma_rt_run(&rt, o, name, &wall, &cpu);
	irq1 = vfio_irqs_end(v, VFIO_PCI_MSI_IRQ_INDEX, name, irq, irq0, xfers,
			     "transfers");
	vfio_unmap(v, IOVA_SRC, DMA_RT_SIZE);
	vfio_unmap(v, IOVA_DST, DMA_RT_SIZE);
	free(s);
	free(t);
	snprintf(checks, sizeof(checks), "\"irq\": %d, "
		 "\"round_trips_compared\": %u, \"transfers\": %llu, "
		 "\"proc_interrupts_delta\": %llu, \"src_bus\": %llu, "
		 "\"dst_bus\": %llu", irq, o->warmup + o->iters,
		 (unsigned long long)xfers,
		 (unsigned long long)(irq1 - irq0), IOVA_SRC, IOVA_DST);
	json_record(out, name, "dma", "ns", &wall, checks);
	json_record(out, name, "dma-cpu", "ns", &cpu, checks);
	samples_free(&wall);
	samples_free(&cpu);
}

static void vfio_map_op(void *ctx, void *buf, size_t size)
{
	vfio_map(ctx, buf, IOVA_MAP, size);
}

static void vfio_unmap_op(void *ctx, void *buf, size_t size)
{
	(void)buf;
	vfio_unmap(ctx, IOVA_MAP, size);
}

int main(int argc, char **argv)
{
	struct vfio v = { 0 };
	struct bench_opts o;
	FILE *out;
	int msi, intx, thread, dma, map;

	bench_parse(argc, argv, &o);
	if (!o.bdf)
		FAIL("-d bdf is required");
	msi = bench_want(o.mode, "msi");
	intx = bench_want(o.mode, "intx");
	thread = bench_want(o.mode, "thread");
	dma = bench_want(o.mode, "dma");
	map = bench_want(o.mode, "map");
	if (!msi && !intx && !thread && !dma && !map)
		FAIL("-m must name msi, intx, thread, dma, map or be all");
	vfio_open(&v, o.bdf);
	out = json_begin(o.out);
	if (msi)
		run_mode(&v, &o, 0, out);
	if (intx)
		run_mode(&v, &o, 1, out);
	if (thread)
		run_thread(&v, &o, out);
	if (dma)
		run_dma(&v, &o, out);
	if (map) {
		static const struct dma_map_ops ops = {
			.map = vfio_map_op,
			.unmap = vfio_unmap_op,
		};

		dma_map_run(&ops, &v, &o, "vfio-map", out);
	}
	json_end(out);
	return 0;
}
