#!/bin/sh
# Puts a `kpgen` command on PATH from this clone, the PEP 668 way: a
# virtual environment that sees Debian's python3-* packages
# (--system-site-packages; nothing is downloaded, pip runs with
# --no-index), kpgen installed there in editable mode (so it keeps finding
# this clone's runtime/ and a `git pull` needs no reinstall), and a link
# to its console script in BINDIR.
#
#   generator/install.sh [BINDIR]     (default: ~/.local/bin)
#
# Needs python3-venv python3-setuptools (scripts/deps.sh installs them).
# The Debian package kpgen (make deb, docs/packaging.md) installs
# /usr/bin/kpgen instead.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bindir=${1:-$HOME/.local/bin}
venv=${KPGEN_VENV:-$HOME/.local/share/kpgen/venv}
/usr/bin/python3 -m venv --system-site-packages "$venv"
"$venv/bin/pip" install -q --no-build-isolation --no-index -e "$top"
rm -rf "$top/generator/kpgen.egg-info"
mkdir -p "$bindir"
ln -sf "$venv/bin/kpgen" "$bindir/kpgen"
echo "kpgen: $bindir/kpgen -> $venv/bin/kpgen"
case ":$PATH:" in
*":$bindir:"*) ;;
*) echo "add $bindir to PATH (export PATH=\"$bindir:\$PATH\")" ;;
esac
