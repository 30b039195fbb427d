"""The device description format, defined once.

The structures below are used twice:

* ``load(text, filename)`` walks the YAML node tree with them and returns
  the validated description (``Obj``/``Seq`` values that remember the line
  of every key), raising ``KpgenError`` with file, line, field path and
  what was expected on the first problem;
* ``kpgen.docs`` renders them, with their rule texts, as
  docs/description-format.md.

So a new key, type or rule added here is validated and documented at once.
"""
import re

import yaml

from kpgen import FORMAT_VERSION
from kpgen.errors import KpgenError
from kpgen.yamlsrc import compose, kind, line_of

# Limits shared with the runtime (runtime/include/uapi/linux/kp.h).
KP_DRIVER_NAME_LEN = 12          # cDriverName with its NUL
KP_MAX_DATA_SIZE = 1 << 20       # KP_Call data
KP_MAX_TRANS_CMDS = 64
KP_MAX_VECTORS = 32
MAX_MESSAGES = 256
MAX_REGISTERS = 1024

# C keywords (C11 + GNU) and identifiers that are object-like macros in
# the kernel, glibc or GCC's GNU mode, so they cannot name a struct member,
# a function or a variable in the generated code.
C_KEYWORDS = frozenset("""
    auto break case char const continue default do double else enum extern
    float for goto if inline int long register restrict return short signed
    sizeof static struct switch typedef union unsigned void volatile while
    _Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn
    _Static_assert _Thread_local asm typeof __asm__ __typeof__ __inline__
    __attribute__ __extension__ __restrict__ __volatile__
    """.split())
RESERVED_NAMES = frozenset("""
    current linux unix i386 errno stdin stdout stderr NULL bool true false
    """.split())

IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
INT_RE = re.compile(r"^[-+]?(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|"
                    r"0|[1-9][0-9_]*)$")
BITS_RE = re.compile(r"^\s*([0-9]+)\s*(?::\s*([0-9]+)\s*)?$")

NULL_TAG = "tag:yaml.org,2002:null"


class Obj(dict):
    """A validated mapping: keys as attributes, plus where they came from.

    ``_line`` is the line of the mapping, ``_lines[key]`` the line of each
    key's value, ``_path`` the dotted field path (``bars[0].registers[1]``).
    """

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def line(self, key=None):
        if key is None:
            return self._line
        return self._lines.get(key, self._line)

    def path(self, key=None):
        if key is None:
            return self._path
        return join(self._path, key)


class Seq(list):
    """A validated list with the line of each item."""

    def line(self, index=None):
        if index is None:
            return self._line
        return self._lines[index]


def join(path, key):
    if isinstance(key, int):
        return "%s[%d]" % (path, key)
    return "%s.%s" % (path, key) if path else key


class Ctx:
    def __init__(self, filename):
        self.filename = filename

    def fail(self, line, field, message):
        raise KpgenError(message, self.filename, line, field or "(document)")


def fmt_int(value, hexa=True):
    if isinstance(value, bool) or not isinstance(value, int):
        return str(value)
    if hexa and value >= 10:
        return "0x%x" % value
    return str(value)


# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------
class Type:
    """Base of the value types; ``describe()`` is what docs and errors
    say is expected."""

    def load(self, node, path, ctx):  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def expect(self, node, path, ctx):
        ctx.fail(line_of(node), path, "expected %s, got %s"
                 % (self.describe(), kind(node)))

    def scalar(self, node, path, ctx):
        if not isinstance(node, yaml.ScalarNode) or node.tag == NULL_TAG:
            self.expect(node, path, ctx)
        return node.value


class Int(Type):
    def __init__(self, lo, hi, hexa=True, pow2=False):
        self.lo, self.hi, self.hexa, self.pow2 = lo, hi, hexa, pow2

    def describe(self):
        text = "an integer %s..%s" % (fmt_int(self.lo, self.hexa),
                                      fmt_int(self.hi, self.hexa))
        if self.pow2:
            text += ", a power of two"
        return text

    def load(self, node, path, ctx):
        raw = self.scalar(node, path, ctx)
        if node.style is not None or not INT_RE.match(raw):
            if re.match(r"^0[0-9]+$", raw):
                ctx.fail(line_of(node), path, "expected %s, got %r (a "
                         "leading 0 is ambiguous: write 0o%s for octal or "
                         "drop the 0)" % (self.describe(), raw,
                                          raw.lstrip("0")))
            self.expect(node, path, ctx)
        value = int(raw.replace("_", ""), 0)
        if not self.lo <= value <= self.hi:
            ctx.fail(line_of(node), path, "%s is out of range: expected %s"
                     % (raw, self.describe()))
        if self.pow2 and value & (value - 1):
            ctx.fail(line_of(node), path, "%s is not a power of two: "
                     "expected %s" % (raw, self.describe()))
        return value


class Choice(Type):
    def __init__(self, *choices):
        self.choices = choices

    def describe(self):
        names = [str(c) for c in self.choices]
        if len(names) == 1:
            return "`%s`" % names[0]
        return "one of " + ", ".join("`%s`" % n for n in names)

    def load(self, node, path, ctx):
        raw = self.scalar(node, path, ctx)
        for choice in self.choices:
            if raw == str(choice):
                return choice
        self.expect(node, path, ctx)


class Ident(Type):
    """A C identifier that is not a C keyword or a reserved name."""

    def __init__(self, max_len=31):
        self.max_len = max_len

    def describe(self):
        return ("a C identifier ([A-Za-z_][A-Za-z0-9_]*, at most %d "
                "characters, not a C keyword)" % self.max_len)

    def load(self, node, path, ctx):
        raw = self.scalar(node, path, ctx)
        if not IDENT_RE.match(raw):
            ctx.fail(line_of(node), path, "%r is not a C identifier: "
                     "expected %s" % (raw, self.describe()))
        if len(raw) > self.max_len:
            ctx.fail(line_of(node), path, "%r is %d characters long: "
                     "expected at most %d" % (raw, len(raw), self.max_len))
        if raw in C_KEYWORDS:
            ctx.fail(line_of(node), path, "%r is a C keyword: expected "
                     "%s" % (raw, self.describe()))
        if raw in RESERVED_NAMES:
            ctx.fail(line_of(node), path, "%r is a macro or type name in "
                     "the kernel or C library: choose another name" % raw)
        return raw


class Text(Type):
    def __init__(self, pattern=None, what=None, max_len=4096):
        self.pattern = re.compile(pattern) if pattern else None
        self.what = what
        self.max_len = max_len

    def describe(self):
        return self.what or "a text"

    def load(self, node, path, ctx):
        raw = self.scalar(node, path, ctx)
        if self.pattern and not self.pattern.match(raw):
            ctx.fail(line_of(node), path, "%r is not valid: expected %s"
                     % (raw, self.describe()))
        if len(raw) > self.max_len:
            ctx.fail(line_of(node), path, "text of %d characters is too "
                     "long: at most %d" % (len(raw), self.max_len))
        return raw


class BitRange(Type):
    """``N`` (one bit) or ``"MSB:LSB"``; loaded as (msb, lsb)."""

    def describe(self):
        return 'a bit number `N` or a quoted range `"MSB:LSB"`'

    def load(self, node, path, ctx):
        raw = self.scalar(node, path, ctx)
        m = BITS_RE.match(raw)
        if not m:
            self.expect(node, path, ctx)
        msb = int(m.group(1))
        lsb = int(m.group(2)) if m.group(2) is not None else msb
        if msb < lsb:
            ctx.fail(line_of(node), path, "bit range %r has MSB < LSB: "
                     "expected %s" % (raw, self.describe()))
        return (msb, lsb)


class IntOrWord(Type):
    """An integer, or one keyword (``value: read``)."""

    def __init__(self, word, integer):
        self.word, self.integer = word, integer

    def describe(self):
        return "%s or `%s`" % (self.integer.describe(), self.word)

    def load(self, node, path, ctx):
        raw = self.scalar(node, path, ctx)
        if raw == self.word:
            return raw
        if not INT_RE.match(raw):
            self.expect(node, path, ctx)
        return self.integer.load(node, path, ctx)


class ListOf(Type):
    def __init__(self, item, max_len=None, unique=(), casefold=False,
                 min_len=0):
        self.item = item
        self.max_len, self.min_len = max_len, min_len
        self.unique = unique        # item keys (or "." for the items)
        self.casefold = casefold

    def describe(self):
        what = "a list of %s" % (self.item.ref() if isinstance(self.item, Map)
                                 else self.item.describe())
        if self.max_len is not None:
            what += " (at most %d)" % self.max_len
        return what

    def load(self, node, path, ctx):
        if isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG \
                and node.value in ("", "~"):
            out = Seq()     # `key:` with nothing after it: an empty list
            out._line, out._lines, out._path = line_of(node), [], path
            return out
        if not isinstance(node, yaml.SequenceNode):
            self.expect(node, path, ctx)
        if self.max_len is not None and len(node.value) > self.max_len:
            ctx.fail(line_of(node.value[self.max_len]),
                     join(path, self.max_len), "too many items (%d): "
                     "expected at most %d" % (len(node.value), self.max_len))
        if len(node.value) < self.min_len:
            ctx.fail(line_of(node), path, "expected at least %d item(s)"
                     % self.min_len)
        out = Seq()
        out._line, out._lines, out._path = line_of(node), [], path
        seen = {key: {} for key in self.unique}
        for i, sub in enumerate(node.value):
            value = self.item.load(sub, join(path, i), ctx)
            for key in self.unique:
                if key == ".":
                    v, vline, vpath = value, line_of(sub), join(path, i)
                else:
                    v = value.get(key)
                    if v is None:
                        continue
                    vline, vpath = value.line(key), value.path(key)
                k = v.lower() if self.casefold and isinstance(v, str) else v
                if k in seen[key]:
                    first, first_line = seen[key][k]
                    what = "entry" if key == "." else key
                    shown = fmt_int(v) if isinstance(v, int) else repr(v)
                    note = ""
                    if first != v:
                        note = (" - names are compared ignoring case, "
                                "they become upper-case macros")
                    ctx.fail(vline, vpath, "duplicate %s %s (first at "
                             "line %d)%s" % (what, shown, first_line, note))
                seen[key][k] = (v, vline)
            out.append(value)
            out._lines.append(line_of(sub))
        return out


class Field:
    def __init__(self, key, type_, doc, required=False, default=None,
                 example=None):
        self.key, self.type = key, type_
        self.doc = doc
        self.required = required
        self.default = default
        self.example = example


class Check:
    """A rule over a whole mapping; ``doc`` goes into the format doc."""

    def __init__(self, doc, fn=None):
        self.doc, self.fn = doc, fn     # doc None: not documented here


class Map(Type):
    def __init__(self, title, anchor, doc, fields, checks=()):
        self.title, self.anchor, self.doc = title, anchor, doc
        self.fields = fields
        self.by_key = {f.key: f for f in fields}
        self.checks = list(checks)

    def ref(self):
        return "[%s](#%s)" % (self.title, self.anchor)

    def describe(self):
        return "a mapping (%s)" % self.title

    def load(self, node, path, ctx):
        if not isinstance(node, yaml.MappingNode):
            self.expect(node, path, ctx)
        out = Obj()
        out._line, out._lines, out._path = line_of(node), {}, path
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                ctx.fail(line_of(knode), path, "keys must be plain words")
            key = knode.value
            field = self.by_key.get(key)
            if field is None:
                ctx.fail(line_of(knode), join(path, key), "unknown key %r "
                         "in %s: expected one of %s" % (
                             key, self.title,
                             ", ".join(f.key for f in self.fields)))
            if key in out._lines:
                ctx.fail(line_of(knode), join(path, key), "duplicate key "
                         "%r (first at line %d)" % (key, out._lines[key]))
            out[key] = field.type.load(vnode, join(path, key), ctx)
            out._lines[key] = line_of(vnode)
        for field in self.fields:
            if field.key in out:
                continue
            if field.required:
                ctx.fail(out._line, join(path, field.key), "missing "
                         "required key %r in %s: expected %s"
                         % (field.key, self.title, field.type.describe()))
            default = field.default
            if isinstance(field.type, ListOf) and default is None:
                default = Seq()
                default._line, default._lines = out._line, []
                default._path = join(path, field.key)
            elif isinstance(default, list):
                default = list(default)
            out[field.key] = default
        for check in self.checks:
            if check.fn is not None:
                check.fn(out, ctx)
        return out


# ---------------------------------------------------------------------------
# Rules that span several keys
# ---------------------------------------------------------------------------
def _check_name(d, ctx):
    if d.name[-1].isdigit():
        ctx.fail(d.line("name"), "name", "%r ends with a digit: the device "
                 "nodes are /dev/kp/<name><index>, so a final digit would "
                 "be ambiguous" % d.name)


def _check_bitfields(reg, ctx):
    width = reg.width
    used = {}
    for i, bf in enumerate(reg.fields):
        msb, lsb = bf.bits
        if msb >= width:
            ctx.fail(bf.line("bits"), bf.path("bits"), "bit %d is outside "
                     "the %d-bit register %r: expected bits 0..%d"
                     % (msb, width, reg.name, width - 1))
        for bit in range(lsb, msb + 1):
            if bit in used:
                ctx.fail(bf.line("bits"), bf.path("bits"), "bit %d of %r "
                         "is already used by field %r" % (bit, reg.name,
                                                          used[bit]))
            used[bit] = bf.name


def _check_bar(bar, ctx):
    if bar.type == "io" and bar.size is not None and bar.size > 0x10000:
        ctx.fail(bar.line("size"), bar.path("size"), "an I/O BAR is at "
                 "most 0x10000 bytes")
    spans = []
    for reg in bar.registers:
        nbytes = reg.width // 8
        if reg.width == 64 and bar.type == "io":
            ctx.fail(reg.line("width"), reg.path("width"), "64-bit "
                     "registers need a memory BAR: BAR%d %r is an I/O BAR"
                     % (bar.index, bar.name))
        if reg.offset % nbytes:
            ctx.fail(reg.line("offset"), reg.path("offset"), "offset %s "
                     "is not aligned to the register width (%d bytes)"
                     % (fmt_int(reg.offset), nbytes))
        if bar.size is not None and reg.offset + nbytes > bar.size:
            ctx.fail(reg.line("offset"), reg.path("offset"), "register %r "
                     "(offset %s, %d bytes) is outside BAR%d %r of size %s"
                     % (reg.name, fmt_int(reg.offset), nbytes, bar.index,
                        bar.name, fmt_int(bar.size)))
        limit = 0x10000 if bar.type == "io" else 1 << 32
        if reg.offset + nbytes > limit:
            ctx.fail(reg.line("offset"), reg.path("offset"), "offset %s is "
                     "beyond what a%s BAR can hold (%s bytes)"
                     % (fmt_int(reg.offset), "n I/O" if bar.type == "io"
                        else " memory", fmt_int(limit)))
        for other, lo, hi in spans:
            if reg.offset < hi and lo < reg.offset + nbytes:
                ctx.fail(reg.line("offset"), reg.path("offset"), "register "
                         "%r (%s..%s) overlaps register %r (%s..%s) at "
                         "line %d" % (reg.name, fmt_int(reg.offset),
                                      fmt_int(reg.offset + nbytes - 1),
                                      other.name, fmt_int(lo),
                                      fmt_int(hi - 1), other.line()))
        spans.append((reg, reg.offset, reg.offset + nbytes))


def _all_registers(d):
    for bar in d.bars:
        for reg in bar.registers:
            yield bar, reg


def _check_registers(d, ctx):
    seen = {}
    for _bar, reg in _all_registers(d):
        key = reg.name.lower()
        if key in seen:
            ctx.fail(reg.line("name"), reg.path("name"), "duplicate "
                     "register name %r (first at line %d) - register names "
                     "are unique across all BARs, ignoring case"
                     % (reg.name, seen[key]))
        seen[key] = reg.line("name")
    total = sum(len(b.registers) for b in d.bars)
    if total > MAX_REGISTERS:
        ctx.fail(d.line("bars"), "bars", "%d registers: at most %d are "
                 "supported" % (total, MAX_REGISTERS))


def _check_step(step, ctx):
    has_read = step.read is not None
    has_write = step.write is not None
    if has_read == has_write:
        ctx.fail(step.line(), step.path(), "a step has exactly one of "
                 "`read: REGISTER` or `write: REGISTER`")
    if has_read and step.value is not None:
        ctx.fail(step.line("value"), step.path("value"), "a read step has "
                 "no value (only `mask`)")
    if has_write and step.value is None:
        ctx.fail(step.line(), step.path("value"), "a write step needs "
                 "`value`: an integer, or `read` for the value of the last "
                 "read step")


def _check_interrupts(d, ctx):
    irq = d.interrupts
    if irq is None:
        return
    regs = {reg.name: (bar, reg) for bar, reg in _all_registers(d)}
    if irq.mode == "legacy" and irq.vectors != 1:
        ctx.fail(irq.line("vectors"), irq.path("vectors"), "legacy (INTx) "
                 "interrupts have exactly one vector: expected 1")
    if irq.prefer and irq.mode != "auto":
        ctx.fail(irq.line("prefer"), irq.path("prefer"), "`prefer` orders "
                 "the modes that `mode: auto` tries; with mode %r remove it"
                 % irq.mode)
    if irq.mode == "none" and (irq.acknowledge or irq["raise"]):
        key = "acknowledge" if irq.acknowledge else "raise"
        ctx.fail(irq.line(key), irq.path(key), "mode is `none`: there is "
                 "no interrupt to acknowledge or raise")
    for key in ("acknowledge", "raise"):
        read_seen = False
        for step in irq[key]:
            name = step.read if step.read is not None else step.write
            rkey = "read" if step.read is not None else "write"
            if name not in regs:
                ctx.fail(step.line(rkey), step.path(rkey), "no register "
                         "named %r: expected one of the registers of "
                         "`bars` (%s)" % (name, ", ".join(regs) or "none"))
            _bar, reg = regs[name]
            if rkey == "read" and reg.access == "wo":
                ctx.fail(step.line(rkey), step.path(rkey), "register %r is "
                         "write-only and cannot be read" % name)
            if rkey == "write" and reg.access == "ro":
                ctx.fail(step.line(rkey), step.path(rkey), "register %r is "
                         "read-only and cannot be written" % name)
            if key == "raise" and rkey == "read":
                ctx.fail(step.line(rkey), step.path(rkey), "`raise` only "
                         "writes registers")
            full = (1 << reg.width) - 1
            for vkey in ("value", "mask"):
                v = step[vkey]
                if isinstance(v, int) and v > full:
                    ctx.fail(step.line(vkey), step.path(vkey), "%s does "
                             "not fit the %d-bit register %r" %
                             (fmt_int(v), reg.width, name))
            if step.value == "read":
                if key == "raise":
                    ctx.fail(step.line("value"), step.path("value"),
                             "`value: read` is for acknowledge steps")
                if not read_seen:
                    ctx.fail(step.line("value"), step.path("value"),
                             "`value: read` needs an earlier read step")
            read_seen = read_seen or rkey == "read"


TYPE_SIZES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8,
              "s8": 1, "s16": 2, "s32": 4, "s64": 8, "char": 1}


def payload_layout(msg):
    """(size, [(kind, name_or_padsize, field)]) with explicit padding.

    Fields are laid out in order, input fields first, each aligned to its
    type's size; ``pad`` entries fill every gap, and the struct is padded
    to its largest alignment, so its layout is the same for every
    compiler and the kernel and user space agree on it.
    """
    items, offset, align = [], 0, 1
    for f in list(msg.input) + list(msg.output):
        size = TYPE_SIZES[f.type]
        align = max(align, size)
        if offset % size:
            pad = size - offset % size
            items.append(("pad", pad, offset))
            offset += pad
        items.append(("field", f, offset))
        offset += size * (f.count or 1)
    if offset % align:
        pad = align - offset % align
        items.append(("pad", pad, offset))
        offset += pad
    return offset, items


def _check_message(msg, ctx):
    seen = {}
    for key in ("input", "output"):
        for f in msg[key]:
            if f.name in seen:
                ctx.fail(f.line("name"), f.path("name"), "duplicate field "
                         "name %r (first at line %d) - input and output "
                         "fields share one struct" % (f.name, seen[f.name]))
            seen[f.name] = f.line("name")
            if f.type == "char" and f.count is None:
                ctx.fail(f.line("type"), f.path("type"), "type `char` is "
                         "for strings: give `count`, the array length "
                         "including the NUL")
    size, _ = payload_layout(msg)
    if size > KP_MAX_DATA_SIZE:
        ctx.fail(msg.line(), msg.path(), "payload of message %r is %d "
                 "bytes: expected at most %d (KP_MAX_DATA_SIZE)"
                 % (msg.name, size, KP_MAX_DATA_SIZE))


def _assign_message_ids(d, ctx):
    seen = {}
    next_id = 1
    for msg in d.messages:
        if msg.id is None:
            msg["id"] = next_id
            msg._lines["id"] = msg.line("name")
        if msg.id in seen:
            ctx.fail(msg.line("id"), msg.path("id"), "duplicate message id "
                     "%d (also used by %r at line %d)"
                     % (msg.id, seen[msg.id][0], seen[msg.id][1]))
        seen[msg.id] = (msg.name, msg.line("id"))
        next_id = msg.id + 1


# ---------------------------------------------------------------------------
# The format
# ---------------------------------------------------------------------------
BIT_FIELD = Map(
    "bit field", "bit-field",
    "A named group of bits of a register.  Generates `<NAME>_<REG>_<FIELD>` "
    "mask and `..._SHIFT` macros in `<name>_regs.h`.",
    [
        Field("name", Ident(), "Field name.", required=True,
              example="busy"),
        Field("bits", BitRange(), "The bit, or the inclusive range "
              "`\"MSB:LSB\"` (quote it: unquoted `7:4` is a YAML 1.1 "
              "base-60 number).", required=True, example='"7:4"'),
        Field("description", Text(), "Free text, copied into comments.",
              default=""),
    ])

REGISTER = Map(
    "register", "register",
    "A register of a BAR.  Generates `<NAME>_REG_<REG>` (offset) in "
    "`<name>_regs.h`, and in the plugin `static inline` accessors "
    "`<name>_read_<reg>(HANDLE hWD)` (unless write-only) and "
    "`<name>_write_<reg>(HANDLE hWD, val)` (unless read-only).  The "
    "diagnostics app reads and writes it by name.",
    [
        Field("name", Ident(), "Register name, unique across all BARs "
              "(ignoring case).", required=True, example="status"),
        Field("offset", Int(0, 0xffffffff), "Byte offset in the BAR, "
              "aligned to the width.", required=True, example="0x20"),
        Field("width", Choice(8, 16, 32, 64), "Width in bits.",
              default=32, example="32"),
        Field("access", Choice("ro", "wo", "rw"), "Read-only, write-only "
              "or read-write.", default="rw", example="rw"),
        Field("description", Text(), "Free text, copied into comments.",
              default=""),
        Field("fields", ListOf(BIT_FIELD, unique=("name",), casefold=True),
              "Bit fields.", default=None),
    ],
    [Check("Bit fields lie inside the register and do not overlap.",
           _check_bitfields)])

BAR = Map(
    "BAR", "bar",
    "A base address register the plugin uses.  The runtime maps every "
    "present BAR; the generated KP_Open fails when a described BAR is "
    "missing or smaller than `size`.",
    [
        Field("index", Int(0, 5, hexa=False), "BAR number.", required=True,
              example="0"),
        Field("name", Ident(), "Name, for `<NAME>_BAR_<BAR>`.",
              required=True, example="mmio"),
        Field("type", Choice("mem", "io"), "Memory or I/O port BAR.",
              required=True, example="mem"),
        Field("size", Int(1, 1 << 40, pow2=True), "Minimum size in bytes "
              "the device must expose; registers must fit in it.",
              default=None, example="0x100000"),
        Field("description", Text(), "Free text, copied into comments.",
              default=""),
        Field("registers", ListOf(REGISTER), "Registers of this BAR.",
              default=None),
    ],
    [Check("Register offsets are aligned to their width, do not overlap, "
           "and lie inside `size` (when given); 64-bit registers need a "
           "`mem` BAR; an `io` BAR is at most 0x10000 bytes.", _check_bar)])

PCI = Map(
    "PCI match", "pci-match",
    "Which PCI functions the plugin binds (one `pci_device_id`).",
    [
        Field("vendor", Int(0, 0xffff), "Vendor id.", required=True,
              example="0x1234"),
        Field("device", Int(0, 0xffff), "Device id.", required=True,
              example="0x11e8"),
        Field("subsystem_vendor", Int(0, 0xffff), "Subsystem vendor id "
              "(default: any).", default=None),
        Field("subsystem_device", Int(0, 0xffff), "Subsystem device id "
              "(default: any).", default=None),
        Field("class", Int(0, 0xffffff), "24-bit class code "
              "(base, sub, prog-if) to match as well (default: any).",
              default=None, example="0x00ff00"),
        Field("class_mask", Int(0, 0xffffff), "Which bits of `class` must "
              "match (default 0xffffff when `class` is given).",
              default=None),
    ],
    [Check("`class_mask` needs `class`.",
           lambda p, ctx: p.class_mask is not None and p["class"] is None
           and ctx.fail(p.line("class_mask"), p.path("class_mask"),
                        "`class_mask` without `class`"))])

STEP = Map(
    "step", "step",
    "One register access done in the hard-IRQ handler (`acknowledge`) or "
    "by the diagnostics app (`raise`).  Acknowledge steps become both "
    "`struct kp_trans_cmd` transfer commands (`<NAME>_ACK_TRANS_CMDS` in "
    "`<name>_msgs.h`, for apps that let the runtime acknowledge) and C "
    "code in `KP_<name>_IntAtIrql` / `KP_<name>_IntAtIrqlMSI`.",
    [
        Field("read", Ident(), "Register to read (KP_TRANS_READ).",
              default=None, example="irq_status"),
        Field("write", Ident(), "Register to write (KP_TRANS_WRITE).",
              default=None, example="irq_ack"),
        Field("value", IntOrWord("read", Int(0, (1 << 64) - 1)),
              "For `write`: the value, or `read` for the value of the "
              "latest read step (KP_TRANS_F_USE_READ).", default=None,
              example="read"),
        Field("mask", Int(0, (1 << 64) - 1), "For `read`: the interrupt "
              "is this device's only when `value & mask` is non-zero; "
              "otherwise the handler stops and reports \"not mine\".  For "
              "`write`: the value written is masked.", default=None,
              example="0xffffffff"),
    ],
    [Check("A step has exactly one of `read` and `write`; a write has a "
           "`value`.", _check_step)])

INTERRUPTS = Map(
    "interrupts", "interrupts",
    "How the device interrupts and how an interrupt is acknowledged.",
    [
        Field("mode", Choice("none", "legacy", "msi", "msix", "auto"),
              "`legacy` (INTx), `msi`, `msix`, `auto` (try the modes of "
              "`prefer` in order) or `none`.", default="auto",
              example="auto"),
        Field("prefer", ListOf(Choice("msix", "msi", "legacy"),
                               unique=(".",)),
              "With `auto`: the modes to try, best first (default "
              "`[msix, msi, legacy]`).", default=None,
              example="[msi, legacy]"),
        Field("vectors", Int(1, KP_MAX_VECTORS, hexa=False),
              "MSI/MSI-X vectors to request (legacy always has 1).",
              default=1, example="1"),
        Field("acknowledge", ListOf(STEP, max_len=KP_MAX_TRANS_CMDS),
              "Steps that acknowledge (de-assert) the interrupt, in order.",
              default=None),
        Field("raise", ListOf(STEP, max_len=KP_MAX_TRANS_CMDS),
              "Steps that make the device raise an interrupt; used by "
              "`<name>_diag irq --raise` to test the interrupt path.",
              default=None),
    ],
    [Check("Steps name registers of `bars`; reads need a readable "
           "register, writes a writable one; values and masks fit the "
           "register; `value: read` follows a read step; `raise` only "
           "writes constants; `legacy` has 1 vector; `prefer` only goes "
           "with `auto`; `none` has no steps.")])

PAYLOAD_FIELD = Map(
    "payload field", "payload-field",
    "A member of a message's payload struct.  Members are laid out in "
    "order (input fields first), each aligned to its size, with explicit "
    "padding members, so the struct is identical in the kernel and user "
    "space.",
    [
        Field("name", Ident(), "Member name.", required=True,
              example="value"),
        Field("type", Choice(*TYPE_SIZES), "Fixed-size type (`__u32` "
              "etc.); `char` is for strings and needs `count`.",
              required=True, example="u32"),
        Field("count", Int(1, KP_MAX_DATA_SIZE, hexa=False), "Array "
              "length (absent: a scalar).", default=None, example="16"),
        Field("description", Text(), "Free text, copied into comments.",
              default=""),
    ])

MESSAGE = Map(
    "message", "message",
    "A KP_Call message: an id (`<NAME>_MSG_<MSG>`), a payload struct "
    "`struct <name>_<msg>` in `<name>_msgs.h` and a case in the plugin's "
    "KP_Call switch that copies the payload in "
    "(COPY_FROM_USER_OR_KERNEL), calls the handler "
    "`<name>_msg_<msg>()` and copies it back (COPY_TO_USER_OR_KERNEL).",
    [
        Field("name", Ident(), "Message name.", required=True,
              example="factorial"),
        Field("id", Int(0, 0xffffffff), "dwMessage value (default: the "
              "previous message's id + 1, the first is 1).", default=None),
        Field("description", Text(), "Free text, copied into comments.",
              default=""),
        Field("input", ListOf(PAYLOAD_FIELD), "Fields the caller fills.",
              default=None),
        Field("output", ListOf(PAYLOAD_FIELD), "Fields the plugin fills.",
              default=None),
        Field("code", Text(max_len=65536), "C statements for the handler "
              "body instead of the TODO(user) stub: `ctx` (the driver context, with "
              "`ctx->hWD`) and `msg` (the payload, absent when there are "
              "no fields) are in scope; return a `<NAME>_RES_*` value.",
              default=None),
    ],
    [Check("Field names are unique within a message; `char` needs "
           "`count`; the payload is at most %d bytes (KP_MAX_DATA_SIZE, "
           "the runtime's limit for KP_Call data)." % KP_MAX_DATA_SIZE,
           _check_message)])

DESCRIPTION = Map(
    "description", "description",
    "The top level of a description file.",
    [
        Field("kpgen", Int(FORMAT_VERSION, FORMAT_VERSION, hexa=False),
              "Format version of this file.", default=FORMAT_VERSION,
              example=str(FORMAT_VERSION)),
        Field("name", Ident(max_len=KP_DRIVER_NAME_LEN - 1),
              "Driver name: KP_INIT.cDriverName (12 bytes with the NUL), "
              "the module `<name>_kp.ko`, the files `<name>_*`, the "
              "callbacks `KP_<name>_Open` etc. and the device nodes "
              "`/dev/kp/<name><index>`.", required=True, example="edu"),
        Field("description", Text(), "One line about the device.",
              default=""),
        Field("version", Text(r"^[0-9A-Za-z][0-9A-Za-z.+~-]*$",
                              "a version like `1.0` ([0-9A-Za-z.+~-])",
                              max_len=32),
              "Version of the generated module and DKMS package.",
              default="0.1", example='"0.1"'),
        Field("author", Text(max_len=200), "MODULE_AUTHOR.", default=None),
        Field("pci", PCI, "Device match.", required=True),
        Field("bars", ListOf(BAR, max_len=6, unique=("index", "name"),
                             casefold=True),
              "BARs the plugin uses.", default=None),
        Field("interrupts", INTERRUPTS, "Interrupts (absent: `mode: "
              "none`).", default=None),
        Field("messages", ListOf(MESSAGE, max_len=MAX_MESSAGES,
                                 unique=("name",), casefold=True),
              "KP_Call messages.", default=None),
        Field("events", ListOf(Choice("insert", "remove", "power"),
                               unique=(".",)),
              "Plug-and-play / power events KP_Event handles and the "
              "diagnostics app registers for (`power` is D0 and D3).",
              default=None, example="[insert, remove, power]"),
    ],
    [
        Check("`name` does not end with a digit (device nodes are "
              "`/dev/kp/<name><index>`).", _check_name),
        Check("Register names are unique across all BARs, ignoring case; "
              "at most %d registers." % MAX_REGISTERS, _check_registers),
        Check("Message ids are unique.", _assign_message_ids),
        Check(None, _check_interrupts),   # documented under interrupts
    ])

SECTIONS = [DESCRIPTION, PCI, BAR, REGISTER, BIT_FIELD, INTERRUPTS, STEP,
            MESSAGE, PAYLOAD_FIELD]


def check_name(value, what="NAME"):
    """Checks a driver name given on the command line like `name:`."""
    mark = yaml.error.Mark(what, 0, 0, 0, None, None)
    node = yaml.ScalarNode("tag:yaml.org,2002:str", value, mark, mark)
    try:
        obj = Obj(name=DESCRIPTION.by_key["name"].type.load(
            node, "name", Ctx(what)))
        obj._line, obj._lines, obj._path = 1, {"name": 1}, ""
        _check_name(obj, Ctx(what))
    except KpgenError as exc:
        raise KpgenError(exc.message, field=what) from None
    return value


def load(text, filename):
    """Validates description text; returns the root ``Obj``."""
    node = compose(text, filename)
    return DESCRIPTION.load(node, "", Ctx(filename))
