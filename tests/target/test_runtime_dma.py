"""DMA through the runtime (linux/kp.h "DMA buffers", libkp's kp_dma_*),
proven on edu's DMA engine with kp_edu's KP_EDU_MSG_DMA and
tests/target/progs/kp_dmatest.

edu's engine takes 100 ms of the guest's virtual clock per transfer, so
these boots run under icount with sleep=off (virtual time skips to the
next timer when the guest idles): 1,000 round trips take seconds, not
minutes.  icount needs one vCPU.  Without the IOMMU the guest gets 256 MiB
of RAM, all of it below edu's 28-bit DMA limit: x86 sets up no swiotlb
bounce buffers under 4 GiB of RAM, so a page above 256 MiB could not be
given to edu at all (and that is the kernel's answer, not ours)."""
import json

import pytest

pytestmark = [pytest.mark.target, pytest.mark.hardening]

PROG = "tests/target/progs/build/kp_dmatest"
ROUNDS = 1000
EDU_LIMIT = 1 << 28

CONFIGS = {
    "iommu": dict(icount=True, cpus=1),
    "no_iommu": dict(icount=True, cpus=1, memory_mb=256,
                     append=["intel_iommu=off"]),
}


def pins(t):
    """Pages pinned now (FOLL_PIN), from /proc/vmstat."""
    res = t.run("grep -E '^nr_foll_pin_(acquired|released) ' /proc/vmstat",
                check=True)
    v = dict(line.split() for line in res.out.splitlines())
    return int(v["nr_foll_pin_acquired"]) - int(v["nr_foll_pin_released"])


def leak_state(t):
    """What a buffer left behind would change: pinned pages, the plugin's
    allocations, kp_edu's module references, the runtime's vmalloc areas."""
    res = t.run("cat /sys/class/kp/plugin_allocations "
                "/sys/module/kp_edu/refcnt; grep -c '\\[kp_' /proc/vmallocinfo || true",
                check=True)
    alloc, ref, vm = map(int, res.out.split())
    return {"pinned": pins(t), "plugin_allocations": alloc,
            "kp_edu_refcnt": ref, "vmalloc_kp": vm}


def load_edu(t):
    t.run("lsmod | grep -q '^kp_edu ' || { insmod runtime/kernel/kp_runtime.ko"
          " && insmod examples/edu/kernel/kp_edu.ko; }", check=True)
    return t


def boot(module_boot, config):
    return load_edu(module_boot(**CONFIGS[config]))


def dmatest(t, args, timeout=600):
    res = t.run("%s %s" % (PROG, args), timeout=timeout)
    line = res.out.strip().splitlines()[-1] if res.out.strip() else "{}"
    return res.rc, json.loads(line)


# no_iommu first, stopped before the iommu tests: an icount guest spins a
# host CPU even when idle, and the machine has two
@pytest.fixture(params=["no_iommu", "iommu"], scope="module")
def dma_target(request, module_boot):
    yield request.param, boot(module_boot, request.param)
    if request.param != "iommu":
        module_boot.release(**CONFIGS[request.param])


@pytest.fixture(scope="module")
def iommu_target(module_boot):
    return boot(module_boot, "iommu")


@pytest.mark.parametrize("buf,pages", [("contig", 1), ("sg", 4)])
def test_round_trips_through_edu_compare_byte_for_byte(dma_target, buf,
                                                        pages):
    config, t = dma_target
    rc, out = dmatest(t, "roundtrip --buf %s --pages %d --rounds %d --seed 7"
                      % (buf, pages, ROUNDS))
    assert rc == 0, out
    assert out["mismatches"] == 0
    # two halves each way per round trip, one completion interrupt each
    assert out["irqs"] == 4 * ROUNDS
    assert out["max_bus"] < EDU_LIMIT


def test_sg_lock_of_memory_never_written_moves_what_is_written_later(
        iommu_target):
    # a pin without FOLL_WRITE would hold the shared zero page: edu would
    # read zeros, not the pattern written after the lock
    rc, out = dmatest(iommu_target,
                      "roundtrip --buf sg --untouched --pages 4 --rounds 8")
    assert rc == 0, out
    assert (out["mismatches"], out["irqs"]) == (0, 32)


def test_sg_buffer_is_one_bus_range_behind_the_iommu(iommu_target):
    rc, out = dmatest(iommu_target, "roundtrip --buf sg --pages 8 --rounds 8")
    assert rc == 0, out
    assert (out["src_segs"], out["dst_segs"], out["mismatches"]) == (1, 1, 0)


@pytest.mark.kernel_report(r"DMAR")
def test_dma_to_an_unmapped_bus_address_faults_and_spares_the_guard(
        iommu_target):
    t = iommu_target
    t.run("dmesg -C", check=True)
    rc, out = dmatest(t, "fault")
    assert rc == 0, out
    assert out["guard_changed"] == 0
    log = t.run("dmesg", check=True).out
    assert "DMAR: [DMA Write NO_PASID] Request device" in log
    assert "fault addr 0x%x" % out["bus"] in log


ERRORS = {
    "alloc_ok": "ok",
    "alloc_size_0": "EINVAL",
    "alloc_above_max": "E2BIG",
    "alloc_no_direction": "EINVAL",
    "alloc_unknown_flag": "EINVAL",
    "alloc_argsz_short": "EINVAL",
    "alloc_bad_pointer": "EFAULT",
    "lock_ok": "ok",
    "lock_unaligned_addr": "EINVAL",
    "lock_unaligned_size": "EINVAL",
    "lock_size_0": "EINVAL",
    "lock_wraps": "EINVAL",
    "lock_above_max": "E2BIG",
    "lock_no_direction": "EINVAL",
    "lock_unmapped": "EFAULT",
    "lock_readonly_from_device": "EFAULT",
    "lock_readonly_to_device": "EFAULT",
    "lock_max_segs_0_with_array": "E2BIG",
    "lock_max_segs_0_then_unlock": "ok",
    "sync_ok": "ok",
    "sync_contig_ok": "ok",
    "sync_both_directions": "EINVAL",
    "sync_no_direction": "EINVAL",
    "sync_size_0": "EINVAL",
    "sync_beyond_end": "EINVAL",
    "sync_offset_wraps": "EINVAL",
    "sync_bad_handle": "ENOENT",
    "get_segs_ok": "ok",
    "get_segs_bad_handle": "ENOENT",
    "get_segs_flags_in": "EINVAL",
    "mmap_beyond_buffer": "EINVAL",
    "mmap_sg_buffer": "EINVAL",
    "mmap_bad_handle": "ENOENT",
    "other_fd_plugin_open_with_buffers": "ok",
    "other_fd_sync": "ENOENT",
    "other_fd_unlock": "ENOENT",
    "readonly_fd_alloc": "EBADF",
    "readonly_fd_lock": "EBADF",
    "unlock_flags": "EINVAL",
    "unlock_ok": "ok",
    "unlock_twice": "ENOENT",
    "sync_after_unlock": "ENOENT",
    "unlock_contig_ok": "ok",
    "unlock_bad_handle": "ENOENT",
}


@pytest.fixture(scope="module")
def error_run(iommu_target):
    before = leak_state(iommu_target)
    rc, out = dmatest(iommu_target, "errors")
    assert rc == 0, out
    return out, before, leak_state(iommu_target)


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_dma_ioctl_returns_exact_errno(error_run, case):
    assert error_run[0].get(case) == ERRORS[case]


def test_dma_error_cases_leave_nothing_pinned_or_allocated(error_run):
    assert error_run[2] == error_run[1]


def test_lock_beyond_rlimit_memlock_fails_enomem_and_pins_nothing(
        iommu_target):
    t = iommu_target
    before = leak_state(t)
    rc, out = dmatest(t, "limit")
    assert rc == 0, out
    assert out == {"lock_128k": "ENOMEM", "alloc_128k": "ENOMEM",
                   "lock_64k": "ok", "then_alloc_4k": "ENOMEM",
                   "unlock_64k": "ok", "then_alloc_64k": "ok",
                   "unlock_alloc": "ok"}
    assert leak_state(t) == before


def round_trip_works(t):
    rc, out = dmatest(t, "roundtrip --buf sg --pages 2 --rounds 4")
    return rc == 0 and out["mismatches"] == 0 and out["irqs"] == 16


def test_close_without_unlock_frees_every_buffer(iommu_target):
    t = iommu_target
    before = leak_state(t)
    rc, out = dmatest(t, "hold --pages 16 --rounds 20 --no-unlock")
    assert rc == 0, out
    assert (out["rounds"], out["mismatches"]) == (20, 0)
    assert leak_state(t) == before
    assert round_trip_works(t)


def test_kill_9_with_buffers_in_flight_frees_every_buffer(iommu_target):
    t = iommu_target
    before = leak_state(t)
    # round trips run until the kill: it lands in one, or between two
    res = t.run("%s hold --pages 16 > /tmp/kpd-hold.out & pid=$!; "
                "for i in $(seq 100); do grep -q ready /tmp/kpd-hold.out "
                "&& break; sleep 0.1; done; sleep 1; "
                "pinned=$(awk '/^nr_foll_pin_acquired/{a=$2} "
                "/^nr_foll_pin_released/{r=$2} END{print a-r}' /proc/vmstat); "
                "kill -9 $pid; wait $pid; echo status $? pinned $pinned"
                % PROG, check=True)
    words = res.out.split()
    assert words[words.index("status") + 1] == "137"
    # 16 SG pages pinned while it ran (the contiguous buffer is not pinned
    # user memory)
    assert int(words[words.index("pinned") + 1]) - before["pinned"] == 16
    assert leak_state(t) == before
    assert round_trip_works(t)


def test_device_removal_with_buffers_in_flight_frees_them(hotplug_target):
    # real hot-unplug (pciehp) while round trips run: the KP_Call in
    # flight returns, the plugin waits for edu's engine (kp_edu quiesces it
    # before it lets go of the buffer), the runtime frees every buffer
    # after KP_Close and before the device goes; a new edu works
    t = load_edu(hotplug_target)
    before = leak_state(t)
    t.run("rm -f /tmp/kpd-rm.out; setsid %s hold --pages 8 "
          "> /tmp/kpd-rm.out 2>&1 < /dev/null & echo $! > /tmp/kpd-rm.pid; "
          "for i in $(seq 100); do grep -q ready /tmp/kpd-rm.out && exit 0; "
          "sleep 0.1; done; exit 1" % PROG, check=True)
    t.run("sleep 1", check=True)
    t.unplug("edu1")
    res = t.run("pid=$(cat /tmp/kpd-rm.pid); for i in $(seq 200); do "
                "kill -0 $pid 2>/dev/null || break; sleep 0.1; done; "
                "kill -0 $pid 2>/dev/null && echo still running; "
                "tail -n 1 /tmp/kpd-rm.out", check=True)
    assert "still running" not in res.out
    last = json.loads(res.out.strip().splitlines()[-1])
    # the call in flight (edu's result "timed out": the device went) or
    # the next one (ENODEV) ended the program
    assert "error" in last, last
    assert leak_state(t) == before
    t.replug("edu", "edu1", "rp1")
    assert round_trip_works(t)
    assert leak_state(t) == before
