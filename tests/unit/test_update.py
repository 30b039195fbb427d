"""`kpgen update`: generated files are rewritten, user files are never
overwritten (a changed starter is merged in with git merge-file), message
ids never change, and kpgen 0.1 projects are migrated."""
import json
import re

import pytest

from conftest import EDU, tree, write
from kpgen import __version__, project, render

PING = """\
  - name: ping
    description: answers pong
    output:
      - {name: pong, type: u32}
"""
MARKERS = ("<<<<<<<", "|||||||", "=======", ">>>>>>>")
GENERATED = ["Kbuild", "Makefile", "README.md", "dkms.conf", "edu_diag.c",
             "edu_gen.c", "edu_gen.h", "edu_msgs.h", "edu_regs.h",
             ".gitignore"]
USER = ["edu_calls.c", "edu_plugin.c", "edu_plugin.h"]


def gen(kpgen, tmp_path, text, user_files=True):
    folder = tmp_path / ("src" if user_files else "bare")
    desc = write(folder / "edu.yaml", text)
    if user_files:
        write(folder / "edu_calls.c", (EDU.parent / "edu_calls.c")
              .read_text())
    res = kpgen("new", "--from", desc, "-o", tmp_path / "p", "--runtime",
                "/opt/kp/runtime")
    assert res.rc == 0, res
    return tmp_path / "p"


def with_ping(text):
    return text.replace("\nevents:", "\n" + PING + "\nevents:")


def no_ids(text):
    return "".join(line for line in text.splitlines(True)
                   if not line.startswith("    id: "))


def state(proj):
    return json.loads((proj / ".kpgen/state.json").read_text())


def assert_no_markers(proj, rels):
    for rel in rels:
        text = (proj / rel).read_text()
        for line in text.splitlines():
            assert not line.startswith(MARKERS), "%s: %s" % (rel, line)


def test_project_records_ids_hashes_and_starters(kpgen, tmp_path, edu_text):
    proj = gen(kpgen, tmp_path, edu_text)
    st = state(proj)
    assert st["message_ids"] == {"version": 1, "liveness": 2, "factorial": 3}
    assert (st["generator"], st["format"], st["layout"], st["name"],
            st["runtime"]) == (__version__, 2, 2, "edu", "/opt/kp/runtime")
    assert sorted(st["generated"]) == sorted(GENERATED)
    assert sorted(p.name for p in (proj / ".kpgen/base").iterdir()) == USER


def test_update_unchanged_is_up_to_date(kpgen, tmp_path, edu_text):
    proj = gen(kpgen, tmp_path, edu_text)
    before = tree(proj)
    res = kpgen("update", proj)
    assert (res.rc, res.out) == (0, "%s: up to date\n" % proj)
    assert tree(proj) == before


def test_new_message_regenerates_and_merges_its_stub(kpgen, tmp_path,
                                                     edu_text):
    proj = gen(kpgen, tmp_path, no_ids(edu_text))
    plugin = proj / "edu_plugin.c"
    plugin.write_text(plugin.read_text().replace(
        "\t/* TODO(user): deferred interrupt work */\n",
        "\tpr_debug(\"dpc %u\\n\", dwCount);\n"))
    calls_before = (proj / "edu_calls.c").read_text()
    (proj / "kpgen.yaml").write_text(with_ping(no_ids(edu_text)))
    res = kpgen("update", proj)
    assert res.rc == 0, res
    assert res.out.splitlines() == [
        "  regenerated README.md", "  regenerated edu_diag.c",
        "  regenerated edu_gen.c", "  regenerated edu_gen.h",
        "  regenerated edu_msgs.h",
        "  merged      edu_calls.c (the new starter merged into your code)"]
    calls = (proj / "edu_calls.c").read_text()
    assert calls.startswith(calls_before)          # your code, untouched
    assert "DWORD edu_on_ping(struct edu_drv_ctx *ctx, struct " \
        "edu_msg_ping *msg)" in calls
    assert "pr_debug(\"dpc %u\\n\", dwCount);" in plugin.read_text()
    assert state(proj)["message_ids"] == {"version": 1, "liveness": 2,
                                          "factorial": 3, "ping": 4}
    assert_no_markers(proj, GENERATED + USER)
    res = kpgen("update", proj)
    assert (res.rc, res.out) == (0, "%s: up to date\n" % proj)


def test_message_ids_never_change(kpgen, tmp_path, edu_text):
    proj = gen(kpgen, tmp_path, with_ping(no_ids(edu_text)),
               user_files=False)
    text = no_ids(edu_text).replace(
        "\n  - name: liveness\n", "\n  - name: echo\n    output: [{name: "
        "x, type: u8}]\n  - name: liveness\n")
    (proj / "kpgen.yaml").write_text(text)     # ping removed, echo added
    res = kpgen("update", proj)
    assert res.rc == 0, res
    msgs = (proj / "edu_msgs.h").read_text()
    ids = dict(re.findall(r"#define EDU_MSG_(\w+)\t+(\w+)", msgs))
    assert ids == {"VERSION": "1", "ECHO": "5", "LIVENESS": "2",
                   "FACTORIAL": "3"}                  # 4 stays ping's
    assert state(proj)["message_ids"]["ping"] == 4
    (proj / "kpgen.yaml").write_text(text.replace(
        "\n  - name: echo\n", "\n  - name: echo\n    id: 7\n"))
    res = kpgen("update", proj)
    assert res.rc == 1
    assert "message 'echo' had id 5 in this project; changing it breaks " \
        "every application built against the old header" in res.err


def test_template_change_regenerates_and_merges_without_markers(
        kpgen, tmp_path, edu_text, monkeypatch):
    proj = gen(kpgen, tmp_path, edu_text)
    plugin = proj / "edu_plugin.c"
    mine = plugin.read_text().replace(
        "\t/* TODO(user): release what edu_open() set up */\n",
        "\tpr_info(\"closed\\n\");\n")
    plugin.write_text(mine)
    orig = render.render

    def new_templates(desc, filename, runtime):      # kpgen upgraded
        gen_files, user = orig(desc, filename, runtime)
        gen_files["edu_gen.c"] += "/* a new generated line */\n"
        user["edu_plugin.c"] = user["edu_plugin.c"].replace(
            "#include <linux/module.h>\n",
            "#include <linux/module.h>\n#include <linux/slab.h>\n")
        user["edu_plugin.h"] += "/* new in the starter */\n"
        return gen_files, user
    monkeypatch.setattr("kpgen.project.render", new_templates)
    res = kpgen("update", proj)
    assert res.rc == 0, res
    assert "  regenerated edu_gen.c\n" in res.out
    assert "  merged      edu_plugin.c (the new starter merged into your " \
        "code)\n" in res.out
    assert "  updated     edu_plugin.h (you had not changed it)\n" in res.out
    out = plugin.read_text()
    assert "#include <linux/slab.h>\n" in out and "pr_info(\"closed" in out
    assert (proj / "edu_gen.c").read_text().endswith(
        "/* a new generated line */\n")
    assert_no_markers(proj, GENERATED + USER)


def test_conflict_stays_in_the_user_file(kpgen, tmp_path, edu_text,
                                         monkeypatch):
    proj = gen(kpgen, tmp_path, edu_text)
    hdr = proj / "edu_plugin.h"
    hdr.write_text(hdr.read_text().replace(
        "\t/* TODO(user): add your per-open state here */\n",
        "\tint users;\n"))
    orig = render.render

    def new_templates(desc, filename, runtime):
        gen_files, user = orig(desc, filename, runtime)
        user["edu_plugin.h"] = user["edu_plugin.h"].replace(
            "\t/* TODO(user): add your per-open state here */\n",
            "\t/* TODO(user): per-open state */\n")
        return gen_files, user
    monkeypatch.setattr("kpgen.project.render", new_templates)
    res = kpgen("update", proj)
    assert res.rc == 1
    assert "  conflict    edu_plugin.h (1 conflict: resolve the <<<<<<< " \
        "regions)\n" in res.out
    assert ("<<<<<<< yours edu_plugin.h\n\tint users;\n||||||| base\n"
            "\t/* TODO(user): add your per-open state here */\n=======\n"
            "\t/* TODO(user): per-open state */\n>>>>>>> new\n") \
        in hdr.read_text()
    assert_no_markers(proj, GENERATED)
    res = kpgen("update", proj)
    assert (res.rc, res.err) == (1, "kpgen: error: %s: has unresolved "
                                 "conflict markers from an earlier update: "
                                 "resolve them first\n" % hdr)


def test_edited_generated_file_is_rewritten_and_kept_aside(kpgen, tmp_path,
                                                           edu_text):
    proj = gen(kpgen, tmp_path, edu_text)
    regs = proj / "edu_regs.h"
    edited = regs.read_text() + "/* mine */\n"
    regs.write_text(edited)
    res = kpgen("update", proj)
    assert res.rc == 0
    assert res.out == ("  regenerated edu_regs.h (you had edited it: your "
                       "version is edu_regs.h.orig)\n")
    assert (proj / "edu_regs.h.orig").read_text() == edited
    assert "/* mine */" not in regs.read_text()


@pytest.mark.parametrize("edited", [False, True])
def test_project_of_kpgen_0_2_moves_to_the_runtimes_makefile_and_kp_bind(
        kpgen, tmp_path, edu_text, edited):
    """kpgen 0.2 generated a whole Makefile and kp-bind.sh into the
    project; now the Makefile includes the runtime's kpgen-project.mk and
    calls the runtime's kp-bind: update rewrites the one and deletes the
    other (keeping an edited copy aside), the user's files untouched."""
    proj = gen(kpgen, tmp_path, edu_text)
    new_makefile = (proj / "Makefile").read_text()
    old = {"Makefile": "# kpgen 0.2's Makefile\nall:\n\tsh kp-bind.sh\n",
           "kp-bind.sh": "#!/bin/sh\n# kpgen 0.2's kp-bind.sh\n"}
    st = state(proj)
    for rel, text in old.items():
        write(proj / rel, text)
        st["generated"][rel] = project.sha(text)
    (proj / ".kpgen/state.json").write_text(project.state_text(st))
    if edited:
        write(proj / "kp-bind.sh", old["kp-bind.sh"] + "# mine\n")
    user = {rel: (proj / rel).read_text() for rel in USER}
    res = kpgen("update", proj)
    assert res.rc == 0, res
    assert res.out == (
        "  regenerated Makefile\n"
        + ("  deleted     kp-bind.sh (no longer generated; your edited "
           "version is kp-bind.sh.orig)\n" if edited else
           "  deleted     kp-bind.sh (no longer generated)\n"))
    assert (proj / "Makefile").read_text() == new_makefile
    assert "\ninclude $(or $(wildcard $(RUNTIME)/kpgen-project.mk)," \
        in new_makefile
    assert not (proj / "kp-bind.sh").exists()
    assert (proj / "kp-bind.sh.orig").exists() == edited
    assert sorted(state(proj)["generated"]) == sorted(GENERATED)
    assert {rel: (proj / rel).read_text() for rel in USER} == user


def test_update_invalid_description_writes_nothing(kpgen, tmp_path,
                                                   edu_text):
    proj = gen(kpgen, tmp_path, edu_text)
    (proj / "kpgen.yaml").write_text(edu_text.replace("width: 32\n",
                                                      "width: 12\n"))
    before = tree(proj)
    res = kpgen("update", proj)
    assert res.rc == 1
    assert res.err.startswith("kpgen: error: %s:" % (proj / "kpgen.yaml"))
    assert "bars[0].registers[0].width: expected one of `8`, `16`, `32`, " \
        "`64`, got 12" in res.err
    assert tree(proj) == before


def test_update_dry_run_writes_nothing(kpgen, tmp_path, edu_text):
    proj = gen(kpgen, tmp_path, edu_text)
    before = tree(proj)
    new = write(tmp_path / "n.yaml", with_ping(edu_text))
    res = kpgen("update", proj, "--from", new, "--dry-run")
    assert res.rc == 0
    assert res.out.startswith("%s: dry run, nothing written; would do:\n"
                              % proj)
    assert "  merged      edu_calls.c" in res.out
    assert tree(proj) == before


def test_rename_is_refused(kpgen, tmp_path, edu_text):
    proj = gen(kpgen, tmp_path, edu_text)
    (proj / "kpgen.yaml").write_text(edu_text.replace("name: edu  ",
                                                      "name: qedu "))
    res = kpgen("update", proj)
    assert res.rc == 1 and "the driver name changed (edu -> qedu)" in res.err


@pytest.mark.parametrize("content", ["[]", "null", "\"x\"", "3",
                                     "{\"message_ids\": []}",
                                     "{\"message_ids\": {\"a\": \"1\"}}",
                                     "{nope"])
def test_corrupt_state(kpgen, tmp_path, edu_text, content):
    proj = gen(kpgen, tmp_path, edu_text)
    (proj / ".kpgen/state.json").write_text(content)
    res = kpgen("update", proj)
    assert res.rc == 1 and "corrupt state file" in res.err, res
    assert "Traceback" not in res.err


def test_update_not_a_project(kpgen, tmp_path):
    res = kpgen("update", tmp_path)
    assert res.rc == 1
    assert res.err == ("kpgen: error: %s: not a kpgen project (no "
                       ".kpgen/state.json): generate one with `kpgen new`\n"
                       % tmp_path)


V1 = """\
kpgen: 1
name: edu
pci: {vendor: 0x1234, device: 0x11e8}
bars:
  - {index: 0, name: mmio, type: mem, size: 0x1000, registers: [
      {name: id, offset: 0, access: ro}]}
messages:
  - name: version
    output: [{name: version, type: u32}]
    code: |
      msg->version = edu_read_id(ctx->hWD);
      return EDU_RES_OK;
"""


def test_kpgen_01_project_is_migrated(kpgen, tmp_path):
    proj = tmp_path / "old"
    write(proj / "kpgen.yaml", V1)
    write(proj / ".kpgen/description.yaml", V1)
    write(proj / ".kpgen/state.json", json.dumps(
        {"generator": "0.1.0", "format": 1, "runtime": "/opt/kp/runtime"}))
    write(proj / "edu_kp.c", "/* kpgen 0.1: mine and generated */\n")
    write(proj / "edu_diag.c", "/* the old app */\n")
    write(proj / "edu_regs.h", "/* old */\n")
    res = kpgen("update", proj)
    assert res.rc == 0, res
    assert "edu_kp.c was made by kpgen 0.1" not in res.out
    assert "note: %s was made by kpgen 0.1, which mixed your code with " \
        "generated code in edu_kp.c: it is now edu_kp.c.v1." % proj \
        in res.out
    assert "  moved       edu_kp.c -> edu_kp.c.v1 (your code from kpgen " \
        "0.1)\n" in res.out
    assert (proj / "edu_kp.c.v1").read_text() == \
        "/* kpgen 0.1: mine and generated */\n"
    assert (proj / "edu_diag.c.v1").read_text() == "/* the old app */\n"
    assert not (proj / "edu_kp.c").exists()
    assert "\tmsg->version = edu_read_id(ctx->hWD);\n\treturn EDU_RES_OK;" \
        in (proj / "edu_calls.c").read_text()
    text = (proj / "kpgen.yaml").read_text()
    assert "kpgen: 2" in text and "code:" not in text
    assert not (proj / ".kpgen/description.yaml").exists()
    assert state(proj)["layout"] == 2
    res = kpgen("update", proj)
    assert (res.rc, res.out) == (0, "%s: up to date\n" % proj)


def test_new_from_a_format_1_description_says_it_migrated(kpgen, tmp_path):
    src = write(tmp_path / "v1" / "edu.yaml", V1)
    res = kpgen("new", "--from", src, "-o", tmp_path / "p")
    assert res.rc == 0, res
    assert res.out.startswith("note: %s is format 1 (kpgen 0.1): %s/kpgen."
                              "yaml is format 2, its `code:` bodies are in "
                              "the user files\n" % (src, tmp_path / "p"))
    assert "\tmsg->version = edu_read_id(ctx->hWD);" in (
        tmp_path / "p/edu_calls.c").read_text()
    assert "TODO(user): implement EDU_MSG_VERSION" in (
        tmp_path / "p/.kpgen/base/edu_calls.c").read_text()
    assert "code:" not in (tmp_path / "p/kpgen.yaml").read_text()
