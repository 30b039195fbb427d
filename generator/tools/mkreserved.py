#!/usr/bin/python3
"""Writes generator/kpgen/reserved.txt from the headers generated code sees.

    generator/tools/mkreserved.py [KDIR]     (default: scripts/kdir.sh)

A kpgen project's C sees the kernel headers its plugin includes (built
with the kernel's own kbuild flags, so every config macro is there), the
runtime's kp_plugin.h, and in user space libc, libkp.h and kpdiag.h.  Every
identifier and macro name found there gives:

  p WORD  each `_`-separated prefix (lower-cased, at most 11 characters,
          the driver name's limit): a driver name equal to one would make
          the generated `<name>_*` / `<NAME>_*` names clash;
  m WORD  each all-lower-case object-like macro: it would rewrite a
          payload struct member of that name.

tests/unit/test_kbuild.py checks that the file is current for the target.
"""
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
OUT = os.path.join(REPO, "generator", "kpgen", "reserved.txt")
RUNTIME = os.path.join(REPO, "runtime")
KERNEL_HEADERS = ["linux/delay.h", "linux/io.h",
                  "linux/io-64-nonatomic-lo-hi.h", "linux/module.h",
                  "linux/pci.h", "linux/string.h", "kp/kp_plugin.h"]
USER_HEADERS = ["errno.h", "inttypes.h", "stddef.h", "stdint.h", "stdio.h",
                "stdlib.h", "string.h", "linux/types.h", "libkp.h",
                "kpdiag.h"]
IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")


def run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode:
        sys.exit("%s failed:\n%s" % (" ".join(cmd), p.stderr[-2000:]))
    return p.stdout


def kernel(kdir, tmp):
    with open(os.path.join(tmp, "probe.c"), "w") as f:
        f.writelines("#include <%s>\n" % h for h in KERNEL_HEADERS)
    with open(os.path.join(tmp, "Kbuild"), "w") as f:
        f.write("obj-m := probe.o\nccflags-y := -I%s/include -I%s/include/uapi\n"
                % (RUNTIME, RUNTIME))
    make = ["make", "-s", "-C", kdir, "M=" + tmp, "probe.i"]
    run(make)
    tokens = open(os.path.join(tmp, "probe.i")).read()
    run(make + ["KCFLAGS=-dM"])
    return tokens, open(os.path.join(tmp, "probe.i")).read()


def user(tmp):
    src = os.path.join(tmp, "user.c")
    with open(src, "w") as f:
        f.write("#define _GNU_SOURCE\n")
        f.writelines("#include <%s>\n" % h for h in USER_HEADERS)
    inc = ["-I" + os.path.join(RUNTIME, "lib"),
           "-I" + os.path.join(RUNTIME, "lib", "diag"),
           "-I" + os.path.join(RUNTIME, "include", "uapi")]
    return run(["gcc", "-E"] + inc + [src]), \
        run(["gcc", "-E", "-dM"] + inc + [src])


def main():
    kdir = sys.argv[1] if len(sys.argv) > 1 else run(
        [os.path.join(REPO, "scripts", "kdir.sh")]).strip()
    with tempfile.TemporaryDirectory() as tmp:
        ktok, kdef = kernel(kdir, tmp)
        utok, udef = user(tmp)
    names, macros = set(), set()
    for text in (ktok, utok):
        names.update(IDENT.findall("\n".join(
            ln for ln in text.splitlines() if not ln.startswith("#"))))
    for text in (kdef, udef):
        for m in re.finditer(r"^#define ([A-Za-z_][A-Za-z0-9_]*)(\(?)",
                             text, re.M):
            names.add(m.group(1))
            if not m.group(2) and re.match(r"^[a-z][a-z0-9_]*$", m.group(1)):
                macros.add(m.group(1))
    prefixes = set()
    for name in names:
        if name.startswith("_"):
            continue
        parts = name.lower().split("_")
        for n in range(1, len(parts) + 1):
            p = "_".join(parts[:n])
            if p and len(p) <= 11 and not p.endswith("_"):
                prefixes.add(p)
    lines = ["p " + p for p in sorted(prefixes)] + \
        ["m " + m for m in sorted(macros)]
    with open(OUT, "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    print("%s: %d prefixes, %d macros" % (OUT, len(prefixes), len(macros)))


if __name__ == "__main__":
    main()
