"""Generated projects compile: kernel C at W=1 -Werror, diag app -Werror.

Selected with `-m kbuild`.  The kernel tree is the QEMU target's
(scripts/kdir.sh, or KDIR in the environment); the module links against
runtime/kernel/Module.symvers when the runtime is built, else modpost
only warns about the runtime's symbols.  The diag app links with
runtime/lib/build/libkp.a when it exists, else it is only compiled.
"""
import glob
import os
import subprocess

import pytest

from conftest import EDU, REPO, write

pytestmark = pytest.mark.kbuild

RUNTIME = REPO / "runtime"

SIX_BARS = """\
name: six
description: six BARs, every width, MSI-X, many messages
author: Test <test@example.com>
pci: {vendor: 0x10ee, device: 0x7024, subsystem_vendor: 0x10ee,
      subsystem_device: 0x0007}
bars:
  - index: 0
    name: ctl
    type: mem
    size: 0x10000
    registers:
      - {name: r8, offset: 0x0, width: 8, access: rw}
      - {name: r16, offset: 0x2, width: 16, access: ro}
      - {name: r32, offset: 0x4, width: 32, access: wo}
      - name: r64
        offset: 0x8
        width: 64
        fields:
          - {name: lo, bits: "31:0"}
          - {name: top, bits: 63}
  - {index: 1, name: pio, type: io, size: 0x100, registers: [
      {name: p8, offset: 0, width: 8}, {name: p16, offset: 2, width: 16},
      {name: p32, offset: 4, width: 32, access: ro}]}
  - {index: 2, name: m2, type: mem, registers: [{name: q64, offset: 0x1000,
      width: 64, access: ro}]}
  - {index: 3, name: io3, type: io}
  - {index: 4, name: m4, type: mem, size: 0x1000}
  - {index: 5, name: m5, type: mem}
interrupts:
  mode: msix
  vectors: 32
  acknowledge:
    - {read: r64, mask: 0x8000000000000000}
    - {write: r32, value: read, mask: 0xffff}
    - {write: r8, value: 0x1}
  raise:
    - {write: p8, value: 0xff}
messages:
""" + "".join("""\
  - name: m{0}
    input: [{{name: a, type: u8}}, {{name: b, type: s64}},
            {{name: c, type: u16, count: 3}}]
    output: [{{name: d, type: s8}}, {{name: e, type: s16}},
             {{name: f, type: s32}}, {{name: g, type: u64, count: 2}},
             {{name: s, type: char, count: 17}}]
""".format(chr(ord("a") + i)) for i in range(10)) + """\
  - name: bulk
    id: 0x1000
    input: [{name: data, type: u32, count: 4096}]
    output: [{name: crc, type: u32}]
  - name: ping
events: [insert, remove, power]
"""

MINIMAL = """\
name: tiny
pci: {vendor: 0x1, device: 0x2}
"""

LEGACY_IO = """\
name: oldcard
pci: {vendor: 0x10b5, device: 0x9050, class: 0x078000}
bars:
  - index: 2
    name: regs
    type: io
    size: 0x80
    registers:
      - {name: intcsr, offset: 0x4c, width: 32,
         fields: [{name: active, bits: 2}]}
      - {name: cntrl, offset: 0x50, width: 16}
interrupts:
  mode: legacy
  acknowledge:
    - {read: intcsr, mask: 0x4}
    - {write: intcsr, value: 0x43}
events: [remove]
"""

MSI_MULTI = """\
name: dma_eng
description: eight MSI vectors, acknowledge without a read
pci: {vendor: 0x1d0f, device: 0xec20, class: 0x010802, class_mask: 0xffff00}
bars:
  - {index: 0, name: bar, type: mem, registers: [
      {name: irq_clear, offset: 0x10, access: wo},
      {name: doorbell, offset: 0x14, access: wo}]}
interrupts:
  mode: auto
  prefer: [msi, msix]
  vectors: 8
  acknowledge:
    - {write: irq_clear, value: 0xff}
  raise:
    - {write: doorbell, value: 1}
messages:
  - name: reset
"""

DMA_SG = """\
name: sgdev
description: DMA with two plugin buffers, scatter-gather user buffers only
pci: {vendor: 0x10ee, device: 0x9038}
bars:
  - {index: 0, name: regs, type: mem, size: 0x1000, registers: [
      {name: doorbell, offset: 0x0, access: wo}]}
interrupts: {mode: msix, vectors: 4}
dma:
  mask: 64
  contiguous: false
  scatter_gather: true
  buffers:
    - {name: ring, size: 0x10000, direction: to_device, description: the
       submission ring}
    - {name: status, size: 8, direction: from_device}
messages:
  - name: submit
    buffer: bidirectional
    input: [{name: flags, type: u8}, {name: tag, type: u64}]
    output: [{name: done, type: u16}]
  - name: reset
events: [remove]
"""

DESCRIPTIONS = {"edu": EDU.read_text(), "six": SIX_BARS, "tiny": MINIMAL,
                "edudma": (REPO / "examples/edudma/edudma.yaml").read_text(),
                "sgdev": DMA_SG,
                "oldcard": LEGACY_IO, "dma_eng": MSI_MULTI,
                "uart": (REPO / "tests/target/serial/uart.yaml").read_text()}


def kdir():
    if os.environ.get("KDIR"):
        return os.environ["KDIR"]
    script = REPO / "scripts" / "kdir.sh"
    if script.exists():
        p = subprocess.run([str(script)], capture_output=True, text=True)
        if p.returncode == 0 and os.path.isdir(p.stdout.strip()):
            return p.stdout.strip()
    dirs = sorted(glob.glob("/lib/modules/*-amd64/build"))
    return dirs[-1] if dirs else None


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=str(cwd), capture_output=True, text=True)
    assert p.returncode == 0, "%s failed:\n%s%s" % (" ".join(cmd), p.stdout,
                                                    p.stderr)
    return p.stdout + p.stderr


@pytest.mark.parametrize("name", sorted(DESCRIPTIONS))
def test_generated_project_compiles(kpgen, tmp_path, name):
    kd = kdir()
    if not kd or not os.path.isdir(kd):
        pytest.skip("no kernel build tree (/lib/modules/*-amd64/build)")
    desc = write(tmp_path / (name + ".yaml"), DESCRIPTIONS[name])
    proj = tmp_path / name
    res = kpgen("new", "--from", desc, "-o", proj, "--runtime", RUNTIME)
    assert res.rc == 0, res
    res = kpgen("validate", desc)
    assert res.rc == 0, res

    make = ["make", "module", "KDIR=" + kd, "W=1", "KCFLAGS=-Werror"]
    symvers = RUNTIME / "kernel" / "Module.symvers"
    if not symvers.exists():
        make.append("KBUILD_MODPOST_WARN=1")
    out = run(make, proj)
    assert "warning:" not in out, out
    assert (proj / (name + "_kp.ko")).exists()
    if symvers.exists():
        assert "undefined!" not in out, out

    cflags = "-O2 -Wall -Wextra -Werror -Wformat=2 -Wshadow " \
        "-Wmissing-prototypes -Wstrict-prototypes"
    if (RUNTIME / "lib" / "build" / "libkp.a").exists():
        run(["make", "diag", "CFLAGS=" + cflags], proj)
        assert (proj / (name + "_diag")).exists()
    else:
        run(["cc"] + cflags.split() + [
            "-I" + str(RUNTIME / "include" / "uapi"),
            "-I" + str(RUNTIME / "lib"), "-c", name + "_diag.c"], proj)
