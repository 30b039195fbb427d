/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* tpfmt: tracefs, and the kp:* record layouts checked against the kernel. */
#ifndef KPS_TPFMT_H
#define KPS_TPFMT_H

#include <stdbool.h>

/* tracefs mount point, mounted on /sys/kernel/tracing if needed; or NULL. */
const char *tpfmt_tracefs(void);
bool tpfmt_have_event(const char *sys, const char *event);
/*
 * Checks every field kpstat reads from the kp:* events against
 * events/kp/<event>/format.  Returns 0, or -1 with a message in @err.
 */
int tpfmt_check_kp(char *err, int len);

#endif /* KPS_TPFMT_H */
