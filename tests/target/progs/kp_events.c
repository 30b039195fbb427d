// SPDX-License-Identifier: GPL-2.0
/*
 * kp_events - plug-and-play and power events of kp_runtime.ko, with the
 * edu plugin (kp_edu.ko: KP_Event counts what it sees, and what it returns
 * is set with KP_EDU_MSG_EVENT_NOTIFY).  Prints JSON lines.
 *
 *   kp_events remove --dev PATH --bdf BDF [--notify 0|1]
 *
 *	Opens PATH (plugin open, KP_Event returns @notify, registered for
 *	every event, MSI enabled), blocks one thread in KP_INT_WAIT and one
 *	in KP_EVENT_WAIT, removes the PCI device through sysfs and reports
 *	how both waits returned, what KP_EVENT_WAIT returns afterwards, the
 *	errno of each ioctl on the removed device, and whether
 *	KP_PLUGIN_CLOSE and close() succeed.
 *
 *   kp_events power --dev PATH [--state freeze|mem] [--kmsg]
 *
 *	Suspend/resume with /sys/power/pm_test = devices (the devices'
 *	suspend and resume callbacks run; the machine stays up) in three
 *	phases, each on fresh fds registered for POWER_D3 | POWER_D0:
 *	  notify: KP_Event returns TRUE, one cycle;
 *	  swallow: KP_Event returns FALSE, one cycle, plus an fd without a
 *	           plugin open (queued as if KP_Event returned TRUE);
 *	  overflow: KP_Event returns TRUE, 10 cycles = 20 events for a
 *	           queue of 16.
 *	For each: the events KP_EVENT_WAIT returns (non-blocking, until
 *	EAGAIN) and KP_Event's counts.  pm_test is set back to none.
 *
 *	A system sleep cycle resets the guest's virtio devices and the 9p
 *	transport does not survive it (9pnet_virtio has no freeze/restore),
 *	so after the first cycle no file of the host's / can be read: this
 *	program locks itself in memory first, only uses /sys and /dev
 *	afterwards, and with --kmsg writes its output as "KPT-EVENTS <json>"
 *	lines to /dev/kmsg (the serial console) instead of stdout (and
 *	turns kmsg's rate limit off: printk_devkmsg=on).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kp.h>
#include "kp_edu_msgs.h"
#include "kpt_common.h"

#define OVERFLOW_CYCLES	10

static int kmsg_fd = -1;

/* One output line: stdout, or /dev/kmsg with a prefix. */
static void out(const char *fmt, ...)
{
	static const char prefix[] = "KPT-EVENTS ";
	char buf[900];
	va_list ap;
	int n;

	strcpy(buf, prefix);
	va_start(ap, fmt);
	n = vsnprintf(buf + sizeof(prefix) - 1,
		      sizeof(buf) - sizeof(prefix) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = strlen(buf);
	buf[n++] = '\n';
	if (kmsg_fd < 0) {
		fwrite(buf + sizeof(prefix) - 1, 1, n - sizeof(prefix) + 1,
		       stdout);
		fflush(stdout);
		return;
	}
	/* one write() per record: /dev/kmsg takes no partial lines */
	if (write(kmsg_fd, buf, n) != n)
		perror("kmsg");
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? errno : 0;
}

static int plugin_call(int fd, uint32_t msg, void *data, uint32_t size,
		       uint32_t *result)
{
	struct kp_plugin_call pc = {
		.argsz = sizeof(pc), .message = msg,
		.data = (uintptr_t)data, .data_size = size,
	};
	int err = xioctl(fd, KP_PLUGIN_CALL, &pc);

	if (result)
		*result = err ? ~0u : pc.result;
	return err;
}

/* open, KP_PLUGIN_OPEN (unless !plugin), KP_Event returns @notify */
static int open_dev(const char *path, int plugin, int notify)
{
	struct kp_plugin_open po = { .argsz = sizeof(po) };
	struct kp_edu_event_notify en = { .notify = notify };
	uint32_t result;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0 || !plugin)
		return fd;
	if (xioctl(fd, KP_PLUGIN_OPEN, &po) ||
	    plugin_call(fd, KP_EDU_MSG_EVENT_NOTIFY, &en, sizeof(en),
			&result) || result != KP_EDU_RES_OK) {
		close(fd);
		return -1;
	}
	return fd;
}

static int event_register(int fd, uint32_t actions)
{
	struct kp_event_register er = { .argsz = sizeof(er),
					.actions = actions };

	return xioctl(fd, KP_EVENT_REGISTER, &er);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return errno;
	n = write(fd, s, strlen(s));
	err = n < 0 ? errno : 0;
	close(fd);
	return err;
}

/* ---- remove --------------------------------------------------------- */

struct waiter {
	int			fd;
	volatile int		started, returned;
	int			err;
	struct kp_int_wait	iw;
	struct kp_event_wait	ew;
};

static void *int_waiter(void *arg)
{
	struct waiter *w = arg;

	w->iw.argsz = sizeof(w->iw);
	w->started = 1;
	w->err = xioctl(w->fd, KP_INT_WAIT, &w->iw);
	w->returned = 1;
	return NULL;
}

static void *event_waiter(void *arg)
{
	struct waiter *w = arg;

	w->ew.argsz = sizeof(w->ew);
	w->started = 1;
	w->err = xioctl(w->fd, KP_EVENT_WAIT, &w->ew);
	w->returned = 1;
	return NULL;
}

static void wait_returned(struct waiter *w, double timeout)
{
	double end = kpt_now() + timeout;

	while (!w->returned && kpt_now() < end)
		usleep(1000);
}

static int cmd_remove(const char *path, const char *bdf, int notify)
{
	struct kp_int_enable ie = { .argsz = sizeof(ie),
				    .mode = KP_INT_MODE_MSI, .nvec = 1 };
	struct waiter iwt = {}, ewt = {};
	struct kp_event_wait ew2 = { .argsz = sizeof(ew2),
				     .flags = KP_WAIT_NONBLOCK };
	struct kp_int_wait iw2 = { .argsz = sizeof(iw2),
				   .flags = KP_WAIT_NONBLOCK };
	struct kp_device_info info = { .argsz = sizeof(info) };
	struct kp_rw rw = { .argsz = sizeof(rw), .width = 4 };
	struct kp_stats st = { .argsz = sizeof(st) };
	struct kp_edu_version ver;
	pthread_t ti, te;
	char rpath[128];
	int fd, err, e_info, e_bar, e_call, e_enable, e_register, e_stats;
	int e_ewait, e_iwait, e_close_plugin, e_close;

	fd = open_dev(path, 1, notify);
	if (fd < 0) {
		out("{\"error\": \"open\", \"errno\": \"%s\"}",
		    kpt_errname(errno));
		return 1;
	}
	err = event_register(fd, KP_EVENT_ALL);
	if (!err)
		err = xioctl(fd, KP_INT_ENABLE, &ie);
	if (err) {
		out("{\"error\": \"setup\", \"errno\": \"%s\"}",
		    kpt_errname(err));
		return 1;
	}
	iwt.fd = ewt.fd = fd;
	pthread_create(&ti, NULL, int_waiter, &iwt);
	pthread_create(&te, NULL, event_waiter, &ewt);
	while (!iwt.started || !ewt.started)
		usleep(1000);
	usleep(300000);		/* let both block in the kernel */
	if (iwt.returned || ewt.returned) {
		out("{\"error\": \"a wait returned early\"}");
		return 1;
	}

	snprintf(rpath, sizeof(rpath), "/sys/bus/pci/devices/%s/remove", bdf);
	err = write_str(rpath, "1");
	wait_returned(&iwt, 5.0);
	wait_returned(&ewt, 5.0);

	/* what KP_EVENT_WAIT and KP_INT_WAIT return from now on */
	e_ewait = xioctl(fd, KP_EVENT_WAIT, &ew2);
	e_iwait = xioctl(fd, KP_INT_WAIT, &iw2);
	/* ioctls that need the device */
	e_info = xioctl(fd, KP_GET_INFO, &info);
	e_bar = xioctl(fd, KP_BAR_READ, &rw);
	e_call = plugin_call(fd, KP_EDU_MSG_VERSION, &ver, sizeof(ver),
			     NULL);
	e_enable = xioctl(fd, KP_INT_ENABLE, &ie);
	e_register = event_register(fd, KP_EVENT_ALL);
	e_stats = xioctl(fd, KP_GET_STATS, &st);
	e_close_plugin = xioctl(fd, KP_PLUGIN_CLOSE, NULL);
	e_close = close(fd) ? errno : 0;

	out("{\"notify\": %d, \"remove_errno\": \"%s\", "
	    "\"int_wait\": {\"returned\": %d, \"errno\": \"%s\", "
	    "\"stopped\": %d}, "
	    "\"event_wait\": {\"returned\": %d, \"errno\": \"%s\", "
	    "\"action\": %u, \"seq\": %llu, \"lost\": %llu, \"stopped\": %d}, "
	    "\"event_wait_after\": {\"errno\": \"%s\", \"action\": %u, "
	    "\"stopped\": %d}, "
	    "\"int_wait_after\": {\"errno\": \"%s\", \"stopped\": %d}, "
	    "\"errno_after\": {\"get_info\": \"%s\", \"bar_read\": \"%s\", "
	    "\"plugin_call\": \"%s\", \"int_enable\": \"%s\", "
	    "\"event_register\": \"%s\", \"get_stats\": \"%s\", "
	    "\"plugin_close\": \"%s\", \"close\": \"%s\"}}",
	    notify, kpt_errname(err),
	    iwt.returned, iwt.returned ? kpt_errname(iwt.err) : "-",
	    !!(iwt.iw.flags & KP_WAIT_STOPPED),
	    ewt.returned, ewt.returned ? kpt_errname(ewt.err) : "-",
	    ewt.ew.action, (unsigned long long)ewt.ew.seq,
	    (unsigned long long)ewt.ew.lost,
	    !!(ewt.ew.flags & KP_WAIT_STOPPED),
	    kpt_errname(e_ewait), ew2.action,
	    !!(ew2.flags & KP_WAIT_STOPPED),
	    kpt_errname(e_iwait), !!(iw2.flags & KP_WAIT_STOPPED),
	    kpt_errname(e_info), kpt_errname(e_bar), kpt_errname(e_call),
	    kpt_errname(e_enable), kpt_errname(e_register),
	    kpt_errname(e_stats), kpt_errname(e_close_plugin),
	    kpt_errname(e_close));
	if (iwt.returned)
		pthread_join(ti, NULL);
	if (ewt.returned)
		pthread_join(te, NULL);
	/* a waiter still blocked is killed by exit_group() */
	_exit(0);
}

/* ---- power ---------------------------------------------------------- */

#define MAX_EVENTS	32

/* Takes every queued event (non-blocking) and prints them as one line. */
static void drain(const char *phase, const char *who, int fd)
{
	char actions[200] = "", seqs[200] = "";
	struct kp_event_wait ew;
	size_t la = 0, ls = 0;
	uint64_t lost = 0;
	int n = 0, err;

	for (;;) {
		memset(&ew, 0, sizeof(ew));
		ew.argsz = sizeof(ew);
		ew.flags = KP_WAIT_NONBLOCK;
		err = xioctl(fd, KP_EVENT_WAIT, &ew);
		if (err || (ew.flags & KP_WAIT_STOPPED) || n == MAX_EVENTS)
			break;
		lost = ew.lost;
		la += snprintf(actions + la, sizeof(actions) - la, "%s%u",
			       n ? ", " : "", ew.action);
		ls += snprintf(seqs + ls, sizeof(seqs) - ls, "%s%llu",
			       n ? ", " : "", (unsigned long long)ew.seq);
		n++;
	}
	out("{\"phase\": \"%s\", \"fd\": \"%s\", \"actions\": [%s], "
	    "\"seqs\": [%s], \"lost\": %llu, \"end\": \"%s\", "
	    "\"end_stopped\": %d}", phase, who, actions, seqs,
	    (unsigned long long)lost, kpt_errname(err),
	    !!(ew.flags & KP_WAIT_STOPPED));
}

static void counts(const char *phase, int fd)
{
	struct kp_edu_event_counts ec = {};
	uint32_t result;
	int err = plugin_call(fd, KP_EDU_MSG_EVENT_COUNTS, &ec, sizeof(ec),
			      &result);

	out("{\"phase\": \"%s\", \"kp_event\": {\"errno\": \"%s\", "
	    "\"result\": %u, \"calls\": %u, \"remove\": %u, \"power_d0\": %u, "
	    "\"power_d3\": %u, \"other\": %u, \"notified\": %u, "
	    "\"last_action\": %u}}", phase, kpt_errname(err), result,
	    ec.calls, ec.remove, ec.power_d0, ec.power_d3, ec.other,
	    ec.notified, ec.last_action);
}

/* @n suspend/resume cycles; the errno of the first failing one. */
static int cycles(const char *state, int n)
{
	int i, err;

	for (i = 0; i < n; i++) {
		err = write_str("/sys/power/state", state);
		if (err)
			return err;
	}
	return 0;
}

/* The selected /sys/power/pm_test mode ("none", ...), or "?". */
static const char *pm_test_now(void)
{
	static char buf[128];
	char *open_br, *close_br;
	ssize_t n;
	int fd = open("/sys/power/pm_test", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return "?";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	open_br = strchr(buf, '[');
	close_br = open_br ? strchr(open_br, ']') : NULL;
	if (!close_br)
		return "?";
	*close_br = '\0';
	return open_br + 1;
}

static int cmd_power(const char *path, const char *state)
{
	static const struct {
		const char	*name;
		int		notify, cycles;
	} phases[] = {
		{ "notify", 1, 1 },
		{ "swallow", 0, 1 },
		{ "overflow", 1, OVERFLOW_CYCLES },
	};
	const uint32_t power = KP_EVENT_POWER_D3 | KP_EVENT_POWER_D0;
	unsigned int p;
	int err = 0;

	/* everything from the host's / must be in memory from now on */
	if (mlockall(MCL_CURRENT | MCL_FUTURE)) {
		out("{\"error\": \"mlockall\", \"errno\": \"%s\"}",
		    kpt_errname(errno));
		return 1;
	}
	err = write_str("/sys/module/suspend/parameters/pm_test_delay", "0");
	if (!err)
		err = write_str("/sys/power/pm_test", "devices");
	if (err) {
		out("{\"error\": \"pm_test\", \"errno\": \"%s\"}",
		    kpt_errname(err));
		return 1;
	}
	for (p = 0; p < sizeof(phases) / sizeof(phases[0]); p++) {
		int fd = open_dev(path, 1, phases[p].notify);
		int bare = open_dev(path, 0, 0);	/* no plugin open */

		if (fd < 0 || bare < 0 || event_register(fd, power) ||
		    event_register(bare, power)) {
			out("{\"error\": \"setup %s\", \"errno\": \"%s\"}",
			    phases[p].name, kpt_errname(errno));
			err = 1;
			break;
		}
		err = cycles(state, phases[p].cycles);
		out("{\"phase\": \"%s\", \"cycles\": %d, \"state_errno\": "
		    "\"%s\"}", phases[p].name, phases[p].cycles,
		    kpt_errname(err));
		drain(phases[p].name, "plugin", fd);
		drain(phases[p].name, "bare", bare);
		counts(phases[p].name, fd);
		close(bare);
		close(fd);
		if (err)
			break;
	}
	write_str("/sys/power/pm_test", "none");
	out("{\"done\": 1, \"error\": %d, \"pm_test_end\": \"%s\"}", err,
	    pm_test_now());
	return err ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kp_events remove --dev PATH --bdf BDF [--notify 0|1]\n"
		"       kp_events power --dev PATH [--state freeze|mem] "
		"[--kmsg]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "bdf", required_argument, NULL, 'b' },
		{ "notify", required_argument, NULL, 'n' },
		{ "state", required_argument, NULL, 's' },
		{ "kmsg", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *bdf = NULL, *state = "freeze";
	int notify = 1, kmsg = 0, c;

	if (argc < 2)
		usage();
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': path = optarg; break;
		case 'b': bdf = optarg; break;
		case 'n': notify = atoi(optarg); break;
		case 's': state = optarg; break;
		case 'k': kmsg = 1; break;
		default: usage();
		}
	}
	if (!path || optind != argc)
		usage();
	if (kmsg) {
		/* more than 10 lines in 5 s: lift /dev/kmsg's rate limit */
		write_str("/proc/sys/kernel/printk_devkmsg", "on\n");
		kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
		if (kmsg_fd < 0) {
			perror("/dev/kmsg");
			return 1;
		}
	}
	if (!strcmp(argv[1], "remove") && bdf)
		return cmd_remove(path, bdf, notify);
	if (!strcmp(argv[1], "power"))
		return cmd_power(path, state);
	usage();
	return 2;
}
