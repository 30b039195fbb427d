// SPDX-License-Identifier: GPL-2.0
/*
 * bench_vfio - interrupt-to-user latency and throughput through vfio-pci
 * (type1v2 IOMMU; the target runs q35 + intel-iommu since Debian has no
 * VFIO no-IOMMU mode).  The device must already be bound to vfio-pci.
 *
 * -m msi | intx | all.  One cycle: raise -> read() on the trigger eventfd
 * returns its counter (must be exactly 1) -> ack; INTx is automasked by
 * vfio-pci, so each INTx cycle also sends VFIO_DEVICE_SET_IRQS UNMASK after
 * the ack.  Bus mastering is set in the command register first, or edu's
 * MSI never arrives.  /proc/interrupts must grow by the cycle count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench_common.h"

struct vfio {
	int container, group, dev, efd;
	volatile void *bar;
	uint64_t cfg_off;
	int intx;
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
	struct pollfd pfd;
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
	irq1 = proc_interrupts(irq);
	/* nothing may be left over: a stray interrupt would show here */
	pfd.fd = v->efd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 20) != 0)
		FAIL("%s: the eventfd fired after the last cycle", name);
	set_irqs(v, index, VFIO_IRQ_SET_DATA_NONE |
		 VFIO_IRQ_SET_ACTION_TRIGGER, 0, -1);
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

int main(int argc, char **argv)
{
	struct vfio v = { 0 };
	struct bench_opts o;
	FILE *out;
	int msi, intx;

	bench_parse(argc, argv, &o);
	if (!o.bdf)
		FAIL("-d bdf is required");
	msi = !strcmp(o.mode, "msi") || !strcmp(o.mode, "all");
	intx = !strcmp(o.mode, "intx") || !strcmp(o.mode, "all");
	if (!msi && !intx)
		FAIL("-m must be msi, intx or all");
	vfio_open(&v, o.bdf);
	out = json_begin(o.out);
	if (msi)
		run_mode(&v, &o, 0, out);
	if (intx)
		run_mode(&v, &o, 1, out);
	json_end(out);
	return 0;
}
