"""Generating a project (`kpgen new`) and regenerating it (`kpgen update`).

A project keeps generated code apart from the user's:

    generated  <name>_gen.[ch] _regs.h _msgs.h _diag.c Makefile Kbuild ...
               rewritten by every update, never edited
    user       <name>_plugin.[ch] <name>_calls.c: written once from a
               starter; later starters are merged in with `git merge-file`
    kpgen.yaml the description, the user's
    .kpgen/    state.json (version, runtime, message ids, the generated
               files and their hashes) and base/ (the starters last
               offered, the merge base of the next update)
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from kpgen import FORMAT_VERSION, __version__
from kpgen.errors import KpgenError
from kpgen.load import read_text
from kpgen.render import (default_runtime, load_description, render,
                          render_pending)

USER_DESC = "kpgen.yaml"
STATE = ".kpgen/state.json"
BASE = ".kpgen/base"
LAYOUT = 2              # 1: kpgen 0.1, one mixed <name>_kp.c
MARKERS = ("<<<<<<< ", "||||||| ", ">>>>>>> ")


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def _atomic_write(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".%s.kpgen-" % path.name,
                               dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        if path.exists() and not path.is_symlink():
            shutil.copymode(path, tmp)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def state_text(state):
    return json.dumps(state, indent=2, sort_keys=True) + "\n"


def new_state(runtime, ids, generated, pending=False, name=None):
    return {"generator": __version__, "format": FORMAT_VERSION,
            "name": name,
            "layout": LAYOUT, "runtime": runtime, "message_ids": ids,
            "generated": {rel: sha(t) for rel, t in generated.items()},
            "pending": pending}


def _write_tree(target, files, force):
    """Writes {rel: text} as a new directory @target, atomically: into a
    temporary directory next to it, then renamed into place."""
    target = Path(target)
    if target.exists() or target.is_symlink():
        if not target.is_dir() or target.is_symlink():
            raise KpgenError("exists and is not a directory", target)
        if not force:
            raise KpgenError("directory exists: use --force to replace it, "
                             "or `kpgen update %s` to bring it up to date "
                             "with its description" % target, target)
    parent = target.absolute().parent
    if not parent.is_dir():
        raise KpgenError("parent directory %s does not exist" % parent,
                         target)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=".%s.kpgen-" % target.name,
                                    dir=str(parent)))
    except OSError as exc:
        raise KpgenError("cannot create a directory next to it: %s"
                         % exc.strerror, target) from None
    backup = None
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        for rel, text in sorted(files.items()):
            _write(tmp / rel, text)
        for rel in files:
            if rel.endswith(".sh"):
                os.chmod(tmp / rel, 0o777 & ~_umask())
        if target.exists():
            backup = Path(tempfile.mkdtemp(prefix=".%s.kpgen-old-"
                                           % target.name, dir=str(parent)))
            os.rename(target, backup / "old")
        os.rename(tmp, target)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if backup is not None and (backup / "old").exists() \
                and not target.exists():
            os.rename(backup / "old", target)
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
        if isinstance(exc, OSError):
            raise KpgenError("cannot write the project: %s"
                             % (exc.strerror or exc),
                             exc.filename or target) from None
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def user_files_beside(desc_path, names):
    """User files that come with a description: the files of those names
    in its directory (examples/edu/edu.yaml + examples/edu/edu_calls.c)."""
    if not desc_path:
        return {}
    found = {}
    folder = Path(desc_path).parent
    for rel in names:
        cand = folder / rel
        if cand.is_file():
            found[rel] = read_text(cand)
    return found


def check_runtime(runtime):
    """The runtime path goes into the Makefile as is: no blanks, `$`,
    quotes or other characters make would interpret."""
    if not re.fullmatch(r"[A-Za-z0-9_./+~-]+", runtime or ""):
        raise KpgenError("%r: the runtime path may only contain letters, "
                         "digits and _ . / + ~ - (it goes into the Makefile)"
                         % runtime, field="--runtime")
    return runtime


def new_project(desc_path, out_dir=None, force=False, runtime=None,
                desc_text=None, user_dir_path=None):
    """Generates a project; returns (target dir, [relative paths])."""
    if desc_text is None:
        desc_text = read_text(desc_path)
    runtime = check_runtime(runtime or default_runtime())
    _, desc, ids = load_description(desc_path, desc_text)
    generated, starters = render(desc, desc_path, runtime)
    bases = _bases(desc, desc_path, runtime, starters)
    target = Path(out_dir) if out_dir else Path(desc.name)
    user = dict(starters)
    user.update(user_files_beside(user_dir_path, starters))
    files = dict(generated)
    files.update(user)
    files[USER_DESC] = migrate_text(desc_text) if desc.kpgen == 1 \
        else desc_text
    for rel, text in bases.items():
        files["%s/%s" % (BASE, rel)] = text
    files[STATE] = state_text(new_state(runtime, ids, generated,
                                        name=desc.name))
    _write_tree(target, files, force)
    return target, sorted(files)


def _bases(desc, filename, runtime, starters):
    """The starters as merge bases: without format-1 `code:` bodies, which
    are the user's code, not kpgen's."""
    if not desc._code:
        return starters
    code, desc._code = desc._code, {}
    try:
        return render(desc, filename, runtime)[1]
    finally:
        desc._code = code


def new_pending(name, desc_text, out_dir, force, kpgen_command):
    """A project whose description is not complete yet (no ids): only
    kpgen.yaml and a Makefile that checks it and generates the rest."""
    target = Path(out_dir) if out_dir else Path(name)
    files = dict(render_pending(name, kpgen_command))
    files[USER_DESC] = desc_text
    files[STATE] = state_text(new_state(None, {}, {}, pending=True))
    _write_tree(target, files, force)
    return target, sorted(files)


def was_format1(path):
    """Whether a description file says `kpgen: 1` (for the CLI's note)."""
    try:
        return any(line.split("#")[0].strip() == "kpgen: 1"
                   for line in read_text(path).splitlines())
    except KpgenError:
        return False


def migrate_text(text):
    """A format-1 description as format 2: `code:` bodies removed (they
    went into <name>_calls.c), `kpgen: 2`, comments kept."""
    import io
    from ruamel.yaml import YAML
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(text)
    data["kpgen"] = 2
    for msg in data.get("messages") or []:
        if "code" in msg:
            del msg["code"]
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


# ---------------------------------------------------------------- update


class Change:
    def __init__(self, action, rel, text=None, note="", old_rel=None,
                 save_as=None):
        self.action, self.rel, self.text, self.note = action, rel, text, note
        self.old_rel, self.save_as = old_rel, save_as

    def line(self):
        what = self.rel
        if self.old_rel and self.old_rel != self.rel:
            what = "%s -> %s" % (self.old_rel, self.rel)
        text = "  %-11s %s" % (self.action, what)
        return text + (" (%s)" % self.note if self.note else "")


def _read_opt(path):
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return None
    if not path.is_file():
        raise KpgenError("not a regular file", path)
    return read_text(path)


def has_conflict_markers(text):
    return any(line.startswith(MARKERS) for line in text.split("\n"))


def merge_file(yours, base, new, rel):
    """git merge-file --diff3: (merged text, number of conflicts)."""
    with tempfile.TemporaryDirectory(prefix="kpgen-merge-") as tmp:
        paths = []
        for label, text in (("yours", yours), ("base", base), ("new", new)):
            p = os.path.join(tmp, label)
            with open(p, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            paths.append(p)
        try:
            p = subprocess.run(
                ["git", "merge-file", "-p", "--diff3", "-L", "yours " + rel,
                 "-L", "base", "-L", "new"] + paths,
                capture_output=True)
        except OSError as exc:
            raise KpgenError("cannot run git merge-file (is git "
                             "installed?): %s" % exc.strerror, rel) from None
    if p.returncode < 0 or p.returncode > 127:
        raise KpgenError("git merge-file failed: %s"
                         % p.stderr.decode("utf-8", "replace").strip(), rel)
    return p.stdout.decode("utf-8", "replace"), p.returncode


def read_state(project):
    state_path = Path(project) / STATE
    if not state_path.is_file():
        raise KpgenError("not a kpgen project (no %s): generate one with "
                         "`kpgen new`" % STATE, project)
    try:
        state = json.loads(read_text(state_path))
    except ValueError as exc:
        raise KpgenError("corrupt state file: %s" % exc, state_path) \
            from None
    if not isinstance(state, dict) or not isinstance(
            state.get("message_ids", {}), dict) or not isinstance(
            state.get("generated", {}), dict):
        raise KpgenError("corrupt state file: expected an object with "
                         "message_ids and generated", state_path)
    ids = state.get("message_ids", {})
    if not all(isinstance(k, str) and isinstance(v, int)
               and not isinstance(v, bool) for k, v in ids.items()):
        raise KpgenError("corrupt state file: message_ids must map names "
                         "to integers", state_path)
    return state


def plan_update(project, from_path=None, runtime=None):
    """Computes an update without writing: (changes, new state, notes)."""
    project = Path(project)
    state = read_state(project)
    notes = []
    runtime = check_runtime(runtime or state.get("runtime")
                            or default_runtime())
    new_path = Path(from_path) if from_path else project / USER_DESC
    new_text = read_text(new_path)
    _, desc, ids = load_description(new_path, new_text,
                                    state.get("message_ids") or {})
    old_name = state.get("name")
    if old_name and old_name != desc.name:
        raise KpgenError("the driver name changed (%s -> %s): your files "
                         "are named after it, so update cannot follow; "
                         "generate a new project with `kpgen new --from` "
                         "and move your code" % (old_name, desc.name),
                         new_path, desc.line("name"), "name")
    generated, starters = render(desc, new_path, runtime)
    bases = _bases(desc, new_path, runtime, starters)
    layout = state.get("layout", 1)
    changes = []
    if state.get("pending"):
        notes.append("the description is complete now: generating the "
                     "project")
    old_gen = state.get("generated", {}) if layout >= LAYOUT else {}

    for rel, text in sorted(generated.items()):
        cur = _read_opt(project / rel)
        if cur == text:
            continue
        rec = old_gen.get(rel)
        if cur is None:
            changes.append(Change("created", rel, text))
        elif rec is not None and sha(cur) != rec:
            changes.append(Change("regenerated", rel, text, "you had edited "
                                  "it: your version is %s.orig" % rel,
                                  save_as=rel + ".orig"))
        else:
            changes.append(Change("regenerated", rel, text))
    for rel, rec in sorted(old_gen.items()):
        if rel in generated:
            continue
        cur = _read_opt(project / rel)
        if cur is None:
            continue
        if sha(cur) == rec:
            changes.append(Change("deleted", rel, note="no longer "
                                  "generated"))
        else:
            changes.append(Change("deleted", rel, note="no longer "
                                  "generated; your edited version is "
                                  "%s.orig" % rel, save_as=rel + ".orig"))

    if layout < LAYOUT:
        notes += _migration(project, desc, changes)
    for rel, new in sorted(starters.items()):
        _plan_user(project, rel, new, bases[rel], changes, layout)

    if from_path and _read_opt(project / USER_DESC) != new_text:
        changes.append(Change("updated", USER_DESC, new_text,
                              note="copied from %s" % from_path))
    if desc.kpgen == 1:
        changes.append(Change("migrated", USER_DESC, migrate_text(new_text),
                              "now format 2: the `code:` bodies are in "
                              "%s_calls.c" % desc.name))
        notes.append("%s is format 1: rewritten as format 2" % USER_DESC)
    new_st = new_state(runtime, ids, generated, name=desc.name)
    if _read_opt(project / STATE) != state_text(new_st):
        changes.append(Change("recorded", STATE, state_text(new_st)))
    return changes, state, notes


def _migration(project, desc, changes):
    """kpgen 0.1 projects: one <name>_kp.c held generated and user code."""
    notes = []
    old = project / ("%s_kp.c" % desc.name)
    if old.exists():
        changes.append(Change("moved", old.name + ".v1", None,
                              "your code from kpgen 0.1", old_rel=old.name))
        notes.append("%s was made by kpgen 0.1, which mixed your code "
                     "with generated code in %s: it is now %s.v1. Move "
                     "your code into %s_plugin.c and %s_calls.c (their "
                     "TODO(user) places), then delete %s.v1"
                     % (project, old.name, old.name, desc.name, desc.name,
                        old.name))
    for ch in changes:
        if ch.rel == "%s_diag.c" % desc.name and (project / ch.rel).exists():
            ch.save_as, ch.note = ch.rel + ".v1", "now tables for " \
                "libkpdiag; kpgen 0.1's app is %s.v1" % ch.rel
    for gone in (".kpgen/description.yaml",):
        if (project / gone).exists():
            changes.append(Change("deleted", gone, note="kpgen 0.1's record"))
    return notes


def _plan_user(project, rel, new, new_base, changes, layout):
    base_rel = "%s/%s" % (BASE, rel)
    base = _read_opt(project / base_rel)
    yours = _read_opt(project / rel)
    if yours is not None and has_conflict_markers(yours):
        raise KpgenError("has unresolved conflict markers from an earlier "
                         "update: resolve them first", project / rel)
    if base == new and yours is not None:
        return
    if base == new_base and yours is not None and layout >= LAYOUT:
        return
    if yours is None:
        if base is None or layout < LAYOUT:
            changes.append(Change("created", rel, new, "yours from now on"))
        else:
            changes.append(Change("kept", rel, note="you deleted it; the "
                                  "new starter is %s" % base_rel))
        changes.append(Change("recorded", base_rel, new_base))
        return
    if yours == base or base is None and yours == new:
        changes.append(Change("updated", rel, new, "you had not changed it"))
    else:
        merged, nconf = merge_file(yours, base or "", new, rel)
        if nconf:
            changes.append(Change("conflict", rel, merged, "%d conflict%s: "
                                  "resolve the <<<<<<< regions"
                                  % (nconf, "s" * (nconf > 1))))
        elif merged != yours:
            changes.append(Change("merged", rel, merged, "the new starter "
                                  "merged into your code"))
    if base != new_base:
        changes.append(Change("recorded", base_rel, new_base))


def apply_update(project, changes):
    """Writes the planned changes, each file atomically (temp + rename),
    in place, so a shell inside the project keeps working."""
    project = Path(project)
    try:
        for ch in changes:
            if ch.save_as:
                shutil.copy2(project / ch.rel, project / ch.save_as)
            if ch.old_rel and ch.old_rel != ch.rel:
                os.rename(project / ch.old_rel, project / ch.rel)
            elif ch.action == "deleted":
                os.unlink(project / ch.rel)
            if ch.text is not None:
                _atomic_write(project / ch.rel, ch.text)
                if ch.rel.endswith(".sh"):
                    os.chmod(project / ch.rel, 0o777 & ~_umask())
    except OSError as exc:
        raise KpgenError("cannot write: %s" % (exc.strerror or exc),
                         exc.filename or project) from None
