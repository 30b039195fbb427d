/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ksyms: kernel text addresses -> "sym+0xoff [module]" via /proc/kallsyms. */
#ifndef KPS_KSYMS_H
#define KPS_KSYMS_H

/* Formats @addr into @buf; "0x<addr>" when it cannot be resolved. */
const char *ksyms_format(unsigned long long addr, char *buf, int len);
void ksyms_free(void);

#endif /* KPS_KSYMS_H */
