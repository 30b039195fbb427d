// SPDX-License-Identifier: GPL-2.0
/*
 * kp_smoke - the target harness's own smoke test: binds QEMU's edu device
 * and reports, through sysfs, that it could read the device's id register.
 * It proves that a module built by the project loads in the target guest
 * and drives real (emulated) PCI hardware.
 */
#include <linux/module.h>
#include <linux/pci.h>

#define EDU_REG_ID	0x00

struct kp_smoke {
	void __iomem *regs;
	u32 id;
};

static ssize_t edu_id_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct kp_smoke *smoke = dev_get_drvdata(dev);

	return sysfs_emit(buf, "0x%08x\n", smoke->id);
}
static DEVICE_ATTR_RO(edu_id);

static struct attribute *kp_smoke_attrs[] = {
	&dev_attr_edu_id.attr,
	NULL,
};
ATTRIBUTE_GROUPS(kp_smoke);

static int kp_smoke_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct kp_smoke *smoke;
	int ret;

	smoke = devm_kzalloc(&pdev->dev, sizeof(*smoke), GFP_KERNEL);
	if (!smoke)
		return -ENOMEM;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;

	ret = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
	if (ret)
		return ret;

	smoke->regs = pcim_iomap_table(pdev)[0];
	smoke->id = ioread32(smoke->regs + EDU_REG_ID);
	pci_set_drvdata(pdev, smoke);
	dev_info(&pdev->dev, "edu id 0x%08x\n", smoke->id);
	return 0;
}

static const struct pci_device_id kp_smoke_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, kp_smoke_ids);

static struct pci_driver kp_smoke_driver = {
	.name		= "kp_smoke",
	.id_table	= kp_smoke_ids,
	.probe		= kp_smoke_probe,
	.dev_groups	= kp_smoke_groups,
};
module_pci_driver(kp_smoke_driver);

MODULE_DESCRIPTION("kpgen target harness smoke test (binds QEMU edu)");
MODULE_LICENSE("GPL");
