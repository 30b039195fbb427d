// SPDX-License-Identifier: GPL-2.0
/*
 * kp_openloop - open() racing module unload (tests/target/test_hotplug.py):
 * THREADS threads open NODE, KP_PLUGIN_OPEN, KP_PLUGIN_CLOSE and close it
 * in a loop for SECONDS while the test rmmods and insmods the plugin.
 * Every outcome is counted by errno; one JSON line.
 *
 *   kp_openloop --dev NODE [--seconds S] [--threads N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kp.h>
#include "kpt_common.h"

/* outcomes: open OK/ENOENT/ENODEV/other, plugin open OK/ENODEV/other */
enum { O_OK, O_ENOENT, O_ENODEV, O_OTHER, P_OK, P_ENODEV, P_OTHER, NOUT };
static const char *const out_names[NOUT] = {
	"open_ok", "open_enoent", "open_enodev", "open_other",
	"plugin_open_ok", "plugin_open_enodev", "plugin_open_other",
};
static unsigned long long outcomes[NOUT];
static char other[64];
static const char *devpath;
static double until;

static void count(int i, const char *what, int err)
{
	__atomic_add_fetch(&outcomes[i], 1, __ATOMIC_RELAXED);
	if (i == O_OTHER || i == P_OTHER)
		snprintf(other, sizeof(other), "%s %s", what,
			 kpt_errname(err));
}

static void *loop(void *arg)
{
	struct kp_plugin_open po = { .argsz = sizeof(po) };
	int fd;

	(void)arg;
	while (kpt_now() < until) {
		fd = open(devpath, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			count(errno == ENOENT ? O_ENOENT :
			      errno == ENODEV ? O_ENODEV : O_OTHER, "open",
			      errno);
			usleep(1000);
			continue;
		}
		count(O_OK, "open", 0);
		if (ioctl(fd, KP_PLUGIN_OPEN, &po) == 0) {
			count(P_OK, "", 0);
			ioctl(fd, KP_PLUGIN_CLOSE, NULL);
		} else {
			count(errno == ENODEV ? P_ENODEV : P_OTHER,
			      "KP_PLUGIN_OPEN", errno);
		}
		close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "seconds", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	double seconds = 5;
	int n = 2, c, i;
	pthread_t th[16];

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': devpath = optarg; break;
		case 's': seconds = strtod(optarg, NULL); break;
		case 'n': n = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!devpath || n < 1 || n > 16) {
		fprintf(stderr, "usage: kp_openloop --dev NODE [--seconds S] "
			"[--threads N]\n");
		return 2;
	}
	until = kpt_now() + seconds;
	for (i = 0; i < n; i++)
		pthread_create(&th[i], NULL, loop, NULL);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("{");
	for (i = 0; i < NOUT; i++)
		printf("\"%s\": %llu, ", out_names[i], outcomes[i]);
	printf("\"other\": \"%s\"}\n", other);
	return 0;
}
