"""Golden files: the project generated from examples/edu/edu.yaml.

Refresh after an intended template change with

    KPGEN_UPDATE_GOLDEN=1 /usr/bin/python3 -m pytest tests/unit/test_golden.py

and review the diff of tests/unit/golden/ like any other change.
"""
import os
import shutil
from pathlib import Path

from conftest import EDU, GOLDEN_RUNTIME, tree

GOLDEN = Path(__file__).parent / "golden" / "edu"


def test_edu_project_matches_golden(kpgen, tmp_path):
    out = tmp_path / "edu"
    res = kpgen("new", "--from", EDU, "-o", out, "--runtime",
                GOLDEN_RUNTIME)
    assert res.rc == 0, res
    if os.environ.get("KPGEN_UPDATE_GOLDEN"):
        if GOLDEN.exists():
            shutil.rmtree(GOLDEN)
        shutil.copytree(out, GOLDEN)
    got, want = tree(out), tree(GOLDEN)
    assert sorted(got) == sorted(want)
    for rel in sorted(want):
        assert got[rel] == want[rel], "%s differs from the golden file " \
            "(KPGEN_UPDATE_GOLDEN=1 refreshes it)" % rel


def test_generated_files_are_kernel_style(kpgen, tmp_path):
    """Cheap checkpatch-like rules on the generated C (checkpatch.pl
    itself is not installed here)."""
    res = kpgen("new", "--from", EDU, "-o", tmp_path / "edu")
    assert res.rc == 0
    for path in sorted((tmp_path / "edu").glob("*.[ch]")):
        for n, line in enumerate(path.read_text().split("\n"), 1):
            where = "%s:%d" % (path.name, n)
            assert not line.endswith((" ", "\t")), where + " trailing blank"
            assert not line.startswith("        "), where + " space indent"
            assert " \t" not in line.split("/*")[0], where + " space+tab"
            if path.name.endswith("_kp.c") or path.name.endswith(".h"):
                assert len(line.expandtabs(8)) <= 100, where + " > 100 cols"
