// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Locates tracefs and validates kp_tp.h against the running module. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/types.h>
#include "kp_tp.h"
#include "tpfmt.h"

static const char *tracefs;

const char *tpfmt_tracefs(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];

	if (tracefs)
		return tracefs;
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events", dirs[i]);
		if (!access(path, F_OK))
			return tracefs = dirs[i];
	}
	if (!mount("tracefs", dirs[0], "tracefs", 0, NULL) &&
	    !access("/sys/kernel/tracing/events", F_OK))
		return tracefs = dirs[0];
	return NULL;
}

bool tpfmt_have_event(const char *sys, const char *event)
{
	char path[256];

	if (!tpfmt_tracefs())
		return false;
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", tracefs, sys,
		 event);
	return !access(path, R_OK);
}

struct field {
	const char *event;
	const char *name;
	int offset;
	int size;
};

#define F(ev, rec, fld) { #ev, #fld, offsetof(struct rec, fld), \
			  sizeof(((struct rec *)0)->fld) }

static const struct field fields[] = {
	F(kp_irq_batch, kp_irq_batch_rec, slot),
	F(kp_irq_batch, kp_irq_batch_rec, dev),
	F(kp_irq_batch, kp_irq_batch_rec, vector),
	F(kp_irq_batch, kp_irq_batch_rec, irq),
	F(kp_irq_batch, kp_irq_batch_rec, irqs),
	F(kp_irq_batch, kp_irq_batch_rec, handled),
	F(kp_irq_batch, kp_irq_batch_rec, count),
	F(kp_irq_batch, kp_irq_batch_rec, ret),
	F(kp_irq_batch, kp_irq_batch_rec, irq_ns),
	F(kp_irq_batch, kp_irq_batch_rec, lat_ns),
	F(kp_irq_batch, kp_irq_batch_rec, run_ns),
	F(kp_lock_init, kp_lock_init_rec, lock),
	F(kp_lock_init, kp_lock_init_rec, caller),
	F(kp_lock_init, kp_lock_init_rec, owner),
	F(kp_lock_acquired, kp_lock_acquired_rec, lock),
	F(kp_lock_acquired, kp_lock_acquired_rec, caller),
	F(kp_lock_acquired, kp_lock_acquired_rec, wait_ns),
	F(kp_lock_acquired, kp_lock_acquired_rec, contended),
	F(kp_lock_uninit, kp_lock_uninit_rec, lock),
};

/* Finds "field:<type> <name>[..];\toffset:N;\tsize:M;" in a format file. */
static int find_field(FILE *f, const char *name, int *off, int *size)
{
	char line[512];

	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char *decl = strstr(line, "field:"), *semi, *p;
		size_t nl = strlen(name);

		if (!decl || !(semi = strchr(decl, ';')))
			continue;
		/* the name is the last identifier before ';' or '[' */
		p = semi;
		if (memchr(decl, '[', semi - decl))
			p = memchr(decl, '[', semi - decl);
		if (p - decl < (long)nl + 1 || strncmp(p - nl, name, nl) ||
		    (p[-(long)nl - 1] != ' ' && p[-(long)nl - 1] != '\t'))
			continue;
		p = strstr(semi, "offset:");
		if (!p || sscanf(p, "offset:%d;", off) != 1)
			return -EINVAL;
		p = strstr(p, "size:");
		if (!p || sscanf(p, "size:%d;", size) != 1)
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

int tpfmt_check_kp(char *err, int len)
{
	const char *open_ev = NULL;
	FILE *f = NULL;
	int ret = 0;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field *fd = &fields[i];
		char path[256];
		int off, size, r;

		if (!open_ev || strcmp(open_ev, fd->event)) {
			if (f)
				fclose(f);
			snprintf(path, sizeof(path), "%s/events/kp/%s/format",
				 tracefs, fd->event);
			f = fopen(path, "re");
			open_ev = fd->event;
			if (!f) {
				snprintf(err, len, "kp_runtime has no tracepoint "
					 "kp:%s (%s): older than this kpstat?",
					 fd->event, strerror(errno));
				return -1;
			}
		}
		r = find_field(f, fd->name, &off, &size);
		if (r || off != fd->offset || size != fd->size) {
			snprintf(err, len, "kp:%s field %s: %s offset %d size %d, "
				 "kpstat expects offset %d size %d "
				 "(kp_tp.h vs runtime/kernel/kp_trace.h)",
				 fd->event, fd->name,
				 r ? "missing," : "kernel has", r ? -1 : off,
				 r ? -1 : size, fd->offset, fd->size);
			ret = -1;
			break;
		}
	}
	if (f)
		fclose(f);
	return ret;
}
