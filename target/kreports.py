"""Kernel bug reports in a guest's console log.

The target's console (ttyS0) receives every kernel message the guest prints
at warning level or above, as it is printed, and lives on the host: it can be
read without asking the guest and survives a guest that hangs.  This module
finds the reports in it that mean a kernel bug, each with the lines that
follow it (the report's body and stack).

What counts (any kernel; the debug kernel's detectors produce most of them):
  BUG: ...             KASAN, "sleeping function called from invalid
                       context", "Invalid wait context", "scheduling while
                       atomic", NULL dereferences, soft lockups, ...
  WARNING: ...         lockdep ("possible circular locking dependency", ...),
                       WARN_ON() ("WARNING: CPU: 0 PID: 1 at file:line"),
                       "suspicious RCU usage", debugobjects (ODEBUG)
  kernel BUG at ...    BUG_ON()
  INFO: trying to register non-static key   (lockdep)
  INFO: task <comm>:<pid> blocked for more than N seconds   (hung task)
  Oops, general protection fault, UBSAN:
kmemleak's reports come from its debugfs file instead (see Target).
"""
import re

_TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")
_START = re.compile(
    r"^(BUG: |WARNING: |kernel BUG at |INFO: trying to register non-static key"
    r"|INFO: task \S+ blocked for more than "
    r"|Oops: |general protection fault|UBSAN: )")
# A report ends at the kernel's end marker, or after this many lines.
_END = re.compile(r"^(---\[ end trace|=+$)")
_MAX_LINES = 80


def message(line):
    """A console line without its timestamp."""
    return _TIMESTAMP.sub("", line.rstrip("\r\n"))


def is_start(msg):
    """True if message @msg (no timestamp) starts a bug report."""
    return bool(_START.match(msg))


def find(text):
    """The kernel bug reports in console text, as a list of strings.

    Each report is its first line and the lines after it, up to the kernel's
    end-of-report marker or the next report.
    """
    lines = text.splitlines()
    reports = []
    i = 0
    while i < len(lines):
        msg = message(lines[i])
        if not _START.match(msg):
            i += 1
            continue
        body = [lines[i].rstrip("\r")]
        j = i + 1
        while j < len(lines) and len(body) < _MAX_LINES:
            nxt = message(lines[j])
            if _START.match(nxt):
                break
            body.append(lines[j].rstrip("\r"))
            j += 1
            if _END.match(nxt) and len(body) > 2:
                break
        reports.append("\n".join(body))
        i = j
    return reports


def title(report):
    """The report's first message, without its timestamp."""
    return message(report.splitlines()[0])
