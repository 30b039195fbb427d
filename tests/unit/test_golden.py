"""Golden files: the projects generated from examples/edu/edu.yaml (with
its user file), tests/target/serial/uart.yaml and
examples/edudma/edudma.yaml (DMA, with its user files).

Refresh after an intended template change with

    KPGEN_UPDATE_GOLDEN=1 /usr/bin/python3 -m pytest tests/unit/test_golden.py

and review the diff of tests/unit/golden/ like any other change.
"""
import os
import shutil
from pathlib import Path

import pytest

from conftest import EDU, GOLDEN_RUNTIME, REPO, tree

GOLDEN = Path(__file__).parent / "golden"
SOURCES = {"edu": EDU, "uart": REPO / "tests/target/serial/uart.yaml",
           "edudma": REPO / "examples/edudma/edudma.yaml"}


def generate(kpgen, out, name):
    res = kpgen("new", "--from", SOURCES[name], "-o", out, "--runtime",
                GOLDEN_RUNTIME)
    assert res.rc == 0, res
    # the schema path is where kpgen is installed: not part of the golden
    text = (out / "kpgen.yaml").read_text()
    assert text == SOURCES[name].read_text()
    return tree(out)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_project_matches_golden(kpgen, tmp_path, name):
    out = tmp_path / name
    got = generate(kpgen, out, name)
    golden = GOLDEN / name
    if os.environ.get("KPGEN_UPDATE_GOLDEN"):
        if golden.exists():
            shutil.rmtree(golden)
        shutil.copytree(out, golden)
    want = tree(golden)
    assert sorted(got) == sorted(want)
    for rel in sorted(want):
        assert got[rel] == want[rel], "%s differs from the golden file " \
            "(KPGEN_UPDATE_GOLDEN=1 refreshes it)" % rel


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_generated_files_are_kernel_style(kpgen, tmp_path, name):
    """Cheap checkpatch-like rules on all generated C (checkpatch.pl
    itself runs on the golden kernel files in test_kernel_style.py)."""
    out = tmp_path / name
    generate(kpgen, out, name)
    for path in sorted(out.glob("*.[ch]")):
        for n, line in enumerate(path.read_text().split("\n"), 1):
            where = "%s:%d" % (path.name, n)
            assert not line.endswith((" ", "\t")), where + " trailing blank"
            assert not line.startswith("        "), where + " space indent"
            assert " \t" not in line.split("/*")[0], where + " space+tab"
            assert len(line.expandtabs(8)) <= 100, where + " > 100 cols"
