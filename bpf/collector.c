// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What every collector's skeleton goes through (see collector.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collector.h"
#include "report.h"
#include <linux/types.h>

static void *global(const struct kps_collector *c, size_t off)
{
	return (char *)*c->bss + off;
}

int kps_collectors_start(struct kps_collector *const *c, int n,
			 const struct kps_env *env)
{
	for (int i = 0; i < n; i++) {
		int err = c[i]->open ? c[i]->open(c[i], env) : 0;

		if (!err && c[i]->skel)
			err = bpf_object__load_skeleton(c[i]->skel);
		if (err) {
			fprintf(stderr, "kpstat: loading the %s BPF program "
				"failed: %s\n", c[i]->name, strerror(-err));
			return -1;
		}
	}
	for (int i = 0; i < n; i++) {
		int err = c[i]->skel ?
			  bpf_object__attach_skeleton(c[i]->skel) : 0;

		if (err) {
			fprintf(stderr, "kpstat: attaching the %s BPF program "
				"failed: %s\n", c[i]->name, strerror(-err));
			return -1;
		}
	}
	return 0;
}

void kps_collectors_stop(struct kps_collector *const *c, int n)
{
	for (int i = 0; i < n; i++) {
		/* what <name>_bpf__destroy() does */
		if (c[i]->skel)
			bpf_object__destroy_skeleton(c[i]->skel);
		free(c[i]->obj);
		c[i]->skel = NULL;
		c[i]->obj = NULL;
	}
}

int kps_collector_rows(const struct kps_collector *c,
		       const struct kps_report *r, int view,
		       struct kps_rowset *rs)
{
	const struct kps_table *t = &r->cur->tab[c->table];

	if (c->rows)
		return c->rows(c, r, view, rs);
	return kps_rows_by_key(r, rs, t->n, c->per_cpu ? t->ncpus : 0,
			       c->sum_row);
}

void kps_collectors_set_epoch(struct kps_collector *const *c, int n,
			      unsigned long long epoch)
{
	for (int i = 0; i < n; i++)
		if (c[i]->skel)
			*(__u64 *)global(c[i], c[i]->epoch_off) = epoch;
}

unsigned long long kps_collectors_errors(struct kps_collector *const *c,
					 int n)
{
	unsigned long long sum = 0;

	for (int i = 0; i < n; i++) {
		const __u64 *e;

		if (!c[i]->skel)
			continue;
		e = global(c[i], c[i]->errors_off);
		for (size_t j = 0; j < c[i]->nerrors; j++)
			sum += e[j];
	}
	return sum;
}

unsigned long long kps_collectors_misses(struct kps_collector *const *c,
					 int n)
{
	unsigned long long sum = 0;

	for (int i = 0; i < n; i++) {
		const struct bpf_object_skeleton *s = c[i]->skel;

		for (int j = 0; s && j < s->prog_cnt; j++) {
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);
			int fd = bpf_program__fd(*s->progs[j].prog);

			if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
				sum += info.recursion_misses;
		}
	}
	return sum;
}
