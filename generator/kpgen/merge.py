"""Three-way merge of text files (diff3), in pure Python.

``merge3(yours, base, new)`` takes the user's file, the file as generated
from the old description and the file as generated from the new one, and
returns (merged text, number of conflicts).  Regions changed on one side
only take that side; regions changed identically on both sides take the
change once; anything else is a conflict, written with git-style diff3
markers.  Nothing is resolved silently.
"""
import difflib

MARKERS = ("<<<<<<< ", "||||||| ", "=======", ">>>>>>> ")


def _matches(base, other):
    """Base line index -> other line index, for lines difflib matched."""
    sm = difflib.SequenceMatcher(None, base, other, autojunk=False)
    out = {}
    for a, b, size in sm.get_matching_blocks():
        for n in range(size):
            out[a + n] = b + n
    return out


def _nl(lines):
    if lines and not lines[-1].endswith("\n"):
        return lines[:-1] + [lines[-1] + "\n"]
    return lines


def merge3(yours, base, new, labels=("yours", "base", "new")):
    a = yours.splitlines(keepends=True)
    o = base.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    ma, mb = _matches(o, a), _matches(o, b)
    out, conflicts = [], 0
    i = j = k = 0
    while True:
        # the next base line that both sides kept: a stable anchor
        i2 = i
        while i2 < len(o) and not (i2 in ma and i2 in mb):
            i2 += 1
        a_end = ma[i2] if i2 < len(o) else len(a)
        b_end = mb[i2] if i2 < len(o) else len(b)
        ca, co, cb = a[j:a_end], o[i:i2], b[k:b_end]
        if ca == co:
            out += cb
        elif cb == co or ca == cb:
            out += ca
        else:
            conflicts += 1
            out.append(MARKERS[0] + labels[0] + "\n")
            out += _nl(ca)
            out.append(MARKERS[1] + labels[1] + "\n")
            out += _nl(co)
            out.append(MARKERS[2] + "\n")
            out += _nl(cb)
            out.append(MARKERS[3] + labels[2] + "\n")
        if i2 >= len(o):
            break
        out.append(o[i2])
        i, j, k = i2 + 1, a_end + 1, b_end + 1
    return "".join(out), conflicts


def has_conflict_markers(text):
    """True when @text still holds markers of an unresolved merge."""
    lines = text.splitlines()
    starts = any(ln.startswith(MARKERS[0]) for ln in lines)
    ends = any(ln.startswith(MARKERS[3]) for ln in lines)
    return starts and ends
