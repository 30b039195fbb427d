/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The DMA benchmark loops, shared by bench_kp (kp's DMA buffers) and
 * bench_vfio (VFIO_IOMMU_MAP_DMA) so that both measure exactly the same
 * thing and differ only in how a buffer is given to edu, how ownership
 * moves between CPU and device, and how the completion interrupt is
 * waited for:
 *
 *  - a 4 KiB round trip through edu's DMA engine, RAM -> edu -> RAM,
 *    compared byte for byte (dma_rt_run);
 *  - the cost of making 4 KiB, 64 KiB and 1 MiB of user memory
 *    addressable by the device and undoing it again (dma_map_run).
 */
#ifndef BENCH_DMA_H
#define BENCH_DMA_H

#include "bench_common.h"

/* edu's DMA engine (QEMU hw/misc/edu.c): 64-bit registers in BAR0 */
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_CNT		0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_RAM		0x2	/* edu -> RAM; clear: RAM -> edu */
#define EDU_DMA_IRQ		0x4	/* raise EDU_IRQ_DMA when done */
#define EDU_IRQ_DMA		0x100	/* irq_status bit of "DMA done" */
#define EDU_DMA_WINDOW		0x40000	/* edu's 4 KiB buffer, device side */
#define EDU_DMA_LIMIT		(1ull << 28)	/* edu's DMA mask: 28 bits */

#define DMA_RT_SIZE		4096
/*
 * QEMU 7.2's edu takes no transfer that reaches the last byte of its
 * buffer (it stops the whole machine with hw_error): 4 KiB goes in two
 * 2 KiB halves, each to the start of edu's buffer and back, four
 * transfers per round trip, each with its completion interrupt.
 */
#define DMA_RT_XFERS		4

struct dma_rt;

struct dma_rt_ops {
	/*
	 * One completion interrupt: returns once it arrived, consumed exactly
	 * once and acknowledged (FAIL otherwise).
	 */
	void (*wait)(struct dma_rt *rt);
	/* ownership of src to the device, of dst to the CPU; may be NULL */
	void (*for_device)(struct dma_rt *rt);
	void (*for_cpu)(struct dma_rt *rt);
};

struct dma_rt {
	volatile void *bar;
	unsigned char *src, *dst;	/* DMA_RT_SIZE each, the CPU's view */
	uint64_t src_bus, dst_bus;	/* what edu is given: bus address/IOVA */
	const struct dma_rt_ops *ops;
	void *ctx;			/* the caller's */
};

/*
 * o->warmup + o->iters round trips; each sample (of the timed ones) goes
 * to @wall (guest CLOCK_MONOTONIC) and @cpu (CLOCK_THREAD_CPUTIME_ID) of
 * the same stretch: from handing the source to the device to the
 * destination handed back to the CPU.  A fresh pattern each round (edu's
 * buffer keeps the last one), the destination cleared first; a mismatch
 * FAILs.  Returns the transfers made (= completion interrupts expected).
 */
uint64_t dma_rt_run(struct dma_rt *rt, const struct bench_opts *o,
		    const char *name, struct samples *wall,
		    struct samples *cpu);

/* Makes @size bytes at @buf addressable by the device; undoes it. */
struct dma_map_ops {
	void (*map)(void *ctx, void *buf, size_t size);
	void (*unmap)(void *ctx, void *buf, size_t size);
};

#define DMA_MAP_NSIZES		3
extern const uint32_t dma_map_sizes[DMA_MAP_NSIZES];

/*
 * For each of dma_map_sizes: map + unmap pairs timed together, records
 * "<prefix> <size>" of kind "map".  The buffer is faulted in first (no
 * page fault is timed); one untimed pair checks that mapping pins
 * exactly the buffer's pages, and after the loop no page may stay pinned
 * (/proc/vmstat's FOLL_PIN counters).
 */
void dma_map_run(const struct dma_map_ops *ops, void *ctx,
		 const struct bench_opts *o, const char *prefix, FILE *out);

#endif
