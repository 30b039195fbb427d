// SPDX-License-Identifier: GPL-2.0
/*
 * kp_provoke - the target harness's proof that it catches kernel bugs:
 * loading it with bug=<kind> commits that bug once, in module init, so a
 * test can check that the report reaches the harness (tests/conftest.py
 * fails any test during which a guest kernel reports a bug).
 *
 *   warn     WARN()                                  (any kernel)
 *   kasan    8-byte read past a 16-byte kmalloc     (KASAN)
 *   sleep    might_sleep() under a spinlock         (DEBUG_ATOMIC_SLEEP)
 *   lockdep  two spinlocks taken in both orders     (PROVE_LOCKING)
 *   leak     a kmalloc nobody frees or points to    (DEBUG_KMEMLEAK)
 *   hang     hang_ms in uninterruptible sleep        (DETECT_HUNG_TASK,
 *            with a short kernel.hung_task_timeout_secs)
 *
 * lockdep turns itself off after its first report, and after a KASAN
 * report (which taints the kernel): provoke "lockdep" first.
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

static char *bug = "";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "warn, kasan, sleep, lockdep, leak or hang");

static unsigned int hang_ms = 5000;
module_param(hang_ms, uint, 0444);
MODULE_PARM_DESC(hang_ms, "how long bug=hang sleeps uninterruptibly");

/* Sizes the compiler cannot see through, so it neither warns nor folds. */
static unsigned int alloc_size = 16;
module_param(alloc_size, uint, 0444);

static DEFINE_SPINLOCK(lock_a);
static DEFINE_SPINLOCK(lock_b);

static noinline int provoke_kasan(void)
{
	u64 *p = kmalloc(alloc_size, GFP_KERNEL);
	u64 v;

	if (!p)
		return -ENOMEM;
	v = READ_ONCE(p[alloc_size / sizeof(*p)]);
	kfree(p);
	pr_info("kp_provoke: read %llx past the end\n", v);
	return 0;
}

static void provoke_sleep(void)
{
	spin_lock(&lock_a);
	might_sleep();
	spin_unlock(&lock_a);
}

static void provoke_lockdep(void)
{
	spin_lock(&lock_a);
	spin_lock(&lock_b);
	spin_unlock(&lock_b);
	spin_unlock(&lock_a);

	spin_lock(&lock_b);
	spin_lock(&lock_a);
	spin_unlock(&lock_a);
	spin_unlock(&lock_b);
}

static noinline void leak_one(void)
{
	char *p = kmalloc(alloc_size, GFP_KERNEL);

	if (!p)
		return;
	memset(p, 0x6b, alloc_size);
	/* or the compiler drops the stores to memory nobody reads */
	barrier_data(p);
}

/*
 * kmemleak counts any copy of a pointer as a reference, stale stack slots
 * included: overwrite the frames leak_one() and its callees used.
 */
static noinline void wipe_stack(void)
{
	char buf[512];

	memzero_explicit(buf, sizeof(buf));
}

static void provoke_leak(void)
{
	leak_one();
	wipe_stack();
	pr_info("kp_provoke: leaked %u bytes\n", alloc_size);
}

static int __init kp_provoke_init(void)
{
	if (!strcmp(bug, "warn"))
		WARN(1, "kp_provoke: deliberate warning\n");
	else if (!strcmp(bug, "kasan"))
		return provoke_kasan();
	else if (!strcmp(bug, "sleep"))
		provoke_sleep();
	else if (!strcmp(bug, "lockdep"))
		provoke_lockdep();
	else if (!strcmp(bug, "leak"))
		provoke_leak();
	else if (!strcmp(bug, "hang"))
		msleep(hang_ms);	/* one long D-state sleep, no wakeups */
	else
		return -EINVAL;
	return 0;
}
module_init(kp_provoke_init);

static void __exit kp_provoke_exit(void)
{
}
module_exit(kp_provoke_exit);

MODULE_DESCRIPTION("kpgen target harness: commits one kernel bug on request");
MODULE_LICENSE("GPL");
