"""docs/description-format.md is generated from the schema and current."""
from conftest import REPO
from kpgen import docs, schema


def test_format_doc_is_up_to_date(kpgen):
    path = REPO / docs.DOC_PATH
    assert path.read_text() == docs.render(), \
        "run: PYTHONPATH=generator /usr/bin/python3 -m kpgen docs -o %s" \
        % docs.DOC_PATH
    res = kpgen("docs", "--check", "-o", path)
    assert (res.rc, res.out) == (0, "%s: up to date\n" % path)


def test_every_key_and_rule_is_documented():
    text = docs.render()
    for section in schema.SECTIONS:
        assert "## %s\n" % section.title in text
        for field in section.fields:
            assert "| `%s` |" % field.key in text
        for check in section.checks:
            if check.doc:
                assert "* " + check.doc in text


def test_docs_check_detects_stale_file(kpgen, tmp_path):
    stale = tmp_path / "f.md"
    stale.write_text("old\n")
    res = kpgen("docs", "--check", "-o", stale)
    assert res.rc == 1
    assert res.err == ("kpgen: error: %s: out of date: run `kpgen docs -o "
                       "%s`\n" % (stale, stale))
    res = kpgen("docs", "-o", stale)
    assert res.rc == 0 and stale.read_text() == docs.render()
