"""Generating a project (`kpgen new`) and regenerating it (`kpgen update`).

A generated project records what it was generated from:

    kpgen.yaml                 the description, for the user to edit
    .kpgen/description.yaml    the description of the last (re)generation
    .kpgen/state.json          generator version, format, runtime path

`update` renders the recorded description and the new one with the same
templates and merges the difference into the user's files (merge.py).
"""
import json
import os
import shutil
import tempfile
from pathlib import Path

from kpgen import FORMAT_VERSION, __version__
from kpgen.errors import KpgenError
from kpgen.merge import has_conflict_markers, merge3
from kpgen.render import default_runtime, load_description, render_project
from kpgen.yamlsrc import read_text

USER_DESC = "kpgen.yaml"
RECORD = ".kpgen/description.yaml"
STATE = ".kpgen/state.json"


def _state_text(runtime):
    return json.dumps({"generator": __version__, "format": FORMAT_VERSION,
                       "runtime": runtime}, indent=2, sort_keys=True) + "\n"


def render_tree(desc_text, filename, runtime):
    """Validates and renders; returns (desc, {key: (rel, text)})."""
    _, desc = load_description(filename, desc_text)
    return desc, render_project(desc, desc_text, filename, runtime)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def new_project(desc_path, out_dir=None, force=False, runtime=None,
                desc_text=None):
    """Generates a project; returns (target dir, [relative paths])."""
    if desc_text is None:
        desc_text = read_text(desc_path)
    runtime = runtime or default_runtime()
    desc, rendered = render_tree(desc_text, desc_path, runtime)
    target = Path(out_dir) if out_dir else Path(desc.name)
    files = {rel: text for rel, text in rendered.values()}
    files[USER_DESC] = desc_text
    files[RECORD] = desc_text
    files[STATE] = _state_text(runtime)

    if target.exists() or target.is_symlink():
        if not target.is_dir() or target.is_symlink():
            raise KpgenError("exists and is not a directory", target)
        if not force:
            raise KpgenError("directory exists: use --force to replace it, "
                             "or `kpgen update %s` to merge a changed "
                             "description into it" % target, target)
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
        if target.exists():
            backup = Path(tempfile.mkdtemp(prefix=".%s.kpgen-old-"
                                           % target.name, dir=str(parent)))
            os.rename(target, backup / "old")
        os.rename(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if backup is not None and (backup / "old").exists() \
                and not target.exists():
            os.rename(backup / "old", target)
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
        raise KpgenError("cannot write the project: %s" % (exc.strerror
                                                           or exc),
                         exc.filename or target) from None
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
    return target, sorted(files)


class Change:
    def __init__(self, action, rel, text=None, old_rel=None, conflicts=0,
                 note=""):
        self.action, self.rel, self.text = action, rel, text
        self.old_rel, self.conflicts, self.note = old_rel, conflicts, note

    def line(self):
        what = self.rel
        if self.old_rel and self.old_rel != self.rel:
            what = "%s -> %s" % (self.old_rel, self.rel)
        text = "  %-9s %s" % (self.action, what)
        if self.note:
            text += " (%s)" % self.note
        return text


def _read_opt(path):
    if not path.exists():
        return None
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except UnicodeDecodeError:
        raise KpgenError("not UTF-8 text: cannot merge it", path) from None
    except OSError as exc:
        raise KpgenError(exc.strerror or str(exc), path) from None


def plan_update(project, from_path=None, runtime=None):
    """Computes an update without writing; returns (changes, new state).

    Raises KpgenError for invalid input, in which case nothing is written.
    """
    project = Path(project)
    state_path = project / STATE
    if not state_path.is_file():
        raise KpgenError("not a kpgen project (no %s): generate one with "
                         "`kpgen new`" % STATE, project)
    try:
        state = json.loads(read_text(state_path))
    except ValueError as exc:
        raise KpgenError("corrupt state file: %s" % exc, state_path) \
            from None
    runtime = runtime or state.get("runtime") or default_runtime()
    old_path = project / RECORD
    old_text = read_text(old_path)
    new_path = Path(from_path) if from_path else project / USER_DESC
    new_text = read_text(new_path)
    _, old_r = render_tree(old_text, old_path, state.get("runtime")
                           or runtime)
    _, new_r = render_tree(new_text, new_path, runtime)

    changes = []
    for key in sorted(set(old_r) | set(new_r)):
        b_rel, base = old_r.get(key, (None, None))
        t_rel, new = new_r.get(key, (None, None))
        src_rel = b_rel or t_rel
        yours = _read_opt(project / src_rel)
        if yours is None and t_rel != src_rel:
            yours = _read_opt(project / t_rel)
            src_rel = t_rel
        if yours is not None and has_conflict_markers(yours):
            raise KpgenError("has unresolved conflict markers from an "
                             "earlier update: resolve them first",
                             project / src_rel)
        if new is None:                     # no longer generated
            if yours is None:
                continue
            if yours == base:
                changes.append(Change("deleted", b_rel))
            else:
                changes.append(Change("kept", b_rel, note="no longer "
                                      "generated; you changed it"))
            continue
        if yours is None:
            if base is None or base != new:
                if base is None:
                    changes.append(Change("created", t_rel, new))
                else:
                    changes.append(Change(
                        "conflict", t_rel + ".kpgen-new", new, conflicts=1,
                        note="you deleted %s; the new version is here"
                        % t_rel))
            continue
        merged, nconf = merge3(yours, base if base is not None else "",
                               new)
        moved = src_rel != t_rel
        if nconf:
            changes.append(Change("conflict", t_rel, merged, src_rel, nconf,
                                  "%d conflict%s" % (nconf, "s" * (nconf
                                                                   > 1))))
        elif merged != yours or moved:
            changes.append(Change("merged" if yours != base else "updated",
                                  t_rel, merged, src_rel))
    if from_path:
        if _read_opt(project / USER_DESC) != new_text:
            changes.append(Change("updated", USER_DESC, new_text,
                                  note="copied from %s" % from_path))
    record = _read_opt(project / RECORD)
    if record != new_text:
        changes.append(Change("recorded", RECORD, new_text))
    state_text = _state_text(runtime)
    if _read_opt(state_path) != state_text:
        changes.append(Change("recorded", STATE, state_text))
    return changes, state


def _atomic_write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".%s.kpgen-" % path.name,
                               dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        if path.exists():
            shutil.copymode(path, tmp)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def apply_update(project, changes):
    """Writes the planned changes, each file atomically (temp + rename).

    Files are replaced in place (not the whole directory) so a shell
    whose working directory is the project keeps working.
    """
    project = Path(project)
    try:
        for ch in changes:
            if ch.text is not None:
                _atomic_write(project / ch.rel, ch.text)
        for ch in changes:
            if ch.old_rel and ch.old_rel != ch.rel:
                os.unlink(project / ch.old_rel)
            if ch.action == "deleted":
                os.unlink(project / ch.rel)
    except OSError as exc:
        raise KpgenError("cannot write: %s" % (exc.strerror or exc),
                         exc.filename or project) from None
