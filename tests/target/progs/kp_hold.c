// SPDX-License-Identifier: GPL-2.0
/*
 * kp_hold - opens a /dev/kp node (and with --plugin also KP_PLUGIN_OPEN),
 * prints "ready" and keeps it open until SIGTERM/SIGINT.
 *
 *   kp_hold [--plugin] DEVICE
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kp.h>
#include "kpt_common.h"

static void on_term(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct kp_plugin_open po = { .argsz = sizeof(po) };
	int plugin = argc == 3 && !strcmp(argv[1], "--plugin");
	struct sigaction sa;
	int fd;

	if (argc != 2 + plugin) {
		fprintf(stderr, "usage: kp_hold [--plugin] DEVICE\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = open(argv[argc - 1], O_RDWR | O_CLOEXEC);
	if (fd < 0 || (plugin && ioctl(fd, KP_PLUGIN_OPEN, &po) < 0)) {
		printf("error %s\n", kpt_errname(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	pause();
	close(fd);
	return 0;
}
