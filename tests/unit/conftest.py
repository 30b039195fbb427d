"""Fixtures of the kpgen unit tests.

Run: /usr/bin/python3 -m pytest tests/unit
"""
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "generator"))

from kpgen import cli  # noqa: E402

EDU = REPO / "examples" / "edu" / "edu.yaml"
GOLDEN_RUNTIME = "/opt/kp/runtime"      # fixed RUNTIME for golden files


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return "Result(rc=%r, out=%r, err=%r)" % (self.rc, self.out,
                                                    self.err)


@pytest.fixture
def kpgen(capsys):
    """Runs the CLI in-process: kpgen("validate", path) -> Result."""
    def run(*args, cwd=None):
        old = os.getcwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            try:
                rc = cli.main([str(a) for a in args])
            except SystemExit as exc:
                rc = exc.code
        finally:
            os.chdir(old)
        cap = capsys.readouterr()
        return Result(rc, cap.out, cap.err)
    return run


@pytest.fixture
def edu_text():
    return EDU.read_text()


def write(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def tree(root):
    """{relative path: text} of every file under root."""
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.read_text()
            for p in sorted(root.rglob("*")) if p.is_file()}
