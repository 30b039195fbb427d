"""Helpers shared by the target tests (importable as `kptest`)."""
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
