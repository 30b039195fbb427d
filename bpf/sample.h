/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sample: kp_runtime's trace_sample parameter - kp:kp_irq_batch fires for
 * one batch in N (a power of two) - read, set for --sample and restored.
 */
#ifndef KPS_SAMPLE_H
#define KPS_SAMPLE_H

#define KPS_SAMPLE_PARAM "/sys/module/kp_runtime/parameters/trace_sample"

/* 0 or -errno (-ENOENT: a runtime without sampling). */
int kps_sample_get(unsigned int *n);
int kps_sample_set(unsigned int n);

#endif /* KPS_SAMPLE_H */
