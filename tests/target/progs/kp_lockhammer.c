// SPDX-License-Identifier: GPL-2.0
/*
 * kp_lockhammer - T threads run kp_edu's LOCK_HAMMER at the same time.
 *
 *   kp_lockhammer --dev PATH --lock 0|1 --threads T --iterations N
 *
 * Unlike edu_app lock-hammer, the threads really overlap: the main thread
 * keeps one open of the plugin for the whole run (so lock 0, shared by all
 * opens, is one lock throughout), every thread opens the device, pins
 * itself to CPU (i mod online CPUs) and waits at a barrier before its
 * KP_Call.  Lock 0 is shared by all opens, lock 1 is each open's own.
 * Prints {"lock": L, "threads": T, "iterations": N, "errors": 0, ...}.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kpt_common.h"
#include "kp_edu_msgs.h"

#define MAX_THREADS 16

static const char *path;
static pthread_barrier_t barrier;

struct hammer {
	pthread_t	th;
	int		cpu;
	struct kp_edu_lock_hammer lh;
	int		err;
	uint32_t	result;
};

static void *hammer(void *arg)
{
	struct hammer *h = arg;
	struct kp_dev *dev = NULL;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(h->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	h->err = kp_open_path(&dev, path);
	if (!h->err)
		h->err = kp_plugin_open(dev, NULL, 0);
	pthread_barrier_wait(&barrier);
	if (!h->err)
		h->err = kp_call(dev, KP_EDU_MSG_LOCK_HAMMER, &h->lh,
				 sizeof(h->lh), &h->result);
	kp_close(dev);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "lock", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 'T' },
		{ "iterations", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct hammer h[MAX_THREADS];
	struct kp_dev *keep = NULL;
	uint32_t lock = 0, iterations = 10000;
	int threads = 2, ncpu, c, i, errors = 0, bad = 0, err;
	double t0;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': path = optarg; break;
		case 'l': lock = strtoul(optarg, NULL, 0); break;
		case 'T': threads = atoi(optarg); break;
		case 'i': iterations = strtoul(optarg, NULL, 0); break;
		default: goto usage;
		}
	}
	if (!path || threads < 1 || threads > MAX_THREADS)
		goto usage;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;

	/* keeps the shared lock 0 alive across the threads' opens */
	err = kp_open_path(&keep, path);
	if (!err)
		err = kp_plugin_open(keep, NULL, 0);
	if (err) {
		printf("{\"error\": \"open\", \"errno\": \"%s\"}\n",
		       kpt_errname(err));
		kp_close(keep);
		return 1;
	}
	pthread_barrier_init(&barrier, NULL, threads);
	t0 = kpt_now();
	for (i = 0; i < threads; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		h[i].cpu = i % ncpu;
		h[i].lh.lock_id = lock;
		h[i].lh.iterations = iterations;
		h[i].result = ~0u;
		pthread_create(&h[i].th, NULL, hammer, &h[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(h[i].th, NULL);
		errors += h[i].err != 0;
		bad += !h[i].err && h[i].result != KP_EDU_RES_OK;
	}
	printf("{\"lock\": %u, \"threads\": %d, \"iterations\": %u, "
	       "\"errors\": %d, \"bad_results\": %d, \"first_errno\": \"%s\", "
	       "\"seconds\": %.3f}\n", lock, threads, iterations, errors, bad,
	       kpt_errname(h[0].err), kpt_now() - t0);
	kp_close(keep);
	return errors || bad;

usage:
	fprintf(stderr, "usage: kp_lockhammer --dev PATH --lock 0|1 "
		"--threads T --iterations N\n");
	return 2;
}
