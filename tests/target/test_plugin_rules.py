"""What the runtime demands of a plugin and promises it (issue 11: defects
9 and 10, test item 6's malformed plugins).

Registration: a cDriverName that ends in a digit (nodes are
/dev/kp/<name><index>: "dev" + 10 would be "dev1" + 0), is empty, has no
NUL within 12 bytes, does not start with a letter or '_' or has another
character than [A-Za-z0-9_], a KP_Init that returns FALSE, one that sets
no funcOpen, and a name already registered are refused: the module does
not load (exact errno from finit_module, tests/target/progs/kp_finit),
the kernel log has one line naming the problem, and nothing is left
behind (no driver, no device, no plugin allocation).  The test plugin is
tests/target/plugins/kp_hostile (name=, init_fail=, no_open=); the
duplicate is kp_hostile registering "KPDriver" while the reference plugin
is loaded.

Concurrency: KP_Event never runs while a KP_Call of the same open does.
A KP_Call that sleeps 2 s (HOSTILE_MSG_SLEEP) runs while the device is
removed through sysfs, and while the guest suspends (pm_test=devices, a
guest of its own: the 9p transport does not survive a sleep cycle);
kp_hostile counts KP_Events and KP_Closes that came during a KP_Call
("overlaps"), tests/target/progs/kp_callev drives it.
"""
import json
import os
import re
import subprocess
import time

import pytest

from kptarget import Target
from kptest import (dmesg_problems, last_json, load, module_loaded,
                    run_tagged, unload)

pytestmark = [pytest.mark.target, pytest.mark.extended, pytest.mark.hardening]

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PROGS = "tests/target/progs/build"
RUNTIME_KO = "runtime/kernel/kp_runtime.ko"
HOSTILE_KO = "tests/target/plugins/kp_hostile/kp_hostile.ko"
REF_KO = "examples/reference/kp_reference.ko"
HOSTILE_DEV = "/dev/kp/hostile0"

WD_REMOVE, WD_POWER_CHANGED_D0, WD_POWER_CHANGED_D3 = 0x2, 0x10, 0x80
CALL_MS = 2000


def _make(path):
    res = subprocess.run(["make", "-s", "-C", os.path.join(REPO, path)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.fixture(scope="module")
def built():
    for path in ("runtime", "examples/reference",
                 "tests/target/plugins/kp_hostile", "tests/target/progs"):
        _make(path)


@pytest.fixture(scope="module")
def runtime(target, built):
    loaded = load(target, RUNTIME_KO, "kp_runtime")
    unload(target, "kp_hostile")
    yield
    unload(target, "kp_hostile")
    unload(target, "kp_reference")
    if loaded:
        unload(target, "kp_runtime")


# ---- registration -----------------------------------------------------------

# name: (kp_hostile parameters, errno, the kernel's line)
REFUSED = {
    "name_ends_in_digit": ("name=dev1", "EINVAL",
                           'kp_runtime: kp_hostile: cDriverName "dev1" ends '
                           'with a digit (nodes are /dev/kp/<name><index>)'),
    "name_empty": ("name=", "EINVAL",
                   'kp_runtime: kp_hostile: cDriverName "" is empty'),
    "name_12_bytes_no_nul": ("name=abcdefghijkl", "EINVAL",
                             'kp_runtime: kp_hostile: cDriverName '
                             '"abcdefghijkl" has no NUL within 12 bytes'),
    "name_starts_with_digit": ("name=9ab", "EINVAL",
                               'kp_runtime: kp_hostile: cDriverName "9ab" '
                               "does not start with a letter or '_'"),
    "name_has_dash": ("name=a-b", "EINVAL",
                      'kp_runtime: kp_hostile: cDriverName "a-b" has a '
                      'character other than [A-Za-z0-9_]'),
    "kp_init_false": ("init_fail=1", "EINVAL",
                      "kp_runtime: kp_hostile: KP_Init returned FALSE"),
    "no_func_open": ("no_open=1", "EINVAL",
                     "kp_runtime: kp_hostile: KP_Init set no funcOpen"),
    "name_taken": ("name=KPDriver", "EEXIST",
                   "kp_runtime: kp_hostile: driver name KPDriver already "
                   "registered"),
}


# What a refused registration must leave as it was
SNAPSHOT = ("snap() { echo $(</sys/class/kp/plugin_allocations) "
            "$(ls /sys/class/kp) $(ls /sys/bus/pci/drivers) "
            "$(grep -c '^kp_hostile ' /proc/modules); }")


@pytest.fixture(scope="module")
def registrations(target, runtime):
    """Each refused registration once, in one guest command (the reference
    plugin, "KPDriver", loaded for the duplicate): {name: (errno, whether
    the snapshot stayed the same)}, and the kernel's messages."""
    body = [SNAPSHOT]
    for name, (params, _, _) in REFUSED.items():
        if name == "name_taken":
            body.append("insmod %s" % REF_KO)
        body += ["b=$(snap)",
                 "echo '@@ %s'; %s/kp_finit %s %s" % (name, PROGS,
                                                      HOSTILE_KO, params),
                 "a=$(snap); echo '@@ %s-same'; [ \"$a\" = \"$b\" ] && "
                 "echo '{\"same\": 1}' || echo '{\"same\": 0}'; "
                 "echo \"$b\"; echo \"$a\"" % name]
    body.append("rmmod kp_reference")
    runs, logs, raw = run_tagged(target, "\n".join(body))
    out = {}
    for name in REFUSED:
        assert name in runs and name + "-same" in runs, raw
        out[name] = (runs[name]["errno"], runs[name + "-same"]["same"])
    return out, logs[""], raw


@pytest.mark.parametrize("name", REFUSED)
def test_malformed_plugin_does_not_load(registrations, name):
    """name_ends_in_digit: on 98f2069 "dev1" registered (and collided
    with "dev" + 10)."""
    assert registrations[0][name][0] == REFUSED[name][1]


@pytest.mark.parametrize("name", REFUSED)
def test_malformed_plugin_gets_one_clear_log_line(registrations, name):
    log = registrations[1]
    lines = [re.sub(r"^\[[^]]*\] ", "", ln) for ln in log.splitlines()]
    assert lines.count(REFUSED[name][2]) == 1, log


def test_each_refusal_is_logged_by_the_runtime_once(registrations):
    log = registrations[1]
    assert len([ln for ln in log.splitlines()
                if "kp_runtime: kp_hostile:" in ln]) == len(REFUSED), log


@pytest.mark.parametrize("name", REFUSED)
def test_refused_registration_leaves_nothing_behind(registrations, name):
    """No plugin allocation, class device, PCI driver or module left."""
    assert registrations[0][name][1] == 1, registrations[2]


def test_refused_registrations_log_no_kernel_problem(registrations):
    assert dmesg_problems(registrations[1]) == []


def test_eleven_character_name_registers_and_binds(target, runtime):
    """The longest name that fits (11 bytes and the NUL)."""
    try:
        got = last_json(target.run("%s/kp_finit %s name=abcdefghijk"
                                   % (PROGS, HOSTILE_KO)))
        node = target.run("ls /dev/kp/").out.split()
    finally:
        unload(target, "kp_hostile")
    assert (got["errno"], node) == ("OK", ["abcdefghijk0"])


# ---- KP_Event never during a KP_Call -----------------------------------------

@pytest.fixture(scope="module")
def removed_during_call(target, runtime):
    """sysfs remove 300 ms into a 2 s KP_Call, then a rescan, in one guest
    command: (kp_callev's JSON, whether /dev/kp/hostile0 came back, the
    kernel's messages)."""
    body = """insmod {ko}
bdf=$(grep -l 0x11e8 /sys/bus/pci/devices/*/device); bdf=${{bdf%/device}}
echo '@@ call'
{progs}/kp_callev remove --dev {dev} --bdf ${{bdf##*/}} --ms {ms}
echo 1 > /sys/bus/pci/rescan
for i in $(seq 100); do test -c {dev} && break; sleep 0.1; done
echo '@@ rebound'
test -c {dev} && echo '{{"rebound": 1}}' || echo '{{"rebound": 0}}'
rmmod kp_hostile""".format(ko=HOSTILE_KO, progs=PROGS, dev=HOSTILE_DEV,
                           ms=CALL_MS)
    runs, logs, raw = run_tagged(target, body, timeout=120)
    assert "call" in runs and "rebound" in runs, raw
    return runs["call"], runs["rebound"]["rebound"] == 1, logs[""]


def test_kp_call_runs_to_its_end_while_removal_begins(removed_during_call):
    """At its end the call saw kp_device_gone(): removal had begun while
    it ran, and waited for it."""
    run = removed_during_call[0]
    c, tr = run["call"], run["trigger"]
    assert (c["errno"], c["result"], c["gone"], tr["errno"]) == \
        ("OK", 0, 1, "OK"), run


def test_remove_calls_kp_event_only_after_the_kp_call(removed_during_call):
    run = removed_during_call[0]
    assert (run["overlaps"], run["removes"]) == (0, 1), run


def test_remove_during_call_delivers_wd_remove(removed_during_call):
    assert removed_during_call[0]["events"] == \
        [{"action": WD_REMOVE, "seq": 1}]


def test_remove_during_call_then_rescan_binds_again(removed_during_call):
    _, rebound, log = removed_during_call
    assert (rebound, dmesg_problems(log)) == (True, [])


def console_records(path, start):
    """kp_callev's "KPT-CALLEV <json>" console lines after byte @start."""
    with open(path, errors="replace") as f:
        f.seek(start)
        text = f.read()
    recs = []
    for line in text.splitlines():
        i = line.find("KPT-CALLEV ")
        if i >= 0:
            try:
                recs.append(json.loads(line[i + len("KPT-CALLEV "):]))
            except ValueError:
                pass
    return recs, text


@pytest.fixture(scope="module")
def suspended_during_call(built):
    """A guest of its own suspends (mem, pm_test=devices) 300 ms into a
    2 s KP_Call; kp_callev reports over the console."""
    t = Target()
    t.start()
    try:
        t.run("insmod %s && insmod %s" % (RUNTIME_KO, HOSTILE_KO),
              check=True)
        start = os.path.getsize(t.console)
        # detached and 2 s later: the shell and the agent are done with 9p
        t.run("setsid sh -c 'sleep 2; exec %s/kp_callev suspend --dev %s "
              "--ms %d --state mem --kmsg' </dev/null >/dev/null 2>&1 &"
              % (PROGS, HOSTILE_DEV, CALL_MS), timeout=60, check=True)
        end = time.monotonic() + 120 * t.timeout_scale
        recs, text = [], ""
        while time.monotonic() < end and not recs:
            time.sleep(0.5)
            recs, text = console_records(t.console, start)
    finally:
        # the guest's 9p transport is gone: no orderly shutdown
        if t.qemu is not None:
            t.qemu.kill()
            t.qemu.wait()
        t.stop()
    assert recs, "no KPT-CALLEV line on the console:\n" + text[-3000:]
    return recs[-1], text


def test_kp_call_and_suspend_both_succeed(suspended_during_call):
    """The freezer cannot freeze a task inside a KP_Call; the suspend
    goes on once the call has returned."""
    run = suspended_during_call[0]
    c, tr = run["call"], run["trigger"]
    assert (run["open_errno"], c["errno"], c["result"], c["gone"],
            tr["errno"]) == ("OK", "OK", 0, 0, "OK"), run


def test_suspend_calls_kp_event_only_outside_the_kp_call(
        suspended_during_call):
    """This one passes on 98f2069 too: its PM callback took no lock
    against KP_Call, but the freezer held the suspend back until the
    call returned, as it does now; the runtime's gate enforces the rule
    as well, without relying on the freezer."""
    assert suspended_during_call[0]["overlaps"] == 0


def test_suspend_during_call_delivers_d3_then_d0(suspended_during_call):
    assert suspended_during_call[0]["events"] == [
        {"action": WD_POWER_CHANGED_D3, "seq": 1},
        {"action": WD_POWER_CHANGED_D0, "seq": 2}]


def test_suspend_during_call_logs_no_kernel_problem(suspended_during_call):
    assert dmesg_problems(suspended_during_call[1]) == []


def test_plugin_rules_leave_no_plugin_loaded(target, registrations,
                                             removed_during_call):
    assert [m for m in ("kp_hostile", "kp_reference")
            if module_loaded(target, m)] == []
