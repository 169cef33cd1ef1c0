"""The explanation step of a query: each pick's evidence and the query's nearest KB datasets.

:class:`Explainer` turns the portfolio's columns into :class:`~metalearn.recommender.records.Recommendation`
records (the neighbours' proximity-weighted score and spread, how many datasets support it, its
nearest supporting datasets) and lists the query's nearest neighbours with their distances and the
influential meta-features on which they agree most.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from metalearn.recommender.offline import RegretTable, log_scaled
from metalearn.recommender.records import Evidence, Neighbour, Recommendation

__all__ = ["Explainer"]


class Explainer:
    """Records of one query from the KB's datasets frame and meta-features (as the Recommender read them).

    Parameters
    ----------
    datasets : DataFrame
        ``KBReader.datasets_frame()`` (names and OpenML ids).
    meta_features : DataFrame
        The recommender's numeric meta-features, one row per KB dataset id.
    """

    def __init__(self, datasets: pd.DataFrame, meta_features: pd.DataFrame):
        self.datasets = datasets
        self.meta_features = meta_features
        self._display: dict = {}

    def recommendations(self, table: RegretTable, picks: Sequence[int], checked: Mapping[int, dict],
                        weights: np.ndarray, distance: np.ndarray, reason: str,
                        n_evidence: int = 5) -> tuple[Recommendation, ...]:
        """One record per picked column of ``table``, ranked as ``picks``; ``checked`` holds each
        pick's registry-normalized parameters."""
        order = np.argsort(distance, kind="stable")
        out = []
        for rank, j in enumerate(picks, start=1):
            col = table.scores[:, j]
            obs = ~np.isnan(col)
            ww = weights * obs
            if ww.sum() > 0:
                mean = float((ww * np.nan_to_num(col)).sum() / ww.sum())
                sd = float(np.sqrt((ww * (np.nan_to_num(col) - mean) ** 2).sum() / ww.sum()))
            else:
                mean = float(np.nanmean(col))
                sd = float(np.nanstd(col))
            nearest = order[obs[order]][:n_evidence]  # the nearest datasets with a run of it
            evidence = tuple(self.evidence(table.dataset_ids[i], distance[i], col[i]) for i in nearest)
            out.append(Recommendation(table.algorithms[j], checked[j], mean, sd, evidence, rank,
                                      reason, int(table.configuration_ids[j]), int(obs.sum())))
        return tuple(out)

    def neighbours(self, dataset_ids: np.ndarray, weights: np.ndarray, distance: np.ndarray,
                   query: Mapping[str, float], features: Sequence[str], importances,
                   n: int = 5) -> tuple[Neighbour, ...]:
        """The ``n`` KB datasets nearest the query (least distance), each with its distance and weight."""
        order = np.argsort(distance, kind="stable")[:n]
        return tuple(self.neighbour(dataset_ids[i], distance[i], weights[i], query, features, importances)
                     for i in order)

    def info(self, dataset_id) -> tuple[str, int | None]:
        """Name and OpenML id of a KB dataset."""
        if dataset_id in self.datasets.index:
            row = self.datasets.loc[dataset_id]
            oid = row.get("openml_id")
            return str(row.get("name")), (None if oid is None or pd.isna(oid) else int(oid))
        return str(dataset_id), None

    def evidence(self, dataset_id, distance, score) -> Evidence:
        name, oid = self.info(dataset_id)
        return Evidence(int(dataset_id), name, oid, float(distance), float(score))

    def neighbour(self, dataset_id, distance, weight, query, features, importances) -> Neighbour:
        """A neighbour with the (up to 3) most influential meta-features on which it agrees most with the query."""
        name, oid = self.info(dataset_id)
        near: list[tuple[str, float, float]] = []
        if features and importances is not None:
            key = tuple(features)
            if key not in self._display:
                scaled = log_scaled(self.meta_features[list(features)])
                spread = (scaled.quantile(0.75) - scaled.quantile(0.25)).replace(0, np.nan).fillna(scaled.std())
                self._display = {key: (scaled, spread.replace(0, np.nan).fillna(1.0))}
            scaled, spread = self._display[key]
            q = log_scaled(pd.DataFrame([{f: query[f] for f in features}])).iloc[0]
            row = scaled.loc[dataset_id] if dataset_id in scaled.index else None
            if row is not None:
                top_feats = [features[i] for i in np.argsort(-np.asarray(importances))[:10]]
                gaps = sorted((abs(q[f] - row[f]) / spread[f], f) for f in top_feats if pd.notna(row[f]))
                raw = self.meta_features.loc[dataset_id]
                near = [(f, float(query[f]), float(raw[f])) for _, f in gaps[:3]]
        return Neighbour(int(dataset_id), name, oid, float(distance), float(weight), tuple(near))
