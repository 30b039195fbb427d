// SPDX-License-Identifier: GPL-2.0
/*
 * kp_procirq - the /proc/interrupts count (summed over CPUs) of the
 * interrupts a kp device uses, as JSON.
 *
 *   kp_procirq BDF intx|msi     {"irqs": [24], "count": 10000}
 *   kp_procirq --irq N...       {"irqs": [N...], "count": ...}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpt_common.h"

int main(int argc, char **argv)
{
	int irqs[KPT_MAX_IRQS], n = 0, i;

	if (argc >= 3 && !strcmp(argv[1], "--irq")) {
		for (i = 2; i < argc && n < KPT_MAX_IRQS; i++)
			irqs[n++] = atoi(argv[i]);
	} else if (argc == 3) {
		n = kpt_device_irqs(argv[1], strcmp(argv[2], "intx") ?
				    KP_INT_MODE_MSI : KP_INT_MODE_INTX,
				    irqs, KPT_MAX_IRQS);
	} else {
		fprintf(stderr, "usage: kp_procirq BDF intx|msi | "
			"kp_procirq --irq N...\n");
		return 2;
	}
	if (n <= 0) {
		printf("{\"irqs\": [], \"count\": -1}\n");
		return 1;
	}
	printf("{\"irqs\": [");
	for (i = 0; i < n; i++)
		printf("%s%d", i ? ", " : "", irqs[i]);
	printf("], \"count\": %lld}\n", (long long)kpt_proc_interrupts(irqs, n));
	return 0;
}
