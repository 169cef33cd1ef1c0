"""Write (or check) the dense core's seed file set, ``kb/seed/dense-*``, from ``kb/dense/``.

The default KB imports ``kb/seed/dense-*`` after the main seed set, so every user's KB carries
the dense core (:mod:`metalearn._seedtools.dense` says how rows map). Run it after each
``export_dense.py``; ``--check`` rebuilds the files in memory and compares them byte for byte
(``scripts/build_seed.py --check`` runs the same check).

    python scripts/dense/seed_dense.py            # write kb/seed/dense-*
    python scripts/dense/seed_dense.py --check    # exit 1 if kb/seed/dense-* is not kb/dense's conversion
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from metalearn._seedtools.dense import encode_dense

ROOT = Path(__file__).resolve().parents[2]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dense", type=Path, default=ROOT / "kb" / "dense", help="the export's directory (kb/dense)")
    parser.add_argument("--out", type=Path, default=ROOT / "kb" / "seed", help="the seed directory (kb/seed)")
    parser.add_argument("--check", action="store_true", help="compare with the files in --out; write nothing")
    args = parser.parse_args(argv)
    blobs = encode_dense(args.dense)
    if args.check:
        differ = [n for n, b in sorted(blobs.items()) if not (args.out / n).is_file() or (args.out / n).read_bytes() != b]
        if differ:
            print(f"dense check FAILED: {', '.join(differ)} differ from a conversion of {args.dense}: "
                  "run python scripts/dense/seed_dense.py")
            return 1
        print(f"dense check passed: {args.out}/dense-* equal a conversion of {args.dense}")
        return 0
    for name, blob in sorted(blobs.items()):
        (args.out / name).write_bytes(blob)
        print(f"wrote {args.out / name} ({len(blob):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
