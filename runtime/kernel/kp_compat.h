/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_compat.h - the few kernel API differences between the target kernel
 * (Debian 6.1) and newer ones, so that the runtime also builds for the
 * machine's own kernel (KDIR=/lib/modules/$(uname -r)/build).
 */
#ifndef _KP_COMPAT_H
#define _KP_COMPAT_H

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define kp_class_create(name)	class_create(name)
#else
#define kp_class_create(name)	class_create(THIS_MODULE, name)
#endif

/* struct class.devnode takes a const device since 6.2 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define KP_DEVNODE_CONST	const
#else
#define KP_DEVNODE_CONST
#endif

/* class attribute callbacks take const pointers since 6.4 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define KP_CLASS_ATTR_CONST	const
#else
#define KP_CLASS_ATTR_CONST
#endif

static inline void kp_vm_flags_set(struct vm_area_struct *vma,
				   vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void kp_vm_flags_clear(struct vm_area_struct *vma,
				     vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

#ifndef PCI_IRQ_INTX
#define PCI_IRQ_INTX		PCI_IRQ_LEGACY
#endif

#endif /* _KP_COMPAT_H */
