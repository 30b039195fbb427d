#!/bin/bash
# deb.sh - builds kpgen's Debian packages (debian/; `make deb`) from the
# tree's files (tracked and untracked, not ignored: what `git ls-files`
# lists, so build output never gets in) copied to build/deb/kpgen-<version>,
# then runs lintian on them.  The .deb files end up in build/deb/.
#   KP_DEB_JOBS=N   parallel jobs (default: the number of CPUs)
set -euo pipefail
# Debian's tools and interpreters only (a python3 earlier on PATH, e.g.
# pyenv's, has none of Debian's python3-* modules)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
for tool in dpkg-buildpackage dh dh_dkms dh_python3 lintian help2man; do
	command -v "$tool" >/dev/null ||
		{ echo "deb: $tool is missing (run 'make deps' as root)" >&2; exit 1; }
done
ver=$(dpkg-parsechangelog -S Version)
out=$top/build/deb
src=$out/kpgen-$ver
rm -rf "$out"
mkdir -p "$src"
# (a file deleted in the work tree but still in the index is left out)
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do
		if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
	done | tar -c --null -T - -f - | tar -x -C "$src" -f -
echo "deb: building kpgen $ver in $src"
t0=$(date +%s)
(cd "$src" && dpkg-buildpackage -b -us -uc -j"${KP_DEB_JOBS:-$(nproc)}") \
	>"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
echo "deb: built in $(($(date +%s) - t0)) s (log: build/deb/build.log)"
ls "$out"/*.deb | sed "s|^$top/||"
# lintian: errors fail the build; warnings and infos are printed
changes=$(ls "$out"/*.changes)
lintian --fail-on error --tag-display-limit 0 "$changes"
echo "deb: lintian: no errors"
