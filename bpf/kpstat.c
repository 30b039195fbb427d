// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kpstat - interrupt, DPC and KP_SPINLOCK statistics of kp_runtime devices
 * from the runtime's kp:* tracepoints, or (--all-irqs) per-IRQ statistics of
 * any machine from irq:irq_handler_entry/exit.  libbpf + CO-RE.
 *
 * This file: the command line, the collectors of the mode, the main loop
 * and the frame of every report.  Snapshots are snap.c, the tables
 * report.c, each BPF object its collector (kpbatch.c, kplock.c,
 * allirqs.c; kpsysfs.c reads the runtime's counters).
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "collector.h"
#include "json.h"
#include "kpdev.h"
#include "ksyms.h"
#include "pin.h"
#include "report.h"
#include "sample.h"
#include "snap.h"
#include "tpfmt.h"

#define KPS_MAX_SAMPLE (1U << 20)

static struct kps_env env = {
	.us = true,
	.dev_minor = -1,
	.irq = -1,
	.sample = 1,
};

static const char *outfile;
static double interval, duration;
static long count = -1;
static unsigned int want_sample;	/* --sample N, 0: not given */
static bool do_pin, do_unpin, summary, want_hist;
static volatile sig_atomic_t exiting;

static struct kps_collector *kp_colls[] = {
	/* sysfs first: a snapshot reads it before the maps (kpsysfs.c) */
	&kpsysfs_collector, &kpbatch_collector, &kplock_collector,
};
static struct kps_collector *all_colls[] = { &allirqs_collector };
static struct kps_collector **colls;
static int ncolls;


static const char doc[] =
"Interrupt, DPC and KP_SPINLOCK statistics of kp_runtime devices, from the\n"
"runtime's kp:* tracepoints; or, with --all-irqs, per-IRQ handler counts and\n"
"times on any Linux machine (irq:irq_handler_entry/exit, no runtime needed).\n"
"\n"
"Without INTERVAL kpstat runs until Ctrl-C/SIGTERM (or --duration) and then\n"
"prints the totals.  With INTERVAL it prints a report every INTERVAL seconds,\n"
"COUNT times (default: until stopped), then the totals.\n"
"\v"
"Histograms are log2; p50/p99 are upper bounds of the log2 bucket that\n"
"holds the percentile (capped at the exact maximum).  With --sample the\n"
"counts are the runtime's (/sys/class/kp) and the histograms hold the\n"
"sampled interrupt batches.\n"
"\n"
"Examples:\n"
"  kpstat                          # all kp devices until Ctrl-C, then totals\n"
"  kpstat -d kp_edu0 1 5           # kp_edu0: five 1 s reports, then totals\n"
"  kpstat -d kp_edu0 --duration 10 --json\n"
"  kpstat --sample 64 -d kp_edu0 10   # low overhead: 1 batch in 64 timed\n"
"  kpstat -C -s 2                  # per-CPU interrupt counts every 2 s\n"
"  kpstat --all-irqs 1 3           # any machine: every IRQ, 3 reports\n"
"  kpstat --all-irqs -H -N -i 36 --duration 5\n"
"  kpstat -p -o /var/lib/prometheus/node-exporter/kpstat.prom 15\n"
"  kpstat --pin && bpftool map dump pinned " KPS_PIN_DIR "/kpb_slots\n"
"  kpstat --unpin\n"
"\n"
"Exit status: 0 success, 1 error, 2 usage error.";

enum { OPT_PIN = 256, OPT_UNPIN, OPT_SAMPLE, OPT_ADDRESSES };

static const struct argp_option opts[] = {
	{ "device", 'd', "NAME", 0,
	  "Only this kp device (kp_edu0: see /sys/class/kp)", 0 },
	{ "all-irqs", 'a', NULL, 0, "Generic mode: every IRQ of the machine",
	  0 },
	{ "irq", 'i', "N", 0, "With --all-irqs: only IRQ N", 0 },
	{ "per-cpu", 'C', NULL, 0, "Interrupt counts per CPU", 0 },
	{ "nsec", 'N', NULL, 0,
	  "Histograms in nanoseconds (default: microseconds)", 0 },
	{ "hist", 'H', NULL, 0, "With --all-irqs: handler-time histograms too",
	  0 },
	{ "summary", 's', NULL, 0, "Tables only (no histograms)", 0 },
	{ "duration", 'D', "SEC", 0,
	  "Stop after SEC seconds and print the totals", 0 },
	{ "sample", OPT_SAMPLE, "N", 0,
	  "kp mode: the runtime traces one interrupt batch in N (a power of "
	  "2; 1: all); counts come from its sysfs counters", 0 },
	{ "json", 'j', NULL, 0, "One JSON object per line and report; the "
	  "last line (\"kind\":\"total\") holds the totals", 0 },
	{ "prometheus", 'p', NULL, 0,
	  "Prometheus text format (cumulative counters)", 0 },
	{ "output", 'o', "FILE", 0, "With --prometheus: rewrite FILE "
	  "atomically at every report (node_exporter textfile collector)", 0 },
	{ "pin", OPT_PIN, NULL, 0, "Pin programs, links and maps under "
	  KPS_PIN_DIR " and exit; the programs keep counting", 0 },
	{ "unpin", OPT_UNPIN, NULL, 0,
	  "Remove " KPS_PIN_DIR " (detaches the programs)", 0 },
	{ "show-addresses", OPT_ADDRESSES, NULL, 0, "Print kernel addresses "
	  "(call sites that do not resolve to a symbol; default: unknown#N)",
	  0 },
	{ "verbose", 'v', NULL, 0, "libbpf debug messages", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show this help", 0 },
	{ 0 }
};

static double parse_secs(struct argp_state *st, const char *s,
			 const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 1e7)
		argp_error(st, "invalid %s '%s'", what, s);
	return v;
}

static long parse_long(struct argp_state *st, const char *s, long min,
		       long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		argp_error(st, "invalid %s '%s'", what, s);
	return v;
}

static void check_args(struct argp_state *st)
{
	if (env.all_irqs && env.dev_name)
		argp_error(st, "-d/--device needs kp mode, not --all-irqs");
	if (env.all_irqs && want_sample)
		argp_error(st, "--sample needs kp mode, not --all-irqs");
	if (env.irq >= 0 && !env.all_irqs)
		argp_error(st, "-i/--irq needs --all-irqs");
	if (outfile && env.fmt != FMT_PROM)
		argp_error(st, "-o/--output needs --prometheus");
	if (do_pin && do_unpin)
		argp_error(st, "--pin and --unpin exclude each other");
	if ((do_pin || do_unpin) && (interval || duration))
		argp_error(st, "--pin/--unpin take no INTERVAL or duration");
	/* histograms: kp mode unless -s, --all-irqs only with -H */
	env.hist = !summary && (env.all_irqs ? want_hist : true);
}

static error_t parse_arg(int key, char *arg, struct argp_state *st)
{
	switch (key) {
	case 'd':
		env.dev_name = arg;
		break;
	case 'a':
		env.all_irqs = true;
		break;
	case 'i':
		env.irq = parse_long(st, arg, 0, 0x7fffffff, "IRQ number");
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
		duration = parse_secs(st, arg, "duration");
		break;
	case OPT_SAMPLE:
		want_sample = parse_long(st, arg, 1, KPS_MAX_SAMPLE,
					 "sample ratio");
		if (want_sample & (want_sample - 1))
			argp_error(st, "--sample %s: not a power of 2", arg);
		break;
	case 'j':
		env.fmt = FMT_JSON;
		break;
	case 'p':
		env.fmt = FMT_PROM;
		break;
	case 'o':
		outfile = arg;
		break;
	case OPT_PIN:
		do_pin = true;
		break;
	case OPT_UNPIN:
		do_unpin = true;
		break;
	case OPT_ADDRESSES:
		env.show_addresses = true;
		break;
	case 'v':
		env.verbose = true;
		break;
	case 'h':
		argp_state_help(st, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		if (st->arg_num == 0)
			interval = parse_secs(st, arg, "interval");
		else if (st->arg_num == 1)
			count = parse_long(st, arg, 1, 0x7fffffff, "count");
		else
			argp_error(st, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		check_args(st);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
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

/* ---- reports -------------------------------------------------------- */

static void wallclock(char *buf, int len, const char *fmt)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, fmt, &tm);
}

static void frame(const struct kps_report *r, struct jw *jw)
{
	FILE *out = r->out;
	char ts[64];

	switch (env.fmt) {
	case FMT_TEXT:
		wallclock(ts, sizeof(ts), "%H:%M:%S");
		fprintf(out, "%s %s %.3f s\n", ts,
			r->total ? "Totals over" : "Interval of", r->secs);
		if (kps_sampled(&env))
			fprintf(out, "(1 in %u interrupt batches traced: counts "
				"from /sys/class/kp, times from the samples)\n",
				env.sample);
		break;
	case FMT_JSON:
		jw_start(jw, out);
		jw_obj(jw, NULL);
		jw_str(jw, "kind", r->total ? "total" : "interval");
		jw_str(jw, "mode", env.all_irqs ? "all-irqs" : "kp");
		wallclock(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S%z");
		jw_str(jw, "time", ts);
		jw_dbl(jw, "seconds", r->secs);
		jw_str(jw, "unit", kps_unit(env.us));
		if (!env.all_irqs)
			jw_u64(jw, "sample", env.sample);
		if (env.dev_name)
			jw_str(jw, "device", env.dev_name);
		jw_u64(jw, "bpf_misses", kps_collectors_misses(colls, ncolls));
		jw_u64(jw, "bpf_errors", kps_collectors_errors(colls, ncolls));
		break;
	case FMT_PROM:
		fprintf(out, "# kpstat %s: totals over %.3f s\n",
			env.all_irqs ? "--all-irqs" : "kp mode", r->secs);
		prom_help(out, "kpstat_window_seconds", "gauge",
			  "Time covered by these counters");
		fprintf(out, "kpstat_window_seconds %.3f\n", r->secs);
		if (!env.all_irqs) {
			prom_help(out, "kpstat_kp_trace_sample", "gauge",
				  "kp:kp_irq_batch fires for one batch in N");
			fprintf(out, "kpstat_kp_trace_sample %u\n", env.sample);
		}
		break;
	}
}

static int emit_to(FILE *out, const struct kps_snap *base,
		   const struct kps_snap *cur, bool total)
{
	struct jw jw;
	struct kps_report r = {
		.env = &env, .cur = cur, .base = base, .total = total,
		.epoch = total ? 0 : cur->epoch, .secs = cur->t - base->t,
		.out = out, .jw = &jw,
	};
	bool hists = false;
	int err = 0;

	frame(&r, &jw);
	for (int i = 0; i < ncolls && !err; i++)
		for (int v = 0; v < colls[i]->nviews && !err; v++) {
			const struct kps_view *view = &colls[i]->views[v];
			struct kps_rowset rs;

			kps_rowset_init(&rs, view->rowsz);
			err = kps_collector_rows(colls[i], &r, v, &rs);
			if (!err)
				hists |= kps_view_write(&r, view, &rs);
			kps_rowset_free(&rs);
		}
	if (err) {
		fprintf(stderr, "kpstat: report: %s\n", strerror(-err));
		return -1;
	}
	if (hists)
		fprintf(out, "(p50/p99: upper bound of the log2 bucket holding "
			"the percentile)\n\n");
	if (env.fmt == FMT_JSON) {
		jw_obj_end(&jw);
		jw_end(&jw);
	}
	return fflush(out) ? -1 : 0;
}

/*
 * -o FILE: a new file in FILE's directory (mkstemp: O_EXCL, a name nobody
 * can guess or plant a link at), renamed over FILE, so a reader sees the
 * old report or the new one.  The dot hides it from node_exporter.
 */
static int emit_file(const struct kps_snap *base, const struct kps_snap *cur,
		     bool total)
{
	char dirbuf[4096], basebuf[4096], tmp[8200];
	FILE *f;
	int fd;

	snprintf(dirbuf, sizeof(dirbuf), "%s", outfile);
	snprintf(basebuf, sizeof(basebuf), "%s", outfile);
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dirname(dirbuf),
		 basename(basebuf));
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kpstat: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	f = fdopen(fd, "w");
	if (!f || fchmod(fd, 0644)) {
		fprintf(stderr, "kpstat: %s: %s\n", tmp, strerror(errno));
		if (f)
			fclose(f);
		else
			close(fd);
		unlink(tmp);
		return -1;
	}
	if (emit_to(f, base, cur, total) || fsync(fd) || fclose(f) ||
	    rename(tmp, outfile)) {
		fprintf(stderr, "kpstat: writing %s: %s\n", outfile,
			strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int emit(const struct kps_snap *base, const struct kps_snap *cur,
		bool total)
{
	if (outfile)
		return emit_file(base, cur, total);
	return emit_to(stdout, base, cur, total);
}

/* ---- setup ---------------------------------------------------------- */

static int check_kp_runtime(void)
{
	char err[512];
	const char *tfs = tpfmt_tracefs();

	if (!tfs) {
		fprintf(stderr, "kpstat: tracefs is not mounted and cannot be "
			"mounted on /sys/kernel/tracing\n");
		return -1;
	}
	if (!tpfmt_have_event("kp", "kp_irq_batch") &&
	    access("/sys/module/kp_runtime", F_OK)) {
		fprintf(stderr, "kpstat: kp_runtime not loaded (no %s/events/"
			"kp); use --all-irqs\n", tfs);
		return -1;
	}
	if (tpfmt_check_kp(err, sizeof(err))) {
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

static int check_system(void)
{
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
	return env.all_irqs ? 0 : check_kp_runtime();
}

/*
 * The runtime's trace_sample: set for --sample (*@restore: the value to
 * put back at exit), else taken as it is: if another kpstat samples, the
 * counts here must come from sysfs too.
 */
static int setup_sample(unsigned int *restore)
{
	unsigned int cur = 1;
	int err = kps_sample_get(&cur);

	*restore = 0;
	if (err && want_sample > 1) {
		fprintf(stderr, "kpstat: --sample: %s: %s (kp_runtime too "
			"old?)\n", KPS_SAMPLE_PARAM, strerror(-err));
		return -1;
	}
	if (err)
		cur = 1;
	env.sample = cur;
	if (!want_sample || want_sample == cur) {
		if (cur > 1 && !want_sample)
			fprintf(stderr, "kpstat: note: kp_runtime traces 1 in "
				"%u interrupt batches (%s)\n", cur,
				KPS_SAMPLE_PARAM);
		return 0;
	}
	err = kps_sample_set(want_sample);
	if (err) {
		fprintf(stderr, "kpstat: --sample: writing %s: %s\n",
			KPS_SAMPLE_PARAM, strerror(-err));
		return -1;
	}
	env.sample = want_sample;
	*restore = cur;
	return 0;
}

/* Puts trace_sample back, unless someone changed it since. */
static void restore_sample(unsigned int old)
{
	unsigned int cur;

	if (!old || kps_sample_get(&cur) || cur != env.sample)
		return;
	if (kps_sample_set(old))
		fprintf(stderr, "kpstat: cannot restore %s to %u\n",
			KPS_SAMPLE_PARAM, old);
}

/* Sleeps until @deadline (monotonic seconds) or a signal. */
static void sleep_until(double deadline)
{
	while (!exiting) {
		double left = deadline - kps_now();
		struct timespec ts;

		if (left <= 0)
			return;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);	/* EINTR on a signal */
	}
}

static int run(void)
{
	struct kps_snap first = {}, last = {};
	const struct kps_snap *prev = &first;
	double end = 0, next;
	__u64 epoch = 0;
	int ret = 1;
	long n = 0;

	/* the maps were written under epoch 0 so far; start epoch 1 */
	if (kps_snap_take(&first, colls, ncolls, &env, epoch))
		return 1;
	kps_collectors_set_epoch(colls, ncolls, ++epoch);
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
		stop = exiting || (end && kps_now() >= end) ||
		       (count > 0 && n + 1 >= count);
		if (!interval && !stop)
			continue;
		if (kps_snap_take(&cur, colls, ncolls, &env, epoch))
			goto out;
		kps_collectors_set_epoch(colls, ncolls, ++epoch);
		/*
		 * A report for every full interval; Ctrl-C goes to totals.
		 * Prometheus counters are cumulative: totals every time.
		 */
		if (interval && !exiting) {
			bool prom = env.fmt == FMT_PROM;

			if (emit(prom ? &first : prev, &cur, prom)) {
				kps_snap_free(&cur);
				goto out;
			}
			n++;
		}
		kps_snap_free(&last);
		last = cur;
		prev = &last;
		if (stop)
			break;
	}
	if (prev == &first) {
		/* stopped before any snapshot after the first one */
		if (kps_snap_take(&last, colls, ncolls, &env, epoch))
			goto out;
	}
	ret = emit(&first, &last, true) ? 1 : 0;
out:
	kps_snap_free(&last);
	kps_snap_free(&first);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.args_doc = "[INTERVAL [COUNT]]",
		.doc = doc,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned int restore = 0;
	int ret = 1;

	argp_err_exit_status = 2;
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
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
	if (env.all_irqs) {
		colls = all_colls;
		ncolls = 1;
	} else {
		colls = kp_colls;
		ncolls = sizeof(kp_colls) / sizeof(kp_colls[0]);
		if (setup_sample(&restore))
			return 1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (kps_collectors_start(colls, ncolls, &env))
		goto out;
	if (do_pin) {
		ret = kps_pin(colls, ncolls) ? 1 : 0;
		if (!ret && restore) {
			printf("trace_sample stays %u (echo %u > %s restores "
			       "it)\n", env.sample, restore, KPS_SAMPLE_PARAM);
			restore = 0;
		}
		goto out;
	}
	ret = run();
out:
	kps_collectors_stop(colls, ncolls);
	ksyms_free();
	restore_sample(restore);
	return ret;
}
