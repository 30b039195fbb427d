"""The QEMU target harness: boots the selected kernel with edu, runs
commands, reports failures, crashes and kernel bug reports, and loads modules
the project builds; hot-plug, shared INTx and kernel-argument boots."""
import os
import re
import shlex
import subprocess
import tempfile

import pytest

import kptarget
import kreports
from kptest import dmesg_problems, edu_bdf

pytestmark = [pytest.mark.target, pytest.mark.extended]

EDU_VENDOR = "0x1234"
SMOKE = "tests/target/kmod/kp_smoke.ko"
PROVOKE = "tests/target/kmod/kp_provoke.ko"


def kernel_field(repo, field):
    return subprocess.run([os.path.join(repo, "scripts/kernel.sh"), field],
                          capture_output=True, text=True,
                          check=True).stdout.strip()


def test_guest_boots_the_selected_kernel(target, repo):
    assert target.run("uname -r").out.strip() == kernel_field(repo, "kver")


def test_guest_kernel_has_the_selected_arguments(target, repo):
    cmdline = target.run("cat /proc/cmdline", check=True).out.split()
    for arg in kernel_field(repo, "append").split():
        assert arg in cmdline


def test_guest_modprobe_finds_the_kernels_own_modules(target):
    res = target.run("modprobe uio_pci_generic && "
                     "grep -c '^uio_pci_generic ' /proc/modules && "
                     "modprobe -r uio_pci_generic && "
                     "grep -c '^uio_pci_generic ' /proc/modules")
    assert res.out.split() == ["1", "0"]
    assert res.rc == 1  # the last grep counted 0


def test_guest_has_the_edu_device(target):
    bdf = edu_bdf(target)
    res = target.run("cat /sys/bus/pci/devices/%s/vendor" % bdf, check=True)
    assert res.out.strip() == EDU_VENDOR


def test_guest_has_an_iommu(target):
    res = target.run("ls /sys/class/iommu | wc -l", check=True)
    assert int(res.out) == 1


def test_command_status_and_output_come_back(target):
    res = target.run("echo out; echo err >&2; exit 7")
    assert res.rc == 7
    assert res.out == "out\nerr\n"


def test_share_is_writable_from_the_guest_and_seen_on_the_host(target):
    target.run('echo 42 > "$KP_SHARE/answer"', check=True)
    with open(os.path.join(target.share, "answer")) as f:
        assert f.read() == "42\n"


def test_smoke_module_binds_edu_and_unloads_cleanly(target):
    bdf = edu_bdf(target)
    target.run("dmesg -C", check=True)
    target.run("insmod %s" % SMOKE, check=True)
    bound = target.run("readlink /sys/bus/pci/devices/%s/driver" % bdf)
    edu_id = target.run("cat /sys/bus/pci/devices/%s/edu_id" % bdf)
    target.run("rmmod kp_smoke", check=True)
    after = target.run("test -e /sys/bus/pci/devices/%s/driver" % bdf)
    dmesg = target.run("dmesg").out
    assert bound.out.strip().endswith("/kp_smoke")
    # edu's id register: 0x010000ed (major 1, minor 0, 0xed)
    assert edu_id.out.strip() == "0x010000ed"
    assert after.rc == 1
    assert dmesg_problems(dmesg) == []


def test_qmp_lists_the_edu_device(target):
    buses = target.qmp("query-pci")
    ids = [(d["id"]["vendor"], d["id"]["device"])
           for b in buses for d in b["devices"]]
    assert (0x1234, 0x11e8) in ids


def test_target_run_exits_with_the_commands_status(repo):
    # CMD reaches the guest's bash verbatim: quotes, $ and ' included.
    res = subprocess.run(["make", "-s", "-C", repo, "target-run",
                          """CMD=echo "hello  'quoted'" $((6 * 7)); exit 3"""],
                         capture_output=True, text=True)
    assert res.returncode == 2  # make reports any failed recipe as 2
    assert res.stdout.splitlines()[-1] == "hello  'quoted' 42"


def test_target_run_passes_arguments_and_qemu_args_through(repo):
    # Several words after --: a program and its arguments, unchanged; and
    # KP_QEMU_ARGS is split like a shell would (the product name has
    # spaces).
    env = dict(os.environ, KP_QEMU_ARGS="-smbios 'type=1,product=kp quoted "
               "product'")
    res = subprocess.run(
        ["/usr/bin/python3", "target/run.py", "-q", "--", "sh", "-c",
         'cat /sys/class/dmi/id/product_name; printf "[%s]" "$@"', "sh",
         "a  b", "", "$HOME", "--", "it's"],
        cwd=repo, capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    assert res.stdout == "kp quoted product\n[a  b][][$HOME][--][it's]"


def test_target_run_fails_when_the_guest_panics(repo):
    res = subprocess.run(["/usr/bin/python3", "target/run.py", "--",
                          "echo c > /proc/sysrq-trigger"], cwd=repo,
                         capture_output=True, text=True)
    assert res.returncode == 125
    assert "Kernel panic - not syncing: sysrq triggered crash" in res.stderr


def test_target_run_direct_status_is_exact(repo):
    res = subprocess.run(["/usr/bin/python3", "target/run.py", "-q", "--",
                          "exit 42"], cwd=repo, capture_output=True,
                         text=True)
    assert res.returncode == 42


def test_no_kernel_version_is_hard_coded(repo):
    files = subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True,
                           text=True, check=True).stdout.split()
    pat = re.compile(r"\b\d+\.\d+\.\d+-\d+-amd64\b")
    hits = []
    for f in files:
        if f.endswith((".md", ".json", ".txt")) or \
                not os.path.isfile(os.path.join(repo, f)):
            continue  # docs, and files deleted but not yet committed
        with open(os.path.join(repo, f), errors="replace") as fh:
            if pat.search(fh.read()):
                hits.append(f)
    assert hits == []


def test_guest_sees_host_tmp_at_the_same_path_and_writes_stay_private(
        target):
    # A project under /tmp made after the boot, as a user would.
    with tempfile.TemporaryDirectory(prefix="kp-project-", dir="/tmp") as d:
        with open(os.path.join(d, "kpgen.yaml"), "w") as f:
            f.write("name: mydev\n")
        res = target.run("echo $KP_HOST_TMP; cat %s/kpgen.yaml && "
                         "echo guest > %s/out && cat %s/out"
                         % ((shlex.quote(d),) * 3))
        assert res.out == "overlay\nname: mydev\nguest\n"
        assert res.rc == 0
        assert not os.path.exists(os.path.join(d, "out"))


def test_initramfs_is_built_once_by_concurrent_callers(repo, tmp_path):
    # Two processes that find it missing at the same time each write a file
    # of their own and rename it into place: both succeed, one image stays.
    code = ("import sys; sys.path.insert(0, 'target'); import kptarget; "
            "i = kptarget.kernel_info(); "
            "print(kptarget.build_initramfs(i['kver'], i['moddir'], %r))"
            % str(tmp_path))
    procs = [subprocess.Popen(["/usr/bin/python3", "-c", code], cwd=repo,
                              stdout=subprocess.PIPE, text=True)
             for _ in range(4)]
    outs = [p.communicate()[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0] * 4
    assert len(set(outs)) == 1
    assert os.listdir(tmp_path) == [os.path.basename(outs[0])]
    listing = subprocess.run("gzip -dc %s | cpio -t --quiet" % outs[0],
                             shell=True, capture_output=True, text=True,
                             check=True).stdout.split()
    assert "init" in listing and "bin/busybox" in listing


# -- hardening support: hot-plug, shared INTx, kernel arguments ------------

def guest_pci_ids(t):
    res = t.run("cd /sys/bus/pci/devices && for d in *; do "
                "echo $d $(cat $d/vendor):$(cat $d/device); done", check=True)
    return dict(line.split() for line in res.out.splitlines())


def test_hotplug_unplug_and_replug_edu(hotplug_target):
    t = hotplug_target
    bdf = t.bdf_of("edu1")
    assert bdf.startswith("0000:01:")  # behind the root port, bus 1
    assert guest_pci_ids(t)[bdf] == "0x1234:0x11e8"
    t.run("insmod %s" % SMOKE, check=True)
    try:
        assert t.run("cat /sys/bus/pci/devices/%s/edu_id" % bdf,
                     check=True).out == "0x010000ed\n"
        # pciehp removes it from under the bound driver, then QEMU
        assert t.unplug("edu1") == bdf
        assert bdf not in guest_pci_ids(t)
        assert t.bdf_of("edu1") is None
        assert t.replug("edu", "edu1", "rp1") == bdf
        # a new device, probed again by the driver still loaded
        assert t.run("readlink /sys/bus/pci/devices/%s/driver; "
                     "cat /sys/bus/pci/devices/%s/edu_id" % (bdf, bdf),
                     check=True).out.split()[1] == "0x010000ed"
    finally:
        t.run("rmmod kp_smoke", check=True)


def test_hotplug_second_port_takes_a_second_device(hotplug_target):
    t = hotplug_target
    bdf = t.replug("edu", "edu2", "rp2")
    try:
        assert bdf.startswith("0000:02:")
        assert guest_pci_ids(t)[bdf] == "0x1234:0x11e8"
    finally:
        assert t.unplug("edu2") == bdf
    assert bdf not in guest_pci_ids(t)


def test_shared_intx_edu_and_pci_serial_share_one_line(shared_intx_target):
    t = shared_intx_target
    ids = {v: k for k, v in guest_pci_ids(t).items()}
    edu, serial = ids["0x1234:0x11e8"], ids["0x1b36:0x0002"]
    dev = "/sys/bus/pci/devices/"
    assert t.run("basename $(readlink %s%s/driver)" % (dev, serial),
                 check=True).out == "serial\n"
    tty = t.run("ls %s%s/tty" % (dev, serial), check=True).out.strip()
    # uio_pci_generic requests edu's INTx (IRQF_SHARED); an open tty makes
    # serial request the pci-serial's: both handlers on one IO-APIC line.
    res = t.run("modprobe uio_pci_generic && "
                "echo 1234 11e8 > /sys/bus/pci/drivers/uio_pci_generic/new_id"
                " && cat %s%s/irq %s%s/irq && "
                "{ sleep 30 </dev/%s & } && sleep 1 && "
                "grep -E \"^ *$(cat %s%s/irq):\" /proc/interrupts"
                % (dev, edu, dev, serial, tty, dev, edu))
    t.run("kill %%1 2>/dev/null; pkill -f 'sleep 30'; "
          "echo 1234 11e8 > /sys/bus/pci/drivers/uio_pci_generic/remove_id; "
          "echo %s > /sys/bus/pci/drivers/uio_pci_generic/unbind; "
          "modprobe -r uio_pci_generic" % edu)
    assert res.rc == 0, res.out
    edu_irq, serial_irq, line = res.out.splitlines()
    assert edu_irq == serial_irq == "21"
    assert line.split()[-2:] == ["uio_pci_generic,", tty]
    assert "IO-APIC" in line and "fasteoi" in line


def test_extra_kernel_arguments_and_runtime_lockdown(boot_target):
    t = boot_target(append=["lockdown=integrity", "kp_harness_test=1"])
    res = t.run("cat /proc/cmdline; cat /sys/kernel/security/lockdown; "
                "echo confidentiality > /sys/kernel/security/lockdown; "
                "cat /sys/kernel/security/lockdown", check=True)
    cmdline, before, after = res.out.splitlines()
    assert "lockdown=integrity" in cmdline.split()
    assert "kp_harness_test=1" in cmdline.split()
    assert before == "none [integrity] confidentiality"
    assert after == "none integrity [confidentiality]"


# -- kernel bug reports ----------------------------------------------------

def test_reports_are_found_in_console_text():
    text = "\n".join([
        "[    1.0] pci 0000:00:01.0: [1234:11e8] type 00",
        "[    2.1] ==================================================",
        "[    2.2] BUG: KASAN: slab-out-of-bounds in f+0x10/0x20 [m]",
        "[    2.3] Read of size 8 at addr ffff888004a1c010 by task insmod",
        "[    2.4] ==================================================",
        "[    3.0] kp_edu 0000:00:01.0: probed",
        "[    4.0] ======================================================",
        "[    4.1] WARNING: possible circular locking dependency detected",
        "[    4.2] 6.1.0 #1 Tainted: G           O",
        "[    5.0] kernel BUG at drivers/x.c:10!",
        "[    6.0] INFO: task rmmod:131 blocked for more than 30 seconds.",
        "[    6.1]       Not tainted 6.1.0 #1",
    ])
    found = kreports.find(text)
    assert [kreports.title(r) for r in found] == [
        "BUG: KASAN: slab-out-of-bounds in f+0x10/0x20 [m]",
        "WARNING: possible circular locking dependency detected",
        "kernel BUG at drivers/x.c:10!",
        "INFO: task rmmod:131 blocked for more than 30 seconds."]
    assert found[0].count("\n") == 2  # up to the closing rule


PROVOKED = {
    # bug -> the first line of the report it must produce
    "warn": r"^WARNING: CPU: \d+ PID: \d+ at .*kp_provoke\.c:\d+ ",
    "kasan": r"^BUG: KASAN: slab-out-of-bounds in provoke_kasan",
    "sleep": r"^BUG: sleeping function called from invalid context",
    "lockdep": r"^WARNING: possible circular locking dependency detected",
}


def test_kernel_bug_reports_reach_the_harness(boot_target):
    t = boot_target()
    debug = t.kernel == "debug"
    # Detectors other kernels lack; lockdep first: its first report, or a
    # KASAN report's taint, turns it off for the rest of the boot.
    bugs = ["lockdep", "warn", "sleep", "kasan"] if debug else ["warn"]
    assert t.take_reports() == []  # a clean boot
    for bug in bugs:
        t.run("insmod %s bug=%s && rmmod kp_provoke" % (PROVOKE, bug),
              check=True)
        found = [kreports.title(r) for r in t.take_reports()]
        assert len(found) == 1 and re.match(PROVOKED[bug], found[0]), \
            (bug, found)


@pytest.mark.kernel_report(r"^INFO: task insmod:\d+ blocked for more than")
def test_a_task_stuck_in_d_state_is_a_kernel_report(boot_target):
    t = boot_target()
    t.run("echo 1 > /proc/sys/kernel/hung_task_timeout_secs", check=True)
    t.run("insmod %s bug=hang hang_ms=%d && rmmod kp_provoke"
          % (PROVOKE, 4000 * t.timeout_scale), check=True)
    found = [kreports.title(r) for r in t.take_reports()]
    # one report per check (every second) while the task stays blocked
    assert found and all(re.match(r"^INFO: task insmod:\d+ blocked for "
                                  r"more than \d+ seconds\.$", f)
                         for f in found), found
    assert found[0].endswith(" 1 seconds."), found


def test_a_command_that_times_out_stops_the_guest_with_its_blocked_tasks(
        boot_target):
    t = boot_target()
    with pytest.raises(kptarget.TargetError) as e:
        t.run("insmod %s bug=hang hang_ms=60000" % PROVOKE, timeout=4)
    assert "did not finish within" in str(e.value)
    assert not t.alive()
    with open(t.console, errors="replace") as f:
        console = f.read()
    # sysrq w: the stuck insmod with its stack, for the test's failure
    dump = console[console.index("sysrq: Show Blocked State"):]
    assert re.search(r"task:insmod\s+state:D", dump), dump[-3000:]
    assert "msleep" in dump
    t.restart()
    assert t.alive() and t.run("echo back").out == "back\n"


def selected_kernel():
    try:
        return kptarget.kernel_info()["kernel"]
    except kptarget.TargetError:
        return None


@pytest.mark.skipif(selected_kernel() != "debug",
                    reason="kmemleak is only in the debug kernel "
                    "(KERNEL=debug)")
def test_kmemleak_reports_a_leak_made_after_the_baseline(boot_target):
    t = boot_target()
    # boot_target took the baseline: nothing from before counts.  The
    # module stays loaded so that the backtrace names it.
    t.run("insmod %s bug=leak alloc_size=123" % PROVOKE, check=True)
    leaks = t.check_leaks()
    t.run("rmmod kp_provoke", check=True)
    assert len(leaks) == 1, leaks
    assert re.search(r"\(size 12[38]\)", leaks[0])  # the 123 bytes
    assert "6b 6b 6b 6b" in leaks[0]  # its contents
    assert "leak_one+" in leaks[0]  # allocated there
    assert t.take_reports() == leaks  # ... and they would fail the test
