"""The description schema: valid input, defaults, and every error.

Each error case asserts the exact message (file, line, field, what is
expected), exit status 1, and that `kpgen new` wrote nothing.
"""
import textwrap

import pytest

from conftest import EDU, write
from kpgen import schema
from kpgen.errors import KpgenError
from kpgen.render import load_description

BASE = "name: edu\npci: {vendor: 0x1234, device: 0x11e8}\n"


def load(text):
    return schema.load(text, "d.yaml")


def load_extra(extra):
    return load(BASE + textwrap.dedent(extra))


def test_edu_example_loads():
    d = schema.load(EDU.read_text(), str(EDU))
    assert d.name == "edu"
    assert (d.pci.vendor, d.pci.device) == (0x1234, 0x11e8)
    bar = d.bars[0]
    assert (bar.index, bar.type, bar.size) == (0, "mem", 0x100000)
    regs = {r.name: (r.offset, r.width, r.access) for r in bar.registers}
    assert regs == {"id": (0, 32, "ro"), "liveness": (4, 32, "rw"),
                    "factorial": (8, 32, "rw"), "status": (0x20, 32, "rw"),
                    "irq_status": (0x24, 32, "ro"),
                    "irq_raise": (0x60, 32, "wo"),
                    "irq_ack": (0x64, 32, "wo")}
    status = bar.registers[3]
    assert [(f.name, f.bits) for f in status.fields] == [
        ("busy", (0, 0)), ("irq_on_fact", (7, 7))]
    irq = d.interrupts
    assert (irq.mode, irq.prefer, irq.vectors) == ("auto",
                                                    ["msi", "legacy"], 1)
    assert irq.acknowledge[0].read == "irq_status"
    assert irq.acknowledge[1].write == "irq_ack"
    assert irq.acknowledge[1].value == "read"
    assert [(m.name, m.id) for m in d.messages] == [
        ("version", 1), ("liveness", 2), ("factorial", 3)]
    assert d.events == ["insert", "remove", "power"]


def test_defaults_and_lines():
    d = load_extra("""\
        bars:
          - index: 2
            name: regs
            type: io
            registers:
              - {name: ctl, offset: 4}
        messages:
          - name: a
          - name: b
            id: 10
          - name: c
        """)
    reg = d.bars[0].registers[0]
    assert (reg.width, reg.access, reg.fields) == (32, "rw", [])
    assert reg.line("offset") == 8
    assert d.bars[0].size is None
    assert d.interrupts is None
    assert [m.id for m in d.messages] == [1, 10, 11]
    assert d.version == "0.1" and d.events == []


def test_numbers_in_all_bases():
    d = load("name: edu\npci: {vendor: 0b1_0000, device: 0o17}\n")
    assert (d.pci.vendor, d.pci.device) == (16, 15)


def test_bit_ranges():
    d = load_extra("""\
        bars:
          - index: 0
            name: r
            type: mem
            registers:
              - name: ctl
                offset: 0
                width: 16
                fields:
                  - {name: lo, bits: "3:0"}
                  - {name: hi, bits: "15:4"}
        """)
    assert [f.bits for f in d.bars[0].registers[0].fields] == [(3, 0),
                                                               (15, 4)]


def test_payload_layout_has_explicit_padding():
    d = load_extra("""\
        messages:
          - name: m
            input:
              - {name: a, type: u8}
              - {name: b, type: u64}
              - {name: c, type: u16}
            output:
              - {name: s, type: char, count: 3}
        """)
    size, items = schema.payload_layout(d.messages[0])
    kinds = [(k, v if k == "pad" else v.name, off) for k, v, off in items]
    assert kinds == [("field", "a", 0), ("pad", 7, 1), ("field", "b", 8),
                     ("field", "c", 16), ("field", "s", 18),
                     ("pad", 3, 21)]
    assert size == 24


ERRORS = [
    # (description text, line, field, message)
    ("name: edu\npci: {vendor: 0x1234, device: 0x11e8\n", 3, "syntax",
     "malformed YAML: expected ',' or '}', but got '<stream end>' (while "
     "parsing a flow mapping)"),
    ("name: edu\n  bad: indent\n", 2, "syntax",
     "malformed YAML: mapping values are not allowed here"),
    ("", 1, "(document)", "the description is empty; expected a mapping "
     "with at least `name` and `pci`"),
    ("- a\n", 1, "(document)", "expected a mapping (description), got a "
     "list"),
    (BASE + "colour: red\n", 3, "colour", "unknown key 'colour' in "
     "description: expected one of kpgen, name, description, version, "
     "author, pci, bars, interrupts, messages, events"),
    ("name: edu\nname: edu\npci: {vendor: 1, device: 2}\n", 2, "name",
     "duplicate key 'name' (first at line 1)"),
    ("pci: {vendor: 1, device: 2}\n", 1, "name", "missing required key "
     "'name' in description: expected a C identifier ([A-Za-z_]"
     "[A-Za-z0-9_]*, at most 11 characters, not a C keyword)"),
    ("name: switch\npci: {vendor: 1, device: 2}\n", 1, "name", "'switch' "
     "is a C keyword: expected a C identifier ([A-Za-z_][A-Za-z0-9_]*, at "
     "most 11 characters, not a C keyword)"),
    ("name: my-dev\npci: {vendor: 1, device: 2}\n", 1, "name", "'my-dev' "
     "is not a C identifier: expected a C identifier ([A-Za-z_]"
     "[A-Za-z0-9_]*, at most 11 characters, not a C keyword)"),
    ("name: abcdefghijkl\npci: {vendor: 1, device: 2}\n", 1, "name",
     "'abcdefghijkl' is 12 characters long: expected at most 11"),
    ("name: edu2\npci: {vendor: 1, device: 2}\n", 1, "name", "'edu2' ends "
     "with a digit: the device nodes are /dev/kp/<name><index>, so a "
     "final digit would be ambiguous"),
    ("name: edu\npci: {vendor: 0x10000, device: 2}\n", 2, "pci.vendor",
     "0x10000 is out of range: expected an integer 0..0xffff"),
    ("name: edu\npci: {vendor: 1, device: -1}\n", 2, "pci.device",
     "-1 is out of range: expected an integer 0..0xffff"),
    ("name: edu\npci: {vendor: 1, device: '2'}\n", 2, "pci.device",
     "expected an integer 0..0xffff, got '2'"),
    ("name: edu\npci: {vendor: 010, device: 2}\n", 2, "pci.vendor",
     "expected an integer 0..0xffff, got '010' (a leading 0 is ambiguous: "
     "write 0o10 for octal or drop the 0)"),
    ("name: edu\npci: {vendor: 1}\n", 2, "pci.device", "missing required "
     "key 'device' in PCI match: expected an integer 0..0xffff"),
    ("name: edu\npci: {vendor: 1, device: 2, subsystem_vendor: 0x1ffff}\n",
     2, "pci.subsystem_vendor", "0x1ffff is out of range: expected an "
     "integer 0..0xffff"),
    ("name: edu\npci: {vendor: 1, device: 2, class: 0x1000000}\n", 2,
     "pci.class", "0x1000000 is out of range: expected an integer "
     "0..0xffffff"),
    (BASE + "bars:\n  - {index: 6, name: a, type: mem}\n", 4,
     "bars[0].index", "6 is out of range: expected an integer 0..5"),
    (BASE + "bars:\n  - {index: 0, name: a, type: rom}\n", 4,
     "bars[0].type", "expected one of `mem`, `io`, got 'rom'"),
    (BASE + "bars:\n  - {index: 0, name: a, type: mem, size: 3000}\n", 4,
     "bars[0].size", "3000 is not a power of two: expected an integer "
     "1..0x10000000000, a power of two"),
    (BASE + "bars:\n  - {index: 0, name: a, type: mem}\n"
     "  - {index: 0, name: b, type: io}\n", 5, "bars[1].index",
     "duplicate index 0 (first at line 4)"),
    (BASE + "bars:\n  - {index: 0, name: a, type: mem}\n"
     "  - {index: 1, name: A, type: io}\n", 5, "bars[1].name",
     "duplicate name 'A' (first at line 4) - names are compared ignoring "
     "case, they become upper-case macros"),
    (BASE + "bars:\n" + "".join("  - {index: %d, name: b%s, type: mem}\n"
                                % (i % 6, "x" * i) for i in range(7)),
     10, "bars[6]", "too many items (7): expected at most 6"),
    (BASE + "bars:\n  - {index: 0, name: a, type: mem, size: 0x100,\n"
     "     registers: [{name: x, offset: 0x100}]}\n", 5,
     "bars[0].registers[0].offset", "register 'x' (offset 0x100, 4 bytes) "
     "is outside BAR0 'a' of size 0x100"),
    (BASE + "bars:\n  - index: 0\n    name: a\n    type: mem\n"
     "    registers:\n      - {name: x, offset: 0}\n"
     "      - {name: y, offset: 2, width: 16}\n", 9,
     "bars[0].registers[1].offset", "register 'y' (2..3) overlaps register "
     "'x' (0..3) at line 8"),
    (BASE + "bars:\n  - index: 0\n    name: a\n    type: mem\n"
     "    registers:\n      - {name: x, offset: 2}\n", 8,
     "bars[0].registers[0].offset", "offset 2 is not aligned to the "
     "register width (4 bytes)"),
    (BASE + "bars:\n  - index: 0\n    name: a\n    type: io\n"
     "    registers:\n      - {name: x, offset: 0, width: 64}\n", 8,
     "bars[0].registers[0].width", "64-bit registers need a memory BAR: "
     "BAR0 'a' is an I/O BAR"),
    (BASE + "bars:\n  - index: 0\n    name: a\n    type: mem\n"
     "    registers:\n      - {name: x, offset: 0, width: 24}\n", 8,
     "bars[0].registers[0].width", "expected one of `8`, `16`, `32`, "
     "`64`, got '24'"),
    (BASE + "bars:\n  - index: 0\n    name: a\n    type: mem\n"
     "    registers:\n      - {name: while, offset: 0}\n", 8,
     "bars[0].registers[0].name", "'while' is a C keyword: expected a C "
     "identifier ([A-Za-z_][A-Za-z0-9_]*, at most 31 characters, not a C "
     "keyword)"),
    (BASE + "bars:\n  - index: 0\n    name: a\n    type: mem\n"
     "    registers:\n      - {name: current, offset: 0}\n", 8,
     "bars[0].registers[0].name", "'current' is a macro or type name in "
     "the kernel or C library: choose another name"),
    (BASE + "bars:\n  - {index: 0, name: a, type: mem, registers: "
     "[{name: x, offset: 0}]}\n  - {index: 1, name: b, type: mem, "
     "registers: [{name: X, offset: 0}]}\n", 5,
     "bars[1].registers[0].name", "duplicate register name 'X' (first at "
     "line 4) - register names are unique across all BARs, ignoring case"),
    (BASE + "bars:\n  - index: 0\n    name: a\n    type: mem\n"
     "    registers:\n      - name: x\n        offset: 0\n"
     "        width: 8\n        fields:\n          - {name: f, bits: 8}\n",
     12, "bars[0].registers[0].fields[0].bits", "bit 8 is outside the "
     "8-bit register 'x': expected bits 0..7"),
    (BASE + "bars:\n  - index: 0\n    name: a\n    type: mem\n"
     "    registers:\n      - name: x\n        offset: 0\n"
     "        fields:\n          - {name: f, bits: \"7:4\"}\n"
     "          - {name: g, bits: 5}\n", 12,
     "bars[0].registers[0].fields[1].bits", "bit 5 of 'x' is already used "
     "by field 'f'"),
    (BASE + "bars:\n  - index: 0\n    name: a\n    type: mem\n"
     "    registers:\n      - name: x\n        offset: 0\n"
     "        fields:\n          - {name: f, bits: \"4:7\"}\n", 11,
     "bars[0].registers[0].fields[0].bits", "bit range '4:7' has MSB < "
     "LSB: expected a bit number `N` or a quoted range `\"MSB:LSB\"`"),
    (BASE + "interrupts: {mode: legacy, vectors: 2}\n", 3,
     "interrupts.vectors", "legacy (INTx) interrupts have exactly one "
     "vector: expected 1"),
    (BASE + "interrupts: {mode: msi, vectors: 33}\n", 3,
     "interrupts.vectors", "33 is out of range: expected an integer 1..32"),
    (BASE + "interrupts: {mode: msi, prefer: [msi]}\n", 3,
     "interrupts.prefer", "`prefer` orders the modes that `mode: auto` "
     "tries; with mode 'msi' remove it"),
    (BASE + "interrupts: {mode: auto, prefer: [msi, msi]}\n", 3,
     "interrupts.prefer[1]", "duplicate entry 'msi' (first at line 3)"),
    (BASE + "interrupts: {mode: intx}\n", 3, "interrupts.mode",
     "expected one of `none`, `legacy`, `msi`, `msix`, `auto`, got 'intx'"),
    (BASE + "interrupts:\n  acknowledge: [{read: st}]\n", 4,
     "interrupts.acknowledge[0].read", "no register named 'st': expected "
     "one of the registers of `bars` (none)"),
    (BASE + "bars: [{index: 0, name: a, type: mem, registers: [{name: ack,"
     " offset: 0, access: wo}]}]\ninterrupts:\n  acknowledge:\n"
     "    - read: ack\n", 6, "interrupts.acknowledge[0].read", "register "
     "'ack' is write-only and cannot be read"),
    (BASE + "bars: [{index: 0, name: a, type: mem, registers: [{name: st,"
     " offset: 0, access: ro}]}]\ninterrupts:\n  acknowledge:\n"
     "    - {write: st, value: 1}\n", 6, "interrupts.acknowledge[0].write",
     "register 'st' is read-only and cannot be written"),
    (BASE + "bars: [{index: 0, name: a, type: mem, registers: [{name: r,"
     " offset: 0}]}]\ninterrupts:\n  acknowledge:\n"
     "    - {write: r, value: read}\n", 6, "interrupts.acknowledge[0].value",
     "`value: read` needs an earlier read step"),
    (BASE + "bars: [{index: 0, name: a, type: mem, registers: [{name: r,"
     " offset: 0}]}]\ninterrupts:\n  acknowledge:\n"
     "    - {write: r}\n", 6, "interrupts.acknowledge[0].value", "a write "
     "step needs `value`: an integer, or `read` for the value of the last "
     "read step"),
    (BASE + "bars: [{index: 0, name: a, type: mem, registers: [{name: r,"
     " offset: 0}]}]\ninterrupts:\n  acknowledge:\n"
     "    - {read: r, write: r}\n", 6, "interrupts.acknowledge[0]",
     "a step has exactly one of `read: REGISTER` or `write: REGISTER`"),
    (BASE + "bars: [{index: 0, name: a, type: mem, registers: [{name: r,"
     " offset: 0, width: 8}]}]\ninterrupts:\n  raise:\n"
     "    - {write: r, value: 0x100}\n", 6, "interrupts.raise[0].value",
     "0x100 does not fit the 8-bit register 'r'"),
    (BASE + "interrupts:\n  acknowledge:\n" + "    - {read: r}\n" * 65, 69,
     "interrupts.acknowledge[64]", "too many items (65): expected at most "
     "64"),
    (BASE + "interrupts:\n  mode: none\n  raise: [{write: r, value: 1}]\n",
     5, "interrupts.raise", "mode is `none`: there is no interrupt to "
     "acknowledge or raise"),
    (BASE + "messages:\n  - name: m\n    input:\n"
     "      - {name: data, type: u32, count: 300000}\n", 4, "messages[0]",
     "payload of message 'm' is 1200000 bytes: expected at most 1048576 "
     "(KP_MAX_DATA_SIZE)"),
    (BASE + "messages:\n  - name: m\n    input:\n"
     "      - {name: data, type: u8, count: 2000000}\n", 6,
     "messages[0].input[0].count", "2000000 is out of range: expected an "
     "integer 1..1048576"),
    (BASE + "messages:\n  - name: m\n    output:\n"
     "      - {name: s, type: char}\n", 6, "messages[0].output[0].type",
     "type `char` is for strings: give `count`, the array length "
     "including the NUL"),
    (BASE + "messages:\n  - name: m\n    input: [{name: v, type: u32}]\n"
     "    output: [{name: v, type: u32}]\n", 6,
     "messages[0].output[0].name", "duplicate field name 'v' (first at "
     "line 5) - input and output fields share one struct"),
    (BASE + "messages:\n  - name: m\n    input: [{name: v, type: f32}]\n",
     5, "messages[0].input[0].type", "expected one of `u8`, `u16`, `u32`, "
     "`u64`, `s8`, `s16`, `s32`, `s64`, `char`, got 'f32'"),
    (BASE + "messages:\n  - {name: a, id: 5}\n  - {name: b, id: 5}\n", 5,
     "messages[1].id", "duplicate message id 5 (also used by 'a' at line "
     "4)"),
    (BASE + "messages:\n  - {name: a}\n  - {name: A}\n", 5,
     "messages[1].name", "duplicate name 'A' (first at line 4) - names are "
     "compared ignoring case, they become upper-case macros"),
    (BASE + "messages:\n  - name: a\n    input: [{name: int, type: u32}]\n",
     5, "messages[0].input[0].name", "'int' is a C keyword: expected a C "
     "identifier ([A-Za-z_][A-Za-z0-9_]*, at most 31 characters, not a C "
     "keyword)"),
    (BASE + "events: [insert, suspend]\n", 3, "events[1]", "expected one "
     "of `insert`, `remove`, `power`, got 'suspend'"),
    (BASE + "events: [remove, remove]\n", 3, "events[1]", "duplicate entry "
     "'remove' (first at line 3)"),
    (BASE + "kpgen: 2\n", 3, "kpgen", "2 is out of range: expected an "
     "integer 1..1"),
    (BASE + "bars: {index: 0}\n", 3, "bars", "expected a list of "
     "[BAR](#bar) (at most 6), got a mapping"),
    (BASE + "bars: [{index: 0, name: msg, type: mem, registers: [{name: "
     "msg, offset: 0, fields: [{name: x, bits: 0}]}]}]\nmessages:\n"
     "  - name: x\n", 5, "messages[0].name", "message 'x' would generate "
     "the C name EDU_MSG_X, already generated for bit field 'x' at line 3:"
     " rename one of them"),
]


@pytest.mark.parametrize("text,line,field,message", ERRORS,
                         ids=[e[2] + ":" + e[3][:30] for e in ERRORS])
def test_error(kpgen, tmp_path, text, line, field, message):
    path = write(tmp_path / "d.yaml", text)
    with pytest.raises(KpgenError) as exc:
        load_description(path, text)
    assert (exc.value.file, exc.value.line, exc.value.field,
            exc.value.message) == (str(path), line, field, message)

    expected = "kpgen: error: %s:%d: %s: %s\n" % (path, line, field,
                                                    message)
    res = kpgen("validate", path)
    assert (res.rc, res.out, res.err) == (1, "", expected)

    res = kpgen("new", "--from", path, "-o", tmp_path / "proj")
    assert (res.rc, res.err) == (1, expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.yaml"]


def test_names_at_the_limit_are_fine():
    d = load("name: abcdefghijk\npci: {vendor: 0xffff, device: 0}\n")
    assert d.name == "abcdefghijk"
