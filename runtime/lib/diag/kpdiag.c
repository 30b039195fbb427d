// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * kpdiag: the generic diagnostics app of kpgen projects (see kpdiag.h).
 *
 * Output: human-readable by default; with --script one `key=value` line
 * per item and one `command: key=value ...` summary line per irq, events
 * and call command.  Errors go to stderr as `<driver>_diag: message`.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "libkp.h"
#include "kpdiag.h"

#define MAX_ARGS	64
#define PCI_DEVICES	"/sys/bus/pci/devices"

static const struct kpdiag_device *D;
static int script;			/* --script: machine-readable output */
static const char *dev_path;		/* -p PATH */
static unsigned int dev_index;		/* -i N */
static struct kp_dev *dev;
static int plugin_open;

static const unsigned int type_size[] = { 1, 2, 4, 8, 1, 2, 4, 8, 1 };

static void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s_diag: ", D->driver);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A failed libkp call: its message already names the ioctl. */
static int kperr(const char *context, int rc)
{
	const char *what = dev ? kp_strerror(dev) : strerror(-rc);

	if (context)
		err("%s: %s", context, what);
	else
		err("%s", what);
	return 1;
}

/* ---- opening the device, and why it fails -------------------------- */

static int exists(const char *fmt, const char *arg)
{
	char path[256];

	snprintf(path, sizeof(path), fmt, arg);
	return access(path, F_OK) == 0;
}

static unsigned int read_hex(const char *bdf, const char *attr)
{
	char path[300], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, attr);
	f = fopen(path, "r");
	if (!f)
		return 0xffffffffU;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return (unsigned int)strtoul(buf, NULL, 16);
}

/* Says which devices matching the description exist and who owns them. */
static void explain_unbound(void)
{
	struct dirent *de;
	DIR *d = opendir(PCI_DEVICES);
	int found = 0;

	while (d && (de = readdir(d))) {
		char link[300], target[256] = "";
		ssize_t n;

		if (de->d_name[0] == '.' ||
		    read_hex(de->d_name, "vendor") != D->vendor ||
		    read_hex(de->d_name, "device") != D->device)
			continue;
		found++;
		snprintf(link, sizeof(link), PCI_DEVICES "/%s/driver",
			 de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			err("  %s (%04x:%04x) is owned by driver %s: `make load` "
			    "rebinds it to %s", de->d_name, D->vendor, D->device,
			    strrchr(target, '/') ? strrchr(target, '/') + 1 :
			    target, D->driver);
		} else {
			err("  %s (%04x:%04x) has no driver: `make load` binds it",
			    de->d_name, D->vendor, D->device);
		}
	}
	if (d)
		closedir(d);
	if (!found)
		err("  there is no PCI device %04x:%04x on this machine",
		    D->vendor, D->device);
}

static int get_dev(void)
{
	char node[64];
	int rc;

	if (dev)
		return 0;
	if (dev_path)
		rc = kp_open_path(&dev, dev_path);
	else
		rc = kp_open(&dev, D->driver, dev_index);
	if (rc == 0)
		return 0;
	dev = NULL;
	snprintf(node, sizeof(node), "/dev/kp/%s%u", D->driver, dev_index);
	if (rc == -EACCES || rc == -EPERM) {
		err("cannot open %s: no permission (%s): run as root",
		    dev_path ? dev_path : node, strerror(-rc));
	} else if (rc == -ENOENT && !exists("/sys/module/%s", "kp_runtime")) {
		err("cannot open %s: not loaded: kp_runtime.ko is not loaded "
		    "(`make load` loads it and %s_kp.ko)",
		    dev_path ? dev_path : node, D->driver);
	} else if (rc == -ENOENT && !dev_path) {
		char mod[64];

		snprintf(mod, sizeof(mod), "%s_kp", D->driver);
		if (!exists("/sys/module/%s", mod)) {
			err("cannot open %s: not loaded: %s.ko is not loaded "
			    "(`make load`)", node, mod);
		} else if (exists("/sys/class/kp/%s0", D->driver)) {
			err("cannot open %s: no such device index (see `list`)",
			    node);
		} else {
			err("cannot open %s: not bound: %s.ko is loaded but no "
			    "device is bound to it", node, mod);
			explain_unbound();
		}
	} else {
		err("cannot open %s: %s", dev_path ? dev_path : node,
		    strerror(-rc));
	}
	return 1;
}

static int get_plugin(void)
{
	int rc;

	if (get_dev())
		return 1;
	if (plugin_open)
		return 0;
	rc = kp_plugin_open(dev, NULL, 0);
	if (rc < 0)
		return kperr(NULL, rc);
	plugin_open = 1;
	return 0;
}

/* ---- parsing -------------------------------------------------------- */

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return -1;
	return 0;
}

static int parse_s64(const char *s, int64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 0);
	if (errno || end == s || *end)
		return -1;
	return 0;
}

static int parse_width(const char *s, unsigned int *width)
{
	uint64_t w;

	if (parse_u64(s, &w) || (w != 1 && w != 2 && w != 4 && w != 8)) {
		err("bad width '%s': expected 1, 2, 4 or 8 (bytes)", s);
		return -1;
	}
	*width = (unsigned int)w;
	return 0;
}

static const struct kpdiag_reg *find_reg(const char *name)
{
	unsigned int i;

	for (i = 0; i < D->nregs; i++)
		if (!strcmp(D->regs[i].name, name))
			return &D->regs[i];
	return NULL;
}

static const struct kpdiag_reg *reg_at(unsigned int bar, uint64_t offset,
				       unsigned int want)
{
	unsigned int i;

	for (i = 0; i < D->nregs; i++)
		if (D->regs[i].bar == bar && D->regs[i].offset == offset &&
		    (D->regs[i].flags & want))
			return &D->regs[i];
	return NULL;
}

/*
 * REG, or BAR:OFFSET[:WIDTH].  Without WIDTH: the width of a described
 * register there, else 1 byte on an I/O BAR and 4 on a memory BAR.
 */
static int parse_loc(const char *s, struct kpdiag_reg *loc, unsigned int want)
{
	const struct kpdiag_reg *r = find_reg(s);
	char buf[64], *p, *q;
	uint64_t v;

	if (r) {
		*loc = *r;
		return 0;
	}
	memset(loc, 0, sizeof(*loc));
	loc->name = s;
	loc->flags = KPDIAG_REG_READ | KPDIAG_REG_WRITE;
	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	p = strchr(buf, ':');
	if (!p)
		goto bad;
	*p++ = '\0';
	q = strchr(p, ':');
	if (q)
		*q++ = '\0';
	if (parse_u64(buf, &v) || v > 5)
		goto bad;
	loc->bar = (unsigned int)v;
	if (parse_u64(p, &loc->offset))
		goto bad;
	if (q)
		return parse_width(q, &loc->width);
	r = reg_at(loc->bar, loc->offset, want);
	if (r) {
		loc->width = r->width;
	} else {
		struct kp_bar_info bi = { 0 };

		if (get_dev())
			return -1;
		loc->width = kp_get_bar_info(dev, loc->bar, &bi) == 0 &&
			     (bi.flags & KP_BAR_FLAG_IO) ? 1 : 4;
	}
	return 0;
bad:
	err("unknown register '%s': expected a register name (see 'regs') or BAR:OFFSET[:WIDTH]",
	    s);
	return -1;
}

/* ---- output --------------------------------------------------------- */

static void print_reg(const struct kpdiag_reg *r, uint64_t value)
{
	if (script)
		printf("%s=0x%0*" PRIx64 "\n", r->name, (int)r->width * 2,
		       value);
	else
		printf("%-16s BAR%u+0x%04" PRIx64 " = 0x%0*" PRIx64 "  %s\n",
		       r->name, r->bar, r->offset, (int)r->width * 2, value,
		       r->description ? r->description : "");
}

static int set_elem(unsigned char *p, enum kpdiag_type t, const char *s)
{
	uint64_t u;
	int64_t i;

	if (t <= KPDIAG_U64) {
		if (parse_u64(s, &u) ||
		    (type_size[t] < 8 && u >> (type_size[t] * 8)))
			return -1;
	} else {
		if (parse_s64(s, &i))
			return -1;
		if (type_size[t] < 8) {
			int64_t lim = (int64_t)1 << (type_size[t] * 8 - 1);

			if (i < -lim || i >= lim)
				return -1;
		}
		u = (uint64_t)i;
	}
	switch (type_size[t]) {
	case 1: { uint8_t v = (uint8_t)u; memcpy(p, &v, 1); break; }
	case 2: { uint16_t v = (uint16_t)u; memcpy(p, &v, 2); break; }
	case 4: { uint32_t v = (uint32_t)u; memcpy(p, &v, 4); break; }
	default: memcpy(p, &u, 8); break;
	}
	return 0;
}

/* Unsigned fields in hex (as registers), signed ones in decimal. */
static void print_elem(const unsigned char *p, enum kpdiag_type t)
{
	unsigned int size = type_size[t];
	uint64_t u = 0;

	switch (size) {
	case 1: { uint8_t v; memcpy(&v, p, 1); u = v; break; }
	case 2: { uint16_t v; memcpy(&v, p, 2); u = v; break; }
	case 4: { uint32_t v; memcpy(&v, p, 4); u = v; break; }
	default: memcpy(&u, p, 8); break;
	}
	if (t <= KPDIAG_U64) {
		printf("0x%0*" PRIx64, (int)size * 2, u);
		return;
	}
	if (size < 8 && (u >> (size * 8 - 1)) & 1)
		u |= ~(uint64_t)0 << (size * 8);	/* sign-extend */
	printf("%" PRId64, (int64_t)u);
}

/* NAME=VALUE; arrays take a comma-separated list, char arrays a string */
static int set_field(unsigned char *buf, const struct kpdiag_msg *m,
		     const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : 0;
	unsigned int i;

	for (i = 0; eq && i < m->nfields; i++) {
		const struct kpdiag_field *f = &m->fields[i];
		unsigned char *p = buf + f->offset;
		char *copy, *tok, *save = NULL;
		unsigned int n = 0;

		if (strlen(f->name) != len || strncmp(f->name, arg, len))
			continue;
		if (f->type == KPDIAG_CHAR) {
			if (strlen(eq + 1) >= f->count) {
				err("%s: at most %u characters", f->name,
				    f->count - 1);
				return -1;
			}
			strcpy((char *)p, eq + 1);
			return 0;
		}
		copy = strdup(eq + 1);
		if (!copy)
			return -1;
		for (tok = strtok_r(copy, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (n >= (f->count ? f->count : 1) ||
			    set_elem(p + n * type_size[f->type], f->type, tok)) {
				err("bad value '%s' for field %s", eq + 1,
				    f->name);
				free(copy);
				return -1;
			}
			n++;
		}
		free(copy);
		return 0;
	}
	err("%s: expected FIELD=VALUE with a field of message %s",
	    arg, m->name);
	return -1;
}

static void print_field(const unsigned char *buf,
			const struct kpdiag_field *f)
{
	const unsigned char *p = buf + f->offset;
	unsigned int i;

	printf("%s=", f->name);
	if (f->type == KPDIAG_CHAR) {
		printf("\"%.*s\"\n", (int)strnlen((const char *)p, f->count),
		       (const char *)p);
		return;
	}
	for (i = 0; i < (f->count ? f->count : 1); i++) {
		if (i)
			putchar(',');
		print_elem(p + i * type_size[f->type], f->type);
	}
	putchar('\n');
}

/* ---- commands --------------------------------------------------------- */

static int no_args(int argc, const char *usage)
{
	if (argc == 1)
		return 0;
	err("usage: %s", usage);
	return 2;
}

static int cmd_info(int argc, char **argv)
{
	struct kp_device_info info = { 0 };
	unsigned int i;
	int rc;

	(void)argv;
	if (no_args(argc, "info"))
		return 2;
	if (get_dev())
		return 1;
	rc = kp_get_info(dev, &info);
	if (rc < 0)
		return kperr(NULL, rc);
	printf("device=%s\nbdf=%s\nindex=%u\nvendor=0x%04x\ndevice_id=0x%04x\n",
	       info.driver, info.bdf, info.index, info.vendor, info.device);
	printf("subsystem=0x%04x:0x%04x\nclass=0x%06x\n",
	       info.subsystem_vendor, info.subsystem_device, info.class);
	printf("irq_caps=%s%s%s\nmsi_max=%u\nmsix_max=%u\n",
	       info.irq_caps & KP_IRQ_CAP_INTX ? "intx " : "",
	       info.irq_caps & KP_IRQ_CAP_MSI ? "msi " : "",
	       info.irq_caps & KP_IRQ_CAP_MSIX ? "msix" : "",
	       info.msi_max, info.msix_max);
	for (i = 0; i < 6; i++) {
		struct kp_bar_info bar = { 0 };

		if (kp_get_bar_info(dev, i, &bar) < 0 || !bar.size)
			continue;
		printf("bar%u=%s size=0x%" PRIx64 "%s\n", i,
		       bar.flags & KP_BAR_FLAG_IO ? "io" : "mem",
		       (uint64_t)bar.size,
		       bar.flags & KP_BAR_FLAG_64 ? " 64-bit" : "");
	}
	return 0;
}

/* Every readable register; those with read side effects only with --all. */
static int cmd_regs(int argc, char **argv)
{
	unsigned int i, skipped = 0;
	int all = argc == 2 && (!strcmp(argv[1], "--all") ||
				!strcmp(argv[1], "-a"));
	int rc, bad = 0;

	if (argc > 2 || (argc == 2 && !all)) {
		err("usage: regs [--all]  (--all also reads registers with read side effects)");
		return 2;
	}
	if (get_dev())
		return 1;
	for (i = 0; i < D->nregs; i++) {
		const struct kpdiag_reg *r = &D->regs[i];
		uint64_t v;

		if (!(r->flags & KPDIAG_REG_READ))
			continue;
		if ((r->flags & KPDIAG_REG_SIDE_EFFECTS) && !all) {
			skipped++;
			continue;
		}
		rc = kp_bar_read(dev, r->bar, r->offset, r->width, &v);
		if (rc < 0) {
			bad = kperr(r->name, rc);
			continue;
		}
		print_reg(r, v);
	}
	if (skipped && !script)
		printf("(%u register%s with read side effects not read: regs --all)\n",
		       skipped, skipped == 1 ? "" : "s");
	return bad;
}

static int cmd_read(int argc, char **argv)
{
	struct kpdiag_reg loc;
	uint64_t v;
	int rc;

	if (argc != 2) {
		err("usage: read REG|BAR:OFFSET[:WIDTH]");
		return 2;
	}
	if (parse_loc(argv[1], &loc, KPDIAG_REG_READ))
		return 2;
	if (!(loc.flags & KPDIAG_REG_READ)) {
		err("%s is write-only", loc.name);
		return 1;
	}
	if (get_dev())
		return 1;
	rc = kp_bar_read(dev, loc.bar, loc.offset, loc.width, &v);
	if (rc < 0)
		return kperr(NULL, rc);
	print_reg(&loc, v);
	return 0;
}

static int cmd_write(int argc, char **argv)
{
	struct kpdiag_reg loc;
	uint64_t v;
	int rc;

	if (argc != 3) {
		err("usage: write REG|BAR:OFFSET[:WIDTH] VALUE");
		return 2;
	}
	if (parse_loc(argv[1], &loc, KPDIAG_REG_WRITE))
		return 2;
	if (parse_u64(argv[2], &v) ||
	    (loc.width < 8 && v >> (loc.width * 8))) {
		err("bad value '%s' for a %u-byte register", argv[2], loc.width);
		return 2;
	}
	if (!(loc.flags & KPDIAG_REG_WRITE)) {
		err("%s is read-only", loc.name);
		return 1;
	}
	if (get_dev())
		return 1;
	rc = kp_bar_write(dev, loc.bar, loc.offset, loc.width, v);
	if (rc < 0)
		return kperr(NULL, rc);
	if (!script)
		printf("wrote 0x%" PRIx64 " to %s\n", v, loc.name);
	return 0;
}

static int cmd_cfg_read(int argc, char **argv)
{
	uint64_t off, v;
	unsigned int width = 4;
	int rc;

	if (argc < 2 || argc > 3 || parse_u64(argv[1], &off) ||
	    (argc == 3 && parse_width(argv[2], &width))) {
		err("usage: cfg-read OFFSET [WIDTH]");
		return 2;
	}
	if (get_dev())
		return 1;
	rc = kp_cfg_read(dev, off, width, &v);
	if (rc < 0)
		return kperr(NULL, rc);
	printf("cfg[0x%03" PRIx64 "]=0x%0*" PRIx64 "\n", off, (int)width * 2,
	       v);
	return 0;
}

static int cmd_cfg_write(int argc, char **argv)
{
	uint64_t off, v;
	unsigned int width;
	int rc;

	if (argc != 4 || parse_u64(argv[1], &off) ||
	    parse_width(argv[2], &width) || parse_u64(argv[3], &v)) {
		err("usage: cfg-write OFFSET WIDTH VALUE");
		return 2;
	}
	if (get_dev())
		return 1;
	rc = kp_cfg_write(dev, off, width, v);
	if (rc < 0)
		return kperr(NULL, rc);
	return 0;
}

static const struct kpdiag_msg *find_msg(const char *name)
{
	unsigned int i;

	for (i = 0; i < D->nmsgs; i++)
		if (!strcmp(D->msgs[i].name, name))
			return &D->msgs[i];
	return NULL;
}

static const char *result_name(uint32_t result)
{
	return result < D->nresults ? D->results[result] : "?";
}

static int cmd_call(int argc, char **argv)
{
	const struct kpdiag_msg *m;
	unsigned char *buf = NULL;
	uint32_t result = 0;
	unsigned int i;
	int rc;

	if (argc < 2) {
		err("usage: call MSG [FIELD=VALUE ...]; messages:");
		for (i = 0; i < D->nmsgs; i++)
			fprintf(stderr, "  %-16s %s\n", D->msgs[i].name,
				D->msgs[i].description);
		return 2;
	}
	m = find_msg(argv[1]);
	if (!m) {
		err("unknown message '%s' (see 'help')", argv[1]);
		return 2;
	}
	buf = calloc(1, m->size + 8);	/* + 8: never a 0-byte buffer */
	if (!buf)
		return 1;
	for (i = 2; i < (unsigned int)argc; i++) {
		if (set_field(buf, m, argv[i])) {
			free(buf);
			return 2;
		}
	}
	if (get_plugin()) {
		free(buf);
		return 1;
	}
	rc = kp_call(dev, m->id, buf, m->size, &result);
	if (rc < 0) {
		free(buf);
		return kperr(NULL, rc);
	}
	for (i = 0; i < m->nfields; i++)
		if (m->fields[i].flags & KPDIAG_FIELD_OUT)
			print_field(buf, &m->fields[i]);
	printf("call: message=%s id=0x%x dwResult=%u status=%s\n", m->name,
	       m->id, result, result_name(result));
	free(buf);
	return result == D->result_ok ? 0 : 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to @timeout_ms for one interrupt notification: 1, 0, or -1. */
static int wait_irq(int timeout_ms, struct kp_int_result *res)
{
	int64_t end = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = kp_fd(dev), .events = POLLIN };
		int64_t left = end - now_ms();
		int rc = kp_int_wait(dev, res, 1);

		if (rc == 0)
			return res->stopped ? -1 : 1;
		if (rc != -EAGAIN) {
			kperr(NULL, rc);
			return -1;
		}
		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -1;
	}
}

static const char *mode_name(uint32_t mode)
{
	switch (mode) {
	case KP_INT_MODE_INTX: return "intx";
	case KP_INT_MODE_MSI: return "msi";
	case KP_INT_MODE_MSIX: return "msix";
	default: return "auto";
	}
}

static int do_raise(void)
{
	unsigned int i;
	int rc;

	for (i = 0; i < D->nraise; i++) {
		const struct kpdiag_step *s = &D->raise[i];

		rc = kp_bar_write(dev, s->bar, s->offset, s->width, s->value);
		if (rc < 0)
			return kperr("raise", rc);
	}
	return 0;
}

struct irq_args {
	uint32_t modes[4];
	unsigned int nmodes;
	uint64_t count, vectors, timeout, backlog;
	int raise, trans;
};

static int irq_usage(void)
{
	err("usage: irq [--mode auto|intx|msi|msix] [--vectors N] [--count N] [--raise|--no-raise] [--trans] [--timeout MS] [--backlog N]\n"
	    "  enables interrupts, waits for N notifications, raising each one\n"
	    "  (interrupts.raise; the default when the description has it) unless\n"
	    "  --no-raise; --trans lets the runtime acknowledge with transfer\n"
	    "  commands; prints one summary line; exit status 0 when all N arrived\n"
	    "       irq enable [--mode M] [--vectors N] [--trans]   irq disable\n"
	    "  keep interrupts enabled for the commands that follow (a script)");
	return 2;
}

static int irq_parse(int argc, char **argv, struct irq_args *a)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--raise")) {
			a->raise = 1;
		} else if (!strcmp(o, "--no-raise")) {
			a->raise = 0;
		} else if (!strcmp(o, "--trans")) {
			a->trans = 1;
		} else if (v && !strcmp(o, "--mode")) {
			i++;
			a->nmodes = 1;
			if (!strcmp(v, "intx") || !strcmp(v, "legacy"))
				a->modes[0] = KP_INT_MODE_INTX;
			else if (!strcmp(v, "msi"))
				a->modes[0] = KP_INT_MODE_MSI;
			else if (!strcmp(v, "msix"))
				a->modes[0] = KP_INT_MODE_MSIX;
			else if (!strcmp(v, "auto"))
				a->nmodes = 0;
			else {
				err("--mode %s: expected auto, intx, msi or msix", v);
				return 2;
			}
		} else if (v && !strcmp(o, "--count")) {
			if (parse_u64(argv[++i], &a->count)) {
				err("--count %s: expected a number", v);
				return 2;
			}
		} else if (v && !strcmp(o, "--vectors")) {
			if (parse_u64(argv[++i], &a->vectors) || !a->vectors ||
			    a->vectors > KP_MAX_VECTORS) {
				err("--vectors %s: expected 1 to %u (at most %u vectors, KP_MAX_VECTORS)",
				    v, KP_MAX_VECTORS, KP_MAX_VECTORS);
				return 2;
			}
		} else if (v && !strcmp(o, "--timeout")) {
			if (parse_u64(argv[++i], &a->timeout) ||
			    a->timeout > INT32_MAX) {
				err("--timeout %s: expected milliseconds", v);
				return 2;
			}
		} else if (v && !strcmp(o, "--backlog")) {
			if (parse_u64(argv[++i], &a->backlog)) {
				err("--backlog %s: expected a number", v);
				return 2;
			}
		} else {
			return irq_usage();
		}
	}
	return 0;
}

static int int_enabled;			/* by `irq enable`, until `irq disable` */

/*
 * Enables interrupts as @a says, trying its modes in order; returns 0, or
 * the exit status after saying why not.
 */
static int int_enable(struct irq_args *a, struct kp_int_granted *granted)
{
	struct kpdiag_int_enable ie = { 0 };
	struct kp_int_opts opts = { 0 };
	unsigned int m;
	int rc;

	if (!D->nint_modes) {
		err("the description has no interrupts (interrupts.mode none)");
		return 2;
	}
	if (int_enabled) {
		err("interrupts are enabled already (`irq disable` first)");
		return 2;
	}
	if (a->trans) {
		if (!D->nack) {
			err("--trans: %s", D->ack_note ? D->ack_note :
			    "the description has no interrupts.acknowledge steps");
			return 2;
		}
		ie.flags |= KPDIAG_INT_F_TRANS_ACK;
		opts.trans = D->ack;
		opts.ntrans = D->nack;
	}
	if (!a->nmodes) {	/* the description's order */
		for (m = 0; m < D->nint_modes && m < 4; m++)
			a->modes[a->nmodes++] = D->int_modes[m];
	}
	if (get_plugin())
		return 1;
	opts.data = &ie;
	opts.data_size = sizeof(ie);
	opts.max_backlog = a->backlog;
	rc = -1;
	for (m = 0; m < a->nmodes; m++) {
		opts.mode = a->modes[m];
		opts.nvec = a->modes[m] == KP_INT_MODE_INTX ? 1 :
			    (uint32_t)a->vectors;
		rc = kp_int_enable(dev, &opts, NULL, NULL, granted);
		if (rc == 0)
			break;
		if (!script && m + 1 < a->nmodes)
			printf("mode %s: %s\n", mode_name(a->modes[m]),
			       kp_strerror(dev));
	}
	return rc < 0 ? kperr(NULL, rc) : 0;
}

/*
 * `irq enable [OPTIONS]` leaves interrupts enabled for the commands that
 * follow (in a script: a plugin that takes completion interrupts while a
 * KP_Call runs); `irq disable` ends that.
 */
static int cmd_irq_onoff(int argc, char **argv)
{
	struct irq_args a = { .vectors = D->vectors };
	struct kp_int_granted granted = { 0 };
	int rc;

	if (!strcmp(argv[1], "disable")) {
		if (argc != 2) {
			err("usage: irq disable");
			return 2;
		}
		if (!int_enabled) {
			err("irq disable: interrupts are not enabled");
			return 1;
		}
		kp_int_disable(dev);
		int_enabled = 0;
		if (!script)
			printf("interrupts disabled\n");
		return 0;
	}
	rc = irq_parse(argc - 1, argv + 1, &a);
	if (rc)
		return rc;
	rc = int_enable(&a, &granted);
	if (rc)
		return rc;
	int_enabled = 1;
	printf("irq: enabled mode=%s vectors=%u trans=%d\n",
	       mode_name(granted.mode), granted.nvec, a.trans);
	return 0;
}

static int cmd_irq(int argc, char **argv)
{
	struct irq_args a = { .count = 1, .vectors = D->vectors,
			      .timeout = 1000, .raise = -1 };
	struct kp_int_granted granted = { 0 };
	struct kp_stats before = { 0 }, after = { 0 };
	struct kp_int_result res = { 0 };
	uint64_t received = 0, timeouts = 0;
	int rc = -1, ok;
	int64_t t0;

	if (argc == 2 && !strcmp(argv[1], "--help"))
		return irq_usage();
	if (argc >= 2 && (!strcmp(argv[1], "enable") ||
			  !strcmp(argv[1], "disable")))
		return cmd_irq_onoff(argc, argv);
	rc = irq_parse(argc, argv, &a);
	if (rc)
		return rc;
	if (a.raise == 1 && !D->nraise) {
		err("--raise: the description has no interrupts.raise steps");
		return 2;
	}
	if (a.raise < 0)	/* default: raise when the description can */
		a.raise = D->nraise != 0;
	rc = int_enable(&a, &granted);
	if (rc)
		return rc;
	kp_get_stats(dev, &before);
	t0 = now_ms();
	while (received + timeouts < a.count) {
		if (a.raise && do_raise())
			break;
		ok = wait_irq((int)a.timeout, &res);
		if (ok < 0)
			break;
		if (ok == 0) {
			timeouts++;
			if (!a.raise)
				break;
			continue;
		}
		received++;
	}
	t0 = now_ms() - t0;
	kp_int_disable(dev);
	kp_get_stats(dev, &after);
	printf("irq: mode=%s vectors=%u trans=%d count=%" PRIu64
	       " raised=%" PRIu64 " received=%" PRIu64 " timeouts=%" PRIu64
	       " lost=%" PRIu64 " interrupts=%" PRIu64 " spurious=%" PRIu64
	       " dpcs=%" PRIu64 " dpc_count_sum=%" PRIu64
	       " notifications=%" PRIu64 " ms=%" PRId64 " status=%s\n",
	       mode_name(granted.mode), granted.nvec, a.trans, a.count,
	       a.raise ? received + timeouts : 0, received, timeouts, res.lost,
	       (uint64_t)(after.interrupts - before.interrupts),
	       (uint64_t)(after.spurious - before.spurious),
	       (uint64_t)(after.dpcs - before.dpcs),
	       (uint64_t)(after.dpc_count_sum - before.dpc_count_sum),
	       (uint64_t)(after.notifications - before.notifications), t0,
	       received == a.count ? "ok" : "FAIL");
	return received == a.count ? 0 : 1;
}

static const char *event_name(uint32_t action)
{
	switch (action) {
	case KP_EVENT_INSERT: return "insert";
	case KP_EVENT_REMOVE: return "remove";
	case KP_EVENT_POWER_D0: return "power-d0";
	case KP_EVENT_POWER_D3: return "power-d3";
	default: return "?";
	}
}

static int cmd_events(int argc, char **argv)
{
	uint64_t count = 1, timeout = 10000, received = 0, lost = 0;
	int64_t end;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--count")) {
			if (parse_u64(argv[++i], &count))
				goto usage;
		} else if (i + 1 < argc && !strcmp(argv[i], "--timeout")) {
			if (parse_u64(argv[++i], &timeout) || timeout > INT32_MAX)
				goto usage;
		} else {
			goto usage;
		}
	}
	if (!D->events) {
		err("the description has no events");
		return 2;
	}
	if (get_plugin())
		return 1;
	rc = kp_event_register(dev, D->events);
	if (rc < 0)
		return kperr(NULL, rc);
	end = now_ms() + (int64_t)timeout;
	while (received < count) {
		struct kp_event_wait ev = { 0 };
		struct pollfd pfd = { .fd = kp_fd(dev), .events = POLLPRI };
		int64_t left = end - now_ms();

		rc = kp_event_wait(dev, &ev, 1);
		if (rc == 0) {
			if (ev.flags & KP_WAIT_STOPPED)
				break;
			received++;
			lost = ev.lost;
			printf("event: seq=%" PRIu64 " action=%s\n",
			       (uint64_t)ev.seq, event_name(ev.action));
			continue;
		}
		if (rc != -EAGAIN) {
			kperr(NULL, rc);
			break;
		}
		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			break;
	}
	kp_event_register(dev, 0);
	printf("events: count=%" PRIu64 " received=%" PRIu64 " lost=%" PRIu64
	       " status=%s\n", count, received, lost,
	       received == count ? "ok" : "timeout");
	return received == count ? 0 : 1;
usage:
	err("usage: events [--count N] [--timeout MS]");
	return 2;
}

static int cmd_stats(int argc, char **argv)
{
	struct kp_stats st = { 0 };
	int rc;

	(void)argv;
	if (no_args(argc, "stats"))
		return 2;
	if (get_dev())
		return 1;
	rc = kp_get_stats(dev, &st);
	if (rc < 0)
		return kperr(NULL, rc);
	printf("interrupts=%" PRIu64 "\nspurious=%" PRIu64
	       "\ndpc_requests=%" PRIu64 "\ndpcs=%" PRIu64
	       "\ndpc_count_sum=%" PRIu64 "\nnotifications=%" PRIu64
	       "\nlost=%" PRIu64 "\ncalls=%" PRIu64 "\n",
	       (uint64_t)st.interrupts, (uint64_t)st.spurious,
	       (uint64_t)st.dpc_requests, (uint64_t)st.dpcs,
	       (uint64_t)st.dpc_count_sum, (uint64_t)st.notifications,
	       (uint64_t)st.lost, (uint64_t)st.calls);
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	struct kp_dev_entry e[64];
	int n, i, shown = 0;

	(void)argv;
	if (no_args(argc, "list"))
		return 2;
	n = kp_list(e, 64);
	if (n < 0) {
		err("cannot list /sys/class/kp: %s", strerror(-n));
		return 1;
	}
	for (i = 0; i < n && i < 64; i++) {
		if (strcmp(e[i].driver, D->driver))
			continue;
		printf("/dev/kp/%s %s %04x:%04x\n", e[i].name, e[i].bdf,
		       e[i].vendor, e[i].device);
		shown++;
	}
	if (!shown && !script)
		printf("no %s devices (is %s_kp.ko loaded and bound? `make load`)\n",
		       D->driver, D->driver);
	return 0;
}

/* ---- DMA buffers ------------------------------------------------------ */
/*
 * `dma alloc` (contiguous, kp_dma_contig_lock) and `dma lock` (this
 * process's memory, kp_dma_sg_lock) make buffers that live until `dma
 * free` or the end of the app: in a script, the commands in between can
 * hand their handles to the plugin (`call MSG handle=H offset=0 length=N`).
 */
#define MAX_DMA		64

struct dma_entry {
	struct kp_dma	*dma;
	void		*mem;		/* dma lock: our pages, to munmap */
	size_t		mem_size;
};

static struct dma_entry dmas[MAX_DMA];

/*
 * Handles in the order `dma alloc` / `dma lock` made them, for `@N` in a
 * later argument (a script cannot know the handles in advance).
 */
#define MAX_DMA_REFS	4096
static uint32_t dma_refs[MAX_DMA_REFS];
static unsigned int dma_nrefs;

static const char *dir_name(uint32_t flags)
{
	switch (flags & KP_DMA_DIR_MASK) {
	case KP_DMA_TO_DEVICE: return "to_device";
	case KP_DMA_FROM_DEVICE: return "from_device";
	default: return "bidirectional";
	}
}

static int parse_dir(const char *s, uint32_t *flags)
{
	if (!strcmp(s, "to_device"))
		*flags = KP_DMA_TO_DEVICE;
	else if (!strcmp(s, "from_device"))
		*flags = KP_DMA_FROM_DEVICE;
	else if (!strcmp(s, "bidirectional"))
		*flags = KP_DMA_BIDIRECTIONAL;
	else
		return -1;
	return 0;
}

static struct dma_entry *find_dma(const char *s)
{
	uint64_t h;
	unsigned int i;

	if (parse_u64(s, &h)) {
		err("bad handle '%s': expected a number (see 'dma list')", s);
		return NULL;
	}
	for (i = 0; i < MAX_DMA; i++)
		if (dmas[i].dma && dmas[i].dma->handle == h)
			return &dmas[i];
	err("no DMA buffer with handle %" PRIu64 " (see 'dma list')", h);
	return NULL;
}

static void print_dma(const struct kp_dma *d)
{
	uint64_t mask = D->dma_mask_bits >= 64 ? UINT64_MAX :
			(UINT64_C(1) << D->dma_mask_bits) - 1;
	int fits = 1;
	uint32_t i;

	for (i = 0; i < d->nsegs; i++)
		if (d->segs[i].bus_addr + d->segs[i].len - 1 > mask)
			fits = 0;
	printf("dma: handle=%u kind=%s size=0x%" PRIx64 " dir=%s nsegs=%u "
	       "bus=0x%" PRIx64 " fits_mask=%d\n", d->handle,
	       d->flags & KP_DMA_F_CONTIG ? "contig" : "sg", d->size,
	       dir_name(d->flags), d->nsegs,
	       d->nsegs ? (uint64_t)d->segs[0].bus_addr : 0, fits);
	if (!(d->flags & KP_DMA_F_CONTIG))
		for (i = 0; i < d->nsegs; i++)
			printf("seg: index=%u bus=0x%" PRIx64 " len=0x%" PRIx64
			       "\n", i, (uint64_t)d->segs[i].bus_addr,
			       (uint64_t)d->segs[i].len);
}

/* SIZE, or FILE: its size and contents (*@data, to free) */
static int size_or_file(const char *s, size_t *size, void **data)
{
	uint64_t v;
	FILE *f;
	long n;

	*data = NULL;
	if (!parse_u64(s, &v)) {
		if (!v || v > KP_DMA_MAX_LOCK) {
			err("bad size %s: expected 1 to 0x%llx bytes", s,
			    (unsigned long long)KP_DMA_MAX_LOCK);
			return 2;
		}
		*size = (size_t)v;
		return 0;
	}
	f = fopen(s, "rb");
	if (!f) {
		err("%s: %s (expected a size or a file)", s, strerror(errno));
		return 1;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		err("%s: cannot get its size: %s", s, strerror(errno));
		fclose(f);
		return 1;
	}
	if (!n || (uint64_t)n > KP_DMA_MAX_LOCK) {
		err("%s: %ld bytes: expected 1 to 0x%llx", s, n,
		    (unsigned long long)KP_DMA_MAX_LOCK);
		fclose(f);
		return 1;
	}
	*data = malloc((size_t)n);
	if (!*data || fread(*data, 1, (size_t)n, f) != (size_t)n) {
		err("%s: cannot read it", s);
		free(*data);
		*data = NULL;
		fclose(f);
		return 1;
	}
	fclose(f);
	*size = (size_t)n;
	return 0;
}

static struct dma_entry *free_slot(void)
{
	unsigned int i;

	for (i = 0; i < MAX_DMA; i++)
		if (!dmas[i].dma)
			return &dmas[i];
	err("at most %u DMA buffers at a time (dma free one)", MAX_DMA);
	return NULL;
}

/* dma alloc|lock SIZE|FILE [DIR] */
static int dma_make(int argc, char **argv, int contig)
{
	uint32_t flags = KP_DMA_BIDIRECTIONAL;
	struct dma_entry *e;
	size_t size, page = (size_t)sysconf(_SC_PAGESIZE);
	void *data, *mem = NULL, *buf;
	int rc;

	if (argc < 3 || argc > 4 || (argc == 4 && parse_dir(argv[3], &flags))) {
		err("usage: dma %s SIZE|FILE [to_device|from_device|bidirectional]",
		    argv[1]);
		return 2;
	}
	if (!(D->dma_user & (contig ? KPDIAG_DMA_CONTIG : KPDIAG_DMA_SG))) {
		err("dma %s: the plugin takes no %s buffers (dma.%s is false)",
		    argv[1], contig ? "contiguous" : "scatter-gather",
		    contig ? "contiguous" : "scatter_gather");
		return 2;
	}
	rc = size_or_file(argv[2], &size, &data);
	if (rc)
		return rc;
	e = free_slot();
	/* the plugin's KP_Open sets the DMA mask: open it first */
	if (!e || get_plugin()) {
		free(data);
		return 1;
	}
	if (contig) {
		rc = kp_dma_contig_lock(dev, &buf, flags, size, &e->dma);
	} else {
		e->mem_size = (size + page - 1) / page * page;
		mem = mmap(NULL, e->mem_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED) {
			err("dma lock: %s", strerror(errno));
			free(data);
			return 1;
		}
		buf = mem;
		/*
		 * Write every page before pinning: a to_device lock pins
		 * read-only, and an untouched page is then the shared zero
		 * page, which a later write would copy away from the device.
		 */
		memset(mem, 0, e->mem_size);
		if (data) {
			memcpy(mem, data, size);
			free(data);
			data = NULL;
		}
		rc = kp_dma_sg_lock(dev, buf, flags, e->mem_size, &e->dma);
	}
	if (rc < 0) {
		if (mem)
			munmap(mem, e->mem_size);
		e->dma = NULL;
		free(data);
		return kperr(NULL, rc);
	}
	e->mem = mem;
	if (data) {
		memcpy(buf, data, size);
		free(data);
	}
	if (dma_nrefs < MAX_DMA_REFS)
		dma_refs[dma_nrefs++] = e->dma->handle;
	print_dma(e->dma);
	return 0;
}

/* dma dump HANDLE [OFFSET LENGTH]: hex, 16 bytes a line */
static int dma_dump(int argc, char **argv)
{
	struct dma_entry *e;
	uint64_t off = 0, len, i;
	const unsigned char *p;

	if (argc != 3 && argc != 5) {
		err("usage: dma dump HANDLE [OFFSET LENGTH]");
		return 2;
	}
	e = find_dma(argv[2]);
	if (!e)
		return 2;
	len = e->dma->size;
	if (argc == 5 && (parse_u64(argv[3], &off) || parse_u64(argv[4], &len) ||
			  off > e->dma->size || len > e->dma->size - off)) {
		err("dma dump: bad range %s %s: the buffer has 0x%" PRIx64
		    " bytes", argv[3], argv[4], e->dma->size);
		return 2;
	}
	p = (const unsigned char *)e->dma->user_addr + off;
	for (i = 0; i < len; i++) {
		if (i % 16 == 0)
			printf("%08" PRIx64 ":", off + i);
		printf(" %02x", p[i]);
		if (i % 16 == 15 || i + 1 == len)
			putchar('\n');
	}
	printf("dump: handle=%u offset=0x%" PRIx64 " length=0x%" PRIx64 "\n",
	       e->dma->handle, off, len);
	return 0;
}

static int dma_sync(int argc, char **argv)
{
	struct dma_entry *e;
	int rc, cpu;

	if (argc != 4 || (strcmp(argv[3], "cpu") && strcmp(argv[3], "io"))) {
		err("usage: dma sync HANDLE cpu|io  (cpu: before reading what "
		    "the device wrote; io: before the device reads)");
		return 2;
	}
	e = find_dma(argv[2]);
	if (!e)
		return 2;
	cpu = !strcmp(argv[3], "cpu");
	rc = cpu ? kp_dma_sync_cpu(e->dma) : kp_dma_sync_io(e->dma);
	if (rc < 0)
		return kperr(NULL, rc);
	if (!script)
		printf("synced buffer %u for the %s\n", e->dma->handle,
		       cpu ? "CPU" : "device");
	return 0;
}

static void dma_release(struct dma_entry *e)
{
	kp_dma_unlock(e->dma);
	if (e->mem)
		munmap(e->mem, e->mem_size);
	memset(e, 0, sizeof(*e));
}

static int dma_free(int argc, char **argv)
{
	struct dma_entry *e;

	if (argc != 3) {
		err("usage: dma free HANDLE");
		return 2;
	}
	e = find_dma(argv[2]);
	if (!e)
		return 2;
	if (!script)
		printf("freed buffer %u\n", e->dma->handle);
	dma_release(e);
	return 0;
}

static int cmd_dma(int argc, char **argv)
{
	unsigned int i;

	if (D->version < 2 || !D->dma_mask_bits) {
		err("the description has no dma section");
		return 2;
	}
	if (argc >= 2 && !strcmp(argv[1], "alloc"))
		return dma_make(argc, argv, 1);
	if (argc >= 2 && !strcmp(argv[1], "lock"))
		return dma_make(argc, argv, 0);
	if (argc >= 2 && !strcmp(argv[1], "dump"))
		return dma_dump(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "sync"))
		return dma_sync(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "free"))
		return dma_free(argc, argv);
	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (i = 0; i < MAX_DMA; i++)
			if (dmas[i].dma)
				print_dma(dmas[i].dma);
		return 0;
	}
	err("usage: dma alloc SIZE|FILE [DIR] | lock SIZE|FILE [DIR] | dump HANDLE [OFF LEN] | sync HANDLE cpu|io | free HANDLE | list\n"
	    "  alloc: a contiguous buffer; lock: this process's memory (scatter-gather);\n"
	    "  DIR: to_device, from_device or bidirectional (default); a FILE's\n"
	    "  contents fill the buffer; hand the handle to a message with `buffer`;\n"
	    "  @N in any argument is the handle of the N-th buffer made in this run");
	return 2;
}

static int cmd_help(int argc, char **argv);

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
};

static const struct cmd cmds[] = {
	{ "list", cmd_list, "", "list the devices of this driver" },
	{ "info", cmd_info, "", "device ids, BARs and interrupt capabilities" },
	{ "regs", cmd_regs, "[--all]",
	  "read the readable registers (--all: also those with read side effects)" },
	{ "read", cmd_read, "REG|BAR:OFF[:W]", "read a register" },
	{ "write", cmd_write, "REG|BAR:OFF[:W] VALUE", "write a register" },
	{ "cfg-read", cmd_cfg_read, "OFFSET [WIDTH]", "read config space" },
	{ "cfg-write", cmd_cfg_write, "OFFSET WIDTH VALUE",
	  "write config space" },
	{ "call", cmd_call, "MSG [FIELD=VALUE ...]", "send a KP_Call message" },
	{ "irq", cmd_irq, "[--mode M] [--count N] [--raise] ...",
	  "interrupt test (see 'irq --help')" },
	{ "events", cmd_events, "[--count N] [--timeout MS]",
	  "wait for plug-and-play / power events" },
	{ "dma", cmd_dma, "alloc|lock|dump|sync|free|list ...",
	  "DMA buffers (see 'dma help')" },
	{ "stats", cmd_stats, "", "runtime counters of the device" },
	{ "help", cmd_help, "", "this list" },
	{ NULL, NULL, NULL, NULL }
};

static int cmd_help(int argc, char **argv)
{
	const struct cmd *c;
	unsigned int i;

	(void)argc;
	(void)argv;
	printf("usage: %s_diag [-i INDEX | -p /dev/kp/NODE] [--script] [COMMAND [ARGS]]\n",
	       D->driver);
	for (c = cmds; c->name; c++)
		printf("  %-9s %-28s %s\n", c->name, c->args, c->help);
	printf("registers:");
	for (i = 0; i < D->nregs; i++)
		printf(" %s", D->regs[i].name);
	printf("\nmessages:");
	for (i = 0; i < D->nmsgs; i++)
		printf(" %s", D->msgs[i].name);
	printf("\n");
	return 0;
}

/*
 * `@N` as an argument, or as the value of FIELD=@N: the handle of the
 * N-th DMA buffer this run made (1 is the first).  Returns -1 after
 * saying why when there is no such buffer.
 */
static int expand_refs(int argc, char **argv)
{
	static char text[MAX_ARGS][96];
	int i;

	for (i = 0; i < argc && i < MAX_ARGS; i++) {
		char *at = argv[i][0] == '@' ? argv[i] : strstr(argv[i], "=@");
		uint64_t n;

		if (!at)
			continue;
		if (*at == '=')
			at++;
		if (parse_u64(at + 1, &n) || at - argv[i] > 64)
			continue;
		if (!n || n > dma_nrefs) {
			err("%s: no DMA buffer %s (this run made %u)", argv[i],
			    at, dma_nrefs);
			return -1;
		}
		snprintf(text[i], sizeof(text[i]), "%.*s%u",
			 (int)(at - argv[i]), argv[i], dma_refs[n - 1]);
		argv[i] = text[i];
	}
	return 0;
}

static int run(int argc, char **argv)
{
	const struct cmd *c;

	if (!argc)
		return 0;
	if (expand_refs(argc, argv))
		return 2;
	for (c = cmds; c->name; c++)
		if (!strcmp(c->name, argv[0]))
			return c->fn(argc, argv);
	err("unknown command '%s' (see 'help')", argv[0]);
	return 2;
}

/* Splits @line at blanks into @argv; returns argc. */
static int split(char *line, char **argv)
{
	int argc = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < MAX_ARGS;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	return argc;
}

/* Commands from standard input, one per line; '#' starts a comment. */
static int run_lines(void)
{
	char line[1024], *argv[MAX_ARGS];
	int rc, worst = 0;

	while (fgets(line, sizeof(line), stdin)) {
		char *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		rc = run(split(line, argv), argv);
		if (rc > worst)
			worst = rc;
		fflush(stdout);
	}
	return worst;
}

static int ask(const char *prompt, char *buf, size_t size)
{
	printf("%s", prompt);
	fflush(stdout);
	if (!fgets(buf, (int)size, stdin))
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int menu(void)
{
	static const struct {
		const char *label, *cmd, *prompt;
	} items[] = {
		{ "Device information", "info", NULL },
		{ "Read all registers", "regs", NULL },
		{ "Read a register", "read", "register (name or BAR:OFF[:W]): " },
		{ "Write a register", "write", "register and value: " },
		{ "Read config space", "cfg-read", "offset [width]: " },
		{ "Call a message", "call", "message [field=value ...]: " },
		{ "Interrupt test", "irq", "options (e.g. --raise --count 10): " },
		{ "Wait for events", "events", "options (e.g. --count 1): " },
		{ "DMA buffers", "dma", "alloc|lock SIZE|FILE [DIR], dump|sync|free HANDLE ...: " },
		{ "Runtime statistics", "stats", NULL },
	};
	char line[1024], args[1024], *argv[MAX_ARGS];
	unsigned int i;

	for (;;) {
		printf("\n%s_diag - %s\n", D->driver, D->description);
		for (i = 0; i < sizeof(items) / sizeof(items[0]); i++)
			printf("  %u. %s\n", i + 1, items[i].label);
		printf("  0. Exit\n");
		if (ask("> ", line, sizeof(line)))
			return 0;
		if (!strcmp(line, "0") || !strcmp(line, "q"))
			return 0;
		i = (unsigned int)atoi(line);
		if (i < 1 || i > sizeof(items) / sizeof(items[0]))
			continue;
		snprintf(args, sizeof(args), "%s ", items[i - 1].cmd);
		if (items[i - 1].prompt &&
		    ask(items[i - 1].prompt, args + strlen(args),
			sizeof(args) - strlen(args)))
			return 0;
		run(split(args, argv), argv);
	}
}

int kpdiag_main(const struct kpdiag_device *desc, int argc, char **argv)
{
	int i = 1, rc;
	uint64_t v;

	if (!desc || desc->version < 1) {
		fprintf(stderr, "kpdiag: device tables of an unknown version\n");
		return 2;
	}
	D = desc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--script")) {
			script = 1;
		} else if (i + 1 < argc && !strcmp(argv[i], "-i")) {
			if (parse_u64(argv[++i], &v) || v > 0xffff) {
				err("-i: expected a device index");
				return 2;
			}
			dev_index = (unsigned int)v;
		} else if (i + 1 < argc && !strcmp(argv[i], "-p")) {
			dev_path = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			return cmd_help(0, NULL);
		} else {
			err("unknown option '%s' (see 'help')", argv[i]);
			return 2;
		}
	}
	if (i < argc)
		rc = run(argc - i, argv + i);
	else if (script || !isatty(STDIN_FILENO))
		rc = run_lines();
	else
		rc = menu();
	for (i = 0; i < MAX_DMA; i++)
		if (dmas[i].dma)
			dma_release(&dmas[i]);
	if (int_enabled)
		kp_int_disable(dev);
	int_enabled = 0;
	kp_close(dev);
	dev = NULL;
	plugin_open = 0;
	return rc;
}
