"""A seeded description fuzzer and a property test over generated
descriptions: kpgen never prints a traceback, never leaves files behind,
and every description it accepts builds W=1 clean (a sample: the kernel
module with the target's kbuild, the diag app with -Werror).

Inputs (KPGEN_FUZZ_N, default 10000, KPGEN_FUZZ_SEED): mutations of the
shipped descriptions at the data level (values from a pool of odd
scalars, names that collide with C, the kernel and libc, deleted and
unknown keys, duplicated items) and at the text level (YAML constructs,
control characters, cut lines), plus descriptions generated from the
format's grammar with names drawn from the same pool.
"""
import copy
import io
import multiprocessing
import os
import random
import shutil
import subprocess
import time
import traceback

import pytest
from ruamel.yaml import YAML

from conftest import EDU, REPO
from kpgen import cli
from kpgen.errors import KpgenError
from kpgen.render import load_description, render
from test_kbuild import DESCRIPTIONS, kdir

N = int(os.environ.get("KPGEN_FUZZ_N", "10000"))
SEED = int(os.environ.get("KPGEN_FUZZ_SEED", "20261201"))
SAMPLE = int(os.environ.get("KPGEN_FUZZ_SAMPLE", "16"))

NAMES = """kp pci dev irq io edu uart x a_b mydev dev1 current errno stdin
    TRUE FALSE HZ PAGE_SIZE EOF BUFSIZ U32_MAX INT_MAX NR_CPUS KERN_INFO
    THIS_MODULE si_pid int for struct signed res ok msg ack ncmds driver
    name regs bar open close irq_enable dpc calls gen plugin kpdiag
    linux unix i386 NULL bool true false list module printk u32 __x
    _x x_ x__y Renee abcdefghijklmnopqrstuvwxyz01234 abcdefghijkl small
    payload int_f trans_ack vectors modes check_bars""".split()
ODD = [None, True, False, [], {}, -1, 0, 1, 7, 8, 64, 255, 256, 0xffff,
       0x10000, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 64 - 1, 2 ** 64,
       2 ** 200, "", "0x_", "0o", "0b_", "1_", "7:4", "63:0", "64", "4:7",
       "read", "a" * 300, "x" * 5000, "Ren\u00e9e", "\u202eevil", "tab\tx",
       "*/ /*", '"', "\\x41", "%s%n", "$(shell id)", "../../etc",
       "ro", "wo", "rw", "io", "mem", "msi", "legacy", "auto", "none",
       "clear", "set", 1.5] + NAMES
TEXT_BITS = ["&a ", "*a", "!!int ", "!!str ", "!!python/object ", "<<: ",
             "? ", "---\n", "...\n", "\t", "{", "}", "[", "]", ": ", "#",
             "'", '"', "\\", "\x00", "\x1b", "\u202e", "\ufeff", "\r",
             "- ", "0x", "99999999999999999999999999999999999999999999999",
             "\n" + " " * 3]


def seeds():
    texts = [EDU.read_text(),
             (REPO / "tests/target/serial/uart.yaml").read_text()]
    texts += [DESCRIPTIONS[k] for k in sorted(DESCRIPTIONS)]
    yaml = YAML(typ="safe")
    return texts, [yaml.load(t) for t in texts]


def dump(data):
    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from paths(v, prefix + (i,))


def get(data, path):
    for p in path:
        data = data[p]
    return data


def mutate_data(rng, data):
    data = copy.deepcopy(data)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        every = list(paths(data))
        path = rng.choice(every)
        if not path:
            continue
        parent, key = get(data, path[:-1]), path[-1]
        op = rng.randrange(6)
        if op == 0:
            parent[key] = copy.deepcopy(rng.choice(ODD))
        elif op == 1 and isinstance(parent, dict):
            del parent[key]
        elif op == 2 and isinstance(parent, dict):
            parent[rng.choice(["colour", "code", "id", "width", "pending",
                               "read_side_effects", "mask", "size"])] = \
                copy.deepcopy(rng.choice(ODD))
        elif op == 3 and isinstance(parent, list):
            parent.insert(rng.randrange(len(parent) + 1),
                          copy.deepcopy(parent[key]))
        elif op == 4 and isinstance(parent, dict) and "name" in parent:
            parent["name"] = rng.choice(NAMES)
        elif op == 5 and isinstance(parent[key], int) and \
                not isinstance(parent[key], bool):
            parent[key] = rng.choice((parent[key] + 1, parent[key] * 2,
                                      parent[key] - 1, 1 << rng.randrange(66)))
    return data


def mutate_text(rng, text):
    lines = text.splitlines(True)
    op = rng.randrange(4)
    i = rng.randrange(len(lines))
    if op == 0:
        j = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:j] + rng.choice(TEXT_BITS) + lines[i][j:]
    elif op == 1:
        del lines[i]
    elif op == 2:
        lines.insert(i, lines[rng.randrange(len(lines))])
    else:
        lines[i] = lines[i][:rng.randrange(len(lines[i]) + 1)] + "\n"
    return "".join(lines)


def generated(rng):
    """A description from the format's grammar, names from the pool."""
    def name():
        return rng.choice(NAMES) if rng.random() < 0.3 else \
            "".join(rng.choice("abcdefgh") for _ in range(rng.randint(1, 6)))
    bars, regs = [], []
    for index in rng.sample(range(6), rng.randint(0, 3)):
        kind = rng.choice(["mem", "io"])
        bar = {"index": index, "name": name(), "type": kind, "registers": []}
        if rng.random() < 0.6:
            bar["size"] = 1 << rng.randint(3, 16)
        for k in range(rng.randint(0, 5)):
            width = rng.choice([8, 16, 32] + ([64] if kind == "mem" else []))
            reg = {"name": name(), "offset": k * 8 if rng.random() < 0.8
                   else rng.randrange(0, 1 << 20, width // 8),
                   "width": width,
                   "access": rng.choice(["ro", "wo", "rw"])}
            if rng.random() < 0.3:
                reg["read_side_effects"] = True
            if rng.random() < 0.4:
                reg["fields"] = [{"name": name(), "bits": b}
                                 for b in rng.sample(range(width),
                                                     rng.randint(1, 3))]
            bar["registers"].append(reg)
            regs.append(reg)
        bars.append(bar)
    d = {"name": name()[:11], "pci": {"vendor": rng.randrange(0x10000),
                                       "device": rng.randrange(0x10000)},
         "bars": bars}
    readable = [r for r in regs if r["access"] != "wo"]
    writable = [r for r in regs if r["access"] != "ro"]
    mode = rng.choice(["none", "legacy", "msi", "msix", "auto"])
    irq = {"mode": mode}
    if mode != "none" and readable and rng.random() < 0.7:
        r = rng.choice(readable)
        step = {"read": r["name"], "mask": 1}
        if rng.random() < 0.4:
            step["pending"] = "clear"
        irq["acknowledge"] = [step]
        if writable:
            irq["acknowledge"].append({"write": rng.choice(writable)["name"],
                                       "value": "read"})
            irq["raise"] = [{"write": rng.choice(writable)["name"],
                             "value": 1}]
    d["interrupts"] = irq
    types = ["u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "char"]
    d["messages"] = []
    for _ in range(rng.randint(0, 4)):
        msg = {"name": name()}
        for side in ("input", "output"):
            fields = []
            for _ in range(rng.randint(0, 3)):
                t = rng.choice(types)
                f = {"name": rng.choice(NAMES).lower() if rng.random() < 0.3
                     else name(), "type": t}
                if t == "char" or rng.random() < 0.2:
                    f["count"] = rng.randint(1, 40)
                fields.append(f)
            msg[side] = fields
        d["messages"].append(msg)
    d["events"] = rng.sample(["insert", "remove", "power"], rng.randint(0, 3))
    return dump(d)


def check(text, accepted, failures):
    try:
        _, desc, _ = load_description("f.yaml", text)
        gen, user = render(desc, "f.yaml", "/opt/kp/runtime")
    except KpgenError:
        return False
    except Exception:            # noqa: BLE001 - what the fuzzer hunts
        failures.append((text, traceback.format_exc()))
        return False
    for rel, out in list(gen.items()) + list(user.items()):
        assert "\x00" not in out and "\u202e" not in out, rel
    accepted.append((desc.name, text))
    return True


def fuzz_chunk(seed, n):
    """@n inputs from the random stream @seed: (counts, accepted, failures)."""
    rng = random.Random(seed)
    texts, datas = seeds()
    accepted, failures = [], []
    counts = {"inputs": 0, "accepted": 0, "generated": 0}
    while counts["inputs"] < n:
        kind = rng.randrange(10)
        if kind < 5:
            try:
                text = dump(mutate_data(rng, rng.choice(datas)))
            except Exception:    # noqa: BLE001 - unrepresentable variant
                continue
        elif kind < 8:
            text = mutate_text(rng, rng.choice(texts))
        else:
            text = generated(rng)
            counts["generated"] += 1
        counts["inputs"] += 1
        counts["accepted"] += check(text, accepted, failures)
    return counts, accepted, failures


@pytest.fixture(scope="module")
def fuzz():
    # One stream per CPU (seeds SEED*16+k, so a run is reproducible for a
    # given KPGEN_FUZZ_JOBS): inputs are independent, and the fuzzer is
    # the longest of the host tests.
    jobs = int(os.environ.get("KPGEN_FUZZ_JOBS", min(os.cpu_count() or 1,
                                                       4)))
    shares = [N // jobs + (k < N % jobs) for k in range(jobs)]
    t0 = time.monotonic()
    if jobs == 1:
        results = [fuzz_chunk(SEED, N)]
    else:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.starmap(fuzz_chunk,
                                   [(SEED * 16 + k, shares[k])
                                    for k in range(jobs)])
    counts = {"inputs": 0, "accepted": 0, "generated": 0}
    accepted, failures = [], []
    for c, a, f in results:
        for key in counts:
            counts[key] += c[key]
        accepted += a
        failures += f
    counts["seconds"] = round(time.monotonic() - t0, 1)
    counts["jobs"] = jobs
    print("\nfuzz: %(inputs)d inputs (%(generated)d generated from the "
          "grammar), %(accepted)d accepted, %(seconds)s s in %(jobs)d "
          "processes" % counts)
    return counts, accepted, failures


def test_no_input_gives_a_traceback(fuzz):
    counts, accepted, failures = fuzz
    assert counts["inputs"] >= N
    assert failures == [], "%d tracebacks; the first:\n%s\n%s" % (
        len(failures), failures[0][0][:2000], failures[0][1])
    # the fuzzer reaches both outcomes, or it tests nothing
    assert 0.05 * N < counts["accepted"] < 0.95 * N, counts


def test_the_command_leaves_no_files_behind(fuzz, tmp_path, capsys):
    """A sample through `kpgen new` and `kpgen update` as the user runs
    them: exit 0 or 1, one error line, only the project when it worked."""
    rng = random.Random(SEED + 1)
    _, accepted, _ = fuzz
    texts, _ = seeds()
    sample = [mutate_text(rng, rng.choice(texts)) for _ in range(150)]
    sample += [t for _, t in rng.sample(accepted, min(50, len(accepted)))]
    for i, text in enumerate(sample):
        src = tmp_path / ("in%d.yaml" % i)
        src.write_text(text, encoding="utf-8", errors="surrogatepass")
        out = tmp_path / "out"
        rc = cli.main(["new", "--from", str(src), "-o", str(out)])
        err = capsys.readouterr().err
        assert rc in (0, 1) and "Traceback" not in err, err
        listing = sorted(p.name for p in tmp_path.iterdir())
        assert listing == sorted(["in%d.yaml" % i] + (["out"] if rc == 0
                                                       else [])), listing
        if rc == 0:
            kp = out / "kpgen.yaml"
            kp.write_text(mutate_text(rng, kp.read_text()))
            rc = cli.main(["update", str(out)])
            err = capsys.readouterr().err
            assert rc in (0, 1) and "Traceback" not in err, err
            assert not [p for p in out.iterdir() if ".kpgen-" in p.name]
            shutil.rmtree(out)
        src.unlink()


def run(cmd, cwd, env=None):
    p = subprocess.run(cmd, cwd=str(cwd), capture_output=True, text=True,
                       env=env)
    return p.returncode, p.stdout + p.stderr


@pytest.mark.kbuild
def test_accepted_descriptions_build_w1_clean(fuzz, tmp_path, capsys):
    kd = kdir()
    if not kd or not os.path.isdir(kd):
        pytest.skip("no kernel build tree")
    _, accepted, _ = fuzz
    rng = random.Random(SEED + 2)
    by_name = {}
    for name, text in rng.sample(accepted, len(accepted)):
        by_name.setdefault(name, text)      # one module per name
    names = sorted(rng.sample(sorted(by_name), min(SAMPLE, len(by_name))))
    assert len(names) >= min(SAMPLE, 8), names
    runtime = REPO / "runtime"
    top = tmp_path / "m"
    top.mkdir()
    for name in names:
        src = tmp_path / (name + ".yaml")
        src.write_text(by_name[name])
        assert cli.main(["new", "--from", str(src), "-o", str(top / name),
                         "--runtime", str(runtime)]) == 0
        capsys.readouterr()
        rc, out = run(["cc", "-fsyntax-only", "-O2", "-Wall", "-Wextra",
                       "-Werror", "-I%s/include/uapi" % runtime,
                       "-I%s/lib" % runtime, "-I%s/lib/diag" % runtime,
                       "%s_diag.c" % name], top / name)
        assert rc == 0, "%s_diag.c of\n%s\n%s" % (name, by_name[name], out)
    (top / "Kbuild").write_text("".join("obj-m += %s/\n" % n
                                        for n in names))
    symvers = runtime / "kernel" / "Module.symvers"
    cmd = ["make", "-C", kd, "M=%s" % top, "W=1", "KCFLAGS=-Werror",
           "KP_INCLUDE=%s/include" % runtime, "-j2", "modules"]
    if symvers.exists():
        cmd.append("KBUILD_EXTRA_SYMBOLS=%s" % symvers)
    else:
        cmd.append("KBUILD_MODPOST_WARN=1")
    rc, out = run(cmd, top)
    assert rc == 0 and "warning:" not in out, out[-6000:]
    built = sorted(p.name for p in top.glob("*/*_kp.ko"))
    assert built == sorted("%s_kp.ko" % n for n in names)
    with capsys.disabled():
        print("\nfuzz: %d accepted variants built W=1 clean: %s"
              % (len(names), " ".join(names)))
