#!/bin/sh
# test.sh MARKEXPR [PYTEST ARGS...] - the tests MARKEXPR selects (see
# pytest.ini's markers), host and target at once: the host's tests (the
# generator, its fuzzer, checkpatch, kbuild, kpstat on the host kernel) run
# in a second pytest beside the target's, whose guests wait on QEMU much of
# the time.  Their output goes to build/test-host.log and is printed when
# both are done.  KP_TEST_JOBS=1 runs them one after the other instead.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
expr=$1
shift
pytest="/usr/bin/python3 -m pytest -ra"
cd "$top" || exit 2
if [ "${KP_TEST_JOBS:-2}" = 1 ]; then
	exec $pytest -m "$expr" "$@" tests
fi
mkdir -p build
log=build/test-host.log
echo "test: host tests in the background (log: $log)"
$pytest -p no:cacheprovider -m "($expr) and not target" "$@" tests \
	>"$log" 2>&1 &
host=$!
trap 'kill $host 2>/dev/null' INT TERM
$pytest -m "($expr) and target" "$@" tests
target_rc=$?
wait $host
host_rc=$?
echo "test: ---- host tests ($log) ----"
cat "$log"
# 5: no tests collected, which is no failure for one half
[ $target_rc = 5 ] && target_rc=0
[ $host_rc = 5 ] && host_rc=0
[ $target_rc = 0 ] && [ $host_rc = 0 ] && exit 0
echo "test: FAILED: target tests status $target_rc, host tests status $host_rc"
exit 1
