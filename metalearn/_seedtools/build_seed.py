"""Derive the knowledge base's seed files (``kb/seed/``) from three packages on PyPI.

Sources (see ``kb/README.md`` for the protocols and every mapping decision):

* ``oboe==0.2.0`` (wheel, BSD-3-Clause): OBOE's error and runtime matrices,
  418 OpenML datasets x 219 configurations of 12 scikit-learn classifiers.
* ``lcdb==0.1.0`` (sdist, MIT): OpenML server qualities of 219 datasets and the
  learning curves of 20 scikit-learn classifiers (default hyperparameters) on
  248 OpenML datasets; we keep the score at the largest training size.
* ``auto-sklearn==0.15.0`` (sdist, BSD-3-Clause): the meta-learning files, i.e.
  per dataset and metric the best configuration found, and 37 meta-features.

Usage::

    python scripts/build_seed.py                 # pip download into ~/.cache/metalearn-seed, write kb/seed/
    python scripts/build_seed.py --check         # rebuild in memory, compare with kb/seed/ (dense-* included), print the summary
    python scripts/build_seed.py --oboe PATH --lcdb PATH --autosklearn PATH   # use archives you already have

The output is deterministic: rows are sorted, floats are written with a fixed
number of significant digits and gzip headers carry ``mtime=0``. Nothing here is
used at run time: the KB imports the files this script writes.

One module per source, each adding to the :class:`~metalearn._seedtools.sources.Seed` being built:
:mod:`.sources` (the packages, their archives, the tables), :mod:`.oboe`, :mod:`.lcdb`,
:mod:`.autosklearn` (its files) with :mod:`.autosklearn_map` (its configurations translated into
the registry's), and :mod:`.output` (the files written and the summary). This module runs them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Mapping

from metalearn._seedtools.autosklearn import read_autosklearn
from metalearn._seedtools.dense import encode_dense
from metalearn._seedtools.lcdb import read_lcdb
from metalearn._seedtools.oboe import read_oboe
from metalearn._seedtools.output import encode, seed_tables, summary, write
from metalearn._seedtools.sources import Archive, Seed, fetch_packages


def build(paths: Mapping[str, Path]) -> Seed:
    seed = Seed()
    read_oboe(Archive(paths["oboe"]), seed)
    name_to_ids = read_lcdb(Archive(paths["lcdb"]), seed)
    read_autosklearn(Archive(paths["autosklearn"]), seed, name_to_ids)
    return seed


def main(argv: list[str] | None = None, *, repo: Path | None = None) -> int:
    """The command line; ``repo`` is the checkout whose ``kb/seed`` is the default output (default: the current directory)."""
    repo = Path.cwd() if repo is None else repo
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "metalearn-seed",
                        help="where pip download puts the three archives (default ~/.cache/metalearn-seed)")
    parser.add_argument("--oboe", type=Path, help="path to oboe-0.2.0-py3-none-any.whl (skips the download)")
    parser.add_argument("--lcdb", type=Path, help="path to lcdb-0.1.0.tar.gz (skips the download)")
    parser.add_argument("--autosklearn", type=Path, help="path to auto-sklearn-0.15.0.tar.gz (skips the download)")
    parser.add_argument("--out", type=Path, default=repo / "kb" / "seed",
                        help=f"output directory (default {repo / 'kb' / 'seed'})")
    parser.add_argument("--check", action="store_true",
                        help="rebuild in memory and compare byte for byte with the files in --out; write nothing")
    args = parser.parse_args(argv)
    given = {"oboe": args.oboe, "lcdb": args.lcdb, "autosklearn": args.autosklearn}
    paths = fetch_packages(args.cache_dir) if not all(given.values()) else {}
    paths.update({k: v for k, v in given.items() if v is not None})
    seed = build(paths)
    print(summary(seed))
    if args.check:
        blobs = {name: encode(name, rows) for name, rows in seed_tables(seed).items()}
        dense = repo / "kb" / "dense"
        if dense.is_dir():  # the dense core's set (kb/seed/dense-*) is a conversion of kb/dense/
            blobs.update(encode_dense(dense))
        differ = [n for n, b in blobs.items() if not (args.out / n).is_file() or (args.out / n).read_bytes() != b]
        if differ:
            print(f"check FAILED: {', '.join(differ)} differ from a fresh build")
            return 1
        print("check passed: the committed seed files equal a fresh build")
        return 0
    blobs = write(seed, args.out)
    for name, blob in sorted(blobs.items()):
        print(f"wrote {args.out / name} ({len(blob):,} bytes)")
    return 0
