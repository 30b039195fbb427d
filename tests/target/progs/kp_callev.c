// SPDX-License-Identifier: GPL-2.0
/*
 * kp_callev - a KP_Call that lasts (kp_hostile HOSTILE_MSG_SLEEP) while
 * the device gets an event; prints one JSON line.
 *
 *   kp_callev remove --dev PATH --bdf BDF [--ms MS]
 *	removes the PCI device through sysfs 300 ms into the call;
 *   kp_callev suspend --dev PATH [--ms MS] [--state mem|freeze] [--kmsg]
 *	suspends and resumes the guest (/sys/power/pm_test = devices: the
 *	devices' callbacks run, the machine stays up) 300 ms into it.
 *
 * The fd is registered for the event(s).  The runtime promises that
 * KP_Event never runs during a KP_Call of the same open: kp_hostile counts
 * the KP_Events and KP_Closes that did (its "overlaps" parameter).
 * Reports the call (errno, dwResult, kp_device_gone() at its end, when it
 * started and ended), when the trigger (the sysfs write) started and
 * returned, the events KP_EVENT_WAIT returns afterwards, and the changes
 * of kp_hostile's overlaps and removes counters.  Times are seconds from
 * the call's start.
 *
 * A sleep cycle takes the guest's 9p transport (the host's /) with it:
 * the program locks itself in memory first, and with --kmsg writes its
 * line as "KPT-CALLEV <json>" to /dev/kmsg (the console) instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kpt_common.h"
#include "kpt_raw.h"

static int fd = -1;
static unsigned int call_ms = 2000;
static char out[4096];
static size_t outlen;

static void add(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	outlen += vsnprintf(out + outlen, sizeof(out) - outlen, fmt, ap);
	va_end(ap);
	if (outlen >= sizeof(out))
		outlen = sizeof(out) - 1;
}

struct call {
	pthread_t	thread;
	double		start, end;
	int		err;
	uint32_t	result;
	struct hostile_msg m;
};

static void *call_fn(void *arg)
{
	struct call *c = arg;

	memset(&c->m, 0, sizeof(c->m));
	c->m.arg = call_ms;
	c->start = kpt_now();
	c->err = kpt_hostile_call(fd, HOSTILE_MSG_SLEEP, &c->m, &c->result);
	c->end = kpt_now();
	return NULL;
}

static int write_sysfs(const char *path, const char *val)
{
	return -kpt_write_text(path, val);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "bdf", required_argument, NULL, 'b' },
		{ "ms", required_argument, NULL, 'm' },
		{ "state", required_argument, NULL, 's' },
		{ "kmsg", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dev = NULL, *bdf = NULL, *state = "mem", *what;
	struct kp_event_register er = { .argsz = sizeof(er) };
	struct kp_event_wait ew;
	struct call c = { 0 };
	int64_t overlaps0, removes0;
	double t0, t1;
	int kmsg = 0, kfd = -1, ch, e, i, suspend;
	char path[256];

	if (argc < 2)
		return 2;
	what = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dev = optarg; break;
		case 'b': bdf = optarg; break;
		case 'm': call_ms = strtoul(optarg, NULL, 10); break;
		case 's': state = optarg; break;
		case 'k': kmsg = 1; break;
		default: return 2;
		}
	}
	suspend = !strcmp(what, "suspend");
	if (!dev || (!suspend && (strcmp(what, "remove") || !bdf))) {
		fprintf(stderr, "usage: kp_callev remove --dev PATH --bdf BDF "
			"[--ms MS] | suspend --dev PATH [--ms MS] "
			"[--state S] [--kmsg]\n");
		return 2;
	}
	if (kmsg) {
		kfd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
		kpt_write_text("/proc/sys/kernel/printk_devkmsg", "on\n");
	}
	if (suspend && mlockall(MCL_CURRENT | MCL_FUTURE))
		add("\"mlockall_errno\": \"%s\", ", kpt_errname(errno));

	fd = open(dev, O_RDWR | O_CLOEXEC);
	e = fd < 0 ? errno : kpt_plugin_open(fd);
	er.actions = suspend ? KP_EVENT_POWER_D3 | KP_EVENT_POWER_D0 :
		     KP_EVENT_REMOVE;
	if (!e)
		e = kpt_ioctl(fd, KP_EVENT_REGISTER, &er);
	add("{\"what\": \"%s\", \"open_errno\": \"%s\", ", what,
	    kpt_errname(e));
	overlaps0 = kpt_hostile_param("overlaps");
	removes0 = kpt_hostile_param("removes");
	if (!e) {
		pthread_create(&c.thread, NULL, call_fn, &c);
		kpt_sleep_ms(300);
		if (suspend) {
			write_sysfs("/sys/module/suspend/parameters/"
				    "pm_test_delay", "0");
			e = write_sysfs("/sys/power/pm_test", "devices");
			t0 = kpt_now();
			if (!e)
				e = write_sysfs("/sys/power/state", state);
			t1 = kpt_now();
			write_sysfs("/sys/power/pm_test", "none");
		} else {
			snprintf(path, sizeof(path),
				 "/sys/bus/pci/devices/%s/remove", bdf);
			t0 = kpt_now();
			e = write_sysfs(path, "1");
			t1 = kpt_now();
		}
		pthread_join(c.thread, NULL);
		add("\"call\": {\"errno\": \"%s\", \"result\": %u, \"gone\": %u, "
		    "\"start\": 0, \"end\": %.3f}, ", kpt_errname(c.err),
		    c.result, c.m.gone, c.end - c.start);
		add("\"trigger\": {\"errno\": \"%s\", \"start\": %.3f, "
		    "\"end\": %.3f}, ", kpt_errname(e), t0 - c.start,
		    t1 - c.start);
		add("\"events\": [");
		for (i = 0; i < 20; i++) {
			memset(&ew, 0, sizeof(ew));
			ew.argsz = sizeof(ew);
			ew.flags = KP_WAIT_NONBLOCK;
			if (kpt_ioctl(fd, KP_EVENT_WAIT, &ew) ||
			    (ew.flags & KP_WAIT_STOPPED))
				break;
			add("%s{\"action\": %u, \"seq\": %llu}", i ? ", " : "",
			    ew.action, (unsigned long long)ew.seq);
		}
		add("], ");
	}
	add("\"overlaps\": %lld, \"removes\": %lld, \"done\": 1}",
	    (long long)(kpt_hostile_param("overlaps") - overlaps0),
	    (long long)(kpt_hostile_param("removes") - removes0));
	if (fd >= 0)
		close(fd);
	if (kfd >= 0) {
		char line[4200];
		int n = snprintf(line, sizeof(line), "KPT-CALLEV %s\n", out);

		if (write(kfd, line, n) != n)
			perror("kmsg");
	} else {
		printf("%s\n", out);
	}
	return 0;
}
