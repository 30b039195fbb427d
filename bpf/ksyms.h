/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ksyms: kernel text addresses -> "sym+0xoff [module]" via /proc/kallsyms. */
#ifndef KPS_KSYMS_H
#define KPS_KSYMS_H

#include <stdbool.h>

#define KSYMS_LEN 128

/*
 * Formats @addr into @buf.  An address that does not resolve to a text
 * symbol is never printed (KASLR): it becomes "unknown#N", N numbering
 * the distinct unresolved addresses in order of appearance, or with
 * @show_addresses the raw "0x<addr>".
 */
const char *ksyms_format(unsigned long long addr, char *buf, int len,
			 bool show_addresses);
void ksyms_free(void);

#endif /* KPS_KSYMS_H */
