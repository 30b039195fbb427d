"""Who may do what to a /dev/kp node (issue 11: defect 6, test item 7).

  - nodes are 0600 root: an unprivileged user (uid 65534) cannot open them;
  - with the node made 0644, that user's read-only fd reads but cannot
    write anything: every ioctl that changes the device or runs plugin
    code fails with EBADF, mmap() for writing with EACCES (the VFS);
  - config writes to what the kernel and the runtime own (COMMAND, BARs,
    ROM, the MSI and MSI-X capabilities) fail with EPERM at every width and
    offset and change nothing; BAR writes, mmap() and transfer commands
    that reach the MSI-X table or PBA fail with EPERM (e1000e, bound to
    tests/target/plugins/kp_msix), the rest of that BAR maps;
  - bus mastering is off after probe, on only while MSI is enabled;
  - no kernel address in the runtime's sysfs attributes or trace events,
    and no map kpstat pins readable by the user;
  - under kernel lockdown (integrity) config and BAR writes, writing
    transfer commands and BAR mmap() fail with EPERM while reads work.
    Raised at run time in a guest of its own (irreversible) after the
    modules are loaded: an unsigned module cannot load under it, so this
    stands for booting with lockdown=integrity.

The guest program is tests/target/progs/kp_priv (raw UAPI); it prints
what each call returned and the tests here hold the expectations.  On
main 98f2069 every write through a read-only fd and every protected
config, MSI-X or lockdown write succeeded, and bus mastering was on from
probe: those tests fail there.
"""
import json
import os
import re
import subprocess

import pytest

from kptarget import Target
from kptest import (dmesg_mark, dmesg_since, load, show_figures,
                    unload)

pytestmark = [pytest.mark.target, pytest.mark.hardening]

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PRIV = "tests/target/progs/build/kp_priv"
LOCKIRQ = "tests/target/progs/build/kp_lockirq"
RUNTIME_KO = "runtime/kernel/kp_runtime.ko"
HOSTILE_KO = "tests/target/plugins/kp_hostile/kp_hostile.ko"
MSIX_KO = "tests/target/plugins/kp_msix/kp_msix.ko"
KPSTAT = "bpf/build/kpstat"
HOSTILE_DEV = "/dev/kp/hostile0"
MSIX_DEV = "/dev/kp/kp_msix0"
NOBODY = 65534
TRACING = "/sys/kernel/tracing"
# a kernel pointer as the x86-64 kernel prints it: direct map, vmalloc,
# text and modules all start with ffff
KERNEL_ADDRESS = re.compile(r"\b(0x)?ffff[0-9a-f]{12}\b")


def _make(path):
    res = subprocess.run(["make", "-s", "-C", os.path.join(REPO, path)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.fixture(scope="module")
def built():
    for path in ("runtime", "tests/target/plugins/kp_hostile",
                 "tests/target/plugins/kp_msix", "tests/target/progs"):
        _make(path)


def records(res):
    """kp_priv's JSON lines; the last must be {"done": 1, "rc": 0}."""
    recs = [json.loads(ln) for ln in res.out.splitlines()
            if ln.startswith("{")]
    assert recs and recs[-1] == {"done": 1, "rc": 0}, res.out
    return recs


def cases(res):
    return {r["case"]: r["got"] for r in records(res) if "case" in r}


@pytest.fixture(scope="module")
def hostile(target, built):
    """kp_runtime + a freshly probed kp_hostile on edu (/dev/kp/hostile0)."""
    res = target.run("test -d /sys/module/kp_runtime || {{ insmod {0} && "
                     "echo loaded; }} && {{ ! test -d /sys/module/kp_hostile "
                     "|| rmmod kp_hostile; }} && insmod {1}"
                     .format(RUNTIME_KO, HOSTILE_KO))
    assert res.rc == 0, res.out
    yield HOSTILE_DEV
    target.run("rmmod kp_hostile" + ("; rmmod kp_runtime"
                                     if "loaded" in res.out else ""))


# ---- the node and an unprivileged user -----------------------------------

def open_as(target, *paths):
    res = target.run("%s open-as --uid %d %s" % (PRIV, NOBODY,
                                                 " ".join(paths)))
    return {r["path"]: r for r in records(res) if "path" in r}


def test_device_node_is_0600_root(target, hostile):
    assert target.run("stat -c '%%a %%U %%G' %s" % hostile,
                      check=True).out == "600 root root\n"


def test_unprivileged_user_cannot_open_the_node(target, hostile):
    r = open_as(target, hostile)[hostile]
    assert (r["rdonly"], r["rdwr"]) == ("EACCES", "EACCES")


ROFD = {
    # what the read-only fd's calls must return
    "open_rdonly": "OK",
    "bar_write": "EBADF",
    "cfg_write": "EBADF",
    "plugin_open": "EBADF",
    "plugin_call": "EBADF",
    "plugin_close": "EBADF",
    "int_enable": "EBADF",
    "int_disable": "EBADF",
    "get_info": "OK",
    "get_bar_info": "OK",
    "bar_read_id": "OK",
    "cfg_read_ids": "OK",
    "get_stats": "OK",
    "int_wait_idle_is_stopped": "OK",
    "event_register": "OK",
    "mmap_bar0_rw": "EACCES",
    "mmap_bar0_ro_reads_id": "OK",
    "mprotect_bar0_write": "EACCES",
    "mmap_notify_ro": "OK",
    "mmap_notify_ack_rw": "EACCES",
}


@pytest.fixture(scope="module")
def readable_node(target, hostile):
    """The node made 0644 (what a careless udev rule does): what uid 65534
    can open, and what its read-only fd can do; then 0600 again."""
    target.run("chmod 0644 %s" % hostile, check=True)
    try:
        opened = open_as(target, hostile)[hostile]
        got = cases(target.run("%s rofd --dev %s --uid %d"
                               % (PRIV, hostile, NOBODY)))
    finally:
        target.run("chmod 0600 %s" % hostile, check=True)
    return opened, got


def test_user_opens_a_0644_node_read_only_but_not_read_write(readable_node):
    opened, _ = readable_node
    assert (opened["rdonly"], opened["rdwr"]) == ("OK", "EACCES")


@pytest.mark.parametrize("case", ROFD)
def test_read_only_fd_of_an_unprivileged_user(readable_node, case):
    """EBADF cases: on 98f2069 a read-only fd could write BARs and config
    space, call the plugin and enable interrupts."""
    assert readable_node[1].get(case) == ROFD[case]


def test_read_only_fd_run_covers_every_case(readable_node):
    assert set(readable_node[1]) == set(ROFD)


# ---- config space the runtime owns ------------------------------------------

@pytest.fixture(scope="module")
def msix(target, built):
    """kp_msix bound to e1000e (MSI and MSI-X); unloaded at the end."""
    load(target, RUNTIME_KO, "kp_runtime")
    load(target, MSIX_KO, "kp_msix")
    yield MSIX_DEV
    unload(target, "kp_msix")


@pytest.fixture(scope="module")
def cfg_runs(target, hostile, msix):
    out = {}
    for dev in (hostile, msix):
        recs = records(target.run("%s cfg --dev %s" % (PRIV, dev)))
        out[dev] = {"caps": next(r for r in recs if "msi_cap" in r),
                    "regions": {r["region"]: r for r in recs
                                if "region" in r},
                    "cases": {r["case"]: r["got"] for r in recs
                              if "case" in r}}
    return out


CFG_REGIONS = [(HOSTILE_DEV, r) for r in ("command", "bars", "rom", "msi")] \
    + [(MSIX_DEV, r) for r in ("command", "bars", "rom", "msi", "msix")]
CFG_IDS = ["%s-%s" % (os.path.basename(d), r) for d, r in CFG_REGIONS]


def test_edu_has_msi_and_e1000e_msi_and_msix(cfg_runs):
    caps = {d: (c["caps"]["msi_cap"] > 0, c["caps"]["msix_cap"] > 0)
            for d, c in cfg_runs.items()}
    assert caps == {HOSTILE_DEV: (True, False), MSIX_DEV: (True, True)}


@pytest.mark.parametrize("dev,region", CFG_REGIONS, ids=CFG_IDS)
def test_cfg_write_to_a_register_the_runtime_owns_is_refused(cfg_runs, dev,
                                                             region):
    """Every byte, word and dword write that overlaps the region."""
    r = cfg_runs[dev]["regions"][region]
    assert (r["writes"] > 0, r["eperm"], r["other"]) == \
        (True, r["writes"], []), r


@pytest.mark.parametrize("dev,region", CFG_REGIONS, ids=CFG_IDS)
def test_refused_cfg_writes_leave_the_register_unchanged(cfg_runs, dev,
                                                         region):
    assert cfg_runs[dev]["regions"][region]["changed"] == []


CFG_ALLOWED = ["cfg_write_ids_same_value", "cfg_write_class_same_value",
               "cfg_write_cardbus_cis_same_value",
               "cfg_write_subsystem_same_value",
               "cfg_write_cap_pointer_same_value",
               "cfg_write_interrupt_line_same_value"]


@pytest.mark.parametrize("dev", [HOSTILE_DEV, MSIX_DEV],
                         ids=["hostile0", "kp_msix0"])
@pytest.mark.parametrize("case", CFG_ALLOWED)
def test_cfg_write_next_to_the_owned_registers_is_allowed(cfg_runs, dev,
                                                          case):
    assert cfg_runs[dev]["cases"].get(case) == "OK"


# ---- the MSI-X table and PBA ----------------------------------------------------

@pytest.fixture(scope="module")
def msix_run(target, msix):
    recs = records(target.run("%s msix --dev %s" % (PRIV, msix)))
    return {"layout": next(r for r in recs if "table_bar" in r),
            "regions": {r["region"]: r for r in recs if "region" in r},
            "cases": {r["case"]: r["got"] for r in recs if "case" in r}}


def test_e1000e_msix_table_and_pba_layout(msix_run):
    # QEMU's e1000e: 5 entries at BAR 3 + 0, PBA at BAR 3 + 0x2000, 16 KiB
    lay = msix_run["layout"]
    assert (lay["table_bar"], lay["table_offset"], lay["entries"],
            lay["pba_bar"], lay["pba_offset"], lay["bar_size"]) == \
        (3, 0, 5, 3, 0x2000, 0x4000)


MSIX_REGIONS = ["table_w4", "table_w8", "table_w1_first", "table_w1_last",
                "pba_w4", "pba_w8"]


@pytest.mark.parametrize("region", MSIX_REGIONS)
def test_bar_write_into_msix_table_or_pba_is_refused(msix_run, region):
    r = msix_run["regions"][region]
    assert (r["eperm"], r["other"], r["changed"]) == (r["writes"], [], 0), r


MSIX_CASES = {
    "bar_write_after_table_same_value": "OK",
    "bar_read_table": "OK",
    "mmap_msix_bar_page_0_table_or_pba": "EPERM",
    "mmap_msix_bar_page_1_other": "OK",
    "mmap_msix_bar_page_2_table_or_pba": "EPERM",
    "mmap_msix_bar_page_3_other": "OK",
    "mmap_msix_bar_whole": "EPERM",
    "mmap_bar0_whole": "OK",
    "plugin_open": "OK",
    "int_enable_trans_write_table": "EPERM",
}


@pytest.mark.parametrize("case", MSIX_CASES)
def test_msix_table_access(msix_run, case):
    assert msix_run["cases"].get(case) == MSIX_CASES[case]


# ---- bus mastering ----------------------------------------------------------------

@pytest.fixture(scope="module")
def master(target, hostile):
    """COMMAND.MASTER at each stage, right after the probe of `hostile`."""
    recs = records(target.run("%s master --dev %s" % (PRIV, hostile)))
    return ({r["stage"]: r["master"] for r in recs if "stage" in r},
            {r["case"]: r["got"] for r in recs if "case" in r})


def test_bus_mastering_follows_msi(master):
    """On 98f2069 probe enabled bus mastering for good."""
    stages, calls = master
    assert set(calls.values()) == {"OK"}, calls
    assert stages == {"open": 0, "msi": 1, "msi_disabled": 0, "intx": 0,
                      "intx_disabled": 0}


# ---- what leaks out: kernel addresses, pinned maps ----------------------------

TRACED = """ev={tr}/events/kp/enable
echo 0 > {tr}/tracing_on; echo > {tr}/trace; echo 1 > $ev
echo 1 > {tr}/tracing_on
{lockirq} --dev {dev} --mode msi --count 20 >/dev/null
echo '@@ trace'; cat {tr}/trace
echo 0 > $ev; echo > {tr}/trace
echo '@@ attrs'
for f in /sys/class/kp/hostile0/* /sys/class/kp/plugin_allocations \
         /sys/module/kp_runtime/parameters/* \
         /sys/module/kp_hostile/parameters/*; do
    [ -f $f ] && echo "$f: $(<$f)"
done
echo '@@ end'"""


@pytest.fixture(scope="module")
def traced(target, hostile):
    """Every kp trace event on while interrupts, DPCs, KP_Calls and a
    KP_SPINLOCK in hard IRQ run; the trace and the runtime's attributes."""
    res = target.run(TRACED.format(tr=TRACING, lockirq=LOCKIRQ, dev=hostile))
    assert res.rc == 0, res.out
    trace = res.out.split("@@ trace\n", 1)[1].split("@@ attrs\n", 1)[0]
    attrs = res.out.split("@@ attrs\n", 1)[1].split("@@ end", 1)[0]
    return trace, attrs


def test_trace_has_the_runtimes_events(traced):
    trace, _ = traced
    events = set(re.findall(r" (kp_\w+):", trace))
    assert {"kp_irq_entry", "kp_dpc_entry", "kp_notify", "kp_call_entry",
            "kp_lock_init", "kp_lock_acquired"} <= events, events


def test_trace_events_carry_no_kernel_address(traced):
    trace, _ = traced
    assert [ln for ln in trace.splitlines()
            if " kp_" in ln and KERNEL_ADDRESS.search(ln)] == []


def test_sysfs_attributes_carry_no_kernel_address(traced):
    _, attrs = traced
    assert len(attrs.splitlines()) > 20, attrs
    assert [ln for ln in attrs.splitlines() if KERNEL_ADDRESS.search(ln)] \
        == []


@pytest.fixture(scope="module")
def pinned(target, hostile):
    """kpstat --pin; what uid 65534 can open of it; kpstat --unpin."""
    _make("bpf")
    res = target.run("%s --pin" % KPSTAT, timeout=300)
    try:
        assert res.rc == 0, res.out
        files = target.run("find /sys/fs/bpf/kp -type f",
                           check=True).out.split()
        got = open_as(target, "/sys/fs/bpf/kp", *files)
    finally:
        target.run("%s --unpin" % KPSTAT)
    return files, got


def test_kpstat_pins_maps(pinned):
    files, _ = pinned
    assert len(files) >= 3, files


def test_no_pinned_map_is_readable_by_a_user(pinned):
    files, got = pinned
    assert {p: (r["rdonly"], r["rdwr"], r.get("bpf_obj_get"))
            for p, r in got.items()} == \
        {p: ("EACCES", "EACCES", "EACCES")
         for p in ["/sys/fs/bpf/kp"] + files}


# ---- kernel lockdown (a guest of its own) ------------------------------------

LOCKDOWN = {
    "open": "OK",
    "cfg_read": "OK",
    "cfg_write_interrupt_line": "EPERM",
    "bar_read_id": "OK",
    "bar_write_liveness": "EPERM",
    "mmap_bar0_ro": "EPERM",
    "mmap_bar0_rw": "EPERM",
    "mmap_notify_ro": "OK",
    "get_info": "OK",
    "plugin_open": "OK",
    "plugin_call": "OK",
    "int_enable_trans_write": "EPERM",
    "int_enable_trans_read_only": "OK",
    "int_disable": "OK",
}


@pytest.fixture(scope="module")
def locked_down(built):
    """A fresh guest: modules loaded, lockdown raised to integrity (the
    run-time equivalent of booting with lockdown=integrity), kp_priv
    lockdown; the guest is thrown away."""
    t = Target()
    t.start()
    try:
        t.run("insmod %s && insmod %s && echo integrity > "
              "/sys/kernel/security/lockdown" % (RUNTIME_KO, HOSTILE_KO),
              check=True)
        mark = dmesg_mark(t)
        recs = records(t.run("%s lockdown --dev %s" % (PRIV, HOSTILE_DEV)))
        log = dmesg_since(t, mark)
        t.run("rmmod kp_hostile kp_runtime", check=True)
    finally:
        t.stop()
    return (next(r["lockdown"] for r in recs if "lockdown" in r),
            {r["case"]: r["got"] for r in recs if "case" in r}, log)


def test_lockdown_is_integrity(locked_down):
    assert locked_down[0] == "none [integrity] confidentiality"


@pytest.mark.parametrize("case", LOCKDOWN)
def test_under_lockdown(locked_down, case):
    """Writing transfer commands are refused too: the handler would make
    those BAR writes for user mode (they were accepted at c7173fb)."""
    assert locked_down[1].get(case) == LOCKDOWN[case]


def test_lockdown_refusals_are_logged_by_the_kernel(locked_down):
    assert "Lockdown: kp_priv: direct PCI access is restricted" in \
        locked_down[2]


def test_privilege_figures(request, readable_node, cfg_runs, msix_run,
                           locked_down):
    refused = sum(r["eperm"] for c in cfg_runs.values()
                  for r in c["regions"].values())
    show_figures(request, "kp privilege", {
        "read-only fd cases": len(readable_node[1]),
        "owned config writes refused": refused,
        "MSI-X table/PBA writes refused":
        sum(r["eperm"] for r in msix_run["regions"].values()),
        "lockdown cases": len(locked_down[1])})
    assert refused > 0
