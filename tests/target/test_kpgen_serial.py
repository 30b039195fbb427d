"""A driver for a device kpgen never saw, from its datasheet only: QEMU's
pci-serial (a 16550 UART, 8-byte I/O BAR0, INTx), described in
tests/target/serial/uart.yaml, generated, built for the target by
default, and run there.  The in-kernel `serial` driver owns the device
until the generated `make load` (the runtime's kp-bind) takes it, and
gets it back on `make unload`.  Interrupts are raised on demand by toggling IER's
"THR empty" enable and acknowledged by reading IIR, in both styles:

- with the datasheet's own test (IIR bit 0 = 0 means pending: `pending:
  clear`), in plugin code and as the runtime's transfer commands (a
  KP_TRANS_READ with KP_TRANS_F_TEST_CLEAR);
- a second description tests IIR's "THR empty" id bit instead (bit 1 =
  1), again in the plugin and as transfer commands.

Every count is exact."""
import os
import re
import shutil
import subprocess

import pytest

from kptarget import Target
from kptest import dmesg_problems

pytestmark = [pytest.mark.target, pytest.mark.extended]

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SERIAL = os.path.join(REPO, "tests", "target", "serial")
KP_BIND = os.path.join(REPO, "runtime", "kp-bind")
QEMU_ARGS = ["-chardev", "null,id=kpuart", "-device",
             "pci-serial,chardev=kpuart"]
ID = "1b36:0002"
N = 1000
CLEAR_TEST = """\
  acknowledge:
    - read: iir
      mask: 0x01
      pending: clear            # IIR bit 0 = 1: nothing pending, not ours
"""
SET_TEST = """\
  acknowledge:
    - read: iir                 # IIR[3:1] = 001: THR empty (bit 1 set)
      mask: 0x02
"""


def kpgen(*args):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "generator"))
    return subprocess.run(["/usr/bin/python3", "-m", "kpgen", *args],
                          env=env, capture_output=True, text=True)


def make(proj, *args, extra_env=None):
    env = dict(os.environ)
    for var in ("KDIR", "KVER", "MAKEFLAGS", "MAKELEVEL"):
        env.pop(var, None)          # the project's own default
    env.update(extra_env or {})
    return subprocess.run(["make", "-C", proj, *args], env=env,
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def projects():
    out = os.path.join(REPO, "build", "test-kpgen-serial")
    shutil.rmtree(out, ignore_errors=True)
    made = {}
    for style, ack in (("clear", CLEAR_TEST), ("set", SET_TEST)):
        src = os.path.join(out, "src-" + style)
        os.makedirs(src)
        text = open(os.path.join(SERIAL, "uart.yaml")).read()
        assert CLEAR_TEST in text
        with open(os.path.join(src, "uart.yaml"), "w") as f:
            f.write(text.replace(CLEAR_TEST, ack))
        shutil.copy(os.path.join(SERIAL, "uart_calls.c"), src)
        proj = os.path.join(out, style)
        res = kpgen("new", "--from", os.path.join(src, "uart.yaml"), "-o",
                    proj)
        assert res.returncode == 0, res.stderr
        res = make(proj, "W=1")
        assert res.returncode == 0, res.stdout + res.stderr
        assert re.findall(r"warning:.*", res.stdout + res.stderr) == []
        made[style] = proj
    return made


@pytest.fixture(scope="module")
def guest():
    t = Target(extra_args=QEMU_ARGS)
    t.start()
    t.run("dmesg -C", check=True)
    yield t
    t.stop()


def bdf(guest):
    res = guest.run("grep -l 0x0002 /sys/bus/pci/devices/*/device | while "
                    "read f; do d=${f%/device}; grep -q 0x1b36 $d/vendor && "
                    "echo ${d##*/}; done", check=True)
    return res.out.strip()


def owner(guest):
    res = guest.run("basename $(readlink /sys/bus/pci/devices/%s/driver)"
                    % bdf(guest))
    return res.out.strip()


def diag(guest, proj, args):
    return guest.run("%s/uart_diag --script %s" % (proj, args), timeout=300)


def irq_summary(out):
    line = [ln for ln in out.splitlines() if ln.startswith("irq: ")][-1]
    return dict(kv.split("=", 1) for kv in line[5:].split())


def load(guest, proj):
    guest.run("grep -q '^kp_runtime ' /proc/modules || insmod "
              "runtime/kernel/kp_runtime.ko", check=True)
    guest.run("insmod %s/uart_kp.ko" % proj, check=True)
    return guest.run("cd %s && sh %s bind uart %s" % (proj, KP_BIND, ID))


def unload(guest, proj):
    return guest.run("cd %s && sh %s unbind uart %s uart_kp"
                     % (proj, KP_BIND, ID))


def assert_exact(res, trans):
    s = irq_summary(res.out)
    assert res.rc == 0, res.out
    assert (s["mode"], s["trans"], s["status"]) == ("intx", str(trans),
                                                     "ok")
    assert [int(s[k]) for k in ("count", "raised", "received", "interrupts",
                                "dpcs", "dpc_count_sum",
                                "notifications")] == [N] * 7, s
    assert [int(s[k]) for k in ("spurious", "lost", "timeouts")] == [0] * 3


def test_serial_owns_the_uart_until_make_load_takes_it(guest, projects):
    proj = projects["clear"]
    assert owner(guest) == "serial"
    guest.run("insmod runtime/kernel/kp_runtime.ko && insmod "
              "%s/uart_kp.ko" % proj, check=True)
    res = diag(guest, proj, "info")
    assert res.rc == 1
    assert "cannot open /dev/kp/uart0: not bound: uart_kp.ko is loaded " \
        "but no device is bound to it" in res.out
    assert "%s (%s) is owned by driver serial: `make load` rebinds it to " \
        "uart" % (bdf(guest), ID) in res.out
    res = guest.run("cd %s && sh %s bind uart %s" % (proj, KP_BIND, ID))
    assert (res.rc, res.out) == (0, "%s: bound to uart (taken from serial: "
                                 "`make unload` gives it back)\n"
                                 % bdf(guest))
    assert owner(guest) == "uart"


def test_info_shows_the_8_byte_io_bar_and_intx(guest, projects):
    res = diag(guest, projects["clear"], "info")
    assert res.rc == 0, res.out
    assert "bar0=io size=0x8\n" in res.out
    assert "irq_caps=intx \n" in res.out


def test_regs_skips_registers_with_read_side_effects(guest, projects):
    proj = projects["clear"]
    res = diag(guest, proj, "regs")
    assert res.rc == 0, res.out
    assert [ln.split("=")[0] for ln in res.out.splitlines()] == [
        "ier", "lcr", "mcr", "scr"]
    res = diag(guest, proj, "regs --all")
    assert [ln.split("=")[0] for ln in res.out.splitlines()] == [
        "rbr", "ier", "iir", "lcr", "mcr", "lsr", "msr", "scr"]
    # an I/O BAR location without a width is one byte wide
    res = diag(guest, proj, "read 0:7")
    assert re.fullmatch(r"0:7=0x[0-9a-f]{2}\n", res.out), res.out


def test_scratch_message_round_trips(guest, projects):
    res = diag(guest, projects["clear"], "call scratch value=0x5a")
    assert res.rc == 0, res.out
    assert res.out.splitlines() == [
        "readback=0x5a", "call: message=scratch id=0x1 dwResult=0 status=OK"]


def test_clear_bit_test_is_a_test_clear_transfer_command(projects):
    with open(os.path.join(projects["clear"], "uart_msgs.h")) as f:
        text = f.read()
    assert "#define UART_ACK_TRANS_CMDS { \\\n" \
        "\t{ .cmd = KP_TRANS_READ, .flags = KP_TRANS_F_TEST_CLEAR, \\\n" \
        "\t  .bar = 0, .width = 1, \\\n" \
        "\t  .offset = 0x02, .mask = 1U }, \\\n}\n" in text


@pytest.mark.parametrize("trans", [0, 1])
def test_clear_bit_test_counts_exactly_in_both_styles(guest, projects,
                                                      trans):
    """IIR bit 0 = 0: pending; the runtime's TEST_CLEAR read acknowledges
    (reading IIR clears "THR empty") as exactly as the plugin does."""
    before = int(guest.run("cat /sys/class/kp/uart0/interrupts").out)
    assert_exact(diag(guest, projects["clear"],
                      "irq --mode intx --count %d%s"
                      % (N, " --trans" if trans else "")), trans)
    after = int(guest.run("cat /sys/class/kp/uart0/interrupts").out)
    assert after - before == N
    assert diag(guest, projects["clear"], "read iir").out == "iir=0x01\n"


def test_make_unload_gives_the_uart_back_to_serial(guest, projects):
    res = unload(guest, projects["clear"])
    assert (res.rc, res.out) == (0, "%s: given back to serial\n"
                                 % bdf(guest))
    assert owner(guest) == "serial"
    assert guest.run("test -d /sys/module/uart_kp").rc == 1


@pytest.mark.parametrize("trans", [0, 1])
def test_set_bit_test_counts_exactly_in_both_styles(guest, projects, trans):
    proj = projects["set"]
    res = load(guest, proj)
    assert res.rc == 0 and "bound to uart (taken from serial" in res.out
    try:
        before = int(guest.run("cat /sys/class/kp/uart0/interrupts").out)
        assert_exact(diag(guest, proj, "irq --mode intx --count %d%s"
                          % (N, " --trans" if trans else "")), trans)
        after = int(guest.run("cat /sys/class/kp/uart0/interrupts").out)
        assert after - before == N
        res = diag(guest, proj, "read iir")
        assert res.out == "iir=0x01\n"          # nothing left pending
    finally:
        assert unload(guest, proj).rc == 0
    assert owner(guest) == "serial"


def test_the_kernel_log_is_clean(guest, projects):
    guest.run("rmmod kp_runtime", check=True)
    assert dmesg_problems(guest.run("dmesg").out) == []


def test_make_load_target_qemu_runs_as_documented(projects):
    """The user's command, with the device added through KP_QEMU_ARGS."""
    res = make(projects["clear"], "load", "TARGET=qemu",
               "CMD=./uart_diag --script call scratch value=7",
               extra_env={"KP_QEMU_ARGS": " ".join(QEMU_ARGS)})
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert re.search(r"0000:\S+: bound to uart \(taken from serial", out), out
    assert "readback=0x07\ncall: message=scratch id=0x1 dwResult=0 " \
        "status=OK\n" in out
