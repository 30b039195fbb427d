"""The QEMU target harness: boots the Debian kernel with edu, runs commands,
reports failures and crashes, and loads modules the project builds."""
import os
import re
import subprocess

import pytest

from kptest import dmesg_problems, edu_bdf

pytestmark = pytest.mark.target

EDU_VENDOR = "0x1234"
SMOKE = "tests/target/kmod/kp_smoke.ko"


def test_guest_boots_the_discovered_debian_kernel(target, repo):
    kver = subprocess.run([os.path.join(repo, "scripts/kver.sh")],
                          capture_output=True, text=True, check=True).stdout
    assert target.run("uname -r").out.strip() == kver.strip()


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
    res = subprocess.run(["make", "-s", "-C", repo, "target-run",
                          "CMD=echo hello; exit 3"],
                         capture_output=True, text=True)
    assert res.returncode == 2  # make reports any failed recipe as 2
    assert "hello" in res.stdout


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
        if f.endswith((".md", ".json", ".txt")):
            continue
        with open(os.path.join(repo, f), errors="replace") as fh:
            if pat.search(fh.read()):
                hits.append(f)
    assert hits == []
