"""Helpers shared by the target tests (importable as `kptest`)."""
import json
import os
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


def show_figures(request, title, figures):
    """Prints @figures ({name: value}) of a run on the terminal under
    @title, also when pytest captures the tests' output (`make test`)."""
    plugins = request.config.pluginmanager
    tr = plugins.getplugin("terminalreporter")
    capman = plugins.getplugin("capturemanager")
    text = "%s: %s" % (title, ", ".join("%s %s" % kv
                                        for kv in figures.items()))
    if tr is None or capman is None:
        print(text)
        return
    with capman.global_and_fixture_disabled():
        tr.write_line("")
        tr.write_line(text)


HOSTILE_COUNTERS = ("opens", "closes", "removes", "overlaps", "int_disables",
                    "dma_frees")


def hostile_counters(target):
    """kp_hostile's callback counters (its module parameters)."""
    res = target.run("cd /sys/module/kp_hostile/parameters && cat %s"
                     % " ".join(HOSTILE_COUNTERS), check=True)
    return dict(zip(HOSTILE_COUNTERS, map(int, res.out.split())))


def kp_leak_state(target):
    """What an fd, a session or an allocation left behind would change:
    {hostile_refcnt, runtime_refcnt, plugin_allocations, vmalloc_kp}."""
    res = target.run("cat /sys/module/kp_hostile/refcnt "
                     "/sys/module/kp_runtime/refcnt "
                     "/sys/class/kp/plugin_allocations; "
                     "grep -c '\\[kp_' /proc/vmallocinfo")
    keys = ("hostile_refcnt", "runtime_refcnt", "plugin_allocations",
            "vmalloc_kp")
    return dict(zip(keys, map(int, res.out.split())))


def run_tagged(target, body, timeout=300):
    """Runs the shell script @body in the guest as one command (each
    costs most of a second under TCG).  In it, "@@ TAG" lines precede a
    program's JSON line, and `mark TAG` writes "kpt-mark TAG" to the
    kernel log (set kernel.printk_devkmsg=on first, or marks are
    ratelimited).  Returns ({TAG: its last JSON line}, {TAG: the console
    lines after its mark}, the output).  Kernel messages come from the
    console, on the host: warnings and worse, without reading the whole
    log buffer as dmesg does."""
    start = os.path.getsize(target.console)
    res = target.run("mark() { echo \"kpt-mark $1\" > /dev/kmsg; }\n%s"
                     % body, timeout=timeout)
    out, tag = {}, None
    for ln in res.out.splitlines():
        if ln.startswith("@@ "):
            tag = ln[3:].strip()
        elif ln.startswith("{") and tag is not None:
            out[tag] = json.loads(ln)
    target.run("true")      # the console has caught up with the script
    with open(target.console, errors="replace") as f:
        f.seek(start)
        text = f.read()
    logs, tag = {"": ""}, ""
    for ln in text.splitlines():
        m = re.search(r"kpt-mark (\S+)", ln)
        if m:
            tag = m.group(1)
            logs.setdefault(tag, "")
        else:
            logs[tag] += ln + "\n"
    return out, logs, res.out
