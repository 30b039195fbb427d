// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Loads /proc/kallsyms text symbols once, on first use (see ksyms.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"

/* No function is this long: a larger offset is an address past the end
 * of the last symbol before it (another area, not text), not resolved. */
#define KSYMS_MAX_OFFSET 0x100000ULL

struct ksym {
	unsigned long long addr;
	char *name;		/* "sym" or "sym [mod]" */
};

static struct ksym *syms;
static int nsyms;
static int loaded;
/* unresolved addresses, numbered by their index + 1 */
static unsigned long long *unknown;
static int nunknown;

static int sym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void load(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], name[256], mod[128];
	int cap = 0;

	loaded = 1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type;
		int n;

		mod[0] = 0;
		n = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name,
			   mod);
		/* kptr_restrict hides the addresses: all read as 0 */
		if (n < 3 || !addr || (type != 't' && type != 'T'))
			continue;
		if (nsyms == cap) {
			struct ksym *ns;

			cap = cap ? 2 * cap : 4096;
			ns = realloc(syms, cap * sizeof(*ns));
			if (!ns)
				break;
			syms = ns;
		}
		syms[nsyms].addr = addr;
		if (n == 4) {
			size_t l = strlen(name) + strlen(mod) + 4;

			syms[nsyms].name = malloc(l);
			if (syms[nsyms].name)
				snprintf(syms[nsyms].name, l, "%s [%s]", name,
					 mod);
		} else {
			syms[nsyms].name = strdup(name);
		}
		if (syms[nsyms].name)
			nsyms++;
	}
	fclose(f);
	qsort(syms, nsyms, sizeof(*syms), sym_cmp);
}

/* The number of unresolved @addr (1, 2, ...), 0 if out of memory. */
static int unknown_id(unsigned long long addr)
{
	unsigned long long *nu;

	for (int i = 0; i < nunknown; i++)
		if (unknown[i] == addr)
			return i + 1;
	nu = realloc(unknown, (nunknown + 1) * sizeof(*nu));
	if (!nu)
		return 0;
	unknown = nu;
	unknown[nunknown++] = addr;
	return nunknown;
}

const char *ksyms_format(unsigned long long addr, char *buf, int len,
			 bool show_addresses)
{
	const struct ksym *s = NULL;
	int lo = 0, hi;

	if (!loaded)
		load();
	hi = nsyms;
	/* last symbol at or below addr, followed by another one */
	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (addr && lo > 0 && lo < nsyms &&
	    addr - syms[lo - 1].addr < KSYMS_MAX_OFFSET)
		s = &syms[lo - 1];
	if (s) {
		const char *sp = strchr(s->name, ' ');
		int nl = sp ? (int)(sp - s->name) : (int)strlen(s->name);

		snprintf(buf, len, "%.*s+0x%llx%s", nl, s->name,
			 addr - s->addr, sp ? sp : "");
	} else if (show_addresses) {
		snprintf(buf, len, "0x%llx", addr);
	} else {
		snprintf(buf, len, "unknown#%d", unknown_id(addr));
	}
	return buf;
}

void ksyms_free(void)
{
	for (int i = 0; i < nsyms; i++)
		free(syms[i].name);
	free(syms);
	free(unknown);
	syms = NULL;
	unknown = NULL;
	nsyms = nunknown = 0;
	loaded = 0;
}
