/* SPDX-License-Identifier: GPL-2.0 */
/* The /dev/kp node of a PCI function, which moves when it is re-added. */
#ifndef KPT_NODE_H
#define KPT_NODE_H

#include <stddef.h>

/*
 * "/dev/kp/<name>" of the kp device bound to @bdf, waiting up to @wait_s
 * seconds for it to be bound and its node to exist; 0 or ENOENT.
 */
int kpt_node_of_bdf(const char *bdf, char *path, size_t len, double wait_s);

#endif
