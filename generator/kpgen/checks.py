"""The domain rules of a description: what JSON Schema cannot say.

Each rule is registered with the section it belongs to and one line of
documentation, which docs.py puts into docs/description-format.md under
that section; load.py has already checked the structure.  A rule raises
KpgenError with the file, line and field path of the offending value.
"""
from importlib import resources

from kpgen import load
from kpgen.errors import KpgenError
from kpgen.load import fmt_int

# Limits shared with the runtime (runtime/include/uapi/linux/kp.h);
# tests/unit/test_checks.py compares them with the header.
KP_DRIVER_NAME_LEN = 12
KP_MAX_DATA_SIZE = 1 << 20
KP_MAX_TRANS_CMDS = 64
KP_MAX_VECTORS = 32
MAX_REGISTERS = 1024

TYPE_SIZES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8,
              "s8": 1, "s16": 2, "s32": 4, "s64": 8, "char": 1}

C_KEYWORDS = frozenset("""
    auto break case char const continue default do double else enum extern
    float for goto if inline int long register restrict return short signed
    sizeof static struct switch typedef union unsigned void volatile while
    asm typeof bool true false alignas alignof noreturn static_assert
    thread_local nullptr constexpr
    """.split())


def _reserved():
    """reserved.txt (tools/mkreserved.py, from the target's headers):
    `p WORD` - a prefix of identifiers the generated code can see, so no
    driver name; `m WORD` - a lower-case object-like macro, so no struct
    member name."""
    prefixes, macros = set(), set()
    text = resources.files("kpgen").joinpath("reserved.txt").read_text(
        encoding="ascii")
    for line in text.splitlines():
        kind, _, word = line.partition(" ")
        (prefixes if kind == "p" else macros if kind == "m" else set()).add(
            word)
    return frozenset(prefixes), frozenset(macros)


RESERVED_PREFIXES, RESERVED_MACROS = _reserved()

RULES = []          # (section title, doc)


def rule(section, doc):
    def register(fn):
        RULES.append((section, doc))
        return fn
    return register


class Ctx:
    def __init__(self, filename):
        self.filename = filename

    def fail(self, line, field, message):
        raise KpgenError(message, self.filename, line, field or "(document)")


def check_driver_name(name, fail):
    """The driver name is a C prefix (`edu_`, `EDU_`, `KP_edu_`): it must
    not be one the kernel, the runtime or libc already uses."""
    if name[-1].isdigit():
        fail("%r ends with a digit: the device nodes are /dev/kp/<name>"
             "<index>, so a final digit would be ambiguous" % name)
    if name.endswith("_") or "__" in name:
        fail("%r: no trailing or double underscore (it is a C prefix)"
             % name)
    if name in C_KEYWORDS:
        fail("%r is a C keyword" % name)
    for cand in (name, "kp_" + name):
        if cand in RESERVED_PREFIXES:
            fail("%r is a prefix of kernel, runtime or C library names (%s_"
                 "...): the generated %s_* and %s_* names would clash; "
                 "choose another name" % (name, cand, name, name.upper()))


@rule("description", "`name` does not end with a digit or `_` and is not a "
      "prefix already used by the kernel, the runtime or the C library "
      "(`kp`, `pci`, `dev`, `irq`, ...: the list is reserved.txt, made from "
      "the target's headers).")
def _check_name(d, ctx):
    check_driver_name(d.name, lambda m: ctx.fail(d.line("name"), "name", m))


def _unique(seq, key, what, ctx, casefold=True):
    seen = {}
    for item in seq:
        v = item.get(key)
        if v is None:
            continue
        k = v.lower() if casefold and isinstance(v, str) else v
        if k in seen:
            first, first_line = seen[k]
            shown = fmt_int(v) if isinstance(v, int) else repr(v)
            note = ""
            if first != v:
                note = (" - names are compared ignoring case, they become "
                        "upper-case macros")
            ctx.fail(item.line(key), item.path(key), "duplicate %s %s (first "
                     "at line %d)%s" % (what, shown, first_line, note))
        seen[k] = (v, item.line(key))


def _all_registers(d):
    for bar in d.bars:
        for reg in bar.registers:
            yield bar, reg


def bits_of(bf):
    if isinstance(bf.bits, int):
        return bf.bits, bf.bits
    msb, lsb = (int(x) for x in bf.bits.split(":"))
    return msb, lsb


def reg_width(bar, reg):
    return reg.width if reg.width is not None else \
        (8 if bar.type == "io" else 32)


@rule("bit field", "Bit fields lie inside their register, have MSB >= LSB "
      "and do not overlap; names are unique in a register (ignoring case).")
def _check_bitfields(d, ctx):
    for bar, reg in _all_registers(d):
        width = reg_width(bar, reg)
        _unique(reg.fields, "name", "bit field name", ctx)
        used = {}
        for bf in reg.fields:
            msb, lsb = bits_of(bf)
            if msb < lsb:
                ctx.fail(bf.line("bits"), bf.path("bits"), "bit range %s "
                         "has MSB < LSB: write MSB:LSB" % bf.bits)
            if msb >= width:
                ctx.fail(bf.line("bits"), bf.path("bits"), "bit %d is "
                         "outside the %d-bit register %r: expected bits "
                         "0..%d" % (msb, width, reg.name, width - 1))
            for bit in range(lsb, msb + 1):
                if bit in used:
                    ctx.fail(bf.line("bits"), bf.path("bits"), "bit %d of "
                             "%r is already used by field %r"
                             % (bit, reg.name, used[bit]))
                used[bit] = bf.name


@rule("BAR", "`size` is a power of two; BAR indexes and names are unique "
      "(names ignoring case); an `io` BAR is at most 0x10000 bytes.")
def _check_bars(d, ctx):
    _unique(d.bars, "index", "BAR index", ctx)
    _unique(d.bars, "name", "BAR name", ctx)
    for bar in d.bars:
        if bar.size is not None and bar.size & (bar.size - 1):
            ctx.fail(bar.line("size"), bar.path("size"), "%s is not a power "
                     "of two" % fmt_int(bar.size))
        if bar.type == "io" and bar.size is not None and bar.size > 0x10000:
            ctx.fail(bar.line("size"), bar.path("size"), "an I/O BAR is at "
                     "most 0x10000 bytes")


@rule("register", "Offsets are aligned to the width and lie inside the "
      "BAR's `size` (when given; without it KP_Open checks the real BAR "
      "size against the highest register); registers do not overlap, "
      "except a read-only and a write-only one; 64-bit registers need a "
      "`mem` BAR; names are unique across all BARs, ignoring case; at most "
      "%d registers." % MAX_REGISTERS)
def _check_registers(d, ctx):
    total = sum(len(b.registers) for b in d.bars)
    if total > MAX_REGISTERS:
        ctx.fail(d.line("bars"), "bars", "%d registers: at most %d are "
                 "supported" % (total, MAX_REGISTERS))
    seen = {}
    for _bar, reg in _all_registers(d):
        key = reg.name.lower()
        if key in seen:
            ctx.fail(reg.line("name"), reg.path("name"), "duplicate register "
                     "name %r (first at line %d) - register names are unique "
                     "across all BARs, ignoring case" % (reg.name, seen[key]))
        seen[key] = reg.line("name")
    for bar in d.bars:
        spans = []
        for reg in bar.registers:
            width = reg_width(bar, reg)
            nbytes = width // 8
            if width == 64 and bar.type == "io":
                ctx.fail(reg.line("width"), reg.path("width"), "64-bit "
                         "registers need a memory BAR: BAR%d %r is an I/O "
                         "BAR" % (bar.index, bar.name))
            if reg.offset % nbytes:
                ctx.fail(reg.line("offset"), reg.path("offset"), "offset %s "
                         "is not aligned to the register width (%d bytes)"
                         % (fmt_int(reg.offset), nbytes))
            if bar.size is not None and reg.offset + nbytes > bar.size:
                ctx.fail(reg.line("offset"), reg.path("offset"), "register "
                         "%r (offset %s, %d bytes) is outside BAR%d %r of "
                         "size %s" % (reg.name, fmt_int(reg.offset), nbytes,
                                      bar.index, bar.name,
                                      fmt_int(bar.size)))
            limit = 0x10000 if bar.type == "io" else 1 << 32
            if reg.offset + nbytes > limit:
                ctx.fail(reg.line("offset"), reg.path("offset"), "offset %s "
                         "is beyond what a%s BAR can hold (%s bytes)"
                         % (fmt_int(reg.offset), "n I/O" if bar.type == "io"
                            else " memory", fmt_int(limit)))
            for other, lo, hi in spans:
                if reg.offset < hi and lo < reg.offset + nbytes and \
                        {reg.access, other.access} != {"ro", "wo"}:
                    ctx.fail(reg.line("offset"), reg.path("offset"),
                             "register %r (%s..%s) overlaps register %r "
                             "(%s..%s) at line %d (only a read-only and a "
                             "write-only register may share bytes)"
                             % (reg.name, fmt_int(reg.offset),
                                fmt_int(reg.offset + nbytes - 1),
                                other.name, fmt_int(lo), fmt_int(hi - 1),
                                other.line()))
            spans.append((reg, reg.offset, reg.offset + nbytes))


@rule("step", "A step has exactly one of `read` and `write` and names a "
      "register of `bars`: reads a readable one, writes a writable one; a "
      "write has a `value`, a read none; values and masks fit the "
      "register; `value: read` follows a read step; `pending` needs a "
      "read with a non-zero `mask`; `raise` only writes constants.")
def _check_steps(d, ctx):
    irq = d.interrupts
    if irq is None:
        return
    regs = {reg.name: (bar, reg) for bar, reg in _all_registers(d)}
    for key in ("acknowledge", "raise"):
        read_seen = False
        for step in irq[key]:
            has_read, has_write = step.read is not None, \
                step.write is not None
            if has_read == has_write:
                ctx.fail(step.line(), step.path(), "a step has exactly one "
                         "of `read: REGISTER` or `write: REGISTER`")
            rkey = "read" if has_read else "write"
            name = step[rkey]
            if has_read and step.value is not None:
                ctx.fail(step.line("value"), step.path("value"), "a read "
                         "step has no value (only `mask`)")
            if has_write and step.value is None:
                ctx.fail(step.line(), step.path("value"), "a write step "
                         "needs `value`: an integer, or `read` for the value "
                         "of the last read step")
            if "pending" in step._lines and (has_write or step.mask is None):
                ctx.fail(step.line("pending"), step.path("pending"),
                         "`pending` belongs to a read step with a `mask`")
            if step.pending == "clear" and step.mask == 0:
                ctx.fail(step.line("mask"), step.path("mask"), "`pending: "
                         "clear` with mask 0 tests no bit: give the bits "
                         "that read 0 while an interrupt is pending")
            if name not in regs:
                ctx.fail(step.line(rkey), step.path(rkey), "no register "
                         "named %r: expected one of the registers of `bars` "
                         "(%s)" % (name, ", ".join(regs) or "none"))
            bar, reg = regs[name]
            if has_read and reg.access == "wo":
                ctx.fail(step.line(rkey), step.path(rkey), "register %r is "
                         "write-only and cannot be read" % name)
            if has_write and reg.access == "ro":
                ctx.fail(step.line(rkey), step.path(rkey), "register %r is "
                         "read-only and cannot be written" % name)
            if key == "raise" and has_read:
                ctx.fail(step.line(rkey), step.path(rkey), "`raise` only "
                         "writes registers")
            full = (1 << reg_width(bar, reg)) - 1
            for vkey in ("value", "mask"):
                v = step[vkey]
                if isinstance(v, int) and v > full:
                    ctx.fail(step.line(vkey), step.path(vkey), "%s does not "
                             "fit the %d-bit register %r"
                             % (fmt_int(v), reg_width(bar, reg), name))
            if step.value == "read":
                if key == "raise":
                    ctx.fail(step.line("value"), step.path("value"),
                             "`value: read` is for acknowledge steps")
                if not read_seen:
                    ctx.fail(step.line("value"), step.path("value"),
                             "`value: read` needs an earlier read step")
            read_seen = read_seen or has_read


@rule("interrupts", "`legacy` has 1 vector; `prefer` only goes with "
      "`auto`; `none` has no steps; with `device_vectors`, `mode: msi` or "
      "`msix` needs the device to offer it, and `vectors` fits what the "
      "mode offers (with `auto`: what one of its MSI modes offers).")
def _check_interrupts(d, ctx):
    irq = d.interrupts
    if irq is None:
        return
    _check_device_vectors(irq, ctx)
    if irq.mode == "legacy" and irq.vectors != 1:
        ctx.fail(irq.line("vectors"), irq.path("vectors"), "legacy (INTx) "
                 "interrupts have exactly one vector: expected 1")
    if irq.prefer is not None and irq.mode != "auto":
        ctx.fail(irq.line("prefer"), irq.path("prefer"), "`prefer` orders "
                 "the modes that `mode: auto` tries; with mode %r remove it"
                 % irq.mode)
    if irq.mode == "none" and (irq.acknowledge or irq["raise"]):
        key = "acknowledge" if irq.acknowledge else "raise"
        ctx.fail(irq.line(key), irq.path(key), "mode is `none`: there is no "
                 "interrupt to acknowledge or raise")


# The input fields kpgen puts first in the payload of a message with
# `buffer`: the user's DMA buffer and the range of it the device uses.
BUFFER_FIELDS = (("handle", "u32", "DMA buffer handle (kp_dma_contig_lock, "
                  "kp_dma_sg_lock)"),
                 ("offset", "u64", "start of the range the device uses"),
                 ("length", "u64", "bytes of the range, > 0"))


def add_buffer_fields(d):
    """Puts BUFFER_FIELDS first in the input of every message with
    `buffer` (once: a description is checked once per load)."""
    for msg in d.messages:
        if msg.buffer is None or getattr(msg, "_buffer_fields", False):
            continue
        fields = []
        for name, ftype, text in BUFFER_FIELDS:
            f = load.Obj(name=name, type=ftype, count=None,
                         description=text)
            f._line, f._lines = msg.line("buffer"), {}
            f._path = msg.path("buffer")
            f._generated = True
            fields.append(f)
        msg.input[:0] = fields
        msg._buffer_fields = True


def _check_device_vectors(irq, ctx):
    dv = irq.device_vectors
    if dv is None or irq.mode in ("none", "legacy"):
        return
    names = {"msi": "MSI", "msix": "MSI-X"}
    if irq.mode in names:
        have = dv[irq.mode]
        if have == 0:
            ctx.fail(irq.line("mode"), irq.path("mode"), "the device has no "
                     "%s (device_vectors.%s: 0)" % (names[irq.mode],
                                                    irq.mode))
        if have is not None and irq.vectors > have:
            ctx.fail(irq.line("vectors"), irq.path("vectors"), "%d vectors: "
                     "the device offers at most %d %s vector%s "
                     "(device_vectors.%s)" % (irq.vectors, have,
                                              names[irq.mode],
                                              "s" * (have != 1), irq.mode))
        return
    modes = [m for m in (irq.prefer or ["msix", "msi", "legacy"])
             if m in names]
    offered = [dv[m] for m in modes]
    if modes and None not in offered and irq.vectors > 1 and \
            irq.vectors > max(offered):
        ctx.fail(irq.line("vectors"), irq.path("vectors"), "%d vectors: "
                 "the device offers at most %d (%s)" % (
                     irq.vectors, max(offered), ", ".join(
                         "%s %d" % (names[m], n)
                         for m, n in zip(modes, offered))))


def payload_layout(msg):
    """(size, [(kind, field or pad size, offset)]) with explicit padding:
    input fields first, each aligned to its size, the struct padded to its
    largest alignment, so the kernel and user space agree on it."""
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


@rule("payload field", "Field names are unique within a message (input "
      "and output share one struct) and are not C keywords or lower-case "
      "macros of the kernel or C library (`current`, `errno`, `stdin`, "
      "...); `char` needs `count`.")
def _check_fields(d, ctx):
    for msg in d.messages:
        seen, seen_field = {}, {}
        for f in list(msg.input) + list(msg.output):
            if f.name in C_KEYWORDS:
                ctx.fail(f.line("name"), f.path("name"), "%r is a C keyword"
                         % f.name)
            if f.name in RESERVED_MACROS:
                ctx.fail(f.line("name"), f.path("name"), "%r is a macro in "
                         "the kernel or C library headers: "
                         "choose another name" % f.name)
            if f.name in seen and getattr(seen_field[f.name], "_generated",
                                          False):
                ctx.fail(f.line("name"), f.path("name"), "field %r is "
                         "kpgen's own in a message with `buffer` (%s): "
                         "choose another name" % (f.name, ", ".join(
                             n for n, _, _ in BUFFER_FIELDS)))
            if f.name in seen:
                ctx.fail(f.line("name"), f.path("name"), "duplicate field "
                         "name %r (first at line %d) - input and output "
                         "fields share one struct" % (f.name, seen[f.name]))
            seen[f.name] = f.line("name")
            seen_field[f.name] = f
            if f.type == "char" and f.count is None:
                ctx.fail(f.line("type"), f.path("type"), "type `char` is "
                         "for strings: give `count`, the array length "
                         "including the NUL")


@rule("message", "Names are unique (ignoring case); ids are unique and "
      "never change once assigned; the payload is at most %d bytes "
      "(KP_MAX_DATA_SIZE)." % KP_MAX_DATA_SIZE)
def _check_messages(d, ctx):
    _unique(d.messages, "name", "message name", ctx)
    for msg in d.messages:
        size, _ = payload_layout(msg)
        if size > KP_MAX_DATA_SIZE:
            ctx.fail(msg.line(), msg.path(), "payload of message %r is %d "
                     "bytes: expected at most %d (KP_MAX_DATA_SIZE)"
                     % (msg.name, size, KP_MAX_DATA_SIZE))


@rule("message", "A message with `buffer` needs a `dma` section that "
      "accepts contiguous or scatter-gather buffers; its first input "
      "fields are kpgen's (`%s`)." % "`, `".join(n for n, _, _ in
                                              BUFFER_FIELDS))
def _check_buffer_messages(d, ctx):
    for msg in d.messages:
        if msg.buffer is None:
            continue
        if d.dma is None:
            ctx.fail(msg.line("buffer"), msg.path("buffer"), "a message "
                     "with `buffer` needs a `dma` section (at least "
                     "`dma: {mask: BITS}`)")
        if not d.dma.contiguous and not d.dma.scatter_gather:
            ctx.fail(msg.line("buffer"), msg.path("buffer"), "`dma` "
                     "accepts no user buffers (contiguous and "
                     "scatter_gather are false): no message can take one")


@rule("DMA", "Buffer names are unique and are not C keywords or "
      "lower-case macros (they are struct members).")
def _check_dma(d, ctx):
    if d.dma is None:
        return
    _unique(d.dma.buffers, "name", "DMA buffer name", ctx)
    for buf in d.dma.buffers:
        if buf.name in C_KEYWORDS or buf.name in RESERVED_MACROS:
            ctx.fail(buf.line("name"), buf.path("name"), "%r is a C "
                     "keyword or a macro of the kernel or C library "
                     "headers: choose another name" % buf.name)


def assign_message_ids(d, ctx, recorded=None):
    """Gives every message its id and returns {name: id}, the recorded
    ones included.  `id:` wins; else the id recorded for the name by an
    earlier generation; else, in a new project, the previous message's id
    + 1 (the first is 1), and in an existing one one past the highest id
    ever used, so a removed message's id is never reused."""
    recorded = dict(recorded or {})
    explicit = {m.id: m for m in d.messages if m.id is not None}
    seen, prev = {}, 0
    for msg in d.messages:
        given = msg.id is not None
        if not given:
            old = recorded.get(msg.name)
            if old is not None and old not in explicit:
                msg["id"] = old
            elif recorded:
                msg["id"] = max(set(recorded.values()) | set(seen)
                                | set(explicit)) + 1
            else:
                msg["id"] = prev + 1
            msg._lines["id"] = msg.line("name")
            if msg.id > 0xffffffff:
                ctx.fail(msg.line("name"), msg.path("id"), "no message id "
                         "left after 0xffffffff: give `id` explicitly")
        elif recorded.get(msg.name, msg.id) != msg.id:
            ctx.fail(msg.line("id"), msg.path("id"), "message %r had id %s "
                     "in this project; changing it breaks every application "
                     "built against the old header (rename the message to "
                     "give it a new id)" % (msg.name,
                                            fmt_int(recorded[msg.name])))
        if msg.id in seen:
            first = seen[msg.id]
            ctx.fail(msg.line("id"), msg.path("id"), "duplicate message id "
                     "%s (also used by %r at line %d)"
                     % (fmt_int(msg.id), first.name, first.line("id")))
        seen[msg.id] = msg
        prev = msg.id
    out = dict(recorded)
    out.update({m.name: m.id for m in d.messages})
    return out


@rule("description", "No two entities generate the same C name (register "
      "`res` with field `ok` and kpgen's own `<NAME>_RES_OK`, or message "
      "`x` and register `msg` with field `x`).")
def _symbols_placeholder(d, ctx):
    """Checked by model.build(), which knows every generated name."""


CHECKS = [_check_name, _check_bars, _check_registers, _check_bitfields,
          _check_steps, _check_interrupts, _check_dma,
          _check_buffer_messages, _check_fields, _check_messages]


def check(d, filename, recorded_ids=None):
    ctx = Ctx(filename)
    add_buffer_fields(d)
    for fn in CHECKS:
        fn(d, ctx)
    return assign_message_ids(d, ctx, recorded_ids)
