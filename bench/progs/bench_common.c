// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <ctype.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_common.h"
#include "libkp.h"

void bench_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void samples_init(struct samples *s, size_t cap)
{
	s->n = 0;
	s->cap = cap ? cap : 16;
	s->v = malloc(s->cap * sizeof(*s->v));
	if (!s->v)
		FAIL("out of memory");
}

void samples_add(struct samples *s, uint64_t v)
{
	if (s->n == s->cap) {
		s->cap *= 2;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			FAIL("out of memory");
	}
	s->v[s->n++] = v;
}

void samples_free(struct samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static const char *json_tag = "";

static unsigned int num_arg(const char *s, char opt)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > 100000000ul)
		FAIL("bad number for -%c: %s", opt, s);
	return (unsigned int)v;
}

void bench_parse(int argc, char **argv, struct bench_opts *o)
{
	int c;

	o->iters = 1000;
	o->warmup = 50;
	o->batch = 200;
	o->reps = 10;
	o->k = 8;
	o->bdf = NULL;
	o->out = "-";
	o->mode = "all";
	o->tag = "";
	o->cpu = 0;
	o->irq_cpu = -2;
	while ((c = getopt(argc, argv, "n:w:b:r:k:d:o:m:t:c:i:")) != -1) {
		switch (c) {
		case 'n': o->iters = num_arg(optarg, c); break;
		case 'w': o->warmup = num_arg(optarg, c); break;
		case 'b': o->batch = num_arg(optarg, c); break;
		case 'r': o->reps = num_arg(optarg, c); break;
		case 'k': o->k = num_arg(optarg, c); break;
		case 'd': o->bdf = optarg; break;
		case 'o': o->out = optarg; break;
		case 'm': o->mode = optarg; break;
		case 't': o->tag = optarg; break;
		case 'c': o->cpu = strcmp(optarg, "-1") ?
				   (int)num_arg(optarg, c) : -1; break;
		case 'i': o->irq_cpu = (int)num_arg(optarg, c); break;
		default:
			fprintf(stderr, "usage: %s [-n iters] [-w warmup] "
				"[-b batch] [-r reps] [-k k] [-d bdf] "
				"[-m mode] [-t tag] [-c cpu|-1] [-i irq_cpu] "
				"[-o out.json]\n", argv[0]);
			exit(2);
		}
	}
	json_tag = o->tag;
	if (o->irq_cpu == -2)
		o->irq_cpu = o->cpu;
	if (!o->iters || !o->batch || !o->reps)
		FAIL("-n, -b and -r must be > 0");
	if (o->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			FAIL("pinning to CPU %d: %s", o->cpu, strerror(errno));
	}
}

static int json_first;

FILE *json_begin(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;

	if (!f)
		FAIL("cannot write %s: %s", path, strerror(errno));
	fputs("{\"records\": [\n", f);
	json_first = 1;
	return f;
}

void json_record(FILE *f, const char *name, const char *kind,
		 const char *unit, const struct samples *s,
		 const char *checks)
{
	size_t i;

	fprintf(f, "%s{\"name\": \"%s%s\", \"kind\": \"%s\", \"unit\": \"%s\", "
		"\"checks\": {%s}, \"samples\": [", json_first ? "" : ",\n",
		name, json_tag, kind, unit, checks ? checks : "");
	for (i = 0; i < s->n; i++)
		fprintf(f, "%s%llu", i ? "," : "",
			(unsigned long long)s->v[i]);
	fputs("]}", f);
	json_first = 0;
}

void json_end(FILE *f)
{
	fputs("\n]}\n", f);
	if (ferror(f))
		FAIL("error writing the JSON output");
	if (f != stdout)
		fclose(f);
	else
		fflush(f);
}

int sysfs_read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	buf[n] = 0;
	return 0;
}

int device_irq(const char *bdf, int msi)
{
	char path[256];
	int irqs[1], n;

	/* libkp lists the MSI/MSI-X vectors if any, else the INTx line */
	n = kp_dev_irqs(bdf, irqs, 1);
	if (n < 0)
		FAIL("IRQs of %s: %s", bdf, strerror(-n));
	if (!n)
		FAIL("%s has no IRQ", bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs/%d",
		 bdf, irqs[0]);
	if ((access(path, F_OK) == 0) != !!msi)
		FAIL("IRQ %d of %s is %s, expected %s", irqs[0], bdf,
		     msi ? "INTx" : "MSI", msi ? "MSI" : "INTx");
	return irqs[0];
}

uint64_t proc_interrupts(int irq)
{
	uint64_t count;
	int err = kp_proc_interrupts(irq, &count);

	if (err)
		FAIL("irq %d in /proc/interrupts: %s", irq, strerror(-err));
	return count;
}

void pin_irq(const struct bench_opts *o, int irq)
{
	char path[64], buf[16];
	int fd, n;

	if (o->irq_cpu < 0)
		return;
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	n = snprintf(buf, sizeof(buf), "%d\n", o->irq_cpu);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, buf, n) != n)
		FAIL("routing irq %d to CPU %d: %s", irq, o->irq_cpu,
		     strerror(errno));
	close(fd);
}

volatile void *map_resource0(const char *bdf, size_t *len)
{
	char path[256];
	struct stat st;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0",
		 bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		FAIL("%s: %s", path, strerror(errno));
	if (fstat(fd, &st))
		FAIL("stat %s: %s", path, strerror(errno));
	p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		FAIL("mmap %s: %s", path, strerror(errno));
	close(fd);
	*len = st.st_size;
	return p;
}

int bench_want(const char *mode, const char *what)
{
	size_t n = strlen(what);
	const char *p = mode;

	if (!strcmp(mode, "all"))
		return 1;
	while (*p) {
		const char *end = strchrnul(p, ',');

		if ((size_t)(end - p) == n && !strncmp(p, what, n))
			return 1;
		p = *end ? end + 1 : end;
	}
	return 0;
}

const uint32_t bench_call_sizes[BENCH_NCALL_SIZES] = {
	4, 256, 4096, 65536, 1048576
};

unsigned int bench_call_iters(const struct bench_opts *o, uint32_t size)
{
	/* large copies take long under TCG: fewer calls, at least 200 */
	unsigned int div = size <= 256 ? 1 : size <= 4096 ? 2 :
			   size <= 65536 ? 8 : 64;
	unsigned int n = o->iters / div;

	return n < 200 ? 200 : n;
}
