// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kpt_common.h"
#include "kpt_node.h"

static int node_now(const char *bdf, char *path, size_t len)
{
	char attr[512], buf[64];
	struct dirent *de;
	int found = 0;
	DIR *d;
	FILE *f;

	d = opendir("/sys/class/kp");
	while (d && !found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(attr, sizeof(attr), "/sys/class/kp/%.200s/bdf",
			 de->d_name);
		f = fopen(attr, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) &&
		    !strncmp(buf, bdf, strlen(bdf)) &&
		    (buf[strlen(bdf)] == '\n' || !buf[strlen(bdf)])) {
			snprintf(path, len, "/dev/kp/%.32s", de->d_name);
			found = access(path, F_OK) == 0;
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

int kpt_node_of_bdf(const char *bdf, char *path, size_t len, double wait_s)
{
	double end = kpt_now() + wait_s;

	for (;;) {
		if (node_now(bdf, path, len))
			return 0;
		if (kpt_now() >= end)
			return ENOENT;
		usleep(10000);
	}
}
