"""What the seed writers share: the files' columns and the provenance record.

:mod:`metalearn._seedtools.build_seed` (runs from packages on PyPI) and ``scripts/grow_seed.py``
(metalearn's own runs) both write seed files in the format of docs/DESIGN.md
("Seed files"); every row names a :class:`Source`, one row of ``sources.csv``.

>>> Source("lcdb-f1", "lcdb", "0.1.0", "lcdb/database-f1.csv", "MIT", "F1 curves").row()
['lcdb-f1', 'lcdb', '0.1.0', 'lcdb/database-f1.csv', 'MIT', 'F1 curves']
>>> SEED_HEADERS["sources.csv"] == list(Source.__dataclass_fields__)
True
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

__all__ = ["SEED_HEADERS", "Source"]

#: Columns of each seed file (docs/DESIGN.md, "Seed files"); ``metalearn-<name>`` files have the same.
SEED_HEADERS = {
    "sources.csv": ["source_id", "package", "version", "file", "license", "description"],
    "datasets.csv.gz": ["dataset_key", "name", "openml_id", "task_type", "n_rows", "n_cols", "source_id"],
    "qualities.csv.gz": ["dataset_key", "name", "value", "computed_by", "source_id"],
    "configurations.csv.gz": ["config_hash", "algorithm", "params", "source_id"],
    "runs.csv.gz": ["dataset_key", "config_hash", "metric", "score", "protocol", "fit_time", "status",
                    "source_id", "openml_run_id"],
}


@dataclass(frozen=True)
class Source:
    """One row of ``sources.csv``: a file inside a package, with its license."""

    source_id: str
    package: str
    version: str
    file: str
    license: str
    description: str

    def row(self) -> list[str]:
        """The ``sources.csv`` row, in :data:`SEED_HEADERS` order."""
        return list(astuple(self))
