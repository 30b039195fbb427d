/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the guest-side benchmark programs: a monotonic clock,
 * sample buffers written as JSON, the edu device's registers, and the
 * /proc/interrupts bookkeeping every interrupt loop checks itself with.
 *
 * Every program writes one JSON document: {"records": [ ... ]}, each record
 * {"name", "kind", "unit", "samples": [...], "checks": {...}}.  Any check
 * that fails ends the program with status 1 and a "FAIL:" line on stderr;
 * a figure is never written from a loop that did not verify itself.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* QEMU edu (1234:11e8), BAR0 */
#define EDU_REG_ID		0x00
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60
#define EDU_REG_IRQ_ACK		0x64
#define EDU_IRQ_BIT		0x1

#define PCI_CMD_OFF		0x04
#define PCI_CMD_MEM		0x0002
#define PCI_CMD_MASTER		0x0004
#define PCI_CMD_INTX_DISABLE	0x0400

#define FAIL(...) bench_fail(__FILE__, __LINE__, __VA_ARGS__)
void bench_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

/*
 * FAILs when a libkp call returned an error (@err < 0), with libkp's text
 * for @dev's last error (programs that use it include libkp.h).
 */
#define KP_CHECK_DEV(dev, err, what) do {				\
	int _e = (err);							\
	if (_e)								\
		FAIL("%s: %s (%s)", what, strerror(-_e),		\
		     (dev) ? kp_strerror(dev) : "");			\
} while (0)

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void reg_write(volatile void *bar, unsigned int off,
			     uint32_t val)
{
	*(volatile uint32_t *)((volatile char *)bar + off) = val;
}

/* edu's DMA registers are 64 bits wide (and take 8-byte accesses) */
static inline void reg_write64(volatile void *bar, unsigned int off,
			       uint64_t val)
{
	*(volatile uint64_t *)((volatile char *)bar + off) = val;
}

static inline uint32_t reg_read(volatile void *bar, unsigned int off)
{
	return *(volatile uint32_t *)((volatile char *)bar + off);
}

/* CPU time of the calling thread: user and kernel, not others' work */
static inline uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct samples {
	uint64_t *v;
	size_t n, cap;
};

void samples_init(struct samples *s, size_t cap);
void samples_add(struct samples *s, uint64_t v);
void samples_free(struct samples *s);

/*
 * Common command line: -n iters -w warmup -b batch -r reps -k k -d bdf
 * -m mode -t tag -c cpu -o out.json.  bench_parse() pins the process to
 * -c's CPU (default 0); each program pins its device IRQ there too, so the
 * interrupt, the kernel's wake-up and the waiter share one vCPU and no
 * figure depends on how fast the host schedules the other vCPU's thread.
 */
struct bench_opts {
	unsigned int iters;	/* timed latency iterations */
	unsigned int warmup;	/* untimed iterations first */
	unsigned int batch;	/* iterations per throughput batch */
	unsigned int reps;	/* throughput batches */
	unsigned int k;		/* notify-every-k (bench_kp) */
	const char *bdf;	/* PCI address of edu */
	const char *out;	/* JSON output file ("-" = stdout) */
	const char *mode;	/* "msi", "intx", "all", ... per program */
	const char *tag;	/* suffix for record names ("" or "+kpstat") */
	int cpu;		/* -c: pin self to this CPU (-1: no pinning) */
	int irq_cpu;		/* -i: route the device's IRQ here (-c's) */
};
void bench_parse(int argc, char **argv, struct bench_opts *o);

/* @what is one of the comma-separated words of @mode (or @mode is "all") */
int bench_want(const char *mode, const char *what);

/* KP_Call data sizes, the same for KP_Call and kp_null's copying ioctl */
#define BENCH_NCALL_SIZES	5
extern const uint32_t bench_call_sizes[BENCH_NCALL_SIZES];
/* timed calls of @size bytes (o->iters scaled down for large sizes) */
unsigned int bench_call_iters(const struct bench_opts *o, uint32_t size);

/* JSON output: begin, records, end. */
FILE *json_begin(const char *path);
/* checks: a preformatted JSON object body ("\"a\": 1, \"b\": 2") or NULL */
void json_record(FILE *f, const char *name, const char *kind,
		 const char *unit, const struct samples *s,
		 const char *checks);
void json_end(FILE *f);

/* sysfs helpers */
int sysfs_read_str(const char *path, char *buf, size_t len);
/* Linux IRQ number of the device's first MSI vector or its INTx line. */
int device_irq(const char *bdf, int msi);
/* Sum over CPUs of the /proc/interrupts line of @irq (FAIL if missing). */
uint64_t proc_interrupts(int irq);
/* Routes @irq to o->irq_cpu (/proc/irq/N/smp_affinity_list), if >= 0. */
void pin_irq(const struct bench_opts *o, int irq);
/* mmap()s BAR0 of @bdf through sysfs resource0 (size in *len). */
volatile void *map_resource0(const char *bdf, size_t *len);

#endif
