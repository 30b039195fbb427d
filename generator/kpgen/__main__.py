"""`python -m kpgen`"""
import sys

from kpgen.cli import main

sys.exit(main())
