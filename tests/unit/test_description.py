"""Reading and checking descriptions: structure (JSON Schema), the domain
rules (checks.py), and every error with its exact FILE:LINE: field:
message; `kpgen new` writes nothing for an invalid description."""
import re
import textwrap

import pytest

from conftest import EDU, REPO, write
from kpgen import checks, load, model
from kpgen.errors import KpgenError
from kpgen.render import load_description, render

BASE = "name: edu\npci: {vendor: 0x1234, device: 0x11e8}\n"


def desc(text):
    return load_description("d.yaml", text)[1]


def extra(more):
    return desc(BASE + textwrap.dedent(more))


def test_edu_example_loads():
    d = desc(EDU.read_text())
    assert (d.name, d.pci.vendor, d.pci.device) == ("edu", 0x1234, 0x11e8)
    bar = d.bars[0]
    assert (bar.index, bar.type, bar.size) == (0, "mem", 0x100000)
    regs = {r.name: (r.offset, checks.reg_width(bar, r), r.access)
            for r in bar.registers}
    assert regs == {"id": (0, 32, "ro"), "liveness": (4, 32, "rw"),
                    "factorial": (8, 32, "rw"), "status": (0x20, 32, "rw"),
                    "irq_status": (0x24, 32, "ro"),
                    "irq_raise": (0x60, 32, "wo"),
                    "irq_ack": (0x64, 32, "wo")}
    assert [(m.name, m.id) for m in d.messages] == [
        ("version", 1), ("liveness", 2), ("factorial", 3)]
    assert (d.interrupts.mode, d.interrupts.prefer) == ("auto",
                                                        ["msi", "legacy"])


def test_defaults_lines_and_ids():
    d = extra("""\
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
    bar = d.bars[0]
    reg = bar.registers[0]
    assert (checks.reg_width(bar, reg), reg.access, reg.fields,
            reg.read_side_effects) == (8, "rw", [], False)
    assert reg.line("offset") == 8
    assert d.interrupts is None and d.version == "0.1"
    assert [m.id for m in d.messages] == [1, 10, 11]


def test_recorded_ids_never_change():
    text = BASE + "messages:\n  - name: a\n  - name: c\n"
    _, d, ids = load_description("d.yaml", text, {"a": 5, "b": 9})
    assert [m.id for m in d.messages] == [5, 10]
    assert ids == {"a": 5, "b": 9, "c": 10}


def test_yaml_12_numbers_and_ranges():
    d = extra("""\
        bars:
          - index: 0
            name: r
            type: mem
            registers:
              - name: x
                offset: 0b100
                fields:
                  - name: hi
                    bits: 7:4
                  - {name: lo, bits: 0}
        """)
    reg = d.bars[0].registers[0]
    assert reg.offset == 4
    assert [checks.bits_of(f) for f in reg.fields] == [(7, 4), (0, 0)]


def test_16550_shared_offsets_side_effects_and_clear_test():
    d = desc((REPO / "tests/target/serial/uart.yaml").read_text())
    ctx = model.build(d, "uart.yaml", "/rt")
    regs = {r["name"]: r for r in ctx["registers"]}
    assert (regs["rbr"]["offset"], regs["thr"]["offset"]) == (0, 0)
    assert regs["rbr"]["side_effects"] and not regs["thr"]["side_effects"]
    assert regs["rbr"]["width"] == 8            # default on an io BAR
    # the clear test is a transfer command too (KP_TRANS_F_TEST_CLEAR)
    assert ctx["irq"]["trans_ok"] is True
    assert ctx["irq"]["ack_note"] is None
    assert [s["test_clear"] for s in ctx["irq"]["ack"]] == [True]


@pytest.mark.parametrize("pending,test", [
    ("set", "\tif (!(value & 1U))\n\t\treturn FALSE;\n"),
    ("clear", "\tif ((value & 1U) == 1U)\n\t\treturn FALSE;\t/* pending "
     "when clear: none is */\n")])
def test_acknowledge_tests_the_pending_state(pending, test):
    d = extra("""\
        bars:
          - {index: 0, name: r, type: io, size: 8, registers: [
              {name: st, offset: 0, access: ro}]}
        interrupts:
          mode: legacy
          acknowledge: [{read: st, mask: 1, pending: %s}]
        """ % pending)
    gen, _ = render(d, "d.yaml", "/rt")
    code = gen["edu_gen.h"].split("BOOL edu_acknowledge(HANDLE hWD)")[1]
    assert code.startswith("\n{\n\tu64 value;\n\n\tvalue = edu_read_st(hWD);"
                           "\n" + test + "\treturn TRUE;\n}\n")
    msgs = gen["edu_msgs.h"]
    flags = " .flags = KP_TRANS_F_TEST_CLEAR," if pending == "clear" else ""
    sep = " \\\n\t  " if flags else " "
    assert ("#define EDU_ACK_NCMDS\t\t\t1\n"
            "#define EDU_ACK_TRANS_CMDS { \\\n"
            "\t{ .cmd = KP_TRANS_READ,%s%s.bar = 0, .width = 1, \\\n"
            "\t  .offset = 0x00, .mask = 1U }, \\\n}\n" % (flags, sep)) in msgs
    diag = gen["edu_diag.c"]
    assert "\t.ack = edu_ack,\n\t.nack = EDU_ACK_NCMDS,\n" in diag
    assert "ack_note" not in diag


def test_payload_layout_has_explicit_padding():
    d = extra("""\
        messages:
          - name: m
            input: [{name: a, type: u8}, {name: b, type: u64}]
            output: [{name: c, type: u16}]
        """)
    size, items = checks.payload_layout(d.messages[0])
    assert size == 24
    assert [(k, v if k == "pad" else v.name, o) for k, v, o in items] == [
        ("field", "a", 0), ("pad", 7, 1), ("field", "b", 8),
        ("field", "c", 16), ("pad", 6, 18)]


def test_uapi_limits_match_the_header():
    text = (REPO / "runtime/include/uapi/linux/kp.h").read_text()

    def define(name):
        m = re.search(r"#define %s\s+\(?([0-9xU <]+)\)?" % name, text)
        return eval(m.group(1).replace("U", ""))  # noqa: S307 - our header
    assert checks.KP_DRIVER_NAME_LEN == define("KP_DRIVER_NAME_LEN")
    assert checks.KP_MAX_DATA_SIZE == define("KP_MAX_DATA_SIZE")
    assert checks.KP_MAX_TRANS_CMDS == define("KP_MAX_TRANS_CMDS")
    assert checks.KP_MAX_VECTORS == define("KP_MAX_VECTORS")
    schema = load.SCHEMA
    assert schema["properties"]["name"]["maxLength"] == \
        checks.KP_DRIVER_NAME_LEN - 1
    assert schema["$defs"]["interrupts"]["properties"]["vectors"][
        "maximum"] == checks.KP_MAX_VECTORS


BAR = """\
bars:
  - index: 0
    name: regs
    type: {type}
    size: 0x100
    registers:
"""

ERRORS = [
    # (description text, line, field, message)
    (BASE + "colour: red\n", 3, "colour", "unknown key 'colour' in the "
     "description: expected one of kpgen, name, description, version, "
     "author, pci, bars, interrupts, messages, dma, events"),
    ("pci: {vendor: 1, device: 2}\n", 1, "name", "missing required key "
     "'name' in the description: expected a lower-case C identifier "
     "([a-z][a-z0-9_]*, at most 11 characters)"),
    ("name: edu\npci: {vendor: ~, device: 2}\n", 2, "pci.vendor",
     "not set: expected an integer 0..0xffff (`kpgen scan` lists the PCI "
     "devices here with their ids)"),
    ("name: edu\npci: [1, 2]\n", 2, "pci", "expected a mapping (PCI "
     "match), got a list"),
    ("name: edu\npci: {vendor: 0x_, device: 2}\n", 2, "pci.vendor",
     "'0x_' is not a valid integer (decimal, 0x hex, 0o octal or 0b "
     "binary, `_` only between digits)"),
    ("name: edu\npci: {vendor: %s, device: 2}\n" % ("9" * 5000), 2,
     "pci.vendor", "number of 5000 characters is too long for any field"),
    ("name: edu\npci: {vendor: 010, device: 2}\n", 2, "pci.vendor",
     "'010': a leading 0 is ambiguous: write 0o10 for octal or drop the 0"),
    ("name: edu\npci: {vendor: 1.5, device: 2}\n", 2, "pci.vendor",
     "'1.5': numbers in a description are integers"),
    ("name: edu\npci: {vendor: !!str 0x1234, device: 2}\n", 2,
     "pci.vendor", "expected an integer 0..0xffff, got '0x1234'"),
    ("name: edu\npci: &p {vendor: 1, device: 2}\nx: *p\n", 3, "x",
     "YAML aliases (*name) are not supported in descriptions: write the "
     "value out"),
    ("name: edu\ndescription: \"a\\0b\"\npci: {vendor: 1, device: 2}\n", 2,
     "description", None),
    ("name: edu  # \u202e\npci: {vendor: 1, device: 2}\n", 1, "text",
     "character U+202E is not allowed in a description (control, "
     "bidirectional or invalid characters would reach generated C)"),
    ("name: kp\npci: {vendor: 1, device: 2}\n", 1, "name", "'kp' is a "
     "prefix of kernel, runtime or C library names (kp_...): the generated "
     "kp_* and KP_* names would clash; choose another name"),
    ("name: pci\npci: {vendor: 1, device: 2}\n", 1, "name", None),
    ("name: dev1\npci: {vendor: 1, device: 2}\n", 1, "name", "'dev1' ends "
     "with a digit: the device nodes are /dev/kp/<name><index>, so a final "
     "digit would be ambiguous"),
    ("name: Edu\npci: {vendor: 1, device: 2}\n", 1, "name", "expected a "
     "lower-case C identifier ([a-z][a-z0-9_]*, at most 11 characters), "
     "got 'Edu'"),
    (BASE + "messages:\n  - name: a\n    id: 0xffffffff\n  - name: b\n", 6,
     "messages[1].id", "no message id left after 0xffffffff: give `id` "
     "explicitly"),
    (BASE + "messages:\n  - name: a\n    id: 0x100000000\n", 5,
     "messages[0].id", "0x100000000 is out of range: expected an integer "
     "1..0xffffffff"),
    (BASE + "messages:\n  - name: a\n  - name: b\n    id: 1\n", 6,
     "messages[1].id", "duplicate message id 1 (also used by 'a' at line "
     "4)"),
    (BASE + "messages:\n  - name: a\n    output: [{name: current, "
     "type: u32}]\n", 5, "messages[0].output[0].name", "'current' is a "
     "macro in the kernel or C library headers: choose another name"),
    (BASE + "messages:\n  - name: a\n    output: [{name: errno, "
     "type: u32}]\n", 5, "messages[0].output[0].name", None),
    (BASE + "messages:\n  - name: a\n    output: [{name: int, "
     "type: u32}]\n", 5, "messages[0].output[0].name", "'int' is a C "
     "keyword"),
    (BASE + "messages:\n  - name: a\n    output: [{name: HZ, "
     "type: u32}]\n", 5, "messages[0].output[0].name", "expected a "
     "lower-case C identifier ([a-z][a-z0-9_]*, at most 31 characters), "
     "got 'HZ'"),
    (BASE + BAR.format(type="io") + "      - {name: q, offset: 0, width: "
     "64}\n", 9, "bars[0].registers[0].width", "64-bit registers need a "
     "memory BAR: BAR0 'regs' is an I/O BAR"),
    (BASE + BAR.format(type="mem") + "      - {name: q, offset: 0x100}\n",
     9, "bars[0].registers[0].offset", "register 'q' (offset 0x100, 4 "
     "bytes) is outside BAR0 'regs' of size 0x100"),
    (BASE + BAR.format(type="mem") + "      - {name: a, offset: 0}\n"
     "      - {name: b, offset: 2, width: 16}\n", 10,
     "bars[0].registers[1].offset", "register 'b' (2..3) overlaps "
     "register 'a' (0..3) at line 9 (only a read-only and a write-only "
     "register may share bytes)"),
    (BASE + BAR.format(type="mem") + "      - {name: res, offset: 0, "
     "fields: [{name: ok, bits: 0}]}\n", 9,
     "bars[0].registers[0].fields[0].name", "bit field 'ok' would generate "
     "the C name EDU_RES_OK, already generated for kpgen's own EDU_RES_OK: "
     "rename one of them"),
    (BASE + BAR.format(type="mem") + "      - {name: small, offset: 0, "
     "fields: [{name: payload, bits: 0}]}\n", 9,
     "bars[0].registers[0].fields[0].name", "bit field 'payload' would "
     "generate the C name EDU_SMALL_PAYLOAD, already generated for kpgen's "
     "own EDU_SMALL_PAYLOAD: rename one of them"),
    (BASE + BAR.format(type="mem") + "      - {name: s, offset: 0}\n"
     "interrupts:\n  acknowledge:\n    - {read: s, pending: clear}\n", 12,
     "interrupts.acknowledge[0].pending", "`pending` belongs to a read "
     "step with a `mask`"),
    (BASE + BAR.format(type="mem") + "      - {name: s, offset: 0}\n"
     "interrupts:\n  acknowledge:\n    - {read: s, mask: 0, pending: "
     "clear}\n", 12, "interrupts.acknowledge[0].mask", "`pending: clear` "
     "with mask 0 tests no bit: give the bits that read 0 while an "
     "interrupt is pending"),
    (BASE + BAR.format(type="mem") + "      - {name: s, offset: 0, width: "
     "8}\ninterrupts:\n  acknowledge:\n    - {read: s, mask: 0x100}\n", 12,
     "interrupts.acknowledge[0].mask", "0x100 does not fit the 8-bit "
     "register 's'"),
    (BASE + BAR.format(type="mem") + "      - {name: s, offset: 0}\n"
     "interrupts:\n  acknowledge:\n    - {write: s, value: read}\n", 12,
     "interrupts.acknowledge[0].value", "`value: read` needs an earlier "
     "read step"),
    ("name: edu\npci: {vendor: 1, device: 2}\nx: [" * 1 + "[" * 3000 +
     "]" * 3001 + "\n", 3, "syntax", "malformed YAML: nested more than 32 "
     "levels deep"),
]


@pytest.mark.parametrize("text,line,field,message", ERRORS,
                         ids=[str(i) for i in range(len(ERRORS))])
def test_error(kpgen, tmp_path, text, line, field, message):
    path = write(tmp_path / "d.yaml", text)
    with pytest.raises(KpgenError) as exc:
        load_description(path, text)
    err = exc.value
    assert (err.line, err.field) == (line, field), str(err)
    if message is not None:
        assert err.message == message
    res = kpgen("new", "--from", path, "-o", tmp_path / "out")
    assert res.rc == 1 and res.err.startswith("kpgen: error: %s" % path)
    assert "Traceback" not in res.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.yaml"]


@pytest.mark.parametrize("name", ["kp", "pci", "true", "hz", "page_size",
                                  "eof", "u32_max", "this_module", "current",
                                  "dev", "irq", "module", "kpdiag", "serial"])
def test_driver_names_the_headers_use_are_refused(name):
    with pytest.raises(KpgenError) as exc:
        desc("name: '%s'\npci: {vendor: 1, device: 2}\n" % name)
    assert re.search(r"is a prefix of kernel, runtime or C library names|"
                     r"is a C keyword$", exc.value.message), exc.value


@pytest.mark.parametrize("field", ["current", "errno", "stdin", "si_pid",
                                   "linux", "unix", "stdout"])
def test_member_names_that_are_macros_are_refused(field):
    with pytest.raises(KpgenError) as exc:
        extra("messages:\n  - name: m\n    input: [{name: %s, type: u8}]\n"
              % field)
    assert exc.value.message == "%r is a macro in the kernel or C library " \
        "headers: choose another name" % field


def test_the_schema_is_a_valid_draft_2020_12_schema():
    import jsonschema
    jsonschema.Draft202012Validator.check_schema(load.SCHEMA)
    # every property says what it means: the format doc and editors show it
    for key, sch in [("description", load.SCHEMA)] + list(
            load.SCHEMA["$defs"].items()):
        for prop, sub in sch.get("properties", {}).items():
            assert sub.get("description"), "%s.%s" % (key, prop)


@pytest.mark.parametrize("irq,line,field,message", [
    ("{mode: msix, vectors: 8, device_vectors: {msi: 8, msix: 5}}", 3,
     "interrupts.vectors", "8 vectors: the device offers at most 5 MSI-X "
     "vectors (device_vectors.msix)"),
    ("{mode: msi, device_vectors: {msi: 0, msix: 4}}", 3, "interrupts.mode",
     "the device has no MSI (device_vectors.msi: 0)"),
    ("{mode: auto, vectors: 16, device_vectors: {msi: 8, msix: 5}}", 3,
     "interrupts.vectors", "16 vectors: the device offers at most 8 (MSI-X "
     "5, MSI 8)"),
    ("{mode: msi, device_vectors: {msi: 33}}", 3,
     "interrupts.device_vectors.msi", "33 is out of range: expected an "
     "integer 0..32"),
    ("{mode: msix, vectors: 5, device_vectors: {msi: 8, msix: 5}}", None,
     None, None),
    ("{mode: auto, vectors: 8, device_vectors: {msi: 8, msix: 5}}", None,
     None, None),
    ("{mode: auto, vectors: 8, device_vectors: {msi: 8}}", None, None, None),
    ("{mode: legacy, device_vectors: {msi: 0, msix: 0}}", None, None, None),
])
def test_vectors_fit_what_the_device_offers(irq, line, field, message):
    text = BASE + "interrupts: %s\n" % irq
    if line is None:
        desc(text)
        return
    with pytest.raises(KpgenError) as exc:
        desc(text)
    assert (exc.value.line, exc.value.field, exc.value.message) == (
        line, field, message)
