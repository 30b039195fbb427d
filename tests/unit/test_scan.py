"""`kpgen scan` on a fake sysfs tree."""
import os
import struct

import pytest

from conftest import write
from kpgen.render import load_description

EDU_BDF = "0000:00:03.0"
NIC_BDF = "0000:01:00.0"


def config(vendor, device, caps, pin=1, size=256):
    """A type 0 config space with a capability list."""
    cfg = bytearray(size)
    struct.pack_into("<HHHH", cfg, 0, vendor, device, 0x0007,
                     0x0010 if caps else 0)
    cfg[0x3d] = pin
    ptr = 0x40
    if caps:
        cfg[0x34] = ptr
    for i, (cap_id, ctrl) in enumerate(caps):
        nxt = ptr + 0x10 if i + 1 < len(caps) else 0
        struct.pack_into("<BBH", cfg, ptr, cap_id, nxt, ctrl)
        ptr = nxt
    return bytes(cfg[:size])


def resources(bars):
    lines = []
    for i in range(13):
        start, size, flags = bars.get(i, (0, 0, 0))
        end = start + size - 1 if size else 0
        lines.append("0x%016x 0x%016x 0x%016x" % (start, end, flags))
    return "\n".join(lines) + "\n"


def device(root, bdf, vendor, device_id, cls, bars, cfg, driver=None,
           sub=(0x1af4, 0x1100)):
    d = root / "bus" / "pci" / "devices" / bdf
    write(d / "vendor", "0x%04x\n" % vendor)
    write(d / "device", "0x%04x\n" % device_id)
    write(d / "subsystem_vendor", "0x%04x\n" % sub[0])
    write(d / "subsystem_device", "0x%04x\n" % sub[1])
    write(d / "class", "0x%06x\n" % cls)
    write(d / "resource", resources(bars))
    (d / "config").write_bytes(cfg)
    if driver:
        drv = root / "bus" / "pci" / "drivers" / driver
        drv.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(drv, d), d / "driver")


def make_sysfs(root):
    device(root, EDU_BDF, 0x1234, 0x11e8, 0x00ff00,
           {0: (0xfea00000, 0x100000, 0x40200)},
           config(0x1234, 0x11e8, [(0x05, 0x0080)]))
    device(root, NIC_BDF, 0x8086, 0x10d3, 0x020000,
           {0: (0xfebc0000, 0x20000, 0x140204),
            2: (0xc000, 0x20, 0x40101),
            3: (0xfebe0000, 0x4000, 0x40200)},
           config(0x8086, 0x10d3, [(0x01, 0), (0x05, 0x0086),
                                   (0x11, 0x0004)]), driver="e1000e")
    device(root, "0000:00:1f.0", 0x8086, 0x2918, 0x060100, {},
           config(0x8086, 0x2918, [], pin=0, size=64), driver="lpc_ich")
    return root


@pytest.fixture
def sysfs(tmp_path):
    return make_sysfs(tmp_path / "sys")


def test_scan_lists_devices(kpgen, sysfs):
    res = kpgen("scan", "--sysfs", sysfs)
    assert res.rc == 0, res
    assert res.out == """\
0000:00:03.0  1234:11e8 sub 1af4:1100  class 00ff00  driver -
    BAR0 mem 0xfea00000 size 0x100000 (1 MiB) 32-bit
    IRQ: INTx (pin A); MSI 1 vector, 64-bit; no MSI-X
0000:00:1f.0  8086:2918 sub 1af4:1100  class 060100  driver lpc_ich
    IRQ: no INTx; MSI/MSI-X unknown (config space not readable: run as root)
0000:01:00.0  8086:10d3 sub 1af4:1100  class 020000  driver e1000e
    BAR0 mem 0xfebc0000 size 0x20000 (128 KiB) 64-bit
    BAR2 io  0xc000 size 0x20 (32 B)
    BAR3 mem 0xfebe0000 size 0x4000 (16 KiB) 32-bit
    IRQ: INTx (pin A); MSI 8 vectors, 64-bit; MSI-X 5 vectors
"""


def test_scan_describe_writes_a_valid_description(kpgen, sysfs, tmp_path):
    out = tmp_path / "nic.yaml"
    res = kpgen("scan", "--sysfs", sysfs, "--describe", NIC_BDF, "--name",
                "nic", "-o", out)
    assert res.rc == 0, res
    _, d, _ = load_description(str(out), out.read_text())
    assert (d.name, d.pci.vendor, d.pci.device) == ("nic", 0x8086, 0x10d3)
    assert [(b.index, b.type, b.size) for b in d.bars] == [
        (0, "mem", 0x20000), (2, "io", 0x20), (3, "mem", 0x4000)]
    assert (d.interrupts.mode, d.interrupts.prefer) == (
        "auto", ["msix", "msi", "legacy"])
    assert d.interrupts.device_vectors == {"msi": 8, "msix": 5}
    # and it generates
    res = kpgen("new", "--from", out, "-o", tmp_path / "nic")
    assert res.rc == 0, res
    # refuses to overwrite the description without --force
    res = kpgen("scan", "--sysfs", sysfs, "--describe", NIC_BDF, "-o", out)
    assert res.rc == 1
    assert res.err == ("kpgen: error: %s: file exists: use --force to "
                       "overwrite it\n" % out)


def test_scan_describe_to_stdout(kpgen, sysfs):
    res = kpgen("scan", "--sysfs", sysfs, "--describe", "00:03.0")
    assert res.rc == 0, res
    assert "  vectors: 1\n  device_vectors: {msi: 1, msix: 0}  # what " \
        "the device offers\n" in res.out
    _, d, _ = load_description("stdout", res.out)
    assert (d.name, d.interrupts.mode, d.interrupts.prefer) == (
        "mydev", "auto", ["msi", "legacy"])
    assert d.interrupts.device_vectors == {"msi": 1, "msix": 0}


def test_scan_errors(kpgen, sysfs, tmp_path):
    res = kpgen("scan", "--sysfs", sysfs, "--describe", "0000:09:00.0")
    assert res.rc == 1
    assert res.err == ("kpgen: error: no PCI device 0000:09:00.0 (in %s)\n"
                       % (sysfs / "bus" / "pci" / "devices"))
    res = kpgen("scan", "--sysfs", tmp_path / "nothing")
    assert res.rc == 1
    assert res.err == ("kpgen: error: %s: no PCI devices directory (is "
                       "sysfs mounted?)\n"
                       % (tmp_path / "nothing" / "bus" / "pci" / "devices"))
    res = kpgen("scan", "--sysfs", sysfs, "--describe", EDU_BDF, "--name",
                "for")
    assert (res.rc, res.err) == (1, "kpgen: error: --name: 'for' is a C "
                                 "keyword\n")
    res = kpgen("scan", "--sysfs", sysfs, "--describe", "../../etc")
    assert res.rc == 1 and "no PCI device ../../etc" in res.err
    bad = sysfs / "bus/pci/devices" / EDU_BDF / "resource"
    bad.write_text("0xzz 0x1 0x200\n")
    res = kpgen("scan", "--sysfs", sysfs)
    assert res.rc == 0 and "Traceback" not in res.err
