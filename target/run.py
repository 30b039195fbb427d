#!/usr/bin/python3
"""make target-run CMD='...': run one command in a fresh QEMU target."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kptarget import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
