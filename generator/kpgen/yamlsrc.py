"""Loading YAML as a node tree that remembers line numbers.

PyYAML's composer gives nodes with start marks; the schema (schema.py)
walks those nodes directly, so every value it produces can be traced back
to the line it came from.
"""
import yaml

from kpgen.errors import KpgenError


def compose(text, filename):
    """Parses one YAML document into a node tree (or raises KpgenError)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        msg = exc.problem or exc.context or "malformed YAML"
        if exc.context and exc.problem:
            msg = "%s (%s)" % (exc.problem, exc.context)
        raise KpgenError("malformed YAML: %s" % msg, filename, line,
                         "syntax") from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors
        raise KpgenError("malformed YAML: %s" % exc, filename, None,
                         "syntax") from None
    if node is None:
        raise KpgenError("the description is empty; expected a mapping "
                         "with at least `name` and `pci`", filename, 1,
                         "(document)")
    return node


def read_text(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        raise KpgenError("no such file", path) from None
    except IsADirectoryError:
        raise KpgenError("is a directory, expected a YAML file",
                         path) from None
    except UnicodeDecodeError as exc:
        raise KpgenError("not UTF-8 text (%s)" % exc.reason, path) from None
    except OSError as exc:
        raise KpgenError(exc.strerror or str(exc), path) from None


def line_of(node):
    return node.start_mark.line + 1


def kind(node):
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == "tag:yaml.org,2002:null":
        return "nothing (null)"
    return "%r" % node.value
