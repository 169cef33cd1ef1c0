"""How closely metalearn reproduces the OpenML server's data qualities.

Uses the OpenML fixtures inside scikit-learn's wheel (data + the server's
qualities JSON), keeps those whose data file is the complete dataset, and
prints, per quality: on how many datasets it matches (within 1e-6 relative),
the worst relative deviation, and for a quality that cannot be matched, why.

    python scripts/fidelity_openml.py [--markdown]
"""

from __future__ import annotations

import argparse
import math
import sys

from metalearn.metafeatures import characterize
from metalearn.metafeatures.fidelity import (
    RTOL,
    WEKA_LANDMARKER,
    deviation,
    fixtures_dir,
    load_fixture,
)

NOT_REPRODUCIBLE = (
    "Weka landmarker: needs Weka's learner and OpenML's exact CV folds; "
    "metalearn computes its own landmarkers as metalearn.Landmark*"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="Print a Markdown table.")
    args = parser.parse_args()
    used, skipped = [], []
    for d in sorted(fixtures_dir().glob("id_*"), key=lambda p: int(p.name.split("_")[1])):
        fx = load_fixture(d)
        (used if fx else skipped).append(fx or d.name)
    print(f"datasets used: {', '.join(f'{f.name} ({f.openml_id})' for f in used)}")
    print(f"fixtures skipped (no qualities, multi-label target, or a subset of the data the server saw): "
          f"{', '.join(skipped)}")
    results = [(f, characterize(f.X, f.y, groups="openml")) for f in used]
    names = sorted(set().union(*(f.qualities for f in used)))
    rows = []
    for name in names:
        reported = [(f, mf) for f, mf in results if name in f.qualities]
        if WEKA_LANDMARKER.match(name):
            rows.append((name, 0, len(reported), math.nan, NOT_REPRODUCIBLE))
            continue
        devs = [deviation(mf.get(name, math.nan), f.qualities[name]) for f, mf in reported]
        ok = sum(d <= RTOL for d in devs)
        worst = max(devs) if devs else math.nan
        note = "" if ok == len(reported) else "mismatch: " + ", ".join(
            f"{f.name}" for (f, _), d in zip(reported, devs) if d > RTOL
        )
        rows.append((name, ok, len(reported), worst, note))
    if args.markdown:
        print("\n| quality | datasets matched | worst relative deviation | note |\n| --- | --- | --- | --- |")
        for name, ok, n, worst, note in rows:
            print(f"| {name} | {ok}/{n} | {'' if math.isnan(worst) else f'{worst:.1e}'} | {note} |")
    else:
        print(f"\n{'quality':<42} {'matched':>8} {'worst dev':>10}  note")
        for name, ok, n, worst, note in rows:
            print(f"{name:<42} {f'{ok}/{n}':>8} {'' if math.isnan(worst) else f'{worst:.1e}':>10}  {note}")
    full = [r for r in rows if r[2] and r[1] == r[2]]
    weka = [r for r in rows if r[4] == NOT_REPRODUCIBLE]
    print(f"\nsummary: {len(full)} of {len(names)} OpenML quality names reproduced on every dataset that reports them "
          f"(tolerance {RTOL:g} relative); {len(weka)} Weka landmarkers listed as not reproducible; "
          f"{len(names) - len(full) - len(weka)} other mismatches")
    return 0 if len(full) + len(weka) == len(names) else 1


if __name__ == "__main__":
    sys.exit(main())
