#!/usr/bin/python3
"""kpgen benchmark suite: boots ONE QEMU target and measures, on the same
edu device rebound between drivers, the interrupt-to-user latency and
throughput of kp_runtime (IntWait, libkp's handler thread, NOTIFY_EVERY k),
uio_pci_generic and vfio-pci (MSI and INTx), the runtime alone (kp_rt, a
plugin without interrupt callbacks), same-shape anchors of the handler
thread (a VFIO eventfd reader thread, a futex ping-pong), the runtime's
in-kernel floor (hard IRQ -> DPC), KP_Call against a bare ioctl, a null
syscall and an ioctl doing the same copies (4 B .. 1 MiB), the same with
kpstat's eBPF programs attached, kp's DMA against VFIO's (below) and
kpgen's generate/build time.  Every figure is the median of its per-run
medians over three interleaved runs (rounds), shown with their min and
max; ratios are taken run by run.

DMA: a 4 KiB round trip RAM -> edu -> RAM through edu's DMA engine (two
2 KiB halves there and back, QEMU 7.2's edu moves at most 4095 bytes: four
transfers, each with its completion interrupt), compared byte for byte,
with kp's contiguous buffers (KP_DMA_ALLOC), kp's locked user buffers
(KP_DMA_LOCK, synced each way) and VFIO (VFIO_IOMMU_MAP_DMA of the same
kind of user buffer), edu programmed from user mode through the mapped BAR
in all three (bench/progs/bench_dma.c).  edu completes a transfer from a
timer of QEMU's virtual clock, 100 ms after the command, on a whole
millisecond: so those rows run in a second guest, under icount with
sleep=off (one vCPU; virtual time skips to the timer while the guest
idles), kp and VFIO side by side in each round.  Their wall time is four
of those timers (~400 ms) whatever the software does, because everything
between two transfers ends before the next millisecond and disappears
into the next timer: it is shown, but the figure that tells the
mechanisms apart is the round trip's CPU time of the benchmark thread
(under icount: instructions executed, 1 ns each; interrupt handling that
runs while the thread sleeps is not in it - the latency rows measure that
path).  The cost of locking and unlocking 4 KiB, 64 KiB and 1 MiB
(kp_dma_sg_lock + kp_dma_unlock; with bus mastering held by MSI, as VFIO's
user holds it, and toggled by every pair) against VFIO_IOMMU_MAP_DMA +
UNMAP_DMA needs no device I/O and runs in the main guest.  --only dma
measures just these rows.

Writes build/bench/results.json (raw samples + statistics), results.md
(the table, also printed) and bench.png (latency CDFs, throughput, calls).
--publish also copies the table and the plot to bench/results/ and into
docs/benchmarks.md (and README.md when it carries the bench markers).

Every figure comes from this run; any mechanism that cannot be measured, or
any loop whose self-checks fail (a wait that did not consume exactly one
interrupt, /proc/interrupts deltas that do not match), fails the suite.
"""
import argparse
import datetime
import glob
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "target"))

from kptarget import Target, TargetError  # noqa: E402
from ivshmem_server import IvshmemServer  # noqa: E402

PY = "/usr/bin/python3"
PROGS = "build/bench/progs"
KP_NULL = "bench/kmod/kp_null.ko"
KP_RT = "bench/kmod/kp_rt.ko"
KP_RT_DRIVER = "kp_rt"
KP_RUNTIME = "runtime/kernel/kp_runtime.ko"
KP_EDU = "examples/edu/kernel/kp_edu.ko"
KP_EDU_DRIVER = "kp_edu"
# kpstat (bpf/): attached with `kpstat --pin [ARGS]`, detached with
# `kpstat --unpin` (see kpstat_start/kpstat_stop).
KPSTAT_BIN = "bpf/build/kpstat"
# A second edu for the two-devices-at-once rows (bound to kp_rt all along;
# every other row uses the first), and an ivshmem-doorbell with 32 MSI-X
# vectors for the MSI-X scaling rows (bench/progs/bench_msix.c, also bound
# to kp_rt), served by bench/ivshmem_server.py.
MSIX_VECTORS = [1, 4, 32]
# The guests' clocksource.  Under TCG the kernel finds the vCPUs' TSCs
# "unsynchronized" and falls back to the HPET, each read of which is an
# emulated MMIO access: clock_gettime() took 3.65 us there against 0.34 us
# with the TSC, and an in-kernel ktime_get() about 1 us (2026-12-02, a
# clock_gettime loop in the target; the table's timer-pair row shows the
# clock every run pays).  Real x86 machines use the TSC, and QEMU's
# TCG TSC is one monotonic counter for all vCPUs, so the benchmark guests
# are told it is reliable: otherwise every timestamp - the programs' own
# and the runtime's tracing ones - would cost ten times what it does on
# hardware.
GUEST_APPEND = ["tsc=reliable"]


def qemu_args(ivshmem_socket):
    return ["-device", "edu",
            "-chardev", "socket,path=%s,id=kpivsh" % ivshmem_socket,
            "-device", "ivshmem-doorbell,chardev=kpivsh,vectors=%d"
            % max(MSIX_VECTORS)]


KPSTAT_ARGS = os.environ.get("KP_BENCH_KPSTAT_ARGS", "")

PROFILES = {
    # Per round: iters timed latency samples, reps batches of batch
    # cycles for throughput, calls per call benchmark (fewer for large
    # KP_Call sizes, bench_common.c).  Rounds interleave every mechanism
    # (and kpstat detached/attached) so that drift in the shared host's
    # load spreads over all of them; each round is one run, reported by
    # its median, and the figure is the median of the runs' medians.
    # gen/build: kpgen new and plugin build repetitions (host).
    # dma_iters/dma_warmup: 4 KiB edu round trips per DMA program (the
    # icount guest); the lock/unlock rows take calls, scaled down by size
    # like the KP_Call sizes, after map_warmup untimed pairs.
    "full": dict(rounds=3, iters=6000, warmup=300, batch=1000, reps=10,
                 calls=30000, every=(8, 64), gen=10, build=3,
                 dma_iters=300, dma_warmup=10, map_warmup=20),
    "smoke": dict(rounds=1, iters=200, warmup=20, batch=50, reps=3,
                  calls=1000, every=(8,), gen=2, build=1,
                  dma_iters=10, dma_warmup=2, map_warmup=2),
}

# record name -> (label, group)
LABELS = {
    "kp-wait-msi": "kp IntWait, blocking (MSI)",
    "kp-wait-intx": "kp IntWait, blocking (INTx)",
    "kp-thread-msi": "kp libkp handler thread (MSI)",
    "uio": "UIO read() + INTx re-enable",
    "vfio-msi": "VFIO eventfd (MSI)",
    "vfio-intx": "VFIO eventfd (INTx + UNMASK)",
    "kp-floor": "kp in-kernel floor: hard IRQ -> DPC",
    "getppid": "null syscall (getppid)",
    "kp_null ioctl": "bare ioctl (/dev/kp_null)",
    "kp_call": "KP_Call round trip, kp_edu (unknown message, 4 B)",
    "kp-rt-wait-msi": "kp IntWait, runtime only (kp_rt, MSI, user acks)",
    "kp-rt-thread-msi": "kp libkp handler thread, runtime only (kp_rt, MSI)",
    "kp-rt-wait-msi-ioctl": "kp IntWait, runtime only, KP_INT_WAIT syscall "
                            "every time (mapped queue unread)",
    "vfio-thread-msi": "VFIO eventfd read in a second thread (MSI)",
    "futex-pingpong": "futex ping-pong between two threads (no device)",
    "kp-rt call 4": "KP_Call no-op, runtime only (kp_rt, 4 B)",
    "kp_call VERSION": "KP_Call VERSION (64 B out, 1 MMIO read)",
    "clock_gettime": "clock_gettime pair (timer floor)",
    "kp-dma-contig": "kp contiguous buffers (KP_DMA_ALLOC), IntWait",
    "kp-dma-sg": "kp locked user buffers (KP_DMA_LOCK + syncs), IntWait",
    "vfio-dma": "VFIO_IOMMU_MAP_DMA'd user buffers, eventfd + user ack",
}
for _n in MSIX_VECTORS:
    LABELS["kp-rt-msix-%d" % _n] = (
        "kp IntWait, runtime only (kp_rt, ivshmem), %d MSI-X vector%s "
        "raised in turn" % (_n, "s" if _n > 1 else ""))

DMA_RT = ["kp-dma-contig", "kp-dma-sg", "vfio-dma"]
DMA_MAP_SIZES = [4096, 65536, 1048576]


class BenchError(Exception):
    pass


def log(msg):
    print("bench: %s" % msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- stats
def pct(sorted_v, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_v:
        raise BenchError("no samples")
    k = max(0, min(len(sorted_v) - 1, math.ceil(p / 100.0 * len(sorted_v)) - 1))
    return sorted_v[k]


def summarize(samples):
    v = sorted(samples)
    return {"n": len(v), "median": pct(v, 50), "p99": pct(v, 99),
            "p1": pct(v, 1), "min": v[0], "max": v[-1],
            "mean": sum(v) / len(v)}


# ---------------------------------------------------------------- host side
# what the suite runs from other parts of the tree, and how to build it
DEPENDENCIES = [
    (KP_RUNTIME, "runtime"),
    ("runtime/lib/build/libkp.a", "runtime"),
    (KP_EDU, "examples/edu/kernel"),
]


def build(need_kpstat):
    """Builds what the suite runs (the top-level `make bench` has normally
    built the runtime, kp_edu and kpstat already: then this only checks);
    fails loudly when a piece cannot be built."""
    deps = list(DEPENDENCIES)
    if need_kpstat:
        deps.append((KPSTAT_BIN, "bpf"))
    for path, tree in deps:
        if not os.path.exists(os.path.join(REPO, path)):
            log("%s is missing: make -C %s" % (path, tree))
            r = subprocess.run(["make", "-s", "-C", tree], cwd=REPO)
            if r.returncode != 0 or \
                    not os.path.exists(os.path.join(REPO, path)):
                raise BenchError("cannot build %s (make -C %s): that "
                                 "mechanism cannot be measured" % (path,
                                                                  tree))
    log("building bench programs and kp_null.ko")
    r = subprocess.run(["make", "-s", "-C", "bench"], cwd=REPO)
    if r.returncode != 0:
        raise BenchError("make -C bench failed")


def machine_info():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    qemu = subprocess.run(["qemu-system-x86_64", "--version"],
                          capture_output=True, text=True).stdout
    return {"host_cpu": cpu, "host_cpus": os.cpu_count(),
            "host_kernel": platform.release(),
            "qemu": qemu.splitlines()[0] if qemu else "unknown"}


GEN_VARIANTS = [
    ("kpgen new", ["new", "benchdev", "--vendor", "0x1234", "--device",
                   "0x11e8", "--irq", "auto"]),
    ("kpgen new --from edu.yaml", ["new", "--from",
                                   os.path.join(REPO, "examples", "edu",
                                                "edu.yaml")]),
]


def kpgen_new(args, out):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "generator"))
    t0 = time.monotonic()
    r = subprocess.run([PY, "-m", "kpgen"] + args + ["-o", out], cwd=REPO,
                       env=env, capture_output=True, text=True)
    dt = time.monotonic() - t0
    if r.returncode != 0:
        raise BenchError("kpgen %s failed (%d): %s%s" % (
            " ".join(args), r.returncode, r.stdout, r.stderr))
    return int(dt * 1e9)


def bench_generator(prof, results):
    """kpgen new wall time (a starter project and the edu description) and
    the build time of the generated edu plugin (module + diag app, from a
    fresh tree each time, against the target kernel's headers) - host."""
    kdir = subprocess.run([os.path.join(REPO, "scripts", "kdir.sh")],
                          capture_output=True, text=True,
                          check=True).stdout.strip()
    tmp = tempfile.mkdtemp(prefix="kpbench-gen-")
    try:
        n = 0
        for name, args in GEN_VARIANTS:
            gen = []
            for _ in range(prof["gen"]):
                n += 1
                gen.append(kpgen_new(args, os.path.join(tmp, "g%d" % n)))
            results["records"].append({
                "name": name, "kind": "tool", "unit": "ns",
                "samples": gen, "checks": {"runs": len(gen),
                                           "args": args}})
        builds = []
        for i in range(prof["build"]):
            proj = os.path.join(tmp, "b%d" % i)
            kpgen_new(GEN_VARIANTS[1][1], proj)
            t0 = time.monotonic()
            r = subprocess.run(["make", "-C", proj, "KDIR=" + kdir],
                               capture_output=True, text=True)
            dt = time.monotonic() - t0
            if r.returncode != 0:
                raise BenchError("building the generated plugin failed "
                                 "(%d):\n%s%s" % (r.returncode,
                                                  r.stdout[-3000:],
                                                  r.stderr[-3000:]))
            kos = glob.glob(os.path.join(proj, "*.ko"))
            if not kos:
                raise BenchError("the generated plugin built no .ko")
            builds.append(int(dt * 1e9))
        results["records"].append({
            "name": "plugin build", "kind": "tool", "unit": "ns",
            "samples": builds,
            "checks": {"runs": len(builds),
                       "make": "make -C <project> KDIR=" + kdir,
                       "built": sorted(os.path.basename(k) for k in kos)}})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- guest side
class Guest:
    def __init__(self, target, prof):
        self.t = target
        self.prof = prof
        self.share = target.share
        self.bdf = None
        self.bdf2 = None
        self.ivshmem = None
        self.n = 0

    def run(self, cmd, what, timeout=600):
        res = self.t.run(cmd, timeout=timeout)
        if res.rc != 0:
            raise BenchError("%s failed (status %d):\n$ %s\n%s"
                             % (what, res.rc, cmd, res.out[-4000:]))
        return res.out

    def prog(self, name, args, what, tag=""):
        """Runs a bench program, returns its records."""
        self.n += 1
        out = "bench-%d.json" % self.n
        cmd = "%s/%s -d %s %s -o $KP_SHARE/%s" % (PROGS, name, self.bdf,
                                                   args, out)
        if tag:
            cmd += " -t '%s'" % tag
        t0 = time.monotonic()
        self.run(cmd, what)
        log("  %s: %.1fs" % (what, time.monotonic() - t0))
        with open(os.path.join(self.share, out)) as f:
            return json.load(f)["records"]

    def msix(self, args, what):
        """bench_msix on the ivshmem-doorbell device."""
        saved, self.bdf = self.bdf, self.ivshmem
        try:
            return self.prog("bench_msix", args, what)
        finally:
            self.bdf = saved

    def bind(self, driver, bdf=None):
        bdf = bdf or self.bdf
        self.run("bench/bind.sh %s %s" % (bdf, driver),
                 "binding %s to %s" % (bdf, driver))

    def two_devices(self, args, what):
        """bench_kp on both edus at once, device A (the first) on vCPU 0,
        B on vCPU 1 (each with its IRQ); returns the records renamed
        <name>@A and <name>@B."""
        self.n += 1
        outs = ["bench-%d-%s.json" % (self.n, d) for d in "AB"]
        cmds = ["%s/bench_kp -d %s -c %d %s -o $KP_SHARE/%s" % (
            PROGS, bdf, cpu, args, out) for bdf, cpu, out in
            ((self.bdf, 0, outs[0]), (self.bdf2, 1, outs[1]))]
        cmd = ("%s & a=$!; %s & b=$!; wait $a; ra=$?; wait $b; rb=$?; "
               "[ $ra = 0 ] && [ $rb = 0 ]" % tuple(cmds))
        t0 = time.monotonic()
        self.run(cmd, what)
        log("  %s: %.1fs" % (what, time.monotonic() - t0))
        recs = []
        for d, out in zip("AB", outs):
            with open(os.path.join(self.share, out)) as f:
                for r in json.load(f)["records"]:
                    r["name"] += "@" + d
                    recs.append(r)
        return recs

    def lat_args(self):
        p = self.prof
        return "-n %d -w %d -b %d -r %d" % (p["iters"], p["warmup"],
                                            p["batch"], p["reps"])

    def call_args(self):
        p = self.prof
        return "-n %d -w %d" % (p["calls"], p["calls"] // 20)

    def map_args(self):
        p = self.prof
        return "-n %d -w %d" % (p["calls"], p["map_warmup"])

    def dma_args(self):
        p = self.prof
        return "-n %d -w %d" % (p["dma_iters"], p["dma_warmup"])


def suite_pass(g, tag=""):
    """One pass over every mechanism; returns the records."""
    recs = []
    g.bind("none")
    recs += g.prog("bench_null", g.call_args() + " -m timer,getppid,ioctl,"
                   "copy", "null syscall + kp_null ioctls" + tag, tag)
    recs += g.prog("bench_null", g.lat_args() + " -m futex",
                   "futex ping-pong" + tag, tag)
    g.bind("uio_pci_generic")
    recs += g.prog("bench_uio", g.lat_args(), "UIO" + tag, tag)
    g.bind("vfio-pci")
    recs += g.prog("bench_vfio", g.lat_args() + " -m msi,intx,thread",
                   "VFIO" + tag, tag)
    if not tag:
        recs += map_pass(g)
    g.bind(KP_EDU_DRIVER)
    recs += g.prog("bench_kp", g.call_args() + " -m call", "KP_Call" + tag,
                   tag)
    recs += g.prog("bench_kp", g.lat_args() + " -m wait-msi,wait-intx,"
                   "thread-msi", "kp interrupts" + tag, tag)
    for k in g.prof["every"]:
        recs += g.prog("bench_kp", g.lat_args() + " -m every -k %d" % k,
                       "kp NOTIFY_EVERY %d" % k + tag, tag)
    g.bind(KP_RT_DRIVER)
    recs += g.prog("bench_kp", g.call_args() + " -m call",
                   "KP_Call sizes (kp_rt)" + tag, tag)
    recs += g.prog("bench_kp", g.lat_args() + " -m wait-msi,wait-ioctl,"
                   "thread-msi", "kp interrupts (kp_rt)" + tag, tag)
    if not tag:
        recs += g.two_devices(g.lat_args() + " -m wait-msi",
                              "kp_rt IntWait on two devices at once")
        recs += g.msix(g.lat_args() + " -m " + ",".join(
            "msix-%d" % n for n in MSIX_VECTORS),
            "kp_rt IntWait over 1, 4 and 32 MSI-X vectors (ivshmem)")
    return recs


def floor_pass(g):
    """kp:kp_irq_entry -> kp:kp_dpc_entry through ftrace hist triggers,
    during a dedicated IntWait (MSI) run (tracing costs time, so it is not
    on during the figures above)."""
    g.bind(KP_EDU_DRIVER)
    g.run("bench/floor.sh start", "starting the floor trace")
    try:
        recs = g.prog("bench_kp", g.lat_args() + " -m wait-msi",
                      "kp floor run", "+floor-trace")
    finally:
        g.run("bench/floor.sh stop $KP_SHARE/floor.txt",
              "stopping the floor trace")
    with open(os.path.join(g.share, "floor.txt")) as f:
        lat = [int(x) for x in f.read().split()]
    raised = recs[0]["checks"]["raised"]
    dpcs = recs[0]["checks"]["kp_dpcs_delta"]
    if len(lat) != dpcs:
        raise BenchError("floor: %d hard IRQ -> DPC samples for %d DPCs "
                         "(%d raises)" % (len(lat), dpcs, raised))
    warm = g.prof["warmup"]
    return [{"name": "kp-floor", "kind": "latency", "unit": "ns",
             "samples": lat[warm:warm + g.prof["iters"]],
             "checks": {"trace_samples": len(lat), "dpcs": dpcs,
                        "raised": raised,
                        "source": "ftrace hist trigger, kp:kp_irq_entry "
                                  "-> kp:kp_dpc_entry"}}]


def kpstat_start(g):
    """Tracing-overhead hook: attaches kpstat's eBPF programs in the guest
    with `kpstat --pin` (programs, links and maps pinned under
    /sys/fs/bpf/kp; they keep counting with no process) and returns how
    many BPF programs are loaded.  Fails loudly when kpstat cannot attach."""
    path = os.path.join(REPO, KPSTAT_BIN)
    if not os.access(path, os.X_OK):
        raise BenchError("tracing overhead cannot be measured: %s is not "
                         "built (make -C bpf)" % KPSTAT_BIN)
    before = int(g.run("bpftool prog show | grep -cE '^[0-9]+:' || true",
                       "listing BPF programs").strip() or 0)
    g.run("%s --pin %s 2>&1 | tail -n 30" % (KPSTAT_BIN, KPSTAT_ARGS) +
          "; exit ${PIPESTATUS[0]}", "attaching kpstat (kpstat --pin)")
    after = int(g.run("bpftool prog show | grep -cE '^[0-9]+:' || true",
                      "listing BPF programs").strip() or 0)
    if after <= before:
        raise BenchError("kpstat --pin left no BPF program attached")
    return after - before


def kpstat_stop(g):
    """Detaches kpstat (`kpstat --unpin`) and checks nothing is left."""
    out = g.run("%s --unpin" % KPSTAT_BIN, "detaching kpstat")
    left = int(g.run("bpftool prog show | grep -cE '^[0-9]+:' || true",
                     "listing BPF programs").strip() or 0)
    if left:
        raise BenchError("%d BPF programs still loaded after kpstat "
                         "--unpin" % left)
    return out[-2000:]


def tag_round(records, rnd):
    for r in records:
        r["round"] = rnd
    return records


def merge(records):
    """Pools the rounds' records of the same (name, kind); each round's
    own samples stay apart in "runs" (round -> samples) for the per-run
    medians."""
    out, index = [], {}
    for r in records:
        key = (r["name"], r["kind"])
        if key not in index:
            index[key] = dict(r, samples=[], checks=[], runs={})
            del index[key]["round"]
            out.append(index[key])
        m = index[key]
        m["samples"] += r["samples"]
        m["checks"].append(r["checks"])
        m["runs"].setdefault(str(r["round"]), []).extend(r["samples"])
    return out


def pci_devices(t, vendor, device):
    """The PCI addresses of the guest's devices with these ids."""
    res = t.run("grep -l 0x%04x /sys/bus/pci/devices/*/vendor | "
                "xargs -n1 dirname | while read d; do "
                "if grep -qx 0x%04x $d/device; then basename $d; fi; done"
                % (vendor, device))
    return sorted(res.out.split()) if res.rc == 0 else []


def edu_devices(t, n):
    """The PCI addresses of the guest's @n edu devices."""
    found = pci_devices(t, 0x1234, 0x11e8)
    if len(found) != n:
        raise BenchError("expected %d edu devices in the guest, found %s"
                         % (n, found))
    return found


def check_dmesg(g):
    dmesg = g.run("dmesg", "dmesg")
    bad = [l for l in dmesg.splitlines()
           if re.search(r"BUG:|WARNING:|Oops|Call Trace|nobody cared|"
                        r"Disabling IRQ|DMAR: \[DMA", l)]
    if bad:
        raise BenchError("kernel problems during the run:\n%s"
                         % "\n".join(bad[:20]))


def map_pass(g):
    """VFIO map/unmap, then kp lock/unlock (no device I/O, so not in the
    DMA guest); leaves edu bound to kp_edu."""
    g.bind("vfio-pci")
    recs = g.prog("bench_vfio", g.map_args() + " -m map", "VFIO map/unmap")
    g.bind(KP_EDU_DRIVER)
    return recs + g.prog("bench_kp", g.map_args() + " -m dma-lock",
                         "kp DMA lock/unlock")


def guest_suite(prof, results, with_kpstat=True, only_dma=False):
    sockdir = tempfile.mkdtemp(prefix="kpbench-")
    sock = os.path.join(sockdir, "ivshmem.sock")
    srv = IvshmemServer(sock, max(MSIX_VECTORS)).start()
    t = Target(extra_args=qemu_args(sock), append=GUEST_APPEND)
    try:
        t.start()
        g = Guest(t, prof)
        g.bdf, g.bdf2 = edu_devices(t, 2)
        found = pci_devices(t, 0x1af4, 0x1110)
        if len(found) != 1:
            raise BenchError("expected one ivshmem-doorbell in the guest, "
                             "found %s" % found)
        g.ivshmem = found[0]
        results["machine"]["guest_kernel"] = g.run("uname -r",
                                                   "uname").strip()
        clock = g.run("cat /sys/devices/system/clocksource/clocksource0/"
                      "current_clocksource", "clocksource").strip()
        if clock != "tsc":
            raise BenchError("the guest's clocksource is %s, not tsc "
                             "(GUEST_APPEND)" % clock)
        results["machine"]["guest"] = (
            "QEMU TCG (multi-threaded), q35 + intel-iommu, %d vCPUs, "
            "%d MiB, clocksource tsc (tsc=reliable)" % (t.cpus,
                                                        t.memory_mb))
        results["machine"]["edu_bdf"] = g.bdf
        results["machine"]["edu2_bdf"] = g.bdf2
        log("guest up in %.1fs; edu at %s" % (t.boot_seconds, g.bdf))
        g.run("insmod %s && insmod %s && insmod %s && insmod %s" % (
            KP_NULL, KP_RUNTIME, KP_EDU, KP_RT),
            "loading kp_null, kp_runtime, kp_edu and kp_rt")
        g.bind(KP_RT_DRIVER, g.bdf2)
        g.bind(KP_RT_DRIVER, g.ivshmem)
        recs = []
        kpstat_runs = []
        for rnd in range(prof["rounds"]):
            log("round %d of %d" % (rnd + 1, prof["rounds"]))
            if only_dma:
                recs += tag_round(map_pass(g), rnd)
                continue
            recs += tag_round(suite_pass(g), rnd)
            if with_kpstat:
                nprogs = kpstat_start(g)
                log("kpstat attached (%d BPF programs loaded)" % nprogs)
                try:
                    recs += tag_round(suite_pass(g, "+kpstat"), rnd)
                finally:
                    tail = kpstat_stop(g)
                kpstat_runs.append({"bpf_programs": nprogs,
                                    "output_tail": tail})
        if not only_dma:
            recs += tag_round(floor_pass(g), 0)
        if with_kpstat:
            results["kpstat"] = {"command": "%s %s" % (KPSTAT_BIN,
                                                      KPSTAT_ARGS),
                                 "runs": kpstat_runs}
        g.bind("none")
        g.run("rmmod kp_rt && rmmod kp_edu && rmmod kp_runtime && "
              "rmmod kp_null",
              "unloading the modules")
        check_dmesg(g)
        results["records"] += merge(recs)
    except TargetError as e:
        raise BenchError("the guest failed: %s" % e)
    finally:
        t.stop()
        srv.stop()
        shutil.rmtree(sockdir, ignore_errors=True)


def dma_suite(prof, results):
    """The 4 KiB edu DMA round trips: a second guest, under icount (edu's
    engine runs on a 100 ms virtual-time timer, see the top), one vCPU,
    one edu rebound between kp_edu and vfio-pci; every round runs kp's
    two buffer kinds and then VFIO, like the main guest's rounds."""
    t = Target(icount=True, cpus=1, append=GUEST_APPEND)
    t.start()
    try:
        g = Guest(t, prof)
        g.bdf, = edu_devices(t, 1)
        results["machine"]["dma_guest"] = (
            "QEMU TCG (single-threaded, -icount shift=0,sleep=off), q35 + "
            "intel-iommu, %d vCPU, %d MiB" % (t.cpus, t.memory_mb))
        log("DMA guest up in %.1fs; edu at %s" % (t.boot_seconds, g.bdf))
        g.run("insmod %s && insmod %s" % (KP_RUNTIME, KP_EDU),
              "loading kp_runtime and kp_edu")
        recs = []
        for rnd in range(prof["rounds"]):
            log("DMA round %d of %d" % (rnd + 1, prof["rounds"]))
            g.bind(KP_EDU_DRIVER)
            rr = g.prog("bench_kp", g.dma_args() + " -m dma-contig,dma-sg",
                        "kp DMA round trips")
            g.bind("vfio-pci")
            rr += g.prog("bench_vfio", g.dma_args() + " -m dma",
                         "VFIO DMA round trips")
            recs += tag_round(rr, rnd)
        g.bind("none")
        g.run("rmmod kp_edu && rmmod kp_runtime", "unloading the modules")
        check_dmesg(g)
        results["records"] += merge(recs)
    except TargetError as e:
        raise BenchError("the DMA guest failed: %s" % e)
    finally:
        t.stop()


# ---------------------------------------------------------------- report
def us(ns):
    return "%.2f" % (ns / 1000.0)


def find(results, name, kind):
    for r in results["records"]:
        if r["name"] == name and r["kind"] == kind:
            return r
    return None


def need(results, name, kind):
    r = find(results, name, kind)
    if r is None:
        raise BenchError("%s (%s) was not measured" % (name, kind))
    return r


LAT_MECHS = ["kp-wait-msi", "kp-rt-wait-msi", "kp-rt-wait-msi-ioctl",
             "kp-wait-intx",
             "kp-thread-msi", "kp-rt-thread-msi", "uio", "vfio-msi",
             "vfio-intx", "vfio-thread-msi", "futex-pingpong"]
# rows kpstat does not trace: the control group of the tracing table
UNTRACED = ("uio", "vfio-", "futex-", "getppid", "kp_null")
CALLS = ["clock_gettime", "getppid", "kp_null ioctl", "kp-rt call 4",
         "kp_call", "kp_call VERSION"]
CALL_SIZES = [4, 256, 4096, 65536, 1048576]


def every_names(results, tag=""):
    return sorted((r["name"] for r in results["records"]
                   if r["name"].startswith("kp-every-") and
                   r["name"].endswith(tag) and
                   (tag or "+" not in r["name"])),
                  key=lambda n: int(re.sub(r"\D", "", n.split("+")[0])))


def label(n):
    if n in LABELS:
        return LABELS[n]
    if n.startswith("kp-every-"):
        return "kp NOTIFY_EVERY k=%s (user woken every k-th interrupt)" % \
            n.split("-")[-1]
    return n


def runs(results, name, kind):
    return need(results, name, kind)["stats"]["runs"]


def ratio_runs(results, a, b):
    """Run-by-run ratios of medians a / b, each (name, kind)."""
    ra, rb = runs(results, *a), runs(results, *b)
    if len(ra) != len(rb):
        raise BenchError("%s and %s have different run counts" % (a, b))
    return [x / y for x, y in zip(ra, rb)]


def mid(v):
    return pct(sorted(v), 50)


def fmt_ratio(v):
    if len(v) == 1:
        return "%.2f" % v[0]
    return "%.2f [%.2f-%.2f]" % (mid(v), min(v), max(v))


def fmt_us(v):
    if len(v) == 1:
        return us(v[0])
    return "%s [%s-%s]" % (us(mid(v)), us(min(v)), us(max(v)))


def acceptance(results, has_kpstat):
    """Issue 13's acceptance ratios: (criterion, figure, ratios, target,
    met).  Ratios run by run; 'met' judges the median of the runs, except
    where the criterion says 'in all three runs' (every run must meet
    it)."""
    A = []

    def add(what, fig, v, op, target, all_runs=False):
        judged = v if all_runs else [mid(v)]
        ok = all((x <= target) if op == "<=" else (x >= target)
                 for x in judged)
        A.append((what, fig, v, "%s %.2f%s" % (op, target,
                                               " (all runs)" if all_runs
                                               else ""), ok))

    L = lambda n: (n, "latency")  # noqa: E731
    C = lambda n: (n, "cycle")  # noqa: E731
    K = lambda n: (n, "call")  # noqa: E731
    add("kp IntWait MSI latency vs VFIO eventfd MSI",
        "kp_edu / vfio-msi", ratio_runs(results, L("kp-wait-msi"),
                                        L("vfio-msi")), "<=", 0.9)
    add("kp IntWait MSI latency vs VFIO eventfd MSI",
        "kp_rt / vfio-msi", ratio_runs(results, L("kp-rt-wait-msi"),
                                       L("vfio-msi")), "<=", 0.9)
    add("kp INTx latency vs VFIO INTx + UNMASK",
        "kp_edu / vfio-intx", ratio_runs(results, L("kp-wait-intx"),
                                         L("vfio-intx")), "<=", 0.9)
    for n in every_names(results):
        # throughput ratio = VFIO's time per interrupt / kp's
        add("kp NOTIFY_EVERY throughput vs VFIO eventfd MSI",
            "%s / vfio-msi (int/s)" % n,
            ratio_runs(results, C("vfio-msi"), C(n)), ">=", 1.5, True)
    add("KP_Call no-op vs bare ioctl", "kp_rt 4 B / kp_null ioctl",
        ratio_runs(results, K("kp-rt call 4"), K("kp_null ioctl")), "<=",
        1.3)
    add("KP_Call no-op vs bare ioctl", "kp_edu 4 B / kp_null ioctl",
        ratio_runs(results, K("kp_call"), K("kp_null ioctl")), "<=", 1.3)
    add("KP_Call no-op vs an ioctl doing the same copies",
        "kp_rt 4 B / kp_null copy 4 B",
        ratio_runs(results, K("kp-rt call 4"), K("kp_null copy 4")), "<=",
        1.1)
    add("1 MiB KP_Call vs an ioctl doing the same copies",
        "kp_rt 1 MiB / kp_null copy 1 MiB",
        ratio_runs(results, K("kp-rt call 1048576"),
                   K("kp_null copy 1048576")), "<=", 1.2)
    if has_kpstat:
        worst, wname = None, None
        lo, hi, cname_lo, cname_hi = None, None, None, None
        for n, kind in tracing_rows(results):
            v = ratio_runs(results, (n + "+kpstat", kind), (n, kind))
            m = mid(v)
            if n.startswith(UNTRACED):
                if lo is None or m < lo:
                    lo, cname_lo = m, n
                if hi is None or m > hi:
                    hi, cname_hi = m, n
            elif worst is None or m > worst[0]:
                worst, wname = (m, v), "%s (%s)" % (n, kind)
        add("kpstat attached vs detached, worst kp row", wname, worst[1],
            "<=", 1.15)
        A.append(("untraced rows attached vs detached stay 1.00 +- 0.03",
                  "lowest %s, highest %s" % (cname_lo, cname_hi),
                  [lo, hi], "0.97 .. 1.03",
                  lo >= 0.97 and hi <= 1.03))
    add("libkp handler thread vs the same-shape VFIO anchor",
        "kp_edu thread / vfio-thread-msi",
        ratio_runs(results, L("kp-thread-msi"), L("vfio-thread-msi")),
        "<=", 1.2)
    add("libkp handler thread vs the same-shape VFIO anchor",
        "kp_rt thread / vfio-thread-msi",
        ratio_runs(results, L("kp-rt-thread-msi"), L("vfio-thread-msi")),
        "<=", 1.2)
    if find(results, "kp-rt-msix-1", "cycle"):
        top = max(MSIX_VECTORS)
        add("per-vector throughput, %d MSI-X vectors vs 1" % top,
            "kp_rt 1 vector / %d vectors (int/s)" % top,
            ratio_runs(results, C("kp-rt-msix-%d" % top),
                       C("kp-rt-msix-1")), "<=", 1.2)
    else:
        A.append(("per-vector throughput, 32 MSI-X vectors vs 1", "-",
                  None, "<= 1.20", False))
    return A


def tracing_rows(results):
    rows = [(n, "latency") for n in LAT_MECHS]
    rows += [(n, "cycle") for n in LAT_MECHS + every_names(results)]
    rows += [(n, "call") for n in CALLS[1:]]
    rows += [("kp-rt call %d" % z, "call") for z in CALL_SIZES[1:]]
    rows += [("kp_null copy %d" % z, "call") for z in CALL_SIZES]
    return rows


def dma_table(results):
    """The DMA section: round trips (icount guest), lock/unlock costs."""
    m = results["machine"]
    p = results["params"]
    L = []
    L.append("### DMA: 4 KiB edu round trip, kp against VFIO")
    L.append("")
    L.append("RAM -> edu -> RAM, 4 KiB as two 2 KiB halves there and "
             "back (QEMU 7.2's edu moves at most 4095 bytes: four "
             "transfers, each with its completion interrupt, MSI), edu "
             "programmed from user mode through the mapped BAR, the data "
             "compared byte for byte after every round trip; %d timed "
             "round trips per run after %d untimed. Second guest: %s; kp "
             "and VFIO run side by side in each run on the same edu. kp: "
             "kp_edu bound, its hard IRQ acks, the blocking IntWait wakes "
             "the thread; contiguous buffers need no sync, locked ones are "
             "synced (KP_DMA_SYNC) for the device and back. VFIO: buffers "
             "mapped with VFIO_IOMMU_MAP_DMA at IOVAs below edu's 28 bits, "
             "the eventfd read, the interrupt acked in user mode. "
             "**Wall time** is ~4 x edu's 100 ms timer: everything the "
             "software does between transfers disappears into the next "
             "timer (it fires on a whole millisecond of virtual time), so "
             "its ratio is ~1 by construction. **CPU time** is the "
             "benchmark thread's over the same stretch (icount: 1 ns per "
             "instruction; interrupt handling while the thread sleeps is "
             "not in it; the latency rows measure that path): that "
             "ratio is the headline." % (p["dma_iters"], p["dma_warmup"],
                                         m.get("dma_guest", "?")))
    L.append("")
    L.append("| mechanism | round trips | CPU time (us) [runs] | x VFIO "
             "(CPU time) | wall time (ms) [runs] | x VFIO (wall) |")
    L.append("|---|---:|---:|---:|---:|---:|")
    for n in DMA_RT:
        w = need(results, n, "dma")["stats"]
        L.append("| %s | %d | %s | %s | %s | %s |" % (
            label(n), w["n"], fmt_us(runs(results, n, "dma-cpu")),
            fmt_ratio(ratio_runs(results, (n, "dma-cpu"),
                                 ("vfio-dma", "dma-cpu"))),
            "%.3f [%.3f-%.3f]" % tuple(x / 1e6 for x in (
                mid(w["runs"]), min(w["runs"]), max(w["runs"]))),
            fmt_ratio(ratio_runs(results, (n, "dma"),
                                 ("vfio-dma", "dma")))))
    L.append("")
    L.append("### DMA: making user memory device-addressable and back")
    L.append("")
    L.append("kp: kp_dma_sg_lock() + kp_dma_unlock() (KP_DMA_LOCK, libkp "
             "reads the segments with KP_DMA_GET_SEGS, KP_DMA_UNLOCK), "
             "kp_edu bound; VFIO: VFIO_IOMMU_MAP_DMA + VFIO_IOMMU_UNMAP_DMA "
             "(type1v2), vfio-pci bound; the same faulted-in user buffer, "
             "both directions, main guest, no device I/O. Each pair is "
             "timed alone; each run checks that mapping pins exactly the "
             "buffer's pages and that nothing stays pinned. The runtime "
             "holds bus mastering while something needs it (MSI, a DMA "
             "buffer): the kp column has MSI enabled, so bus mastering "
             "stays on, as VFIO's user set it once; in the last column "
             "nothing else holds it, so each lock turns it on and each "
             "unlock off (two PCI command register writes; on each, QEMU "
             "switches the device's bus-master memory region, a memory "
             "map update).")
    L.append("")
    L.append("| size | kp lock + unlock (us) [runs] | VFIO map + unmap (us) "
             "[runs] | kp / VFIO | kp, bus mastering toggled each time "
             "(us) [runs] | that / VFIO |")
    L.append("|---:|---:|---:|---:|---:|---:|")
    for z in DMA_MAP_SIZES:
        a, b = "kp-dma-lock %d" % z, "vfio-map %d" % z
        c = "kp-dma-lock-cold %d" % z
        L.append("| %s | %s | %s | %s | %s | %s |" % (
            size_label(z), fmt_us(runs(results, a, "map")),
            fmt_us(runs(results, b, "map")),
            fmt_ratio(ratio_runs(results, (a, "map"), (b, "map"))),
            fmt_us(runs(results, c, "map")),
            fmt_ratio(ratio_runs(results, (c, "map"), (b, "map")))))
    L.append("")
    return L


def msix_table(results):
    if not find(results, "kp-rt-msix-1", "cycle"):
        return []
    L = ["### MSI-X scaling (kp_rt, IntWait, ivshmem-doorbell)", "",
         "QEMU's ivshmem-doorbell with %d MSI-X vectors, bound to kp_rt; "
         "bench_msix enables 1, 4 or %d of them and raises them in turn "
         "(a doorbell write through KP_BAR_WRITE: the 256-byte BAR0 is not "
         "mappable), each wait must name the vector raised and every "
         "vector's /proc/interrupts line grows by exactly its raises. "
         "QEMU delivers each doorbell through an eventfd and its main "
         "loop, so the absolute times include a host thread hand-off that "
         "edu's rows do not; the ratio to one vector is the figure."
         % (max(MSIX_VECTORS), max(MSIX_VECTORS)), "",
         "| vectors | latency (us) [runs] | int/s [runs] | "
         "x 1 vector (time per interrupt) |",
         "|---:|---:|---:|---:|"]
    for nv in MSIX_VECTORS:
        n = "kp-rt-msix-%d" % nv
        rates = [1e9 / x for x in runs(results, n, "cycle")]
        L.append("| %d | %s | %s | %s |" % (
            nv, fmt_us(runs(results, n, "latency")),
            "%.0f [%.0f-%.0f]" % (mid(rates), min(rates), max(rates)),
            fmt_ratio(ratio_runs(results, (n, "cycle"),
                                 ("kp-rt-msix-1", "cycle")))))
    L.append("")
    return L


def make_table(results, has_kpstat, has_gen, only_dma=False):
    m = results["machine"]
    nr = results["params"]["rounds"]
    L = []
    L.append("Machine: host %s (%s CPUs), Linux %s; guest: Debian kernel "
             "%s under %s; %s." % (m["host_cpu"], m["host_cpus"],
                                   m["host_kernel"], m["guest_kernel"],
                                   m["qemu"], m["guest"]))
    L.append("")
    if only_dma:
        L.append("**Only the DMA rows (`--only dma`)**; profile `%s`, %s, "
                 "%d interleaved runs: medians of the runs' medians, "
                 "[min-max] of them, ratios run by run." % (
                     results["profile"], results["date"], nr))
        L.append("")
        return "\n".join(L + dma_table(results))
    L.append("**Absolute times come from an emulated machine (QEMU TCG) "
             "and are only meaningful relative to each other; the ratios "
             "are the headline.** Profile `%s`, %s." % (
                 results["profile"], results["date"]))
    L.append("")
    L.append("Each program and the device's IRQ are pinned to vCPU 0; under "
             "TCG the interrupt is then taken right after the raising write, "
             "so these figures are the software path (IRQ handling, "
             "notification, the wait) rather than a cross-CPU wake-up; the "
             "handler-thread rows and their anchors include a thread "
             "handoff each way. %d interleaved runs in one boot: each "
             "figure is the median of the runs' medians, [min-max] of the "
             "runs' medians in brackets; ratios are taken run by run and "
             "shown the same way; p99 is over all runs' samples pooled."
             % nr)
    L.append("")
    # acceptance
    L.append("### Issue 13 acceptance (ratios of medians, run by run)")
    L.append("")
    L.append("| criterion | figure | ratio: median [min-max] | target | "
             "met |")
    L.append("|---|---|---:|---|---|")
    acc = acceptance(results, has_kpstat)
    results["acceptance"] = [
        {"criterion": a, "figure": f, "ratios": v, "target": t, "met": ok}
        for a, f, v, t, ok in acc]
    for a, f, v, t, ok in acc:
        if v is None:
            val = "NOT MEASURED"
        elif t.startswith("0.97"):
            val = "%.2f .. %.2f" % (v[0], v[1])
        else:
            val = fmt_ratio(v)
        L.append("| %s | %s | %s | %s | %s |" % (a, f, val, t,
                                                 "yes" if ok else "**no**"))
    L.append("")
    # latency
    L.append("### Interrupt-to-user latency (raise through the mmap'd BAR "
             "-> the wait returns)")
    L.append("")
    L.append("| mechanism | samples | median (us) [runs] | p99 (us) | "
             "x VFIO MSI |")
    L.append("|---|---:|---:|---:|---:|")
    lat = {n: need(results, n, "latency")["stats"] for n in LAT_MECHS}
    for n in sorted(LAT_MECHS, key=lambda n: lat[n]["run_median"]):
        s = lat[n]
        L.append("| %s | %d | %s | %s | %s |" % (
            label(n), s["n"], fmt_us(s["runs"]), us(s["p99"]),
            fmt_ratio(ratio_runs(results, (n, "latency"),
                                 ("vfio-msi", "latency")))))
    fl = need(results, "kp-floor", "latency")["stats"]
    L.append("| *%s* | %d | %s | %s | - |" % (
        LABELS["kp-floor"], fl["n"], us(fl["median"]), us(fl["p99"])))
    L.append("")
    L.append("kp_edu rows: the plugin reads the status and acks edu in its "
             "KP_IntAtIrql* (hard IRQ) and its DPC runs in the runtime's "
             "tasklet; user mode does not ack. kp_rt rows: no interrupt "
             "callbacks, the runtime notifies from the hard IRQ and user "
             "mode acks through the BAR, like VFIO. The floor (kp_edu, "
             "hard IRQ -> DPC entry, ftrace) is one separate run.")
    L.append("")
    # throughput
    L.append("### Interrupt throughput (raise -> wait -> ack loop, end to "
             "end)")
    L.append("")
    L.append("| mechanism | batches x interrupts | median (int/s) [runs] | "
             "p99 time per interrupt (us) | x VFIO MSI (int/s) |")
    L.append("|---|---:|---:|---:|---:|")
    thr_names = LAT_MECHS + every_names(results)
    p = results["params"]
    thr = {n: need(results, n, "cycle")["stats"] for n in thr_names}
    for n in sorted(thr_names, key=lambda n: thr[n]["run_median"]):
        s = thr[n]
        per = p["batch"]
        if "every" in n:
            k = int(n.split("-")[-1])
            per = max(1, p["batch"] // k) * k
        rates = [1e9 / x for x in s["runs"]]
        rr = ratio_runs(results, ("vfio-msi", "cycle"), (n, "cycle"))
        L.append("| %s | %d x %d | %s | %s | %s |" % (
            label(n), s["n"], per,
            "%.0f [%.0f-%.0f]" % (mid(rates), min(rates), max(rates)),
            us(s["p99"]), fmt_ratio(rr)))
    L.append("")
    L += msix_table(results)
    L.append("### Two devices at once (kp_rt, IntWait MSI)")
    L.append("")
    L.append("Both edus bound to kp_rt; one bench_kp per device at the same "
             "time, device A and its IRQ on vCPU 0, device B on vCPU 1. "
             "Compared with the one-device row (kp_rt IntWait MSI alone, "
             "vCPU 0) of the same run.")
    L.append("")
    L.append("| device | latency (us) [runs] | int/s [runs] | "
             "x one device alone (int/s) |")
    L.append("|---|---:|---:|---:|")
    for d, where in (("A", "vCPU 0"), ("B", "vCPU 1")):
        n = "kp-rt-wait-msi@" + d
        rates = [1e9 / x for x in runs(results, n, "cycle")]
        L.append("| %s (%s) | %s | %s | %s |" % (
            d, where, fmt_us(runs(results, n, "latency")),
            "%.0f [%.0f-%.0f]" % (mid(rates), min(rates), max(rates)),
            fmt_ratio(ratio_runs(results, ("kp-rt-wait-msi", "cycle"),
                                 (n, "cycle")))))
    L.append("")
    # calls
    L.append("### KP_Call round trip against the physical floor")
    L.append("")
    L.append("| call | samples | median (us) [runs] | p99 (us) | "
             "x bare ioctl | x null syscall |")
    L.append("|---|---:|---:|---:|---:|---:|")
    for n in CALLS:
        s = need(results, n, "call")["stats"]
        L.append("| %s | %d | %s | %s | %s | %s |" % (
            label(n), s["n"], fmt_us(s["runs"]), us(s["p99"]),
            fmt_ratio(ratio_runs(results, (n, "call"),
                                 ("kp_null ioctl", "call"))),
            fmt_ratio(ratio_runs(results, (n, "call"),
                                 ("getppid", "call")))))
    L.append("")
    L.append("Every call is timed alone with clock_gettime, so each figure "
             "includes one timer pair (first row).")
    L.append("")
    L.append("### KP_Call with data against an ioctl doing the same copies")
    L.append("")
    L.append("KP_Call: kp_rt's no-op call, data copied in and back out. "
             "Copying ioctl: kp_null's KP_NULL_COPY, header in, the data "
             "into a kernel buffer and back, result out; the buffer comes "
             "from where the runtime's does (stack up to 256 B, kvmalloc "
             "above).")
    L.append("")
    L.append("| data | KP_Call (us) [runs] | copying ioctl (us) [runs] | "
             "KP_Call / copying ioctl |")
    L.append("|---:|---:|---:|---:|")
    for z in CALL_SIZES:
        a, b = "kp-rt call %d" % z, "kp_null copy %d" % z
        L.append("| %s | %s | %s | %s |" % (
            size_label(z), fmt_us(runs(results, a, "call")),
            fmt_us(runs(results, b, "call")),
            fmt_ratio(ratio_runs(results, (a, "call"), (b, "call")))))
    L.append("")
    # kpstat
    L.append("### Tracing overhead: kpstat's eBPF programs attached vs "
             "detached (medians)")
    L.append("")
    if has_kpstat:
        L.append("| figure | detached (us) | attached (us) | "
                 "attached / detached [runs] |")
        L.append("|---|---:|---:|---:|")
        what = {"latency": "latency", "cycle": "per interrupt",
                "call": "call"}
        for n, kind in tracing_rows(results):
            a = runs(results, n, kind)
            b = runs(results, n + "+kpstat", kind)
            L.append("| %s, %s%s | %s | %s | %s |" % (
                label(n), what[kind],
                " (untraced)" if n.startswith(UNTRACED) else "",
                us(mid(a)), us(mid(b)),
                fmt_ratio(ratio_runs(results, (n + "+kpstat", kind),
                                     (n, kind)))))
    else:
        L.append("**NOT MEASURED**: left out with `--skip kpstat`.")
    L.append("")
    L += dma_table(results)
    L.append("### Generator and build (host)")
    L.append("")
    if has_gen:
        L.append("| step | runs | median (s) | max (s) |")
        L.append("|---|---:|---:|---:|")
        for n, lab in (("kpgen new", "`kpgen new NAME --vendor --device`"
                        " wall time"),
                       ("kpgen new --from edu.yaml", "`kpgen new --from "
                        "examples/edu/edu.yaml` wall time"),
                       ("plugin build", "generated edu plugin build "
                        "(`make`: module + diag app, fresh tree)")):
            s = need(results, n, "tool")["stats"]
            L.append("| %s | %d | %.3f | %.3f |" % (
                lab, s["n"], s["median"] / 1e9, s["max"] / 1e9))
    else:
        L.append("**NOT MEASURED**: left out with `--skip gen`.")
    L.append("")
    return "\n".join(L)


def size_label(z):
    if z >= 1 << 20:
        return "%d MiB" % (z >> 20)
    if z >= 1 << 10:
        return "%d KiB" % (z >> 10)
    return "%d B" % z


def make_plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(19, 6))
    ax = axes[0]
    for n in LAT_MECHS + ["kp-floor"]:
        r = find(results, n, "latency")
        v = sorted(r["samples"])
        y = [(i + 1) / len(v) for i in range(len(v))]
        ax.plot([x / 1000.0 for x in v], y, label=label(n),
                linestyle="--" if n == "kp-floor" else "-")
    ax.set_xscale("log")
    ax.set_xlabel("latency (us, emulated machine)")
    ax.set_ylabel("fraction of interrupts")
    ax.set_title("Interrupt-to-user latency CDF (all runs)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")

    ax = axes[1]
    names = LAT_MECHS + every_names(results)
    rates = [1e9 / find(results, n, "cycle")["stats"]["run_median"]
             for n in names]
    ax.barh(range(len(names)), [r / 1000.0 for r in rates])
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels([label(n) for n in names], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("thousand interrupts/s (median of runs)")
    ax.set_title("Interrupt throughput, end to end")
    ax.grid(True, axis="x", alpha=0.3)

    ax = axes[2]
    kp = [find(results, "kp-rt call %d" % z, "call")["stats"]["run_median"]
          / 1000.0 for z in CALL_SIZES]
    io = [find(results, "kp_null copy %d" % z, "call")["stats"]
          ["run_median"] / 1000.0 for z in CALL_SIZES]
    ax.plot(CALL_SIZES, kp, marker="o", label="KP_Call (kp_rt, no-op)")
    ax.plot(CALL_SIZES, io, marker="s", label="ioctl doing the same copies")
    bare = find(results, "kp_null ioctl", "call")["stats"]["run_median"]
    ax.axhline(bare / 1000.0, linestyle=":", color="gray",
               label="bare ioctl")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("data bytes, copied in and out")
    ax.set_ylabel("median (us, emulated machine)")
    ax.set_title("KP_Call vs an ioctl doing the same copies")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    m = results["machine"]
    fig.suptitle("kpgen benchmarks: guest %s, %s (TCG: compare ratios, "
                 "not absolute times)" % (m["guest_kernel"], m["qemu"]),
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def replace_between(path, begin, end, text):
    with open(path) as f:
        s = f.read()
    i, j = s.find(begin), s.find(end)
    if i < 0 or j < i:
        return False
    s = s[:i + len(begin)] + "\n" + text + "\n" + s[j:]
    with open(path, "w") as f:
        f.write(s)
    return True


def publish(outdir, table):
    dst = os.path.join(REPO, "bench", "results")
    os.makedirs(dst, exist_ok=True)
    shutil.copy(os.path.join(outdir, "bench.png"),
                os.path.join(dst, "latest.png"))
    shutil.copy(os.path.join(outdir, "results.md"),
                os.path.join(dst, "latest.md"))
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    doc = os.path.join(REPO, "docs", "benchmarks.md")
    if not replace_between(doc, begin, end, table + "\n![Latency CDFs, "
                           "throughput and call costs](../bench/results/"
                           "latest.png)\n"):
        raise BenchError("docs/benchmarks.md has no bench markers")
    readme = os.path.join(REPO, "README.md")
    if replace_between(readme, begin, end, table + "\n![Latency CDFs, "
                       "throughput and call costs](bench/results/"
                       "latest.png)\n"):
        log("README.md updated")
    log("published to bench/results/ and docs/benchmarks.md")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--smoke", action="store_true",
                   help="few repetitions (for make test); never publishes")
    p.add_argument("--out", default=os.path.join(REPO, "build", "bench"),
                   help="output directory (default build/bench)")
    p.add_argument("--publish", action="store_true",
                   help="copy the table and plot to bench/results/ and "
                        "docs/benchmarks.md (README.md if it has markers)")
    p.add_argument("--skip", action="append", default=[],
                   choices=["kpstat", "gen"],
                   help="leave a group out; the table says NOT MEASURED "
                        "and the run exits with status 3")
    p.add_argument("--only", choices=["dma"],
                   help="measure one group alone (dma: the DMA round trips "
                        "and lock/unlock rows); never publishes, exits "
                        "with status 3")
    p.add_argument("--no-build", action="store_true")
    args = p.parse_args(argv)
    if args.only:
        args.skip = sorted(set(args.skip) | {"kpstat", "gen"})
    prof_name = "smoke" if args.smoke else "full"
    prof = PROFILES[prof_name]
    t_start = time.monotonic()
    results = {"profile": prof_name, "params": prof,
               "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
               "machine": machine_info(), "records": [], "skipped": {}}
    for s in args.skip:
        results["skipped"][s] = "left out with --skip %s" % s
    try:
        if not args.no_build:
            build("kpstat" not in args.skip)
        if "gen" not in args.skip:
            log("generator: kpgen new x%d, plugin build x%d" % (
                prof["gen"], prof["build"]))
            bench_generator(prof, results)
        if "kpstat" not in args.skip:
            path = os.path.join(REPO, KPSTAT_BIN)
            if not os.access(path, os.X_OK):
                raise BenchError("tracing overhead cannot be measured: %s "
                                 "is not built (make -C bpf); --skip "
                                 "kpstat leaves it out" % KPSTAT_BIN)
        guest_suite(prof, results, with_kpstat="kpstat" not in args.skip,
                    only_dma=args.only == "dma")
        dma_suite(prof, results)
        for r in results["records"]:
            if not r["samples"]:
                raise BenchError("%s (%s): no samples" % (r["name"],
                                                         r["kind"]))
            r["stats"] = summarize(r["samples"])
            runs = r.get("runs") or {"0": r["samples"]}
            r["stats"]["runs"] = [pct(sorted(v), 50) for _, v in
                                  sorted(runs.items(),
                                         key=lambda kv: int(kv[0]))]
            r["stats"]["run_median"] = pct(sorted(r["stats"]["runs"]), 50)
        table = make_table(results, "kpstat" not in args.skip,
                           "gen" not in args.skip, args.only == "dma")
    except BenchError as e:
        print("bench: FAILED: %s" % e, file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    results["seconds"] = round(time.monotonic() - t_start, 1)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(table)
    if not args.only:
        make_plot(results, os.path.join(args.out, "bench.png"))
    print(table)
    log("wrote %s/{results.json,results.md,bench.png} in %.0fs" % (
        os.path.relpath(args.out), results["seconds"]))
    if args.publish and not args.smoke and not args.only:
        try:
            publish(args.out, table)
        except BenchError as e:
            print("bench: FAILED: %s" % e, file=sys.stderr)
            return 1
    if args.only:
        print("bench: NOT MEASURED: everything but %s (--only)" % args.only,
              file=sys.stderr)
        return 3
    if args.skip:
        print("bench: NOT MEASURED: %s" % ", ".join(args.skip),
              file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
