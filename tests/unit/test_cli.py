"""The command line: exit codes, clean errors, atomic writes."""
import os
import subprocess

from conftest import EDU, REPO, tree, write
from kpgen import project, schema


def test_validate_ok(kpgen):
    res = kpgen("validate", EDU)
    assert (res.rc, res.err) == (0, "")
    assert res.out == ("%s: ok: edu, 1 BAR, 7 registers, interrupts auto, "
                       "3 messages\n" % EDU)


def test_missing_file(kpgen, tmp_path):
    res = kpgen("validate", tmp_path / "nope.yaml")
    assert (res.rc, res.err) == (1, "kpgen: error: %s: no such file\n"
                                 % (tmp_path / "nope.yaml"))


def test_usage_errors_exit_2(kpgen):
    for args in ([], ["frobnicate"], ["validate"], ["new"],
                 ["new", "x", "--vendor", "zz", "--device", "1"],
                 ["new", "x", "--from", "a.yaml"]):
        res = kpgen(*args)
        assert res.rc == 2, args
        assert "Traceback" not in res.err


def test_new_from_description(kpgen, tmp_path):
    res = kpgen("new", "--from", EDU, cwd=tmp_path)
    assert res.rc == 0, res
    assert res.out.startswith("created edu/ (12 files)\n")
    assert sorted(tree(tmp_path / "edu")) == [
        ".gitignore", ".kpgen/description.yaml", ".kpgen/state.json",
        "Kbuild", "Makefile", "README.md", "dkms.conf", "edu_diag.c",
        "edu_kp.c", "edu_msgs.h", "edu_regs.h", "kpgen.yaml"]
    # no temporary directories left next to it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edu"]


def test_new_refuses_existing_dir_and_force_replaces(kpgen, tmp_path):
    out = tmp_path / "edu"
    write(out / "mine.txt", "keep me\n")
    res = kpgen("new", "--from", EDU, "-o", out)
    assert res.rc == 1
    assert res.err == ("kpgen: error: %s: directory exists: use --force to "
                       "replace it, or `kpgen update %s` to merge a "
                       "changed description into it\n" % (out, out))
    assert tree(out) == {"mine.txt": "keep me\n"}
    res = kpgen("new", "--from", EDU, "-o", out, "--force")
    assert res.rc == 0
    assert "mine.txt" not in tree(out) and "edu_kp.c" in tree(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edu"]


def test_new_failure_leaves_nothing(kpgen, tmp_path, monkeypatch):
    def boom(path, text):
        raise OSError(28, "No space left on device", str(path))
    monkeypatch.setattr(project, "_write", boom)
    res = kpgen("new", "--from", EDU, "-o", tmp_path / "edu")
    assert res.rc == 1
    assert "No space left on device" in res.err
    assert list(tmp_path.iterdir()) == []


def test_new_force_failure_keeps_old_tree(kpgen, tmp_path, monkeypatch):
    out = tmp_path / "edu"
    write(out / "mine.txt", "keep me\n")

    def boom(path, text):
        raise OSError(13, "Permission denied", str(path))
    monkeypatch.setattr(project, "_write", boom)
    res = kpgen("new", "--from", EDU, "-o", out, "--force")
    assert res.rc == 1
    assert tree(out) == {"mine.txt": "keep me\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edu"]


def test_new_missing_parent(kpgen, tmp_path):
    res = kpgen("new", "--from", EDU, "-o", tmp_path / "a" / "b")
    assert res.rc == 1
    assert res.err == ("kpgen: error: %s: parent directory %s does not "
                       "exist\n" % (tmp_path / "a" / "b", tmp_path / "a"))


def test_new_from_ids(kpgen, tmp_path):
    res = kpgen("new", "mydev", "--vendor", "1af4", "--device", "0x1000",
                "--irq", "msi", cwd=tmp_path)
    assert res.rc == 0, res
    text = (tmp_path / "mydev" / "kpgen.yaml").read_text()
    d = schema.load(text, "kpgen.yaml")
    assert (d.name, d.pci.vendor, d.pci.device) == ("mydev", 0x1af4, 0x1000)
    assert d.interrupts.mode == "msi" and d.interrupts.prefer == []
    assert "KP_mydev_Open" in (tmp_path / "mydev" / "mydev_kp.c").read_text()


def test_new_bad_name(kpgen, tmp_path):
    res = kpgen("new", "dev1", "--vendor", "1", "--device", "2",
                cwd=tmp_path)
    assert res.rc == 1
    assert res.err == ("kpgen: error: NAME: 'dev1' ends with a digit: the "
                       "device nodes are /dev/kp/<name><index>, so a final "
                       "digit would be ambiguous\n")
    assert list(tmp_path.iterdir()) == []


def test_runs_from_a_clone_as_module(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO / "generator"))
    bad = write(tmp_path / "bad.yaml", "name: edu\npci: [1, 2]\n")
    p = subprocess.run(["/usr/bin/python3", "-m", "kpgen", "validate",
                        str(bad)], env=env, capture_output=True, text=True)
    assert p.returncode == 1
    assert p.stderr == ("kpgen: error: %s:2: pci: expected a mapping (PCI "
                        "match), got a list\n" % bad)
    p = subprocess.run(["/usr/bin/python3", "-m", "kpgen", "--version"],
                       env=env, capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("kpgen ")
