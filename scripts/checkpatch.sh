#!/bin/sh
# checkpatch.sh FILE... - the kernel's own style checker on kpgen's kernel
# code.  checkpatch.pl comes from Debian's linux-source tarball (make deps),
# extracted once into build/checkpatch/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir="$top/build/checkpatch"
mkdir -p "$top/build"
exec 9>"$dir.lock"
flock 9		# concurrent callers extract it once
if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.* 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$tarball" ]; then
		echo "checkpatch.sh: no /usr/src/linux-source-*.tar.* (run make deps)" >&2
		exit 2
	fi
	mkdir -p "$dir.tmp"
	top_in_tar=$(basename "$tarball" | sed 's/\.tar\..*//')
	tar -xf "$tarball" -C "$dir.tmp" --strip-components=1 \
		"$top_in_tar/scripts/checkpatch.pl" \
		"$top_in_tar/scripts/spelling.txt" \
		"$top_in_tar/scripts/const_structs.checkpatch"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi
flock -u 9
exec perl "$dir/scripts/checkpatch.pl" --no-tree --quiet --terse \
	--show-types -f "$@"
