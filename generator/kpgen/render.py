"""Rendering the project templates (Jinja2) into {relative path: text}."""
import os
import textwrap
from pathlib import Path

import jinja2

from kpgen import model, schema
from kpgen.errors import KpgenError
from kpgen.yamlsrc import read_text

PROJECT = "project"     # templates/project/: the generated project tree


def templates_dir():
    """Where the templates are.

    Installed: kpgen/templates inside the package (setup.py copies the
    top-level templates/ there at build time).  In a clone: the top-level
    templates/ next to generator/.  KPGEN_TEMPLATES overrides both.
    """
    env = os.environ.get("KPGEN_TEMPLATES")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve().parent
    candidates += [here / "templates", here.parent.parent / "templates"]
    for cand in candidates:
        if (cand / PROJECT).is_dir():
            return cand
    raise KpgenError("templates not found (looked in %s)"
                     % ", ".join(str(c) for c in candidates))


def default_runtime():
    """The runtime of the clone kpgen runs from, if it is in one."""
    here = Path(__file__).resolve().parent
    cand = here.parent.parent / "runtime"
    if (cand / "include" / "kp" / "kp_plugin.h").is_file():
        return str(cand)
    return "/usr/src/kp-runtime"


def _c_string(text):
    return model.c_string(text)


def _comment_block(text, indent=""):
    """A C comment, one line if it fits 80 columns, else a block."""
    text = " ".join(str(text).split())
    one = "%s/* %s */" % (indent, text)
    if len(one.expandtabs(8)) <= 80:
        return one
    width = 80 - len((indent + " * ").expandtabs(8))
    lines = textwrap.wrap(text, width=width, break_long_words=False,
                          break_on_hyphens=False)
    return "\n".join([indent + "/*"] + [indent + " * " + ln for ln in lines]
                     + [indent + " */"])


def _c_proto(head, *args):
    """``head(args)`` wrapped at 80 columns, continuation lines aligned
    with the opening parenthesis (tabs, then spaces)."""
    one = "%s(%s)" % (head, ", ".join(args) if args else "void")
    if len(one) <= 80:
        return one
    col = len(head) + 1
    pad = "\t" * (col // 8) + " " * (col % 8)
    lines, cur = [], head + "("
    for i, arg in enumerate(args):
        piece = arg + ("," if i < len(args) - 1 else ")")
        trial = cur + ("" if cur.endswith("(") else " ") + piece
        if len(trial.expandtabs(8)) > 80 and not cur.endswith("("):
            lines.append(cur)
            cur = pad + piece
        else:
            cur = trial
    lines.append(cur)
    return "\n".join(lines)


def _c_define(name, value, note="", col=40):
    """``#define NAME VALUE /* note */`` with VALUE tab-aligned at @col;
    a note that would pass 80 columns goes on the line above."""
    head = "#define " + name
    n = len(head)
    tabs = max(1, (col - n + 7) // 8) if n < col else 1
    line = head + "\t" * tabs + str(value)
    note = " ".join(str(note).split())
    if not note:
        return line
    one = "%s\t/* %s */" % (line, note)
    if len(one.expandtabs(8)) <= 80:
        return one
    return _comment_block(note) + "\n" + line


def environment():
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        autoescape=False)
    env.filters["c_string"] = _c_string
    env.filters["comment_block"] = _comment_block
    env.filters["c_proto"] = _c_proto
    env.filters["hex"] = lambda v, w=0: "0x%0*x" % (w, v)
    env.globals["c_define"] = _c_define
    return env


def load_description(path, text=None):
    """Reads and validates a description file; returns (text, Obj)."""
    if text is None:
        text = read_text(path)
    desc = schema.load(text, str(path))
    model.build(desc, str(path))    # rejects clashing generated C names
    return text, desc


def render_project(desc, desc_text, filename, runtime):
    """Renders every project file.

    Returns {template key: (relative path, text)}; the key (the template's
    own path) identifies a file across renders even when the driver name,
    and so the file name, changes.
    """
    ctx = model.build(desc, str(filename), runtime=runtime)
    env = environment()
    root = templates_dir() / PROJECT
    out = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or not path.name.endswith(".j2"):
            continue
        key = path.relative_to(root).as_posix()[:-3]
        rel = env.from_string(key).render(ctx)
        text = env.get_template("%s/%s" % (PROJECT, key + ".j2")).render(ctx)
        out[key] = (rel, text)
    return out
