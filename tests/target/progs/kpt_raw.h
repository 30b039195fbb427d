/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpt_raw - raw-UAPI helpers for the hardening programs (kp_storm,
 * kp_shared, kp_drain, kp_lockirq, kp_priv, kp_callev): one ioctl each,
 * returning 0 or a positive errno, so that a program can print exactly
 * what the kernel said.  No libkp here: these programs test the UAPI.
 */
#ifndef KPT_RAW_H
#define KPT_RAW_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kp.h>

#include "kp_hostile_msgs.h"

#define kpt_offsetofend(T, m)	(offsetof(T, m) + sizeof(((T *)0)->m))

/* edu registers (QEMU docs/specs/edu.rst) */
#define KPT_EDU_ID		0x00
#define KPT_EDU_IRQ_STATUS	0x24
#define KPT_EDU_IRQ_RAISE	0x60
#define KPT_EDU_IRQ_ACK		0x64

int kpt_ioctl(int fd, unsigned long req, void *arg);
int kpt_rw(int fd, unsigned long req, uint32_t bar, uint64_t off,
	   uint32_t width, uint64_t *val);
int kpt_bar_rd32(int fd, uint64_t off, uint32_t *val);
int kpt_bar_wr32(int fd, uint64_t off, uint32_t val);
int kpt_cfg_rd(int fd, uint64_t off, uint32_t width, uint32_t *val);
int kpt_cfg_wr(int fd, uint64_t off, uint32_t width, uint32_t val);
/* Offset of capability @id in the config space, 0 if none (or -errno). */
int kpt_find_cap(int fd, uint8_t id);

int kpt_plugin_open(int fd);
int kpt_call(int fd, uint32_t message, void *data, uint32_t size,
	     uint32_t *result);
/* A kp_hostile KP_Call: @m in and out. */
int kpt_hostile_call(int fd, uint32_t message, struct hostile_msg *m,
		     uint32_t *result);

/* KP_INT_ENABLE: @ie->mode/nvec in and out, the rest from the arguments. */
int kpt_int_enable(int fd, struct kp_int_enable *ie, uint32_t mode,
		   uint32_t message, const void *data, uint32_t size,
		   const struct kp_trans_cmd *trans, uint32_t ntrans);
/* KP_INT_ENABLE for kp_hostile with HOSTILE_MODE_@hmode. */
int kpt_hostile_enable(int fd, uint32_t mode, uint32_t hmode);
/* KP_INT_WAIT (version 2 struct) with @flags and @timeout_ns. */
int kpt_int_wait(int fd, uint32_t flags, uint64_t timeout_ns,
		 struct kp_int_wait *w);
int kpt_get_stats(int fd, struct kp_stats *st);
/* "hostile0" and "0000:00:01.0" of an open node. */
int kpt_names(int fd, char *name, size_t len, char *bdf, size_t bdflen);

/* Whole text of a small file without the trailing newline; -errno. */
int kpt_read_text(const char *path, char *buf, size_t len);
int kpt_read_u64(const char *path, uint64_t *v);
int kpt_write_text(const char *path, const char *text);
/* /sys/class/kp/<name>/<attr> */
int kpt_attr(const char *name, const char *attr, char *buf, size_t len);
/* /sys/module/kp_hostile/parameters/<param> */
int64_t kpt_hostile_param(const char *param);
/* Linux IRQ of the INTx line of @bdf (its "irq" attribute). */
int kpt_intx_irq(const char *bdf);

void kpt_sleep_ms(unsigned int ms);

#endif
