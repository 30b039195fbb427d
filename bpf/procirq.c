// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reads /proc/interrupts; the header names the CPU of every column. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "procirq.h"

int procirq_read(struct procirq *p, int ncpus)
{
	FILE *f = fopen("/proc/interrupts", "re");
	char *line = NULL, *s, *end;
	size_t len = 0;
	int cols = 0, *colcpu = NULL, cap = 0, err = 0;

	memset(p, 0, sizeof(*p));
	p->ncpus = ncpus;
	if (!f)
		return -errno;
	if (getline(&line, &len, f) < 0) {
		err = -EIO;
		goto out;
	}
	colcpu = calloc(strlen(line) / 4 + 1, sizeof(*colcpu));
	if (!colcpu) {
		err = -ENOMEM;
		goto out;
	}
	for (s = strstr(line, "CPU"); s; s = strstr(s + 3, "CPU"))
		colcpu[cols++] = atoi(s + 3);

	while (getline(&line, &len, f) > 0) {
		struct procirq_ent *e;
		long irq;

		s = line + strspn(line, " ");
		irq = strtol(s, &end, 10);
		if (end == s || *end != ':')
			continue;	/* NMI:, LOC:, ERR: ... */
		if (p->n == cap) {
			struct procirq_ent *nv;

			cap = cap ? 2 * cap : 64;
			nv = realloc(p->v, cap * sizeof(*nv));
			if (!nv) {
				err = -ENOMEM;
				goto out;
			}
			p->v = nv;
		}
		e = &p->v[p->n];
		e->irq = irq;
		e->total = 0;
		e->cpu = calloc(ncpus, sizeof(*e->cpu));
		if (!e->cpu) {
			err = -ENOMEM;
			goto out;
		}
		p->n++;
		s = end + 1;
		for (int c = 0; c < cols; c++) {
			unsigned long long v = strtoull(s, &end, 10);

			if (end == s)
				break;
			s = end;
			if (colcpu[c] < ncpus)
				e->cpu[colcpu[c]] = v;
			e->total += v;
		}
	}
out:
	free(colcpu);
	free(line);
	fclose(f);
	if (err)
		procirq_free(p);
	return err;
}

const struct procirq_ent *procirq_find(const struct procirq *p, int irq)
{
	/* /proc/interrupts lists IRQs in ascending order */
	int lo = 0, hi = p->n;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (p->v[mid].irq == irq)
			return &p->v[mid];
		if (p->v[mid].irq < irq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void procirq_free(struct procirq *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->v[i].cpu);
	free(p->v);
	memset(p, 0, sizeof(*p));
}
