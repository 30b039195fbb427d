"""tests/pkg: the Debian packages, end to end (docs/packaging.md).

test_packages.py installs packages on this machine (apt-get, as root) and
purges them at its end, so it runs only when asked for:
`make test-packages` (KP_TEST_PACKAGES=1), a named stage of .ci/run; never
inside `make test`, which other engineers run on the same machine.
"""
import os

if os.environ.get("KP_TEST_PACKAGES") != "1":
    collect_ignore = ["test_packages.py"]
