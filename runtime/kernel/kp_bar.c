// SPDX-License-Identifier: GPL-2.0
/*
 * kp_bar.c - the device's BARs: mapping them at probe, the bounds every
 * access is checked against (ioctls, transfer commands, mmap), the MSI-X
 * table that user mode must not reach, register access of 1-8 bytes and
 * the plugin accessors kp_bar() / kp_bar_size().
 */
#include <linux/io.h>
#include <linux/pci.h>

#include "kp_internal.h"

int kp_map_bars(struct kp_device *kdev)
{
	struct pci_dev *pdev = kdev->pdev;
	void __iomem * const *table;
	int mask = 0;
	int bar, ret;

	for (bar = 0; bar < KP_NUM_BARS; bar++)
		if (pci_resource_len(pdev, bar) &&
		    (pci_resource_flags(pdev, bar) &
		     (IORESOURCE_MEM | IORESOURCE_IO)))
			mask |= BIT(bar);

	if (!mask)
		return 0;

	ret = pcim_iomap_regions(pdev, mask, kdev->plugin->name);
	if (ret)
		return ret;

	table = pcim_iomap_table(pdev);
	if (!table)
		return -ENOMEM;

	for (bar = 0; bar < KP_NUM_BARS; bar++) {
		if (!(mask & BIT(bar)))
			continue;
		kdev->bars[bar] = table[bar];
		kdev->bar_len[bar] = pci_resource_len(pdev, bar);
	}
	return 0;
}

/*
 * Checks a @width-byte access at @offset of BAR @bar: the BAR is mapped,
 * the width is 1, 2, 4 or 8 (8 only for memory BARs), the offset is
 * aligned and the access lies inside the BAR.  Used by the register
 * ioctls and the transfer commands.
 */
int kp_bar_check(struct kp_device *kdev, u32 bar, u64 offset, u32 width)
{
	if (bar >= KP_NUM_BARS || !kdev->bars[bar])
		return -EINVAL;
	if (width != 1 && width != 2 && width != 4 && width != 8)
		return -EINVAL;
	if (width == 8 &&
	    !(pci_resource_flags(kdev->pdev, bar) & IORESOURCE_MEM))
		return -EINVAL;
	if (offset & (width - 1))
		return -EINVAL;
	if (offset >= kdev->bar_len[bar] ||
	    width > kdev->bar_len[bar] - offset)
		return -EINVAL;
	return 0;
}

/* Does [@start, @start + @len) of BAR @bar overlap [@rstart, +@rlen)? */
static bool kp_overlaps(u64 start, u64 len, u64 rstart, u64 rlen)
{
	return rlen && start < rstart + rlen && rstart < start + len;
}

/*
 * User mode (writes, transfer commands, mmap) may not reach the MSI-X
 * table or PBA: their message addresses and data are the kernel's, and a
 * rewritten table entry is a DMA write anywhere the IOMMU allows.  vfio-pci
 * keeps them away from user mode for the same reason.
 */
int kp_bar_write_check(struct kp_device *kdev, u32 bar, u64 offset, u64 len)
{
	struct pci_dev *pdev = kdev->pdev;
	u32 table, pba;
	u64 size;
	u16 ctrl;

	if (!pdev->msix_cap)
		return 0;
	pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &ctrl);
	pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE, &table);
	pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_PBA, &pba);
	size = ((ctrl & PCI_MSIX_FLAGS_QSIZE) + 1) * PCI_MSIX_ENTRY_SIZE;

	if ((table & PCI_MSIX_TABLE_BIR) == bar &&
	    kp_overlaps(offset, len, table & PCI_MSIX_TABLE_OFFSET, size))
		return -EPERM;
	/* one pending bit per entry */
	if ((pba & PCI_MSIX_PBA_BIR) == bar &&
	    kp_overlaps(offset, len, pba & PCI_MSIX_PBA_OFFSET,
			DIV_ROUND_UP(size / PCI_MSIX_ENTRY_SIZE, 64) * 8))
		return -EPERM;
	return 0;
}

/* BARs that can be mmap()ed: memory, page-aligned start and length */
bool kp_bar_mmappable(struct kp_device *kdev, u32 bar)
{
	struct pci_dev *pdev = kdev->pdev;

	return kdev->bar_len[bar] &&
	       (pci_resource_flags(pdev, bar) & IORESOURCE_MEM) &&
	       PAGE_ALIGNED(pci_resource_start(pdev, bar)) &&
	       PAGE_ALIGNED(kdev->bar_len[bar]);
}

u64 kp_width_mask(u32 width)
{
	return width == 8 ? U64_MAX : BIT_ULL(width * 8) - 1;
}

/* Register access of @width bytes; 8 only on memory BARs (checked). */
u64 kp_io_read(void __iomem *base, u64 off, u32 width)
{
	switch (width) {
	case 1:
		return ioread8(base + off);
	case 2:
		return ioread16(base + off);
	case 4:
		return ioread32(base + off);
	default:
		return readq(base + off);
	}
}

void kp_io_write(void __iomem *base, u64 off, u32 width, u64 val)
{
	switch (width) {
	case 1:
		iowrite8(val, base + off);
		break;
	case 2:
		iowrite16(val, base + off);
		break;
	case 4:
		iowrite32(val, base + off);
		break;
	default:
		writeq(val, base + off);
		break;
	}
}

/* ---- plugin accessors (the WDC_xxx register calls) ------------------ */

void __iomem *kp_bar(HANDLE hWD, int bar)
{
	struct kp_session *sess = hWD;

	if (!sess || bar < 0 || bar >= KP_NUM_BARS)
		return NULL;
	return READ_ONCE(sess->kdev->bars[bar]);
}
EXPORT_SYMBOL_GPL(kp_bar);

resource_size_t kp_bar_size(HANDLE hWD, int bar)
{
	struct kp_session *sess = hWD;

	if (!sess || bar < 0 || bar >= KP_NUM_BARS)
		return 0;
	return sess->kdev->bar_len[bar];
}
EXPORT_SYMBOL_GPL(kp_bar_size);
