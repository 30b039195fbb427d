/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* kpdev: kp devices from /sys/class/kp (name <-> minor, their IRQs). */
#ifndef KPS_KPDEV_H
#define KPS_KPDEV_H

#define KPDEV_MAX_IRQS 64

struct kpdev {
	char name[256];		/* edu0 */
	unsigned int minor;	/* the tracepoints' dev */
	char bdf[32];
	int nirqs;
	int irqs[KPDEV_MAX_IRQS];	/* legacy IRQ and MSI/MSI-X IRQs */
};

/* Rescans /sys/class/kp; returns the number of devices. */
int kpdev_scan(void);
const struct kpdev *kpdev_by_name(const char *name);
/* Writes the device name for @minor into @buf ("dev<minor>" if unknown). */
const char *kpdev_name(unsigned int minor, char *buf, int len);
/* Calls @fn for every IRQ of every device. */
void kpdev_for_each_irq(void (*fn)(int irq, void *arg), void *arg);

#endif /* KPS_KPDEV_H */
