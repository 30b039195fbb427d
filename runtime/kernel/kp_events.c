// SPDX-License-Identifier: GPL-2.0
/*
 * kp_events.c - plug-and-play and power events: KP_EVENT_REGISTER,
 * KP_EVENT_WAIT, delivery through KP_Event, and the dev_pm_ops that turn
 * suspend/resume into WD_POWER_CHANGED_D3/D0.  (PCI remove delivers
 * WD_REMOVE from kp_pci_remove().)
 *
 * Each session has its own queue and wait queue, apart from the
 * interrupt notifications, so an interrupt never wakes an event waiter.
 */
#include <linux/pci.h>
#include <linux/pm.h>
#include <linux/poll.h>
#include <linux/uaccess.h>

#include "kp_internal.h"

void kp_events_init(struct kp_events *ev)
{
	spin_lock_init(&ev->lock);
	init_waitqueue_head(&ev->wq);
}

/* Queues @action on @sess; a full queue counts the event as lost. */
void kp_event_queue(struct kp_session *sess, u32 action)
{
	struct kp_events *ev = &sess->ev;

	spin_lock(&ev->lock);
	if (ev->count == KP_EVENT_QUEUE_LEN) {
		ev->lost++;
	} else {
		u32 tail = (ev->head + ev->count) % KP_EVENT_QUEUE_LEN;

		ev->queue[tail].action = action;
		ev->queue[tail].seq = ++ev->seq;
		ev->count++;
	}
	spin_unlock(&ev->lock);
	wake_up_all(&ev->wq);
}

/* Nothing more can come (kdev->removed is set): waiters drain and stop. */
void kp_events_stop(struct kp_session *sess)
{
	wake_up_all(&sess->ev.wq);
}

/*
 * Calls KP_Event for @action if the session has a plugin open with a
 * KP_Event; returns its answer (TRUE without one: pass it on).  Caller
 * holds kdev->gate for writing (no KP_Call runs) and kdev->lock.
 */
BOOL kp_event_call(struct kp_session *sess, u32 action)
{
	struct kp_device *kdev = sess->kdev;
	struct pci_dev *pdev = kdev->pdev;
	WD_EVENT wd = {
		.dwAction = action,
		.dwVendorId = pdev->vendor,
		.dwDeviceId = pdev->device,
		.dwDomain = pci_domain_nr(pdev->bus),
		.dwBus = pdev->bus->number,
		.dwSlot = PCI_SLOT(pdev->devfn),
		.dwFunction = PCI_FUNC(pdev->devfn),
		.hKernelPlugIn = sess,
	};

	lockdep_assert_held(&kdev->lock);
	if (!sess->plugin_open || !sess->ops.funcEvent)
		return TRUE;
	spin_lock(&sess->ev.lock);
	wd.hEvent = sess->ev.seq + 1;
	spin_unlock(&sess->ev.lock);
	return sess->ops.funcEvent(sess->drv_ctx, &wd);
}

/*
 * Delivers @action to every session registered for it: KP_Event, and the
 * queue when it returns TRUE.  Caller holds kdev->gate for writing and
 * kdev->lock.
 */
void kp_event_deliver(struct kp_device *kdev, u32 action)
{
	struct kp_session *sess;

	lockdep_assert_held(&kdev->lock);
	list_for_each_entry(sess, &kdev->sessions, node) {
		if (!(READ_ONCE(sess->ev.mask) & action))
			continue;
		if (kp_event_call(sess, action))
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
	if (kdev->removing) {
		mutex_unlock(&kdev->lock);
		return -ENODEV;
	}
	WRITE_ONCE(sess->ev.mask, er.actions);
	mutex_unlock(&kdev->lock);

	/* unregistering stops waiters */
	if (!er.actions)
		wake_up_all(&sess->ev.wq);
	return 0;
}

/* Nothing more can come: not registered, device gone, or owner's close. */
static bool kp_event_stopped(struct kp_session *sess, u32 gen)
{
	return !READ_ONCE(sess->ev.mask) || READ_ONCE(sess->kdev->removed) ||
	       READ_ONCE(sess->notify.flush_gen) != gen;
}

static bool kp_event_wait_done(struct kp_session *sess, u32 gen)
{
	return READ_ONCE(sess->ev.count) || kp_event_stopped(sess, gen);
}

/*
 * Takes the oldest queued event.  Queued events are returned even after
 * the device was removed (the WD_REMOVE event itself); with the queue
 * empty it returns 0 with KP_WAIT_STOPPED when nothing more can come.
 */
long kp_ioctl_event_wait(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_event_wait, lost);
	struct kp_events *ev = &sess->ev;
	struct kp_event_wait ew;
	u32 gen;

	if (copy_from_user(&ew, uarg, minsz))
		return -EFAULT;
	if (ew.argsz < minsz || (ew.flags & ~KP_WAIT_NONBLOCK))
		return -EINVAL;

	ew.action = 0;
	ew.seq = 0;
	ew.__pad = 0;

	gen = READ_ONCE(sess->notify.flush_gen);
	spin_lock(&ev->lock);
	for (;;) {
		if (ev->count) {
			u32 head = ev->head;

			ew.action = ev->queue[head].action;
			ew.seq = ev->queue[head].seq;
			ev->head = (head + 1) % KP_EVENT_QUEUE_LEN;
			ev->count--;
			break;
		}
		if (kp_event_stopped(sess, gen)) {
			ew.flags |= KP_WAIT_STOPPED;
			break;
		}
		if (ew.flags & KP_WAIT_NONBLOCK) {
			spin_unlock(&ev->lock);
			return -EAGAIN;
		}
		spin_unlock(&ev->lock);
		if (wait_event_interruptible(ev->wq,
					     kp_event_wait_done(sess, gen)))
			return -EINTR;
		spin_lock(&ev->lock);
	}
	ew.lost = ev->lost;
	spin_unlock(&ev->lock);

	return copy_to_user(uarg, &ew, minsz) ? -EFAULT : 0;
}

__poll_t kp_events_poll(struct kp_events *ev, struct file *file,
			poll_table *wait)
{
	poll_wait(file, &ev->wq, wait);
	return READ_ONCE(ev->count) ? EPOLLPRI : 0;
}

/* ---- power management ---------------------------------------------- */

static int kp_pm_event(struct device *dev, u32 action)
{
	struct kp_device *kdev = dev_get_drvdata(dev);

	if (!kdev)
		return 0;
	percpu_down_write(&kdev->gate);
	mutex_lock(&kdev->lock);
	if (!kdev->removing)
		kp_event_deliver(kdev, action);
	mutex_unlock(&kdev->lock);
	percpu_up_write(&kdev->gate);
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
