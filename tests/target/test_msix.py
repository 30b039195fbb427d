"""Several MSI-X vectors through kp_runtime.ko, on QEMU's e1000e.

edu has a single MSI vector, so the runtime's multi-vector path (one
hard-IRQ handler and one DPC per vector, dwLastMessage = vector index,
KP_INT_WAIT's last_vector) is exercised on the target's e1000e (8086:10d3:
5 MSI-X vectors, 1 MSI vector), whose interrupt causes software can raise
through ICS.  The test plugin tests/target/plugins/kp_msix routes the five
causes to the vectors and counts its KP_IntAtIrqlMSI / KP_IntAtDpcMSI calls
per dwLastMessage; tests/target/progs/kp_msixapp raises the causes one at a
time and prints one JSON line per run.  Each run happens once (class
fixtures); the tests assert on it with exact numbers.

The guest has no udev, so the in-tree e1000e driver never binds the NIC:
kp_msix is the only driver that does.
"""
import subprocess

import pytest

from kptest import (dmesg_mark, dmesg_problems, dmesg_since, load,
                    module_loaded, run_json, unload)

pytestmark = [pytest.mark.target, pytest.mark.hardening]

PROGS = "tests/target/progs/build"
MSIXAPP = PROGS + "/kp_msixapp"
RUNTIME_KO = "runtime/kernel/kp_runtime.ko"
MSIX_KO = "tests/target/plugins/kp_msix/kp_msix.ko"
MSIX_DEV = "/dev/kp/kp_msix0"

MODE_MSI, MODE_MSIX = 2, 3
NCAUSES = 5             # RXQ0, RXQ1, TXQ0, TXQ1, OTHER
N = 200                 # raises per cause (per vector with 5 vectors)

RUNS = {
    # name: kp_msixapp options
    "msix5": "--mode msix --nvec 5 --count %d" % N,
    "msix3": "--mode msix --nvec 3 --count %d" % N,
    "msix32": "--mode msix --nvec 32 --count %d" % N,
    "auto5": "--mode auto --nvec 5 --count %d" % N,
    "msi5": "--mode msi --nvec 5 --count %d" % N,
    "together": "--mode msix --nvec 5 --count %d --together" % N,
}
# cause i goes to vector i mod granted: raises expected per vector
EXPECTED = {
    "msix5": [N] * 5,
    "msix3": [2 * N, 2 * N, N],
    "msix32": [N] * 5,
    "auto5": [N] * 5,
    "msi5": [5 * N],
    "together": [N] * 5,
}
GRANTED = {
    "msix5": (MODE_MSIX, 5),
    "msix3": (MODE_MSIX, 3),
    "msix32": (MODE_MSIX, 5),       # more than the device has: all 5
    "auto5": (MODE_MSIX, 5),        # AUTO tries MSI-X first
    "msi5": (MODE_MSI, 1),          # e1000e has a single MSI vector
    "together": (MODE_MSIX, 5),
}


def e1000e_bdf(target):
    res = target.run("grep -l 0x10d3 /sys/bus/pci/devices/*/device",
                     check=True)
    return res.out.strip().split("/")[-2]


def bound_driver(target, bdf):
    res = target.run("readlink /sys/bus/pci/devices/%s/driver" % bdf)
    return res.out.strip().split("/")[-1] if res.rc == 0 else None


@pytest.fixture(scope="module")
def built(repo):
    for path in ("runtime", "tests/target/plugins/kp_msix",
                 "tests/target/progs"):
        subprocess.run(["make", "-s", "-C", "%s/%s" % (repo, path)],
                       check=True, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def unbound_before(target, built):
    """The e1000e's driver before kp_msix was loaded (None: unbound)."""
    unload(target, "kp_msix")
    return bound_driver(target, e1000e_bdf(target))


@pytest.fixture(scope="module")
def msix(target, unbound_before):
    """kp_runtime.ko and kp_msix.ko loaded for the module."""
    loaded_runtime = load(target, RUNTIME_KO, "kp_runtime")
    load(target, MSIX_KO, "kp_msix")
    yield MSIX_DEV
    unload(target, "kp_msix")
    if loaded_runtime:
        unload(target, "kp_runtime")


def test_guest_e1000e_driver_does_not_bind_the_nic(unbound_before):
    assert unbound_before is None


def test_kp_msix_binds_the_e1000e_as_kp_msix0(target, msix):
    bdf = e1000e_bdf(target)
    res = target.run("cat /sys/class/kp/kp_msix0/bdf", check=True)
    assert (bound_driver(target, bdf), res.out.strip()) == ("kp_msix", bdf)


class TestMsix:
    @pytest.fixture(scope="class")
    def runs(self, target, msix):
        """Each run once: {name: summary}; dmesg over all of them."""
        mark = dmesg_mark(target)
        out = {name: run_json(target, "%s --dev %s %s"
                              % (MSIXAPP, MSIX_DEV, opts), timeout=600)
               for name, opts in RUNS.items()}
        out["dmesg"] = dmesg_since(target, mark)
        return out

    def test_device_offers_5_msix_vectors_and_1_msi_vector(self, runs):
        r = runs["msix5"]
        assert (r["msix_max"], r["msi_max"]) == (5, 1)

    @pytest.mark.parametrize("run", RUNS)
    def test_granted_mode_and_vector_count(self, runs, run):
        r = runs[run]
        assert (r["granted_mode"], r["nvec"]) == GRANTED[run]

    @pytest.mark.parametrize("run", RUNS)
    def test_each_granted_vector_has_its_own_proc_interrupts_line(
            self, runs, run):
        r = runs[run]
        assert r["distinct_irqs"] == r["nvec"]

    @pytest.mark.parametrize("run", RUNS)
    def test_every_raise_is_waited_for_without_timeout(self, runs, run):
        r = runs[run]
        assert (r["fired"], r["timeouts"]) == (NCAUSES * N, 0)

    @pytest.mark.parametrize("run", RUNS)
    def test_int_at_irql_msi_called_once_per_raise_with_its_vector(
            self, runs, run):
        r = runs[run]
        assert (r["irqs"], r["bad_message"]) == (EXPECTED[run], 0)

    @pytest.mark.parametrize("run", RUNS)
    def test_int_at_dpc_msi_gets_every_dpc_request_of_its_vector(
            self, runs, run):
        assert runs[run]["dpc_count"] == EXPECTED[run]

    @pytest.mark.parametrize("run", [r for r in RUNS if r != "together"])
    def test_one_at_a_time_gives_one_dpc_per_raise(self, runs, run):
        assert runs[run]["dpcs"] == EXPECTED[run]

    @pytest.mark.parametrize("run", RUNS)
    def test_proc_interrupts_delta_per_vector_equals_raises(self, runs,
                                                            run):
        assert runs[run]["proc"] == EXPECTED[run]

    @pytest.mark.parametrize("run", [r for r in RUNS if r != "together"])
    def test_int_wait_last_vector_is_the_vector_raised(self, runs, run):
        assert runs[run]["wrong_last_vector"] == 0

    @pytest.mark.parametrize("run", RUNS)
    def test_no_notification_beyond_one_per_raise(self, runs, run):
        assert runs[run]["extra"] == 0

    @pytest.mark.parametrize("run", RUNS)
    def test_runtime_counters_count_each_raise_once(self, runs, run):
        s = runs[run]["sysfs"]
        total = NCAUSES * N
        assert (s["interrupts"], s["spurious"], s["dpc_requests"],
                s["dpc_count_sum"], s["notifications"], s["lost"]) == \
            (total, 0, total, total, total, 0)

    @pytest.mark.parametrize("run", RUNS)
    def test_dpc_count_sum_equals_dpc_requests(self, runs, run):
        s = runs[run]["sysfs"]
        assert s["dpc_count_sum"] == s["dpc_requests"]

    @pytest.mark.parametrize("run", RUNS)
    def test_sysfs_counters_equal_get_stats(self, runs, run):
        assert runs[run]["sysfs"] == runs[run]["stats"]

    @pytest.mark.parametrize("run", RUNS)
    def test_every_cause_is_acked_at_the_end(self, runs, run):
        assert runs[run]["icr_end"] == 0

    def test_ivar_routes_cause_i_to_vector_i(self, runs):
        # RXQ0 -> 0, RXQ1 -> 1, TXQ0 -> 2, TXQ1 -> 3, OTHER -> 4, valid
        r = runs["msix5"]
        assert (r["ivar"], r["ivar_rb"]) == (0xCBA98, 0xCBA98)

    def test_msix_runs_leave_no_bug_or_warning_in_dmesg(self, runs):
        assert dmesg_problems(runs["dmesg"]) == []


def test_sysfs_shows_msix_and_5_vectors_while_enabled(target, msix):
    """A run blocked after KP_INT_ENABLE: irq_mode and vectors in sysfs."""
    attrs = "/sys/class/kp/kp_msix0/{irq_mode,vectors}"
    cmd = ("%s --dev %s --mode msix --nvec 5 --count 1 --gap-us 1000000 "
           ">/dev/null & pid=$!; sleep 1; cat %s; wait $pid; cat %s"
           % (MSIXAPP, MSIX_DEV, attrs, attrs))
    out = target.run(cmd, timeout=60).out.split()
    assert out == ["msix", "5", "none", "0"]


def test_kp_msix_unloads_and_leaves_the_nic_unbound(target, msix):
    unload(target, "kp_msix")
    bdf = e1000e_bdf(target)
    gone = bound_driver(target, bdf)
    load(target, MSIX_KO, "kp_msix")
    assert (gone, module_loaded(target, "kp_msix")) == (None, True)
