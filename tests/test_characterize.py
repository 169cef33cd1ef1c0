"""characterize: API, definitions checked against independent computations, robustness."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.stats

import metalearn
from metalearn.metafeatures import GROUPS, MetaFeatures, characterize
from metalearn.metafeatures import _landmarks
from metalearn.metafeatures.fidelity import load_fixtures
from metalearn.exceptions import CharacterizationError, DataError, MetaLearnError

FIXTURES = {f.name: f for f in load_fixtures()}


@pytest.fixture(scope="module")
def iris():
    return FIXTURES["iris"]


def _quiet(*args, **kwargs):
    """characterize with every warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return characterize(*args, **kwargs)


# --- API ------------------------------------------------------------------
def test_metafeatures_is_a_read_only_mapping_with_timings_groups_reasons(iris):
    mf = characterize(iris.X, iris.y)
    assert set(mf.timings) == set(GROUPS)
    assert all(t >= 0 for t in mf.timings.values())
    assert mf.groups["NumberOfInstances"] == "general"
    assert mf.groups["metalearn.Landmark1NN.error_rate"] == "landmarking"
    assert mf.groups["autosklearn.ClassEntropy"] == "autosklearn"
    assert math.isnan(mf["MeanAttributeEntropy"]) and "nominal" in mf.reasons["MeanAttributeEntropy"]
    assert all(math.isnan(mf[k]) for k in mf.reasons)
    assert set(mf.to_dict()) == set(mf)
    with pytest.raises(TypeError):
        mf["NumberOfInstances"] = 1.0  # type: ignore[index]
    with pytest.raises(AttributeError):
        mf.timings = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        mf.reasons["x"] = "y"  # type: ignore[index]
    assert isinstance(mf, MetaFeatures) and "MetaFeatures(" in repr(mf)


def test_dataset_dataframe_and_column_name_inputs_agree(iris):
    from metalearn.data import load_dataset

    frame = iris.X.assign(label=iris.y)
    ds = load_dataset(frame, target="label")
    a = characterize(ds, groups="openml")
    b = characterize(iris.X, iris.y, groups="openml")
    c = characterize(frame, "label", groups="openml")
    for name in a:
        assert a[name] == pytest.approx(b[name], nan_ok=True)
        assert c[name] == pytest.approx(b[name], nan_ok=True)


def test_metalearn_characterize_is_the_function_after_the_package_is_imported(iris):
    import metalearn.metafeatures as mod

    assert metalearn.characterize is mod.characterize
    assert metalearn.characterize(iris.X, iris.y, groups="general")["NumberOfFeatures"] == 5.0


def test_groups_selection_and_errors(iris):
    mf = characterize(iris.X, iris.y, groups="general,statistical")
    assert set(mf.timings) == {"general", "statistical"}
    assert "ClassEntropy" in mf and "MeanAttributeEntropy" not in mf
    with pytest.raises(CharacterizationError, match="unknown meta-feature group 'bogus'"):
        characterize(iris.X, iris.y, groups=["bogus"])
    with pytest.raises(CharacterizationError, match="y must not be given"):
        from metalearn.data import load_dataset

        characterize(load_dataset(iris.X.assign(t=iris.y), target="t"), iris.y)


# --- definitions against independent computations --------------------------
def test_numeric_summaries_match_pandas_with_missing_values():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.lognormal(size=(500, 6)), columns=list("abcdef"))
    X = X.mask(rng.random(X.shape) < 0.1)
    y = pd.Series(pd.Categorical(rng.integers(0, 3, 500)))
    mf = _quiet(X, y, groups="statistical")
    assert mf["MeanMeansOfNumericAtts"] == pytest.approx(X.mean().mean(), rel=1e-12)
    assert mf["MaxStdDevOfNumericAtts"] == pytest.approx(X.std().max(), rel=1e-10)
    assert mf["MinSkewnessOfNumericAtts"] == pytest.approx(X.skew().min(), rel=1e-9)
    assert mf["MeanKurtosisOfNumericAtts"] == pytest.approx(X.kurt().mean(), rel=1e-9)
    # Apache Commons' percentile: position p(n+1)/100 over the 6 means
    means = np.sort(X.mean().to_numpy())
    assert mf["Quartile1MeansOfNumericAtts"] == pytest.approx(means[0] + 0.75 * (means[1] - means[0]), rel=1e-12)


def test_large_offset_columns_keep_accuracy():
    rng = np.random.default_rng(2)
    X = pd.DataFrame({"big": 1e9 + rng.normal(size=50_000), "small": rng.normal(size=50_000)})
    mf = _quiet(X, groups="statistical")
    assert mf["MaxStdDevOfNumericAtts"] == pytest.approx(X.std().max(), rel=1e-7)
    assert mf["MaxKurtosisOfNumericAtts"] == pytest.approx(X.kurt().max(), rel=1e-5)


def test_mutual_information_matches_sklearn_in_bits_without_missing_values():
    from sklearn.metrics import mutual_info_score

    kr = FIXTURES["kr-vs-kp"]
    mf = characterize(kr.X, kr.y, groups="info-theory")
    ours = mf["MaxMutualInformation"]
    theirs = max(mutual_info_score(kr.X[c], kr.y) / math.log(2) for c in kr.X.columns)
    assert ours == pytest.approx(theirs, abs=1e-12)


def test_cardinality_from_distinct_counts():
    X = pd.DataFrame({"n1": [1.0, 1.0, 2.0, np.nan], "n2": [5, 6, 7, 8], "c": pd.Categorical(["a", "b", "a", None])})
    y = pd.Series(pd.Categorical(["p", "q", "q", "q"]))
    mf = _quiet(X, y, groups="cardinality")
    assert mf["MeanCardinalityOfNumericAttributes"] == 3.0  # 2 and 4
    assert mf["MaxCardinalityOfNominalAttributes"] == 2.0
    assert mf["CardinalityAtTwo"] == 8.0  # 4 * 2
    assert mf["CardinalityAtFour"] == 4 * 2 * 2 * 2


def test_autosklearn_features_on_iris_match_scipy(iris):
    mf = characterize(iris.X, iris.y, groups="autosklearn")
    assert mf["autosklearn.NumberOfFeatures"] == 4.0  # target not a feature here
    assert mf["autosklearn.ClassProbabilityMean"] == pytest.approx(1 / 3)
    assert mf["autosklearn.ClassProbabilitySTD"] == 0.0
    assert mf["autosklearn.LogNumberOfInstances"] == pytest.approx(math.log(150))
    skews = scipy.stats.skew(iris.X.to_numpy(), axis=0)
    kurts = scipy.stats.kurtosis(iris.X.to_numpy(), axis=0)
    assert mf["autosklearn.SkewnessMax"] == pytest.approx(skews.max(), rel=1e-10)
    assert mf["autosklearn.KurtosisSTD"] == pytest.approx(kurts.std(), rel=1e-10)
    assert mf["autosklearn.SymbolsSum"] == 0.0


def test_autosklearn_one_hot_moments_match_an_explicit_one_hot_matrix():
    rng = np.random.default_rng(3)
    c = pd.Categorical(rng.choice(["a", "b", "c", "rare"], p=[0.5, 0.3, 0.195, 0.005], size=2000))
    X = pd.DataFrame({"c": c})
    X.loc[rng.random(2000) < 0.05, "c"] = None
    mf = _quiet(X, pd.Series(pd.Categorical(rng.integers(0, 2, 2000))), groups="autosklearn")
    levels = X["c"].astype(object).fillna("__missing__")
    freq = levels.map(levels.value_counts(normalize=True))
    levels = levels.where(freq >= 0.01, "__rare__")
    onehot = pd.get_dummies(levels).to_numpy(dtype=float)
    assert mf["autosklearn.SkewnessMean"] == pytest.approx(scipy.stats.skew(onehot, axis=0).mean(), rel=1e-10)
    assert mf["autosklearn.KurtosisMin"] == pytest.approx(scipy.stats.kurtosis(onehot, axis=0).min(), rel=1e-10)


# --- landmarkers ------------------------------------------------------------
def test_landmarkers_are_plausible_and_deterministic(iris):
    a = characterize(iris.X, iris.y, groups="landmarking")
    b = characterize(iris.X, iris.y, groups="landmarking")
    assert a.to_dict() == b.to_dict()
    assert all(k.startswith("metalearn.Landmark") for k in a)
    assert a["metalearn.Landmark1NN.error_rate"] < 0.1
    assert a["metalearn.LandmarkLDA.auc"] > 0.95
    assert a["metalearn.LandmarkDecisionStump.error_rate"] == pytest.approx(1 / 3, abs=0.05)


def test_landmarkers_subsample_above_threshold(monkeypatch):
    kr = FIXTURES["kr-vs-kp"]
    monkeypatch.setattr(_landmarks, "SUBSAMPLE_ROWS", 600)
    mf = characterize(kr.X, kr.y, groups="landmarking")
    assert 0 < mf["metalearn.LandmarkTreeDepth3.error_rate"] < 0.5
    rows = _landmarks._subsample(kr.y.cat.codes.to_numpy(), 600)
    assert abs(rows.size - 600) <= 2
    share = kr.y.iloc[rows].value_counts(normalize=True)
    assert share.max() == pytest.approx(kr.y.value_counts(normalize=True).max(), abs=0.01)


# --- robustness -------------------------------------------------------------
def _assert_sane(mf):
    assert all(isinstance(v, float) for v in mf.values())
    assert all(np.isfinite(v) or k in mf.reasons for k, v in mf.items())


def test_one_row():
    mf = _quiet(pd.DataFrame({"a": [1.0], "b": pd.Categorical(["x"])}), pd.Series(pd.Categorical(["p"])))
    _assert_sane(mf)
    assert mf["NumberOfInstances"] == 1.0 and math.isnan(mf["AutoCorrelation"])
    assert math.isnan(mf["MeanSkewnessOfNumericAtts"])


def test_one_feature_and_all_numeric_and_all_categorical(iris):
    _assert_sane(_quiet(iris.X[["petallength"]], iris.y))
    _assert_sane(_quiet(iris.X, iris.y))
    kr = FIXTURES["kr-vs-kp"]
    mf = _quiet(kr.X, kr.y)
    _assert_sane(mf)
    assert "no numeric attributes" in mf.reasons["MeanMeansOfNumericAtts"]


def test_constant_and_all_missing_columns():
    rng = np.random.default_rng(4)
    X = pd.DataFrame(
        {
            "const": np.full(100, 3.0),
            "empty": np.full(100, np.nan),
            "empty_cat": pd.Categorical([None] * 100, categories=["a", "b"]),
            "const_cat": pd.Categorical(["a"] * 100),
            "x": rng.normal(size=100),
        }
    )
    y = pd.Series(pd.Categorical(rng.integers(0, 2, 100)))
    mf = _quiet(X, y)
    _assert_sane(mf)
    assert mf["NumberOfMissingValues"] == 200.0
    assert mf["MinSkewnessOfNumericAtts"] == 0.0  # constant column: 0, as OpenML
    assert mf["MinNominalAttDistinctValues"] == 0.0


def test_single_class():
    X = pd.DataFrame({"a": np.arange(10.0), "c": pd.Categorical(list("ababababab"))})
    mf = _quiet(X, pd.Series(pd.Categorical(["only"] * 10)))
    _assert_sane(mf)
    assert mf["NumberOfClasses"] == 1.0 and mf["ClassEntropy"] == 0.0
    assert math.isnan(mf["metalearn.Landmark1NN.error_rate"])
    assert "two classes" in mf.reasons["metalearn.Landmark1NN.error_rate"]


def test_regression_target_gives_nan_class_qualities_not_errors():
    cpu = FIXTURES["cpu"]
    mf = _quiet(cpu.X, cpu.y)
    _assert_sane(mf)
    assert mf["NumberOfClasses"] == 0.0  # OpenML's value for a numeric target
    for name in ("MajorityClassSize", "ClassEntropy", "MeanMutualInformation", "autosklearn.ClassEntropy",
                 "metalearn.LandmarkLDA.auc"):  # fmt: skip
        assert math.isnan(mf[name]) and "regression" in mf.reasons[name]


def test_no_target():
    mf = _quiet(pd.DataFrame({"a": [1.0, 2.0, 4.0]}))
    _assert_sane(mf)
    assert mf["NumberOfFeatures"] == 1.0 and mf.reasons["ClassEntropy"] == "no target given"


def test_infinities_are_refused_by_the_loader_and_by_characterize(tmp_path):
    from metalearn.data import load_dataset

    path = tmp_path / "inf.csv"
    path.write_text("a,b,y\n1,inf,0\n2,3,1\n3,4,0\n")
    with pytest.raises(DataError, match="infinite"):
        load_dataset(path, target="y")
    X = pd.DataFrame({"a": [1.0, np.inf, 2.0]})
    with pytest.raises(CharacterizationError, match="column .a. has infinite"):
        characterize(X, [0, 1, 0])


def test_bad_inputs_are_one_line_metalearn_errors():
    with pytest.raises(MetaLearnError, match="no rows"):
        characterize(pd.DataFrame({"a": []}), [])
    with pytest.raises(MetaLearnError, match="y has 2 values but X has 3 rows"):
        characterize(pd.DataFrame({"a": [1.0, 2.0, 3.0]}), [0, 1])
    with pytest.raises(MetaLearnError, match="not numeric but task is regression"):
        characterize(pd.DataFrame({"a": [1.0, 2.0]}), ["x", "y"], task="regression")


def test_numpy_arrays_and_bool_columns():
    rng = np.random.default_rng(5)
    mf = _quiet(rng.normal(size=(60, 3)), rng.integers(0, 2, 60))
    assert mf["NumberOfNumericFeatures"] == 3.0 and mf["NumberOfClasses"] == 2.0
    X = pd.DataFrame({"flag": rng.random(60) < 0.5, "x": rng.normal(size=60)})
    mf = _quiet(X, rng.integers(0, 3, 60))
    assert mf["NumberOfBinaryFeatures"] == 1.0 and mf["NumberOfSymbolicFeatures"] == 2.0


def test_duplicate_column_names_and_datetime_columns():
    X = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], columns=["a", "a"])
    with pytest.raises(CharacterizationError, match="column name 'a' appears more than once"):
        characterize(X, [0, 1])
    X = pd.DataFrame({"when": pd.date_range("2020-01-01", periods=30), "x": np.arange(30.0)})
    mf = _quiet(X, np.arange(30) % 2)
    assert mf["NumberOfFeatures"] == 3.0 and mf["NumberOfNumericFeatures"] == 1.0


def test_arff_string_attributes_are_neither_numeric_nor_symbolic(tmp_path):
    """OpenML counts an ARFF string attribute as a feature but not as symbolic; the loader flags it."""
    from metalearn import space
    from metalearn.data import load_dataset

    rows = [
        ("5.1", "red", "'Ann Lee'", "yes"), ("4.9", "blue", "'Bob'", "no"), ("6.2", "red", "?", "yes"),
        ("5.8", "green", "'Cy Young'", "no"), ("6.0", "blue", "'Ann Lee'", "yes"), ("5.5", "red", "'Dee'", "no"),
    ]  # fmt: skip
    path = tmp_path / "people.arff"
    path.write_text(
        "@relation people\n@attribute size numeric\n@attribute colour {red,blue,green}\n"
        "@attribute name string\n@attribute label {yes,no}\n@data\n" + "".join(",".join(r) + "\n" for r in rows)
    )
    ds = load_dataset(path, target="label")
    assert ds.flags["string"] == ("name",)
    assert isinstance(ds.X["name"].dtype, pd.CategoricalDtype)  # still usable by the models' preprocessing
    assert ds.X["name"].isna().sum() == 1
    mf = characterize(ds, groups=["general", "cardinality", "autosklearn"])
    assert mf["NumberOfFeatures"] == 4  # size, colour, name, label
    assert mf["NumberOfSymbolicFeatures"] == 2  # colour and the target, not name
    assert mf["NumberOfNumericFeatures"] == 1
    assert mf["NumberOfMissingValues"] == 1
    assert mf["autosklearn.NumberOfCategoricalFeatures"] == 1
    # the same as the data with the text column held as object, which characterize has always read as text
    as_text = ds.X.assign(name=ds.X["name"].astype(object).where(ds.X["name"].notna(), None))
    same = characterize(as_text, ds.y, groups=["general", "cardinality", "autosklearn"])
    assert {k: v for k, v in mf.items() if v == v} == {k: v for k, v in same.items() if v == v}
    # a CSV has no string type: there the column is symbolic
    assert characterize(ds.X, ds.y, groups=["general"])["NumberOfSymbolicFeatures"] == 3
    encoded = space.make_preprocessor("scale", ds.X)[0].fit_transform(ds.X)
    assert encoded.shape[0] == len(rows) and np.isfinite(encoded).all()
