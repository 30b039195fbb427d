// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* kp_runtime's trace_sample parameter (see sample.h). */
#include <errno.h>
#include <stdio.h>
#include "sample.h"

int kps_sample_get(unsigned int *n)
{
	FILE *f = fopen(KPS_SAMPLE_PARAM, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%u", n) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

int kps_sample_set(unsigned int n)
{
	FILE *f = fopen(KPS_SAMPLE_PARAM, "we");
	int err = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%u\n", n) < 0)
		err = -errno;
	/* the runtime's check (a power of two) fails the write-back */
	if (fclose(f) && !err)
		err = -errno;
	return err;
}
