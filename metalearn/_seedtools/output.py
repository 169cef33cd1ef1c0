"""Writing the seed: deterministic CSV text, gzip without timestamps, the unmapped report and the summary."""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections import Counter
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from metalearn._seedtools.records import SEED_HEADERS
from metalearn._seedtools.sources import AUTOSKLEARN_COMPUTED_BY, SERVER_COMPUTED_BY, SIGNIFICANT_DIGITS, Seed


def fmt(value: Any, digits: int = SIGNIFICANT_DIGITS) -> str:
    """Deterministic text for a CSV cell.

    >>> fmt(0.123456789), fmt(None), fmt(3), fmt(2.0), fmt(float("nan"))
    ('0.1234568', '', '3', '2.0', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return ""
        return repr(float(f"{float(value):.{digits}g}") + 0.0)  # + 0.0 turns -0.0 into 0.0
    return str(value)


PRIORITY = ("lcdb-datasets", "oboe-dataset-sizes", "oboe-error-matrix")


def _pick(values: Mapping[str, Any]) -> Any:
    """The value from the most authoritative source (LCDB's server qualities first, then OBOE, then others)."""
    for source_id in PRIORITY:
        if source_id in values:
            return values[source_id]
    return values[sorted(values)[0]] if values else None


def dataset_rows(seed: Seed) -> list[list[str]]:
    rows = []
    for key in sorted(seed.datasets):
        info = seed.datasets[key]
        name = _pick(info.names) or key
        types = set(info.task_types.values())
        specific = sorted(types - {"classification"})
        if len(specific) > 1:
            raise SystemExit(f"dataset {key} has conflicting task types {specific}")
        task_type = specific[0] if specific else "classification"
        source_id = next((s for s in PRIORITY if s in info.sources), sorted(info.sources)[0])
        rows.append([key, name, fmt(info.openml_id), task_type, fmt(_pick(info.n_rows)), fmt(_pick(info.n_cols)),
                     source_id])
    return rows


def seed_tables(seed: Seed) -> dict[str, list[list[str]]]:
    """All seed files as sorted rows of text cells."""
    # drop datasets that only a runtime/size file mentions and nobody else? no: every dataset row has data.
    sources = [s.row() for s in sorted(seed.sources.values(), key=lambda s: s.source_id)]
    qualities = [[k, n, fmt(v), cb, src] for (k, n, cb), (v, src) in sorted(seed.qualities.items())]
    configurations = [[h, a, p, src] for h, (a, p, src) in sorted(seed.configurations.items())]
    runs = [[k, h, m, fmt(score), proto, fmt(ft, 4), "ok", src, ""]
            for (k, h, m, proto), (score, ft, src) in sorted(seed.runs.items())]
    return {"sources.csv": sources, "datasets.csv.gz": dataset_rows(seed), "qualities.csv.gz": qualities,
            "configurations.csv.gz": configurations, "runs.csv.gz": runs}


def encode(name: str, rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(SEED_HEADERS[name])
    writer.writerows(rows)
    data = text.getvalue().encode("utf-8")
    if not name.endswith(".gz"):
        return data
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return out.getvalue()


def unmapped_rows(seed: Seed) -> list[list[str]]:
    rows = []
    for section, counter in sorted(seed.report.items()):
        for item, count in sorted(counter.items()):
            if "unmapped" in item or "skipped" in item or "dropped" in item or "rejected" in item:
                rows.append([section, item, str(count)])
    return rows


def write(seed: Seed, out_dir: Path) -> dict[str, bytes]:
    out_dir.mkdir(parents=True, exist_ok=True)
    blobs = {name: encode(name, rows) for name, rows in seed_tables(seed).items()}
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([["source", "item", "count"], *unmapped_rows(seed)])
    blobs["unmapped.csv"] = text.getvalue().encode("utf-8")
    for name, blob in blobs.items():
        (out_dir / name).write_bytes(blob)
    return blobs


def summary(seed: Seed) -> str:
    runs = seed.runs
    lines = []
    openml = {k for k in seed.datasets if k.startswith("openml:")}
    by_source = Counter(src.split("-")[0] for (_, _, src) in runs.values())
    with_runs = {k[0] for k in runs}
    lines.append(f"datasets: {len(seed.datasets)} ({len(openml)} with an OpenML id); with runs: {len(with_runs)} "
                 f"({len(with_runs & openml)} with an OpenML id)")
    lines.append(f"runs: {len(runs)}  by package: {dict(sorted(by_source.items()))}")
    lines.append("runs by metric: " + ", ".join(f"{m}={c}" for m, c in sorted(Counter(k[2] for k in runs).items())))
    lines.append(f"configurations: {len(seed.configurations)}  algorithms: "
                 f"{len({a for a, _, _ in seed.configurations.values()})}")
    server = {k for (k, _, cb) in seed.qualities if cb == SERVER_COMPUTED_BY}
    ask = {k for (k, _, cb) in seed.qualities if cb == AUTOSKLEARN_COMPUTED_BY}
    lines.append(f"qualities: {len(seed.qualities)} rows; server qualities for {len(server)} datasets, "
                 f"auto-sklearn meta-features for {len(ask)} datasets")
    reg = {k[0] for k, v in runs.items() if seed.datasets[k[0]].task_types and "regression" in
           seed.datasets[k[0]].task_types.values()}
    lines.append(f"regression datasets with runs: {len(reg)}")

    def ids(prefix: str) -> set[str]:
        return {k[0] for k, v in runs.items() if v[2].startswith(prefix)}

    oboe, lcdb_runs, ask_runs = ids("oboe"), ids("lcdb"), ids("autosklearn")
    lines.append("overlap of OpenML datasets:")
    lines.append(f"  OBOE {len(oboe)}, LCDB curves {len(lcdb_runs)}, LCDB qualities {len(server)}, "
                 f"auto-sklearn (mapped to ids) {len(ask_runs & openml)} of {len(ask_runs)}")
    lines.append(f"  OBOE & LCDB qualities {len(oboe & server)}; OBOE & LCDB curves {len(oboe & lcdb_runs)}; "
                 f"LCDB curves & LCDB qualities {len(lcdb_runs & server)}")
    lines.append(f"  auto-sklearn & OBOE {len(ask_runs & oboe)}; auto-sklearn & LCDB curves "
                 f"{len(ask_runs & lcdb_runs)}; all three {len(oboe & lcdb_runs & ask_runs)}")
    for section, counter in sorted(seed.report.items()):
        lines.append(f"[{section}]")
        for item, count in sorted(counter.items()):
            lines.append(f"  {item}: {count}")
    return "\n".join(lines)
