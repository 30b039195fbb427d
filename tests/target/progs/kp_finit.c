// SPDX-License-Identifier: GPL-2.0
/*
 * kp_finit - loads a module with finit_module(2) and prints the exact
 * errno as one JSON line: {"errno": "EINVAL"} ("OK" when it loaded).
 * insmod only prints a message for it.
 *
 *   kp_finit MODULE.ko [PARAMS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kpt_common.h"

int main(int argc, char **argv)
{
	int fd, e = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: kp_finit MODULE.ko [PARAMS]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		e = errno;
	else if (syscall(__NR_finit_module, fd, argc > 2 ? argv[2] : "", 0))
		e = errno;
	printf("{\"errno\": \"%s\"}\n", kpt_errname(e));
	if (fd >= 0)
		close(fd);
	return e ? 1 : 0;
}
