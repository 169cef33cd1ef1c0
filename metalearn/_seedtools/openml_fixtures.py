"""Write ``tests/fixtures/openml/``: OpenML REST API responses for the offline import tests.

The local test server (``tests/openml_server.py``) answers openml-python's
requests with these files, in the OpenML server's own XML format.

Sources (see ``tests/fixtures/openml/README.md``):

* datasets 61 (iris) and 561 (cpu): the real OpenML records that scikit-learn
  ships as test fixtures (``sklearn/datasets/tests/data/openml/id_<N>/``):
  the JSON descriptions, features and server qualities, turned into the XML
  the server sends for ``data/<id>``, ``data/features/<id>`` and
  ``data/qualities/<id>``, and the ARFF data file;
* the evaluations: each configuration listed below is evaluated here with
  scikit-learn under the task's protocol (10-fold CV), so every stored score
  is a measured one.

Usage::

    python scripts/make_openml_fixtures.py          # rewrite tests/fixtures/openml/
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

#: Where the fixtures go, inside a checkout.
FIXTURES = Path("tests") / "fixtures" / "openml"
NS = 'xmlns:oml="http://openml.org/openml"'
#: Placeholder the test server replaces by its own ``http://127.0.0.1:<port>``.
BASE = "@@BASE@@"

# --------------------------------------------------------------------------- the records
TASKS = {
    # task id: dataset id, task type, target, measures
    59: dict(data_id=61, data_name="iris", type_id=1, type="Supervised Classification", target="class"),
    900301: dict(data_id=561, data_name="cpu", type_id=2, type="Supervised Regression", target="class"),
}
SUITE = dict(id=900401, alias="metalearn-fixture-suite", tasks=[59, 900301])

RF = "sklearn.ensemble.forest.RandomForestClassifier"
SVC_PIPE = "sklearn.pipeline.Pipeline(imputation=sklearn.preprocessing.imputation.Imputer,estimator=sklearn.svm.classes.SVC)"
KNN = "sklearn.neighbors.classification.KNeighborsClassifier"
J48 = "weka.J48"
BAG = "sklearn.ensemble.bagging.BaggingClassifier(base_estimator=sklearn.tree.tree.DecisionTreeClassifier)"
RFR = "sklearn.ensemble.forest.RandomForestRegressor"
RIDGE_PIPE = "sklearn.pipeline.Pipeline(scaler=sklearn.preprocessing.data.StandardScaler,estimator=sklearn.linear_model.ridge.Ridge)"

#: flow id -> (name, {component name: component flow id}) ; component flows of pipelines get their own ids.
FLOWS = {
    900001: (RF, {}),
    900002: (SVC_PIPE, {"imputation": 900011, "estimator": 900012}),
    900003: (KNN, {}),
    900004: (J48, {}),
    900005: (BAG, {"base_estimator": 900013}),
    900006: (RFR, {}),
    900007: (RIDGE_PIPE, {"scaler": 900014, "estimator": 900015}),
}
COMPONENTS = {
    900011: "sklearn.preprocessing.imputation.Imputer",
    900012: "sklearn.svm.classes.SVC",
    900013: "sklearn.tree.tree.DecisionTreeClassifier",
    900014: "sklearn.preprocessing.data.StandardScaler",
    900015: "sklearn.linear_model.ridge.Ridge",
}

# Constructor parameters as scikit-learn 0.20 serialised them (all of them, defaults included).
RF_BASE = dict(bootstrap=True, class_weight=None, criterion="gini", max_depth=None, max_features="sqrt",
               max_leaf_nodes=None, min_impurity_decrease=0.0, min_impurity_split=None, min_samples_leaf=1,
               min_samples_split=2, min_weight_fraction_leaf=0.0, n_estimators=10, n_jobs=1, oob_score=False,
               random_state=0, verbose=0, warm_start=False)
SVC_BASE = dict(C=1.0, cache_size=200, class_weight=None, coef0=0.0, decision_function_shape="ovr", degree=3,
                gamma="auto", kernel="rbf", max_iter=-1, probability=True, random_state=0, shrinking=True,
                tol=0.001, verbose=False)
IMPUTER = dict(axis=0, copy=True, missing_values="NaN", strategy="mean", verbose=0)
KNN_BASE = dict(algorithm="auto", leaf_size=30, metric="minkowski", metric_params=None, n_jobs=1, n_neighbors=5,
                p=2, weights="uniform")
BAG_BASE = dict(bootstrap=True, bootstrap_features=False, max_features=1.0, max_samples=1.0, n_estimators=10,
                n_jobs=1, oob_score=False, random_state=0, verbose=0, warm_start=False)
TREE_BASE = dict(class_weight=None, criterion="gini", max_depth=None, max_features=None, max_leaf_nodes=None,
                 min_impurity_decrease=0.0, min_impurity_split=None, min_samples_leaf=1, min_samples_split=2,
                 min_weight_fraction_leaf=0.0, presort=False, random_state=0, splitter="best")
RFR_BASE = dict(RF_BASE, criterion="mse", max_features="auto")
RIDGE_BASE = dict(alpha=1.0, copy_X=True, fit_intercept=True, max_iter=None, normalize=False, random_state=None,
                  solver="auto", tol=0.001)
SCALER = dict(copy=True, with_mean=True, with_std=True)

#: setup id -> (flow id, {component (or "" for the flow itself): params}), run ids in order.
SETUPS = {
    900101: (900001, {"": dict(RF_BASE, n_estimators=10)}),
    900102: (900001, {"": dict(RF_BASE, n_estimators=100, criterion="entropy", max_features=0.5)}),
    900103: (900001, {"": dict(RF_BASE, n_estimators=50, max_depth=3)}),
    900104: (900001, {"": dict(RF_BASE, n_estimators=-3, max_features="sqrt")}),  # invalid on purpose
    900105: (900002, {"imputation": IMPUTER, "estimator": dict(SVC_BASE, C=1.0, gamma=0.1)}),
    900106: (900002, {"imputation": IMPUTER, "estimator": dict(SVC_BASE, C=10.0, gamma=0.01)}),
    900107: (900002, {"imputation": IMPUTER, "estimator": dict(SVC_BASE, C=0.1, kernel="linear")}),
    900108: (900003, {"": dict(KNN_BASE, n_neighbors=1)}),
    900109: (900003, {"": dict(KNN_BASE, n_neighbors=5)}),
    900110: (900003, {"": dict(KNN_BASE, n_neighbors=15, weights="distance")}),
    900111: (900004, {"": {"C": 0.25, "M": 2}}),
    900112: (900005, {"": BAG_BASE, "base_estimator": TREE_BASE}),
    900113: (900006, {"": dict(RFR_BASE, n_estimators=10, max_features=1.0)}),
    900114: (900006, {"": dict(RFR_BASE, n_estimators=100, max_features=0.5)}),
    900115: (900007, {"scaler": SCALER, "estimator": dict(RIDGE_BASE, alpha=1.0)}),
    900116: (900007, {"scaler": SCALER, "estimator": dict(RIDGE_BASE, alpha=10.0)}),
}
#: run id -> (task id, setup id). Run 900215 repeats setup 900109 (OpenML holds such repeated runs).
RUNS = {
    900201: (59, 900101), 900202: (59, 900102), 900203: (59, 900103), 900204: (59, 900104),
    900205: (59, 900105), 900206: (59, 900106), 900207: (59, 900107), 900208: (59, 900108),
    900209: (59, 900109), 900210: (59, 900110), 900211: (59, 900111), 900212: (59, 900112),
    900213: (900301, 900113), 900214: (900301, 900114), 900215: (59, 900109),
    900216: (900301, 900115), 900217: (900301, 900116),
}
UPLOADER = (900501, "metalearn-fixtures")


# --------------------------------------------------------------------------- measuring
def _sklearn_fixture(data_id: int, prefix: str) -> dict:
    import sklearn

    folder = Path(sklearn.__file__).parent / "datasets" / "tests" / "data" / "openml" / f"id_{data_id}"
    (path,) = folder.glob(f"{prefix}*.gz")
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    return raw if prefix.startswith("data-") else json.loads(raw)


def _frame(data_id: int) -> tuple[pd.DataFrame, pd.Series]:
    import arff

    text = _sklearn_fixture(data_id, "data-v1-dl-").decode("utf-8")
    decoded = arff.loads(text)
    names = [a[0] for a in decoded["attributes"]]
    frame = pd.DataFrame(decoded["data"], columns=names)
    y = frame.pop("class")
    return frame, y


def _estimator(setup_id: int):
    """The estimator a setup describes, in today's scikit-learn (for measuring its score)."""
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import BaggingClassifier, RandomForestClassifier, RandomForestRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    flow_id, params = SETUPS[setup_id]
    own = params.get("", {})
    drop = {"min_impurity_split", "presort", "normalize", "n_jobs", "verbose"}

    def keep(p, allowed):
        return {k: v for k, v in p.items() if k in allowed and k not in drop}

    if flow_id == 900001:
        p = keep(own, RandomForestClassifier().get_params())
        if p["n_estimators"] < 1:  # setup 900104, invalid on purpose: its score is measured with 30 trees
            p["n_estimators"] = 30
        return RandomForestClassifier(**p)
    if flow_id == 900002:
        return make_pipeline(SimpleImputer(), SVC(**keep(params["estimator"], SVC().get_params())))
    if flow_id == 900003:
        return KNeighborsClassifier(**keep(own, KNeighborsClassifier().get_params()))
    if flow_id == 900004:  # weka.J48 stand-in: a pruned tree; the import never reads unmapped runs' scores
        return DecisionTreeClassifier(min_samples_leaf=2, random_state=0)
    if flow_id == 900005:
        return BaggingClassifier(DecisionTreeClassifier(random_state=0), **keep(own, BaggingClassifier().get_params()))
    enc = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["vendor"]), remainder=StandardScaler()
    )
    if flow_id == 900006:
        p = keep(own, RandomForestRegressor().get_params())
        p["criterion"] = "squared_error"  # "mse" was renamed
        return make_pipeline(enc, RandomForestRegressor(**p))
    if flow_id == 900007:
        return make_pipeline(enc, Ridge(**keep(params["estimator"], Ridge().get_params())))
    raise AssertionError(flow_id)


#: Runs whose listing carries only the CPU-time measure (left out on purpose: the import falls back on it),
#: and a run with no timing measure at all (its fit time stays empty).
CPU_TIME_ONLY = {900208, 900209, 900210}
NO_TIMING = {900203}


def measure() -> dict[tuple[int, str], float]:
    """Every run's value under each of its task's measures (10-fold CV, as the tasks say).

    Scores are the mean over folds; the training times (``wall_clock_time_millis_training``,
    ``usercpu_time_millis_training``) are the sums over folds of the measured ``fit`` calls, in
    milliseconds, as OpenML reports them for a run.
    """
    from sklearn.base import clone
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import KFold, StratifiedKFold

    values = {}
    for run_id, (task_id, setup_id) in sorted(RUNS.items()):
        task = TASKS[task_id]
        X, y = _frame(task["data_id"])
        if task["type_id"] == 1:
            cv = StratifiedKFold(10, shuffle=True, random_state=run_id)
            scoring = {"predictive_accuracy": "accuracy", "area_under_roc_curve": "roc_auc_ovr_weighted"}
        else:
            cv = KFold(10, shuffle=True, random_state=run_id)
            scoring = {"root_mean_squared_error": "neg_root_mean_squared_error"}
        folds = {name: [] for name in scoring}
        wall = cpu = 0.0
        for train, test in cv.split(X, y):
            model = clone(_estimator(setup_id))
            w0, c0 = time.perf_counter(), time.process_time()
            model.fit(X.iloc[train], y.iloc[train])
            wall += time.perf_counter() - w0
            cpu += time.process_time() - c0
            for name, scorer in scoring.items():
                folds[name].append(get_scorer(scorer)(model, X.iloc[test], y.iloc[test]))
        for measure_name in scoring:
            value = float(np.mean(folds[measure_name]))
            values[run_id, measure_name] = -value if measure_name == "root_mean_squared_error" else value
        if run_id not in NO_TIMING:
            values[run_id, "usercpu_time_millis_training"] = round(1000 * cpu, 4)
            if run_id not in CPU_TIME_ONLY:
                values[run_id, "wall_clock_time_millis_training"] = round(1000 * wall, 4)
    return values


# --------------------------------------------------------------------------- writing XML
def _el(name: str, value) -> str:
    if value is None:
        return f"<oml:{name}/>"
    return f"<oml:{name}>{escape(str(value))}</oml:{name}>"


def _xml(out: Path) -> Path:
    return out / "api" / "v1" / "xml"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_dataset(out: Path, data_id: int) -> None:
    desc = _sklearn_fixture(data_id, "api-v1-jd-")["data_set_description"]
    arff_bytes = _sklearn_fixture(data_id, "data-v1-dl-")
    file_name = f"{desc['name']}.arff"
    _write_bytes(out / "data" / "v1" / "download" / str(data_id) / file_name, arff_bytes)
    fields = []
    for key, value in desc.items():
        if key == "url":
            value = f"{BASE}/data/v1/download/{data_id}/{file_name}"
        elif key == "md5_checksum":  # of the file we serve
            value = hashlib.md5(arff_bytes).hexdigest()
        elif key == "file_id":
            value = data_id
        if isinstance(value, list):
            fields.extend(_el(key, v) for v in value)
        else:
            fields.append(_el(key, value))
    _write(_xml(out) / "data" / f"{data_id}.xml",
           f"<oml:data_set_description {NS}>\n  " + "\n  ".join(fields) + "\n</oml:data_set_description>\n")

    feats = _sklearn_fixture(data_id, "api-v1-jdf-")["data_features"]["feature"]
    blocks = []
    for f in feats:
        inner = [_el("index", f["index"]), _el("name", f["name"]), _el("data_type", f["data_type"])]
        inner += [_el("nominal_value", v) for v in json.loads(f.get("nominal_values") or "[]")]
        inner += [_el(k, f[k]) for k in ("is_target", "is_ignore", "is_row_identifier", "number_of_missing_values")]
        blocks.append("  <oml:feature>\n    " + "\n    ".join(inner) + "\n  </oml:feature>")
    _write(_xml(out) / "data" / "features" / f"{data_id}.xml", f"<oml:data_features {NS}>\n" + "\n".join(blocks) + "\n</oml:data_features>\n")

    quals = _sklearn_fixture(data_id, "api-v1-jdq-")["data_qualities"]["quality"]
    blocks = []
    for q in quals:
        value = q["value"] if not isinstance(q["value"], list) else None
        blocks.append(f"  <oml:quality>{_el('name', q['name'])}{_el('value', value)}</oml:quality>")
    _write(_xml(out) / "data" / "qualities" / f"{data_id}.xml", f"<oml:data_qualities {NS}>\n" + "\n".join(blocks) + "\n</oml:data_qualities>\n")


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_task(out: Path, task_id: int) -> None:
    t = TASKS[task_id]
    measure_name = "predictive_accuracy" if t["type_id"] == 1 else "root_mean_squared_error"
    text = f"""<oml:task {NS}>
  <oml:task_id>{task_id}</oml:task_id>
  <oml:task_name>Task {task_id}: {t['data_name']} ({t['type']})</oml:task_name>
  <oml:task_type_id>{t['type_id']}</oml:task_type_id>
  <oml:task_type>{t['type']}</oml:task_type>
  <oml:input name="source_data">
    <oml:data_set>
      <oml:data_set_id>{t['data_id']}</oml:data_set_id>
      <oml:target_feature>{t['target']}</oml:target_feature>
    </oml:data_set>
  </oml:input>
  <oml:input name="estimation_procedure">
    <oml:estimation_procedure>
      <oml:id>{1 if t['type_id'] == 1 else 7}</oml:id>
      <oml:type>crossvalidation</oml:type>
      <oml:data_splits_url>{BASE}/api_splits/get/{task_id}/Task_{task_id}_splits.arff</oml:data_splits_url>
      <oml:parameter name="number_repeats">1</oml:parameter>
      <oml:parameter name="number_folds">10</oml:parameter>
      <oml:parameter name="percentage"></oml:parameter>
      <oml:parameter name="stratified_sampling">{'true' if t['type_id'] == 1 else 'false'}</oml:parameter>
    </oml:estimation_procedure>
  </oml:input>
  <oml:input name="evaluation_measures">
    <oml:evaluation_measures>
      <oml:evaluation_measure>{measure_name}</oml:evaluation_measure>
    </oml:evaluation_measures>
  </oml:input>
  <oml:output name="predictions">
    <oml:predictions>
      <oml:format>ARFF</oml:format>
      <oml:feature name="repeat" type="integer"/>
      <oml:feature name="fold" type="integer"/>
      <oml:feature name="row_id" type="integer"/>
      <oml:feature name="prediction" type="string"/>
    </oml:predictions>
  </oml:output>
</oml:task>
"""
    _write(_xml(out) / "task" / f"{task_id}.xml", text)


def write_suite(out: Path) -> None:
    tasks = "\n".join(f"    <oml:task_id>{t}</oml:task_id>" for t in SUITE["tasks"])
    data = "\n".join(f"    <oml:data_id>{TASKS[t]['data_id']}</oml:data_id>" for t in SUITE["tasks"])
    text = f"""<oml:study {NS}>
  <oml:id>{SUITE['id']}</oml:id>
  <oml:alias>{SUITE['alias']}</oml:alias>
  <oml:main_entity_type>task</oml:main_entity_type>
  <oml:name>metalearn test fixture suite</oml:name>
  <oml:description>Tasks served by metalearn's offline OpenML test server.</oml:description>
  <oml:visibility>public</oml:visibility>
  <oml:status>active</oml:status>
  <oml:creation_date>2026-01-01T00:00:00</oml:creation_date>
  <oml:creator>{UPLOADER[0]}</oml:creator>
  <oml:data>
{data}
  </oml:data>
  <oml:tasks>
{tasks}
  </oml:tasks>
</oml:study>
"""
    _write(_xml(out) / "study" / f"{SUITE['id']}.xml", text)
    _write(_xml(out) / "study" / f"{SUITE['alias']}.xml", text)


def _param_type(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "str"


def _setup_body(setup_id: int) -> str:
    flow_id, params = SETUPS[setup_id]
    flow_name, components = FLOWS[flow_id]
    parts = [_el("setup_id", setup_id), _el("flow_id", flow_id)]
    input_id = setup_id * 100
    blocks = []
    if components and flow_name.startswith("sklearn.pipeline.Pipeline"):
        steps = [{"oml-python:serialized_object": "component_reference", "value": {"key": k, "step_name": k}}
                 for k in components]
        own = {"memory": None, "steps": steps}
    else:
        own = params.get("", {})
    owners = [(flow_id, flow_name, own)]
    owners += [(cid, COMPONENTS[cid], params.get(key, {})) for key, cid in components.items()]
    for owner_id, owner_name, values in owners:
        for name, value in sorted(values.items()):
            input_id += 1
            encoded = json.dumps(value) if not (owner_name.startswith("weka.")) else str(value)
            blocks.append(
                "<oml:parameter>"
                + _el("id", input_id) + _el("flow_id", owner_id) + _el("flow_name", owner_name)
                + _el("full_name", f"{owner_name}({owner_id % 100})_{name}") + _el("parameter_name", name)
                + _el("data_type", _param_type(value)) + _el("default_value", None) + _el("value", encoded)
                + "</oml:parameter>"
            )
    return "\n    ".join(parts + blocks)


def write_setups(out: Path) -> None:
    for setup_id in SETUPS:
        _write(_xml(out) / "setup" / f"{setup_id}.xml",
               f"<oml:setup_parameters {NS}>\n    {_setup_body(setup_id)}\n</oml:setup_parameters>\n")


def write_evaluations(out: Path, scores: dict[tuple[int, str], float]) -> None:
    blocks = []
    for (run_id, measure_name), value in sorted(scores.items()):
        task_id, setup_id = RUNS[run_id]
        flow_id = SETUPS[setup_id][0]
        task = TASKS[task_id]
        fields = [
            _el("run_id", run_id), _el("task_id", task_id), _el("setup_id", setup_id), _el("flow_id", flow_id),
            _el("flow_name", f"{FLOWS[flow_id][0]}(1)"), _el("data_id", task["data_id"]),
            _el("data_name", task["data_name"]), _el("function", measure_name),
            _el("upload_time", "2026-01-01T00:00:00"), _el("uploader", UPLOADER[0]), _el("value", repr(value)),
        ]
        blocks.append("  <oml:evaluation>\n    " + "\n    ".join(fields) + "\n  </oml:evaluation>")
    _write(_xml(out) / "evaluations.xml", f"<oml:evaluations {NS}>\n" + "\n".join(blocks) + "\n</oml:evaluations>\n")
    _write(_xml(out) / "users.xml",
           f"<oml:users {NS}>\n  <oml:user>{_el('id', UPLOADER[0])}{_el('username', UPLOADER[1])}</oml:user>\n</oml:users>\n")


def main(repo: Path | None = None) -> int:
    """Rewrite the fixtures under ``repo`` (default: the current directory), then print the measured scores."""
    out = (Path.cwd() if repo is None else repo) / FIXTURES
    for data_id in sorted({t["data_id"] for t in TASKS.values()}):
        write_dataset(out, data_id)
    for task_id in TASKS:
        write_task(out, task_id)
    write_suite(out)
    write_setups(out)
    scores = measure()
    write_evaluations(out, scores)
    for (run_id, measure_name), value in sorted(scores.items()):
        print(f"run {run_id} {measure_name:>24}: {value:.4f}")
    return 0
