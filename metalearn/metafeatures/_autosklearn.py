"""auto-sklearn 0.15.0's meta-features, as ``autosklearn.<name>``.

The 37 names of auto-sklearn's stored meta-data (``feature_values.arff``),
written from the definitions in auto-sklearn 0.15.0's
``autosklearn/metalearning/metafeatures/metafeatures.py``. Where they differ
from OpenML's qualities of the same name: the target is *not* a feature,
percentages are fractions, logarithms are natural, standard deviations use
``n`` (numpy's default) and skewness/kurtosis are the biased estimators of
``scipy.stats`` computed on auto-sklearn's preprocessed matrix: numeric
columns mean-imputed (all-missing and constant ones dropped), nominal
columns one-hot encoded after giving missing values a level of their own and
pooling levels rarer than 1% into one. The one-hot columns' moments are
computed from the level counts, without building the matrix.

auto-sklearn computed its stored values on its training split of each
dataset (e.g. 602 of anneal's 898 rows), so values from the full data are
close to, not equal to, the stored ones.
"""

from __future__ import annotations

import numpy as np

from metalearn.metafeatures._passes import Passes

NAMES = tuple(
    "autosklearn." + n
    for n in (
        "ClassEntropy", "ClassProbabilityMax", "ClassProbabilityMean", "ClassProbabilityMin", "ClassProbabilitySTD",
        "DatasetRatio", "InverseDatasetRatio", "KurtosisMax", "KurtosisMean", "KurtosisMin", "KurtosisSTD",
        "LogDatasetRatio", "LogInverseDatasetRatio", "LogNumberOfFeatures", "LogNumberOfInstances",
        "NumberOfCategoricalFeatures", "NumberOfClasses", "NumberOfFeatures", "NumberOfFeaturesWithMissingValues",
        "NumberOfInstances", "NumberOfInstancesWithMissingValues", "NumberOfMissingValues", "NumberOfNumericFeatures",
        "PercentageOfFeaturesWithMissingValues", "PercentageOfInstancesWithMissingValues",
        "PercentageOfMissingValues", "RatioNominalToNumerical", "RatioNumericalToNominal", "SkewnessMax",
        "SkewnessMean", "SkewnessMin", "SkewnessSTD", "SymbolsMax", "SymbolsMean", "SymbolsMin", "SymbolsSTD",
        "SymbolsSum",
    )
)  # fmt: skip
MINIMUM_FRACTION = 0.01


def _stats4(values: list[float], prefix: str, out: dict) -> None:
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        out.update({f"autosklearn.{prefix}{s}": 0.0 for s in ("Min", "Max", "Mean", "STD")})
        return
    out[f"autosklearn.{prefix}Min"] = float(v.min())
    out[f"autosklearn.{prefix}Max"] = float(v.max())
    out[f"autosklearn.{prefix}Mean"] = float(v.mean())
    out[f"autosklearn.{prefix}STD"] = float(v.std())


def autosklearn(passes: Passes) -> tuple[dict, dict]:
    t = passes.table
    out: dict[str, float] = {}
    why: dict[str, str] = {}
    n = t.n_rows
    f = t.X.shape[1]
    num, nom = passes.numeric, passes.nominal
    text_missing, text_rows = passes.text_missing
    col_missing = np.concatenate([num.n_missing, nom.n_missing, text_missing])
    n_missing = float(col_missing.sum())
    rows_missing = float(np.count_nonzero(num.row_missing | nom.row_missing | text_rows))
    n_num, n_cat = len(t.numeric), len(t.nominal)
    with np.errstate(divide="ignore"):
        out.update({
            "autosklearn.NumberOfInstances": float(n),
            "autosklearn.LogNumberOfInstances": float(np.log(n)),
            "autosklearn.NumberOfFeatures": float(f),
            "autosklearn.LogNumberOfFeatures": float(np.log(f)) if f else float("nan"),
            "autosklearn.DatasetRatio": f / n,
            "autosklearn.LogDatasetRatio": float(np.log(f / n)) if f else float("nan"),
            "autosklearn.InverseDatasetRatio": n / f if f else float("nan"),
            "autosklearn.LogInverseDatasetRatio": float(np.log(n / f)) if f else float("nan"),
            "autosklearn.NumberOfMissingValues": n_missing,
            "autosklearn.PercentageOfMissingValues": n_missing / (n * f) if f else float("nan"),
            "autosklearn.NumberOfInstancesWithMissingValues": rows_missing,
            "autosklearn.PercentageOfInstancesWithMissingValues": rows_missing / n,
            "autosklearn.NumberOfFeaturesWithMissingValues": float(np.count_nonzero(col_missing)),
            "autosklearn.PercentageOfFeaturesWithMissingValues": float(np.count_nonzero(col_missing)) / f if f else float("nan"),
            "autosklearn.NumberOfNumericFeatures": float(n_num),
            "autosklearn.NumberOfCategoricalFeatures": float(n_cat),
            "autosklearn.RatioNumericalToNominal": n_num / n_cat if n_cat else 0.0,
            "autosklearn.RatioNominalToNumerical": n_cat / n_num if n_num else 0.0,
        })  # fmt: skip
    for name in ("LogNumberOfFeatures", "LogDatasetRatio", "InverseDatasetRatio", "LogInverseDatasetRatio",
                 "PercentageOfMissingValues", "PercentageOfFeaturesWithMissingValues"):  # fmt: skip
        if not f:
            why["autosklearn." + name] = "no features"
    # symbols: distinct non-missing values of each categorical column
    symbols = [int(np.count_nonzero(c)) for c in nom.counts]
    positive = [s for s in symbols if s > 0]
    out["autosklearn.SymbolsSum"] = float(sum(symbols))
    out["autosklearn.SymbolsMax"] = float(max(symbols)) if symbols else 0.0
    out["autosklearn.SymbolsMin"] = float(min(positive)) if positive else 0.0
    out["autosklearn.SymbolsMean"] = float(np.mean(positive)) if positive else 0.0
    out["autosklearn.SymbolsSTD"] = float(np.std(positive)) if positive else 0.0
    # skewness / kurtosis (biased) of the preprocessed columns
    skews: list[float] = []
    kurts: list[float] = []
    with np.errstate(invalid="ignore", divide="ignore"):
        keep = (num.count > 0) & (num.m2 > 0)  # imputation drops empty columns, the variance threshold constant ones
        m2 = num.m2[keep] / n  # imputed values sit at the mean: they add n - count zero deviations
        m3 = num.m3[keep] / n
        m4 = num.m4[keep] / n
        skews += list(m3 / m2**1.5)
        kurts += list(m4 / m2**2 - 3.0)
    for counts, n_miss in zip(nom.counts, nom.n_missing):
        levels = counts[counts > 0].astype(np.float64)
        if n_miss:
            levels = np.append(levels, float(n_miss))
        rare = levels / n < MINIMUM_FRACTION
        if rare.any():
            levels = np.append(levels[~rare], levels[rare].sum())
        for c in levels:
            p = c / n
            var = p * (1 - p)
            if np.isclose(var, 0):
                skews.append(0.0)
                kurts.append(0.0)
            else:
                skews.append((1 - 2 * p) / np.sqrt(var))
                kurts.append((1 - 3 * p + 3 * p * p) / var - 3.0)
    _stats4(skews, "Skewness", out)
    _stats4(kurts, "Kurtosis", out)
    class_names = ["autosklearn." + s for s in ("ClassEntropy", "ClassProbabilityMax", "ClassProbabilityMean",
                                                 "ClassProbabilityMin", "ClassProbabilitySTD", "NumberOfClasses")]  # fmt: skip
    if t.y is None or not t.classification:
        reason = "no target given" if t.y is None else "regression target: class-based meta-feature undefined"
        for name in class_names:
            out[name] = float("nan")
            why[name] = reason
    else:
        counts = passes.class_counts
        c = counts[counts > 0].astype(np.float64)
        p = c / n
        out["autosklearn.NumberOfClasses"] = float(c.size)
        out["autosklearn.ClassEntropy"] = float(-(c / c.sum() * np.log2(c / c.sum())).sum())
        out["autosklearn.ClassProbabilityMax"] = float(p.max())
        out["autosklearn.ClassProbabilityMin"] = float(p.min())
        out["autosklearn.ClassProbabilityMean"] = float(p.mean())
        out["autosklearn.ClassProbabilitySTD"] = float(p.std())
    return out, why
