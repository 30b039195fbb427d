// SPDX-License-Identifier: GPL-2.0
/*
 * kp_shared - kp_hostile on edu and the kernel's serial driver on QEMU's
 * pci-serial, both on one INTx line; prints one JSON line.
 *
 *   kp_shared --dev PATH --tty /dev/ttySn --order serial-first|kp-first
 *	Both drivers request the line, in that order (serial requests it
 *	when its port is opened), kp_hostile in HOSTILE_MODE_ACK.  Reports
 *	the errno of each, the line's /proc/interrupts entry, one edu raise
 *	(it must reach KP_INT_WAIT) and a serial loopback exchange (the
 *	bytes must come back, by interrupts of the shared line).
 *
 *   kp_shared --dev PATH --tty /dev/ttySn --disable-asserting
 *	The serial port open, kp_hostile in HOSTILE_MODE_NEVER_MINE (run
 *	with kp_runtime's storm_limit=0: the guard must not mask first):
 *	one raise, so that edu asserts the shared line and no handler
 *	claims it; as soon as kp's handler has seen it, KP_INT_DISABLE.  The
 *	teardown must leave the line working for serial: the loopback
 *	exchange afterwards, and /proc/irq/N/spurious.
 *
 * The serial port is put in loopback (TIOCM_LOOP): what is written is
 * received, one receive interrupt per FIFO trigger, on the shared line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "kpt_common.h"
#include "kpt_raw.h"

#define LOOP_BYTES	32
#ifndef TIOCM_LOOP
#define TIOCM_LOOP	0x8000	/* <asm-generic/termios.h>, not in glibc's */
#endif

static int fd = -1, tty = -1, irq;
static const char *tty_path;

static int tty_open(void)
{
	struct termios t;
	int bits = TIOCM_LOOP;

	tty = open(tty_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (tty < 0)
		return errno;
	if (tcgetattr(tty, &t))
		return errno;
	cfmakeraw(&t);
	cfsetspeed(&t, B115200);
	if (tcsetattr(tty, TCSANOW, &t) || ioctl(tty, TIOCMBIS, &bits))
		return errno;
	tcflush(tty, TCIOFLUSH);
	return 0;
}

/* The handler names of the line in /proc/interrupts, "" if not listed. */
static void print_line(const char *key)
{
	char *line = NULL, *p, *end, *names = "";
	size_t cap = 0;
	FILE *f = fopen("/proc/interrupts", "re");

	while (f && getline(&line, &cap, f) > 0) {
		p = line + strspn(line, " ");
		if (strtol(p, &end, 10) != irq || *end != ':')
			continue;
		/* "21:  12  3  IR-IO-APIC  21-fasteoi   ttyS2, kp-hostile0" */
		p = strstr(end, "fasteoi");
		if (!p)
			p = strstr(end, "edge");
		if (p) {
			p += strcspn(p, " ");
			names = p + strspn(p, " ");
			names[strcspn(names, "\n")] = '\0';
		}
		break;
	}
	printf("\"%s\": \"%s\", ", key, names);
	free(line);
	if (f)
		fclose(f);
}

/* Writes LOOP_BYTES and reads them back; prints what happened. */
static void loopback(const char *key)
{
	char out[LOOP_BYTES], in[LOOP_BYTES];
	struct pollfd pfd = { .fd = tty, .events = POLLIN };
	int64_t p0 = kpt_proc_interrupts(&irq, 1), p1;
	double end = kpt_now() + 3.0;
	ssize_t wrote, got = 0, n;
	int i;

	for (i = 0; i < LOOP_BYTES; i++)
		out[i] = (char)('a' + i % 26);
	wrote = write(tty, out, sizeof(out));
	while (got < LOOP_BYTES && kpt_now() < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(tty, in + got, sizeof(in) - got);
		if (n > 0)
			got += n;
	}
	p1 = kpt_proc_interrupts(&irq, 1);
	printf("\"%s\": {\"wrote\": %zd, \"read\": %zd, \"same\": %d, "
	       "\"line_interrupts\": %lld}, ", key, wrote, got,
	       got == LOOP_BYTES && !memcmp(in, out, sizeof(in)),
	       (long long)(p1 - p0));
}

static void print_spurious(void)
{
	char path[64], buf[256], *p;

	snprintf(path, sizeof(path), "/proc/irq/%d/spurious", irq);
	if (kpt_read_text(path, buf, sizeof(buf)))
		strcpy(buf, "?");
	for (p = buf; *p; p++)
		if (*p == '\n')
			*p = ';';
	printf("\"proc_spurious\": \"%s\", ", buf);
}

static void edu_raise_and_wait(void)
{
	struct kp_int_wait w = { 0 };
	int e;

	kpt_bar_wr32(fd, KPT_EDU_IRQ_RAISE, 1);
	e = kpt_int_wait(fd, KP_WAIT_TIMEOUT, 5000000000ull, &w);
	printf("\"edu_wait\": {\"errno\": \"%s\", \"counter\": %llu, "
	       "\"stopped\": %d}, ", kpt_errname(e),
	       (unsigned long long)w.counter, !!(w.flags & KP_WAIT_STOPPED));
}

static int both_work(int kp_first)
{
	int ek = -1, es = -1;

	if (kp_first) {
		ek = kpt_hostile_enable(fd, KP_INT_MODE_INTX,
					HOSTILE_MODE_ACK);
		es = tty_open();
	} else {
		es = tty_open();
		ek = kpt_hostile_enable(fd, KP_INT_MODE_INTX,
					HOSTILE_MODE_ACK);
	}
	printf("\"kp_enable_errno\": \"%s\", \"serial_open_errno\": \"%s\", ",
	       kpt_errname(ek), kpt_errname(es));
	print_line("handlers");
	if (!ek)
		edu_raise_and_wait();
	if (!es)
		loopback("loopback");
	printf("\"disable_errno\": \"%s\", ",
	       kpt_errname(ek ? 0 : kpt_ioctl(fd, KP_INT_DISABLE, NULL)));
	return ek || es;
}

static int disable_asserting(void)
{
	struct kp_stats st = { 0 };
	uint64_t before;
	double t0, end;
	int e;
	uint32_t status = 0;

	e = tty_open();
	printf("\"serial_open_errno\": \"%s\", ", kpt_errname(e));
	if (e)
		return 1;
	e = kpt_hostile_enable(fd, KP_INT_MODE_INTX, HOSTILE_MODE_NEVER_MINE);
	printf("\"kp_enable_errno\": \"%s\", ", kpt_errname(e));
	if (e)
		return 1;
	print_line("handlers");
	kpt_get_stats(fd, &st);
	before = st.spurious;
	t0 = kpt_now();
	end = t0 + 2.0;
	kpt_bar_wr32(fd, KPT_EDU_IRQ_RAISE, 1);
	/* the line is asserted and kp's handler has seen it unclaimed */
	while (!kpt_get_stats(fd, &st) && st.spurious == before &&
	       kpt_now() < end)
		;
	e = kpt_ioctl(fd, KP_INT_DISABLE, NULL);
	printf("\"disable_errno\": \"%s\", \"seconds_to_disable\": %.6f, ",
	       kpt_errname(e), kpt_now() - t0);
	kpt_get_stats(fd, &st);
	printf("\"kp_spurious\": %llu, ",
	       (unsigned long long)(st.spurious - before));
	kpt_bar_rd32(fd, KPT_EDU_IRQ_STATUS, &status);
	printf("\"edu_irq_status\": %u, ", status);
	kpt_sleep_ms(200);
	loopback("loopback_after");
	print_spurious();
	print_line("handlers_after");
	kpt_bar_wr32(fd, KPT_EDU_IRQ_ACK, status);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "tty", required_argument, NULL, 't' },
		{ "order", required_argument, NULL, 'o' },
		{ "disable-asserting", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dev = NULL, *order = "serial-first";
	char name[64], bdf[32];
	int c, e, asserting = 0, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 't': tty_path = optarg; break;
		case 'o': order = optarg; break;
		case 'a': asserting = 1; break;
		default: return 2;
		}
	}
	if (!dev || !tty_path) {
		fprintf(stderr, "usage: kp_shared --dev PATH --tty TTY "
			"[--order serial-first|kp-first | "
			"--disable-asserting]\n");
		return 2;
	}
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0 || (e = kpt_plugin_open(fd)) ||
	    (e = kpt_names(fd, name, sizeof(name), bdf, sizeof(bdf)))) {
		printf("{\"error\": \"open\", \"errno\": \"%s\"}\n",
		       kpt_errname(fd < 0 ? errno : e));
		return 1;
	}
	irq = kpt_intx_irq(bdf);
	printf("{\"dev\": \"%s\", \"irq\": %d, ", name, irq);
	if (asserting)
		ret = disable_asserting();
	else
		ret = both_work(!strcmp(order, "kp-first"));
	printf("\"done\": 1}\n");
	if (tty >= 0)
		close(tty);
	close(fd);
	return ret;
}
