"""The `kpgen` command line.

Exit status: 0 success, 1 invalid input / failed operation / merge
conflicts, 2 usage errors (argparse).  User errors are KpgenError and are
printed as `kpgen: error: FILE:LINE: field: message`, never a traceback.
"""
import argparse
import os
import sys
from pathlib import Path

from kpgen import __version__, docs, project, scan
from kpgen.errors import KpgenError
from kpgen.render import environment, load_description
from kpgen.schema import check_name


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
                       description="Generate a project from a description "
                       "(--from) or from a starter description for NAME "
                       "and the given ids.")
    n.add_argument("name", nargs="?", metavar="NAME",
                   help="driver name (without --from)")
    n.add_argument("--from", dest="source", metavar="DESC.yaml",
                   help="the device description")
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

    v = sub.add_parser("validate", help="check a description")
    v.add_argument("source", metavar="DESC.yaml")

    u = sub.add_parser("update", help="merge a changed description into "
                       "a generated project",
                       description="Render the recorded description and "
                       "the new one (DIR/kpgen.yaml, or --from) and "
                       "three-way merge the difference into DIR. "
                       "Conflicts are left marked; exit status 1.")
    u.add_argument("dir", nargs="?", default=".", metavar="DIR")
    u.add_argument("--from", dest="source", metavar="NEW.yaml")
    u.add_argument("--runtime", metavar="DIR")
    u.add_argument("-n", "--dry-run", action="store_true",
                   help="show what would change, write nothing")

    s = sub.add_parser("scan", help="list PCI devices (sysfs)")
    s.add_argument("--describe", metavar="BDF",
                   help="write a starting description for this device")
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


def _write_new_file(path, text, force):
    path = Path(path)
    if path.exists() and not force:
        raise KpgenError("file exists: use --force to overwrite it", path)
    try:
        project._atomic_write(path, text)
    except OSError as exc:
        raise KpgenError(exc.strerror or str(exc), path) from None


def starter_description(ctx):
    return environment().get_template("description.yaml.j2").render(ctx)


def cmd_new(args, parser):
    if args.source:
        if args.name or args.vendor is not None or args.device is not None:
            parser.error("new: give either --from DESC.yaml or NAME "
                         "--vendor ID --device ID")
        target, files = project.new_project(args.source, args.output,
                                            args.force, _abs(args.runtime))
    else:
        if not args.name or args.vendor is None or args.device is None:
            parser.error("new: NAME, --vendor and --device are required "
                         "without --from")
        check_name(args.name, "NAME")
        modes = {"auto": ("auto", ["msix", "msi", "legacy"])}
        mode, prefer = modes.get(args.irq, (args.irq, None))
        text = starter_description({
            "name": args.name, "vendor": "0x%04x" % args.vendor,
            "device": "0x%04x" % args.device,
            "subsystem_vendor": None if args.subsystem_vendor is None
            else "0x%04x" % args.subsystem_vendor,
            "subsystem_device": None if args.subsystem_device is None
            else "0x%04x" % args.subsystem_device,
            "comment": "", "bars": [], "mode": mode, "prefer": prefer,
            "vectors": 1})
        target, files = project.new_project("%s (starter)" % args.name,
                                            args.output, args.force,
                                            _abs(args.runtime),
                                            desc_text=text)
    print("created %s/ (%d files)" % (target, len(files)))
    for rel in files:
        print("  " + rel)
    print("next: cd %s && make   (then `make load`; TODO(user) marks "
          "what to write)" % target)
    return 0


def cmd_validate(args, parser):
    _, d = load_description(args.source)
    nregs = sum(len(b.registers) for b in d.bars)
    mode = d.interrupts.mode if d.interrupts is not None else "none"
    print("%s: ok: %s, %d BAR%s, %d register%s, interrupts %s, "
          "%d message%s" % (args.source, d.name, len(d.bars),
                            "s" * (len(d.bars) != 1), nregs,
                            "s" * (nregs != 1), mode, len(d.messages),
                            "s" * (len(d.messages) != 1)))
    return 0


def cmd_update(args, parser):
    changes, state = project.plan_update(args.dir, args.source,
                                         _abs(args.runtime))
    if state.get("generator") != __version__:
        print("note: %s was generated by kpgen %s, this is %s; template "
              "changes between them are not merged" % (
                  args.dir, state.get("generator"), __version__))
    visible = [c for c in changes if c.action != "recorded"]
    if not args.dry_run:
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
        check_name(args.name, "--name")
        dev = scan.read_device(args.sysfs, args.describe)
        text = starter_description(scan.describe_context(dev, args.name))
        if args.output:
            _write_new_file(args.output, text, args.force)
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

