"""libkp's handle life under threads and fork(), with AddressSanitizer and
ThreadSanitizer, and its 32-bit build (tests/target/progs/kp_libkp, see its
header; the sanitizer builds compile libkp's sources into the program).

  close-from-handler  kp_close() on the handler thread (the old
                      use-after-free)
  close-during-wait   kp_close() while another thread sleeps in
                      kp_int_wait(): it returns stopped, and never touches
                      the fd of a handle opened right after
  fork-close          kp_close() in a forked child leaves the parent's
                      interrupts and plugin open (exact counts) and closes
                      the child's copy of the fd
  strerror-race       kp_strerror() against the handler thread's errors
  bar-map             (-m32 and 64-bit) kp_bar_map() and the mapped queue
                      at bar << 40: on edu, and on e1000e for BARs >= 1

Shared boot (`target`): kp_hostile binds edu, then e1000e for bar-map.
"""
import json
import os
import re
import subprocess

import pytest

from kptest import (dmesg_mark, dmesg_problems, dmesg_since, load,
                    show_figures, unload)

pytestmark = [pytest.mark.target, pytest.mark.hardening]

PROGS = "tests/target/progs/build"
RUNTIME_KO = "runtime/kernel/kp_runtime.ko"
HOSTILE_KO = "tests/target/plugins/kp_hostile/kp_hostile.ko"
DEV = "/dev/kp/hostile0"
E1000E = "vendor=0x8086 device=0x10d3"
TESTS = ["close-from-handler", "close-during-wait", "fork-close",
         "strerror-race"]
BUILDS = {
    "asan": "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23",
    "tsan": "TSAN_OPTIONS=halt_on_error=1:exitcode=66",
    "m32": "",
    "plain": "",
}
RESULTS = {}        # (build, test) -> its JSON, for the figures
SANITIZER_REPORT = re.compile(r"ERROR: AddressSanitizer|ERROR: "
                              r"LeakSanitizer|WARNING: ThreadSanitizer")


def prog(build):
    return "%s/%skp_libkp" % (PROGS, "" if build == "plain" else
                              build + "/")


@pytest.fixture(scope="module")
def hostile(target, repo):
    for d in ("runtime", "tests/target/plugins/kp_hostile",
              "tests/target/progs"):
        subprocess.run(["make", "-s", "-C", os.path.join(repo, d)],
                       check=True, stdout=subprocess.DEVNULL)
    loaded_runtime = load(target, RUNTIME_KO, "kp_runtime")
    load(target, HOSTILE_KO, "kp_hostile")
    yield target
    unload(target, "kp_hostile")
    if loaded_runtime:
        unload(target, "kp_runtime")


def have_m32(repo):
    return os.path.exists(os.path.join(repo, prog("m32")))


def run(target, build, test):
    mark = dmesg_mark(target)
    res = target.run("%s %s %s --dev %s 2>&1" % (BUILDS[build], prog(build),
                                                  test, DEV), timeout=300)
    lines = [ln for ln in res.out.splitlines() if ln.startswith("{")]
    out = json.loads(lines[-1]) if lines else {}
    return res, out, dmesg_since(target, mark)


@pytest.mark.parametrize("build", [
    pytest.param(b, marks=pytest.mark.extended) for b in ("asan", "tsan", "m32")
] + ["plain"])
@pytest.mark.parametrize("test", TESTS)
def test_libkp_handle_life(hostile, repo, build, test):
    if build == "m32" and not have_m32(repo):
        pytest.skip("no 32-bit toolchain: gcc -m32 cannot link (install "
                    "gcc-multilib: make deps)")
    res, out, dmesg = run(hostile, build, test)
    RESULTS[(build, test)] = out
    reports = SANITIZER_REPORT.findall(res.out)
    assert (reports, res.rc, out.get("ok"), out.get("why")) == \
        ([], 0, 1, ""), res.out[-4000:]
    assert dmesg_problems(dmesg) == []


def test_libkp_figures(hostile, repo, request):
    # the numbers the handle-life runs were about (ASan and TSan builds)
    def result(build, test):
        if (build, test) not in RESULTS:
            RESULTS[(build, test)] = run(hostile, build, test)[1]
        return RESULTS[(build, test)]
    close = result("asan", "close-during-wait")
    fork = result("asan", "fork-close")
    race = result("tsan", "strerror-race")
    show_figures(request, "libkp", {
        "close-during-wait new handle counters": close.get("new_counters"),
        "fork-close handler calls before/after the child's kp_close":
        "%s/%s" % (fork.get("before"), fork.get("after")),
        "strerror reads racing the handler": race.get("reads"),
        "torn": race.get("torn"),
        "sanitizer reports": 0 if all(
            o.get("ok") for o in (close, fork, race)) else "see the tests"})
    assert [close.get("ok"), fork.get("ok"), race.get("ok")] == [1, 1, 1]


# ---- 32-bit: kp_bar_map offsets --------------------------------------------

def e1000e_free(target):
    """The e1000e's BDF if no driver has it, else None."""
    res = target.run("for d in /sys/bus/pci/devices/*; do "
                     "[ $(cat $d/vendor):$(cat $d/device) = 0x8086:0x10d3 ] "
                     "&& { echo ${d##*/}; readlink $d/driver; }; done")
    lines = res.out.split()
    return lines[0] if len(lines) == 1 else None


@pytest.fixture(scope="module")
def e1000e(hostile):
    """kp_hostile bound to the e1000e instead (BARs 0, 1, 2 (I/O), 3
    (MSI-X)); edu again afterwards."""
    t = hostile
    if e1000e_free(t) is None:
        pytest.skip("the e1000e is bound to a driver in this guest")
    t.run("rmmod kp_hostile && insmod %s %s" % (HOSTILE_KO, E1000E),
          check=True)
    yield t
    t.run("rmmod kp_hostile && insmod %s" % HOSTILE_KO, check=True)


@pytest.mark.parametrize("build", ["m32", "plain"])
def test_bar_map_offsets_on_edu(hostile, repo, build):
    if build == "m32" and not have_m32(repo):
        pytest.skip("no 32-bit toolchain: gcc -m32 cannot link (install "
                    "gcc-multilib: make deps)")
    res, out, _ = run(hostile, build, "bar-map")
    assert (out.get("ok"), out.get("pointer_bits")) == \
        (1, 32 if build == "m32" else 64), res.out
    assert (out["bars"], out["queue_maps"]) == \
        ([{"bar": 0, "maps_offset": "0x0", "size": 1 << 20,
           "read_matches": 1}], [1, 1])


@pytest.mark.parametrize("build", ["m32", "plain"])
def test_bar_map_offsets_of_bars_above_0(e1000e, repo, build, request):
    if build == "m32" and not have_m32(repo):
        pytest.skip("no 32-bit toolchain: gcc -m32 cannot link (install "
                    "gcc-multilib: make deps)")
    res, out, _ = run(e1000e, build, "bar-map")
    assert out.get("ok") == 1, res.out
    bars = {b["bar"]: b for b in out["bars"]}
    # BAR n at n << 40, also with a 32-bit off_t ABI; BAR 3 holds the
    # MSI-X table and is never mapped whole
    assert {n: b.get("maps_offset", b.get("refused"))
            for n, b in bars.items()} == \
        {0: "0x0", 1: "0x10000000000", 3: "EPERM"}
    assert all(b.get("read_matches", 1) == 1 for b in bars.values())
    if build == "m32":
        show_figures(request, "libkp -m32 kp_bar_map", {
            "BAR offsets": {n: b.get("maps_offset", b.get("refused"))
                            for n, b in bars.items()},
            "queue pages": out["queue_maps"]})
