"""Plug-and-play and power events of kp_runtime.ko, with the edu plugin.

kp_edu.ko's KP_Event counts the events it sees (KP_EDU_MSG_EVENT_COUNTS),
logs "KP_Event <action> (#<hEvent>): notify|swallow" and returns what
KP_EDU_MSG_EVENT_NOTIFY last set (TRUE by default).  The guest program
tests/target/progs/kp_events does one run per invocation and prints JSON.

Removal (TestRemove) runs in the shared boot: the PCI device is removed
through sysfs and brought back with a rescan, so the guest is left with
edu present and bound.  Suspend/resume (TestPower, in make
test-extended) needs a guest of its own: a system sleep cycle resets the
virtio devices and the 9p transport (the host's / and the command share)
does not come back, so kp_events
runs detached, locked in memory, and reports through the serial console;
that guest is then thrown away.
"""
import json
import os
import re
import subprocess
import time

import pytest

from kptarget import Target
from kptest import (dmesg_mark, dmesg_problems, dmesg_since, edu_bdf, load,
                    run_json, unload)

pytestmark = [pytest.mark.target, pytest.mark.hardening]

PROGS = "tests/target/progs/build"
EVENTS = PROGS + "/kp_events"
EDU_APP = "examples/edu/app/build/edu_app"
RUNTIME_KO = "runtime/kernel/kp_runtime.ko"
EDU_KO = "examples/edu/kernel/kp_edu.ko"
EDU_DEV = "/dev/kp/kp_edu0"

WD_REMOVE, WD_POWER_CHANGED_D0, WD_POWER_CHANGED_D3 = 0x2, 0x10, 0x80
QUEUE_LEN = 16          # events queued per fd
OVERFLOW_CYCLES = 10    # kp_events' overflow phase: 20 events


@pytest.fixture(scope="module")
def built(repo):
    for path in ("runtime", "examples/edu/kernel", "examples/edu/app",
                 "tests/target/progs"):
        subprocess.run(["make", "-s", "-C", os.path.join(repo, path)],
                       check=True, stdout=subprocess.DEVNULL)


# ---- removal (shared boot) ---------------------------------------------------

def rescan_until_bound(target, bdf, timeout=10.0):
    """PCI rescan; True once edu is back, bound, with its /dev/kp node."""
    target.run("echo 1 > /sys/bus/pci/rescan", check=True)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        res = target.run("readlink /sys/bus/pci/devices/%s/driver && "
                         "test -c %s" % (bdf, EDU_DEV))
        if res.rc == 0 and res.out.strip().endswith("/kp_edu"):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def edu(target, built):
    loaded_runtime = load(target, RUNTIME_KO, "kp_runtime")
    load(target, EDU_KO, "kp_edu")
    bdf = edu_bdf(target)
    yield bdf
    rescan_until_bound(target, bdf)
    unload(target, "kp_edu")
    if loaded_runtime:
        unload(target, "kp_runtime")


def kp_event_lines(log, bdf):
    """The KP_Event lines kp_edu logged for @bdf: [(action, hEvent, how)]"""
    pat = re.compile(r"kp_edu %s: KP_Event 0x([0-9a-f]+) \(#(\d+)\): (\w+)"
                     % re.escape(bdf))
    return [(int(m.group(1), 16), int(m.group(2)), m.group(3))
            for m in pat.finditer(log)]


class TestRemove:
    @pytest.fixture(scope="class")
    def removed(self, target, edu):
        """Remove (KP_Event TRUE), rescan, use; then the same with FALSE."""
        bdf = edu
        out = {}
        for notify in (1, 0):
            mark = dmesg_mark(target)
            try:
                out[notify] = run_json(
                    target, "%s remove --dev %s --bdf %s --notify %d"
                    % (EVENTS, EDU_DEV, bdf, notify), timeout=60)
            finally:
                out["rebound%d" % notify] = rescan_until_bound(target, bdf)
            out["dmesg%d" % notify] = dmesg_since(target, mark)
            out["factorial%d" % notify] = run_json(
                target, "%s factorial 10" % EDU_APP)
        return out

    def test_remove_calls_kp_event_once_with_wd_remove(self, removed, edu):
        assert kp_event_lines(removed["dmesg1"], edu) == \
            [(WD_REMOVE, 1, "notify")]

    def test_user_gets_exactly_one_remove_event_with_seq_1(self, removed):
        r = removed[1]
        assert (r["event_wait"], r["event_wait_after"]) == (
            {"returned": 1, "errno": "OK", "action": WD_REMOVE, "seq": 1,
             "lost": 0, "stopped": 0},
            {"errno": "OK", "action": 0, "stopped": 1})

    @pytest.mark.parametrize("notify", [1, 0])
    def test_remove_wakes_blocked_int_wait_with_stopped(self, removed,
                                                        notify):
        assert removed[notify]["int_wait"] == \
            {"returned": 1, "errno": "OK", "stopped": 1}

    @pytest.mark.parametrize("notify", [1, 0])
    def test_int_wait_after_remove_reports_stopped(self, removed, notify):
        assert removed[notify]["int_wait_after"] == \
            {"errno": "OK", "stopped": 1}

    @pytest.mark.parametrize("ioctl", ["get_info", "bar_read", "plugin_call",
                                       "int_enable", "event_register"])
    def test_ioctl_needing_the_device_fails_with_enodev_after_remove(
            self, removed, ioctl):
        assert removed[1]["errno_after"][ioctl] == "ENODEV"

    def test_get_stats_plugin_close_and_close_work_after_remove(self,
                                                                removed):
        e = removed[1]["errno_after"]
        assert (e["get_stats"], e["plugin_close"], e["close"]) == \
            ("OK", "OK", "OK")

    def test_remove_through_sysfs_succeeds(self, removed):
        assert (removed[1]["remove_errno"], removed[0]["remove_errno"]) == \
            ("OK", "OK")

    @pytest.mark.parametrize("notify", [1, 0])
    def test_rescan_rebinds_kp_edu_with_a_new_node(self, removed, notify):
        assert removed["rebound%d" % notify] is True

    @pytest.mark.parametrize("notify", [1, 0])
    def test_new_node_works_after_rescan(self, removed, notify):
        f = removed["factorial%d" % notify]
        assert (f["result"], f["value"]) == (0, 3628800)

    def test_kp_event_false_on_remove_is_called_but_notifies_nobody(
            self, removed, edu):
        r = removed[0]
        assert (kp_event_lines(removed["dmesg0"], edu),
                r["event_wait"]["action"], r["event_wait"]["stopped"]) == \
            ([(WD_REMOVE, 1, "swallow")], 0, 1)

    @pytest.mark.parametrize("notify", [1, 0])
    def test_remove_and_rescan_leave_no_bug_or_warning_in_dmesg(
            self, removed, notify):
        assert dmesg_problems(removed["dmesg%d" % notify]) == []


# ---- suspend / resume (a guest of its own) --------------------------------

def console_records(path, start):
    """kp_events' "KPT-EVENTS <json>" console lines after byte @start."""
    with open(path, errors="replace") as f:
        f.seek(start)
        text = f.read()
    recs = []
    for line in text.splitlines():
        i = line.find("KPT-EVENTS ")
        if i >= 0:
            try:
                recs.append(json.loads(line[i + len("KPT-EVENTS "):]))
            except ValueError:
                pass
    return recs, text


# A guest of its own and a suspend/resume cycle (~40 s): make test-extended.
@pytest.mark.extended
class TestPower:
    @pytest.fixture(scope="class")
    def power(self, built):
        """{(phase, key): record} of one kp_events power run; console."""
        t = Target()
        t.start()
        try:
            t.run("insmod %s && insmod %s" % (RUNTIME_KO, EDU_KO),
                  check=True)
            start = os.path.getsize(t.console)
            # detached, and 2 s later: the shell and the agent must be
            # done with 9p, which is gone after the first cycle
            t.run("setsid sh -c 'sleep 2; exec %s power --dev %s "
                  "--state freeze --kmsg' </dev/null >/dev/null 2>&1 &"
                  % (EVENTS, EDU_DEV), timeout=60, check=True)
            end = time.monotonic() + 120
            recs, text = [], ""
            while time.monotonic() < end:
                recs, text = console_records(t.console, start)
                if any("done" in r for r in recs):
                    break
                time.sleep(0.5)
        finally:
            t.stop()
        out = {"console": text, "records": recs}
        for r in recs:
            if "done" in r:
                out["done"] = r
            elif "fd" in r:
                out[(r["phase"], r["fd"])] = r
            elif "kp_event" in r:
                out[(r["phase"], "kp_event")] = r["kp_event"]
            elif "cycles" in r:
                out[(r["phase"], "cycles")] = r
        return out

    def test_power_run_completes_and_resets_pm_test_to_none(self, power):
        assert power.get("done") == \
            {"done": 1, "error": 0, "pm_test_end": "none"}, \
            power["records"]

    @pytest.mark.parametrize("phase", ["notify", "swallow", "overflow"])
    def test_suspend_resume_with_pm_test_devices_succeeds(self, power,
                                                          phase):
        assert power[(phase, "cycles")]["state_errno"] == "OK"

    def test_user_gets_power_d3_then_d0_exactly_once_each(self, power):
        r = power[("notify", "plugin")]
        assert (r["actions"], r["seqs"], r["lost"], r["end"]) == \
            ([WD_POWER_CHANGED_D3, WD_POWER_CHANGED_D0], [1, 2], 0,
             "EAGAIN")

    def test_kp_event_runs_for_d3_and_d0(self, power):
        k = power[("notify", "kp_event")]
        assert (k["calls"], k["power_d3"], k["power_d0"], k["remove"],
                k["other"], k["notified"], k["last_action"]) == \
            (2, 1, 1, 0, 0, 2, WD_POWER_CHANGED_D0)

    def test_kp_event_false_queues_nothing_for_the_user(self, power):
        r = power[("swallow", "plugin")]
        assert (r["actions"], r["lost"], r["end"]) == ([], 0, "EAGAIN")

    def test_kp_event_false_is_still_called_for_each_event(self, power):
        k = power[("swallow", "kp_event")]
        assert (k["calls"], k["power_d3"], k["power_d0"], k["notified"]) \
            == (2, 1, 1, 0)

    def test_fd_without_plugin_open_gets_events_as_if_kp_event_true(
            self, power):
        r = power[("swallow", "bare")]
        assert (r["actions"], r["seqs"]) == \
            ([WD_POWER_CHANGED_D3, WD_POWER_CHANGED_D0], [1, 2])

    def test_full_queue_keeps_the_first_16_events_in_order(self, power):
        r = power[("overflow", "plugin")]
        assert (r["actions"], r["seqs"]) == \
            ([WD_POWER_CHANGED_D3, WD_POWER_CHANGED_D0] * (QUEUE_LEN // 2),
             list(range(1, QUEUE_LEN + 1)))

    def test_full_queue_counts_the_rest_as_lost(self, power):
        r = power[("overflow", "plugin")]
        assert (r["lost"], r["end"]) == \
            (2 * OVERFLOW_CYCLES - QUEUE_LEN, "EAGAIN")

    def test_kp_event_is_called_for_events_beyond_the_queue(self, power):
        k = power[("overflow", "kp_event")]
        assert (k["calls"], k["notified"]) == \
            (2 * OVERFLOW_CYCLES, 2 * OVERFLOW_CYCLES)

    def test_power_cycles_leave_no_bug_or_warning_in_the_log(self, power):
        assert dmesg_problems(power["console"]) == []
