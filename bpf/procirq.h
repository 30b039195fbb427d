/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* procirq: the numbered lines of /proc/interrupts, per CPU. */
#ifndef KPS_PROCIRQ_H
#define KPS_PROCIRQ_H

struct procirq_ent {
	int irq;
	unsigned long long total;
	unsigned long long *cpu;	/* [ncpus], by CPU number */
};

struct procirq {
	int ncpus;
	int n;
	struct procirq_ent *v;		/* sorted by irq */
};

/* @ncpus: possible CPUs (array size).  Returns 0 or -errno. */
int procirq_read(struct procirq *p, int ncpus);
const struct procirq_ent *procirq_find(const struct procirq *p, int irq);
void procirq_free(struct procirq *p);

#endif /* KPS_PROCIRQ_H */
