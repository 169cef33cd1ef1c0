"""What the seed writers share, for ``scripts/grow_seed.py``: re-exported from :mod:`metalearn._seedtools.records`."""

from metalearn._seedtools.records import SEED_HEADERS, Source

__all__ = ["SEED_HEADERS", "Source"]
