"""kpstat's kp-mode BPF programs on the build machine, which has no kp
runtime: the objects are checked for what the interrupt path may run (one
program, no divide, no atomic), and kpbatch's program is run on synthetic
kp:kp_irq_batch events through BPF_PROG_TEST_RUN (tests/bpf/kpbatch_run.c)
with every resulting map value compared to a model written here.

Needs root (BPF) and a kernel with BTF; builds bpf/ first.
"""
import json
import os
import re
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO, "bpf", "build")
RUN = os.path.join(BUILD, "kpbatch_run")
SLOTS = 32
U64 = (1 << 64) - 1

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


@pytest.fixture(scope="module", autouse=True)
def built():
    subprocess.run(["make", "-s", "-C", os.path.join(REPO, "bpf"), "-j2",
                    "all", "tests"], check=True)


# ---- the objects -------------------------------------------------------------

# BPF opcodes (class | size/op | mode): atomics are BPF_STX | BPF_ATOMIC
# (0xc3 32-bit, 0xdb 64-bit); divides and modulos BPF_ALU/ALU64 | DIV/MOD
# with K or X sources.
ATOMIC = {0xc3, 0xdb}
DIVIDE = {0x34, 0x3c, 0x37, 0x3f, 0x94, 0x9c, 0x97, 0x9f}


def instructions(obj):
    out = subprocess.run(["llvm-objdump", "-d", obj], capture_output=True,
                         text=True, check=True).stdout
    return [line for line in out.splitlines()
            if re.match(r"^\s+[0-9a-f]+:\s+(?:[0-9a-f]{2}[ \t]){8}", line)]


def programs(obj):
    out = subprocess.run(["llvm-readelf", "-S", obj], capture_output=True,
                         text=True, check=True).stdout
    return sorted(set(re.findall(r"\s(raw_tp/\S+|tracepoint/\S+|kprobe/\S+|"
                                 r"fentry/\S+|tp_btf/\S+)\s", out)))


@pytest.mark.parametrize("obj", ["kpbatch", "kplock", "allirqs"])
def test_programs_neither_divide_nor_take_atomics(obj):
    insns = instructions(os.path.join(BUILD, obj + ".bpf.o"))
    assert len(insns) > 20
    ops = [int(line.split(":")[1].split()[0], 16) for line in insns]
    assert [op for op in ops if op in ATOMIC | DIVIDE] == []


def test_one_program_on_the_interrupt_path():
    """kp mode: kp_irq_batch is the only interrupt-path event it attaches
    to; the lock events are the other object's."""
    assert programs(os.path.join(BUILD, "kpbatch.bpf.o")) == \
        ["raw_tp/kp_irq_batch"]
    assert programs(os.path.join(BUILD, "kplock.bpf.o")) == \
        ["raw_tp/kp_lock_acquired", "raw_tp/kp_lock_init",
         "raw_tp/kp_lock_uninit"]


# ---- the program on synthetic events -------------------------------------------

def run(events, *args):
    """events: (slot, dev, vector, irq, irqs, handled, count, ret, irq_ns,
    lat_ns, run_ns, cpu) tuples or "epoch N"; returns the dumped values."""
    text = "".join((e if isinstance(e, str) else " ".join(map(str, e)))
                   + "\n" for e in events)
    res = subprocess.run([RUN, *args], input=text, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return [json.loads(line) for line in res.stdout.splitlines()]


def slot_of(ns, us=True):
    """The model: floor(log2) of the value in the unit, 0 for 0 and 1."""
    v = ns // 1000 if us else ns
    return min(max(v.bit_length() - 1, 0), SLOTS - 1)


def ev(irq_ns=1000, lat=0, run_ns=0, slot=0, dev=0, vector=0, irq=29,
       irqs=1, handled=1, count=1, ret=1, cpu=0):
    return (slot, dev, vector, irq, irqs, handled, count, ret, irq_ns, lat,
            run_ns, cpu)


EDGES = [0, 1, 999, 1000, 1023, 1024, 1999, 2000, 2047, 2048, 3999, 4000,
         4095, 4096, 7999, 8000, 999999, 1000000, 1 << 32, (1 << 40) + 7,
         U64]


@pytest.mark.parametrize("unit", ["us", "ns"])
def test_histogram_slots_are_exact_in_either_unit(unit):
    """No divide in the program, yet every value lands in the slot of
    floor(log2(value in the unit)) - microseconds included."""
    us = unit == "us"
    vals = run([ev(irq_ns=v, lat=v, run_ns=v) for v in EDGES],
               *([] if us else ["-n"]))
    assert len(vals) == 1
    want = [0] * SLOTS
    for v in EDGES:
        want[slot_of(v, us)] += 1
    for h in ("irq_time", "latency", "run"):
        assert vals[0][h]["slots"] == want, h
        assert vals[0][h]["count"] == len(EDGES)
        assert vals[0][h]["max_ns"] == U64


def test_coalesced_batch_counts_every_irq_at_its_mean():
    """A batch of n interrupts: n values in the slot of irq_ns >>
    floor(log2 n), at most one slot above the mean's; the sum is exact."""
    events, want, total = [], [0] * SLOTS, 0
    for n in range(1, 10):
        irq_ns = n * 3100 + 17
        events.append(ev(irqs=n, handled=n - 1, irq_ns=irq_ns, count=n))
        s = slot_of(irq_ns >> (n.bit_length() - 1))
        assert slot_of(irq_ns // n) <= s <= slot_of(irq_ns // n) + 1
        want[s] += n
        total += irq_ns
    v = run(events)[0]
    assert (v["batches"], v["irqs"], v["handled"]) == (9, 45, 36)
    assert (v["irq_time"]["count"], v["irq_time"]["sum_ns"],
            v["irq_time"]["slots"]) == (45, total, want)


def test_dpcs_coalescing_and_batches_without_a_dpc():
    """count 0: no DPC (latency and run untouched); count n: one DPC that
    served n requests, dwCount slot n (31 and more share the last)."""
    counts = [0, 0, 1, 2, 3, 30, 31, 32, 1000]
    v = run([ev(count=c, ret=2 * c, lat=5000, run_ns=7000) for c in counts]
            + [ev(irqs=0, handled=0, count=4, ret=4)])[0]
    coal = [0] * 32
    for c in counts[2:] + [4]:
        coal[min(c, 31)] += 1
    assert (v["batches"], v["irqs"], v["dpcs"], v["dw_count_sum"],
            v["ret_sum"]) == (10, 9, 8, sum(counts) + 4, 2 * sum(counts) + 4)
    assert v["coal"] == coal
    assert (v["latency"]["count"], v["run"]["count"]) == (8, 8)
    assert v["irq_time"]["count"] == 9     # the irqs=0 batch adds none


def test_per_cpu_values_and_device_filter():
    vals = run([ev(cpu=0), ev(cpu=1), ev(cpu=1), ev(dev=1, slot=1, cpu=0)],
               "-d", "0")
    got = sorted((v["slot"], v["cpu"], v["dev"], v["batches"]) for v in vals)
    assert got == [(0, 0, 0, 1), (0, 1, 0, 2)]


def test_a_reused_slot_moves_its_old_vector_aside():
    """The runtime gives a freed slot to the next vector enabled (e.g.
    MSI, then INTx on another IRQ): the old vector's values go to the
    spill map unchanged, the slot counts the new one from zero."""
    old = [ev(irq=29, irq_ns=1000 * (i + 1), lat=300, run_ns=5000)
           for i in range(5)]
    new = [ev(irq=11, irq_ns=2500, count=0, ret=0)] * 3
    before = run(old)[0]
    vals = run(old + new)
    by = {(v["map"], v["irq"]): v for v in vals}
    assert sorted(by) == [("slots", 11), ("spill", 29)]
    # (a spill entry's key is the map's; "used" is a slot's flag)
    moved = dict(by[("spill", 29)], map="slots", slot=0, used=1)
    assert moved == before
    assert (by[("slots", 11)]["batches"], by[("slots", 11)]["irqs"],
            by[("slots", 11)]["dpcs"]) == (3, 3, 0)
    # and back: 29 takes the slot again, 11 is added to the spill map
    vals = run(old + new + old)
    by = {(v["map"], v["irq"]): v for v in vals}
    assert (by[("slots", 29)]["batches"], by[("spill", 29)]["batches"],
            by[("spill", 11)]["batches"]) == (5, 5, 3)


def test_vectors_beyond_the_slots_share_none():
    """Slot 255 is the runtime's shared one: those vectors are counted in
    the spill map by vector, each exactly."""
    events = [ev(slot=255, vector=v % 3, irq=40 + v % 3) for v in range(30)]
    vals = run(events)
    assert sorted((v["map"], v["vector"], v["batches"]) for v in vals) == \
        [("spill", 0, 10), ("spill", 1, 10), ("spill", 2, 10)]


def test_interval_maximum_follows_the_epoch():
    v = run(["epoch 1", ev(irq_ns=90000), ev(irq_ns=3000), "epoch 2",
             ev(irq_ns=5000), ev(irq_ns=4000)])[0]
    h = v["irq_time"]
    assert (h["max_ns"], h["imax_ns"], h["epoch"]) == (90000, 5000, 2)
