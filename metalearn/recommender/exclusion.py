"""Which KB datasets a query leaves out: ``exclude_datasets`` resolved under every name and id.

>>> import pandas as pd
>>> ds = pd.DataFrame({"name": ["iris", "Iris", "wine"], "openml_id": [61, None, 187],
...                    "content_hash": ["h1", "h1", "h2"]}, index=pd.Index([1, 2, 3], name="dataset_id"))
>>> sorted(resolve_exclude(ds, ["openml:61"]))  # the same data under another row
[1, 2]
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from metalearn.exceptions import RecommendationError
from metalearn.recommender.records import RecommendationWarning

__all__ = ["resolve_exclude", "aliases"]


def resolve_exclude(datasets: pd.DataFrame, exclude_datasets: Iterable, *, stacklevel: int = 4) -> frozenset:
    """KB dataset ids of ``exclude_datasets``, each under every name and id it has.

    ``datasets`` is ``KBReader.datasets_frame()``. An entry is a KB id (int or digits),
    ``openml:<id>``, a name (case-insensitive; also the KB key) or a content hash. Every KB row
    sharing a name, OpenML id or content hash with a matched row is excluded too (one dataset
    imported from two sources). An entry matching nothing warns (``RecommendationWarning``)
    with the nearest KB names; a malformed ``openml:`` entry raises RecommendationError.
    """
    if isinstance(exclude_datasets, (str, int)):
        exclude_datasets = [exclude_datasets]
    ds = datasets
    names = ds["name"].astype(str).str.casefold()
    keys = ds["key"].astype(str).str.casefold() if "key" in ds.columns else names
    hashes = ds["content_hash"] if "content_hash" in ds.columns else pd.Series(None, index=ds.index)
    out: set[int] = set()
    for item in exclude_datasets:
        text = str(item).strip()
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool) or text.isdigit():
            matched = set(int(i) for i in ds.index if int(i) == int(text))
        elif text.lower().startswith("openml:"):
            try:
                oid = int(text.split(":", 1)[1])
            except ValueError:
                raise RecommendationError(
                    f"exclude_datasets entry {text!r} is not openml:<integer id>; write e.g. openml:31") from None
            matched = set(int(i) for i in ds.index[(ds["openml_id"] == oid).fillna(False).to_numpy(bool)])
        else:
            folded = text.casefold()
            hit = (names == folded) | (keys == folded) | (hashes.astype(str) == text)
            matched = set(int(i) for i in ds.index[hit.to_numpy(bool)])
        if not matched:
            near = difflib.get_close_matches(text.casefold(), sorted(set(names)), n=3, cutoff=0.6)
            hint = f"nearest KB names: {', '.join(near)}" if near else "no KB name is close"
            warnings.warn(f"exclude_datasets entry {text!r} matches no KB dataset (id, openml:<id>, name or "
                          f"content hash); {hint}", RecommendationWarning, stacklevel=stacklevel)
        out |= matched
    return frozenset(aliases(ds, out)) if out else frozenset()


def aliases(datasets: pd.DataFrame, ids: set[int]) -> set[int]:
    """``ids`` and every KB dataset sharing a name, OpenML id or content hash with one of them."""
    ds = datasets
    chosen = ds.loc[sorted(ids)]
    same = ds["name"].astype(str).str.casefold().isin(set(chosen["name"].astype(str).str.casefold()))
    oids = set(int(o) for o in chosen["openml_id"].dropna())
    if oids:
        same |= ds["openml_id"].isin(oids).fillna(False).astype(bool)
    if "content_hash" in ds.columns:
        hashes = set(h for h in chosen["content_hash"].dropna() if h)
        if hashes:
            same |= ds["content_hash"].isin(hashes).fillna(False).astype(bool)
    return ids | set(int(i) for i in ds.index[same.to_numpy(bool)])
