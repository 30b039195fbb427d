/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the guest-side test programs. */
#ifndef KPT_COMMON_H
#define KPT_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include "libkp.h"

#define KPT_MAX_IRQS	KP_MAX_VECTORS
#define ENOTSUPP_LINUX	524	/* kernel-internal ENOTSUPP leaking out */

/* The counters of /sys/class/kp/<name>/, in struct kp_stats order. */
struct kpt_counters {
	uint64_t interrupts, spurious, dpc_requests, dpcs, dpc_count_sum,
		 notifications, lost, calls;
};

/* "kp_edu0" of an open device, from KP_GET_INFO. */
int kpt_dev_name(struct kp_dev *dev, char *name, size_t len, char *bdf,
		 size_t bdflen);
/* Reads the sysfs counters of /sys/class/kp/<name>. */
int kpt_read_sysfs(const char *name, struct kpt_counters *c);
/* Copies struct kp_stats into struct kpt_counters. */
void kpt_from_stats(const struct kp_stats *s, struct kpt_counters *c);
void kpt_sub(struct kpt_counters *d, const struct kpt_counters *a,
	     const struct kpt_counters *b);
void kpt_print_counters(FILE *f, const char *key,
			const struct kpt_counters *c);

/*
 * Linux IRQ numbers of a device's granted vectors: msi_irqs/ for MSI and
 * MSI-X, irq for INTx.  Returns how many (or -errno).
 */
int kpt_device_irqs(const char *bdf, uint32_t mode, int *irqs, int max);
/* Sum over CPUs of /proc/interrupts for @irqs; -1 if a line is missing. */
int64_t kpt_proc_interrupts(const int *irqs, int n);

double kpt_now(void);
const char *kpt_errname(int err);	/* "EINVAL", ... for -errno or errno */

#endif
