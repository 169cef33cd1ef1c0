"""The records a recommendation returns: :class:`Recommendation` with its :class:`Evidence`, the
query's :class:`Neighbour` datasets, and :class:`RecommendationResult` (with its text table)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from metalearn.exceptions import MetaLearnError

__all__ = ["Evidence", "Recommendation", "Neighbour", "RecommendationResult", "RecommendationWarning"]


class RecommendationWarning(UserWarning):
    """Something about a recommendation query the user should know (e.g. an exclusion matching nothing)."""


@dataclass(frozen=True)
class Evidence:
    """One neighbour dataset's run of a recommended configuration.

    ``score`` is that dataset's score of the configuration (``nan`` when it has no run
    of it); ``distance`` is ``1 - forest proximity`` (0 = indistinguishable).
    """

    dataset_id: int
    name: str
    openml_id: int | None
    distance: float
    score: float


@dataclass(frozen=True)
class Recommendation:
    """A recommended configuration, ready for ``space.make_pipeline(algorithm, params, X)``.

    ``expected_score`` is the neighbours' proximity-weighted score of this configuration
    (in the metric of ``reason``), ``uncertainty`` their weighted standard deviation.
    ``configuration_id`` is the KB's id of the configuration (``None`` for cold-start defaults).
    """

    algorithm: str
    params: Mapping[str, Any]
    expected_score: float
    uncertainty: float
    evidence: tuple[Evidence, ...]
    rank: int
    reason: str
    configuration_id: int | None = None
    n_datasets: int = 0
    """How many KB datasets (in the neighbourhood's table) have a run of this configuration."""

    def changed_params(self) -> dict[str, Any]:
        """The parameters that differ from the registry's defaults of the algorithm (all of them if it
        has none registered)."""
        from metalearn import space

        try:
            defaults = space.default_params(self.algorithm)
        except MetaLearnError:
            defaults = {}
        return {k: v for k, v in self.params.items() if k not in defaults or defaults[k] != v}

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (evidence as a list of dicts)."""
        return {
            "rank": self.rank, "algorithm": self.algorithm, "params": dict(self.params),
            "expected_score": _json_float(self.expected_score), "uncertainty": _json_float(self.uncertainty),
            "reason": self.reason, "configuration_id": self.configuration_id, "n_datasets": self.n_datasets,
            "evidence": [
                {"dataset_id": e.dataset_id, "name": e.name, "openml_id": e.openml_id,
                 "distance": _json_float(e.distance), "score": _json_float(e.score)} for e in self.evidence
            ],
        }


@dataclass(frozen=True)
class Neighbour:
    """A KB dataset near the query, for ``--explain``.

    ``near_features`` holds ``(name, query value, neighbour value)`` of the influential
    meta-features on which the two agree most.
    """

    dataset_id: int
    name: str
    openml_id: int | None
    distance: float
    weight: float
    near_features: tuple[tuple[str, float, float], ...]


@dataclass(frozen=True)
class RecommendationResult:
    """Recommendations plus what produced them."""

    recommendations: tuple[Recommendation, ...]
    neighbours: tuple[Neighbour, ...]
    task: str
    metric: str
    reason: str
    features_used: tuple[str, ...]
    n_datasets: int
    n_configurations: int

    def to_text(self, width: int = 100, n_support: int = 3) -> str:
        """The recommendations as a text table (what ``metalearn recommend`` prints).

        One line per recommendation (rank, algorithm, expected score, how many KB datasets support
        it), then its parameters that differ from the registry defaults, in full, wrapped between
        parameters (never inside one), and its nearest supporting datasets with their distances
        (``1 - forest proximity``) and scores.
        """
        lines = [f"{'rank':<5}{'algorithm':<36}{'expected':>14}  support"]
        indent = " " * 5
        for r in self.recommendations:
            score = "n/a" if r.expected_score != r.expected_score else f"{r.expected_score:.3f}±{r.uncertainty:.3f}"
            support = f"{r.n_datasets} dataset{'s' if r.n_datasets != 1 else ''}" if r.evidence else "registry default"
            lines.append(f"{r.rank:<5}{r.algorithm:<36}{score:>14}  {support}")
            changed = r.changed_params()
            items = [f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}"
                     for k, v in changed.items()] or ["(registry defaults)"]
            lines.extend(_wrap_items("parameters: ", items, width, indent))
            near = [f"{e.name} (distance {e.distance:.2f}, score {e.score:.3f})" for e in r.evidence[:n_support]]
            if near:
                lines.extend(_wrap_items("nearest supporting datasets: ", near, width, indent))
        return "\n".join(lines)


def _wrap_items(label: str, items: list[str], width: int, indent: str) -> list[str]:
    """``label`` and ``items`` joined by commas into lines of at most ``width`` characters where
    possible, breaking only between items (an item longer than a line gets its own line, whole)."""
    lines, current = [], indent + label
    first = True
    for item in items:
        if first and len(current) + len(item) > width:
            lines.append(current.rstrip())
            current = indent + "  " + item
        elif not first and len(current) + 2 + len(item) > width:
            lines.append(current + ",")
            current = indent + "  " + item
        else:
            current += item if first else ", " + item
        first = False
    lines.append(current)
    return lines


def _json_float(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)
