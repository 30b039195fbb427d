"""The benchmark suite keeps working: a smoke run (few repetitions) boots
its own targets, measures every mechanism once and writes the results.
No timing is asserted - only that every figure was measured and that the
loops' own checks (one interrupt per wait, DMA data compared byte for
byte, pages pinned while mapped and released after) passed."""
import json
import os
import subprocess

import pytest

pytestmark = [pytest.mark.target, pytest.mark.extended]


def test_bench_smoke_measures_every_mechanism(repo, tmp_path):
    res = subprocess.run(["/usr/bin/python3", "bench/run.py", "--smoke",
                          "--out", str(tmp_path)], cwd=repo,
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout + res.stderr
    with open(os.path.join(tmp_path, "results.json")) as f:
        results = json.load(f)
    got = {(r["name"], r["kind"]) for r in results["records"]}
    for name in ("kp-wait-msi", "kp-wait-intx", "kp-thread-msi", "uio",
                 "vfio-msi", "vfio-intx", "kp-rt-wait-msi",
                 "kp-rt-thread-msi", "vfio-thread-msi", "futex-pingpong",
                 "kp-rt-wait-msi-ioctl"):
        assert (name, "latency") in got
        assert (name, "cycle") in got
        assert (name + "+kpstat", "latency") in got
    assert ("kp-floor", "latency") in got
    assert ("kp-every-8", "cycle") in got
    for name in ("getppid", "kp_null ioctl", "kp_call", "clock_gettime"):
        assert (name, "call") in got
    for size in (4, 256, 4096, 65536, 1048576):
        assert ("kp-rt call %d" % size, "call") in got
        assert ("kp_null copy %d" % size, "call") in got
    for dev in "AB":
        assert ("kp-rt-wait-msi@" + dev, "cycle") in got
    check_msix_rows(results)
    assert len(results["acceptance"]) > 0
    for name in ("kpgen new", "plugin build"):
        assert (name, "tool") in got
    assert all(r["stats"]["n"] == len(r["samples"]) > 0
               for r in results["records"])
    assert os.path.getsize(os.path.join(tmp_path, "bench.png")) > 0
    assert "Interrupt-to-user latency" in res.stdout
    check_dma_rows(results)
    assert "DMA: 4 KiB edu round trip, kp against VFIO" in res.stdout


def check_msix_rows(results):
    """1, 4 and 32 MSI-X vectors raised in turn: every raise counted on
    its own vector, by the runtime and in the wait's last_vector."""
    p = results["params"]
    recs = {(r["name"], r["kind"]): r for r in results["records"]}
    raises = p["warmup"] + p["iters"] + p["reps"] * p["batch"]
    for nvec in (1, 4, 32):
        for kind in ("latency", "cycle"):
            r = recs[("kp-rt-msix-%d" % nvec, kind)]
            assert [(c["vectors"], c["raises"], c["irqs_exact"],
                     c["runtime_exact"], c["last_vector_exact"])
                    for c in r["checks"]] == \
                [(nvec, raises, True, True, True)] * p["rounds"]
    assert [a["met"] is not None for a in results["acceptance"]
            if "MSI-X" in a["criterion"]] == [True]


def check_dma_rows(results):
    """The DMA rows: every round trip compared, one interrupt per transfer
    (four per round trip), every map pinning exactly its pages and
    nothing pinned afterwards - in every run."""
    p = results["params"]
    recs = {(r["name"], r["kind"]): r for r in results["records"]}
    trips = p["dma_warmup"] + p["dma_iters"]
    for name in ("kp-dma-contig", "kp-dma-sg", "vfio-dma"):
        for kind in ("dma", "dma-cpu"):
            r = recs[(name, kind)]
            assert r["stats"]["n"] == p["dma_iters"] * p["rounds"]
            assert len(r["checks"]) == p["rounds"]
            for c in r["checks"]:
                assert c["round_trips_compared"] == trips
                assert c["transfers"] == 4 * trips
                assert c["proc_interrupts_delta"] == 4 * trips
                if name.startswith("kp-"):
                    assert c["kp_interrupts_delta"] == 4 * trips
                    assert c["kp_notifications_delta"] == 4 * trips
                assert c["src_bus"] + 4096 <= 1 << 28
                assert c["dst_bus"] + 4096 <= 1 << 28
    for size in (4096, 65536, 1048576):
        for prefix in ("kp-dma-lock", "kp-dma-lock-cold", "vfio-map"):
            r = recs[("%s %d" % (prefix, size), "map")]
            assert len(r["checks"]) == p["rounds"]
            per_run = r["stats"]["n"] // p["rounds"]
            for c in r["checks"]:
                assert c["size"] == size
                assert c["pairs"] == p["map_warmup"] + per_run + 1
                assert c["pinned_while_mapped"] == size // 4096
                assert c["pinned_after"] == 0
