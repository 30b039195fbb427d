"""Helpers shared by the target tests (importable as `kptest`)."""
import json
import re

# What a clean kernel log must not contain.  Out-of-tree/unsigned module
# taint messages are expected for the project's own modules.
_DMESG_PROBLEMS = re.compile(
    r"BUG:|WARNING:|Oops|general protection|Call Trace|nobody cared|"
    r"Disabling IRQ|list_(add|del) corruption|refcount_t:|kmemleak|"
    r"UBSAN|KASAN|stack-protector|double free")


def dmesg_problems(text):
    """The lines of a kernel log that signal a bug, as a list."""
    return [line for line in text.splitlines() if _DMESG_PROBLEMS.search(line)]


def edu_bdf(target):
    """The PCI address of the (single) edu device in the guest."""
    res = target.run("grep -l 0x11e8 /sys/bus/pci/devices/*/device",
                     check=True)
    return res.out.strip().split("/")[-2]


def last_json(res):
    """The JSON object on the last line of a guest command's output."""
    lines = [ln for ln in res.out.splitlines() if ln.startswith("{")]
    assert lines, "no JSON output (rc %d):\n%s" % (res.rc, res.out)
    return json.loads(lines[-1])


def run_json(target, cmd, timeout=300):
    """Runs a guest program that prints one JSON line; returns it."""
    res = target.run(cmd, timeout=timeout)
    data = last_json(res)
    assert res.rc == 0, "%s failed (%d): %s" % (cmd, res.rc, res.out)
    return data


def dmesg_mark(target):
    """A mark for dmesg_since(): the number of kernel log lines now."""
    return int(target.run("dmesg | wc -l", check=True).out)


def dmesg_since(target, mark):
    out = target.run("dmesg", check=True).out
    return "\n".join(out.splitlines()[mark:])


def module_loaded(target, name):
    return target.run("test -d /sys/module/%s" % name).rc == 0


def load(target, ko, name):
    """insmod @ko unless module @name is loaded; True if it loaded it."""
    if module_loaded(target, name):
        return False
    target.run("insmod %s" % ko, check=True)
    return True


def unload(target, name):
    if module_loaded(target, name):
        target.run("rmmod %s" % name, check=True)
