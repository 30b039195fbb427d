/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kp_reference.h - the types and message constants a user adds around the
 * reference's example callbacks (kp_reference.c).  Shared with user mode:
 * fixed-size types only.
 */
#ifndef _KP_REFERENCE_H
#define _KP_REFERENCE_H

#include <linux/types.h>

/* PCI ids the plugin binds: QEMU's edu device */
#define KP_REFERENCE_VENDOR	0x1234
#define KP_REFERENCE_DEVICE	0x11e8

/* KP_Call messages (dwMessage) */
#define MY_DRV_MSG_VERSION	1	/* pData: MY_DRV_VERSION */

/* KP_Call results (dwResult) */
#define MY_DRV_OK		0
#define MY_DRV_NO_IMPL_MESSAGE	0x1000

/* Driver context allocated by KP_Open */
typedef struct {
	__u32	dwDummy;
} MYDRV_STRUCT;

/* MY_DRV_MSG_VERSION data */
typedef struct {
	__u32	dwVer;
	char	cVer[100];
} MY_DRV_VERSION;

#endif /* _KP_REFERENCE_H */
