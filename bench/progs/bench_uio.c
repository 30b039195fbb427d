// SPDX-License-Identifier: GPL-2.0
/*
 * bench_uio - interrupt-to-user latency and throughput through
 * uio_pci_generic.  The device must already be bound to uio_pci_generic.
 *
 * One cycle: raise (edu 0x60) -> read() on /dev/uioN returns the event
 * count -> ack (edu 0x64) -> re-enable INTx by clearing the command
 * register's INTx-disable bit through sysfs config (uio_pci_generic has no
 * irqcontrol; its handler masks INTx with that bit).  Latency is raise ->
 * read() return; throughput times whole cycles.  Every read() must return
 * the previous count + 1 and /proc/interrupts must grow by the number of
 * cycles exactly.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"

struct uio {
	volatile void *bar;
	int fd, cfg;
	uint16_t cmd_on;	/* command register with INTx enabled */
	int32_t count;		/* last event count read */
	int have_count;
};

static void uio_reenable(struct uio *u)
{
	if (pwrite(u->cfg, &u->cmd_on, 2, PCI_CMD_OFF) != 2)
		FAIL("config write: %s", strerror(errno));
}

static void uio_wait(struct uio *u)
{
	int32_t c;
	ssize_t n = read(u->fd, &c, sizeof(c));

	if (n != sizeof(c))
		FAIL("read /dev/uio: %zd (%s)", n, strerror(errno));
	if (u->have_count && c != u->count + 1)
		FAIL("uio count went %d -> %d: a wait did not consume exactly "
		     "one interrupt", u->count, c);
	u->count = c;
	u->have_count = 1;
}

static void uio_ack(struct uio *u)
{
	reg_write(u->bar, EDU_REG_IRQ_ACK, EDU_IRQ_BIT);
	uio_reenable(u);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct samples lat, thr;
	struct uio u = { 0 };
	char path[256], dev[300] = "", checks[256];
	struct dirent *de;
	uint64_t irq0, irq1, cycles = 0, t0, t1;
	unsigned int i, r;
	size_t len;
	DIR *d;
	int irq;
	FILE *out;

	bench_parse(argc, argv, &o);
	if (!o.bdf)
		FAIL("-d bdf is required");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/uio", o.bdf);
	d = opendir(path);
	if (!d)
		FAIL("%s: %s (bind uio_pci_generic first)", path,
		     strerror(errno));
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "uio", 3))
			snprintf(dev, sizeof(dev), "/dev/%s", de->d_name);
	closedir(d);
	if (!dev[0])
		FAIL("no uio device under %s", path);
	u.fd = open(dev, O_RDWR);
	if (u.fd < 0)
		FAIL("%s: %s", dev, strerror(errno));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", o.bdf);
	u.cfg = open(path, O_RDWR);
	if (u.cfg < 0)
		FAIL("%s: %s", path, strerror(errno));
	if (pread(u.cfg, &u.cmd_on, 2, PCI_CMD_OFF) != 2)
		FAIL("config read: %s", strerror(errno));
	u.cmd_on = (u.cmd_on | PCI_CMD_MEM) & ~PCI_CMD_INTX_DISABLE;
	u.bar = map_resource0(o.bdf, &len);
	if ((reg_read(u.bar, EDU_REG_ID) & 0xff) != 0xed)
		FAIL("BAR0 does not look like edu (id 0x%08x)",
		     reg_read(u.bar, EDU_REG_ID));
	/* a clean start: nothing raised, INTx enabled */
	reg_write(u.bar, EDU_REG_IRQ_ACK, ~0u);
	uio_reenable(&u);
	irq = device_irq(o.bdf, 0);
	pin_irq(&o, irq);
	irq0 = proc_interrupts(irq);

	samples_init(&lat, o.iters);
	samples_init(&thr, o.reps);
	for (i = 0; i < o.warmup + o.iters; i++) {
		t0 = now_ns();
		reg_write(u.bar, EDU_REG_IRQ_RAISE, EDU_IRQ_BIT);
		uio_wait(&u);
		t1 = now_ns();
		uio_ack(&u);
		cycles++;
		if (i >= o.warmup)
			samples_add(&lat, t1 - t0);
	}
	for (r = 0; r < o.reps; r++) {
		t0 = now_ns();
		for (i = 0; i < o.batch; i++) {
			reg_write(u.bar, EDU_REG_IRQ_RAISE, EDU_IRQ_BIT);
			uio_wait(&u);
			uio_ack(&u);
		}
		t1 = now_ns();
		cycles += o.batch;
		samples_add(&thr, (t1 - t0) / o.batch);
	}
	irq1 = proc_interrupts(irq);
	if (irq1 - irq0 != cycles)
		FAIL("/proc/interrupts grew by %llu for %llu cycles",
		     (unsigned long long)(irq1 - irq0),
		     (unsigned long long)cycles);
	if (reg_read(u.bar, EDU_REG_IRQ_STATUS))
		FAIL("irq status not clear at the end");

	snprintf(checks, sizeof(checks), "\"irq\": %d, \"cycles\": %llu, "
		 "\"proc_interrupts_delta\": %llu, \"batch\": %u", irq,
		 (unsigned long long)cycles,
		 (unsigned long long)(irq1 - irq0), o.batch);
	out = json_begin(o.out);
	json_record(out, "uio", "latency", "ns", &lat, checks);
	json_record(out, "uio", "cycle", "ns", &thr, checks);
	json_end(out);
	return 0;
}
