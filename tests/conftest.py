"""Shared fixtures: the QEMU target.

`target` is one boot shared by every test of the session (tests must leave
the guest as they found it: unload what they load).  `fresh_target` boots a
guest of its own, for tests that crash or reconfigure it.  Module-scoped
boots for hardening tests:
  `hotplug_target`      edu ("edu1") behind PCIe hot-plug port "rp1", a
                        second empty port "rp2": target.unplug("edu1"),
                        target.replug("edu", "edu1", "rp1")
  `shared_intx_target`  edu and QEMU's pci-serial on one INTx line (GSI 21)
  `module_boot(...)`    the same, shared by a module's tests
  `boot_target(append=[...], ...)`  a factory: Targets with other kernel
                        arguments (lockdown=integrity, intel_iommu=off,
                        threadirqs) or devices, stopped at the test's end
All of them boot the kernel `make test KERNEL=...` selected.

Kernel bug reports (BUG:, WARNING:, lockdep, KASAN, ...) printed while a
test runs fail that test, on every target and kernel; a test that provokes
one on purpose says so with @pytest.mark.kernel_report("regex").  On the
debug kernel, kmemleak's reports of objects allocated during a boot fail the
test that stops the boot (the last of the session for `target`).
"""
import os
import re
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "target"))

import kreports  # noqa: E402
from kptarget import Target  # noqa: E402

_STATS = {"boots": {}, "reports": 0, "leak_checks": 0, "leaks": 0,
          "expected": 0, "no_leak_check": 0}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "kernel_report(regex): this test provokes kernel reports "
        "whose first line matches regex; they are expected, not failures")


def _booted(t):
    """Accounts for a boot of @t; on the debug kernel, kmemleak's baseline."""
    _STATS["boots"].setdefault(t.kver, []).append(t.boot_seconds)
    if t.kernel == "debug" and not t.leak_baseline():
        _STATS["no_leak_check"] += 1
    return t


def _boot(**kwargs):
    return _booted(Target(**kwargs).start())


def _finish(t):
    """Stops @t after kmemleak's verdict on its boot (debug kernel)."""
    leaks = []
    try:
        if t.leak_accounting and t.qemu.poll() is None:
            leaks = t.check_leaks()
            _STATS["leak_checks"] += 1
            _STATS["leaks"] += len(leaks)
    finally:
        t.stop()
    return leaks


_SESSION = {}


@pytest.fixture(scope="session")
def target():
    t = _SESSION["target"] = _boot()
    yield t
    _finish(t)
    _fail_on_reports(None)


@pytest.fixture(scope="module", autouse=True)
def _session_target_alive(request):
    """Boots the session's guest again if a test module before this one
    left it dead (a panic, or a command that timed out): that module's
    tests failed; the rest of the session still gets a working guest."""
    t = _SESSION.get("target")
    if t is not None and t._started and not t.alive():
        _STATS["revived"] = _STATS.get("revived", 0) + 1
        sys.stderr.write("\ntarget: the shared guest died before %s; "
                         "booting it again\n" % request.node.nodeid)
        _booted(t.restart())
    yield


@pytest.fixture
def fresh_target():
    t = _boot()
    yield t
    _finish(t)


@pytest.fixture(scope="module")
def hotplug_target():
    t = _boot(hotplug=True)
    yield t
    _finish(t)
    _fail_on_reports(None)


@pytest.fixture(scope="module")
def shared_intx_target():
    t = _boot(shared_intx=True)
    yield t
    _finish(t)
    _fail_on_reports(None)


@pytest.fixture
def boot_target():
    """boot_target(append=[...], hotplug=..., ...) -> a started Target of
    this test's own; each is stopped (and leak-checked) when the test ends."""
    booted = []

    def boot(**kwargs):
        t = _boot(**kwargs)
        booted.append(t)
        return t
    yield boot
    for t in booted:
        _finish(t)


@pytest.fixture(scope="module")
def module_boot():
    """module_boot(append=[...], icount=..., ...) -> a started Target
    shared by the module's tests that ask for the same arguments; all are
    stopped (and leak-checked) after the module's last test."""
    booted = {}

    def boot(**kwargs):
        key = repr(sorted(kwargs.items()))
        if key not in booted:
            booted[key] = _boot(**kwargs)
        return booted[key]

    def release(**kwargs):
        """Stops the boot of these arguments now (an icount guest with
        sleep=off spins a host CPU even when idle)."""
        t = booted.pop(repr(sorted(kwargs.items())), None)
        if t is not None:
            _finish(t)
    boot.release = release
    yield boot
    for t in booted.values():
        _finish(t)
    _fail_on_reports(None)


@pytest.fixture(scope="session")
def repo():
    return REPO


def _fail_on_reports(node):
    """Fails with every kernel report no test has claimed yet, except those
    @node's kernel_report markers expect."""
    expected = []
    if node is not None:
        expected = [re.compile(m.args[0])
                    for m in node.iter_markers("kernel_report")]
    bad = []
    for t, r in Target.collect_reports():
        if any(e.search(kreports.title(r)) for e in expected):
            _STATS["expected"] += 1
            continue
        bad.append("--- %s (%s) ---\n%s" % (t.kver, t.kernel, r))
    _STATS["reports"] += len(bad)
    if bad:
        pytest.fail("the guest kernel reported %d problem(s):\n%s"
                    % (len(bad), "\n".join(bad)), pytrace=False)


@pytest.fixture(autouse=True)
def _kernel_reports(request):
    """Fails the test during which a guest kernel reported a bug."""
    yield
    _fail_on_reports(request.node)


def pytest_terminal_summary(terminalreporter):
    if not _STATS["boots"]:
        return
    tr = terminalreporter
    for kver, secs in sorted(_STATS["boots"].items()):
        tr.write_line("target: %s: %d boot(s), %.1f s median boot time"
                      % (kver, len(secs), sorted(secs)[len(secs) // 2]))
    line = ("target: kernel reports: %d (%d expected by the tests)"
            % (_STATS["reports"], _STATS["expected"]))
    if _STATS["leak_checks"]:
        line += "; kmemleak: %d new leak(s) in %d boot(s) checked" % (
            _STATS["leaks"], _STATS["leak_checks"])
    if _STATS["no_leak_check"]:
        line += " (%d boot(s) without kmemleak: lockdown)" % (
            _STATS["no_leak_check"])
    tr.write_line(line)
    if _STATS.get("revived"):
        tr.write_line("target: the shared guest died and was booted again "
                      "%d time(s)" % _STATS["revived"])
