"""The algorithm registry, parameter validation, pipelines and the Optuna encoding."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from metalearn import space
from metalearn._canonical import canonical_json
from metalearn.exceptions import InvalidParamsError, MetaLearnError, UnknownAlgorithmError

ROOT = Path(__file__).resolve().parents[1]
SEED_CONFIGS = ROOT / "kb" / "seed" / "configurations.csv.gz"
DESIGN_NAMES = {
    "classification": """AdaBoostClassifier BernoulliNB ComplementNB DecisionTreeClassifier ExtraTreeClassifier
        ExtraTreesClassifier GaussianNB GradientBoostingClassifier HistGradientBoostingClassifier
        KNeighborsClassifier LinearDiscriminantAnalysis LinearSVC LogisticRegression MLPClassifier
        MultinomialNB PassiveAggressiveClassifier Perceptron QuadraticDiscriminantAnalysis
        RandomForestClassifier RidgeClassifier SGDClassifier SVC""".split(),
    "regression": """AdaBoostRegressor ARDRegression DecisionTreeRegressor ElasticNet ExtraTreesRegressor
        GaussianProcessRegressor GradientBoostingRegressor HistGradientBoostingRegressor KNeighborsRegressor
        Lasso LinearSVR MLPRegressor RandomForestRegressor Ridge SGDRegressor SVR""".split(),
}


def _frame(name: str, target: str, n: int, seed: int = 0):
    """A real example dataset with its text columns as pandas categoricals, subsampled."""
    frame = pd.read_csv(ROOT / "data" / "examples" / name)
    frame = frame.sample(n=min(n, len(frame)), random_state=seed).reset_index(drop=True)
    y = frame.pop(target)
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column].dtype):
            frame[column] = frame[column].astype("category")
    return frame, y


@pytest.fixture(scope="module")
def penguins():
    return _frame("penguins.csv", "species", 120)


@pytest.fixture(scope="module")
def cpu():
    return _frame("cpu.csv", "class", 100)


def test_registry_holds_exactly_the_design_names():
    for task, names in DESIGN_NAMES.items():
        assert set(space.algorithms_for(task)) == set(names)
    assert set(space.algorithms_for("binary")) == set(DESIGN_NAMES["classification"])
    assert len(space.ALGORITHMS) == sum(len(v) for v in DESIGN_NAMES.values())
    for name, spec in space.ALGORITHMS.items():
        # scikit-learn 1.8 deprecated PassiveAggressiveClassifier (1.10 removes it): built as SGDClassifier
        assert spec.estimator_class.__name__ == ("SGDClassifier" if name == "PassiveAggressiveClassifier" else name)
        assert spec.preprocessing in space.PREPROCESSING
        assert len(set(spec.param_names)) == len(spec.param_names)
    with pytest.raises(TypeError):
        space.ALGORITHMS["SVC"] = None  # read-only


def test_every_default_is_valid_and_inside_its_range():
    for name, spec in space.ALGORITHMS.items():
        for p in spec.params:
            if p.kind != "const":  # valid, and returned as itself (a default needs no conversion)
                checked = space.validate_params(name, {p.name: p.default})
                assert list(checked) == [p.name] and checked[p.name] == p.default, (name, p.name)
                assert type(checked[p.name]) in (type(p.default), float), (name, p.name)
            if p.numeric and p.search:
                low, high = p.bounds
                assert low is not None and high is not None, (name, p.name)
                assert (p.low is None or low >= p.low) and (p.high is None or high <= p.high), (name, p.name)
        assert space.validate_params(name, space.default_params(name)) == space.default_params(name)


def test_unknown_algorithm_is_a_one_line_error():
    with pytest.raises(UnknownAlgorithmError, match="unknown algorithm 'RandomForest'") as info:
        space.get_algorithm("RandomForest")
    assert isinstance(info.value, MetaLearnError) and "\n" not in str(info.value)
    with pytest.raises(UnknownAlgorithmError):
        space.validate_params("NoSuchThing", {})


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("SVC", {"kernal": "rbf"}, r"SVC: unknown parameter 'kernal'; use one of C, kernel"),
        ("SVC", {"C": "1"}, r"SVC: parameter 'C' = '1' has the wrong type; use a float in \[1e-06, 1000000.0\]"),
        ("SVC", {"C": 0.0}, r"'C' = 0.0 is out of range"),
        ("SVC", {"kernel": "rbff"}, r"'kernel' = 'rbff' is not allowed; use one of 'linear', 'poly', 'rbf', 'sigmoid'"),
        ("SVC", {"shrinking": 1}, r"'shrinking' = 1 is not a boolean; use true or false"),
        ("KNeighborsClassifier", {"n_neighbors": 2.5}, r"'n_neighbors' = 2.5 is not an integer"),
        ("RandomForestClassifier", {"max_features": 3}, r"'max_features' = 3 is an integer"),
        ("RandomForestClassifier", {"max_depth": "deep"}, r"'max_depth' = 'deep' has the wrong type; .* or one of null"),
        ("MLPClassifier", {"hidden_layer_sizes": [10, 0]}, r"'hidden_layer_sizes' = \[10, 0\] has an element"),
        ("SVC", ["C", 1.0], r"parameters must be a mapping"),
        # scikit-learn 1.8 deprecated negative power_t, 1.10 rejects it
        ("SGDRegressor", {"power_t": -0.5}, r"'power_t' = -0.5 is out of range; use a float in \[0.0, 1000000.0\]"),
    ],
)
def test_invalid_params_name_algorithm_parameter_value_and_allowed(name, params, expected):
    with pytest.raises(InvalidParamsError, match=expected) as info:
        space.validate_params(name, params)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_json_values_are_normalized():
    stored = json.loads(canonical_json({"hidden_layer_sizes": (64, 32), "alpha": 1, "batch_size": "auto"}))
    assert stored["hidden_layer_sizes"] == [64, 32]
    params = space.validate_params("MLPClassifier", stored)
    assert params == {"alpha": 1.0, "batch_size": "auto", "hidden_layer_sizes": (64, 32)}
    assert isinstance(params["alpha"], float)
    assert space.validate_params("RandomForestClassifier", {"max_depth": 5.0, "min_samples_split": 0.01}) == {
        "max_depth": 5,
        "min_samples_split": 0.01,
    }
    assert space.validate_params("SVC", {"C": np.float64(2.0)}) == {"C": 2.0}
    # the estimator gets Python values
    pipe = space.make_pipeline("MLPClassifier", stored, np.zeros((3, 2)))
    assert pipe.named_steps["estimator"].hidden_layer_sizes == (64, 32)


def test_portfolio_and_defaults():
    for task in ("binary", "regression"):
        portfolio = space.default_portfolio(task, 6)
        assert len(portfolio) == 6
        assert len({name for name, _ in portfolio}) >= 5
        for name, params in portfolio:
            assert name in space.algorithms_for(task)
            space.validate_params(name, params)
    assert space.default_params("SVC") == {"C": 1.0, "kernel": "rbf", "gamma": "scale", "class_weight": None}


def test_pipeline_handles_categoricals_missing_unseen_and_degenerate_columns(penguins):
    X, y = penguins
    X = X.assign(all_missing=np.nan, constant=1.0, flag=X["culmen_length_mm"] > 44)
    train, test = X.iloc[:90], X.iloc[90:].copy()
    # a category never seen in training, and missing values where training had none
    test["island"] = test["island"].cat.add_categories(["Atlantis"])
    test.loc[test.index[0], "island"] = "Atlantis"
    test.loc[test.index[1], "flipper_length_mm"] = np.nan
    names = ["HistGradientBoostingClassifier", "RandomForestClassifier", "SVC", "MultinomialNB", "ComplementNB",
             "LogisticRegression", "KNeighborsClassifier", "GaussianNB"]
    for name in names:
        pipe = space.make_pipeline(name, {}, train, random_state=0)
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")
            pipe.fit(train, y.iloc[:90])
        predicted = pipe.predict(test)
        assert len(predicted) == len(test)
        assert (predicted == y.iloc[90:].to_numpy()).mean() > 0.6, name
    hgb = space.make_pipeline("HistGradientBoostingClassifier", {}, train).named_steps["estimator"]
    assert sum(hgb.categorical_features) == 2  # island, sex: native categorical support
    knn = space.make_pipeline("KNeighborsClassifier", {}, train, random_state=0)
    width = knn.named_steps["preprocess"].fit_transform(train).shape[1]
    assert width >= 5 + 3  # scaled numerics (+ indicators) and one-hot islands; all-missing column dropped


def test_random_state_is_set_unless_given():
    X = np.zeros((4, 2))
    assert space.make_pipeline("RandomForestClassifier", {}, X, random_state=3)[-1].random_state == 3
    assert space.make_pipeline("RandomForestClassifier", {"random_state": 7}, X, random_state=3)[-1].random_state == 7
    ada = space.make_pipeline("AdaBoostClassifier", {"estimator__max_depth": 3}, X)[-1]
    assert ada.estimator.max_depth == 3


def _trial_roundtrip(name, params):
    flat = space.to_trial_params(name, params)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    study.enqueue_trial(flat)
    trial = study.ask()
    got_name, got = space.suggest(trial, [name])
    assert got_name == name
    return got


def test_suggest_reproduces_enqueued_configurations_and_samples_valid_ones():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    params = {"C": 3.0, "kernel": "poly", "degree": 2, "tol": 0.01, "gamma": 0.5}
    got = _trial_roundtrip("SVC", params)
    assert {k: got[k] for k in params} == params  # including the not-searched tol
    got = _trial_roundtrip("MLPClassifier", {"hidden_layer_sizes": [33, 33, 33], "batch_size": 64})
    assert got["hidden_layer_sizes"] == (33, 33, 33) and got["batch_size"] == 64
    got = _trial_roundtrip("RandomForestClassifier", {"min_samples_split": 0.001, "max_depth": None})
    assert got["min_samples_split"] == 0.001 and got["max_depth"] is None
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    names = space.algorithms_for("classification")
    for _ in range(60):
        trial = study.ask()
        name, sampled = space.suggest(trial, names)
        assert space.validate_params(name, sampled) == sampled
        assert space.from_trial_params(trial.params) == (name, sampled)
        study.tell(trial, 0.0)


def _seed_configs() -> pd.DataFrame:
    if not SEED_CONFIGS.exists():
        pytest.skip("kb/seed/configurations.csv.gz not built yet")
    configs = pd.read_csv(SEED_CONFIGS)
    return configs.drop_duplicates(["algorithm", "params"])


def test_every_seed_configuration_is_in_the_space():
    configs = _seed_configs()
    assert len(configs) > 0
    for row in configs.itertuples():
        params = space.validate_params(row.algorithm, json.loads(row.params))
        # the search can enqueue it and gets the same values back
        name, back = space.from_trial_params(space.to_trial_params(row.algorithm, params))
        assert name == row.algorithm
        for key, value in params.items():
            if key in back:
                assert back[key] == value, (row.config_hash, key)


def _covering_sample(configs: pd.DataFrame) -> pd.DataFrame:
    """Per algorithm, the fewest configurations (greedily) that together set every
    parameter the seed sets for it."""
    chosen = []
    for _, group in configs.groupby("algorithm"):
        seen: set = set()
        for row in sorted(group.itertuples(), key=lambda r: -len(json.loads(r.params))):
            keys = set(json.loads(row.params))
            if not seen or not keys <= seen:
                chosen.append(row)
                seen |= keys
    return pd.DataFrame(chosen)


def test_seed_configurations_run_as_is(penguins, cpu):
    """Fit and predict a covering sample of the seed's configurations on real data.

    Every configuration is validated above; fitting all of them takes many minutes, so
    this fits, per algorithm, configurations that together set every parameter the seed
    uses. Classification uses a binary task: some seed configurations (liblinear, the
    exponential loss) are binary-only in scikit-learn.
    """
    sample = _covering_sample(_seed_configs())
    failures = []
    for row in sample.itertuples():
        spec = space.get_algorithm(row.algorithm)
        X, y = penguins if spec.task == "classification" else cpu
        if spec.task == "classification":
            keep = (y != "Chinstrap").to_numpy()
            X, y = X[keep], y[keep]
        X, y = X.iloc[:60], y.iloc[:60]
        pipe = space.make_pipeline(row.algorithm, json.loads(row.params), X, random_state=0)
        try:
            with warnings.catch_warnings(), threadpool_limits(1):
                warnings.simplefilter("ignore")
                pipe.fit(X, y)
                assert len(pipe.predict(X)) == len(X)
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            failures.append(f"{row.algorithm} {row.params}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


SEED_FILES = (SEED_CONFIGS, ROOT / "kb" / "seed" / "metalearn-configurations.csv.gz")
DEPRECATED_IN_1_8 = ("LogisticRegression", "PassiveAggressiveClassifier")  # removed in scikit-learn 1.10


def test_seed_configurations_of_deprecated_sklearn_apis_fit_without_deprecation_warnings(penguins):
    """Every seed configuration of LogisticRegression (OBOE's set ``penalty``) and
    PassiveAggressiveClassifier fits on the installed scikit-learn without a FutureWarning
    or DeprecationWarning, so it keeps working when scikit-learn 1.10 removes them."""
    configs = pd.concat([pd.read_csv(path) for path in SEED_FILES if path.exists()])
    configs = configs[configs["algorithm"].isin(DEPRECATED_IN_1_8)].drop_duplicates(["algorithm", "params"])
    assert (configs["algorithm"].value_counts() >= 1).all() and len(configs) > 80
    X, y = penguins
    keep = (y != "Chinstrap").to_numpy()  # liblinear's l1 with dual=True etc. are binary-only in places
    X, y = X[keep].iloc[:60], y[keep].iloc[:60]
    for row in configs.itertuples():
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", FutureWarning)
            warnings.simplefilter("error", DeprecationWarning)
            pipe = space.make_pipeline(row.algorithm, json.loads(row.params), X, random_state=0).fit(X, y)
        assert (pipe.predict(X) == y.to_numpy()).mean() > 0.5, (row.algorithm, row.params)


def _fit_both(new, legacy_class, legacy_params, X, y):
    """Coefficients of the model metalearn builds and of the deprecated spelling."""
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")
        return new.fit(X, y).coef_, legacy_class(random_state=0, **legacy_params).fit(X, y).coef_


def _binary_penguins():
    X, y = _frame("penguins.csv", "species", 344)
    keep = (y != "Chinstrap").to_numpy()
    X = X[keep].select_dtypes("number").fillna(0.0).to_numpy()
    return (X - X.mean(axis=0)) / X.std(axis=0), y[keep].to_numpy()


@pytest.mark.parametrize("params", [
    {"C": 0.5, "loss": "hinge", "max_iter": 1024, "tol": 1e-4, "class_weight": "balanced"},
    {"C": 3e-5, "loss": "squared_hinge", "average": True, "max_iter": 1024, "fit_intercept": False},
])
def test_passive_aggressive_is_built_as_the_equivalent_sgd(params):
    import sklearn.linear_model as lm

    X, y = _binary_penguins()
    model = space.make_pipeline("PassiveAggressiveClassifier", params, X, random_state=0)[-1]
    if space._SKLEARN_1_8:  # the equivalent scikit-learn 1.8's deprecation names, every other parameter kept
        pa = "pa1" if params["loss"] == "hinge" else "pa2"
        expected = {"loss": "hinge", "penalty": None, "alpha": 1.0, "learning_rate": pa, "eta0": params["C"]}
        rest = {k: v for k, v in params.items() if k not in ("C", "loss")}
        assert isinstance(model, lm.SGDClassifier)
        assert {k: model.get_params()[k] for k in [*expected, *rest]} == {**expected, **rest}
    if hasattr(lm, "PassiveAggressiveClassifier"):  # the deprecated class still exists: the same model
        new, legacy = _fit_both(model, lm.PassiveAggressiveClassifier, params, X, y)
        np.testing.assert_allclose(new, legacy)
    else:  # scikit-learn >= 1.10: at least it learns the task (penguins without Chinstrap are separable)
        with threadpool_limits(1):
            assert model.fit(X, y).score(X, y) > 0.95


@pytest.mark.parametrize(("params", "l1_ratio"), [
    ({"C": 0.75, "penalty": "l1", "solver": "liblinear"}, 1.0),
    ({"C": 3.0, "penalty": "l2", "solver": "liblinear"}, 0.0),
    ({"C": 2.0, "penalty": "elasticnet", "l1_ratio": 0.5, "solver": "saga", "max_iter": 2000}, 0.5),
    ({"penalty": None}, 0.0),
])
def test_logistic_regression_penalty_is_translated(params, l1_ratio):
    import sklearn.linear_model as lm

    X, y = _binary_penguins()
    model = space.make_pipeline("LogisticRegression", params, X, random_state=0)[-1]
    if not space._SKLEARN_1_8:
        assert model.penalty == params["penalty"]
        return
    assert model.get_params().get("penalty", "deprecated") == "deprecated" and model.l1_ratio == l1_ratio
    assert model.C == (np.inf if params["penalty"] is None else params["C"])
    if "penalty" in lm.LogisticRegression().get_params():  # the deprecated spelling still exists: same model
        new, legacy = _fit_both(model, lm.LogisticRegression, params, X, y)
        np.testing.assert_allclose(new, legacy)
    with pytest.raises(InvalidParamsError, match="needs l1_ratio"):
        space.make_pipeline("LogisticRegression", {"penalty": "elasticnet", "l1_ratio": None}, X)


@pytest.mark.parametrize(("name", "params"), [
    ("DecisionTreeRegressor", {"criterion": "friedman_mse"}),
    ("RandomForestRegressor", {"criterion": "friedman_mse", "n_estimators": 5}),
    ("ExtraTreesRegressor", {"criterion": "friedman_mse", "n_estimators": 5}),
    ("GradientBoostingRegressor", {"criterion": "squared_error", "n_estimators": 5}),
    ("GradientBoostingClassifier", {"criterion": "friedman_mse", "n_estimators": 5}),
])
def test_criteria_deprecated_in_sklearn_1_9_build_without_warnings(name, params, penguins, cpu):
    """scikit-learn 1.9 deprecated trees' "friedman_mse" (equal to "squared_error") and gradient
    boosting's criterion (no effect); the space still accepts them (the search samples the
    regressors' criterion) and builds the same model without the FutureWarning."""
    X, y = cpu if name.endswith("Regressor") else penguins
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        pipe = space.make_pipeline(name, params, X, random_state=0).fit(X, y)
    estimator = pipe[-1]
    if space._SKLEARN_1_9:
        assert getattr(estimator, "criterion", "deprecated") in ("squared_error", "deprecated")
    assert len(pipe.predict(X)) == len(X)


# --------------------------------------------------------------------------
# canonical_config: one configuration per estimator
# --------------------------------------------------------------------------
def _built(name, params, X):
    """The estimator's full get_params(), without the noise that is not identity."""
    from metalearn.space.canonical import NOT_IDENTITY

    estimator = space.make_pipeline(name, params, X)[-1]
    return {k: v for k, v in estimator.get_params(deep=False).items() if k not in NOT_IDENTITY}


def test_canonical_config_oboe_sparse_and_written_out_default_are_one(penguins):
    X, _ = penguins
    oboe = {"criterion": "gini", "min_samples_split": 2}
    written_out = {
        "bootstrap": False, "ccp_alpha": 0.0, "class_weight": None, "criterion": "gini", "max_depth": None,
        "max_features": "sqrt", "max_leaf_nodes": None, "max_samples": None, "min_impurity_decrease": 0.0,
        "min_samples_leaf": 1, "min_samples_split": 2, "min_weight_fraction_leaf": 0.0, "n_estimators": 100,
        "n_jobs": None, "oob_score": False, "random_state": None, "verbose": 0, "warm_start": False,
    }
    assert space.canonical_config("ExtraTreesClassifier", oboe) == ("ExtraTreesClassifier", {})
    assert space.canonical_config("ExtraTreesClassifier", written_out) == ("ExtraTreesClassifier", {})
    assert _built("ExtraTreesClassifier", oboe, X) == _built("ExtraTreesClassifier", written_out, X)
    # a different estimator stays different
    assert space.canonical_config("ExtraTreesClassifier", {"min_samples_split": 32}) == (
        "ExtraTreesClassifier", {"min_samples_split": 32})


def test_canonical_config_meets_autosklearn_openml_flow_and_search_dicts(penguins):
    X, _ = penguins
    autosklearn = {  # auto-sklearn's space: floats written with few digits, every tree knob written out
        "bootstrap": True, "class_weight": "balanced", "criterion": "entropy", "max_depth": None,
        "max_features": 0.5, "max_leaf_nodes": None, "min_impurity_decrease": 0.0, "min_samples_leaf": 4,
        "min_samples_split": 15, "min_weight_fraction_leaf": 0.0, "n_estimators": 512,
    }
    flow = {  # an OpenML flow's class path and all constructor arguments, ints where floats are meant
        **autosklearn, "max_features": 0.5000000000001, "ccp_alpha": 0, "max_samples": None, "monotonic_cst": None,
        "n_jobs": -1, "oob_score": False, "random_state": 42, "verbose": 0, "warm_start": False,
    }
    search = {  # a search's full dict: every sampled parameter, numpy scalars
        "n_estimators": np.int64(512), "criterion": "entropy", "max_depth": None, "min_samples_split": np.int64(15),
        "min_samples_leaf": 4, "max_features": np.float64(0.5), "bootstrap": True, "class_weight": "balanced",
    }
    expected = ("RandomForestClassifier", {
        "n_estimators": 512, "criterion": "entropy", "min_samples_split": 15, "min_samples_leaf": 4,
        "max_features": 0.5, "class_weight": "balanced"})
    assert space.canonical_config("RandomForestClassifier", autosklearn) == expected
    assert space.canonical_config("sklearn.ensemble._forest.RandomForestClassifier", flow) == expected
    assert space.canonical_config("RandomForestClassifier", search) == expected
    assert canonical_json(space.canonical_config("RandomForestClassifier", flow)[1]) == canonical_json(expected[1])
    assert _built("RandomForestClassifier", autosklearn, X) == _built(*expected, X)


@pytest.mark.parametrize(("name", "a", "b"), [
    ("SVC", {"kernel": "linear", "C": 2, "gamma": 0.1, "degree": 5, "coef0": 3.0}, {"kernel": "linear", "C": 2.0}),
    ("SVC", {"C": 0.125, "coef0": 10.0, "kernel": "rbf"}, {"C": 0.125}),
    ("KNeighborsClassifier", {"n_neighbors": 1, "p": 2}, {"n_neighbors": 1.0, "weights": "uniform"}),
    ("MLPClassifier", {"solver": "adam", "momentum": 0.1, "max_fun": 10}, {}),
    ("MLPClassifier", {"solver": "lbfgs", "batch_size": 32, "early_stopping": True}, {"solver": "lbfgs"}),
    ("HistGradientBoostingClassifier", {"early_stopping": False, "n_iter_no_change": 3}, {"early_stopping": False}),
    ("LogisticRegression", {"penalty": "l2", "C": 1.0, "l1_ratio": 0.7}, {}),
    ("LogisticRegression", {"penalty": "elasticnet", "l1_ratio": 0.5}, {"l1_ratio": 0.5}),
    ("DecisionTreeRegressor", {"criterion": "friedman_mse"}, {"criterion": "squared_error"}),
    ("GradientBoostingRegressor", {"criterion": "squared_error"}, {}),
    ("DecisionTreeClassifier", {"max_features": 1.0}, {"max_features": None}),
    ("SGDClassifier", {"alpha": 0.1 + 0.2}, {"alpha": 0.3}),
])
def test_canonical_config_equal_estimators_have_equal_forms(name, a, b):
    assert space.canonical_config(name, a) == space.canonical_config(name, b)


def test_canonical_config_keeps_what_matters_and_rejects_what_it_cannot_represent():
    assert space.canonical_config("SVC", {"kernel": "poly", "degree": 2})[1] == {"kernel": "poly", "degree": 2}
    assert space.canonical_config("LogisticRegression", {"penalty": None})[1] == {"penalty": None}
    assert space.canonical_config("SVC", {"C": 1.0000000000000002})[1] == {}
    assert space.canonical_config("SVC", {"C": 1.001})[1] == {"C": 1.001}
    with pytest.raises(InvalidParamsError, match="'monotonic_cst'.*outside metalearn's space"):
        space.canonical_config("RandomForestClassifier", {"monotonic_cst": [1, -1]})
    with pytest.raises(InvalidParamsError, match="unknown parameter 'kernal'"):
        space.canonical_config("SVC", {"kernal": "rbf"})
    with pytest.raises(InvalidParamsError, match="'C' = -1.0 is out of range"):
        space.canonical_config("SVC", {"C": -1})
    with pytest.raises(UnknownAlgorithmError):
        space.canonical_config("XGBoost", {})


def test_canonical_config_is_idempotent_on_every_seed_configuration():
    frame = pd.concat([pd.read_csv(SEED_CONFIGS), pd.read_csv(SEED_CONFIGS.with_name("metalearn-configurations.csv.gz"))])
    forms = set()
    for row in frame.itertuples():
        name, params = space.canonical_config(row.algorithm, json.loads(row.params))
        assert space.canonical_config(name, params) == (name, params), (row.algorithm, row.params)
        assert name == row.algorithm
        forms.add((name, canonical_json(params)))
    # the seed holds estimators written several ways (OBOE's rbf SVC with coef0, explicit defaults)
    assert len(forms) < len(frame)


# --------------------------------------------------------------------------
# A fitted pipeline stands alone: scikit-learn, numpy and pandas only (#14 item 2)
# --------------------------------------------------------------------------
def _pickle_references(blob: bytes) -> set:
    """The module of every GLOBAL / STACK_GLOBAL opcode of a pickle (memo lookups followed)."""
    import pickletools

    found, pushed, memo = set(), [], {}
    for opcode, arg, _ in pickletools.genops(blob):
        name = opcode.name
        if name == "GLOBAL":
            found.add(arg.split(" ")[0])
        elif name == "STACK_GLOBAL":
            found.add(pushed[-2])
        if name in ("MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT"):
            memo[len(memo) if name == "MEMOIZE" else arg] = pushed[-1] if pushed else None
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            pushed.append(memo.get(arg))
        elif isinstance(arg, str) and "UNICODE" in name:
            pushed.append(arg)
        elif opcode.stack_after:
            pushed.append(None)
    return found


@pytest.mark.parametrize("name", ["HistGradientBoostingClassifier", "RandomForestClassifier", "SVC", "MultinomialNB"])
def test_fitted_pipeline_pickles_without_metalearn_references(name, penguins, tmp_path):
    """One algorithm per preprocessing recipe (native, tree, scale, nonneg), on data with
    categorical columns and missing values; loaded in a process where metalearn cannot be imported."""
    import pickle
    import subprocess
    import sys

    X, y = penguins
    X = X.copy()
    X["flag"] = pd.array([True, None] * (len(X) // 2), dtype="boolean")
    X["count"] = pd.array([1, None, 3] * (len(X) // 3), dtype="Int64")
    pipe = space.make_pipeline(name, {}, X, random_state=0).fit(X, y)
    blob = pickle.dumps(pipe)
    modules = _pickle_references(blob)
    assert modules and not {m for m in modules if m.split(".")[0] == "metalearn"}, modules
    third_party = {m.split(".")[0] for m in modules} - set(sys.stdlib_module_names)
    assert third_party <= {"sklearn", "numpy", "pandas", "scipy"}, third_party
    path = tmp_path / "model.pkl"
    path.write_bytes(blob)
    X.to_pickle(tmp_path / "X.pkl")
    expected = pipe.predict(X)
    np.save(tmp_path / "expected.npy", expected.astype(str))
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] == 'metalearn': raise ImportError('metalearn is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import pickle, numpy as np, pandas as pd\n"
        f"pipe = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        f"X = pd.read_pickle({str(tmp_path / 'X.pkl')!r})\n"
        f"assert (pipe.predict(X).astype(str) == np.load({str(tmp_path / 'expected.npy')!r})).all()\n"
        "assert not [m for m in sys.modules if m.startswith('metalearn')]\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]


def test_categorical_levels_of_mixed_types_and_every_missing_marker_are_encoded():
    X = pd.DataFrame({
        "mixed": pd.Series([1, "a", 2.5, None, "a", 1], dtype=object),
        "text": pd.array(["p", None, "q", "p", pd.NA, "q"], dtype="string"),
        "x": [0.0, 1.0, np.nan, 3.0, 4.0, 5.0],
    })
    ct, mask = space.make_preprocessor("native", X)
    out = ct.fit_transform(X)
    assert mask == [False, True, True] and out.shape == (6, 3)
    assert np.isnan(out[2, 0]) and not np.isnan(out[:, 1:]).any()
    # None and pd.NA are one level (missing), distinct from every value
    assert out[3, 1] != out[0, 1] and out[1, 2] == out[4, 2] != out[0, 2]


def test_study_parameters_are_readable_in_a_stored_study(tmp_path):
    """#14 item 5: optuna.load_study(...).trials_dataframe() shows `algorithm`, then
    `<Algorithm>__<param>` with real values; no encoded 'number' choices, no constant noise."""
    import re

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    study = optuna.create_study(study_name="s", storage=storage, sampler=optuna.samplers.RandomSampler(seed=0))
    names = list(space.algorithms_for("classification"))
    study.enqueue_trial(space.to_trial_params("SVC", {"C": 2.0, "kernel": "poly", "degree": 2, "tol": 0.01}))
    study.enqueue_trial(space.to_trial_params("RandomForestClassifier", {"max_depth": None, "min_samples_split": 4}))
    for _ in range(40):
        trial = study.ask()
        space.suggest(trial, names)
        study.tell(trial, 0.0)
    frame = optuna.load_study(study_name="s", storage=storage).trials_dataframe()
    columns = [c[len("params_"):] for c in frame.columns if c.startswith("params_")]
    assert "algorithm" in columns and len(columns) > 20
    pattern = re.compile(r"^(?P<alg>[A-Za-z]+)__(?P<param>[A-Za-z0-9_]+?)(__(type|layers|\d+))?$")
    for column in columns:
        if column == "algorithm":
            continue
        found = pattern.match(column)
        assert found, column
        spec = space.get_algorithm(found["alg"])
        assert found["param"] in spec.param_names, column
        p = spec.param(found["param"])
        assert p.search or column == "SVC__tol", column  # not-tuned parameters only from the enqueued run
        assert found["param"] not in ("random_state", "n_jobs", "verbose"), column
    for column in frame.columns:
        values = frame[column].dropna()
        assert not values.astype(str).isin(["number", "fraction"]).any(), column
    rbf = frame[frame["params_algorithm"] == "SVC"].iloc[0]
    assert rbf["params_SVC__C"] == 2.0 and rbf["params_SVC__kernel"] == "poly" and rbf["params_SVC__tol"] == 0.01
    forest = frame[frame["params_algorithm"] == "RandomForestClassifier"]
    assert pd.api.types.is_numeric_dtype(forest["params_RandomForestClassifier__min_samples_split"])
    assert forest["params_RandomForestClassifier__min_samples_split"].iloc[0] == 4
    assert pd.isna(forest["params_RandomForestClassifier__max_depth__type"].iloc[0])  # max_depth=None


# --------------------------------------------------------------------------
# #16: the search range leaves out what costs minutes for nothing; the legal range keeps it
# --------------------------------------------------------------------------
EXPENSIVE = [
    ("GradientBoostingClassifier", {"max_depth": None, "n_estimators": 1000}),
    ("HistGradientBoostingClassifier", {"max_iter": 5000, "early_stopping": False}),
    ("SVC", {"kernel": "linear", "C": 32768.0}),
    ("LinearSVC", {"C": 32768.0}),
    ("AdaBoostClassifier", {"n_estimators": 1000, "estimator__max_depth": 10}),
    ("MLPClassifier", {"hidden_layer_sizes": [512, 512, 512, 512, 512]}),
    ("RandomForestClassifier", {"n_estimators": 2000}),
]


@pytest.mark.parametrize(("name", "params"), EXPENSIVE)
def test_expensive_regions_stay_valid_and_replayable_but_are_not_sampled(name, params):
    checked = space.validate_params(name, params)  # a knowledge-base run outside the search range
    back = space.from_trial_params(space.to_trial_params(name, checked))[1]
    assert {key: back.get(key) for key in checked} == checked
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(150):
        trial = study.ask()
        _, sampled = space.suggest(trial, [name])
        study.tell(trial, 0.0)
        for key, value in checked.items():
            if key not in sampled or isinstance(value, str):
                continue
            got = sampled[key]
            if value is None or isinstance(value, bool):
                assert got is not value, (key, sampled)
            elif isinstance(value, tuple):
                assert len(got) <= 3 and max(got) <= 256, sampled
            else:
                assert got < value, (key, sampled)


def test_default_search_algorithms_are_seven_strong_families():
    for task in ("binary", "multiclass", "regression"):
        names = space.default_search_algorithms(task)
        assert len(names) == 7 and set(names) <= set(space.algorithms_for(task))
        assert {space.get_algorithm(n).preprocessing for n in names} == {"native", "tree", "scale"}
    with pytest.raises(InvalidParamsError, match="'ranking' is not one of"):
        space.default_search_algorithms("ranking")


# --------------------------------------------------------------------------
# Typed parameters: keyword-only records, each kind validating and encoding itself
# --------------------------------------------------------------------------
def test_typed_parameters_are_keyword_only_and_validate_by_kind():
    from metalearn.space._params import Choice, Const, Flag, FloatParam, IntParam, IntTupleParam, Param

    with pytest.raises(TypeError):
        IntParam("degree", 0, 100)  # keyword arguments only
    with pytest.raises(TypeError):
        Param(name="abstract")  # the contract is abstract
    depth = IntParam(name="max_depth", low=1, high=64, default=None, choices=(None,))
    assert depth.validate(8.0, algorithm="A") == 8 and depth.validate(None, algorithm="A") is None
    with pytest.raises(InvalidParamsError, match=r"^A: parameter 'max_depth' = 0 is out of range; use an integer in \[1, 64\] or one of null$"):
        depth.validate(0, algorithm="A")
    rate = FloatParam(name="max_features", low=0.0001, high=1.0, int_ok=False)
    with pytest.raises(InvalidParamsError, match="is an integer"):
        rate.validate(1, algorithm="A")
    assert Choice(name="kernel", choices=("rbf", "linear")).validate("linear", algorithm="A") == "linear"
    with pytest.raises(InvalidParamsError, match="'kernel' = 'poly' is not allowed; use one of 'rbf', 'linear'"):
        Choice(name="kernel", choices=("rbf", "linear")).validate("poly", algorithm="A")
    with pytest.raises(InvalidParamsError, match="= 1 is not a boolean; use true or false"):
        Flag(name="shrinking", default=True).validate(1, algorithm="A")
    with pytest.raises(InvalidParamsError, match="= 2 is not allowed; use 1"):
        Const(name="k", default=1).validate(2, algorithm="A")
    layers = IntTupleParam(name="h", low=1, high=10, length=(1, 2))
    assert layers.validate([3.0, 4], algorithm="A") == (3, 4)
    with pytest.raises(InvalidParamsError, match="wrong length"):
        layers.validate([1, 2, 3], algorithm="A")
    # each kind writes the Optuna parameters its suggest reads back
    assert depth.encode("A__max_depth", None) == {"A__max_depth__type": None}
    assert depth.encode("A__max_depth", 8) == {"A__max_depth__type": "int", "A__max_depth": 8}
    assert layers.encode("A__h", (3, 4)) == {"A__h__layers": 2, "A__h__1": 3, "A__h__2": 4}
    assert Const(name="k", default=1).encode("A__k", 1) == {}
    for p, value in [(depth, None), (depth, 8), (layers, (3, 4)), (rate, 0.5)]:
        flat = p.encode("A__x", value)
        assert p.suggest(optuna.trial.FixedTrial(flat), "A__x", flat) == value
