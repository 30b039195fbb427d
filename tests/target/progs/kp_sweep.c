// SPDX-License-Identifier: GPL-2.0
/*
 * kp_sweep - feeds bad input to every ioctl of a /dev/kp node (and to
 * mmap), also through a read-only fd of it, and prints one JSON line per
 * case:
 *
 *   {"case": "bar_read_width_3", "expect": "EINVAL", "got": "EINVAL",
 *    "doc": 1}
 *
 * "doc" is 1 when kp.h documents the expected error, 0 when the case is a
 * wrong-state error kp.h leaves open (the expectation is the runtime's
 * documented convention, see the test).  The device must be bound to a
 * plugin whose KP_Open accepts NULL open data and that has interrupt
 * callbacks (the reference plugin), on an edu device (BAR0 1 MiB memory,
 * MSI, no MSI-X, 256-byte config space).
 *
 *   kp_sweep --list          case names and expectations, no device
 *   kp_sweep /dev/kp/KPDriver0
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kp.h>
#define offsetofend(T, m)	(offsetof(T, m) + sizeof(((T *)0)->m))

#include "kpt_common.h"

#define EDU_BAR0_SIZE	(1u << 20)
#define EDU_CFG_SIZE	256
#define BAD_FLAG	(1u << 31)

static int listing;
static int fd = -1, fd2 = -1;
static int fd_ro = -1;		/* the same node, opened O_RDONLY */
static void *unmapped;		/* an address with nothing mapped */
static unsigned int ncases, nbad;

static void report(const char *name, int expect, int got, int doc)
{
	ncases++;
	if (listing) {
		printf("{\"case\": \"%s\", \"expect\": \"%s\", \"doc\": %d}\n",
		       name, kpt_errname(expect), doc);
		return;
	}
	if (got != expect)
		nbad++;
	printf("{\"case\": \"%s\", \"expect\": \"%s\", \"got\": \"%s\", "
	       "\"doc\": %d}\n", name, kpt_errname(expect), kpt_errname(got),
	       doc);
	fflush(stdout);
}

/* errno of one ioctl, 0 on success */
static int xioctl(int f, unsigned long req, void *arg)
{
	return ioctl(f, req, arg) < 0 ? errno : 0;
}

/* CASE: documented expectation; SCASE: wrong-state, not in kp.h */
#define CASE(name, expect, expr) \
	report(name, expect, listing ? 0 : (expr), 1)
#define SCASE(name, expect, expr) \
	report(name, expect, listing ? 0 : (expr), 0)
/* A step that must succeed for the sweep to go on. */
#define STEP(expr) do {						\
	if (!listing) {						\
		int __e = (expr);				\
		if (__e) {					\
			printf("{\"step_failed\": \"%s\", "	\
			       "\"errno\": \"%s\"}\n", #expr,	\
			       kpt_errname(__e));		\
			exit(1);				\
		}						\
	}							\
} while (0)

/*
 * The five envelope cases of a struct ioctl: NULL and unmapped argument
 * (EFAULT), argsz 0 and one byte short of the first version (@minsz,
 * EINVAL), and an unknown flag (EINVAL).  @valid is a filled-in struct
 * of @size bytes that would succeed; it is copied, never modified.
 */
static void envelope_v(const char *what, unsigned long req, const void *valid,
		       size_t size, size_t minsz)
{
	unsigned char buf[256];
	uint32_t *hdr = (uint32_t *)buf;
	char name[96];

	snprintf(name, sizeof(name), "%s_null_arg", what);
	CASE(name, EFAULT, xioctl(fd, req, NULL));
	snprintf(name, sizeof(name), "%s_unmapped_arg", what);
	CASE(name, EFAULT, xioctl(fd, req, unmapped));

	snprintf(name, sizeof(name), "%s_argsz_0", what);
	memcpy(buf, valid, size);
	hdr[0] = 0;
	CASE(name, EINVAL, xioctl(fd, req, buf));

	snprintf(name, sizeof(name), "%s_argsz_short", what);
	memcpy(buf, valid, size);
	hdr[0] = minsz - 1;
	CASE(name, EINVAL, xioctl(fd, req, buf));

	snprintf(name, sizeof(name), "%s_unknown_flag", what);
	memcpy(buf, valid, size);
	hdr[1] |= BAD_FLAG;
	CASE(name, EINVAL, xioctl(fd, req, buf));
}

/* A struct that has only its first version */
static void envelope(const char *what, unsigned long req, const void *valid,
		     size_t size)
{
	envelope_v(what, req, valid, size, size);
}

static int rw(int f, unsigned long req, uint32_t bar, uint64_t off,
	      uint32_t width, uint64_t *val)
{
	struct kp_rw r = { .argsz = sizeof(r), .bar = bar, .width = width,
			   .offset = off, .value = val ? *val : 0 };
	int e = xioctl(f, req, &r);

	if (!e && val)
		*val = r.value;
	return e;
}

static int info_argsz_grown(void)
{
	struct { struct kp_device_info i; uint64_t tail[2]; } g;

	memset(&g, 0, sizeof(g));
	g.i.argsz = sizeof(g);
	return xioctl(fd, KP_GET_INFO, &g);
}

static int bar_info(uint32_t index, uint64_t *size)
{
	struct kp_bar_info b = { .argsz = sizeof(b), .index = index };
	int e = xioctl(fd, KP_GET_BAR_INFO, &b);

	if (!e && size)
		*size = b.size;
	return e;
}

/* 0 when the call succeeded and produced @want, ERANGE on a wrong value */
static int bar_size_is(uint32_t index, uint64_t want)
{
	uint64_t v = ~0ull;
	int e = bar_info(index, &v);

	return e ? e : (v == want ? 0 : ERANGE);
}

static int rw_reads(unsigned long req, uint64_t off, uint32_t width,
		    uint64_t want)
{
	uint64_t v = ~0ull;
	int e = rw(fd, req, 0, off, width, &v);

	return e ? e : (v == want ? 0 : ERANGE);
}

static int plugin_open(int f, uint64_t data, uint32_t size)
{
	struct kp_plugin_open o = { .argsz = sizeof(o), .data = data,
				    .data_size = size };
	return xioctl(f, KP_PLUGIN_OPEN, &o);
}

static int plugin_call(uint32_t msg, uint64_t data, uint32_t size)
{
	struct kp_plugin_call c = { .argsz = sizeof(c), .message = msg,
				    .data = data, .data_size = size };
	return xioctl(fd, KP_PLUGIN_CALL, &c);
}

static struct kp_trans_cmd good_trans[2] = {
	{ .cmd = KP_TRANS_READ, .bar = 0, .width = 4, .offset = 0x24,
	  .mask = 0xffffffff },
	{ .cmd = KP_TRANS_WRITE, .flags = KP_TRANS_F_USE_READ, .bar = 0,
	  .width = 4, .offset = 0x64 },
};

static int int_enable(int f, uint32_t mode, uint32_t nvec, uint64_t data,
		      uint32_t dsize, uint64_t trans, uint32_t ntrans)
{
	struct kp_int_enable ie = { .argsz = sizeof(ie), .mode = mode,
				    .nvec = nvec, .data = data,
				    .data_size = dsize, .trans = trans,
				    .ntrans = ntrans };
	return xioctl(f, KP_INT_ENABLE, &ie);
}

/* INT_ENABLE with good_trans[1] replaced by @bad */
static int int_enable_trans(struct kp_trans_cmd bad)
{
	struct kp_trans_cmd t[2] = { good_trans[0], bad };

	return int_enable(fd, KP_INT_MODE_MSI, 1, 0, 0, (uintptr_t)t, 2);
}

static int int_wait(int f, uint32_t flags, uint32_t *out_flags)
{
	struct kp_int_wait w = { .argsz = sizeof(w), .flags = flags };
	int e = xioctl(f, KP_INT_WAIT, &w);

	if (!e && out_flags)
		*out_flags = w.flags;
	return e;
}

static int wait_stopped(int f)
{
	uint32_t fl = 0;
	int e = int_wait(f, KP_WAIT_NONBLOCK, &fl);

	return e ? e : ((fl & KP_WAIT_STOPPED) ? 0 : ERANGE);
}

static int event_register(uint32_t actions)
{
	struct kp_event_register r = { .argsz = sizeof(r),
				       .actions = actions };
	return xioctl(fd, KP_EVENT_REGISTER, &r);
}

static int event_wait(uint32_t flags)
{
	struct kp_event_wait w = { .argsz = sizeof(w), .flags = flags };

	return xioctl(fd, KP_EVENT_WAIT, &w);
}

static int event_wait_stopped(void)
{
	struct kp_event_wait w = { .argsz = sizeof(w),
				   .flags = KP_WAIT_NONBLOCK };
	int e = xioctl(fd, KP_EVENT_WAIT, &w);

	return e ? e : ((w.flags & KP_WAIT_STOPPED) ? 0 : ERANGE);
}

static int try_mmap_prot(size_t len, uint64_t off, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

static int try_mmap(size_t len, uint64_t off)
{
	return try_mmap_prot(len, off, PROT_READ | PROT_WRITE);
}

static int try_mmap_on(int f, size_t len, uint64_t off, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags, f, (off_t)off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

/* Maps one page read-only, then asks mprotect() for write access. */
static int mprotect_writable(int f, uint64_t off)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, f, (off_t)off);
	int e;

	if (p == MAP_FAILED)
		return errno;
	e = mprotect(p, 4096, PROT_READ | PROT_WRITE) ? errno : 0;
	munmap(p, 4096);
	return e;
}

static int get_info_on(int f)
{
	struct kp_device_info i = { .argsz = sizeof(i) };

	return xioctl(f, KP_GET_INFO, &i);
}

static int int_wait_timeout(int f, uint32_t argsz, uint64_t ns)
{
	struct kp_int_wait w = { .argsz = argsz, .flags = KP_WAIT_TIMEOUT,
				 .timeout_ns = ns };

	return xioctl(f, KP_INT_WAIT, &w);
}

/* Writes the register's own value back: only the check can refuse it. */
static int cfg_write_same(int f, uint64_t off, uint32_t width)
{
	uint64_t v = 0;
	int e = rw(f, KP_CFG_READ, 0, off, width, &v);

	return e ? e : rw(f, KP_CFG_WRITE, 0, off, width, &v);
}

/* Offset of edu's MSI capability (0x40 in QEMU 7.2), from the list. */
static uint64_t msi_cap(void)
{
	uint64_t pos = 0, cap = 0;
	int hops;

	if (rw(fd, KP_CFG_READ, 0, 0x34, 1, &pos))
		return 0;
	for (hops = 0; pos >= 0x40 && hops < 48; hops++) {
		if (rw(fd, KP_CFG_READ, 0, pos & ~3ull, 2, &cap))
			return 0;
		if ((cap & 0xff) == 0x05)
			return pos & ~3ull;
		pos = cap >> 8;
	}
	return 0;
}

static void sweep(void)
{
	struct kp_device_info info = { .argsz = sizeof(info) };
	struct kp_bar_info bi = { .argsz = sizeof(bi), .index = 0 };
	struct kp_rw rd = { .argsz = sizeof(rd), .width = 4 };
	struct kp_rw wr = { .argsz = sizeof(wr), .width = 4, .offset = 0x04 };
	struct kp_rw crd = { .argsz = sizeof(crd), .width = 4 };
	struct kp_rw cwr = { .argsz = sizeof(cwr), .width = 1,
			     .offset = 0x3c };
	struct kp_plugin_open po = { .argsz = sizeof(po) };
	struct kp_plugin_call pc = { .argsz = sizeof(pc), .message = 0xdead };
	struct kp_int_enable ie = { .argsz = sizeof(ie),
				    .mode = KP_INT_MODE_MSI, .nvec = 1 };
	struct kp_int_wait iw = { .argsz = sizeof(iw),
				  .flags = KP_WAIT_NONBLOCK };
	struct kp_event_register er = { .argsz = sizeof(er),
					.actions = KP_EVENT_ALL };
	struct kp_event_wait ew = { .argsz = sizeof(ew),
				    .flags = KP_WAIT_NONBLOCK };
	struct kp_stats st = { .argsz = sizeof(st) };
	struct kp_trans_cmd t;
	char *big = NULL;
	uint64_t line = 0;

	if (!listing) {
		big = calloc(1, KP_MAX_DATA_SIZE + 1);
		if (!big)
			exit(1);
		/* value for the config write cases: the current one */
		STEP(rw(fd, KP_CFG_READ, 0, 0x3c, 1, &line));
		cwr.value = line;
	}

	/* -- ioctl numbers ------------------------------------------- */
	CASE("unknown_ioctl_nr", ENOTTY, xioctl(fd, _IO(KP_TYPE, 0x3f), &st));
	CASE("unknown_ioctl_type", ENOTTY, xioctl(fd, _IO(0xB7, 0), &st));
	CASE("ioctl_with_size_bits", ENOTTY,
	     xioctl(fd, _IOWR(KP_TYPE, 0, struct kp_device_info), &info));

	/* -- before KP_PLUGIN_OPEN: wrong state --------------------- */
	SCASE("plugin_call_before_open", ENOTCONN, plugin_call(1, 0, 0));
	SCASE("plugin_close_before_open", ENOTCONN,
	      xioctl(fd, KP_PLUGIN_CLOSE, NULL));
	SCASE("int_enable_before_plugin_open", ENOTCONN,
	      int_enable(fd, KP_INT_MODE_MSI, 1, 0, 0, 0, 0));
	SCASE("event_wait_before_register_is_stopped", 0,
	      event_wait_stopped());
	SCASE("event_register_before_plugin_open_ok", 0,
	      event_register(KP_EVENT_ALL));
	SCASE("event_unregister_before_plugin_open_ok", 0, event_register(0));

	/* -- KP_PLUGIN_OPEN ----------------------------------------- */
	envelope("plugin_open", KP_PLUGIN_OPEN, &po, sizeof(po));
	CASE("plugin_open_null_data", EFAULT, plugin_open(fd, 0, 16));
	CASE("plugin_open_unmapped_data", EFAULT,
	     plugin_open(fd, (uintptr_t)unmapped, 16));
	CASE("plugin_open_data_too_big", E2BIG,
	     plugin_open(fd, (uintptr_t)big, KP_MAX_DATA_SIZE + 1));
	CASE("plugin_open_ok", 0, plugin_open(fd, 0, 0));
	CASE("plugin_open_twice", EBUSY, plugin_open(fd, 0, 0));

	/* -- KP_GET_INFO / KP_GET_STATS ----------------------------- */
	envelope("get_info", KP_GET_INFO, &info, sizeof(info));
	CASE("get_info_ok", 0, xioctl(fd, KP_GET_INFO, &info));
	CASE("get_info_argsz_grown_ok", 0, info_argsz_grown());
	envelope_v("get_stats", KP_GET_STATS, &st, sizeof(st),
		   offsetofend(struct kp_stats, calls));
	CASE("get_stats_ok", 0, xioctl(fd, KP_GET_STATS, &st));

	/* -- KP_GET_BAR_INFO ---------------------------------------- */
	envelope("bar_info", KP_GET_BAR_INFO, &bi, sizeof(bi));
	CASE("bar_info_index_6", EINVAL, bar_info(6, NULL));
	CASE("bar_info_index_max", EINVAL, bar_info(0xffffffff, NULL));
	CASE("bar_info_bar0_size_1m", 0,
	     bar_size_is(0, EDU_BAR0_SIZE));
	CASE("bar_info_absent_bar_size_0", 0,
	     bar_size_is(1, 0));

	/* -- KP_BAR_READ -------------------------------------------- */
	envelope("bar_read", KP_BAR_READ, &rd, sizeof(rd));
	CASE("bar_read_edu_id_ok", 0,
	     rw_reads(KP_BAR_READ, 0, 4, 0x010000ed));
	CASE("bar_read_bar_6", EINVAL, rw(fd, KP_BAR_READ, 6, 0, 4, NULL));
	CASE("bar_read_bar_max", EINVAL,
	     rw(fd, KP_BAR_READ, 0xffffffff, 0, 4, NULL));
	CASE("bar_read_absent_bar", EINVAL,
	     rw(fd, KP_BAR_READ, 1, 0, 4, NULL));
	CASE("bar_read_width_0", EINVAL, rw(fd, KP_BAR_READ, 0, 0, 0, NULL));
	CASE("bar_read_width_3", EINVAL, rw(fd, KP_BAR_READ, 0, 0, 3, NULL));
	CASE("bar_read_width_16", EINVAL,
	     rw(fd, KP_BAR_READ, 0, 0, 16, NULL));
	CASE("bar_read_offset_at_end", EINVAL,
	     rw(fd, KP_BAR_READ, 0, EDU_BAR0_SIZE, 4, NULL));
	CASE("bar_read_crosses_end", EINVAL,
	     rw(fd, KP_BAR_READ, 0, EDU_BAR0_SIZE - 2, 4, NULL));
	CASE("bar_read_offset_wraps", EINVAL,
	     rw(fd, KP_BAR_READ, 0, ~0ull - 3, 4, NULL));
	CASE("bar_read_misaligned_4", EINVAL,
	     rw(fd, KP_BAR_READ, 0, 2, 4, NULL));
	CASE("bar_read_misaligned_2", EINVAL,
	     rw(fd, KP_BAR_READ, 0, 1, 2, NULL));
	CASE("bar_read_misaligned_8", EINVAL,
	     rw(fd, KP_BAR_READ, 0, 4, 8, NULL));

	/* -- KP_BAR_WRITE (edu 0x04 liveness: harmless) ------------- */
	envelope("bar_write", KP_BAR_WRITE, &wr, sizeof(wr));
	CASE("bar_write_bar_6", EINVAL, rw(fd, KP_BAR_WRITE, 6, 4, 4, NULL));
	CASE("bar_write_absent_bar", EINVAL,
	     rw(fd, KP_BAR_WRITE, 1, 4, 4, NULL));
	CASE("bar_write_width_3", EINVAL,
	     rw(fd, KP_BAR_WRITE, 0, 4, 3, NULL));
	CASE("bar_write_offset_at_end", EINVAL,
	     rw(fd, KP_BAR_WRITE, 0, EDU_BAR0_SIZE, 4, NULL));
	CASE("bar_write_misaligned_4", EINVAL,
	     rw(fd, KP_BAR_WRITE, 0, 6, 4, NULL));

	/* -- KP_CFG_READ / KP_CFG_WRITE ----------------------------- */
	envelope("cfg_read", KP_CFG_READ, &crd, sizeof(crd));
	CASE("cfg_read_ids_ok", 0,
	     rw_reads(KP_CFG_READ, 0, 4, 0x11e81234));
	CASE("cfg_read_bar_1", EINVAL, rw(fd, KP_CFG_READ, 1, 0, 4, NULL));
	CASE("cfg_read_width_8", EINVAL, rw(fd, KP_CFG_READ, 0, 0, 8, NULL));
	CASE("cfg_read_width_3", EINVAL, rw(fd, KP_CFG_READ, 0, 0, 3, NULL));
	CASE("cfg_read_offset_at_cfg_size", EINVAL,
	     rw(fd, KP_CFG_READ, 0, EDU_CFG_SIZE, 4, NULL));
	CASE("cfg_read_offset_4096", EINVAL,
	     rw(fd, KP_CFG_READ, 0, 4096, 4, NULL));
	CASE("cfg_read_offset_wraps", EINVAL,
	     rw(fd, KP_CFG_READ, 0, ~0ull - 1, 2, NULL));
	CASE("cfg_read_misaligned_4", EINVAL,
	     rw(fd, KP_CFG_READ, 0, 2, 4, NULL));
	CASE("cfg_read_misaligned_2", EINVAL,
	     rw(fd, KP_CFG_READ, 0, 1, 2, NULL));
	envelope("cfg_write", KP_CFG_WRITE, &cwr, sizeof(cwr));
	CASE("cfg_write_bar_1", EINVAL,
	     rw(fd, KP_CFG_WRITE, 1, 0x3c, 1, &line));
	CASE("cfg_write_width_8", EINVAL,
	     rw(fd, KP_CFG_WRITE, 0, 0x38, 8, &line));
	CASE("cfg_write_offset_4096", EINVAL,
	     rw(fd, KP_CFG_WRITE, 0, 4096, 1, &line));
	CASE("cfg_write_misaligned_2", EINVAL,
	     rw(fd, KP_CFG_WRITE, 0, 0x3d, 2, &line));
	/* registers the runtime owns, even with their own value: EPERM */
	CASE("cfg_write_command", EPERM, cfg_write_same(fd, 0x04, 2));
	CASE("cfg_write_dword_over_command", EPERM,
	     cfg_write_same(fd, 0x04, 4));
	CASE("cfg_write_bar0", EPERM, cfg_write_same(fd, 0x10, 4));
	CASE("cfg_write_bar5_last_byte", EPERM, cfg_write_same(fd, 0x27, 1));
	CASE("cfg_write_rom", EPERM, cfg_write_same(fd, 0x30, 4));
	CASE("cfg_write_msi_cap_id", EPERM,
	     listing ? 0 : cfg_write_same(fd, msi_cap(), 1));
	CASE("cfg_write_interrupt_line_ok", 0, cfg_write_same(fd, 0x3c, 1));

	/* -- KP_PLUGIN_CALL ----------------------------------------- */
	envelope("plugin_call", KP_PLUGIN_CALL, &pc, sizeof(pc));
	CASE("plugin_call_null_data", EFAULT, plugin_call(0xdead, 0, 16));
	CASE("plugin_call_unmapped_data", EFAULT,
	     plugin_call(0xdead, (uintptr_t)unmapped, 16));
	CASE("plugin_call_data_too_big", E2BIG,
	     plugin_call(0xdead, (uintptr_t)big, KP_MAX_DATA_SIZE + 1));
	CASE("plugin_call_data_max_ok", 0,
	     plugin_call(0xdead, (uintptr_t)big, KP_MAX_DATA_SIZE));

	/* -- before KP_INT_ENABLE: wrong state ---------------------- */
	SCASE("int_disable_before_enable", EINVAL,
	      xioctl(fd, KP_INT_DISABLE, NULL));
	SCASE("int_wait_before_enable_is_stopped", 0, wait_stopped(fd));

	/* -- KP_INT_ENABLE: nothing below may enable interrupts ------ */
	envelope("int_enable", KP_INT_ENABLE, &ie, sizeof(ie));
	CASE("int_enable_mode_4", EINVAL,
	     int_enable(fd, 4, 1, 0, 0, 0, 0));
	CASE("int_enable_mode_max", EINVAL,
	     int_enable(fd, 0xffffffff, 1, 0, 0, 0, 0));
	CASE("int_enable_nvec_0", EINVAL,
	     int_enable(fd, KP_INT_MODE_MSI, 0, 0, 0, 0, 0));
	CASE("int_enable_nvec_too_many", E2BIG,
	     int_enable(fd, KP_INT_MODE_MSI, KP_MAX_VECTORS + 1, 0, 0, 0, 0));
	CASE("int_enable_data_too_big", E2BIG,
	     int_enable(fd, KP_INT_MODE_MSI, 1, (uintptr_t)big,
			KP_MAX_DATA_SIZE + 1, 0, 0));
	CASE("int_enable_null_data", EFAULT,
	     int_enable(fd, KP_INT_MODE_MSI, 1, 0, 16, 0, 0));
	CASE("int_enable_unmapped_data", EFAULT,
	     int_enable(fd, KP_INT_MODE_MSI, 1, (uintptr_t)unmapped, 16, 0,
			0));
	CASE("int_enable_too_many_trans", E2BIG,
	     int_enable(fd, KP_INT_MODE_MSI, 1, 0, 0, (uintptr_t)big,
			KP_MAX_TRANS_CMDS + 1));
	CASE("int_enable_null_trans", EFAULT,
	     int_enable(fd, KP_INT_MODE_MSI, 1, 0, 0, 0, 2));
	CASE("int_enable_unmapped_trans", EFAULT,
	     int_enable(fd, KP_INT_MODE_MSI, 1, 0, 0, (uintptr_t)unmapped,
			2));
	t = good_trans[1]; t.cmd = 0;
	CASE("trans_cmd_0", EINVAL, int_enable_trans(t));
	t = good_trans[1]; t.cmd = 3;
	CASE("trans_cmd_3", EINVAL, int_enable_trans(t));
	t = good_trans[1]; t.flags = 1u << 5;
	CASE("trans_unknown_flag", EINVAL, int_enable_trans(t));
	t = good_trans[1]; t.bar = 6;
	CASE("trans_bar_6", EINVAL, int_enable_trans(t));
	t = good_trans[1]; t.bar = 1;
	CASE("trans_absent_bar", EINVAL, int_enable_trans(t));
	t = good_trans[1]; t.width = 3;
	CASE("trans_width_3", EINVAL, int_enable_trans(t));
	t = good_trans[1]; t.width = 0;
	CASE("trans_width_0", EINVAL, int_enable_trans(t));
	t = good_trans[1]; t.offset = EDU_BAR0_SIZE;
	CASE("trans_offset_at_end", EINVAL, int_enable_trans(t));
	t = good_trans[1]; t.offset = ~0ull - 3;
	CASE("trans_offset_wraps", EINVAL, int_enable_trans(t));
	t = good_trans[1]; t.offset = 0x66;
	CASE("trans_misaligned", EINVAL, int_enable_trans(t));

	SCASE("int_enable_msix_unsupported", EOPNOTSUPP,
	      int_enable(fd, KP_INT_MODE_MSIX, 1, 0, 0, 0, 0));

	/* -- interrupts on ------------------------------------------ */
	CASE("int_enable_msi_ok", 0,
	     int_enable(fd, KP_INT_MODE_MSI, 1, 0, 0,
			(uintptr_t)good_trans, 2));
	CASE("int_enable_twice", EBUSY,
	     int_enable(fd, KP_INT_MODE_MSI, 1, 0, 0, 0, 0));
	CASE("second_fd_plugin_open_ok", 0, plugin_open(fd2, 0, 0));
	CASE("second_fd_int_enable_busy", EBUSY,
	     int_enable(fd2, KP_INT_MODE_MSI, 1, 0, 0, 0, 0));
	envelope_v("int_wait", KP_INT_WAIT, &iw, sizeof(iw),
		   offsetofend(struct kp_int_wait, reason));
	CASE("int_wait_nonblock_nothing_pending", EAGAIN,
	     int_wait(fd, KP_WAIT_NONBLOCK, NULL));
	CASE("int_wait_timeout_nothing_arrives", ETIMEDOUT,
	     int_wait_timeout(fd, sizeof(struct kp_int_wait), 10000000));
	CASE("int_wait_timeout_flag_with_v1_argsz", EINVAL,
	     int_wait_timeout(fd, offsetofend(struct kp_int_wait, reason),
			      10000000));
	CASE("int_disable_ok", 0, xioctl(fd, KP_INT_DISABLE, NULL));
	CASE("int_wait_after_disable_is_stopped", 0, wait_stopped(fd));
	SCASE("int_disable_twice", EINVAL, xioctl(fd, KP_INT_DISABLE, NULL));

	/* -- events ------------------------------------------------- */
	envelope("event_register", KP_EVENT_REGISTER, &er, sizeof(er));
	CASE("event_register_unknown_action", EINVAL,
	     event_register(1u << 2));
	CASE("event_register_ok", 0, event_register(KP_EVENT_ALL));
	envelope("event_wait", KP_EVENT_WAIT, &ew, sizeof(ew));
	CASE("event_wait_nonblock_nothing_pending", EAGAIN,
	     event_wait(KP_WAIT_NONBLOCK));
	CASE("event_unregister_ok", 0, event_register(0));

	/* -- mmap --------------------------------------------------- */
	CASE("mmap_bar0_ok", 0, try_mmap(EDU_BAR0_SIZE, KP_MMAP_OFFSET(0)));
	CASE("mmap_dma_no_such_buffer", ENOENT, try_mmap(4096, KP_MMAP_DMA(1)));
	CASE("mmap_notify_state_read_only_ok", 0,
	     try_mmap_prot(4096, KP_MMAP_NOTIFY, PROT_READ));
	CASE("mmap_notify_state_writable", EPERM,
	     try_mmap(4096, KP_MMAP_NOTIFY));
	CASE("mmap_notify_two_pages", EINVAL, try_mmap(8192, KP_MMAP_NOTIFY));
	CASE("mmap_notify_offset_page", EINVAL,
	     try_mmap(4096, KP_MMAP_NOTIFY + 4096));
	CASE("mmap_notify_ack_ok", 0, try_mmap(4096, KP_MMAP_NOTIFY_ACK));
	CASE("mmap_absent_bar", EINVAL, try_mmap(4096, KP_MMAP_OFFSET(1)));
	CASE("mmap_longer_than_bar", EINVAL,
	     try_mmap(2 * EDU_BAR0_SIZE, KP_MMAP_OFFSET(0)));
	CASE("mmap_past_bar_end", EINVAL,
	     try_mmap(8192, KP_MMAP_OFFSET(0) + EDU_BAR0_SIZE - 4096));
	CASE("mmap_bar0_private", EINVAL,
	     try_mmap_on(fd, 4096, KP_MMAP_OFFSET(0), PROT_READ, MAP_PRIVATE));
	CASE("mmap_notify_private", EINVAL,
	     try_mmap_on(fd, 4096, KP_MMAP_NOTIFY, PROT_READ, MAP_PRIVATE));
	CASE("mmap_notify_ack_two_pages", EINVAL,
	     try_mmap(8192, KP_MMAP_NOTIFY_ACK));
	CASE("mprotect_notify_state_writable", EACCES,
	     mprotect_writable(fd, KP_MMAP_NOTIFY));

	/* -- a read-only fd: reads, no write of any kind ------------ */
	CASE("rdonly_fd_bar_write", EBADF,
	     rw(fd_ro, KP_BAR_WRITE, 0, 4, 4, &line));
	CASE("rdonly_fd_cfg_write", EBADF,
	     rw(fd_ro, KP_CFG_WRITE, 0, 0x3c, 1, &line));
	CASE("rdonly_fd_plugin_open", EBADF, plugin_open(fd_ro, 0, 0));
	CASE("rdonly_fd_plugin_call", EBADF, xioctl(fd_ro, KP_PLUGIN_CALL, &pc));
	CASE("rdonly_fd_plugin_close", EBADF,
	     xioctl(fd_ro, KP_PLUGIN_CLOSE, NULL));
	CASE("rdonly_fd_int_enable", EBADF,
	     int_enable(fd_ro, KP_INT_MODE_MSI, 1, 0, 0, 0, 0));
	CASE("rdonly_fd_int_disable", EBADF,
	     xioctl(fd_ro, KP_INT_DISABLE, NULL));
	CASE("rdonly_fd_get_info_ok", 0, get_info_on(fd_ro));
	CASE("rdonly_fd_bar_read_ok", 0,
	     rw(fd_ro, KP_BAR_READ, 0, 0, 4, NULL));
	CASE("rdonly_fd_cfg_read_ok", 0,
	     rw(fd_ro, KP_CFG_READ, 0, 0, 4, NULL));
	CASE("rdonly_fd_int_wait_is_stopped", 0, wait_stopped(fd_ro));
	CASE("rdonly_fd_mmap_bar0_writable", EACCES,
	     try_mmap_on(fd_ro, 4096, KP_MMAP_OFFSET(0),
			 PROT_READ | PROT_WRITE, MAP_SHARED));
	CASE("rdonly_fd_mmap_bar0_read_only_ok", 0,
	     try_mmap_on(fd_ro, 4096, KP_MMAP_OFFSET(0), PROT_READ,
			 MAP_SHARED));
	CASE("rdonly_fd_mprotect_bar0_writable", EACCES,
	     mprotect_writable(fd_ro, KP_MMAP_OFFSET(0)));
	CASE("rdonly_fd_mmap_notify_ok", 0,
	     try_mmap_on(fd_ro, 4096, KP_MMAP_NOTIFY, PROT_READ, MAP_SHARED));
	CASE("rdonly_fd_mmap_notify_ack", EACCES,
	     try_mmap_on(fd_ro, 4096, KP_MMAP_NOTIFY_ACK,
			 PROT_READ | PROT_WRITE, MAP_SHARED));

	/* -- KP_PLUGIN_CLOSE ---------------------------------------- */
	CASE("plugin_close_ok", 0, xioctl(fd, KP_PLUGIN_CLOSE, NULL));
	SCASE("plugin_close_twice", ENOTCONN, xioctl(fd, KP_PLUGIN_CLOSE, NULL));
	CASE("plugin_reopen_after_close_ok", 0, plugin_open(fd, 0, 0));
	CASE("plugin_close_again_ok", 0, xioctl(fd, KP_PLUGIN_CLOSE, NULL));

	free(big);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: kp_sweep --list | kp_sweep DEVICE\n");
		return 2;
	}
	if (!strcmp(argv[1], "--list")) {
		listing = 1;
	} else {
		fd = open(argv[1], O_RDWR | O_CLOEXEC);
		fd2 = open(argv[1], O_RDWR | O_CLOEXEC);
		fd_ro = open(argv[1], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fd2 < 0 || fd_ro < 0) {
			printf("{\"step_failed\": \"open %s\", \"errno\": "
			       "\"%s\"}\n", argv[1], kpt_errname(errno));
			return 1;
		}
		unmapped = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE |
				MAP_ANONYMOUS, -1, 0);
		munmap(unmapped, 4096);
	}
	sweep();
	if (!listing) {
		close(fd_ro);
		close(fd2);
		close(fd);
	}
	printf("{\"done\": 1, \"cases\": %u, \"mismatches\": %u}\n", ncases,
	       nbad);
	return 0;
}
