"""Leakage and data-quality warnings at the start of a search, and --drop (#14 item 7), on titanic."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import metalearn
from metalearn.cli import main
from metalearn.exceptions import DataError, MetaLearnError

TITANIC = "data/examples/titanic.csv"
QUICK = dict(algorithms=["GaussianNB"], n_trials=1, warm_start=0, write_back=False, refit=False, cv=3, seed=0)


@pytest.fixture(scope="module")
def titanic():
    return metalearn.load_dataset(TITANIC, "survived")


def test_search_warns_of_leaking_and_identifier_columns(titanic):
    r = metalearn.search(titanic, **QUICK)
    text = "\n".join(r.warnings)
    assert "'boat' alone predicts the target" in text
    assert "'body' is present in" in text
    assert "'name' is identifier-like" in text
    assert "--drop 'boat'" in text


def test_drop_removes_the_columns_and_their_warnings(titanic):
    r = metalearn.search(titanic, drop=["boat", "body"], **QUICK)
    text = "\n".join(r.warnings)
    assert "'boat' alone" not in text and "'body' is present" not in text
    assert "dropped column(s) 'boat', 'body' as asked" in text
    assert r.content_hash != titanic.content_hash  # another dataset now
    dropped = titanic.drop(["boat", "body"])
    assert "boat" not in dropped.X.columns and "body" not in dropped.X.columns
    assert dropped.X.shape[1] == titanic.X.shape[1] - 2
    assert r.content_hash == dropped.content_hash


def test_drop_of_an_unknown_column_or_the_target_is_one_line(titanic):
    with pytest.raises(DataError, match=r"cannot drop 'boats': titanic has no such feature column; it has: pclass"):
        metalearn.search(titanic, drop=["boats"], **QUICK)
    with pytest.raises(MetaLearnError, match="it is the target"):
        titanic.drop("survived")


def test_cli_prints_the_warnings_before_the_trials_and_drops():
    runner = CliRunner()
    args = ["search", TITANIC, "--target", "survived", "--trials", "1", "--no-warm-start", "--no-write-back",
            "--algorithms", "GaussianNB", "--cv", "3"]
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    err = res.stderr
    assert "Warning: column 'boat' alone predicts the target" in err
    assert "add --drop boat" in err
    res = runner.invoke(main, args + ["--drop", "boat", "--drop", "body"])
    assert res.exit_code == 0, res.output
    assert "'boat' alone" not in res.stderr
    res = runner.invoke(main, args + ["--drop", "boats"])
    assert res.exit_code == 2
    assert "cannot drop 'boats'" in res.output
    assert "Traceback" not in res.output
