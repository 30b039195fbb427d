#!/bin/sh
# test.sh MARKEXPR [PYTEST ARGS...] - the tests MARKEXPR selects (see
# pytest.ini's markers) in two pytest runs at once, since one run keeps
# the 2 host CPUs only ~55% busy (guests wait on QEMU, tests on guests):
#   - the target tests that use the shared guest, in the foreground;
#   - beside them, the host's tests (the generator, its fuzzer,
#     checkpatch, kbuild, kpstat on the host kernel), then the target
#     tests marked own_guests (hot-unplug).  Not the DMA engine's icount
#     guests: they spin a host CPU all the time, and beside them the shared
#     guest's vCPUs starved (a soft lockup in text_poke_bp while kpstat
#     detached, seen once).
# The second run's output goes to build/test-side.log and is printed when
# both are done.  KP_TEST_JOBS=1 runs everything in one pytest instead.
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
log=build/test-side.log
echo "test: host tests, then own_guests tests, beside these (log: $log)"
# 5: no tests collected, which is no failure for one part
ok() { [ "$1" = 0 ] || [ "$1" = 5 ]; }
(
	$pytest -p no:cacheprovider -m "($expr) and not target" "$@" tests
	rc=$?
	$pytest -p no:cacheprovider -m "($expr) and target and own_guests" \
		"$@" tests
	rc2=$?
	ok $rc && ok $rc2
) >"$log" 2>&1 &
side=$!
trap 'kill $side 2>/dev/null' INT TERM
$pytest -m "($expr) and target and not own_guests" "$@" tests
main_rc=$?
wait $side
side_rc=$?
echo "test: ---- host and own_guests tests ($log) ----"
cat "$log"
ok $main_rc && [ $side_rc = 0 ] && exit 0
echo "test: FAILED (shared-guest tests: status $main_rc; host and" \
	"own_guests tests: status $side_rc, see above)"
exit 1
