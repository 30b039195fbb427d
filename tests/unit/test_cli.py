"""The command line: exit codes, clean errors, atomic writes, `new` as a
new user types it."""
import os
import subprocess

from conftest import EDU, REPO, tree, write
from kpgen import project
from kpgen.render import load_description

EDU_FILES = [
    ".gitignore", ".kpgen/base/edu_calls.c", ".kpgen/base/edu_plugin.c",
    ".kpgen/base/edu_plugin.h", ".kpgen/state.json", "Kbuild", "Makefile",
    "README.md", "dkms.conf", "edu_calls.c", "edu_diag.c", "edu_gen.c",
    "edu_gen.h", "edu_msgs.h", "edu_plugin.c", "edu_plugin.h",
    "edu_regs.h", "kpgen.yaml"]


def test_validate_ok(kpgen):
    res = kpgen("validate", EDU)
    assert (res.rc, res.err) == (0, "")
    assert res.out == ("%s: ok: edu, 1 BAR, 7 registers, interrupts auto, "
                       "3 messages\n" % EDU)


def test_missing_file(kpgen, tmp_path):
    res = kpgen("validate", tmp_path / "nope.yaml")
    assert (res.rc, res.err) == (1, "kpgen: error: %s: no such file\n"
                                 % (tmp_path / "nope.yaml"))


def test_fifo_is_refused_not_waited_on(kpgen, tmp_path):
    fifo = tmp_path / "f.yaml"
    os.mkfifo(fifo)
    res = kpgen("validate", fifo)
    assert (res.rc, res.err) == (1, "kpgen: error: %s: not a regular file\n"
                                 % fifo)


def test_usage_errors_exit_2(kpgen):
    for args in ([], ["frobnicate"], ["validate"], ["new"],
                 ["new", "x", "--vendor", "zz", "--device", "1"],
                 ["new", "x", "--vendor", "1"],
                 ["new", "x", "--from", "a.yaml"]):
        res = kpgen(*args)
        assert res.rc == 2, args
        assert "Traceback" not in res.err


def test_new_from_description_places_its_user_files(kpgen, tmp_path):
    res = kpgen("new", "--from", EDU, cwd=tmp_path)
    assert res.rc == 0, res
    assert res.out.startswith("created edu/ (18 files)\n")
    assert res.out.endswith("next: cd edu && make   (then `make load`; "
                            "TODO(user) marks your code)\n")
    assert sorted(tree(tmp_path / "edu")) == EDU_FILES
    calls = (tmp_path / "edu" / "edu_calls.c").read_text()
    assert calls == (EDU.parent / "edu_calls.c").read_text()
    assert "kp_sleep_us(ctx->hWD" in calls
    assert "DEFINE_MUTEX(edu_fact_lock)" in calls
    # the starter stays the merge base of later updates
    assert "TODO(user): implement EDU_MSG_FACTORIAL" in (
        tmp_path / "edu/.kpgen/base/edu_calls.c").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edu"]


def test_new_refuses_existing_dir_and_force_replaces(kpgen, tmp_path):
    out = tmp_path / "edu"
    write(out / "mine.txt", "keep me\n")
    res = kpgen("new", "--from", EDU, "-o", out)
    assert res.rc == 1
    assert res.err == ("kpgen: error: %s: directory exists: use --force to "
                       "replace it, or `kpgen update %s` to bring it up to "
                       "date with its description\n" % (out, out))
    assert tree(out) == {"mine.txt": "keep me\n"}
    res = kpgen("new", "--from", EDU, "-o", out, "--force")
    assert res.rc == 0
    assert "mine.txt" not in tree(out) and "edu_gen.c" in tree(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edu"]


def test_new_failure_leaves_nothing(kpgen, tmp_path, monkeypatch):
    def boom(path, text):
        raise OSError(28, "No space left on device", str(path))
    monkeypatch.setattr(project, "_write", boom)
    res = kpgen("new", "--from", EDU, "-o", tmp_path / "edu")
    assert res.rc == 1
    assert "No space left on device" in res.err
    assert list(tmp_path.iterdir()) == []


def test_new_interrupted_leaves_nothing(kpgen, tmp_path, monkeypatch):
    def boom(path, text):
        raise KeyboardInterrupt
    monkeypatch.setattr(project, "_write", boom)
    res = kpgen("new", "--from", EDU, "-o", tmp_path / "edu")
    assert (res.rc, res.err) == (130, "kpgen: interrupted\n")
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
    assert text.startswith("# yaml-language-server: $schema=/")
    _, d, _ = load_description("kpgen.yaml", text)
    assert (d.name, d.pci.vendor, d.pci.device) == ("mydev", 0x1af4, 0x1000)
    assert d.interrupts.mode == "msi" and d.interrupts.prefer is None
    plugin = (tmp_path / "mydev" / "mydev_plugin.c").read_text()
    # no acknowledge steps: the starter claims no interrupt
    irq = plugin.split("BOOL mydev_irq(")[1].split("\n}\n")[0]
    assert "*pfIsMyInterrupt = FALSE;\n\treturn FALSE;" in irq
    assert "\treturn TRUE;" not in irq


def test_new_name_only_writes_a_project_that_asks_for_the_ids(kpgen,
                                                              tmp_path):
    res = kpgen("new", "mydevice", cwd=tmp_path)
    assert res.rc == 0, res
    assert res.out == (
        "created mydevice/ (3 files): the description needs the device's "
        "ids\nnext: fill in pci.vendor and pci.device in mydevice/kpgen.yaml"
        " (`kpgen scan` lists the PCI devices), then: cd mydevice && make\n")
    proj = tmp_path / "mydevice"
    assert sorted(tree(proj)) == [".kpgen/state.json", "Makefile",
                                  "kpgen.yaml"]
    res = kpgen("validate", proj / "kpgen.yaml")
    assert res.rc == 1
    assert res.err == ("kpgen: error: %s:13: pci.vendor: not set: expected "
                       "an integer 0..0xffff (`kpgen scan` lists the PCI "
                       "devices here with their ids)\n"
                       % (proj / "kpgen.yaml"))
    # `make` there runs the same check, then generates once it passes
    env = dict(os.environ, PYTHONPATH=str(REPO / "generator"))
    env.pop("MAKEFLAGS", None)
    p = subprocess.run(["make", "-s", "KPGEN=/usr/bin/python3 -m kpgen"],
                       cwd=proj, env=env, capture_output=True, text=True)
    assert p.returncode == 2
    assert "kpgen.yaml:13: pci.vendor: not set" in p.stderr
    text = (proj / "kpgen.yaml").read_text()
    (proj / "kpgen.yaml").write_text(
        text.replace("vendor: ~", "vendor: 0x1234").replace(
            "device: ~", "device: 0x11e8"))
    res = kpgen("update", proj)
    assert res.rc == 0, res
    assert "note: the description is complete now" in res.out
    assert "  created     mydevice_plugin.c (yours from now on)\n" in res.out
    assert (proj / "mydevice_gen.c").exists()


def test_new_offers_the_scanned_devices_at_a_terminal(kpgen, tmp_path,
                                                      monkeypatch):
    from test_scan import make_sysfs
    root = make_sysfs(tmp_path / "sys")
    import sys
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "1")
    res = kpgen("new", "qedu", "--sysfs", root, cwd=tmp_path)
    assert res.rc == 0, res
    assert "  1) 0000:00:03.0  1234:11e8" in res.out
    _, d, _ = load_description("k", (tmp_path / "qedu/kpgen.yaml").read_text())
    assert (d.pci.vendor, d.pci.device) == (0x1234, 0x11e8)
    assert [(b.index, b.type, b.size) for b in d.bars] == [
        (0, "mem", 0x100000)]


def test_new_bad_names(kpgen, tmp_path):
    for name, msg in [("dev1", "'dev1' ends with a digit: the device nodes "
                       "are /dev/kp/<name><index>, so a final digit would "
                       "be ambiguous"),
                      ("pci", "'pci' is a prefix of kernel, runtime or C "
                       "library names (pci_...): the generated pci_* and "
                       "PCI_* names would clash; choose another name"),
                      ("My-Dev", "'My-Dev': expected a lower-case C "
                       "identifier ([a-z][a-z0-9_]*, at most 11 "
                       "characters)")]:
        res = kpgen("new", name, "--vendor", "1", "--device", "2",
                    cwd=tmp_path)
        assert (res.rc, res.err) == (1, "kpgen: error: NAME: %s\n" % msg)
    assert list(tmp_path.iterdir()) == []


def test_runs_from_a_clone_as_module_from_any_directory(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO / "generator"))
    bad = write(tmp_path / "bad.yaml", "name: edu\npci: [1, 2]\n")
    p = subprocess.run(["/usr/bin/python3", "-m", "kpgen", "validate",
                        str(bad)], env=env, capture_output=True, text=True,
                       cwd=tmp_path)
    assert p.returncode == 1
    assert p.stderr == ("kpgen: error: %s:2: pci: expected a mapping (PCI "
                        "match), got a list\n" % bad)
    p = subprocess.run(["/usr/bin/python3", "-m", "kpgen", "--help"],
                       env=env, capture_output=True, text=True, cwd="/")
    assert p.returncode == 0 and p.stdout.startswith("usage: kpgen")


def test_install_puts_a_console_script_on_path(tmp_path):
    """generator/install.sh as the README says; then `kpgen` from any
    directory, with /usr/bin/python3 behind it."""
    env = dict(os.environ, KPGEN_VENV=str(tmp_path / "venv"))
    p = subprocess.run([str(REPO / "generator/install.sh"),
                        str(tmp_path / "bin")], env=env,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert not (REPO / "generator/kpgen.egg-info").exists()
    kpgen = tmp_path / "bin" / "kpgen"
    assert os.path.realpath(tmp_path / "venv/bin/python3") == \
        os.path.realpath("/usr/bin/python3")
    env = dict(os.environ, PATH="%s:/usr/bin:/bin" % kpgen.parent)
    env.pop("PYTHONPATH", None)
    p = subprocess.run(["kpgen", "--help"], cwd="/", env=env,
                       capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("usage: kpgen"), p
    p = subprocess.run(["kpgen", "new", "mydevice", "--no-pick"],
                       cwd=tmp_path, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "KPGEN\t?= kpgen\n" in (tmp_path / "mydevice/Makefile").read_text()


def test_runtime_path_cannot_inject_make_syntax(kpgen, tmp_path):
    for bad in ("/opt/my runtime", "$(shell id)", "/x#y"):
        res = kpgen("new", "--from", EDU, "-o", tmp_path / "e", "--runtime",
                    bad)
        assert res.rc == 1 and res.err.startswith(
            "kpgen: error: --runtime: %r: the runtime path may only contain"
            % os.path.abspath(bad)), res
    assert list(tmp_path.iterdir()) == []
