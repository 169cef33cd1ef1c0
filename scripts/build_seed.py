#!/usr/bin/env python
"""Derive the knowledge base's seed files (``kb/seed/``) from three packages on PyPI.

A thin wrapper over :mod:`metalearn._seedtools.build_seed` (see its docstring
for the sources and options), writing into this checkout's ``kb/seed/``::

    python scripts/build_seed.py                 # pip download into ~/.cache/metalearn-seed, write kb/seed/
    python scripts/build_seed.py --check         # rebuild in memory, compare with kb/seed/, print the summary
"""

import sys
from pathlib import Path

from metalearn._seedtools.build_seed import main

if __name__ == "__main__":
    sys.exit(main(repo=Path(__file__).resolve().parents[1]))
