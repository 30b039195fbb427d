"""Rendering the templates (Jinja2, package data) of a project.

templates/generated/  files rewritten by every `kpgen update`
templates/user/       starters of the user's files, written once
templates/pending/    the project of a description that is not complete
"""
import functools
import re
import textwrap
from importlib import resources
from pathlib import Path

import jinja2

from kpgen import checks, load, model

GENERATED, USER = "generated", "user"


def default_runtime():
    """The runtime of the clone kpgen runs from, if it is in one; else the
    installed one (kp-runtime-dkms: its kp-runtime.mk says where the parts
    are, for the Makefile)."""
    here = Path(__file__).resolve().parent
    cand = here.parent.parent / "runtime"
    if (cand / "include" / "kp" / "kp_plugin.h").is_file():
        return str(cand)
    return "/usr/share/kp-runtime"


def schema_path():
    return str(resources.files("kpgen").joinpath("description.schema.json"))


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


@functools.lru_cache(maxsize=None)
def environment():
    """The Jinja environment (one per process: it caches the compiled
    templates)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kpgen", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        autoescape=False)
    env.filters["c_string"] = model.c_string
    env.filters["comment_block"] = _comment_block
    env.filters["c_proto"] = _c_proto
    env.globals["c_define"] = _c_define
    return env


@functools.lru_cache(maxsize=None)
def template_names(kind):
    """Template keys (paths without .j2) of one kind, sorted."""
    root = resources.files("kpgen").joinpath("templates", kind)
    return tuple(sorted(p.name[:-3] for p in root.iterdir()
                  if p.name.endswith(".j2")))


@functools.lru_cache(maxsize=None)
def _file_name_template(key):
    """The compiled template of a file's name ("{{ name }}_gen.c")."""
    return environment().from_string(key)


def code_lines(code):
    """A format-1 `code:` body as lines, 8 leading spaces turned to tabs."""
    lines = []
    for line in code.rstrip().split("\n"):
        line = line.rstrip()
        m = re.match(r"^( {8})+", line)
        if m:
            line = "\t" * (len(m.group(0)) // 8) + line[len(m.group(0)):]
        lines.append(line)
    return lines


def load_description(path, text=None, recorded_ids=None):
    """Reads and checks a description; returns (text, desc, ids).

    @ids is {message name: id}, the recorded ids plus the new ones."""
    if text is None:
        text = load.read_text(path)
    desc = load.load(text, str(path))
    ids = checks.check(desc, str(path), recorded_ids)
    desc._code = {k: code_lines(v) for k, v in desc._code.items()}
    model.build(desc, str(path), runtime="")   # refuses clashing C names
    return text, desc, ids


def render(desc, filename, runtime):
    """Renders a project: ({rel: text} generated, {rel: text} user)."""
    ctx = model.build(desc, str(filename), runtime=runtime)
    env = environment()
    out = []
    for kind in (GENERATED, USER):
        files = {}
        for key in template_names(kind):
            rel = _file_name_template(key).render(ctx)
            files[rel] = env.get_template("%s/%s.j2" % (kind, key)).render(
                ctx)
        out.append(files)
    return out[0], out[1]


def render_starter_description(ctx):
    ctx = dict(ctx)
    ctx.setdefault("schema_url", schema_path())
    ctx.setdefault("device_vectors", None)
    return environment().get_template("description.yaml.j2").render(ctx)


def render_pending(name, kpgen_command):
    from kpgen import __version__
    return {"Makefile": environment().get_template(
        "pending/Makefile.j2").render(name=name,
                                      kpgen_version=__version__,
                                      kpgen_command=kpgen_command)}
