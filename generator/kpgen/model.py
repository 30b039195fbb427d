"""From a checked description to the values the templates use.

Every C name the templates emit is made here and registered with
``Symbols``, pre-seeded with the names the templates fix, so two entities
that would generate the same name are refused with both lines.
"""
from kpgen import __version__
from kpgen.checks import bits_of, payload_layout, reg_width
from kpgen.errors import KpgenError

C_TYPES = {"u8": "__u8", "u16": "__u16", "u32": "__u32", "u64": "__u64",
           "s8": "__s8", "s16": "__s16", "s32": "__s32", "s64": "__s64",
           "char": "char"}
KERNEL_TYPES = {8: "u8", 16: "u16", 32: "u32", 64: "u64"}
IO_READ = {8: "ioread8", 16: "ioread16", 32: "ioread32", 64: "readq"}
IO_WRITE = {8: "iowrite8", 16: "iowrite16", 32: "iowrite32", 64: "writeq"}
MODE_MACROS = {"legacy": "KP_INT_MODE_INTX", "msi": "KP_INT_MODE_MSI",
               "msix": "KP_INT_MODE_MSIX"}
DEFAULT_PREFER = ["msix", "msi", "legacy"]
DMA_DIRS = {"to_device": "KP_DMA_TO_DEVICE",
            "from_device": "KP_DMA_FROM_DEVICE",
            "bidirectional": "KP_DMA_BIDIRECTIONAL"}
MSG_ON_STACK_MAX = 256      # larger payloads are copied through malloc()

# dwResult values of every generated plugin, in value order
RESULTS = [("OK", "success"), ("NOT_IMPLEMENTED", "no handler yet"),
           ("BAD_SIZE", "payload too small"),
           ("FAULT", "copying the payload failed"),
           ("TIMEOUT", "the device did not answer in time"),
           ("ERROR", "other failure"),
           ("UNKNOWN_MESSAGE", "no such message"),
           ("NO_DEVICE", "the device is gone"),
           ("NO_TRANS_CMDS", "TRANS_ACK without transfer commands"),
           ("BAD_BUFFER", "DMA buffer: unknown, range, direction or kind")]

# The user's callbacks, called by the generated KP_* callbacks
# (<name>_gen.c); docs and templates take their names from here.
HOOKS = ["open", "close", "event", "irq_enable", "irq_disable", "irq",
         "dpc", "irq_msi", "dpc_msi"]


def c_hex(value, width=32):
    suffix = "ULL" if width > 32 or value > 0xffffffff else "U"
    return "0x%x%s" % (value, suffix) if value > 9 else "%d%s" % (value,
                                                                   suffix)


def comment(text):
    """Text made safe for a C block comment, on one line."""
    text = " ".join(str(text).split())
    return text.replace("*/", "* /").replace("/*", "/ *")


def c_string(text):
    """A C string literal: printable ASCII as is, the rest as UTF-8 bytes
    in octal escapes (which, unlike \\x, end after three digits)."""
    out = []
    for ch in str(text):
        if ch in '\\"':
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127 and ch != "?":
            out.append(ch)
        else:
            out.extend("\\%03o" % b for b in ch.encode("utf-8"))
    return '"' + "".join(out) + '"'


class Symbols:
    """Detects two entities that would generate the same C name."""

    def __init__(self, filename):
        self.filename = filename
        self.seen = {}

    def fixed(self, symbol):
        self.seen[symbol] = ("kpgen's own %s" % symbol, None)

    def add(self, symbol, obj, key, what):
        if symbol in self.seen:
            first_what, first_line = self.seen[symbol]
            where = " at line %d" % first_line if first_line else ""
            raise KpgenError("%s would generate the C name %s, already "
                             "generated for %s%s: rename one of them"
                             % (what, symbol, first_what, where),
                             self.filename, obj.line(key), obj.path(key))
        self.seen[symbol] = (what, obj.line(key))


def fixed_names(name, up):
    """The C names the templates emit whatever the description says."""
    names = ["%s_RES_%s" % (up, r) for r, _ in RESULTS]
    names += ["%s_%s" % (up, s) for s in (
        "DRIVER_NAME", "VENDOR_ID", "DEVICE_ID", "ACK_NCMDS",
        "ACK_TRANS_CMDS", "INT_F_TRANS_ACK", "INT_MODES", "INT_NMODES",
        "INT_VECTORS", "EVENTS", "REGS_H", "MSGS_H", "GEN_H", "PLUGIN_H",
        "NRESULTS", "SMALL_PAYLOAD", "DMA_MASK_BITS", "DMA_USER_CONTIG",
        "DMA_USER_SG")]
    names += ["%s_%s" % (name, h) for h in HOOKS]
    names += ["%s_%s" % (name, s) for s in (
        "acknowledge", "drv_ctx", "int_ctx", "int_enable", "pci_ids",
        "msgs", "dispatch", "regs", "results", "modes", "device", "raise",
        "ack", "msg_desc", "check_bars", "payload_in", "payload_out",
        "dma", "dma_buf", "dma_open", "dma_free", "dma_msg_get",
        "dma_msg_put", "dma_bus", "dma_range", "dma_mask", "dma_alloc",
        "open_ctx", "ctx", "bars", "callbacks")]
    return names


def build(d, filename, runtime):
    """Returns the template context for checked description ``d``."""
    name = d.name
    up = name.upper()
    syms = Symbols(filename)
    for sym in fixed_names(name, up):
        syms.fixed(sym)

    bars, registers = [], []
    for bar in d.bars:
        b = {"index": bar.index, "name": bar.name,
             "macro": "%s_BAR_%s" % (up, bar.name.upper()),
             "type": bar.type, "is_io": bar.type == "io",
             "size": bar.size, "size_hex": c_hex(bar.size, 64)
             if bar.size is not None else None,
             "description": comment(bar.description), "registers": [],
             "end": 0}
        syms.add(b["macro"], bar, "name", "BAR %r" % bar.name)
        syms.add(b["macro"] + "_SIZE", bar, "name", "BAR %r" % bar.name)
        syms.add(b["macro"] + "_END", bar, "name", "BAR %r" % bar.name)
        for reg in bar.registers:
            w = reg_width(bar, reg)
            r = {"name": reg.name, "bar": b, "offset": reg.offset,
                 "offset_hex": "0x%02x" % reg.offset,
                 "macro": "%s_REG_%s" % (up, reg.name.upper()),
                 "width": w, "bytes": w // 8, "access": reg.access,
                 "readable": reg.access != "wo",
                 "writable": reg.access != "ro",
                 "side_effects": reg.read_side_effects,
                 "ktype": KERNEL_TYPES[w], "utype": "__u%d" % w,
                 "ioread": IO_READ[w], "iowrite": IO_WRITE[w],
                 "read_fn": "%s_read_%s" % (name, reg.name),
                 "write_fn": "%s_write_%s" % (name, reg.name),
                 "description": comment(reg.description), "fields": []}
            b["end"] = max(b["end"], reg.offset + w // 8)
            syms.add(r["macro"], reg, "name", "register %r" % reg.name)
            if r["readable"]:
                syms.add(r["read_fn"], reg, "name", "register %r"
                         % reg.name)
            if r["writable"]:
                syms.add(r["write_fn"], reg, "name", "register %r"
                         % reg.name)
            for bf in reg.fields:
                msb, lsb = bits_of(bf)
                mask = ((1 << (msb - lsb + 1)) - 1) << lsb
                f = {"name": bf.name,
                     "macro": "%s_%s_%s" % (up, reg.name.upper(),
                                            bf.name.upper()),
                     "msb": msb, "lsb": lsb, "mask": mask,
                     "mask_hex": c_hex(mask, w),
                     "bits": str(msb) if msb == lsb else "%d:%d" % (msb,
                                                                   lsb),
                     "description": comment(bf.description)}
                syms.add(f["macro"], bf, "name", "bit field %r" % bf.name)
                syms.add(f["macro"] + "_SHIFT", bf, "name",
                         "bit field %r" % bf.name)
                r["fields"].append(f)
            b["registers"].append(r)
            registers.append(r)
        b["end_hex"] = c_hex(b["end"], 64)
        bars.append(b)
    regs_by_name = {r["name"]: r for r in registers}

    irq = d.interrupts
    mode = irq.mode if irq is not None else "none"
    if mode == "auto":
        modes = list(irq.prefer or DEFAULT_PREFER)
    elif mode == "none":
        modes = []
    else:
        modes = [mode]
    vectors = irq.vectors if irq is not None else 1

    def steps(key):
        out = []
        for step in (irq[key] if irq is not None else []):
            if step.read is not None:
                reg = regs_by_name[step.read]
                mask = step.mask or 0
                out.append({"op": "read", "reg": reg, "mask": mask,
                            "mask_hex": c_hex(mask, reg["width"]),
                            "test_clear": step.pending == "clear"
                            and mask != 0,
                            "use_read": False, "value": 0,
                            "value_hex": "0"})
            else:
                reg = regs_by_name[step.write]
                use_read = step.value == "read"
                mask = step.mask or 0
                value = 0 if use_read else step.value
                if not use_read and mask:
                    value &= mask
                out.append({"op": "write", "reg": reg, "mask": mask,
                            "mask_hex": c_hex(mask, reg["width"]),
                            "test_clear": False, "use_read": use_read,
                            "value": value,
                            "value_hex": c_hex(value, reg["width"])})
        return out

    ack = steps("acknowledge")
    raise_steps = steps("raise")
    # Every acknowledge step is a transfer command: a `pending: clear`
    # test is KP_TRANS_READ with KP_TRANS_F_TEST_CLEAR.
    trans_ok = bool(ack)
    ack_note = None if ack else \
        "the description has no interrupts.acknowledge steps"

    messages = []
    for msg in d.messages:
        size, layout = payload_layout(msg)
        members, npad = [], 0
        for item, what, offset in layout:
            if item == "pad":
                members.append({"decl": "__u8 __pad%d[%d];" % (npad, what),
                                "comment": "explicit padding",
                                "offset": offset, "pad": True})
                npad += 1
                continue
            f = what
            decl = "%s %s" % (C_TYPES[f.type], f.name)
            if f.count is not None:
                decl += "[%d]" % f.count
            out = f in msg.output
            members.append({"decl": decl + ";", "name": f.name,
                            "type": f.type, "count": f.count,
                            "out": out, "pad": False, "offset": offset,
                            "comment": comment(("out" if out else "in") +
                                               (": " + f.description
                                                if f.description else ""))})
        m = {"name": msg.name, "id": msg.id,
             "id_hex": "0x%x" % msg.id if msg.id > 9 else str(msg.id),
             "macro": "%s_MSG_%s" % (up, msg.name.upper()),
             "struct": "%s_msg_%s" % (name, msg.name),
             "handler": "%s_on_%s" % (name, msg.name),
             "fields_table": "%s_fields_%s" % (name, msg.name),
             "description": comment(msg.description),
             "size": size, "has_payload": size > 0,
             "on_stack": size <= MSG_ON_STACK_MAX,
             "members": members,
             "fields": [x for x in members if not x["pad"]],
             "inputs": [f.name for f in msg.input],
             "outputs": [f.name for f in msg.output],
             "code": d._code.get(msg.name)}
        for sym in (m["macro"], m["struct"], m["handler"],
                    m["fields_table"]):
            syms.add(sym, msg, "name", "message %r" % msg.name)
        messages.append(m)

    dma = None
    if d.dma is not None:
        bufs = []
        for buf in d.dma.buffers:
            b = {"name": buf.name,
                 "macro": "%s_DMA_%s" % (up, buf.name.upper()),
                 "size": buf.size, "size_hex": c_hex(buf.size),
                 "dir": DMA_DIRS[buf.direction],
                 "description": comment(buf.description)}
            for suffix in ("_SIZE", "_DIR"):
                syms.add(b["macro"] + suffix, buf, "name", "DMA buffer %r"
                         % buf.name)
            bufs.append(b)
        dma = {"mask": d.dma.mask, "buffers": bufs,
               "contiguous": d.dma.contiguous,
               "sg": d.dma.scatter_gather}
    for m, msg in zip(messages, d.messages):
        m["buffer"] = DMA_DIRS[msg.buffer] if msg.buffer else None

    events = set(d.events)
    event_bits = []
    if "insert" in events:
        event_bits.append("KP_EVENT_INSERT")
    if "remove" in events:
        event_bits.append("KP_EVENT_REMOVE")
    if "power" in events:
        event_bits += ["KP_EVENT_POWER_D0", "KP_EVENT_POWER_D3"]

    pci = d.pci
    any_id = "PCI_ANY_ID"
    return {
        "kpgen_version": __version__,
        "name": name, "NAME": up,
        "description": comment(d.description or "%s PCI device" % name),
        "version": d.version,
        "author": d.author,
        "pci": {
            "vendor": "0x%04x" % pci.vendor,
            "device": "0x%04x" % pci.device,
            "subvendor": "0x%04x" % pci.subsystem_vendor
            if pci.subsystem_vendor is not None else any_id,
            "subdevice": "0x%04x" % pci.subsystem_device
            if pci.subsystem_device is not None else any_id,
            "class": "0x%06x" % pci["class"]
            if pci["class"] is not None else None,
            "class_mask": "0x%06x" % (pci.class_mask
                                      if pci.class_mask is not None
                                      else 0xffffff),
        },
        "bars": bars,
        "registers": registers,
        "has_reg64": any(r["width"] == 64 for r in registers),
        "irq": {"mode": mode, "modes": modes, "any": bool(modes),
                "mode_macros": [MODE_MACROS[m] for m in modes],
                "legacy": "legacy" in modes,
                "msi": "msi" in modes or "msix" in modes,
                "vectors": vectors, "ack": ack, "raise": raise_steps,
                "trans_ok": trans_ok, "ack_note": ack_note,
                "dpc_at_irql": irq.dpc_at_irql if irq is not None
                else True,
                "ack_reads": any(s["op"] == "read" for s in ack)},
        "messages": messages,
        "dma": dma,
        "buffer_msgs": any(m["buffer"] for m in messages),
        "results": [{"name": r, "macro": "%s_RES_%s" % (up, r),
                     "value": i, "note": note}
                    for i, (r, note) in enumerate(RESULTS)],
        "hooks": {h: "%s_%s" % (name, h) for h in HOOKS},
        "events": {"insert": "insert" in events,
                   "remove": "remove" in events,
                   "power": "power" in events,
                   "any": bool(events),
                   "mask": " | ".join(event_bits) or "0"},
        "runtime": runtime,
    }
