"""Kernel code follows the kernel's coding style: checkpatch.pl (from
Debian's linux-source) reports nothing on the runtime, the plugins, the
test modules and the generated plugin code, except the exemptions below,
each of which the reference API or out-of-tree building forces."""
import glob
import os
import re
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

# file -> checkpatch types that are expected there, and why
EXEMPT = {
    # The reference's types must exist as written: BOOL/DWORD typedefs,
    # KP_INTERLOCKED is "volatile int", and __cdecl in function-pointer
    # typedefs confuses checkpatch's spacing parser.  KP_PLUGIN_INIT
    # defines module_init functions, whose "return" it reads as flow
    # control.
    "runtime/include/kp/kp_plugin.h": {"NEW_TYPEDEFS", "VOLATILE", "SPACING",
                                       "MACRO_WITH_FLOW_CONTROL"},
    # The reference's prototypes use its typedefs (KP_OPEN_CALL *, PVOID *),
    # which checkpatch cannot tell from multiplications.
    "runtime/include/kp/kp_callbacks.h": {"SPACING"},
    # The same in the callbacks kp_glue.h's macros define (WD_EVENT *).
    "runtime/include/kp/kp_glue.h": {"SPACING"},
    # The reference's code names MYDRV_STRUCT and MY_DRV_VERSION as types.
    "examples/reference/kp_reference.h": {"NEW_TYPEDEFS"},
    # An out-of-tree module builds for several kernels.
    "runtime/kernel/kp_compat.h": {"LINUX_VERSION_CODE",
                                   "CONSTANT_COMPARISON"},
}

# The reference's example callbacks, copied verbatim on purpose.
NOT_CHECKED = {"examples/reference/kp_reference.c"}

PATTERNS = [
    "runtime/kernel/*.[ch]", "runtime/include/kp/*.h",
    "runtime/include/uapi/linux/*.h", "examples/*/kernel/*.[ch]",
    "examples/*/*.h", "tests/target/kmod/*.c", "tests/target/plugins/*/*.[ch]",
    "bench/kmod/*.c", "examples/edu/*.c", "examples/edudma/*.c",
    "tests/target/serial/*.c",
    "tests/unit/golden/*/*_gen.[ch]", "tests/unit/golden/*/*_plugin.[ch]",
    "tests/unit/golden/*/*_calls.c",
    "tests/unit/golden/*/*_msgs.h", "tests/unit/golden/*/*_regs.h",
]


def kernel_files():
    files = set()
    for pat in PATTERNS:
        files.update(os.path.relpath(f, REPO)
                     for f in glob.glob(os.path.join(REPO, pat)))
    return sorted(f for f in files
                  if not f.endswith(".mod.c") and f not in NOT_CHECKED)


@pytest.fixture(scope="module")
def findings():
    files = kernel_files()
    # checkpatch takes ~0.2 s a file: one run per CPU, half the files each
    jobs = max(1, min(os.cpu_count() or 1, 4))
    runs = [subprocess.Popen([os.path.join(REPO, "scripts", "checkpatch.sh"),
                              *files[i::jobs]], cwd=REPO, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for i in range(jobs)]
    stdout = ""
    for run in runs:
        out, err = run.communicate()
        assert "Traceback" not in err and run.returncode in (0, 1), err
        stdout += out
    found = {f: [] for f in files}
    for line in stdout.splitlines():
        m = re.match(r"([^:]+):\d+: (?:WARNING|ERROR|CHECK):(\w+):", line)
        if m:
            found.setdefault(m.group(1), []).append((m.group(2), line))
    return found


@pytest.mark.parametrize("path", kernel_files())
def test_checkpatch_reports_nothing_unexpected(findings, path):
    allowed = EXEMPT.get(path, set())
    assert [line for kind, line in findings[path]
            if kind not in allowed] == []


def test_the_exempt_files_still_exist():
    for path in list(EXEMPT) + list(NOT_CHECKED):
        assert os.path.exists(os.path.join(REPO, path)), path
