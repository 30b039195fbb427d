"""`kpgen scan`: PCI devices from sysfs, like DriverWizard's device list.

Everything comes from /sys/bus/pci/devices/<bdf>/ (the root is a
parameter so tests can use a fake tree): the id files, `resource` for the
BARs, the `driver` link, and `config` for the capability list (MSI and
MSI-X vector counts).  Without root, sysfs shows only the first 64 bytes
of config space; the capabilities are then reported as unknown.
"""
import os
from pathlib import Path

from kpgen.errors import KpgenError

IORESOURCE_IO = 0x100
IORESOURCE_MEM = 0x200
IORESOURCE_PREFETCH = 0x2000
IORESOURCE_MEM_64 = 0x100000

PCI_STATUS = 0x06
PCI_STATUS_CAP_LIST = 0x10
PCI_CAPABILITY_LIST = 0x34
PCI_INTERRUPT_PIN = 0x3d
PCI_CAP_ID_MSI = 0x05
PCI_CAP_ID_MSIX = 0x11


class Device:
    def __init__(self, bdf):
        self.bdf = bdf
        self.vendor = self.device = 0
        self.subsystem_vendor = self.subsystem_device = None
        self.pci_class = 0
        self.driver = None
        self.bars = []          # (index, "mem"|"io", start, size, flags)
        self.pin = None         # 1..4 (A..D), 0 none, None unknown
        self.msi = None         # vectors, 0 none, None unknown
        self.msi_64 = False
        self.msix = None
        self.config_len = 0


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _hex(path, default=None):
    text = _read(path)
    if text is None:
        return default
    try:
        return int(text, 16)
    except ValueError:
        return default


def parse_resources(text):
    bars = []
    for index, line in enumerate((text or "").splitlines()[:6]):
        parts = line.split()
        if len(parts) < 3:
            continue
        try:
            start, end, flags = (int(p, 16) for p in parts[:3])
        except ValueError:
            continue
        if not (start or end) or end < start:
            continue
        kind = "io" if flags & IORESOURCE_IO else "mem"
        bars.append((index, kind, start, end - start + 1, flags))
    return bars


def parse_capabilities(cfg, dev):
    """Fills pin, MSI and MSI-X from raw config space bytes."""
    dev.config_len = len(cfg)
    if len(cfg) > PCI_INTERRUPT_PIN:
        dev.pin = cfg[PCI_INTERRUPT_PIN]
    if len(cfg) <= 64:
        return          # unprivileged read: capabilities are beyond 64 bytes
    status = cfg[PCI_STATUS] | cfg[PCI_STATUS + 1] << 8
    dev.msi = dev.msix = 0
    if not status & PCI_STATUS_CAP_LIST:
        return
    ptr, seen = cfg[PCI_CAPABILITY_LIST] & ~3, set()
    while ptr and ptr not in seen and ptr + 4 <= len(cfg):
        seen.add(ptr)
        cap_id, nxt = cfg[ptr], cfg[ptr + 1] & ~3
        ctrl = cfg[ptr + 2] | cfg[ptr + 3] << 8
        if cap_id == PCI_CAP_ID_MSI:
            dev.msi = 1 << ((ctrl >> 1) & 7)
            dev.msi_64 = bool(ctrl & 0x80)
        elif cap_id == PCI_CAP_ID_MSIX:
            dev.msix = (ctrl & 0x7ff) + 1
        ptr = nxt


def full_bdf(bdf):
    """0000:00:03.0 from the short form lspci prints (00:03.0)."""
    if bdf.count(":") == 1:
        return "0000:" + bdf
    return bdf


def read_device(root, bdf):
    path = Path(root) / "bus" / "pci" / "devices" / bdf
    if "/" in bdf or bdf.startswith(".") or not path.is_dir():
        raise KpgenError("no PCI device %s (in %s)" % (bdf, path.parent),
                         None)
    dev = Device(bdf)
    dev.vendor = _hex(path / "vendor", 0)
    dev.device = _hex(path / "device", 0)
    dev.subsystem_vendor = _hex(path / "subsystem_vendor")
    dev.subsystem_device = _hex(path / "subsystem_device")
    dev.pci_class = _hex(path / "class", 0)
    link = path / "driver"
    if link.is_symlink() or link.exists():
        dev.driver = os.path.basename(os.readlink(link)) \
            if link.is_symlink() else link.name
    dev.bars = parse_resources(_read(path / "resource"))
    try:
        with open(path / "config", "rb") as f:
            cfg = f.read(4096)
    except OSError:
        cfg = b""
    parse_capabilities(cfg, dev)
    return dev


def scan(root="/"):
    base = Path(root) / "bus" / "pci" / "devices"
    if not base.is_dir():
        raise KpgenError("no PCI devices directory (is sysfs mounted?)",
                         base)
    return [read_device(root, bdf) for bdf in sorted(os.listdir(base))]


def human_size(size):
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return "%d %s" % (size >> shift, unit)
    return "%d B" % size


def irq_text(dev):
    parts = []
    if dev.pin is None:
        parts.append("INTx ?")
    elif dev.pin:
        parts.append("INTx (pin %s)" % "ABCD"[min(dev.pin, 4) - 1])
    else:
        parts.append("no INTx")
    if dev.msi is None:
        parts.append("MSI/MSI-X unknown (config space not readable: "
                     "run as root)")
    else:
        parts.append("MSI %d vector%s%s" % (dev.msi, "s" * (dev.msi != 1),
                                            ", 64-bit" if dev.msi_64 else "")
                     if dev.msi else "no MSI")
        parts.append("MSI-X %d vector%s" % (dev.msix, "s" * (dev.msix != 1))
                     if dev.msix else "no MSI-X")
    return "; ".join(parts)


def format_device(dev):
    sub = ""
    if dev.subsystem_vendor is not None:
        sub = " sub %04x:%04x" % (dev.subsystem_vendor,
                                  dev.subsystem_device or 0)
    lines = ["%s  %04x:%04x%s  class %06x  driver %s" % (
        dev.bdf, dev.vendor, dev.device, sub, dev.pci_class,
        dev.driver or "-")]
    for index, kind, start, size, flags in dev.bars:
        extra = ""
        if kind == "mem":
            extra = " 64-bit" if flags & IORESOURCE_MEM_64 else " 32-bit"
            if flags & IORESOURCE_PREFETCH:
                extra += " prefetchable"
        lines.append("    BAR%d %-3s 0x%x size 0x%x (%s)%s" % (
            index, kind, start, size, human_size(size), extra))
    lines.append("    IRQ: " + irq_text(dev))
    return "\n".join(lines)


def describe_context(dev, name):
    """Values for templates/description.yaml.j2 from a scanned device."""
    modes = []
    if dev.msix:
        modes.append("msix")
    if dev.msi:
        modes.append("msi")
    if dev.pin or dev.pin is None:
        modes.append("legacy")
    if dev.msi is None:
        modes = ["msix", "msi", "legacy"]
    bars = []
    skip = set()
    for index, kind, _start, size, flags in dev.bars:
        if index in skip:
            continue
        if kind == "mem" and flags & IORESOURCE_MEM_64:
            skip.add(index + 1)
        bars.append({"index": index, "type": kind, "size": "0x%x" % size,
                     "name": "%s%d" % ("io" if kind == "io" else "bar",
                                       index)})
    return {"name": name, "vendor": "0x%04x" % dev.vendor,
            "device": "0x%04x" % dev.device,
            "subsystem_vendor": None, "subsystem_device": None,
            "comment": "%s, class %06x, found by `kpgen scan`" % (
                dev.bdf, dev.pci_class),
            "bars": bars, "mode": "auto" if len(modes) > 1 else
            (modes[0] if modes else "none"),
            "prefer": modes if len(modes) > 1 else None, "vectors": 1,
            "device_vectors": None if dev.msi is None else
            {"msi": dev.msi, "msix": dev.msix}}
