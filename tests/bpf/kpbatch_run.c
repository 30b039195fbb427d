// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kpbatch_run - runs bpf/kpbatch.bpf.c's program on synthetic kp_irq_batch
 * events (BPF_PROG_TEST_RUN: the host kernel has no kp runtime) and dumps
 * its maps, for tests/bpf/test_kpbatch.py.
 *
 *   kpbatch_run [-n] [-d DEV] < events
 *
 * -n: ns histograms (default us); -d: only device DEV (rodata filter).
 * Each input line is one event, the TP_PROTO arguments in order and the
 * CPU to run it on:
 *   slot dev vector irq irqs handled count ret irq_ns lat_ns run_ns cpu
 * or "epoch N" (kps_epoch for the events that follow).  Output: one JSON
 * object per used (slot, CPU) and per (spill key, CPU) with every field.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kpbatch.h"
#include "kpbatch.skel.h"

static void hist(const char *name, const struct kps_hist *h)
{
	printf(",\"%s\":{\"count\":%llu,\"sum_ns\":%llu,\"max_ns\":%llu,"
	       "\"imax_ns\":%llu,\"epoch\":%llu,\"slots\":[", name,
	       (unsigned long long)h->count, (unsigned long long)h->sum_ns,
	       (unsigned long long)h->max_ns, (unsigned long long)h->imax_ns,
	       (unsigned long long)h->epoch);
	for (int i = 0; i < KPS_SLOTS; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)h->slots[i]);
	printf("]}");
}

static void dump(const char *map, long slot, const struct kpb_key *k,
		 int cpu, const struct kpb_val *v)
{
	printf("{\"map\":\"%s\",\"slot\":%ld,\"cpu\":%d,\"dev\":%u,"
	       "\"vector\":%u,\"irq\":%u,\"used\":%u,\"batches\":%llu,"
	       "\"irqs\":%llu,\"handled\":%llu,\"dpcs\":%llu,"
	       "\"dw_count_sum\":%llu,\"ret_sum\":%llu", map, slot, cpu,
	       k->dev, k->vector, k->irq, v->used,
	       (unsigned long long)v->batches, (unsigned long long)v->irqs,
	       (unsigned long long)v->handled, (unsigned long long)v->dpcs,
	       (unsigned long long)v->dw_count_sum,
	       (unsigned long long)v->ret_sum);
	hist("irq_time", &v->irq_time);
	hist("latency", &v->latency);
	hist("run", &v->run);
	printf(",\"coal\":[");
	for (int i = 0; i < KPB_COAL_SLOTS; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)v->coal[i]);
	printf("]}\n");
}

int main(int argc, char **argv)
{
	int ncpus = libbpf_num_possible_cpus(), opt, fd, err;
	struct kpbatch_bpf *skel;
	struct kpb_val *vals;
	struct kpb_key key, next, *prev = NULL;
	char line[512];
	bool ns = false;
	long dev = -1;

	while ((opt = getopt(argc, argv, "nd:")) != -1) {
		if (opt == 'n')
			ns = true;
		else if (opt == 'd')
			dev = atol(optarg);
		else
			return 2;
	}
	skel = kpbatch_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->targ_us = !ns;
	if (dev >= 0) {
		skel->rodata->filter_dev = true;
		skel->rodata->targ_dev = dev;
	}
	err = kpbatch_bpf__load(skel);
	if (err) {
		fprintf(stderr, "load: %s\n", strerror(-err));
		return 1;
	}
	fd = bpf_program__fd(skel->progs.kpbatch);
	while (fgets(line, sizeof(line), stdin)) {
		unsigned long long a[12];
		unsigned long long epoch;
		LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = a,
			    .ctx_size_in = 11 * sizeof(a[0]),
			    .flags = BPF_F_TEST_RUN_ON_CPU);

		if (sscanf(line, "epoch %llu", &epoch) == 1) {
			skel->bss->kps_epoch = epoch;
			continue;
		}
		if (sscanf(line, "%llu %llu %llu %llu %llu %llu %llu %llu %llu "
			   "%llu %llu %llu", &a[0], &a[1], &a[2], &a[3], &a[4],
			   &a[5], &a[6], &a[7], &a[8], &a[9], &a[10],
			   &a[11]) != 12) {
			fprintf(stderr, "bad line: %s", line);
			return 2;
		}
		o.cpu = a[11];
		err = bpf_prog_test_run_opts(fd, &o);
		if (err || o.retval) {
			fprintf(stderr, "test run: %s\n", strerror(-err));
			return 1;
		}
	}
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return 1;
	for (__u32 slot = 0; slot < 256; slot++) {
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.kpb_slots),
					&slot, vals))
			return 1;
		for (int c = 0; c < ncpus; c++)
			if (vals[c].used)
				dump("slots", slot, &vals[c].key, c, &vals[c]);
	}
	fd = bpf_map__fd(skel->maps.kpb_spill);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			return 1;
		for (int c = 0; c < ncpus; c++)
			if (vals[c].batches)
				dump("spill", -1, &key, c, &vals[c]);
	}
	for (int c = 0; c < 1024; c++)
		if (skel->bss->kps_errors[c])
			printf("{\"errors\":%llu,\"cpu\":%d}\n",
			       (unsigned long long)skel->bss->kps_errors[c], c);
	kpbatch_bpf__destroy(skel);
	return 0;
}
