"""OpenML's data qualities, with OpenML's names and definitions.

The definitions follow the OpenML evaluation engine's characterizers
(``SimpleMetaFeatures``, ``Statistical``, ``NominalAttDistinctValues``,
``AttributeEntropy``, ``Cardinality``) and were checked against the server's
values for the datasets shipped in scikit-learn's OpenML test fixtures
(``scripts/fidelity_openml.py``). Conventions reproduced on purpose:

* the target is an attribute: it counts in NumberOfFeatures, the type counts,
  the missing values, the numeric summaries (a numeric target) and the
  NominalAttDistinctValues summaries (a nominal target);
* numeric summaries skip missing values; standard deviations use ``n - 1``;
  skewness and kurtosis are the bias-corrected estimators (as pandas), 0 for
  a column with (near) zero variance, undefined below 3 / 4 values;
* quartiles use Apache Commons Math's default percentile estimator
  (position ``p (n + 1) / 100``, clamped to the extremes, linear in between);
* AttributeEntropy and MutualInformation use the *nominal* attributes only:
  OpenML does **not** discretize numeric attributes; a missing nominal value
  is counted as the attribute's first declared value (Weka casts the missing
  marker NaN to index 0); mutual information is rounded to 14 decimals;
* a numeric target gives NumberOfClasses 0 and AutoCorrelation
  ``(n - 1 - sum |y[i] - y[i-1]|) / (n - 1)``.
"""

from __future__ import annotations

import numpy as np

from metalearn.metafeatures._passes import Passes
from metalearn.metafeatures._table import nominal_codes

NAN = float("nan")

GENERAL_NAMES = (
    "NumberOfInstances", "NumberOfFeatures", "NumberOfClasses", "Dimensionality",
    "NumberOfInstancesWithMissingValues", "NumberOfMissingValues",
    "PercentageOfInstancesWithMissingValues", "PercentageOfMissingValues",
    "NumberOfNumericFeatures", "NumberOfSymbolicFeatures", "NumberOfBinaryFeatures",
    "PercentageOfNumericFeatures", "PercentageOfSymbolicFeatures", "PercentageOfBinaryFeatures",
    "MajorityClassSize", "MinorityClassSize", "MajorityClassPercentage", "MinorityClassPercentage",
    "AutoCorrelation", "ClassEntropy",
)  # fmt: skip
_SUMMARIES = ("Mean", "Min", "Max", "Quartile1", "Quartile2", "Quartile3")
STATISTICAL_NAMES = tuple(
    f"{s}{c}OfNumericAtts" for c in ("Means", "StdDev", "Kurtosis", "Skewness") for s in _SUMMARIES
) + ("MaxNominalAttDistinctValues", "MinNominalAttDistinctValues", "MeanNominalAttDistinctValues",
     "StdvNominalAttDistinctValues")  # fmt: skip
INFO_NAMES = (
    tuple(f"{s}AttributeEntropy" for s in _SUMMARIES)
    + tuple(f"{s}MutualInformation" for s in _SUMMARIES)
    + ("EquivalentNumberOfAtts", "MeanNoiseToSignalRatio")
)
CARDINALITY_NAMES = (
    "MeanCardinalityOfNumericAttributes", "StdevCardinalityOfNumericAttributes",
    "MinCardinalityOfNumericAttributes", "MaxCardinalityOfNumericAttributes",
    "MeanCardinalityOfNominalAttributes", "StdevCardinalityOfNominalAttributes",
    "MinCardinalityOfNominalAttributes", "MaxCardinalityOfNominalAttributes",
    "CardinalityAtTwo", "CardinalityAtThree", "CardinalityAtFour",
)  # fmt: skip


def apache_percentile(values: np.ndarray, p: float) -> float:
    """Apache Commons Math's default (legacy) percentile estimator.

    >>> apache_percentile(np.array([1.0, 2.0, 3.0, 4.0]), 25)
    1.25
    >>> apache_percentile(np.array([5.0, 1.0]), 25)
    1.0
    """
    v = np.sort(np.asarray(values, dtype=np.float64))
    n = v.size
    if n == 0:
        return NAN
    if n == 1:
        return float(v[0])
    pos = p * (n + 1) / 100.0
    if pos < 1:
        return float(v[0])
    if pos >= n:
        return float(v[-1])
    lower = int(np.floor(pos))
    return float(v[lower - 1] + (pos - lower) * (v[lower] - v[lower - 1]))


def _summaries(values: np.ndarray, stem: str, reason: str, out: dict, why: dict) -> None:
    """Mean/Min/Max/Quartile1-3 of ``values`` under OpenML's naming scheme."""
    names = [stem.format(s) for s in _SUMMARIES]
    if values.size == 0:
        for name in names:
            out[name] = NAN
            why[name] = reason
        return
    out[names[0]] = float(np.mean(values))
    out[names[1]] = float(np.min(values))
    out[names[2]] = float(np.max(values))
    for name, p in zip(names[3:], (25, 50, 75)):
        out[name] = apache_percentile(values, p)


def _entropy_bits(counts: np.ndarray, n: float) -> float:
    c = counts[counts > 0].astype(np.float64)
    if n <= 0 or c.size == 0:
        return 0.0
    p = c / n
    return float(-(p * np.log2(p)).sum())


def _missing_as_first(codes: np.ndarray) -> np.ndarray:
    """Weka's reading of a missing nominal value: the first declared value."""
    return np.where(codes < 0, 0, codes)


def general(passes: Passes) -> tuple[dict, dict]:
    t = passes.table
    out: dict[str, float] = {}
    why: dict[str, str] = {}
    n = t.n_rows
    has_target = t.y is not None
    n_feat = t.X.shape[1] + (1 if has_target else 0)
    target_numeric = has_target and not t.classification
    target_nominal = has_target and t.classification
    n_numeric = len(t.numeric) + (1 if target_numeric else 0)
    n_symbolic = len(t.nominal) + (1 if target_nominal else 0)
    nom = passes.nominal
    n_binary = int(np.count_nonzero(nom.n_declared == 2))
    if target_nominal and t.y_codes[1] == 2:
        n_binary += 1
    num = passes.numeric
    text_missing, text_rows = passes.text_missing
    target_missing = passes.target_missing
    n_missing = int(num.n_missing.sum() + nom.n_missing.sum() + text_missing.sum() + target_missing.sum())
    rows_missing = int(np.count_nonzero(num.row_missing | nom.row_missing | text_rows | target_missing))
    out["NumberOfInstances"] = float(n)
    out["NumberOfFeatures"] = float(n_feat)
    out["Dimensionality"] = n_feat / n
    out["NumberOfMissingValues"] = float(n_missing)
    out["NumberOfInstancesWithMissingValues"] = float(rows_missing)
    out["PercentageOfInstancesWithMissingValues"] = rows_missing / n * 100
    out["PercentageOfMissingValues"] = n_missing / (n_feat * n) * 100 if n_feat else NAN
    out["NumberOfNumericFeatures"] = float(n_numeric)
    out["NumberOfSymbolicFeatures"] = float(n_symbolic)
    out["NumberOfBinaryFeatures"] = float(n_binary)
    for kind, count in (("Numeric", n_numeric), ("Symbolic", n_symbolic), ("Binary", n_binary)):
        out[f"PercentageOf{kind}Features"] = count / n_feat * 100 if n_feat else NAN
    class_names = (
        "MajorityClassSize", "MinorityClassSize", "MajorityClassPercentage", "MinorityClassPercentage", "ClassEntropy"
    )  # fmt: skip
    if not has_target:
        for name in class_names + ("NumberOfClasses", "AutoCorrelation"):
            out[name] = NAN
            why[name] = "no target given"
        return out, why
    if target_numeric:
        out["NumberOfClasses"] = 0.0  # as OpenML reports for a numeric target
        for name in class_names:
            out[name] = NAN
            why[name] = "regression target: class-based quality undefined"
        y = t.y_values
        if n > 1:
            with np.errstate(invalid="ignore"):
                changes = float(np.nansum(np.abs(np.diff(y))))
            out["AutoCorrelation"] = (n - 1 - changes) / (n - 1)
        else:
            out["AutoCorrelation"] = NAN
            why["AutoCorrelation"] = "needs at least 2 rows"
        return out, why
    codes, _ = t.y_codes
    counts = passes.class_counts
    present = counts[counts > 0]
    # OpenML counts a missing label as a class of its own
    n_classes = present.size + (1 if (codes < 0).any() else 0)
    out["NumberOfClasses"] = float(n_classes)
    sizes = np.append(present, np.count_nonzero(codes < 0)) if (codes < 0).any() else present
    out["MajorityClassSize"] = float(sizes.max())
    out["MinorityClassSize"] = float(sizes.min())
    out["MajorityClassPercentage"] = sizes.max() / n * 100
    out["MinorityClassPercentage"] = sizes.min() / n * 100
    out["ClassEntropy"] = _entropy_bits(np.bincount(_missing_as_first(codes)), n)
    if n > 1:
        prev, cur = codes[:-1], codes[1:]
        changes = int(np.count_nonzero((prev != cur) | (prev < 0)))
        out["AutoCorrelation"] = (n - 1 - changes) / (n - 1)
    else:
        out["AutoCorrelation"] = NAN
        why["AutoCorrelation"] = "needs at least 2 rows"
    return out, why


def _per_column_stats(m) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Means, standard deviations, kurtoses, skewnesses as Apache Commons Math."""
    n = m.count
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(n > 1, m.m2 / (n - 1), np.where(n == 1, 0.0, np.nan))
        sd = np.sqrt(var)
        small = var < 1e-19
        skew = (n / ((n - 1) * (n - 2))) * m.m3 / sd**3
        skew = np.where(n < 3, np.nan, np.where(small, 0.0, skew))
        kurt = (n * (n + 1) / ((n - 1) * (n - 2) * (n - 3))) * m.m4 / var**2 - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))
        kurt = np.where(n < 4, np.nan, np.where(small, 0.0, kurt))
    mean = np.where(n > 0, m.mean, np.nan)
    return mean, sd, kurt, skew


def statistical(passes: Passes) -> tuple[dict, dict]:
    t = passes.table
    out: dict[str, float] = {}
    why: dict[str, str] = {}
    stats = [_per_column_stats(passes.numeric)]
    if t.y is not None and not t.classification:
        stats.append(_per_column_stats(passes.target_moments))
    mean, sd, kurt, skew = (np.concatenate(parts) for parts in zip(*stats))
    has_numeric = mean.size > 0
    for values, stem, need in (
        (mean, "{}MeansOfNumericAtts", "a non-missing value"),
        (sd, "{}StdDevOfNumericAtts", "a non-missing value"),
        (kurt, "{}KurtosisOfNumericAtts", "4 non-missing values"),
        (skew, "{}SkewnessOfNumericAtts", "3 non-missing values"),
    ):
        finite = values[np.isfinite(values)]
        reason = "no numeric attributes" if not has_numeric else f"no numeric attribute has {need}"
        _summaries(finite, stem, reason, out, why)
    nom = passes.nominal
    distinct = [np.count_nonzero(c) for c in nom.counts]
    if t.y is not None and t.classification:
        distinct.append(int(np.count_nonzero(passes.class_counts)))
    names = ("MaxNominalAttDistinctValues", "MinNominalAttDistinctValues", "MeanNominalAttDistinctValues",
             "StdvNominalAttDistinctValues")  # fmt: skip
    if distinct:
        d = np.asarray(distinct, dtype=np.float64)
        out[names[0]], out[names[1]], out[names[2]] = float(d.max()), float(d.min()), float(d.mean())
        out[names[3]] = float(np.std(d, ddof=1)) if d.size > 1 else 0.0
    else:
        for name in names:
            out[name] = NAN
            why[name] = "no nominal attributes"
    return out, why


def information(passes: Passes) -> tuple[dict, dict]:
    t = passes.table
    out: dict[str, float] = {}
    why: dict[str, str] = {}
    reason = None
    if t.y is None:
        reason = "no target given"
    elif not t.classification:
        reason = "regression target: entropy-based quality undefined"
    elif not t.nominal:
        reason = "no nominal attributes besides the target (OpenML does not discretize numeric ones)"
    if reason:
        for name in INFO_NAMES:
            out[name] = NAN
            why[name] = reason
        return out, why
    n = t.n_rows
    ycodes, k = t.y_codes
    y0 = _missing_as_first(ycodes)
    k = max(k, 1)
    class_total = np.bincount(y0, minlength=k).astype(np.float64)
    h_class = _entropy_bits(class_total, n)
    att_entropy = np.empty(len(t.nominal))
    mutual = np.empty(len(t.nominal))
    nom = passes.nominal
    y_scaled: dict[int, np.ndarray] = {}  # y0 * n_values for the last few n_values (bounded memory)
    for j, col in enumerate(t.nominal):
        codes, n_values = nominal_codes(t.X[col])
        x0 = _missing_as_first(codes) if nom.n_missing[j] else codes
        n_values = max(n_values, 1)
        if n_values not in y_scaled:
            if len(y_scaled) >= 3:
                del y_scaled[next(iter(y_scaled))]
            y_scaled[n_values] = y0 * n_values
        # joint counts indexed (class, value), then transposed to (value, class)
        joint = np.bincount(y_scaled[n_values] + x0, minlength=n_values * k).reshape(k, -1).T.astype(np.float64)
        sizes = joint.sum(axis=1)
        att_entropy[j] = _entropy_bits(sizes, n)
        # H(class | attribute) = sum_v n_v/n * H(class | value v)
        nz = joint > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(nz, joint * np.log2(np.where(nz, joint, 1.0)), 0.0).sum(axis=1)
            h_cond_v = np.where(sizes > 0, np.log2(np.where(sizes > 0, sizes, 1.0)) - plogp / np.where(sizes > 0, sizes, 1.0), 0.0)
        gain = h_class - float((sizes / n * h_cond_v).sum())
        mutual[j] = np.floor(gain * 1e14 + 0.5) / 1e14  # Java Math.round(x * 1e14) / 1e14
    _summaries(att_entropy, "{}AttributeEntropy", "", out, why)
    _summaries(mutual, "{}MutualInformation", "", out, why)
    mean_mi = float(np.mean(mutual))
    if mean_mi > 0:
        out["EquivalentNumberOfAtts"] = h_class / mean_mi
        out["MeanNoiseToSignalRatio"] = (float(np.mean(att_entropy)) - mean_mi) / mean_mi
    else:
        for name in ("EquivalentNumberOfAtts", "MeanNoiseToSignalRatio"):
            out[name] = NAN
            why[name] = "mean mutual information is 0 (no attribute informs the class)"
    return out, why


def cardinality(passes: Passes) -> tuple[dict, dict]:
    """OpenML's ``Cardinality`` characterizer (distinct non-missing values).

    These qualities are newer than the server values in the fixtures, so they
    are implemented from the characterizer's definition but not checked
    against server values. The target is an attribute here too.
    """
    t = passes.table
    out: dict[str, float] = {}
    why: dict[str, str] = {}
    numeric = list(passes.numeric_distinct)
    nominal = [int(np.count_nonzero(c)) for c in passes.nominal.counts]
    nominal += [int(passes.X_text_distinct(c)) for c in t.text]
    if t.y is not None:
        if t.classification:
            nominal.append(int(np.count_nonzero(passes.class_counts)))
        else:
            y = t.y_values
            y = np.sort(y[~np.isnan(y)])
            numeric.append(0 if y.size == 0 else 1 + int(np.count_nonzero(y[1:] != y[:-1])))
    for kind, values in (("Numeric", numeric), ("Nominal", nominal)):
        names = [f"{s}CardinalityOf{kind}Attributes" for s in ("Mean", "Stdev", "Min", "Max")]
        if values:
            v = np.asarray(values, dtype=np.float64)
            stats = (v.mean(), np.std(v, ddof=1) if v.size > 1 else 0.0, v.min(), v.max())
            out.update({name: float(x) for name, x in zip(names, stats)})
        else:
            for name in names:
                out[name] = NAN
                why[name] = f"no {kind.lower()} attributes"
    everything = sorted(numeric + nominal, reverse=True)
    for name, depth in (("CardinalityAtTwo", 2), ("CardinalityAtThree", 3), ("CardinalityAtFour", 4)):
        if len(everything) >= depth:
            out[name] = float(everything[0] * np.prod([max(v, 1) for v in everything[1:depth]], dtype=np.float64))
        else:
            out[name] = NAN
            why[name] = f"needs at least {depth} attributes"
    return out, why
