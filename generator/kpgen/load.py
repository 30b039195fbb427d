"""Reading a description: YAML with line numbers, then the JSON Schema.

ruamel.yaml (YAML 1.2) composes the document into nodes that carry their
line; ``_value()`` turns them into plain data, typing plain scalars with
strict rules of its own (so `0x_`, a 5000-digit number or `010` get a
clear error instead of a traceback or a surprise), and remembers the
line of every value and key by its path.  jsonschema then checks the
structure against description.schema.json, the one definition of the
format, and its first error (in document order) is reported as
``FILE:LINE: field.path: message``.  The domain rules are in checks.py.
"""
import json
import os
import re
import stat
from importlib import resources

import jsonschema
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from kpgen.errors import KpgenError

INT_RE = re.compile(r"[-+]?(0x[0-9a-fA-F](_?[0-9a-fA-F])*|0o[0-7](_?[0-7])*"
                    r"|0b[01](_?[01])*|0|[1-9](_?[0-9])*)$")
NULLS = ("", "~", "null", "Null", "NULL")
BOOLS = {"true": True, "True": True, "TRUE": True,
         "false": False, "False": False, "FALSE": False}
MAX_NUMBER_CHARS = 40           # 2^64 in binary with separators fits
MAX_DEPTH = 32
# Characters refused anywhere in a description: C0/C1 controls but tab and
# newline, DEL, surrogates, and the bidirectional controls that make
# source read differently than it compiles ("Trojan source").
BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
                       "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                       "\u2066-\u2069\ufeff\ufffe\uffff]")
STR_TAG = "tag:yaml.org,2002:str"


def schema():
    """The description schema (package data) as a dict."""
    text = resources.files("kpgen").joinpath(
        "description.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


SCHEMA = schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def join(path, key):
    if isinstance(key, int):
        return "%s[%d]" % (path, key)
    return "%s.%s" % (path, key) if path else key


def path_text(parts):
    out = ""
    for p in parts:
        out = join(out, p)
    return out


class Obj(dict):
    """A mapping of the description: keys as attributes, plus the line of
    every key (``line(key)``) and its field path (``path(key)``)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def line(self, key=None):
        if key is None:
            return self._line
        return self._lines.get(key, self._line)

    def path(self, key=None):
        return self._path if key is None else join(self._path, key)


class Seq(list):
    def line(self, index=None):
        if index is None or index >= len(self._lines):
            return self._line
        return self._lines[index]

    def path(self, index=None):
        return self._path if index is None else join(self._path, index)


def check_text(text, filename):
    """Refuses control and bidi characters anywhere, comments included."""
    m = BAD_CHARS.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        raise KpgenError("character U+%04X is not allowed in a description "
                         "(control, bidirectional or invalid characters "
                         "would reach generated C)" % ord(m.group()),
                         filename, line, "text")


def read_text(path):
    """A description or project file as text; never blocks on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise KpgenError("no such file", path) from None
    except IsADirectoryError:
        raise KpgenError("is a directory, expected a YAML file",
                         path) from None
    except OSError as exc:
        raise KpgenError(exc.strerror or str(exc), path) from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if stat.S_ISDIR(st.st_mode):
            raise KpgenError("is a directory, expected a YAML file", path)
        if not stat.S_ISREG(st.st_mode):
            raise KpgenError("not a regular file", path)
        try:
            data = f.read(4 << 20)
        except OSError as exc:
            raise KpgenError(exc.strerror or str(exc), path) from None
    if len(data) >= 4 << 20:
        raise KpgenError("larger than 4 MiB: not a description", path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KpgenError("not UTF-8 text (%s)" % exc.reason, path) from None


def compose(text, filename):
    if text.startswith("\ufeff"):
        text = text[1:]
    check_text(text, filename)
    try:
        node = YAML(typ="safe").compose(text)  # libyaml: fast, marks
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(
            exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        context = getattr(exc, "context", None)
        msg = "%s (%s)" % (problem, context) if context and problem \
            else problem
        raise KpgenError("malformed YAML: %s" % msg, filename, line,
                         "syntax") from None
    except RecursionError:
        raise KpgenError("malformed YAML: nested too deeply", filename, None,
                         "syntax") from None
    except Exception as exc:   # the parser's own bugs must not escape
        raise KpgenError("malformed YAML: %s" % exc, filename, None,
                         "syntax") from None
    if node is None:
        raise KpgenError("the description is empty; expected a mapping "
                         "with at least `name` and `pci`", filename, 1,
                         "(document)")
    return node


class Reader:
    """Nodes -> plain data, with lines[path tuple] and key_lines."""

    def __init__(self, filename):
        self.filename = filename
        self.lines, self.key_lines = {}, {}
        self.seen = set()
        self.resolver = YAML(typ="safe").resolver

    def fail(self, node, path, message):
        raise KpgenError(message, self.filename, node.start_mark.line + 1,
                         path_text(path) or "(document)")

    def value(self, node, path=(), depth=0):
        if depth > MAX_DEPTH:
            raise KpgenError("malformed YAML: nested more than %d levels "
                             "deep" % MAX_DEPTH, self.filename,
                             node.start_mark.line + 1, "syntax")
        if id(node) in self.seen:
            raise KpgenError("YAML aliases (*name) are not supported in "
                             "descriptions: write the value out",
                             self.filename, self.key_lines.get(
                                 path, node.start_mark.line + 1),
                             path_text(path) or "(document)")
        self.seen.add(id(node))
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, MappingNode):
            out = {}
            for knode, vnode in node.value:
                if not isinstance(knode, ScalarNode) or \
                        knode.tag != STR_TAG or knode.value == "<<":
                    self.fail(knode, path, "keys must be plain words (no "
                              "merge keys, lists or numbers)")
                key = knode.value
                if key in out:
                    self.fail(knode, path + (key,), "duplicate key %r "
                              "(first at line %d)"
                              % (key, self.key_lines[path + (key,)]))
                self.key_lines[path + (key,)] = knode.start_mark.line + 1
                out[key] = self.value(vnode, path + (key,), depth + 1)
            return out
        if isinstance(node, SequenceNode):
            return [self.value(v, path + (i,), depth + 1)
                    for i, v in enumerate(node.value)]
        return self.scalar(node, path)

    def scalar(self, node, path):
        raw = node.value
        m = BAD_CHARS.search(raw)
        if m:
            self.fail(node, path, "character U+%04X is not allowed in a "
                      "description (control, bidirectional or invalid "
                      "characters would reach generated C)" % ord(m.group()))
        if node.style:                      # quoted or block: a string
            return raw
        implicit = self.resolver.resolve(ScalarNode, raw, (True, False))
        if node.tag != implicit:
            if node.tag == STR_TAG:         # !!str
                return raw
            self.fail(node, path, "YAML tag %s is not supported here"
                      % node.tag)
        if raw in NULLS:
            return None
        if raw in BOOLS:
            return BOOLS[raw]
        if re.match(r"^[-+]?0[0-9_]+$", raw):
            self.fail(node, path, "%r: a leading 0 is ambiguous: write 0o%s "
                      "for octal or drop the 0" % (raw, raw.lstrip("+-0_")))
        if re.match(r"^[-+]?(0[xob]|[0-9])", raw) and \
                re.match(r"^[-+]?[0-9][0-9a-zA-Z_]*$", raw):
            if len(raw) > MAX_NUMBER_CHARS:
                self.fail(node, path, "number of %d characters is too long "
                          "for any field" % len(raw))
            if not INT_RE.match(raw):
                self.fail(node, path, "%r is not a valid integer (decimal, "
                          "0x hex, 0o octal or 0b binary, `_` only between "
                          "digits)" % raw)
            return int(raw.replace("_", ""), 0)
        if implicit == "tag:yaml.org,2002:float":
            self.fail(node, path, "%r: numbers in a description are "
                      "integers" % raw)
        return raw


def _kind(value):
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int):
        return "0x%x" % value if value >= 4096 else "%d" % value
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def _resolve(sch):
    while "$ref" in sch:
        ref = sch["$ref"].split("/")[-1]
        merged = dict(SCHEMA["$defs"][ref])
        merged.update({k: v for k, v in sch.items() if k != "$ref"})
        sch = merged
    return sch


def fmt_int(value, decimal=False):
    if decimal or value < 10:
        return str(value)
    return "0x%x" % value


def expected(sch):
    """What a schema node accepts, in words (errors and the format doc)."""
    sch = _resolve(sch)
    if "x-expected" in sch:
        return sch["x-expected"]
    if "x-section" in sch:
        return "a mapping (the description)"
    if "title" in sch:
        return "a mapping (%s)" % sch["title"]
    if "enum" in sch:
        vals = ["`%s`" % str(v).lower() if isinstance(v, bool) else
                "`%s`" % v for v in sch["enum"]]
        return vals[0] if len(vals) == 1 else "one of " + ", ".join(vals)
    t = sch.get("type")
    if t == "integer":
        dec = sch.get("x-decimal", False)
        text = "an integer %s..%s" % (fmt_int(sch["minimum"], dec),
                                      fmt_int(sch["maximum"], dec))
        if sch.get("x-pow2"):
            text += ", a power of two"
        return text
    if t == "boolean":
        return "`true` or `false`"
    if t == "array":
        text = "a list of %s" % expected(sch["items"])
        if "maxItems" in sch:
            text += " (at most %d)" % sch["maxItems"]
        return text
    if t == "string":
        return "a text"
    return "a value"      # pragma: no cover - every node is described


def _schema_at(parts):
    """The (resolved) schema node for a data path."""
    sch = SCHEMA
    for p in parts:
        sch = _resolve(sch)
        if isinstance(p, int):
            sch = sch["items"]
        else:
            sch = sch["properties"][p]
    return _resolve(sch)


def _title(sch):
    return "the description" if "x-section" in sch else sch["title"]


def _message(err, reader):
    """(path parts, line, message) for a jsonschema error."""
    parts = tuple(err.absolute_path)
    line = reader.lines.get(parts, 1)
    v, inst = err.validator, err.instance
    sch = _schema_at(parts)
    if v == "additionalProperties":
        known = sorted(set(inst) - set(sch.get("properties", {})))
        key = known[0]
        kparts = parts + (key,)
        return kparts, reader.key_lines.get(kparts, line), (
            "unknown key %r in %s: expected one of %s" % (
                key, _title(sch),
                ", ".join(sch["properties"])))
    if v == "required":
        key = err.validator_value[0] if len(err.validator_value) == 1 \
            else re.findall(r"'([^']+)' is a required", err.message)[0]
        want = sch["properties"][key]
        return parts + (key,), line, (
            "missing required key %r in %s: expected %s" % (
                key, _title(sch), expected(want)))
    if v == "maxItems":
        return parts, line, "too many items (%d): expected at most %d" % (
            len(inst), err.validator_value)
    if v == "minItems":
        return parts, line, "expected at least %d item(s)" % (
            err.validator_value)
    if v == "uniqueItems":
        return parts, line, "duplicate entries: each may appear once"
    if v == "maxLength" and sch.get("type") == "string" and \
            "pattern" not in sch:
        return parts, line, "text of %d characters is too long: at most " \
            "%d" % (len(inst), err.validator_value)
    if v in ("minimum", "maximum") and isinstance(inst, int):
        return parts, line, "%s is out of range: expected %s" % (
            _kind(inst), expected(sch))
    if inst is None:
        hint = " (`kpgen scan` lists the PCI devices here with their ids)" \
            if parts[:1] == ("pci",) else ""
        return parts, line, "not set: expected %s%s" % (expected(sch), hint)
    return parts, line, "expected %s, got %s" % (expected(sch), _kind(inst))


def _with_defaults(data, sch, path, reader):
    """Obj/Seq tree with every absent key set to its default (or None)."""
    sch = _resolve(sch)
    if isinstance(data, dict):
        out = Obj()
        out._path = path_text(path)
        out._line = reader.lines.get(path, 1)
        out._lines = {}
        for key, sub in sch.get("properties", {}).items():
            sub_r = _resolve(sub)
            if key in data:
                value = data[key]
                out._lines[key] = reader.lines.get(path + (key,), out._line)
            else:
                value = sub_r.get("default")
                if isinstance(value, list):
                    value = list(value)
                if sub_r.get("type") == "object" and key in ("interrupts", "dma"):
                    value = None
            out[key] = _with_defaults(value, sub_r, path + (key,), reader)
        return out
    if isinstance(data, list):
        out = Seq(_with_defaults(v, sch.get("items", {}), path + (i,),
                                 reader) for i, v in enumerate(data))
        out._path = path_text(path)
        out._line = reader.lines.get(path, reader.lines.get(path[:-1], 1))
        out._lines = [reader.lines.get(path + (i,), out._line)
                      for i in range(len(data))]
        return out
    return data


def load(text, filename):
    """Parses and checks the structure; returns the root Obj.

    Format 1 descriptions (kpgen 0.1) are read for migration: their
    `code:` message bodies are returned in ``root._code`` and removed.
    """
    node = compose(text, filename)
    reader = Reader(filename)
    data = reader.value(node)
    if not isinstance(data, dict):
        raise KpgenError("expected a mapping with at least `name` and "
                         "`pci`, got %s" % _kind(data), filename,
                         reader.lines.get((), 1), "(document)")
    code = {}
    if data.get("kpgen") == 1:
        for i, msg in enumerate(data.get("messages") or []):
            if isinstance(msg, dict) and isinstance(msg.get("code"), str):
                code[msg.get("name")] = msg.pop("code")
    errors = sorted(VALIDATOR.iter_errors(data), key=lambda e: (
        reader.lines.get(tuple(e.absolute_path), 1),
        -len(e.absolute_path)))
    if errors:
        parts, line, message = _message(errors[0], reader)
        raise KpgenError(message, filename, line,
                         path_text(parts) or "(document)")
    root = _with_defaults(data, SCHEMA, (), reader)
    root._code = code
    return root
