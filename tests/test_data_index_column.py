"""A written-out row index (R's rownames, pandas' Unnamed: 0) is flagged as an identifier even when shuffled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metalearn.data import load_dataset, quality_report


def _frame(index_name: str, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 300
    x = rng.normal(size=n)
    y = 3 * x + rng.normal(scale=0.5, size=n)
    order = np.argsort(y)  # sorted by the target, as many R datasets are, then shuffled: the index leaks y
    frame = pd.DataFrame({index_name: np.arange(1, n + 1), "x": x[order], "noise": rng.normal(size=n), "y": y[order]})
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("name", ["rownames", "Unnamed: 0", "id"])
def test_shuffled_row_index_is_an_identifier(name):
    ds = load_dataset(_frame(name), target="y")
    assert name in ds.flags.get("identifier", ())
    report = quality_report(ds)
    assert name in report.columns("identifier")
    assert any(name in w for w in report.warnings)


def test_a_shuffled_unique_integer_feature_with_another_name_is_not_flagged():
    frame = _frame("rownames").rename(columns={"rownames": "count"})
    ds = load_dataset(frame, target="y")
    assert "count" not in ds.flags.get("identifier", ())
