"""The description's `dma:` section and messages with `buffer`: what the
generated plugin does (mask, buffers allocated in KP_Open and freed in
KP_Close in reverse order, the user buffer checks of KP_Call) and every
error with its exact FILE:LINE: field: message."""
import textwrap

import pytest

from conftest import REPO, write
from kpgen import model
from kpgen.errors import KpgenError
from kpgen.render import load_description, render

BASE = "name: mydev\npci: {vendor: 0x1234, device: 0x11e8}\n"
EDUDMA = REPO / "examples" / "edudma" / "edudma.yaml"
GLUE = REPO / "runtime" / "include" / "kp" / "kp_glue.h"


def desc(text):
    return load_description("d.yaml", text)[1]


def gen(more):
    d = desc(BASE + textwrap.dedent(more))
    return render(d, "d.yaml", "/rt")


def between(text, start, end):
    return text[text.index(start):text.index(end, text.index(start))]


def test_open_sets_the_mask_then_allocates_in_order_and_unwinds():
    g, user = gen("""\
        dma:
          mask: 32
          buffers:
            - {name: ring, size: 0x1000, direction: to_device}
            - {name: status, size: 64, direction: from_device}
        """)
    c = g["mydev_gen.c"]
    opening = between(c, "static BOOL __cdecl KP_mydev_Open", "\n}\n")
    assert opening.split("{\n", 1)[1] == (
        "\tstruct mydev_open_ctx *open;\n\n"
        "\tif (!kp_glue_check_bars(hWD, NULL, 0) ||\n"
        "\t    !kp_glue_dma_mask(hWD, MYDEV_DMA_MASK_BITS))\n"
        "\t\treturn FALSE;\n"
        "\topen = calloc(1, sizeof(*open));\n\tif (!open)\n"
        "\t\treturn FALSE;\n\topen->hWD = hWD;\n"
        "\tif (!kp_glue_dma_alloc(hWD, &open->dma.ring,\n"
        "\t\t\t       MYDEV_DMA_RING_SIZE, \"ring\"))\n\t\tgoto free_open;\n"
        "\tif (!kp_glue_dma_alloc(hWD, &open->dma.status,\n"
        "\t\t\t       MYDEV_DMA_STATUS_SIZE, \"status\"))\n"
        "\t\tgoto free_ring;\n"
        "\tif (!mydev_open(hWD, pOpenData, &open->dma, &open->ctx))\n"
        "\t\tgoto free_status;\n"
        "\t*kpOpenCall = mydev_callbacks;\n"
        "\t*ppDrvContext = open;\n\treturn TRUE;\n\n"
        "free_status:\n\tkp_glue_dma_free(hWD, &open->dma.status);\n"
        "free_ring:\n\tkp_glue_dma_free(hWD, &open->dma.ring);\n"
        "free_open:\n\tfree(open);\n\treturn FALSE;")
    assert "static const KP_OPEN_CALL mydev_callbacks = {\n" \
        "\tKP_GLUE_CALLS(mydev),\n};\n" in c
    closing = between(c, "static void __cdecl KP_mydev_Close", "\n}\n")
    assert closing.split("{\n", 1)[1] == (
        "\tstruct mydev_open_ctx *open = pDrvContext;\n\n"
        "\tmydev_close(open->ctx);\n"
        "\tkp_glue_dma_free(open->hWD, &open->dma.status);\n"
        "\tkp_glue_dma_free(open->hWD, &open->dma.ring);\n\tfree(open);")
    # a second open may meet the first one's user buffers: same mask is ok
    assert "if (rc == -EBUSY && dma_get_mask(kp_dma_dev(hWD)) == " \
        "DMA_BIT_MASK(bits))\n\t\trc = 0;\n" in GLUE.read_text()
    msgs = g["mydev_msgs.h"]
    for line in ("#define MYDEV_DMA_MASK_BITS\t\t32\n",
                 "#define MYDEV_DMA_RING_SIZE\t\t0x1000U\t/* plugin buffer "
                 "ring */\n",
                 "#define MYDEV_DMA_RING_DIR\t\tKP_DMA_TO_DEVICE\n",
                 "#define MYDEV_DMA_STATUS_SIZE\t\t0x40U\t/* plugin buffer "
                 "status */\n",
                 "#define MYDEV_DMA_STATUS_DIR\t\tKP_DMA_FROM_DEVICE\n",
                 "#define MYDEV_DMA_USER_SG\t\t0\t/* KP_DMA_LOCK buffers */\n",
                 "#define MYDEV_RES_BAD_BUFFER\t\t9\n"):
        assert line in msgs
    assert "struct mydev_dma {\n\tstruct mydev_dma_buf ring;\n\tstruct " \
        "mydev_dma_buf status;\n};\n" in g["mydev_gen.h"]
    assert "\tctx->dma = dma;" in user["mydev_plugin.c"]
    assert "\tconst struct mydev_dma *dma;" in user["mydev_plugin.h"]
    assert "\t.dma_mask_bits = MYDEV_DMA_MASK_BITS,\n" \
        "\t.dma_user = KPDIAG_DMA_CONTIG,\n" in g["mydev_diag.c"]


def test_mask_only_needs_no_open_context():
    g, user = gen("dma: {mask: 64, contiguous: false}\n")
    c = g["mydev_gen.c"]
    assert "open_ctx" not in c and "dma_alloc" not in c
    assert "\nKP_GLUE_OPEN(mydev, NULL, 0, MYDEV_DMA_MASK_BITS, " \
        "mydev_callbacks)\n" in c
    assert "\t.dma_user = 0,\n" in g["mydev_diag.c"]
    assert "ctx->dma" not in user["mydev_plugin.c"]


def test_no_dma_section_no_dma_code():
    g, _ = gen("messages: [{name: m}]\n")
    assert "dma" not in g["mydev_gen.c"].lower()
    assert ".dma_" not in g["mydev_diag.c"]


@pytest.mark.parametrize("contig,sg", [(True, False), (False, True),
                                       (True, True)])
def test_buffer_messages_check_the_buffer_before_the_handler(contig, sg):
    g, user = gen("""\
        dma: {mask: 28, contiguous: %s, scatter_gather: %s}
        messages:
          - name: copy
            buffer: from_device
            input: [{name: where, type: u32}]
            output: [{name: done, type: u32}]
        """ % (str(contig).lower(), str(sg).lower()))
    c = g["mydev_gen.c"]
    # the checks are kp_glue.h's, given the kinds dma accepts
    get = between(GLUE.read_text(), "kp_glue_dma_msg_get(HANDLE hWD",
                  "\n}\n")
    assert "\tif (!r->length || r->offset >= buf->size ||\n" \
        "\t    r->length > buf->size - r->offset || (buf->flags & dir) " \
        "!= dir ||\n" \
        "\t    !((buf->flags & KP_DMA_F_CONTIG) ? contig : sg) ||\n" \
        "\t    kp_dma_buffer_sync(buf, r->offset, r->length, FALSE)) {\n" \
        "\t\tkp_dma_buffer_put(buf);\n\t\treturn NULL;\n\t}\n" in get
    msgs = g["mydev_msgs.h"]
    assert "#define MYDEV_DMA_USER_CONTIG\t\t%d\t" % contig in msgs
    assert "#define MYDEV_DMA_USER_SG\t\t%d\t" % sg in msgs
    assert "\nKP_GLUE_CHECK_DMA_RANGE(struct mydev_dma_range);\n" in c
    assert "\tcase MYDEV_MSG_COPY:\n" \
        "\t\tbuf = kp_glue_dma_msg_get(kpCall->hKernelPlugIn, msg, dir,\n" \
        "\t\t\t\t\t  MYDEV_DMA_USER_CONTIG,\n" \
        "\t\t\t\t\t  MYDEV_DMA_USER_SG);\n" \
        "\t\tif (!buf) {\n\t\t\tres = MYDEV_RES_BAD_BUFFER;\n\t\t\tbreak;\n" \
        "\t\t}\n\t\tres = mydev_on_copy(ctx, msg, buf);\n" \
        "\t\tkp_glue_dma_msg_put(buf, msg, dir, res);\n\t\tbreak;\n" in c
    assert "\t\tdir = KP_DMA_FROM_DEVICE;\n" in c
    # the range comes first in the payload, as struct mydev_dma_range says
    msgs = g["mydev_msgs.h"]
    payload = between(msgs, "struct mydev_msg_copy {", "};")
    assert [ln.split(";")[0].strip() for ln in payload.splitlines()[1:]] \
        == ["__u32 handle", "__u8 __pad0[4]", "__u64 offset",
            "__u64 length", "__u32 where", "__u32 done"]
    assert "struct mydev_dma_range {\n\t__u32 handle;" in msgs
    assert "DWORD mydev_on_copy(struct mydev_drv_ctx *ctx, struct " \
        "mydev_msg_copy *msg,\n\t\t    const struct kp_dma_buffer *buf)\n" \
        in user["mydev_calls.c"]
    # the diag app fills the range like any field
    assert '{ "handle", KPDIAG_U32,' in g["mydev_diag.c"]


def test_the_edudma_example_loads():
    d = desc(EDUDMA.read_text())
    assert (d.dma.mask, d.dma.contiguous, d.dma.scatter_gather) == (
        28, True, True)
    assert [(b.name, b.size, b.direction) for b in d.dma.buffers] == [
        ("bounce", 0x2000, "bidirectional")]
    assert [(m.name, m.buffer, [f.name for f in m.input])
            for m in d.messages] == [
        ("to_edu", "to_device", ["handle", "offset", "length",
                                 "edu_offset"]),
        ("from_edu", "from_device", ["handle", "offset", "length",
                                     "edu_offset"]),
        ("selftest", None, ["seed", "length"])]
    ctx = model.build(d, "edudma.yaml", "/rt")
    assert ctx["results"][-1]["macro"] == "EDUDMA_RES_BAD_BUFFER"


MSG = "messages:\n  - name: m\n    buffer: to_device\n"
ERRORS = [
    (BASE + MSG, 5, "messages[0].buffer", "a message with `buffer` needs "
     "a `dma` section (at least `dma: {mask: BITS}`)"),
    (BASE + "dma: {mask: 32, contiguous: false}\n" + MSG, 6,
     "messages[0].buffer", "`dma` accepts no user buffers (contiguous and "
     "scatter_gather are false): no message can take one"),
    (BASE + "dma: {mask: 32}\n" + MSG + "    input: [{name: handle, "
     "type: u32}]\n", 7, "messages[0].input[0].name", "field 'handle' is "
     "kpgen's own in a message with `buffer` (handle, offset, length): "
     "choose another name"),
    (BASE + "dma: {mask: 32}\n" + MSG + "    output: [{name: length, "
     "type: u8}]\n", 7, "messages[0].output[0].name", "field 'length' is "
     "kpgen's own in a message with `buffer` (handle, offset, length): "
     "choose another name"),
    (BASE + "dma: {mask: 23}\n", 3, "dma.mask", "23 is out of range: "
     "expected an integer 24..64"),
    (BASE + "dma: {buffers: []}\n", 3, "dma.mask", None),
    (BASE + "dma:\n  mask: 32\n  buffers:\n    - {name: a, size: 1}\n"
     "    - {name: a, size: 2}\n", 7, "dma.buffers[1].name", "duplicate "
     "DMA buffer name 'a' (first at line 6)"),
    (BASE + "dma:\n  mask: 32\n  buffers:\n    - {name: int, size: 1}\n",
     6, "dma.buffers[0].name", "'int' is a C keyword or a macro of the "
     "kernel or C library headers: choose another name"),
    (BASE + "dma:\n  mask: 32\n  buffers:\n    - {name: a, size: "
     "0x400001}\n", 6, "dma.buffers[0].size", "0x400001 is out of range: "
     "expected an integer 1..0x400000"),
    (BASE + "dma: {mask: 32}\nmessages:\n  - {name: m, buffer: both}\n", 5,
     "messages[0].buffer", None),
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
    assert res.rc == 1 and "Traceback" not in res.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.yaml"]


def test_adding_dma_to_an_edited_project_merges_cleanly(kpgen, tmp_path):
    """The starters' dma lines sit apart from the TODO lines a user edits
    first, so `update` merges them (git merge-file) without conflicts."""
    src = write(tmp_path / "d.yaml", BASE)
    proj = tmp_path / "p"
    assert kpgen("new", "--from", src, "-o", proj).rc == 0
    for rel, old, new in (
            ("mydev_plugin.c", "\t/* TODO(user): per-open initialization "
             "(pOpenData is yours to define) */\n", "\t/* mine */\n"),
            ("mydev_plugin.h", "\t/* TODO(user): add your per-open state "
             "here */\n", "\tint mine;\n")):
        text = (proj / rel).read_text()
        assert old in text
        (proj / rel).write_text(text.replace(old, new))
    more = write(tmp_path / "d2.yaml", BASE + "dma:\n  mask: 40\n  buffers:"
                 "\n    - {name: ring, size: 4096}\n")
    res = kpgen("update", proj, "--from", more)
    assert res.rc == 0, res
    assert "  merged      mydev_plugin.c (the new starter merged into your " \
        "code)\n" in res.out
    c = (proj / "mydev_plugin.c").read_text()
    assert "BOOL mydev_open(HANDLE hWD, PVOID pOpenData, const struct " \
        "mydev_dma *dma,\n" in c
    assert "\tctx->dma = dma;" in c and "\t/* mine */\n" in c
    h = (proj / "mydev_plugin.h").read_text()
    assert "\tconst struct mydev_dma *dma;" in h and "\tint mine;\n" in h
