#!/bin/bash
# make demo: the whole user journey on QEMU's edu device.
#   1. kpgen generates the plugin project from examples/edu/edu.yaml
#   2. make builds it against the runtime (and libkp)
#   3. in the QEMU target: load the runtime and the plugin, run the
#      generated diagnostics app's scenario under kpstat, print a report
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/build/demo"
proj="$out/edu"
PY=/usr/bin/python3

step() { printf '\n== %s\n' "$*"; }

step "kpgen: generate the edu plugin from examples/edu/edu.yaml"
rm -rf "$out"
mkdir -p "$out"
t0=$(date +%s%N)
PYTHONPATH="$top/generator" $PY -m kpgen new --from "$top/examples/edu/edu.yaml" -o "$proj"
echo "generated in $((($(date +%s%N) - t0) / 1000000)) ms"

step "make: build edu_kp.ko and edu_diag"
make -s -C "$proj" KDIR="$("$top/scripts/kdir.sh")" RUNTIME="$top/runtime" 2>&1 |
	grep -v "Skipping BTF" || true
ls -l "$proj/edu_kp.ko" "$proj/edu_diag" | awk '{print $5, $9}'

step "QEMU target: load, run the diagnostics scenario under kpstat"
exec $PY "$top/target/run.py" -- "bash $top/examples/edu/demo-guest.sh $proj"
