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


def _modules_after(code: str) -> set[str]:
    """Top-level modules imported by a fresh interpreter running ``code``."""
    import subprocess
    import sys

    script = code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return set(proc.stdout.split("\n")[-2].split())


HEAVY_UNUSED = {"optuna", "matplotlib", "openml", "dask", "distributed"}


def test_cli_start_up_imports_neither_pandas_nor_scikit_learn():
    loaded = _modules_after("import metalearn.cli")
    assert "click" in loaded
    assert not loaded & ({"pandas", "numpy", "sklearn", "scipy"} | HEAVY_UNUSED)


def test_recommend_command_imports_no_search_plotting_or_openml_modules(tmp_path):
    kb = tmp_path / "kb.sqlite"
    loaded = _modules_after(
        "from click.testing import CliRunner\nfrom metalearn.cli import main\n"
        f"res = CliRunner().invoke(main, ['recommend', {str(KR)!r}, '--target', 'class', '--kb', {str(kb)!r}, '--json'])\n"
        "assert res.exit_code == 0, res.output\n"
        "assert json.loads(res.stdout)['recommendations'], res.output\n".replace("json.", "__import__('json')."),
    )
    assert {"pandas", "sqlite3"} <= loaded
    assert not loaded & HEAVY_UNUSED, loaded & HEAVY_UNUSED
