/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* pin: --pin / --unpin under KPS_PIN_DIR (for bpftool). */
#ifndef KPS_PIN_H
#define KPS_PIN_H

struct kps_collector;

/* Pins every map, program and link; 0 or -1 (message printed). */
int kps_pin(struct kps_collector *const *c, int n);
int kps_unpin(void);

#endif /* KPS_PIN_H */
