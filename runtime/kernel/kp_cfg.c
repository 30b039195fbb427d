// SPDX-License-Identifier: GPL-2.0
/*
 * kp_cfg.c - configuration space for user mode (KP_CFG_READ/WRITE).
 *
 * Reads see everything, as for the device's owner under vfio-pci.  Writes
 * may not touch what the kernel and the runtime own - the BARs (a moved
 * BAR under a live ioremap), the expansion ROM, COMMAND (memory and I/O
 * decoding, bus mastering, INTx masking), and the MSI and MSI-X
 * capabilities (a rewritten message address is a DMA write anywhere): the
 * registers vfio-pci virtualizes.  Kernel lockdown refuses every write,
 * as it does for sysfs config and resource files.
 */
#include <linux/pci.h>
#include <linux/security.h>

#include "kp_internal.h"

/* Length of the MSI capability, from its flags */
static u32 kp_msi_cap_len(struct pci_dev *pdev)
{
	u16 flags;
	u32 len;

	pci_read_config_word(pdev, pdev->msi_cap + PCI_MSI_FLAGS, &flags);
	len = flags & PCI_MSI_FLAGS_64BIT ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
	len += 2;				/* message data */
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		len += 10;			/* reserved, mask, pending */
	return len;
}

static bool kp_in(u32 offset, u32 width, u32 start, u32 len)
{
	return offset < start + len && start < offset + width;
}

int kp_cfg_write_check(struct pci_dev *pdev, u32 offset, u32 width)
{
	int ret;

	ret = security_locked_down(LOCKDOWN_PCI_ACCESS);
	if (ret)
		return ret;
	if (kp_in(offset, width, PCI_COMMAND, 2))
		return -EPERM;
	if (kp_in(offset, width, PCI_BASE_ADDRESS_0,
		  PCI_BASE_ADDRESS_5 + 4 - PCI_BASE_ADDRESS_0))
		return -EPERM;
	if (kp_in(offset, width, PCI_ROM_ADDRESS, 4))
		return -EPERM;
	if (pdev->msi_cap &&
	    kp_in(offset, width, pdev->msi_cap, kp_msi_cap_len(pdev)))
		return -EPERM;
	if (pdev->msix_cap &&
	    kp_in(offset, width, pdev->msix_cap, PCI_CAP_MSIX_SIZEOF))
		return -EPERM;
	return 0;
}

int kp_cfg_access(struct pci_dev *pdev, struct kp_rw *rw, bool write)
{
	int where = rw->offset;
	u32 val32;
	u16 val16;
	u8 val8;
	int ret;

	switch (rw->width) {
	case 1:
		if (write)
			return pci_user_write_config_byte(pdev, where,
							  rw->value);
		ret = pci_user_read_config_byte(pdev, where, &val8);
		rw->value = val8;
		return ret;
	case 2:
		if (write)
			return pci_user_write_config_word(pdev, where,
							  rw->value);
		ret = pci_user_read_config_word(pdev, where, &val16);
		rw->value = val16;
		return ret;
	default:
		if (write)
			return pci_user_write_config_dword(pdev, where,
							   rw->value);
		ret = pci_user_read_config_dword(pdev, where, &val32);
		rw->value = val32;
		return ret;
	}
}
