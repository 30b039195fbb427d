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
	int size;
};

#define F(ev, rec, fld) { #ev, #fld, sizeof(((struct rec *)0)->fld) }

/* Per event, its own fields in TP_STRUCT__entry order. */
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

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/*
 * The next "field:<type> <name>[..];\toffset:N;\tsize:M;" line of a format
 * file that is not a common_* field: its name and size.  1, 0 at the end,
 * or -EINVAL for a line that does not parse.
 */
static int next_field(FILE *f, char *name, size_t len, int *size)
{
	char line[512];

	while (fgets(line, sizeof(line), f)) {
		char *decl = strstr(line, "field:"), *end, *p, *q;

		if (!decl || !(end = strchr(decl, ';')))
			continue;
		/* the name is the last identifier before ';' or '[' */
		p = memchr(decl, '[', end - decl);
		if (p)
			end = p;
		for (q = end; q > decl && (q[-1] == '_' ||
		     (q[-1] >= 'a' && q[-1] <= 'z') ||
		     (q[-1] >= 'A' && q[-1] <= 'Z') ||
		     (q[-1] >= '0' && q[-1] <= '9')); q--)
			;
		if (q == end || (size_t)(end - q) >= len)
			return -EINVAL;
		memcpy(name, q, end - q);
		name[end - q] = '\0';
		p = strstr(end, "size:");
		if (!p || sscanf(p, "size:%d;", size) != 1)
			return -EINVAL;
		if (strncmp(name, "common_", 7))
			return 1;
	}
	return 0;
}

#define WHERE "(kp_tp.h vs runtime/kernel/kp_trace.h)"

/* Checks one event's fields, fields[*i] on, and moves *i past them. */
static int check_event(size_t *i, char *err, int len)
{
	const char *ev = fields[*i].event;
	char path[256], name[64];
	int size, r, ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/events/kp/%s/format", tracefs, ev);
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, len, "kp_runtime has no tracepoint kp:%s (%s): "
			 "older than this kpstat?", ev, strerror(errno));
		return -1;
	}
	for (; *i < NFIELDS && !strcmp(fields[*i].event, ev); (*i)++) {
		const struct field *fd = &fields[*i];

		r = next_field(f, name, sizeof(name), &size);
		if (r < 0)
			goto parse;
		if (r == 0) {
			snprintf(err, len, "kp:%s has no field %s " WHERE, ev,
				 fd->name);
			goto out;
		}
		if (strcmp(name, fd->name) || size != fd->size) {
			snprintf(err, len, "kp:%s: kernel has field %s size "
				 "%d where kpstat expects %s size %d " WHERE, ev,
				 name, size, fd->name, fd->size);
			goto out;
		}
	}
	r = next_field(f, name, sizeof(name), &size);
	if (r < 0)
		goto parse;
	if (r > 0) {
		snprintf(err, len, "kp:%s has a field %s that kpstat does not "
			 "know " WHERE, ev, name);
		goto out;
	}
	ret = 0;
	goto out;
parse:
	snprintf(err, len, "kp:%s: cannot parse %s", ev, path);
out:
	fclose(f);
	return ret;
}

int tpfmt_check_kp(char *err, int len)
{
	size_t i = 0;

	while (i < NFIELDS)
		if (check_event(&i, err, len))
			return -1;
	return 0;
}
