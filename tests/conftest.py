"""Shared fixtures: the QEMU target.

`target` is one boot shared by every test of the session (tests must leave
the guest as they found it: unload what they load).  `fresh_target` boots a
guest of its own, for tests that crash or reconfigure it.
"""
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "target"))

from kptarget import Target  # noqa: E402


@pytest.fixture(scope="session")
def target():
    t = Target()
    t.start()
    yield t
    t.stop()


@pytest.fixture
def fresh_target():
    t = Target()
    t.start()
    yield t
    t.stop()


@pytest.fixture(scope="session")
def repo():
    return REPO
