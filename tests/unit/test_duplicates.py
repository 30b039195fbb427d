"""`duplicates` finds no block repeated between generated projects and
the diag library: what every project shares lives once, in libkpdiag."""
import re
import shutil
import subprocess

import pytest

from conftest import EDU, REPO


def test_no_repeated_block_between_projects_and_libkpdiag(kpgen, tmp_path):
    tool = shutil.which("duplicates")
    if not tool:
        pytest.skip("the duplicates command is not installed")
    tree = tmp_path / "t"
    shutil.copytree(REPO / "runtime/lib/diag", tree / "diag",
                    ignore=shutil.ignore_patterns("build"))
    for src in (EDU, REPO / "tests/target/serial/uart.yaml"):
        res = kpgen("new", "--from", src, "-o", tree / src.stem)
        assert res.rc == 0, res
    p = subprocess.run([tool, "--repo", str(tree), "--most", "200",
                        "--seconds", "60"], capture_output=True, text=True)
    assert p.returncode == 0 and "incomplete" not in p.stdout, p.stdout
    rows = re.findall(r"^D\d+ (\S+):\S+ ~ (\S+):", p.stdout, re.M)
    crossing = [(a, b) for a, b in rows
                if a.startswith("diag/") != b.startswith("diag/")]
    assert crossing == [], p.stdout
    assert "files" in p.stdout.splitlines()[0]       # it read the tree
