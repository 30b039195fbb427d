// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA benchmark loops (bench_dma.h): edu round trips and map/unmap
 * costs, the same code for kp and VFIO.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_dma.h"

/* xorshift64: a pattern that differs in every byte from round to round */
static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(unsigned char *p, size_t len, uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1, v;
	size_t i;

	for (i = 0; i < len; i += sizeof(v)) {
		v = rnd_next(&s);
		memcpy(p + i, &v, sizeof(v));
	}
}

/* One transfer of @len bytes, started with its completion interrupt. */
static void edu_dma_start(volatile void *bar, uint64_t src, uint64_t dst,
			  uint64_t len, int to_ram)
{
	reg_write64(bar, EDU_REG_DMA_SRC, src);
	reg_write64(bar, EDU_REG_DMA_DST, dst);
	reg_write64(bar, EDU_REG_DMA_CNT, len);
	reg_write64(bar, EDU_REG_DMA_CMD, EDU_DMA_RUN | EDU_DMA_IRQ |
		    (to_ram ? EDU_DMA_TO_RAM : 0));
}

uint64_t dma_rt_run(struct dma_rt *rt, const struct bench_opts *o,
		    const char *name, struct samples *wall,
		    struct samples *cpu)
{
	const unsigned int half = DMA_RT_SIZE / 2;
	uint64_t t0, t1, c0, c1, xfers = 0;
	unsigned int i, h;

	if (rt->src_bus + DMA_RT_SIZE > EDU_DMA_LIMIT ||
	    rt->dst_bus + DMA_RT_SIZE > EDU_DMA_LIMIT)
		FAIL("%s: bus addresses 0x%llx/0x%llx beyond edu's 28 bits",
		     name, (unsigned long long)rt->src_bus,
		     (unsigned long long)rt->dst_bus);
	samples_init(wall, o->iters);
	samples_init(cpu, o->iters);
	for (i = 0; i < o->warmup + o->iters; i++) {
		/* not timed: the same for every mechanism */
		fill(rt->src, DMA_RT_SIZE, i + 1);
		memset(rt->dst, 0, DMA_RT_SIZE);

		t0 = now_ns();
		c0 = thread_cpu_ns();
		if (rt->ops->for_device)
			rt->ops->for_device(rt);
		for (h = 0; h < DMA_RT_SIZE; h += half) {
			edu_dma_start(rt->bar, rt->src_bus + h,
				      EDU_DMA_WINDOW, half, 0);
			rt->ops->wait(rt);
			edu_dma_start(rt->bar, EDU_DMA_WINDOW,
				      rt->dst_bus + h, half, 1);
			rt->ops->wait(rt);
		}
		if (rt->ops->for_cpu)
			rt->ops->for_cpu(rt);
		c1 = thread_cpu_ns();
		t1 = now_ns();
		xfers += DMA_RT_XFERS;

		if (memcmp(rt->src, rt->dst, DMA_RT_SIZE)) {
			for (h = 0; rt->src[h] == rt->dst[h]; h++)
				;
			FAIL("%s: round trip %u: byte %u is 0x%02x, sent "
			     "0x%02x", name, i, h, rt->dst[h], rt->src[h]);
		}
		if (i >= o->warmup) {
			samples_add(wall, t1 - t0);
			samples_add(cpu, c1 - c0);
		}
	}
	return xfers;
}

const uint32_t dma_map_sizes[DMA_MAP_NSIZES] = { 4096, 65536, 1048576 };

/*
 * Pages pinned now (FOLL_PIN: both kp's lock and VFIO's type1 pin so).
 * /proc/vmstat shows the global counters, which lag the per-CPU deltas by
 * up to a second: vm.stat_refresh folds those in first.  Its EINVAL only
 * says some other counter is negative; the fold happened all the same.
 */
static int64_t pinned_pages(void)
{
	unsigned long long acq = 0, rel = 0, v;
	char key[64];
	int got = 0, fd;
	FILE *f;

	fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	if (fd < 0 || (write(fd, "1\n", 2) != 2 && errno != EINVAL))
		FAIL("vm.stat_refresh: %s", strerror(errno));
	close(fd);
	f = fopen("/proc/vmstat", "r");
	if (!f)
		FAIL("/proc/vmstat: %s", strerror(errno));
	while (fscanf(f, "%63s %llu", key, &v) == 2) {
		if (!strcmp(key, "nr_foll_pin_acquired")) {
			acq = v;
			got |= 1;
		} else if (!strcmp(key, "nr_foll_pin_released")) {
			rel = v;
			got |= 2;
		}
	}
	fclose(f);
	if (got != 3)
		FAIL("/proc/vmstat has no nr_foll_pin_* counters");
	return (int64_t)(acq - rel);
}

void dma_map_run(const struct dma_map_ops *ops, void *ctx,
		 const struct bench_opts *o, const char *prefix, FILE *out)
{
	size_t max = dma_map_sizes[DMA_MAP_NSIZES - 1];
	int64_t base, held, left;
	unsigned int z, i, n;
	struct samples lat;
	uint64_t t0, t1;
	char name[48], checks[160];
	void *buf;

	if (posix_memalign(&buf, 4096, max))
		FAIL("out of memory");
	memset(buf, 0x5a, max);		/* fault the pages in */
	for (z = 0; z < DMA_MAP_NSIZES; z++) {
		size_t size = dma_map_sizes[z];

		base = pinned_pages();
		ops->map(ctx, buf, size);
		held = pinned_pages() - base;
		ops->unmap(ctx, buf, size);
		if (held != (int64_t)(size / 4096))
			FAIL("%s %zu: %lld pages pinned while mapped, "
			     "expected %zu", prefix, size, (long long)held,
			     size / 4096);
		n = bench_call_iters(o, size);
		samples_init(&lat, n);
		for (i = 0; i < o->warmup + n; i++) {
			t0 = now_ns();
			ops->map(ctx, buf, size);
			ops->unmap(ctx, buf, size);
			t1 = now_ns();
			if (i >= o->warmup)
				samples_add(&lat, t1 - t0);
		}
		left = pinned_pages() - base;
		if (left)
			FAIL("%s %zu: %lld pages still pinned after %u "
			     "unmaps", prefix, size, (long long)left,
			     o->warmup + n + 1);
		snprintf(name, sizeof(name), "%s %zu", prefix, size);
		snprintf(checks, sizeof(checks), "\"pairs\": %u, \"size\": "
			 "%zu, \"pinned_while_mapped\": %lld, "
			 "\"pinned_after\": %lld", o->warmup + n + 1, size,
			 (long long)held, (long long)left);
		json_record(out, name, "map", "ns", &lat, checks);
		samples_free(&lat);
	}
	free(buf);
}
