"""The `metalearn characterize` command."""

import json
from pathlib import Path

from click.testing import CliRunner

from metalearn.cli import main

KR = Path(__file__).resolve().parents[1] / "data" / "examples" / "kr-vs-kp.csv"


def test_table_by_group_and_json():
    runner = CliRunner()
    res = runner.invoke(main, ["characterize", str(KR), "--target", "class", "--groups", "general,statistical"])
    assert res.exit_code == 0, res.output
    assert "general (" in res.output and "statistical (" in res.output
    assert "NumberOfInstances" in res.output and "no numeric attributes" in res.output
    res = runner.invoke(main, ["characterize", str(KR), "--target", "class", "--json", "--groups", "general"])
    assert res.exit_code == 0
    values = json.loads(res.stdout)
    assert values["NumberOfInstances"] == 3196.0 and values["NumberOfClasses"] == 2.0


def test_unknown_group_is_a_one_line_error():
    res = CliRunner().invoke(main, ["characterize", str(KR), "--target", "class", "--groups", "nope"])
    assert res.exit_code == 2
    assert "Error: unknown meta-feature group 'nope'" in res.output
