"""DMA through a plugin kpgen generated: examples/edudma/edudma.yaml (a
`dma:` section, messages with `buffer`) with its user files, built W=1
for the target, loaded there, driven by the diag app's dma commands.

edu's engine copies RAM -> edu -> RAM; its completion interrupt (0x100)
is taken by the plugin while the KP_Call waits (`irq enable`).  Every
round trip carries a fresh random pattern and is compared byte for byte,
through a contiguous buffer and through a locked (scatter-gather) user
buffer in both roles.  Under TCG one transfer takes ~100 ms of the
guest's clock: 20 round trips here, the 1,000-trip acceptance runs
elsewhere."""
import os
import random
import re
import shutil
import subprocess

import pytest

from kptest import dmesg_problems

pytestmark = pytest.mark.target

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TRIPS = 20
MASK = (1 << 28) - 1
USABLE = 4095           # QEMU 7.2's edu: a transfer may not end at 0x41000


@pytest.fixture(scope="module")
def project():
    out = os.path.join(REPO, "build", "test-kpgen-dma")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    proj = os.path.join(out, "edudma")
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "generator"))
    res = subprocess.run(["/usr/bin/python3", "-m", "kpgen", "new", "--from",
                          os.path.join(REPO, "examples/edudma/edudma.yaml"),
                          "-o", proj], env=env, capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stderr
    for var in ("KDIR", "KVER", "MAKEFLAGS", "MAKELEVEL"):
        env.pop(var, None)
    build = subprocess.run(["make", "-C", proj, "W=1"], capture_output=True,
                           text=True, env=env)
    assert build.returncode == 0, build.stdout + build.stderr
    return proj, build.stdout + build.stderr


@pytest.fixture(scope="module")
def loaded(target, project):
    proj, _ = project
    target.run("dmesg -C", check=True)
    target.run("grep -q '^kp_runtime ' /proc/modules || insmod "
               "runtime/kernel/kp_runtime.ko", check=True)
    target.run("insmod %s/edudma_kp.ko" % proj, check=True)
    yield proj
    target.run("rmmod edudma_kp kp_runtime 2>/dev/null")


def script(target, proj, lines, timeout=600):
    """Runs @lines through one edudma_diag --script (one process, so the
    buffers live across the lines); returns (rc, records): ("dma", {..}),
    ("call", {..}), ("dump", bytes), ("irq", line), ("err", line)."""
    path = os.path.join(proj, "script-%d.txt" % random.getrandbits(32))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    res = target.run("%s/edudma_diag --script < %s" % (proj, path),
                     timeout=timeout)
    recs, fields, hexdata = [], {}, bytearray()
    for ln in res.out.splitlines():
        if re.match(r"[0-9a-f]{8}:( [0-9a-f]{2})+$", ln):
            hexdata += bytes(int(x, 16) for x in ln[9:].split())
        elif ln.startswith("dump: "):
            recs.append(("dump", bytes(hexdata)))
            hexdata = bytearray()
        elif ln.startswith("dma: "):
            recs.append(("dma", dict(kv.split("=", 1)
                                     for kv in ln[5:].split())))
        elif ln.startswith("call: "):
            fields.update(kv.split("=", 1) for kv in ln[6:].split())
            recs.append(("call", fields))
            fields = {}
        elif ln.startswith("irq: "):
            recs.append(("irq", ln))
        elif ln.startswith("edudma_diag: "):
            recs.append(("err", ln))
        elif "=" in ln and not ln.startswith("seg: "):
            k, v = ln.split("=", 1)
            fields[k] = v
    return res.rc, recs


def kinds(recs):
    return [k for k, _ in recs]


def ok_transfer(call, irq="0x00000001"):
    assert (call["status"], call["irq"]) == ("OK", irq), call
    assert int(call["bus_addr"], 16) + USABLE - 1 <= MASK, call


def test_builds_for_the_target_without_warnings(project):
    _, log = project
    assert re.findall(r"warning:.*", log) == []
    assert "edudma_kp.ko" in os.listdir(project[0])


def test_buffers_fit_edus_28_bit_mask(target, loaded):
    rc, recs = script(target, loaded, [
        "dma alloc 4096", "dma lock 8192 from_device", "dma list",
        "dma free @1", "dma free @2", "dma list"])
    assert rc == 0, recs
    assert kinds(recs) == ["dma"] * 4
    a, lk = recs[0][1], recs[1][1]
    assert (a["kind"], a["size"], a["dir"], a["nsegs"], a["fits_mask"]) == (
        "contig", "0x1000", "bidirectional", "1", "1")
    assert (lk["kind"], lk["size"], lk["dir"], lk["fits_mask"]) == (
        "sg", "0x2000", "from_device", "1")
    assert int(a["bus"], 16) <= MASK and int(lk["bus"], 16) <= MASK
    assert [r[1] for r in recs[2:]] == [a, lk]       # dma list, then empty


def test_round_trips_through_contiguous_and_locked_buffers(target, loaded):
    """Even trips: locked buffer -> edu -> contiguous buffer; odd trips:
    contiguous -> edu -> locked buffer (synced for the CPU)."""
    rng = random.Random(0x5eed)
    lines, expect, nbuf = ["irq enable --mode msi",
                           "dma alloc 4096 from_device"], [], 1
    for i in range(TRIPS):
        edu_off = rng.randrange(0, 512)
        length = USABLE - edu_off
        pattern = bytes(rng.getrandbits(8) for _ in range(length))
        path = os.path.join(loaded, "pattern-%d" % i)
        with open(path, "wb") as f:
            f.write(pattern)
        if i % 2 == 0:
            lines += ["dma lock %s to_device" % path,
                      "call to_edu handle=@%d offset=0 length=%d "
                      "edu_offset=%d" % (nbuf + 1, length, edu_off),
                      "call from_edu handle=@1 offset=0 length=%d "
                      "edu_offset=%d" % (length, edu_off),
                      "dma dump @1 0 %d" % length,
                      "dma free @%d" % (nbuf + 1)]
            nbuf += 1
        else:
            lines += ["dma alloc %s to_device" % path,
                      "dma lock 4096 from_device",
                      "call to_edu handle=@%d offset=0 length=%d "
                      "edu_offset=%d" % (nbuf + 1, length, edu_off),
                      "call from_edu handle=@%d offset=0 length=%d "
                      "edu_offset=%d" % (nbuf + 2, length, edu_off),
                      "dma sync @%d cpu" % (nbuf + 2),
                      "dma dump @%d 0 %d" % (nbuf + 2, length),
                      "dma free @%d" % (nbuf + 1),
                      "dma free @%d" % (nbuf + 2)]
            nbuf += 2
        expect.append(pattern)
    lines.append("irq disable")
    rc, recs = script(target, loaded, lines)
    assert rc == 0, recs[-5:]
    assert recs[0] == ("irq", "irq: enabled mode=msi vectors=1 trans=0")
    calls = [r[1] for r in recs if r[0] == "call"]
    dumps = [r[1] for r in recs if r[0] == "dump"]
    assert "err" not in kinds(recs), recs
    trips = list(zip(calls[0::2], calls[1::2], dumps))
    assert len(trips) == TRIPS
    for n, ((to_edu, from_edu, dump), pattern) in enumerate(
            zip(trips, expect)):
        ok_transfer(to_edu)
        ok_transfer(from_edu)
        assert dump == pattern, "trip %d: %d bytes differ" % (n, sum(
            a != b for a, b in zip(dump, pattern)))


def test_polling_without_interrupts_copies_as_well(target, loaded):
    pattern = bytes(random.Random(7).getrandbits(8) for _ in range(USABLE))
    path = os.path.join(loaded, "pattern-poll")
    with open(path, "wb") as f:
        f.write(pattern)
    rc, recs = script(target, loaded, [
        "dma lock %s to_device" % path, "dma alloc 4096 from_device",
        "call to_edu handle=@1 offset=0 length=4095 edu_offset=0",
        "call from_edu handle=@2 offset=0 length=4095 edu_offset=0",
        "dma dump @2 0 4095"])
    assert rc == 0, recs
    ok_transfer(recs[2][1], irq="0x00000000")
    ok_transfer(recs[3][1], irq="0x00000000")
    assert recs[4] == ("dump", pattern)


def test_the_plugins_own_buffer_round_trips(target, loaded):
    rc, recs = script(target, loaded, ["irq enable",
                                       "call selftest seed=42 length=4095"])
    assert rc == 0, recs
    assert recs[0][1].startswith("irq: enabled mode=msi")
    assert recs[1][1] == {"mismatches": "0x00000000", "irqs": "0x00000002",
                          "message": "selftest", "id": "0x3",
                          "dwResult": "0", "status": "OK"}


def test_bad_ranges_never_start_the_engine(target, loaded):
    rc, recs = script(target, loaded, [
        "dma alloc 4096 to_device", "dma lock 4096 from_device",
        # edu's window: 4096 bytes would end at 0x41000 and abort QEMU
        "call to_edu handle=@1 offset=0 length=4096 edu_offset=0",
        "call to_edu handle=@1 offset=0 length=16 edu_offset=4090",
        # the buffer: direction, range, handle
        "call from_edu handle=@1 offset=0 length=16 edu_offset=0",
        "call to_edu handle=@2 offset=0 length=16 edu_offset=0",
        "call to_edu handle=@1 offset=4090 length=16 edu_offset=0",
        "call to_edu handle=@1 offset=4096 length=1 edu_offset=0",
        "call to_edu handle=@1 offset=0 length=0 edu_offset=0",
        "call to_edu handle=999999 offset=0 length=16 edu_offset=0",
        "dma dump @3", "call to_edu handle=@1 offset=0 length=16 "
        "edu_offset=0"])
    assert rc == 2, recs
    status = [r[1]["status"] for r in recs if r[0] == "call"]
    assert status == ["ERROR", "ERROR"] + ["BAD_BUFFER"] * 6 + ["OK"]
    assert ("err", "edudma_diag: @3: no DMA buffer @3 (this run made 2)") \
        in recs


def test_buffers_are_gone_when_the_app_exits(target, loaded):
    before = target.run("cat /sys/class/kp/plugin_allocations",
                        check=True).out
    rc, _ = script(target, loaded, ["dma alloc 65536", "dma lock 65536",
                                    "dma list"])
    assert rc == 0
    after = target.run("cat /sys/class/kp/plugin_allocations",
                       check=True).out
    assert after == before
    # edu is left with nothing pending, and the device opens again
    res = target.run("%s/edudma_diag --script read irq_status" % loaded)
    assert (res.rc, res.out) == (0, "irq_status=0x00000000\n")


def test_unload_leaves_a_clean_kernel_log(target, loaded):
    target.run("rmmod edudma_kp kp_runtime", check=True)
    assert dmesg_problems(target.run("dmesg").out) == []


REMOVAL_SCRIPT = """\
dma alloc 8192 to_device
dma lock 8192 from_device
irq enable
call selftest seed=9 length=4095
events --count 1 --timeout 120000
"""


def test_removal_frees_the_plugins_buffers_before_the_device_goes(
        hotplug_target, project):
    """Hot-unplug while the app holds a contiguous and a locked buffer,
    interrupts are on and the plugin holds its own coherent buffer: the
    plugin hears WD_REMOVE and its KP_Close frees the buffer (the runtime
    finds nothing to free for it), nothing leaks, and a new edu works."""
    t = hotplug_target
    proj, _ = project
    t.run("dmesg -C; insmod runtime/kernel/kp_runtime.ko && insmod "
          "%s/edudma_kp.ko" % proj, check=True)
    try:
        base = t.run("cat /sys/class/kp/plugin_allocations", check=True).out
        path = os.path.join(proj, "removal.txt")
        with open(path, "w") as f:
            f.write(REMOVAL_SCRIPT)
        t.run("rm -f /tmp/kpd.*; (setsid %s/edudma_diag --script < %s "
              "> /tmp/kpd.out 2>&1; echo $? > /tmp/kpd.rc) </dev/null "
              ">/dev/null 2>&1 &" % (proj, path), check=True)
        ready = t.run("for i in $(seq 600); do grep -q '^call: message="
                      "selftest' /tmp/kpd.out && break; sleep 0.1; done; "
                      "cat /tmp/kpd.out")
        assert "call: message=selftest id=0x3 dwResult=0 status=OK" in \
            ready.out, ready.out
        during = t.run("cat /sys/class/kp/plugin_allocations",
                       check=True).out
        assert int(during) > int(base)     # the open's context and buffer
        t.unplug("edu1")
        res = t.run("for i in $(seq 600); do [ -e /tmp/kpd.rc ] && break; "
                    "sleep 0.1; done; cat /tmp/kpd.rc /tmp/kpd.out")
        assert res.out.startswith("0\n"), res.out
        assert "event: seq=1 action=remove\nevents: count=1 received=1 " \
            "lost=0 status=ok\n" in res.out
        after = t.run("cat /sys/class/kp/plugin_allocations",
                      check=True).out
        assert after == base
        log = t.run("dmesg", check=True).out
        assert dmesg_problems(log) == []
        assert "did not free" not in log
        t.replug("edu", "edu1", "rp1")
        res = t.run("for i in $(seq 100); do [ -e /dev/kp/edudma0 ] && "
                    "break; sleep 0.1; done; %s/edudma_diag --script call "
                    "selftest seed=3 length=100" % proj)
        assert res.rc == 0, res.out
        assert res.out.startswith("mismatches=0x00000000\n"), res.out
    finally:
        t.run("rmmod edudma_kp kp_runtime 2>/dev/null")
