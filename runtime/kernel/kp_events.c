// SPDX-License-Identifier: GPL-2.0
/*
 * kp_events.c - plug-and-play and power events: KP_EVENT_REGISTER,
 * KP_EVENT_WAIT, delivery through KP_Event, and the dev_pm_ops that turn
 * suspend/resume into WD_POWER_CHANGED_D3/D0.  (PCI remove delivers
 * WD_REMOVE from kp_pci_remove().)
 */
#include <linux/pci.h>
#include <linux/pm.h>
#include <linux/uaccess.h>

#include "kp_internal.h"

/* Queues @action on @sess; a full queue counts the event as lost. */
static void kp_event_queue(struct kp_session *sess, u32 action)
{
	spin_lock_bh(&sess->lock);
	if (sess->ev_count == KP_EVENT_QUEUE_LEN) {
		sess->ev_lost++;
	} else {
		u32 tail = (sess->ev_head + sess->ev_count) %
			   KP_EVENT_QUEUE_LEN;

		sess->ev_queue[tail].action = action;
		sess->ev_queue[tail].seq = ++sess->ev_seq;
		sess->ev_count++;
	}
	spin_unlock_bh(&sess->lock);
	wake_up_all(&sess->wq);
}

/*
 * Calls KP_Event for every session registered for @action and queues the
 * event where it returns TRUE.  A session without a plugin open (or a
 * plugin without KP_Event) gets the event queued as if KP_Event had
 * returned TRUE.  Caller holds kdev->lock.
 */
void kp_event_deliver(struct kp_device *kdev, u32 action)
{
	struct pci_dev *pdev = kdev->pdev;
	struct kp_session *sess;

	lockdep_assert_held(&kdev->lock);

	list_for_each_entry(sess, &kdev->sessions, node) {
		WD_EVENT ev = {
			.dwAction = action,
			.dwVendorId = pdev->vendor,
			.dwDeviceId = pdev->device,
			.dwDomain = pci_domain_nr(pdev->bus),
			.dwBus = pdev->bus->number,
			.dwSlot = PCI_SLOT(pdev->devfn),
			.dwFunction = PCI_FUNC(pdev->devfn),
			.hKernelPlugIn = sess,
		};
		BOOL notify = TRUE;
		bool registered;

		spin_lock_bh(&sess->lock);
		registered = sess->ev_mask & action;
		ev.hEvent = sess->ev_seq + 1;
		spin_unlock_bh(&sess->lock);
		if (!registered)
			continue;

		if (sess->plugin_open && sess->ops.funcEvent)
			notify = sess->ops.funcEvent(sess->drv_ctx, &ev);
		if (notify)
			kp_event_queue(sess, action);
	}
}

long kp_ioctl_event_register(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_event_register, __pad);
	struct kp_device *kdev = sess->kdev;
	struct kp_event_register er;

	if (copy_from_user(&er, uarg, minsz))
		return -EFAULT;
	if (er.argsz < minsz || er.flags || (er.actions & ~KP_EVENT_ALL))
		return -EINVAL;

	mutex_lock(&kdev->lock);
	if (kdev->removed) {
		mutex_unlock(&kdev->lock);
		return -ENODEV;
	}
	spin_lock_bh(&sess->lock);
	sess->ev_mask = er.actions;
	spin_unlock_bh(&sess->lock);
	mutex_unlock(&kdev->lock);

	/* unregistering stops waiters */
	if (!er.actions)
		wake_up_all(&sess->wq);
	return 0;
}

/* Nothing more can come: not registered, device gone, or owner's close. */
static bool kp_event_stopped(struct kp_session *sess, u32 gen)
{
	return !sess->ev_mask || READ_ONCE(sess->kdev->removed) ||
	       sess->flush_gen != gen;
}

static bool kp_event_wait_done(struct kp_session *sess, u32 gen)
{
	bool done;

	spin_lock_bh(&sess->lock);
	done = sess->ev_count || kp_event_stopped(sess, gen);
	spin_unlock_bh(&sess->lock);
	return done;
}

/*
 * Takes the oldest queued event.  Queued events are returned even after
 * the device was removed (the WD_REMOVE event itself); with the queue
 * empty it returns 0 with KP_WAIT_STOPPED when nothing more can come.
 */
long kp_ioctl_event_wait(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_event_wait, lost);
	struct kp_event_wait ew;
	u32 gen;

	if (copy_from_user(&ew, uarg, minsz))
		return -EFAULT;
	if (ew.argsz < minsz || (ew.flags & ~KP_WAIT_NONBLOCK))
		return -EINVAL;

	ew.action = 0;
	ew.seq = 0;
	ew.__pad = 0;

	spin_lock_bh(&sess->lock);
	gen = sess->flush_gen;
	for (;;) {
		if (sess->ev_count) {
			u32 head = sess->ev_head;

			ew.action = sess->ev_queue[head].action;
			ew.seq = sess->ev_queue[head].seq;
			sess->ev_head = (head + 1) % KP_EVENT_QUEUE_LEN;
			sess->ev_count--;
			break;
		}
		if (kp_event_stopped(sess, gen)) {
			ew.flags |= KP_WAIT_STOPPED;
			break;
		}
		if (ew.flags & KP_WAIT_NONBLOCK) {
			spin_unlock_bh(&sess->lock);
			return -EAGAIN;
		}
		spin_unlock_bh(&sess->lock);
		if (wait_event_interruptible(sess->wq,
					     kp_event_wait_done(sess, gen)))
			return -EINTR;
		spin_lock_bh(&sess->lock);
	}
	ew.lost = sess->ev_lost;
	spin_unlock_bh(&sess->lock);

	return copy_to_user(uarg, &ew, minsz) ? -EFAULT : 0;
}

/* ---- power management ---------------------------------------------- */

static int kp_pm_event(struct device *dev, u32 action)
{
	struct kp_device *kdev = dev_get_drvdata(dev);

	if (!kdev)
		return 0;
	mutex_lock(&kdev->lock);
	if (!kdev->removed)
		kp_event_deliver(kdev, action);
	mutex_unlock(&kdev->lock);
	return 0;
}

static int kp_pm_suspend(struct device *dev)
{
	return kp_pm_event(dev, KP_EVENT_POWER_D3);
}

static int kp_pm_resume(struct device *dev)
{
	return kp_pm_event(dev, KP_EVENT_POWER_D0);
}

DEFINE_SIMPLE_DEV_PM_OPS(kp_pm_ops, kp_pm_suspend, kp_pm_resume);
