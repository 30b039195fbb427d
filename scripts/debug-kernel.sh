#!/bin/sh
# debug-kernel.sh [--dir] - the debug guest kernel (lockdep, KASAN, kmemleak,
# ...), built from Debian's linux-source with scripts/debug-kernel.config.
#
# Prints the kernel's cache directory.  Without --dir it first builds the
# kernel unless that directory holds a complete build; with --dir it only
# prints it and fails when nothing is built there.  The directory is
#   ${KP_KERNEL_CACHE:-/var/cache/kpgen/kernels}/debug-<key>
# where <key> hashes everything the build depends on: the linux-source
# package version, the config fragment, this script, gcc and pahole.  It
# holds:
#   bzImage            the kernel the target boots
#   kernelrelease      its version (uname -r in the guest)
#   root/lib/modules/<kernelrelease>/  its modules, depmod'ed; the target
#                      shows them at /lib/modules/<kernelrelease> in the guest
#   linux/             the built tree (object files removed): the KDIR that
#                      out-of-tree modules build against
#   build.log, info    the build's output and what it took
# A build takes ~25 minutes on 2 cores; concurrent callers wait for one build.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug-kernel.config
root=${KP_KERNEL_CACHE:-/var/cache/kpgen/kernels}

say() { echo "debug-kernel: $*" >&2; }
die() { say "$*"; exit 1; }

tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
[ -n "$tarball" ] || die "no /usr/src/linux-source-*.tar.xz (run 'make deps KERNEL=debug')"
srcver=$(dpkg-query -S "$tarball" 2>/dev/null | cut -d: -f1 |
	xargs -r dpkg-query -W -f='${Package} ${Version}' 2>/dev/null) ||
	srcver=
[ -n "$srcver" ] || srcver=$(stat -c '%n %s %Y' "$tarball")
tools="$(gcc -dumpfullversion 2>/dev/null) $(pahole --version 2>/dev/null)"
key=$( { echo "$srcver"; echo "$tools"; cat "$fragment" "$0"; } |
	sha256sum | cut -c1-16)
dir=$root/debug-$key

if [ "${1:-}" = --dir ]; then
	echo "$dir"
	[ -f "$dir/complete" ] ||
		die "not built yet in $dir (run 'make kernel KERNEL=debug')"
	exit 0
fi
if [ -f "$dir/complete" ]; then
	echo "$dir"
	exit 0
fi

for t in flex bison pahole bc; do
	command -v $t >/dev/null || die "$t missing (run 'make deps KERNEL=debug')"
done
mkdir -p "$root" || die "cannot create $root (set KP_KERNEL_CACHE)"
exec 9>"$dir.lock"
if ! flock -n 9; then
	say "another build of $dir is running; waiting for it"
	flock 9
fi
if [ -f "$dir/complete" ]; then
	echo "$dir"
	exit 0
fi

t0=$(date +%s)
rm -rf "$dir"
mkdir -p "$dir/linux"
log=$dir/build.log
say "building $srcver into $dir (log: $log)"
say "unpacking $tarball"
tar -xf "$tarball" -C "$dir/linux" --strip-components=1
cd "$dir/linux"
make defconfig >"$log" 2>&1
scripts/kconfig/merge_config.sh -m .config "$fragment" >>"$log" 2>&1
make olddefconfig >>"$log" 2>&1

# Kconfig drops a symbol whose dependencies are not met without a word:
# insist on every line of the fragment.
bad=
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" .config || bad="$bad $line"
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		! grep -q "^$sym=[ym]\$" .config || bad="$bad $sym=n"
		;;
	esac
done <"$fragment"
[ -z "$bad" ] || die "Kconfig did not take:$bad (see $dir/linux/.config)"

jobs=$(nproc)
say "compiling with make -j$jobs (progress every minute)"
make -j"$jobs" bzImage modules >>"$log" 2>&1 &
pid=$!
# The percentage is estimated from the previous build's object count.
total=$(sed -n 's/^objects: //p' "$root"/debug-*/info 2>/dev/null |
	tail -n 1)
while kill -0 $pid 2>/dev/null; do
	i=0
	while [ $i -lt 60 ] && kill -0 $pid 2>/dev/null; do
		sleep 1
		i=$((i + 1))
	done
	kill -0 $pid 2>/dev/null || break
	n=$(grep -c '^  CC' "$log" || true)
	pct=
	if [ -n "$total" ]; then
		pct=$((n * 100 / total))
		[ $pct -le 99 ] || pct=99
		pct=" (~$pct%)"
	fi
	say "$(( ($(date +%s) - t0) / 60 )) min: $n objects compiled$pct"
done
wait $pid || { tail -n 30 "$log" >&2; die "build failed (log: $log)"; }

make INSTALL_MOD_PATH="$dir/root" INSTALL_MOD_STRIP=1 modules_install \
	>>"$log" 2>&1
make -s kernelrelease >"$dir/kernelrelease"
kver=$(cat "$dir/kernelrelease")
ln -sfn "$dir/linux" "$dir/root/lib/modules/$kver/build"
cp arch/x86/boot/bzImage "$dir/bzImage"
# Out-of-tree modules need headers, scripts, Module.symvers and vmlinux
# (module BTF), not the object files: drop them (several GB).
find . \( -path ./scripts -o -path ./tools \) -prune -o \
	\( -name '*.o' -o -name '*.ko' -o -name '.tmp_vmlinux*' \) \
	-type f -print | xargs -r rm -f
secs=$(( $(date +%s) - t0 ))
{
	echo "source: $srcver"
	echo "tools: $tools"
	echo "kernelrelease: $kver"
	echo "objects: $(grep -c '^  CC' "$log" || true)"
	echo "seconds: $secs"
} >"$dir/info"
touch "$dir/complete"
say "built $kver in $((secs / 60)) min $((secs % 60)) s"
echo "$dir"
