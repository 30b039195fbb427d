// SPDX-License-Identifier: GPL-2.0
/*
 * kp_priv - who may do what to a /dev/kp node; prints JSON lines
 * {"case": NAME, "got": ERRNO, ...} (the test holds the expectations),
 * then {"done": 1}.
 *
 *   kp_priv open-as --uid U PATH...
 *	As user U (no groups): open() O_RDONLY and O_RDWR of each PATH, and
 *	BPF_OBJ_GET of those under /sys/fs/bpf.
 *   kp_priv rofd --dev PATH [--uid U]
 *	An O_RDONLY fd (as user U): every ioctl that changes the device or
 *	runs plugin code, the reads, mmap()s of BAR 0 and of the
 *	notification pages.  A device with edu's registers.
 *   kp_priv cfg --dev PATH
 *	KP_CFG_WRITE of every width at every offset that overlaps COMMAND,
 *	a BAR, the expansion ROM or the MSI / MSI-X capability, each with a
 *	value that differs from the register's; one line per region with
 *	how many were refused with EPERM, the others, and which registers
 *	changed (read back).  Plus read-only registers next to them, written
 *	with their own value (allowed).
 *   kp_priv msix --dev PATH
 *	The MSI-X table and PBA: KP_BAR_WRITE into them, mmap() of each
 *	page of their BAR, a transfer command writing the table, and the
 *	rest of the BAR and BAR 0 (allowed).
 *   kp_priv master --dev PATH
 *	COMMAND's bus-master bit after open, with MSI enabled, after
 *	KP_INT_DISABLE, with INTx enabled (kp_hostile).
 *   kp_priv lockdown --dev PATH
 *	Under kernel lockdown (integrity): writes, transfer commands that
 *	write and BAR mmap() refused; reads, info, KP_Call work (kp_hostile
 *	on edu).
 *
 * A write that should have been refused and was not is undone with the
 * old value, so that a broken runtime leaves the device usable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "kpt_common.h"
#include "kpt_raw.h"

#define PAGE		4096u
#define EDU_BAR0_ID	0x010000ed
#define CFG_MAX		256

static int fd = -1;

static void emit(const char *name, int got)
{
	printf("{\"case\": \"%s\", \"got\": \"%s\"}\n", name,
	       kpt_errname(got));
}

static int drop_to(long uid)
{
	if (uid < 0)
		return 0;
	if (setgroups(0, NULL) || setgid((gid_t)uid) || setuid((uid_t)uid))
		return errno;
	return 0;
}

static int try_mmap(int f, size_t len, uint64_t off, int prot, void **out)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, f, (off_t)off);

	if (p == MAP_FAILED)
		return errno;
	if (out)
		*out = p;
	else
		munmap(p, len);
	return 0;
}

/* ---- open-as ------------------------------------------------------- */

static int bpf_obj_get(const char *path)
{
	union bpf_attr attr;
	int f;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uintptr_t)path;
	attr.file_flags = BPF_F_RDONLY;
	f = syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr));

	if (f < 0)
		return errno;
	close(f);
	return 0;
}

static int open_as(long uid, char **paths, int n)
{
	int i, e, f;

	e = drop_to(uid);
	if (e) {
		printf("{\"error\": \"setuid\", \"errno\": \"%s\"}\n",
		       kpt_errname(e));
		return 1;
	}
	for (i = 0; i < n; i++) {
		int ro, rw, bpf = -1;

		f = open(paths[i], O_RDONLY | O_CLOEXEC);
		ro = f < 0 ? errno : 0;
		if (f >= 0)
			close(f);
		f = open(paths[i], O_RDWR | O_CLOEXEC);
		rw = f < 0 ? errno : 0;
		if (f >= 0)
			close(f);
		if (!strncmp(paths[i], "/sys/fs/bpf/", 12))
			bpf = bpf_obj_get(paths[i]);
		printf("{\"path\": \"%s\", \"rdonly\": \"%s\", \"rdwr\": \"%s\"",
		       paths[i], kpt_errname(ro), kpt_errname(rw));
		if (bpf >= 0)
			printf(", \"bpf_obj_get\": \"%s\"", kpt_errname(bpf));
		printf("}\n");
	}
	return 0;
}

/* ---- rofd ---------------------------------------------------------- */

static int read_id_is(uint64_t want)
{
	uint32_t v = 0;
	int e = kpt_bar_rd32(fd, KPT_EDU_ID, &v);

	return e ? e : (v == want ? 0 : ERANGE);
}

static int rofd(const char *path, long uid)
{
	struct kp_device_info info = { .argsz = sizeof(info) };
	struct kp_bar_info bi = { .argsz = sizeof(bi), .index = 0 };
	struct kp_event_register er = { .argsz = sizeof(er),
					.actions = KP_EVENT_ALL };
	struct kp_int_enable ie;
	struct kp_int_wait w;
	struct kp_stats st;
	struct hostile_msg m = { 0 };
	uint32_t cfg = 0;
	volatile uint32_t *bar;
	void *p = NULL;
	int e;

	e = drop_to(uid);
	if (e) {
		printf("{\"error\": \"setuid\", \"errno\": \"%s\"}\n",
		       kpt_errname(e));
		return 1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	emit("open_rdonly", fd < 0 ? errno : 0);
	if (fd < 0)
		return 1;

	/* what changes the device or runs plugin code: EBADF */
	emit("bar_write", kpt_bar_wr32(fd, 0x04, 0x12345678));
	e = kpt_cfg_rd(fd, 0x3c, 1, &cfg);
	emit("cfg_write", e ? e : kpt_cfg_wr(fd, 0x3c, 1, cfg));
	emit("plugin_open", kpt_plugin_open(fd));
	emit("plugin_call", kpt_hostile_call(fd, HOSTILE_MSG_COUNTS, &m,
					     NULL));
	emit("plugin_close", kpt_ioctl(fd, KP_PLUGIN_CLOSE, NULL));
	emit("int_enable", kpt_int_enable(fd, &ie, KP_INT_MODE_MSI, 0, NULL,
					  0, NULL, 0));
	emit("int_disable", kpt_ioctl(fd, KP_INT_DISABLE, NULL));

	/* reads and waits work */
	emit("get_info", kpt_ioctl(fd, KP_GET_INFO, &info));
	emit("get_bar_info", kpt_ioctl(fd, KP_GET_BAR_INFO, &bi));
	emit("bar_read_id", read_id_is(EDU_BAR0_ID));
	emit("cfg_read_ids", kpt_cfg_rd(fd, 0, 4, &cfg) ?:
	     (cfg == 0x11e81234 ? 0 : ERANGE));
	emit("get_stats", kpt_get_stats(fd, &st));
	e = kpt_int_wait(fd, KP_WAIT_NONBLOCK, 0, &w);
	emit("int_wait_idle_is_stopped", e ? e :
	     ((w.flags & KP_WAIT_STOPPED) && w.reason == KP_STOP_IDLE ?
	      0 : ERANGE));
	emit("event_register", kpt_ioctl(fd, KP_EVENT_REGISTER, &er));

	/* mmap: the VFS refuses write access to a read-only file */
	emit("mmap_bar0_rw", try_mmap(fd, PAGE, KP_MMAP_OFFSET(0),
				      PROT_READ | PROT_WRITE, NULL));
	e = try_mmap(fd, PAGE, KP_MMAP_OFFSET(0), PROT_READ, &p);
	if (!e) {
		bar = p;
		e = bar[0] == EDU_BAR0_ID ? 0 : ERANGE;
	}
	emit("mmap_bar0_ro_reads_id", e);
	if (p) {
		emit("mprotect_bar0_write",
		     mprotect(p, PAGE, PROT_READ | PROT_WRITE) ? errno : 0);
		munmap(p, PAGE);
	}
	emit("mmap_notify_ro", try_mmap(fd, PAGE, KP_MMAP_NOTIFY, PROT_READ,
					NULL));
	emit("mmap_notify_ack_rw", try_mmap(fd, PAGE, KP_MMAP_NOTIFY_ACK,
					    PROT_READ | PROT_WRITE, NULL));
	close(fd);
	return 0;
}

/* ---- cfg ----------------------------------------------------------- */

struct region {
	const char	*name;
	uint32_t	start, len;
};

static int cfg_dump(uint8_t *buf)
{
	uint32_t v;
	int off, e;

	for (off = 0; off < CFG_MAX; off += 4) {
		e = kpt_cfg_rd(fd, off, 4, &v);
		if (e)
			return e;
		memcpy(buf + off, &v, 4);
	}
	return 0;
}

static uint32_t cfg_get(const uint8_t *buf, uint32_t off, uint32_t width)
{
	uint32_t v = 0;

	memcpy(&v, buf + off, width);
	return v;
}

/* MSI capability length from its flags (PCI Local Bus 3.0, 6.8.1) */
static uint32_t msi_len(uint32_t cap)
{
	uint32_t flags = 0;
	uint32_t len;

	kpt_cfg_rd(fd, cap + 2, 2, &flags);
	len = (flags & 0x80) ? 14 : 10;		/* 64-bit address */
	if (flags & 0x100)			/* per-vector masking */
		len += 10;
	return len;
}

static void cfg_region(const struct region *r)
{
	static const uint32_t widths[] = { 1, 2, 4 };
	uint8_t before[CFG_MAX], after[CFG_MAX];
	char other[1024] = "", changed[1024] = "";
	uint32_t off, i, mask, val, old;
	int writes = 0, eperm = 0, e;

	if (cfg_dump(before))
		return;
	for (i = 0; i < 3; i++) {
		uint32_t w = widths[i];

		mask = w == 4 ? 0xffffffffu : (1u << (w * 8)) - 1;
		for (off = r->start & ~(w - 1); off < r->start + r->len;
		     off += w) {
			old = cfg_get(before, off, w);
			val = (old ^ 0x5a5a5a5au) & mask;
			e = kpt_cfg_wr(fd, off, w, val);
			writes++;
			if (e == EPERM) {
				eperm++;
				continue;
			}
			snprintf(other + strlen(other),
				 sizeof(other) - strlen(other),
				 "%s\"w%u@0x%02x=%s\"", other[0] ? ", " : "",
				 w, off, kpt_errname(e));
			if (!e)		/* undo what got through */
				kpt_cfg_wr(fd, off, w, old);
		}
	}
	if (!cfg_dump(after))
		for (off = r->start; off < r->start + r->len; off++)
			if (before[off] != after[off])
				snprintf(changed + strlen(changed),
					 sizeof(changed) - strlen(changed),
					 "%s\"0x%02x\"",
					 changed[0] ? ", " : "", off);
	printf("{\"region\": \"%s\", \"start\": %u, \"len\": %u, \"writes\": "
	       "%d, \"eperm\": %d, \"other\": [%s], \"changed\": [%s]}\n",
	       r->name, r->start, r->len, writes, eperm, other, changed);
}

static int cfg(const char *path)
{
	/* read-only registers around the protected ones: allowed */
	static const struct { const char *name; uint32_t off, w; } ro[] = {
		{ "cfg_write_ids_same_value", 0x00, 4 },
		{ "cfg_write_class_same_value", 0x08, 4 },
		{ "cfg_write_cardbus_cis_same_value", 0x28, 4 },
		{ "cfg_write_subsystem_same_value", 0x2c, 4 },
		{ "cfg_write_cap_pointer_same_value", 0x34, 1 },
		{ "cfg_write_interrupt_line_same_value", 0x3c, 1 },
	};
	struct region regs[5] = {
		{ "command", 0x04, 2 },
		{ "bars", 0x10, 24 },
		{ "rom", 0x30, 4 },
	};
	int n = 3, msi, msix;
	uint32_t v;
	unsigned int i;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		emit("open", errno);
		return 1;
	}
	msi = kpt_find_cap(fd, 0x05);
	msix = kpt_find_cap(fd, 0x11);
	printf("{\"msi_cap\": %d, \"msix_cap\": %d}\n", msi, msix);
	if (msi > 0)
		regs[n++] = (struct region){ "msi", msi, msi_len(msi) };
	if (msix > 0)
		regs[n++] = (struct region){ "msix", msix, 12 };
	for (i = 0; i < (unsigned int)n; i++)
		cfg_region(&regs[i]);
	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		int e = kpt_cfg_rd(fd, ro[i].off, ro[i].w, &v);

		emit(ro[i].name, e ? e : kpt_cfg_wr(fd, ro[i].off, ro[i].w, v));
	}
	close(fd);
	return 0;
}

/* ---- msix ---------------------------------------------------------- */

static int bar_rw(unsigned long req, uint32_t bar, uint64_t off,
		  uint32_t width, uint64_t *val)
{
	return kpt_rw(fd, req, bar, off, width, val);
}

/* Writes every @width-aligned place of [@start, +@len) of @bar. */
static void bar_region(const char *name, uint32_t bar, uint64_t start,
		       uint64_t len, uint32_t width)
{
	char other[1024] = "";
	uint64_t off, old, val;
	int writes = 0, eperm = 0, changed = 0, e;

	for (off = start; off < start + len; off += width) {
		old = 0;
		bar_rw(KP_BAR_READ, bar, off, width, &old);
		val = ~old;
		e = bar_rw(KP_BAR_WRITE, bar, off, width, &val);
		writes++;
		if (e == EPERM) {
			eperm++;
		} else {
			snprintf(other + strlen(other),
				 sizeof(other) - strlen(other),
				 "%s\"w%u@0x%llx=%s\"", other[0] ? ", " : "",
				 width, (unsigned long long)off,
				 kpt_errname(e));
			if (!e)
				bar_rw(KP_BAR_WRITE, bar, off, width, &old);
		}
		val = 0;
		bar_rw(KP_BAR_READ, bar, off, width, &val);
		changed += val != old;
	}
	printf("{\"region\": \"%s\", \"bar\": %u, \"start\": %llu, \"len\": "
	       "%llu, \"width\": %u, \"writes\": %d, \"eperm\": %d, \"other\": "
	       "[%s], \"changed\": %d}\n", name, bar,
	       (unsigned long long)start, (unsigned long long)len, width,
	       writes, eperm, other, changed);
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int msix(const char *path)
{
	static const struct kp_trans_cmd write_table = {
		.cmd = KP_TRANS_WRITE, .width = 4, .value = 0,
	};
	struct kp_bar_info bi = { .argsz = sizeof(bi) };
	struct kp_trans_cmd t = write_table;
	struct kp_int_enable ie;
	uint32_t ctrl, table, pba, bir, pbir, nent;
	uint64_t toff, tlen, poff, plen, page;
	char name[64];
	int cap, e;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		emit("open", errno);
		return 1;
	}
	cap = kpt_find_cap(fd, 0x11);
	if (cap <= 0) {
		printf("{\"error\": \"no MSI-X capability\"}\n");
		return 1;
	}
	kpt_cfg_rd(fd, cap + 2, 2, &ctrl);
	kpt_cfg_rd(fd, cap + 4, 4, &table);
	kpt_cfg_rd(fd, cap + 8, 4, &pba);
	nent = (ctrl & 0x7ff) + 1;
	bir = table & 7;
	toff = table & ~7u;
	tlen = nent * 16ull;
	pbir = pba & 7;
	poff = pba & ~7u;
	plen = ((nent + 63) / 64) * 8ull;
	bi.index = bir;
	kpt_ioctl(fd, KP_GET_BAR_INFO, &bi);
	printf("{\"table_bar\": %u, \"table_offset\": %llu, \"entries\": %u, "
	       "\"pba_bar\": %u, \"pba_offset\": %llu, \"bar_size\": %llu}\n",
	       bir, (unsigned long long)toff, nent, pbir,
	       (unsigned long long)poff, (unsigned long long)bi.size);

	bar_region("table_w4", bir, toff, tlen, 4);
	bar_region("table_w8", bir, toff, tlen, 8);
	bar_region("table_w1_first", bir, toff, 1, 1);
	bar_region("table_w1_last", bir, toff + tlen - 1, 1, 1);
	bar_region("pba_w4", pbir, poff, plen, 4);
	bar_region("pba_w8", pbir, poff, plen, 8);

	/* the page after the table, when it is neither table nor PBA */
	if (!overlaps(toff + tlen, 4, poff, plen) &&
	    toff + tlen + 4 <= bi.size) {
		uint64_t v = 0;

		e = bar_rw(KP_BAR_READ, bir, toff + tlen, 4, &v);
		emit("bar_write_after_table_same_value",
		     e ? e : bar_rw(KP_BAR_WRITE, bir, toff + tlen, 4, &v));
	}
	emit("bar_read_table", bar_rw(KP_BAR_READ, bir, toff, 4,
				      &(uint64_t){ 0 }));

	/* mmap: each page of the BAR, and the whole of it */
	for (page = 0; page < bi.size; page += PAGE) {
		int bad = overlaps(page, PAGE, toff, tlen) ||
			  (pbir == bir && overlaps(page, PAGE, poff, plen));

		snprintf(name, sizeof(name), "mmap_msix_bar_page_%llu_%s",
			 (unsigned long long)(page / PAGE),
			 bad ? "table_or_pba" : "other");
		emit(name, try_mmap(fd, PAGE, KP_MMAP_OFFSET(bir) + page,
				    PROT_READ | PROT_WRITE, NULL));
	}
	emit("mmap_msix_bar_whole", try_mmap(fd, bi.size, KP_MMAP_OFFSET(bir),
					     PROT_READ | PROT_WRITE, NULL));
	bi.index = 0;
	kpt_ioctl(fd, KP_GET_BAR_INFO, &bi);
	emit("mmap_bar0_whole", try_mmap(fd, bi.size, KP_MMAP_OFFSET(0),
					 PROT_READ | PROT_WRITE, NULL));

	/* a transfer command that would write the table */
	t.bar = bir;
	t.offset = toff;
	e = kpt_plugin_open(fd);
	emit("plugin_open", e);
	emit("int_enable_trans_write_table",
	     kpt_int_enable(fd, &ie, KP_INT_MODE_MSIX, 0, NULL, 0, &t, 1));
	close(fd);
	return 0;
}

/* ---- master -------------------------------------------------------- */

static int master_bit(void)
{
	uint32_t cmd = 0;
	int e = kpt_cfg_rd(fd, 0x04, 2, &cmd);

	return e ? -e : !!(cmd & 0x4);
}

static int master(const char *path)
{
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || kpt_plugin_open(fd)) {
		emit("open", errno);
		return 1;
	}
	printf("{\"stage\": \"open\", \"master\": %d}\n", master_bit());
	emit("int_enable_msi", kpt_hostile_enable(fd, KP_INT_MODE_MSI,
						  HOSTILE_MODE_ACK));
	printf("{\"stage\": \"msi\", \"master\": %d}\n", master_bit());
	emit("int_disable_msi", kpt_ioctl(fd, KP_INT_DISABLE, NULL));
	printf("{\"stage\": \"msi_disabled\", \"master\": %d}\n", master_bit());
	emit("int_enable_intx", kpt_hostile_enable(fd, KP_INT_MODE_INTX,
						   HOSTILE_MODE_ACK));
	printf("{\"stage\": \"intx\", \"master\": %d}\n", master_bit());
	emit("int_disable_intx", kpt_ioctl(fd, KP_INT_DISABLE, NULL));
	printf("{\"stage\": \"intx_disabled\", \"master\": %d}\n",
	       master_bit());
	close(fd);
	return 0;
}

/* ---- lockdown ------------------------------------------------------ */

static int lockdown(const char *path)
{
	static const struct kp_trans_cmd ack[2] = {
		{ .cmd = KP_TRANS_READ, .bar = 0, .width = 4,
		  .offset = KPT_EDU_IRQ_STATUS, .mask = 0xffffffff },
		{ .cmd = KP_TRANS_WRITE, .flags = KP_TRANS_F_USE_READ,
		  .bar = 0, .width = 4, .offset = KPT_EDU_IRQ_ACK },
	};
	struct kp_device_info info = { .argsz = sizeof(info) };
	struct hostile_msg m = { 0 };
	struct kp_int_enable ie;
	char buf[128] = "?";
	uint32_t v = 0, res = 0;
	int e;

	kpt_read_text("/sys/kernel/security/lockdown", buf, sizeof(buf));
	printf("{\"lockdown\": \"%s\"}\n", buf);
	fd = open(path, O_RDWR | O_CLOEXEC);
	emit("open", fd < 0 ? errno : 0);
	if (fd < 0)
		return 1;
	e = kpt_cfg_rd(fd, 0x3c, 1, &v);
	emit("cfg_read", e);
	emit("cfg_write_interrupt_line", e ? e : kpt_cfg_wr(fd, 0x3c, 1, v));
	emit("bar_read_id", read_id_is(EDU_BAR0_ID));
	emit("bar_write_liveness", kpt_bar_wr32(fd, 0x04, 0x12345678));
	emit("mmap_bar0_ro", try_mmap(fd, PAGE, KP_MMAP_OFFSET(0), PROT_READ,
				      NULL));
	emit("mmap_bar0_rw", try_mmap(fd, PAGE, KP_MMAP_OFFSET(0),
				      PROT_READ | PROT_WRITE, NULL));
	emit("mmap_notify_ro", try_mmap(fd, PAGE, KP_MMAP_NOTIFY, PROT_READ,
					NULL));
	emit("get_info", kpt_ioctl(fd, KP_GET_INFO, &info));
	emit("plugin_open", kpt_plugin_open(fd));
	emit("plugin_call", kpt_hostile_call(fd, HOSTILE_MSG_COUNTS, &m,
					     &res));
	e = kpt_int_enable(fd, &ie, KP_INT_MODE_MSI, 0, NULL, 0, ack, 2);
	emit("int_enable_trans_write", e);
	if (!e)
		kpt_ioctl(fd, KP_INT_DISABLE, NULL);
	e = kpt_int_enable(fd, &ie, KP_INT_MODE_MSI, 0, NULL, 0, ack, 1);
	emit("int_enable_trans_read_only", e);
	if (!e)
		emit("int_disable", kpt_ioctl(fd, KP_INT_DISABLE, NULL));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "uid", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dev = NULL, *cmd;
	long uid = -1;
	int c, ret;

	if (argc < 2) {
		fprintf(stderr, "usage: kp_priv open-as|rofd|cfg|msix|master|"
			"lockdown [--dev PATH] [--uid U] [PATH...]\n");
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 'u': uid = strtol(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "open-as"))
		ret = open_as(uid, argv + optind, argc - optind);
	else if (!dev)
		ret = 2;
	else if (!strcmp(cmd, "rofd"))
		ret = rofd(dev, uid);
	else if (!strcmp(cmd, "cfg"))
		ret = cfg(dev);
	else if (!strcmp(cmd, "msix"))
		ret = msix(dev);
	else if (!strcmp(cmd, "master"))
		ret = master(dev);
	else if (!strcmp(cmd, "lockdown"))
		ret = lockdown(dev);
	else
		ret = 2;
	printf("{\"done\": 1, \"rc\": %d}\n", ret);
	return ret;
}
