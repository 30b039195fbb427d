"""The `kpgen` command line.

Exit status: 0 success, 1 invalid input / failed operation / merge
conflicts, 2 usage errors (argparse).  User errors are KpgenError and are
printed as `kpgen: error: FILE:LINE: field: message`, never a traceback.
"""
import argparse
import os
import shutil
import sys
from pathlib import Path

from kpgen import __version__, docs, project, scan
from kpgen.checks import check_driver_name
from kpgen.errors import KpgenError
from kpgen.load import schema as _schema  # noqa: F401  (fails early)
from kpgen.render import load_description, render_starter_description


def _id(text):
    """argparse type for a 16-bit id written in hex (0x optional)."""
    try:
        value = int(text, 16)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a hex id" % text) \
            from None
    if not 0 <= value <= 0xffff:
        raise argparse.ArgumentTypeError("%s is not in 0..0xffff" % text)
    return value


def _abs(path):
    return os.path.abspath(path) if path else None


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, "%s: error: %s\n" % (self.prog, message))


def build_parser():
    p = Parser(prog="kpgen", description="Generate Kernel PlugIn driver "
               "projects for kp_runtime from a device description.")
    p.add_argument("--version", action="version",
                   version="kpgen " + __version__)
    sub = p.add_subparsers(dest="command", metavar="COMMAND",
                           parser_class=Parser)
    sub.required = True

    n = sub.add_parser("new", help="generate a project",
                       description="Generate a project: from a description "
                       "(--from), or a starter for NAME. Without ids, at a "
                       "terminal kpgen offers the PCI devices it finds; "
                       "otherwise the project's kpgen.yaml asks for them "
                       "and `make` there says what is missing.")
    n.add_argument("name", nargs="?", metavar="NAME",
                   help="driver name (without --from)")
    n.add_argument("--from", dest="source", metavar="DESC.yaml",
                   help="the device description (user files such as "
                   "NAME_calls.c next to it are used instead of starters)")
    n.add_argument("--vendor", type=_id, help="PCI vendor id (hex)")
    n.add_argument("--device", type=_id, help="PCI device id (hex)")
    n.add_argument("--subsystem-vendor", type=_id, metavar="ID")
    n.add_argument("--subsystem-device", type=_id, metavar="ID")
    n.add_argument("--irq", choices=["none", "legacy", "msi", "msix",
                                     "auto"], default="auto",
                   help="interrupt mode of the starter description")
    n.add_argument("-o", "--output", metavar="DIR",
                   help="project directory (default: ./NAME)")
    n.add_argument("--force", action="store_true",
                   help="replace an existing directory")
    n.add_argument("--runtime", metavar="DIR",
                   help="kp runtime tree for the Makefile's RUNTIME "
                   "(default: the runtime/ of this kpgen tree)")
    n.add_argument("--no-pick", action="store_true",
                   help="never offer the scanned devices")
    n.add_argument("--sysfs", default="/sys", help=argparse.SUPPRESS)

    v = sub.add_parser("validate", help="check a description")
    v.add_argument("source", metavar="DESC.yaml")

    u = sub.add_parser("update", help="regenerate a project from its "
                       "description",
                       description="Rewrite the generated files of DIR "
                       "from DIR/kpgen.yaml (or --from, which is copied "
                       "there). Your files are never overwritten: a "
                       "changed starter is merged into them with git "
                       "merge-file; conflicts are left marked (exit 1).")
    u.add_argument("dir", nargs="?", default=".", metavar="DIR")
    u.add_argument("--from", dest="source", metavar="NEW.yaml")
    u.add_argument("--runtime", metavar="DIR")
    u.add_argument("-n", "--dry-run", action="store_true",
                   help="say what would change, write nothing")

    s = sub.add_parser("scan", help="list PCI devices (sysfs)")
    s.add_argument("--describe", metavar="BDF",
                   help="write a starting description for this device "
                   "(0000:00:03.0 or 00:03.0)")
    s.add_argument("--name", default="mydev",
                   help="driver name for --describe (default: mydev)")
    s.add_argument("-o", "--output", metavar="FILE",
                   help="--describe output (default: standard output)")
    s.add_argument("--force", action="store_true",
                   help="overwrite the --describe output file")
    s.add_argument("--sysfs", default="/sys", help=argparse.SUPPRESS)

    d = sub.add_parser("docs", help="write docs/description-format.md")
    d.add_argument("-o", "--output", metavar="FILE",
                   help="write here (default: standard output)")
    d.add_argument("--check", action="store_true",
                   help="exit 1 if FILE is not up to date")
    return p


def kpgen_command():
    """How a generated Makefile runs this kpgen."""
    found = shutil.which("kpgen")
    here = Path(__file__).resolve().parent
    if found:
        return "kpgen"
    return "PYTHONPATH=%s %s -m kpgen" % (here.parent, sys.executable)


def _check_name(name, what):
    def fail(message):
        raise KpgenError(message, field=what)
    if not name or not name.replace("_", "a").isalnum() or \
            not name[0].isalpha() or name != name.lower() or \
            len(name) > 11 or not name.isascii():
        fail("%r: expected a lower-case C identifier ([a-z][a-z0-9_]*, at "
             "most 11 characters)" % name)
    check_driver_name(name, fail)


def _hex(value):
    return None if value is None else "0x%04x" % value


def _pick_device(args):
    """At a terminal: the scanned devices to choose from, or None."""
    if args.no_pick or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None
    try:
        devices = [d for d in scan.scan(args.sysfs) if d.pci_class >> 16
                   not in (0x06,)]        # not bridges
    except KpgenError:
        return None
    if not devices:
        return None
    print("PCI devices here (`kpgen scan`):")
    for i, dev in enumerate(devices, 1):
        print("%3d) %s" % (i, scan.format_device(dev).replace(
            "\n", "\n     ")))
    while True:
        try:
            answer = input("device for %s [1-%d, Enter: fill in the ids "
                           "later]: " % (args.name, len(devices))).strip()
        except EOFError:
            return None
        if not answer:
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(devices):
            return devices[int(answer) - 1]


def cmd_new(args, parser):
    if args.source:
        if args.name or args.vendor is not None or args.device is not None:
            parser.error("new: give either --from DESC.yaml or NAME "
                         "[--vendor ID --device ID]")
        target, files = project.new_project(
            args.source, args.output, args.force, _abs(args.runtime),
            user_dir_path=args.source)
        if project.was_format1(args.source):
            print("note: %s is format 1 (kpgen 0.1): %s/kpgen.yaml is "
                  "format 2, its `code:` bodies are in the user files"
                  % (args.source, target))
        return _created(target, files)
    if not args.name:
        parser.error("new: NAME or --from DESC.yaml is required")
    if (args.vendor is None) != (args.device is None):
        parser.error("new: give both --vendor and --device, or neither")
    _check_name(args.name, "NAME")
    modes = {"auto": ("auto", ["msix", "msi", "legacy"])}
    mode, prefer = modes.get(args.irq, (args.irq, None))
    ctx = {"name": args.name, "vendor": _hex(args.vendor),
           "device": _hex(args.device),
           "subsystem_vendor": _hex(args.subsystem_vendor),
           "subsystem_device": _hex(args.subsystem_device),
           "comment": "", "bars": [], "mode": mode, "prefer": prefer,
           "vectors": 1}
    if args.vendor is None:
        dev = _pick_device(args)
        if dev is not None:
            ctx = scan.describe_context(dev, args.name)
    text = render_starter_description(ctx)
    if ctx["vendor"] is None:
        target, files = project.new_pending(args.name, text, args.output,
                                            args.force, kpgen_command())
        print("created %s/ (%d files): the description needs the device's "
              "ids" % (target, len(files)))
        print("next: fill in pci.vendor and pci.device in %s/kpgen.yaml "
              "(`kpgen scan` lists the PCI devices), then: cd %s && make"
              % (target, target))
        return 0
    target, files = project.new_project("%s/kpgen.yaml" % (
        args.output or args.name), args.output or args.name, args.force,
        _abs(args.runtime), desc_text=text)
    return _created(target, files)


def _created(target, files):
    print("created %s/ (%d files)" % (target, len(files)))
    for rel in files:
        if not rel.startswith(".kpgen/"):
            print("  " + rel)
    print("next: cd %s && make   (then `make load`; TODO(user) marks your "
          "code)" % target)
    return 0


def cmd_validate(args, parser):
    _, d, _ = load_description(args.source)
    nregs = sum(len(b.registers) for b in d.bars)
    mode = d.interrupts.mode if d.interrupts is not None else "none"
    print("%s: ok: %s, %d BAR%s, %d register%s, interrupts %s, "
          "%d message%s" % (args.source, d.name, len(d.bars),
                            "s" * (len(d.bars) != 1), nregs,
                            "s" * (nregs != 1), mode, len(d.messages),
                            "s" * (len(d.messages) != 1)))
    return 0


def cmd_update(args, parser):
    changes, state, notes = project.plan_update(args.dir, args.source,
                                                _abs(args.runtime))
    for note in notes:
        print("note: " + note)
    visible = [c for c in changes if c.action != "recorded"]
    if args.dry_run:
        print("%s: dry run, nothing written; would do:" % args.dir)
    else:
        project.apply_update(args.dir, changes)
    if not visible:
        print("%s: up to date" % args.dir)
    for ch in visible:
        print(ch.line())
    conflicts = [c for c in changes if c.action == "conflict"]
    if conflicts:
        print("kpgen: %d file%s with conflicts: resolve the <<<<<<< "
              ">>>>>>> regions (yours / base / new), then build"
              % (len(conflicts), "s" * (len(conflicts) > 1)),
              file=sys.stderr)
        return 1
    return 0


def cmd_scan(args, parser):
    if args.describe:
        _check_name(args.name, "--name")
        dev = scan.read_device(args.sysfs, scan.full_bdf(args.describe))
        text = render_starter_description(scan.describe_context(
            dev, args.name))
        if args.output:
            path = Path(args.output)
            if path.exists() and not args.force:
                raise KpgenError("file exists: use --force to overwrite it",
                                 path)
            try:
                project._atomic_write(path, text)
            except OSError as exc:
                raise KpgenError(exc.strerror or str(exc), path) from None
            print("wrote %s: edit it, then `kpgen new --from %s`"
                  % (args.output, args.output))
        else:
            sys.stdout.write(text)
        return 0
    devices = scan.scan(args.sysfs)
    for dev in devices:
        print(scan.format_device(dev))
    if not devices:
        print("no PCI devices")
    return 0


def cmd_docs(args, parser):
    text = docs.render()
    if args.check:
        path = Path(args.output or docs.DOC_PATH)
        try:
            current = path.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != text:
            raise KpgenError("out of date: run `kpgen docs -o %s`" % path,
                             path)
        print("%s: up to date" % path)
        return 0
    if args.output:
        project._atomic_write(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return 0


COMMANDS = {"new": cmd_new, "validate": cmd_validate, "update": cmd_update,
            "scan": cmd_scan, "docs": cmd_docs}


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args, parser)
    except KpgenError as exc:
        sys.stdout.flush()
        print("kpgen: error: %s" % exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kpgen: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
