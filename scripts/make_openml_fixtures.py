#!/usr/bin/env python
"""Write ``tests/fixtures/openml/``: OpenML REST API responses for the offline import tests.

A thin wrapper over :mod:`metalearn._seedtools.openml_fixtures` (see its
docstring for the sources), writing into this checkout::

    python scripts/make_openml_fixtures.py          # rewrite tests/fixtures/openml/
"""

import sys
from pathlib import Path

from metalearn._seedtools.openml_fixtures import main

if __name__ == "__main__":
    sys.exit(main(repo=Path(__file__).resolve().parents[1]))
