"""Acceptance tests of kpstat (bpf/) in the QEMU target, against kp_runtime
and the edu plugin.

The edu device interrupts only when it is raised, so every count here is
exact: N raises are N hard IRQs in kpstat, in the runtime's sysfs counters,
in /proc/interrupts and in libbpf-tools' hardirqs.  kpstat's kp mode counts
them from kp:kp_irq_batch alone (one BPF program per batch); with
--sample 4 one batch in four is traced, its counts are the runtime's.

One window per interrupt mode (tests/target/kpstat_window.sh): kp_irqwin
enables the IRQ, kpstat (kp mode), kpstat --all-irqs and hardirqs -C start
and take their first snapshot, N interrupts are raised one at a time, the
tracers stop (SIGINT: totals), then the IRQ is freed.  The locks and the
pinning are checked in windows of their own.  The guest is left as found:
the modules this file loads are unloaded, nothing stays pinned.
"""
import json
import os
import re
import subprocess

import pytest

pytestmark = [pytest.mark.target, pytest.mark.hardening]

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
KPSTAT = os.path.join(REPO, "bpf/build/kpstat")
PROGS = os.path.join(REPO, "tests/target/progs/build")
WINDOW = os.path.join(REPO, "tests/target/kpstat_window.sh")
EDU_APP = os.path.join(REPO, "examples/edu/app/build/edu_app")
RUNTIME_KO = os.path.join(REPO, "runtime/kernel/kp_runtime.ko")
EDU_KO = os.path.join(REPO, "examples/edu/kernel/kp_edu.ko")
EDU_DEV = "/dev/kp/kp_edu0"
PIN_DIR = "/sys/fs/bpf/kp"
HARDIRQS_PATHS = ("/usr/sbin/hardirqs", "/usr/sbin/libbpf-tools/hardirqs",
                  "/usr/bin/hardirqs")

N_RAISES = 1000
N_SAMPLED = 400         # raises of the --sample window (a multiple of 4)
N_LOCK = 20000          # LOCK_HAMMER iterations per thread
PINNED_MAPS = {"kpb_slots", "kpb_spill", "kplock_names", "kplock_stats"}
# a kernel address (KASLR'd text or heap), with or without 0x
KERNEL_ADDRESS = re.compile(r"(?i)\b(0x)?ffff[0-9a-f]{12}\b")


# ---- helpers -------------------------------------------------------------

def sections(out):
    """Splits "@@ NAME" sections of a guest script's output: {NAME: text}."""
    secs, name = {}, None
    for line in out.splitlines():
        if line.startswith("@@ "):
            name = line[3:].strip()
            secs[name] = []
        elif name is not None:
            secs[name].append(line)
    return {k: "\n".join(v) for k, v in secs.items()}


def json_lines(text):
    return [json.loads(ln) for ln in text.splitlines() if ln.startswith("{")]


def total(text):
    """kpstat's last JSON line, the totals ("kind": "total")."""
    lines = json_lines(text)
    assert lines and lines[-1]["kind"] == "total", text[-2000:]
    return lines[-1]


def hardirqs_counts(text):
    """{irq name: count} from `hardirqs -C` (after its HARDIRQ header)."""
    counts, seen = {}, False
    for line in text.splitlines():
        if line.startswith("HARDIRQ"):
            seen = True
        elif seen and line.strip():
            name, n = line.rsplit(None, 1)
            counts[name.strip()] = counts.get(name.strip(), 0) + int(n)
    return counts


def module_loaded(target, name):
    return target.run("test -d /sys/module/%s" % name).rc == 0


def kpstat_around(target, cmd, args="-d kp_edu0 --json -s"):
    """kpstat ARGS 1 over `cmd`: (cmd's output, kpstat's whole output)."""
    script = (
        "d=$(mktemp -d); %(k)s %(a)s 1 >$d/k 2>$d/e & p=$!; "
        "for i in $(seq 600); do [ -s $d/k ] && break; sleep 0.2; done; "
        "%(c)s >$d/c 2>&1; kill -INT $p; wait $p; "
        "echo '@@ cmd'; cat $d/c; echo '@@ kp'; cat $d/k $d/e; rm -rf $d"
        % {"k": KPSTAT, "a": args, "c": cmd})
    res = target.run(script, timeout=600)
    sec = sections(res.out)
    return sec.get("cmd", ""), sec.get("kp", res.out)


# ---- fixtures ------------------------------------------------------------

@pytest.fixture(scope="module")
def built():
    for path in ("runtime", "examples/edu/kernel", "examples/edu/app",
                 "tests/target/progs", "bpf"):
        subprocess.run(["make", "-s", "-C", os.path.join(REPO, path)],
                       check=True, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def hardirqs():
    for path in HARDIRQS_PATHS:
        if os.access(path, os.X_OK):
            return path
    pytest.fail("libbpf-tools' hardirqs not found in %s (make deps)"
                % (HARDIRQS_PATHS,))


@pytest.fixture(scope="module")
def edu(target, built):
    """kp_runtime + kp_edu loaded; unloaded again if this module loaded
    them, and nothing left pinned under /sys/fs/bpf/kp."""
    loaded = []
    for ko, name in ((RUNTIME_KO, "kp_runtime"), (EDU_KO, "kp_edu")):
        if not module_loaded(target, name):
            target.run("insmod %s" % ko, check=True)
            loaded.append(name)
    yield EDU_DEV
    target.run("test -e %s && %s --unpin" % (PIN_DIR, KPSTAT))
    for name in reversed(loaded):
        target.run("rmmod %s" % name, check=True)


def run_window(target, hardirqs, mode, count, kp_args=""):
    """One tracing window over @count raises in one interrupt mode."""
    res = target.run("bash %s %s %d %s '%s'" % (WINDOW, mode, count,
                                                hardirqs, kp_args),
                     timeout=900)
    sec = sections(res.out)
    assert res.rc == 0, res.out[-3000:]
    win = json_lines(sec["irqwin"])
    ready, raised = win[0], win[1]
    assert (ready.get("ready"), raised.get("raised"),
            raised.get("timeouts")) == (1, count, 0), sec["irqwin"]
    return {
        "mode": mode,
        "irq": ready["irqs"][0],
        "irqwin": raised,
        "kp": total(sec["kp"]),
        "all": total(sec["all"]),
        "hardirqs": hardirqs_counts(sec["hirq"]),
        "trace_sample": sec["trace_sample"].strip(),
    }


@pytest.fixture(scope="module", params=["msi", "intx"])
def window(request, target, edu, hardirqs):
    return run_window(target, hardirqs, request.param, N_RAISES)


@pytest.fixture(scope="module")
def sampled(target, edu, hardirqs):
    """kpstat --sample 4 over N_SAMPLED MSI raises."""
    return run_window(target, hardirqs, "msi", N_SAMPLED, "--sample 4")


def kp_irq_rows(win):
    return [(r["irq"], r["count"], r["handled"], r["dpc_requests"])
            for r in win["kp"]["irqs"]]


# ---- interrupts: kpstat == sysfs == /proc/interrupts == hardirqs ----------

def test_irqwin_gets_the_mode_it_asked_for(window):
    assert (window["irqwin"]["mode"], len(window["irqwin"]["irqs"])) == \
        (window["mode"], 1)


def test_runtime_sysfs_counts_each_raise_once(window):
    s = window["irqwin"]["sysfs"]
    assert (s["interrupts"], s["spurious"], s["dpcs"]) == (N_RAISES, 0,
                                                           N_RAISES)


def test_proc_interrupts_delta_equals_raises(window):
    assert window["irqwin"]["proc_delta"] == N_RAISES


def test_kpstat_counts_every_interrupt_once(window):
    assert kp_irq_rows(window) == \
        [(window["irq"], N_RAISES, N_RAISES, N_RAISES)]


def test_kpstat_count_equals_sysfs_and_proc_interrupts(window):
    row = window["kp"]["irqs"][0]
    assert (row["count"], window["irqwin"]["sysfs"]["interrupts"],
            window["irqwin"]["proc_delta"]) == (N_RAISES,) * 3


def test_kpstat_own_proc_delta_is_exact_and_equal(window):
    row = window["kp"]["irqs"][0]
    assert (row["proc_delta"], row["proc_exact"]) == (row["count"], True)


def test_kpstat_hardirq_histogram_holds_every_interrupt(window):
    t = window["kp"]["irqs"][0]["time"]
    assert (t["count"], sum(b["count"] for b in t["buckets"])) == \
        (N_RAISES, N_RAISES)


def test_dpc_latency_histogram_total_equals_dpcs_run(window):
    dpcs = window["irqwin"]["sysfs"]["dpcs"]
    rows = window["kp"]["dpc"]
    assert len(rows) == 1, rows
    lat = rows[0]["latency"]
    assert (rows[0]["dpcs"], lat["count"],
            sum(b["count"] for b in lat["buckets"])) == (dpcs,) * 3


def test_dpc_run_histogram_and_coalescing_total_equal_dpcs_run(window):
    dpcs = window["irqwin"]["sysfs"]["dpcs"]
    row = window["kp"]["dpc"][0]
    assert (row["run"]["count"], row["dw_count_sum"],
            sum(c["dpcs"] for c in row["coalescing"])) == (dpcs,) * 3


def test_kpstat_device_counters_equal_its_batch_counts(window):
    """The runtime's own counters (JSON "devices") and the kp_irq_batch
    counts, one window: the same numbers."""
    dev, row, dpc = (window["kp"]["devices"][0], window["kp"]["irqs"][0],
                     window["kp"]["dpc"][0])
    assert (dev["interrupts"], dev["dpc_requests"], dev["dpcs"],
            dev["dpc_count_sum"], dev["notifications"]) == \
        (row["handled"], row["dpc_requests"], dpc["dpcs"],
         dpc["dw_count_sum"], dpc["ret_sum"])
    assert window["kp"]["sample"] == 1 and window["trace_sample"] == "1"


def test_kpstat_reports_no_bpf_misses_or_errors(window):
    got = [(w["bpf_misses"], w["bpf_errors"])
           for w in (window["kp"], window["all"])]
    assert got == [(0, 0), (0, 0)]


def test_all_irqs_count_equals_raises_and_proc_interrupts(window):
    rows = [(r["count"], r["proc_delta"], r["proc_exact"])
            for r in window["all"]["irqs"] if r["irq"] == window["irq"]]
    assert rows == [(N_RAISES, N_RAISES, True)]


def test_hardirqs_and_all_irqs_agree_on_the_edu_irq(window):
    name = [r["name"] for r in window["all"]["irqs"]
            if r["irq"] == window["irq"]]
    assert len(name) == 1
    assert window["hardirqs"].get(name[0]) == N_RAISES


# ---- --sample: the runtime's counts, sampled histograms --------------------------

def test_sampled_counts_are_the_runtime_exact_ones(sampled):
    kp = sampled["kp"]
    dev = kp["devices"]
    assert (kp["sample"], [(d["device"], d["interrupts"], d["spurious"],
                            d["dpcs"], d["dpc_count_sum"]) for d in dev]) \
        == (4, [("kp_edu0", N_SAMPLED, 0, N_SAMPLED, N_SAMPLED)])


def test_sampled_rows_give_no_count_of_their_own(sampled):
    row, dpc = sampled["kp"]["irqs"][0], sampled["kp"]["dpc"][0]
    assert [k for k in ("count", "handled", "dpc_requests") if k in row] + \
        [k for k in ("dpcs", "dw_count_sum", "ret_sum") if k in dpc] == []
    assert (row["proc_delta"], row["proc_exact"]) == (N_SAMPLED, True)


def test_one_batch_in_four_is_traced_and_histograms_say_so(sampled):
    row, dpc = sampled["kp"]["irqs"][0], sampled["kp"]["dpc"][0]
    n = N_SAMPLED // 4
    assert (row["batches"], row["time"]["count"], row["time"]["sample"],
            dpc["latency"]["count"], dpc["latency"]["sample"],
            dpc["run"]["count"],
            sum(c["dpcs"] for c in dpc["coalescing"])) == \
        (n, n, 4, n, 4, n, n)


def test_sampling_leaves_the_other_tracers_exact(sampled):
    rows = [(r["count"], r["proc_delta"]) for r in sampled["all"]["irqs"]
            if r["irq"] == sampled["irq"]]
    assert rows == [(N_SAMPLED, N_SAMPLED)]
    assert sampled["irqwin"]["sysfs"]["interrupts"] == N_SAMPLED


def test_sampling_ratio_is_restored_at_exit(sampled):
    assert sampled["trace_sample"] == "1"


# ---- KP_SPINLOCK contention ---------------------------------------------------

@pytest.fixture(scope="module")
def contended(target, edu):
    out, kp = kpstat_around(
        target, "%s/kp_lockhammer --dev %s --lock 0 --threads 2 "
        "--iterations %d" % (PROGS, EDU_DEV, N_LOCK))
    return json_lines(out)[-1], total(kp), kp


@pytest.fixture(scope="module")
def uncontended(target, edu):
    out, kp = kpstat_around(
        target, "%s/kp_lockhammer --dev %s --lock 1 --threads 1 "
        "--iterations %d" % (PROGS, EDU_DEV, N_LOCK))
    return json_lines(out)[-1], total(kp)


def test_lock_hammer_runs_complete(contended, uncontended):
    assert [(r["errors"], r["bad_results"])
            for r in (contended[0], uncontended[0])] == [(0, 0), (0, 0)]


def test_shared_lock_shows_every_acquisition_of_both_threads(contended):
    locks = contended[1]["locks"]
    assert [(lk["owner"], lk["acquired"]) for lk in locks] == \
        [("kp_edu", 2 * N_LOCK)]


def test_shared_lock_hammered_by_two_threads_is_contended(contended):
    lk = contended[1]["locks"][0]
    print("contended %d of %d, wait total %d ns, max %d ns"  # -rP
          % (lk["contended"], lk["acquired"], lk["wait_total_ns"],
             lk["wait_max_ns"]))
    assert lk["contended"] > 0 and lk["wait_total_ns"] > 0 and \
        lk["wait_max_ns"] > 0, lk


def test_contended_wait_histogram_holds_every_contended_acquisition(
        contended):
    lk = contended[1]["locks"][0]
    assert (lk["wait"]["count"],
            sum(b["count"] for b in lk["wait"]["buckets"])) == \
        (lk["contended"],) * 2


def test_private_lock_of_one_thread_is_never_contended(uncontended):
    locks = uncontended[1]["locks"]
    assert [(lk["acquired"], lk["contended"], lk["wait_total_ns"])
            for lk in locks] == [(N_LOCK, 0, 0)]


def test_lock_call_site_resolves_to_the_plugin(contended):
    sites = [s["site"] for s in contended[1]["locks"][0]["sites"]]
    assert [s.startswith("KP_edu_Call+") and s.endswith("[kp_edu]")
            for s in sites] == [True]


def test_locks_are_named_by_number_not_address(contended):
    lk = contended[1]["locks"][0]
    assert isinstance(lk["lock"], int) and 0 < lk["lock"] < 1 << 20, lk
    assert [k for k in ("caller", "init_caller") if k in lk] + \
        [k for s in lk["sites"] for k in s if k == "caller"] == []
    assert not KERNEL_ADDRESS.search(contended[2]), contended[2]


# ---- no kernel address in any output ------------------------------------------

HAMMER = "%s/kp_lockhammer --dev %s --lock 0 --threads 2 --iterations 200"


@pytest.fixture(scope="module")
def hidden_symbols(target, edu):
    """kptr_restrict=2: /proc/kallsyms shows root no address, so no call
    site resolves; kpstat's outputs (text, JSON, Prometheus), and with
    --show-addresses its JSON.  kptr_restrict is restored."""
    old = target.run("cat /proc/sys/kernel/kptr_restrict",
                     check=True).out.strip()
    target.run("echo 2 > /proc/sys/kernel/kptr_restrict", check=True)
    try:
        cmd = HAMMER % (PROGS, EDU_DEV) + "; %s --dev %s irq --mode msi " \
            "--count 10 >/dev/null" % (EDU_APP, EDU_DEV)
        outs = {}
        for fmt in ("", "--json", "-p"):
            # the command's output too: a failure shows what it did
            outs["cmd" + fmt], outs[fmt] = kpstat_around(
                target, cmd + "; echo rc=$?", "-d kp_edu0 " + fmt)
        outs["shown"] = kpstat_around(target, cmd,
                                      "--json --show-addresses")[1]
    finally:
        target.run("echo %s > /proc/sys/kernel/kptr_restrict" % old,
                   check=True)
    return outs


@pytest.mark.parametrize("fmt", ["", "--json", "-p"])
def test_unresolved_call_sites_print_no_address(hidden_symbols, fmt):
    out = hidden_symbols[fmt]
    assert re.search(r"unknown#\d+", out), out[-3000:]
    assert not KERNEL_ADDRESS.search(out), KERNEL_ADDRESS.search(out)


def test_unresolved_sites_are_told_apart(hidden_symbols):
    lk = total(hidden_symbols["--json"])["locks"][0]
    assert re.fullmatch(r"unknown#\d+", lk["init_site"]), lk
    assert [re.fullmatch(r"unknown#\d+", s["site"]) is not None
            for s in lk["sites"]] == [True]
    assert lk["init_site"] != lk["sites"][0]["site"]


def test_show_addresses_prints_them(hidden_symbols):
    lk = total(hidden_symbols["shown"])["locks"][0]
    assert [KERNEL_ADDRESS.fullmatch(x) is not None for x in
            [lk["init_caller"], lk["init_site"]] +
            [s[k] for s in lk["sites"] for k in ("caller", "site")]] == \
        [True] * 4


PROM_LINE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*'
                       r'="([^"\\]|\\.)*",?)*\})? [-+0-9.eInf]+$')


def test_prometheus_kp_mode_is_valid_and_complete(hidden_symbols):
    # the last report: after the last "# kpstat kp mode: ..." header line
    text = re.split(r"# kpstat kp mode[^\n]*\n", hidden_symbols["-p"])[-1]
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert [ln for ln in lines if not PROM_LINE.match(ln)] == []
    metrics = {ln.split("{")[0].split()[0] for ln in lines}
    assert {"kpstat_kp_interrupts_total", "kpstat_kp_dpcs_total",
            "kpstat_kp_hardirq_seconds_bucket",
            "kpstat_kp_dpc_latency_seconds_count",
            "kpstat_kp_dpc_dwcount_bucket",
            "kpstat_kp_lock_acquisitions_total",
            "kpstat_kp_lock_wait_seconds_sum",
            "kpstat_kp_device_interrupts_total",
            "kpstat_kp_trace_sample"} <= metrics, \
        (sorted(metrics), hidden_symbols["cmd-p"], text[-3000:])
    assert re.search(r'^kpstat_kp_interrupts_total\{device="kp_edu0",'
                     r'vector="0",irq="\d+"\} 10$', text, re.M), text


# ---- --pin, bpftool, --unpin -----------------------------------------------

@pytest.fixture(scope="module")
def pinned(target, edu):
    """kpstat --pin, some traffic, every pinned map dumped; then --unpin."""
    res = target.run("%s --pin" % KPSTAT, timeout=300)
    assert res.rc == 0, res.out
    # MSI, then INTx (another IRQ) in the slot the runtime frees and reuses
    target.run("%s --dev %s irq --mode msi --count 20 >/dev/null; "
               "%s --dev %s irq --mode intx --count 30 >/dev/null; "
               "%s --dev %s lock-hammer --lock private --iterations 100 "
               "--threads 1 >/dev/null" % (EDU_APP, EDU_DEV, EDU_APP,
                                           EDU_DEV, EDU_APP, EDU_DEV),
               check=True)
    names = target.run("ls -p %s | grep -v /" % PIN_DIR,
                       check=True).out.split()
    dumps = {}
    for name in names:
        r = target.run("bpftool map dump pinned %s/%s" % (PIN_DIR, name))
        dumps[name] = (r.rc, r.out)
    progs = target.run("bpftool prog show").out
    unpin = target.run("%s --unpin" % KPSTAT)
    after = target.run("test -e %s; echo pinned=$?; bpftool prog show | "
                       "grep -c ' name kp' || true" % PIN_DIR).out
    return {"pin_out": res.out, "dumps": dumps, "progs": progs,
            "unpin": unpin, "after": after}


def test_pin_pins_every_map(pinned):
    assert set(pinned["dumps"]) == PINNED_MAPS


def test_pinned_kp_programs_are_raw_tracepoints(pinned):
    progs = sorted((line.split()[1], line.split()[3])
                   for line in pinned["progs"].splitlines()
                   if " name kp" in line)
    assert progs == [("raw_tracepoint", n) for n in
                     ("kpbatch", "kplock_acquired", "kplock_init",
                      "kplock_uninit")]


@pytest.mark.parametrize("name", sorted(PINNED_MAPS))
def test_bpftool_dumps_pinned_map_with_btf_field_names(pinned, name):
    rc, out = pinned["dumps"][name]
    assert rc == 0, out
    entries = json.loads(out)       # BTF-formatted dumps are JSON
    assert entries, out
    key = entries[0]["key"]
    # without BTF the key would be raw bytes ("00 00 ...")
    assert isinstance(key, (dict, int)), out[:500]
    assert "value" in entries[0] or "values" in entries[0]


def pinned_vectors(pinned, name):
    """{irq: (dev, vector, irqs summed over CPUs)} of a pinned kpb map."""
    got = {}
    for e in json.loads(pinned["dumps"][name][1]):
        for v in e["values"]:
            val = v["value"]
            if not val["batches"]:
                continue
            key = e["key"] if name == "kpb_spill" else val["key"]
            assert sorted(key) == ["dev", "irq", "vector"], key
            dev, vec, n = got.get(key["irq"], (key["dev"], key["vector"], 0))
            got[key["irq"]] = (dev, vec, n + val["irqs"])
    return got


def test_bpftool_dump_shows_msi_moved_aside_and_intx_in_the_slot(pinned):
    slots, spill = (pinned_vectors(pinned, "kpb_slots"),
                    pinned_vectors(pinned, "kpb_spill"))
    assert ([v for v in slots.values()], [v for v in spill.values()]) == \
        ([(0, 0, 30)], [(0, 0, 20)])
    assert set(slots).isdisjoint(spill)


def test_unpin_leaves_nothing_pinned_or_attached(pinned):
    # pinned=1: the directory is gone; 0 kp programs loaded
    assert (pinned["unpin"].rc, pinned["after"].split()) == \
        (0, ["pinned=1", "0"])
