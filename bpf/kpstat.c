// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kpstat - interrupt, DPC and KP_SPINLOCK statistics of kp_runtime devices
 * from the runtime's kp:* tracepoints, or (--all-irqs) per-IRQ statistics of
 * any machine from irq:irq_handler_entry/exit.  libbpf + CO-RE.
 *
 * The BPF maps are cumulative.  Every report is the difference of two
 * snapshots; a snapshot reads /proc/interrupts around the maps so kpstat can
 * print, per IRQ, the /proc/interrupts delta of exactly its own window.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kpstat.h"
#include "kpdev.h"
#include "ksyms.h"
#include "tpfmt.h"

#define SNAP_ATTEMPTS 8

static struct kps_env env = {
	.us = true,
	.dev_minor = -1,
	.irq = -1,
};

static const char *outfile;
static double interval, duration;
static long count = -1;
static bool do_pin, do_unpin, summary, want_hist;
static volatile sig_atomic_t exiting;

static const struct kps_collector *colls[4];
static int ncolls;

static const char usage_text[] =
"Usage: kpstat [OPTIONS] [INTERVAL [COUNT]]\n"
"\n"
"Interrupt, DPC and KP_SPINLOCK statistics of kp_runtime devices, from the\n"
"runtime's kp:* tracepoints; or, with --all-irqs, per-IRQ handler counts and\n"
"times on any Linux machine (irq:irq_handler_entry/exit, no runtime needed).\n"
"\n"
"Without INTERVAL kpstat runs until Ctrl-C/SIGTERM (or --duration) and then\n"
"prints the totals.  With INTERVAL it prints a report every INTERVAL seconds,\n"
"COUNT times (default: until stopped), then the totals.\n"
"\n"
"Options:\n"
"  -d, --device NAME     only this kp device (kp_edu0: see /sys/class/kp)\n"
"  -a, --all-irqs        generic mode: every IRQ of the machine\n"
"  -i, --irq N           with --all-irqs: only IRQ N\n"
"  -C, --per-cpu         interrupt counts per CPU\n"
"  -N, --nsec            histograms in nanoseconds (default: microseconds)\n"
"  -H, --hist            with --all-irqs: handler-time histograms too\n"
"  -s, --summary         tables only (no histograms)\n"
"  -D, --duration SEC    stop after SEC seconds and print the totals\n"
"  -j, --json            one JSON object per line and report; the last\n"
"                        line (\"kind\":\"total\") holds the totals\n"
"  -p, --prometheus      Prometheus text format (cumulative counters)\n"
"  -o, --output FILE     with --prometheus: rewrite FILE atomically at\n"
"                        every report (node_exporter textfile collector)\n"
"      --pin             pin programs, links and maps under " KPS_PIN_DIR "\n"
"                        and exit; the programs keep counting\n"
"      --unpin           remove " KPS_PIN_DIR " (detaches the programs)\n"
"  -v, --verbose         libbpf debug messages\n"
"  -h, --help            this help\n"
"\n"
"Histograms are log2; p50/p99 are upper bounds of the log2 bucket that\n"
"holds the percentile (capped at the exact maximum).\n"
"\n"
"Examples:\n"
"  kpstat                          # all kp devices until Ctrl-C, then totals\n"
"  kpstat -d kp_edu0 1 5           # kp_edu0: five 1 s reports, then totals\n"
"  kpstat -d kp_edu0 --duration 10 --json\n"
"  kpstat -C -s 2                  # per-CPU interrupt counts every 2 s\n"
"  kpstat --all-irqs 1 3           # any machine: every IRQ, 3 reports\n"
"  kpstat --all-irqs -H -N -i 36 --duration 5\n"
"  kpstat -p -o /var/lib/prometheus/node-exporter/kpstat.prom 15\n"
"  kpstat --pin && bpftool map dump pinned " KPS_PIN_DIR "/kpdpc_stats\n"
"  kpstat --unpin\n"
"\n"
"Exit status: 0 success, 1 error, 2 usage error.\n";

enum { OPT_PIN = 256, OPT_UNPIN };

static const struct option long_opts[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "all-irqs", no_argument, NULL, 'a' },
	{ "irq", required_argument, NULL, 'i' },
	{ "per-cpu", no_argument, NULL, 'C' },
	{ "nsec", no_argument, NULL, 'N' },
	{ "hist", no_argument, NULL, 'H' },
	{ "summary", no_argument, NULL, 's' },
	{ "duration", required_argument, NULL, 'D' },
	{ "json", no_argument, NULL, 'j' },
	{ "prometheus", no_argument, NULL, 'p' },
	{ "output", required_argument, NULL, 'o' },
	{ "pin", no_argument, NULL, OPT_PIN },
	{ "unpin", no_argument, NULL, OPT_UNPIN },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static void __attribute__((noreturn)) usage_error(const char *fmt,
						     const char *arg)
{
	fprintf(stderr, "kpstat: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n\n%s", usage_text);
	exit(2);
}

static double parse_secs(const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 1e7)
		usage_error(what, s);
	return v;
}

static void parse_args(int argc, char **argv)
{
	int opt, pos = 0;
	char *end;
	long v;

	while ((opt = getopt_long(argc, argv, "d:ai:CNHsD:jpo:vh", long_opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'd':
			env.dev_name = optarg;
			break;
		case 'a':
			env.all_irqs = true;
			break;
		case 'i':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 0 ||
			    v > 0x7fffffff)
				usage_error("invalid IRQ number '%s'", optarg);
			env.irq = v;
			break;
		case 'C':
			env.percpu = true;
			break;
		case 'N':
			env.us = false;
			break;
		case 'H':
			want_hist = true;
			break;
		case 's':
			summary = true;
			break;
		case 'D':
			duration = parse_secs(optarg, "invalid duration '%s'");
			break;
		case 'j':
			env.fmt = FMT_JSON;
			break;
		case 'p':
			env.fmt = FMT_PROM;
			break;
		case 'o':
			outfile = optarg;
			break;
		case OPT_PIN:
			do_pin = true;
			break;
		case OPT_UNPIN:
			do_unpin = true;
			break;
		case 'v':
			env.verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fprintf(stderr, "\n%s", usage_text);
			exit(2);
		}
	}
	for (; optind < argc; optind++, pos++) {
		if (pos == 0) {
			interval = parse_secs(argv[optind],
					      "invalid interval '%s'");
		} else if (pos == 1) {
			errno = 0;
			count = strtol(argv[optind], &end, 10);
			if (errno || end == argv[optind] || *end || count <= 0)
				usage_error("invalid count '%s'", argv[optind]);
		} else {
			usage_error("unexpected argument '%s'", argv[optind]);
		}
	}
	if (env.all_irqs && env.dev_name)
		usage_error("%s", "-d/--device needs kp mode, not --all-irqs");
	if (env.irq >= 0 && !env.all_irqs)
		usage_error("%s", "-i/--irq needs --all-irqs");
	if (outfile && env.fmt != FMT_PROM)
		usage_error("%s", "-o/--output needs --prometheus");
	if (do_pin && do_unpin)
		usage_error("%s", "--pin and --unpin exclude each other");
	if ((do_pin || do_unpin) && (interval || duration))
		usage_error("%s", "--pin/--unpin take no INTERVAL or duration");
	/* histograms: kp mode unless -s, --all-irqs only with -H */
	env.hist = env.all_irqs ? want_hist : !summary;
	if (summary)
		env.hist = false;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (level == LIBBPF_DEBUG && !env.verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void on_signal(int sig)
{
	exiting = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- snapshots ------------------------------------------------------ */

static unsigned long long bpf_irq_count(const struct kps_snap *s, int irq)
{
	return env.all_irqs ? allirqs_irq_count(&s->tab[T_ALL], irq) :
			      kpirq_irq_count(&s->tab[T_IRQ], irq);
}

struct irqset {
	int n, cap;
	int *v;
};

static void irqset_add(int irq, void *arg)
{
	struct irqset *s = arg;
	int *nv;

	for (int i = 0; i < s->n; i++)
		if (s->v[i] == irq)
			return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		nv = realloc(s->v, s->cap * sizeof(*nv));
		if (!nv)
			return;
		s->v = nv;
	}
	s->v[s->n++] = irq;
}

/* The IRQs whose counts must be consistent with /proc/interrupts. */
static void tracked_irqs(const struct kps_snap *s, struct irqset *set)
{
	if (env.all_irqs) {
		for (int i = 0; i < s->proc.n; i++)
			if (env.irq < 0 || s->proc.v[i].irq == env.irq)
				irqset_add(s->proc.v[i].irq, set);
		return;
	}
	kpdev_for_each_irq(irqset_add, set);
	for (size_t i = 0; i < s->tab[T_IRQ].n; i++)
		irqset_add(((const __u32 *)kps_table_key(&s->tab[T_IRQ], i))[2],
			   set);
}

static void snap_free(struct kps_snap *s)
{
	for (int i = 0; i < T_MAX; i++)
		kps_table_free(&s->tab[i]);
	procirq_free(&s->proc);
	free(s->stable);
	memset(s, 0, sizeof(*s));
}

static int read_maps(struct kps_snap *s)
{
	for (int i = 0; i < ncolls; i++) {
		int err = colls[i]->snap(s);

		if (err) {
			fprintf(stderr, "kpstat: reading %s maps: %s\n",
				colls[i]->name, strerror(-err));
			return err;
		}
	}
	return 0;
}

/*
 * /proc/interrupts (P1), maps (M1), 1 ms, maps (M2), /proc/interrupts (P2).
 * An IRQ is "stable" when P1 == P2 and M1 == M2 for it: no interrupt was in
 * flight, so M2 and P2 count the same interrupts.  Up to SNAP_ATTEMPTS
 * tries; the one with the most stable IRQs wins.
 */
static int take_snapshot(struct kps_snap *out, __u64 epoch)
{
	struct kps_snap best = {}, a, m1;
	struct procirq p1;
	bool have_best = false;
	int err = 0;

	for (int att = 0; att < SNAP_ATTEMPTS && !err; att++) {
		struct irqset set = {};
		bool done;

		memset(&a, 0, sizeof(a));
		memset(&m1, 0, sizeof(m1));
		err = procirq_read(&p1, env.ncpus);
		if (err)
			break;
		err = read_maps(&m1);
		if (!err) {
			usleep(1000);
			err = read_maps(&a);
		}
		if (!err)
			err = procirq_read(&a.proc, env.ncpus);
		if (err) {
			procirq_free(&p1);
			snap_free(&m1);
			snap_free(&a);
			break;
		}
		tracked_irqs(&a, &set);
		a.stable = calloc(set.n + 1, sizeof(int));
		for (int i = 0; a.stable && i < set.n; i++) {
			const struct procirq_ent *x = procirq_find(&p1, set.v[i]);
			const struct procirq_ent *y = procirq_find(&a.proc,
								   set.v[i]);

			if ((x ? x->total : 0) == (y ? y->total : 0) &&
			    bpf_irq_count(&m1, set.v[i]) ==
			    bpf_irq_count(&a, set.v[i]))
				a.stable[a.nstable++] = set.v[i];
		}
		done = a.nstable == set.n;
		free(set.v);
		procirq_free(&p1);
		snap_free(&m1);
		if (!have_best || a.nstable > best.nstable) {
			if (have_best)
				snap_free(&best);
			best = a;
			have_best = true;
		} else {
			snap_free(&a);
		}
		if (done)
			break;
	}
	if (err) {
		if (have_best)
			snap_free(&best);
		return err;
	}
	best.t = now();
	best.epoch = epoch;
	*out = best;
	return 0;
}

bool kps_snap_stable(const struct kps_snap *s, int irq)
{
	for (int i = 0; i < s->nstable; i++)
		if (s->stable[i] == irq)
			return true;
	return false;
}

long long kps_proc_delta(const struct kps_report *r, int irq, int cpu)
{
	const struct procirq_ent *c = procirq_find(&r->cur->proc, irq);
	const struct procirq_ent *b = procirq_find(&r->base->proc, irq);

	if (!c)
		return -1;
	if (cpu >= 0)
		return (long long)(c->cpu[cpu] - (b ? b->cpu[cpu] : 0));
	return (long long)(c->total - (b ? b->total : 0));
}

bool kps_proc_exact(const struct kps_report *r, int irq)
{
	return kps_snap_stable(r->cur, irq) && kps_snap_stable(r->base, irq);
}

/* ---- reports -------------------------------------------------------- */

static void wallclock(char *buf, int len, const char *fmt)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, fmt, &tm);
}

/* Runs the kernel skipped because the program was already running there. */
static unsigned long long bpf_misses(void)
{
	unsigned long long n = 0;

	for (int i = 0; i < ncolls; i++) {
		struct bpf_object_skeleton *s = colls[i]->skeleton();

		for (int j = 0; j < s->prog_cnt; j++) {
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);
			int fd = bpf_program__fd(*s->progs[j].prog);

			if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
				n += info.recursion_misses;
		}
	}
	return n;
}

static unsigned long long bpf_errors(void)
{
	unsigned long long n = 0;

	for (int i = 0; i < ncolls; i++)
		n += colls[i]->errors();
	return n;
}

static void emit_to(FILE *out, const struct kps_snap *base,
		    const struct kps_snap *cur, bool total)
{
	struct kps_report r = {
		.env = &env, .cur = cur, .base = base, .total = total,
		.epoch = total ? 0 : cur->epoch, .secs = cur->t - base->t,
		.out = out,
	};
	struct jw jw;
	char ts[64];

	switch (env.fmt) {
	case FMT_TEXT:
		wallclock(ts, sizeof(ts), "%H:%M:%S");
		if (total)
			fprintf(out, "%s Totals over %.3f s%s\n", ts, r.secs,
				env.dev_name ? "" : "");
		else
			fprintf(out, "%s Interval of %.3f s\n", ts, r.secs);
		break;
	case FMT_JSON:
		r.jw = &jw;
		jw_start(&jw, out);
		jw_obj(&jw, NULL);
		jw_str(&jw, "kind", total ? "total" : "interval");
		jw_str(&jw, "mode", env.all_irqs ? "all-irqs" : "kp");
		wallclock(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S%z");
		jw_str(&jw, "time", ts);
		jw_dbl(&jw, "seconds", r.secs);
		jw_str(&jw, "unit", kps_unit(env.us));
		if (env.dev_name)
			jw_str(&jw, "device", env.dev_name);
		jw_u64(&jw, "bpf_misses", bpf_misses());
		jw_u64(&jw, "bpf_errors", bpf_errors());
		break;
	case FMT_PROM:
		fprintf(out, "# kpstat %s: totals over %.3f s\n",
			env.all_irqs ? "--all-irqs" : "kp mode", r.secs);
		prom_help(out, "kpstat_window_seconds", "gauge",
			  "Time covered by these counters");
		fprintf(out, "kpstat_window_seconds %.3f\n", r.secs);
		break;
	}
	for (int i = 0; i < ncolls; i++)
		colls[i]->report(&r);
	if (env.fmt == FMT_JSON) {
		jw_obj_end(&jw);
		jw_end(&jw);
	}
	fflush(out);
}

static int emit(const struct kps_snap *base, const struct kps_snap *cur,
		bool total)
{
	char tmp[4096];
	FILE *f;

	if (!outfile) {
		emit_to(stdout, base, cur, total);
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", outfile, (int)getpid());
	f = fopen(tmp, "we");
	if (!f) {
		fprintf(stderr, "kpstat: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	emit_to(f, base, cur, total);
	if (fclose(f) || rename(tmp, outfile)) {
		fprintf(stderr, "kpstat: writing %s: %s\n", outfile,
			strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- setup ---------------------------------------------------------- */

static int check_system(void)
{
	char err[512];
	const char *tfs;
	int r;

	if (geteuid() != 0) {
		fprintf(stderr, "kpstat: must be run as root (loads BPF "
			"programs: needs CAP_BPF, CAP_PERFMON and tracefs)\n");
		return -1;
	}
	/* both modes use raw tracepoint programs only */
	r = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL);
	if (r <= 0) {
		fprintf(stderr, "kpstat: BPF is not available on this kernel "
			"(raw tracepoint programs: %s)\n",
			r < 0 ? strerror(-r) : "not supported");
		return -1;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr, "kpstat: BPF CO-RE needs kernel BTF: "
			"/sys/kernel/btf/vmlinux is missing "
			"(CONFIG_DEBUG_INFO_BTF=y)\n");
		return -1;
	}
	if (env.all_irqs)
		return 0;
	tfs = tpfmt_tracefs();
	if (!tfs) {
		fprintf(stderr, "kpstat: tracefs is not mounted and cannot be "
			"mounted on /sys/kernel/tracing\n");
		return -1;
	}
	if (!tpfmt_have_event("kp", "kp_irq_entry")) {
		fprintf(stderr, "kpstat: kp_runtime not loaded (no %s/events/"
			"kp); use --all-irqs\n", tfs);
		return -1;
	}
	if (tpfmt_check_kp(&env.have_sched, err, sizeof(err))) {
		fprintf(stderr, "kpstat: %s\n", err);
		return -1;
	}
	kpdev_scan();
	if (env.dev_name) {
		const struct kpdev *d = kpdev_by_name(env.dev_name);

		if (!d) {
			fprintf(stderr, "kpstat: no kp device '%s' (see "
				"/sys/class/kp)\n", env.dev_name);
			return -1;
		}
		env.dev_minor = d->minor;
	}
	return 0;
}

static int setup_collectors(void)
{
	if (env.all_irqs) {
		colls[ncolls++] = &allirqs_collector;
	} else {
		colls[ncolls++] = &kpirq_collector;
		colls[ncolls++] = &kpdpc_collector;
		colls[ncolls++] = &kplock_collector;
	}
	for (int i = 0; i < ncolls; i++) {
		int err = colls[i]->open(&env);

		if (err) {
			fprintf(stderr, "kpstat: loading the %s BPF program "
				"failed: %s\n", colls[i]->name, strerror(-err));
			return -1;
		}
	}
	for (int i = 0; i < ncolls; i++) {
		int err = colls[i]->attach();

		if (err) {
			fprintf(stderr, "kpstat: attaching the %s BPF program "
				"failed: %s\n", colls[i]->name, strerror(-err));
			return -1;
		}
	}
	return 0;
}

static void destroy_collectors(void)
{
	for (int i = 0; i < ncolls; i++)
		colls[i]->destroy();
	ksyms_free();
}

static void set_epoch(__u64 epoch)
{
	for (int i = 0; i < ncolls; i++)
		colls[i]->set_epoch(epoch);
}

/* Sleeps until @deadline (monotonic seconds) or a signal. */
static void sleep_until(double deadline)
{
	while (!exiting) {
		double left = deadline - now();
		struct timespec ts;

		if (left <= 0)
			return;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);	/* EINTR on a signal */
	}
}

int main(int argc, char **argv)
{
	struct kps_snap first = {}, last = {};
	struct sigaction sa = { .sa_handler = on_signal };
	const struct kps_snap *prev = &first;
	double end = 0, next;
	__u64 epoch = 0;
	int ret = 1;
	long n = 0;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (do_unpin) {
		if (geteuid() != 0) {
			fprintf(stderr, "kpstat: must be run as root\n");
			return 1;
		}
		return kps_unpin() ? 1 : 0;
	}
	libbpf_set_print(libbpf_print);
	if (check_system())
		return 1;
	env.ncpus = libbpf_num_possible_cpus();
	if (env.ncpus <= 0) {
		fprintf(stderr, "kpstat: cannot count CPUs\n");
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (setup_collectors())
		goto out;
	if (do_pin) {
		ret = kps_pin(colls, ncolls) ? 1 : 0;
		goto out;
	}
	/* the maps were written under epoch 0 so far; start epoch 1 */
	if (take_snapshot(&first, epoch))
		goto out;
	set_epoch(++epoch);
	if (env.fmt == FMT_TEXT)
		fprintf(stderr, "Tracing %s... Hit Ctrl-C to end.\n",
			env.all_irqs ? "hard IRQs (--all-irqs)" :
			"kp_runtime interrupts, DPCs and KP_SPINLOCKs");
	if (duration)
		end = first.t + duration;
	next = first.t;
	while (!exiting) {
		struct kps_snap cur;
		bool stop;

		next = interval ? next + interval : (end ? end : next + 3600);
		if (end && next > end)
			next = end;
		sleep_until(next);
		stop = exiting || (end && now() >= end) ||
		       (count > 0 && n + 1 >= count);
		if (!interval && !stop)
			continue;
		if (take_snapshot(&cur, epoch))
			goto out_snaps;
		set_epoch(++epoch);
		/* a report for every full interval; Ctrl-C goes to totals */
		if (interval && !exiting) {
			if (emit(prev, &cur, false)) {
				snap_free(&cur);
				goto out_snaps;
			}
			n++;
		}
		snap_free(&last);
		last = cur;
		prev = &last;
		if (stop)
			break;
	}
	if (prev == &first) {
		/* stopped before any snapshot after the first one */
		if (take_snapshot(&last, epoch))
			goto out_snaps;
		prev = &last;
	}
	ret = emit(&first, &last, true) ? 1 : 0;
out_snaps:
	snap_free(&last);
	snap_free(&first);
out:
	destroy_collectors();
	return ret;
}
