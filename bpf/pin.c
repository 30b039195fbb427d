// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --pin / --unpin: /sys/fs/bpf/kp/<map>, /sys/fs/bpf/kp/progs/<prog> and
 * /sys/fs/bpf/kp/links/<prog>.  The links keep the programs attached after
 * kpstat exits; removing them (--unpin) detaches.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "collector.h"
#include "pin.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

/*
 * A bpffs kpstat mounts itself is root's only (bpffs defaults to 1777,
 * where anyone could pin, and an unprivileged user could reach objects
 * pinned with loose modes).
 */
static int ensure_bpffs(void)
{
	struct statfs st;

	if (!statfs("/sys/fs/bpf", &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		fprintf(stderr, "kpstat: cannot mount bpffs on /sys/fs/bpf: "
			"%s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int pin_skeleton(struct bpf_object_skeleton *s)
{
	struct bpf_map *map;
	char path[256];
	int err;

	bpf_object__for_each_map(map, *s->obj) {
		if (bpf_map__is_internal(map))
			continue;	/* .rodata/.bss: configuration only */
		snprintf(path, sizeof(path), KPS_PIN_DIR "/%s",
			 bpf_map__name(map));
		err = bpf_map__pin(map, path);
		if (err)
			goto fail;
		printf("pinned map  %s\n", path);
	}
	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;
		struct bpf_link *link = *s->progs[i].link;

		if (!bpf_program__autoload(prog))
			continue;
		snprintf(path, sizeof(path), KPS_PIN_DIR "/progs/%s",
			 s->progs[i].name);
		err = bpf_program__pin(prog, path);
		if (err)
			goto fail;
		printf("pinned prog %s\n", path);
		if (!link)
			continue;
		snprintf(path, sizeof(path), KPS_PIN_DIR "/links/%s",
			 s->progs[i].name);
		err = bpf_link__pin(link, path);
		if (err)
			goto fail;
		printf("pinned link %s\n", path);
	}
	return 0;
fail:
	fprintf(stderr, "kpstat: cannot pin %s: %s\n", path, strerror(-err));
	return -1;
}

int kps_pin(struct kps_collector *const *c, int n)
{
	if (ensure_bpffs())
		return -1;
	if (!access(KPS_PIN_DIR, F_OK)) {
		fprintf(stderr, "kpstat: %s exists: already pinned "
			"(kpstat --unpin first)\n", KPS_PIN_DIR);
		return -1;
	}
	if (mkdir(KPS_PIN_DIR, 0700) || mkdir(KPS_PIN_DIR "/progs", 0700) ||
	    mkdir(KPS_PIN_DIR "/links", 0700)) {
		fprintf(stderr, "kpstat: mkdir %s: %s\n", KPS_PIN_DIR,
			strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (c[i]->skel && pin_skeleton(c[i]->skel)) {
			kps_unpin();
			return -1;
		}
	return 0;
}

/* Unlinks every pin in @dir (not recursive); returns how many. */
static int unpin_dir(const char *dir)
{
	struct dirent *e;
	char path[512];
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!unlink(path))
			n++;
	}
	closedir(d);
	return n;
}

int kps_unpin(void)
{
	int n;

	if (access(KPS_PIN_DIR, F_OK)) {
		printf("nothing pinned under %s\n", KPS_PIN_DIR);
		return 0;
	}
	/* links first: dropping them detaches the programs */
	n = unpin_dir(KPS_PIN_DIR "/links");
	n += unpin_dir(KPS_PIN_DIR "/progs");
	rmdir(KPS_PIN_DIR "/links");
	rmdir(KPS_PIN_DIR "/progs");
	n += unpin_dir(KPS_PIN_DIR);
	if (rmdir(KPS_PIN_DIR)) {
		fprintf(stderr, "kpstat: rmdir %s: %s\n", KPS_PIN_DIR,
			strerror(errno));
		return -1;
	}
	printf("removed %d pins under %s\n", n, KPS_PIN_DIR);
	return 0;
}
