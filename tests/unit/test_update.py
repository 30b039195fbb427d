"""Regeneration: `kpgen update` keeps user edits, reports conflicts."""
import json

from conftest import EDU, tree, write
from kpgen import __version__
from kpgen.merge import has_conflict_markers, merge3

STUB = "\t/* TODO(user): implement EDU_MSG_PING */\n"
ADD_MSG = """\
  - name: ping
    description: answers pong
    output:
      - {name: pong, type: u32}
"""


def gen(kpgen, tmp_path, text):
    desc = write(tmp_path / "d.yaml", text)
    res = kpgen("new", "--from", desc, "-o", tmp_path / "p", "--runtime",
                "/opt/kp/runtime")
    assert res.rc == 0, res
    return tmp_path / "p"


def with_ping(text):
    return text.replace("\nevents:", "\n" + ADD_MSG + "\nevents:")


def test_merge3_basics():
    base = "a\nb\nc\nd\ne\n"
    assert merge3("a\nB\nc\nd\ne\n", base, "a\nb\nc\nD\ne\n") == (
        "a\nB\nc\nD\ne\n", 0)
    assert merge3(base, base, "x\n") == ("x\n", 0)
    assert merge3("x\n", base, base) == ("x\n", 0)
    assert merge3("a\nX\nc\n", "a\nb\nc\n", "a\nX\nc\n") == ("a\nX\nc\n", 0)
    merged, n = merge3("a\nX\nc\n", "a\nb\nc\n", "a\nY\nc\n")
    assert n == 1
    assert merged == ("a\n<<<<<<< yours\nX\n||||||| base\nb\n=======\nY\n"
                      ">>>>>>> new\nc\n")
    assert has_conflict_markers(merged)
    assert merge3("only\n", "", "new\n")[1] == 1


def test_project_records_its_description(kpgen, tmp_path, edu_text):
    proj = gen(kpgen, tmp_path, edu_text)
    assert (proj / "kpgen.yaml").read_text() == edu_text
    assert (proj / ".kpgen/description.yaml").read_text() == edu_text
    state = json.loads((proj / ".kpgen/state.json").read_text())
    assert state == {"generator": __version__, "format": 1,
                     "runtime": "/opt/kp/runtime"}


def test_update_unchanged_is_up_to_date(kpgen, tmp_path, edu_text):
    proj = gen(kpgen, tmp_path, edu_text)
    before = tree(proj)
    res = kpgen("update", proj)
    assert (res.rc, res.out) == (0, "%s: up to date\n" % proj)
    assert tree(proj) == before


def test_update_keeps_user_edits(kpgen, tmp_path, edu_text):
    proj = gen(kpgen, tmp_path, edu_text)
    kp = proj / "edu_kp.c"
    src = kp.read_text()
    # the user implements the DPC and adds state
    src = src.replace("\t/* TODO(user): deferred interrupt work */\n",
                      "\tpr_info(\"dpc %u\\n\", dwCount);\n")
    src = src.replace("\t/* TODO(user): add your per-open state here */\n",
                      "\tint users;\n")
    kp.write_text(src)
    # ... and edits the description in the project: a new message
    (proj / "kpgen.yaml").write_text(with_ping(edu_text))
    res = kpgen("update", proj)
    assert res.rc == 0, res
    assert "  merged    edu_kp.c\n" in res.out
    assert "  updated   edu_msgs.h\n" in res.out
    out = kp.read_text()
    assert "\tpr_info(\"dpc %u\\n\", dwCount);\n" in out
    assert "\tint users;\n" in out
    assert "case EDU_MSG_PING:" in out and STUB in out
    assert "#define EDU_MSG_PING" in (proj / "edu_msgs.h").read_text()
    assert (proj / ".kpgen/description.yaml").read_text() == \
        with_ping(edu_text)
    # a second update has nothing to do
    res = kpgen("update", proj)
    assert (res.rc, res.out) == (0, "%s: up to date\n" % proj)


def test_update_from_file_and_rename(kpgen, tmp_path, edu_text):
    proj = gen(kpgen, tmp_path, edu_text)
    kp = proj / "edu_kp.c"
    kp.write_text(kp.read_text().replace(
        "\t/* TODO(user): deferred interrupt work */\n", "\t/* mine */\n"))
    new = write(tmp_path / "new.yaml", edu_text.replace(
        "name: edu  ", "name: qedu "))
    assert "name: qedu" in new.read_text()
    res = kpgen("update", proj, "--from", new)
    assert res.rc == 0, res
    assert "  merged    edu_kp.c -> qedu_kp.c\n" in res.out
    assert not kp.exists()
    out = (proj / "qedu_kp.c").read_text()
    assert "\t/* mine */\n" in out and "KP_qedu_Open" in out
    assert (proj / "kpgen.yaml").read_text() == new.read_text()
    assert sorted(p.name for p in proj.iterdir() if p.name.startswith("q")) \
        == ["qedu_diag.c", "qedu_kp.c", "qedu_msgs.h", "qedu_regs.h"]


def test_update_conflict_is_reported_not_resolved(kpgen, tmp_path,
                                                  edu_text):
    proj = gen(kpgen, tmp_path, edu_text)
    regs = proj / "edu_regs.h"
    regs.write_text(regs.read_text().replace(
        "#define EDU_REG_IRQ_ACK\t\t\t0x64",
        "#define EDU_REG_IRQ_ACK\t\t\t0x64 /* mine */"))
    new = edu_text.replace("offset: 0x64", "offset: 0x68")
    res = kpgen("update", proj, "--from", write(tmp_path / "n.yaml", new))
    assert res.rc == 1
    assert "  conflict  edu_regs.h (1 conflict)\n" in res.out
    assert "resolve the <<<<<<< >>>>>>> regions" in res.err
    text = regs.read_text()
    assert ("<<<<<<< yours\n#define EDU_REG_IRQ_ACK\t\t\t0x64 /* mine */\n"
            "||||||| base\n#define EDU_REG_IRQ_ACK\t\t\t0x64\n=======\n"
            "#define EDU_REG_IRQ_ACK\t\t\t0x68\n>>>>>>> new\n") in text
    # the plugin, untouched by the user, took the change cleanly
    assert "EDU_REG_IRQ_ACK" in (proj / "edu_kp.c").read_text()
    # a further update refuses to run over unresolved markers
    res = kpgen("update", proj)
    assert res.rc == 1
    assert res.err == ("kpgen: error: %s: has unresolved conflict markers "
                       "from an earlier update: resolve them first\n"
                       % regs)


def test_update_invalid_description_writes_nothing(kpgen, tmp_path,
                                                   edu_text):
    proj = gen(kpgen, tmp_path, edu_text)
    before = tree(proj)
    (proj / "kpgen.yaml").write_text(edu_text.replace("width: 32\n",
                                                      "width: 12\n"))
    before["kpgen.yaml"] = (proj / "kpgen.yaml").read_text()
    res = kpgen("update", proj)
    assert res.rc == 1
    assert res.err.startswith("kpgen: error: %s:26: bars[0].registers[0]."
                              "width: expected one of" % (proj /
                                                          "kpgen.yaml"))
    assert tree(proj) == before


def test_update_user_deleted_file(kpgen, tmp_path, edu_text):
    proj = gen(kpgen, tmp_path, edu_text)
    (proj / "dkms.conf").unlink()
    (proj / "edu_diag.c").unlink()
    new = edu_text.replace('version: "0.1"', 'version: "0.2"')
    res = kpgen("update", proj, "--from", write(tmp_path / "n.yaml", new))
    assert res.rc == 1
    assert ("  conflict  dkms.conf.kpgen-new (you deleted dkms.conf; the "
            "new version is here)\n") in res.out
    assert not (proj / "dkms.conf").exists()
    assert 'PACKAGE_VERSION="0.2"' in (proj /
                                       "dkms.conf.kpgen-new").read_text()
    assert not (proj / "edu_diag.c").exists()   # unchanged: stays deleted


def test_update_dry_run(kpgen, tmp_path, edu_text):
    proj = gen(kpgen, tmp_path, edu_text)
    before = tree(proj)
    new = write(tmp_path / "n.yaml", with_ping(edu_text))
    res = kpgen("update", proj, "--from", new, "--dry-run")
    assert res.rc == 0 and "edu_kp.c" in res.out
    assert tree(proj) == before


def test_update_not_a_project(kpgen, tmp_path):
    res = kpgen("update", tmp_path)
    assert res.rc == 1
    assert res.err == ("kpgen: error: %s: not a kpgen project (no "
                       ".kpgen/state.json): generate one with `kpgen new`\n"
                       % tmp_path)


def test_edu_example_is_the_one_used(edu_text):
    assert edu_text == EDU.read_text()
