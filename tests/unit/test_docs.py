"""docs/description-format.md is generated from the schema, the rules
and the templates, and is current."""
from conftest import REPO
from kpgen import checks, docs, load


def test_format_doc_is_up_to_date(kpgen):
    path = REPO / docs.DOC_PATH
    assert path.read_text() == docs.render(), \
        "run: PYTHONPATH=generator /usr/bin/python3 -m kpgen docs -o %s" \
        % docs.DOC_PATH
    res = kpgen("docs", "--check", "-o", path)
    assert (res.rc, res.out) == (0, "%s: up to date\n" % path)


def test_every_key_rule_and_section_is_documented():
    text = docs.render()
    for key in docs.ORDER:
        sch = docs.section(key)
        assert "## %s\n" % docs.title(key) in text
        for prop in sch["properties"]:
            assert "| `%s` |" % prop in text
    for _section, doc in checks.RULES:
        assert "* " + doc in text
    defs = set(load.SCHEMA["$defs"]) - {"id16", "ident", "text"}
    assert defs == set(docs.ORDER) - {"description"}


def test_message_section_names_the_generated_functions():
    text = docs.render()
    sec = text.split("## message\n")[1].split("\n## ")[0]
    assert "`DWORD mydev_on_echo(struct mydev_drv_ctx *ctx, struct " \
        "mydev_msg_echo *msg), the handler you write` in `mydev_calls.c`" \
        in sec
    assert "`MYDEV_MSG_ECHO (dwMessage)` in `mydev_msgs.h`" in sec


def test_docs_check_detects_stale_file(kpgen, tmp_path):
    stale = tmp_path / "f.md"
    stale.write_text("old\n")
    res = kpgen("docs", "--check", "-o", stale)
    assert res.rc == 1
    assert res.err == ("kpgen: error: %s: out of date: run `kpgen docs -o "
                       "%s`\n" % (stale, stale))
    res = kpgen("docs", "-o", stale)
    assert res.rc == 0 and stale.read_text() == docs.render()
