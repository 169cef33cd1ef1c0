"""The bad-input table (#15): the CLI run as a user runs it over bad files, columns, values, paths and
KBs across characterize, inspect, recommend, search, predict, export, algorithms and kb.

Each case must end with exit code 2 (1 for ``kb check`` finding problems), no traceback, exactly one
``Error: ...`` line on stderr (click's usage errors add their ``Usage:``/``Try`` lines above it) naming
the file, column, parameter or value, and nothing else on stderr but ``Warning: ...`` lines. A few
cases are documented warned repairs: exit 0 and the named ``Warning:`` line.

Most cases run in this process through click's CliRunner (one import of the library instead of one
per case); ``SUBPROCESS_CASES`` run the installed ``metalearn`` executable, proving the real program
exits 2 with one line and no traceback. Each case is tiny (a few rows, one trial at most, and most fail
before any trial).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from metalearn.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"
KR = str(EXAMPLES / "kr-vs-kp.csv")
PENGUINS = str(EXAMPLES / "penguins.csv")


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple
    needle: str  # must appear in the Error/Warning line (the named file, column, parameter or value)
    code: int = 2
    repair: bool = False  # a documented warned repair: exit 0 with a "Warning:" line holding needle
    absent: str | None = None  # must not appear anywhere (e.g. "--force" on a healthy KB)


def _files(d: Path) -> dict:
    """The bad inputs, made in the test (real data from data/examples where a real file is needed)."""
    f = {}
    (d / "empty.csv").write_text("")
    (d / "header.csv").write_text("a,b,y\n")
    (d / "tiny.csv").write_text("a,b,y\n1,2,0\n3,4,1\n")
    (d / "perrow.csv").write_text("a,b,y\n" + "".join(f"{i},{i % 7},c{i}\n" for i in range(40)))
    rows = [line for line in Path(PENGUINS).read_text().splitlines()]
    header, body = rows[0], rows[1::6]  # every 6th row: all three species
    cols = header.split(",")
    t = cols.index("species")
    missing = [",".join("" if j == t and i < 4 else v for j, v in enumerate(r.split(","))) for i, r in enumerate(body)]
    (d / "missing_target.csv").write_text("\n".join([header] + missing) + "\n")
    (d / "penguins60.csv").write_text("\n".join([header] + body) + "\n")
    (d / "latin1.csv").write_bytes("name,y\ncaf\xe9,1\nna\xefve,0\nb,1\nc,0\n".encode("latin-1"))
    (d / "binary.csv").write_bytes(bytes(range(256)) * 8)
    (d / "data.xyz").write_text("a,b\n1,2\n")
    (d / "ragged.csv").write_text("a,b,y\n1,2,0\n3,4,5,6,7\n1,2\n")
    (d / "one_col.csv").write_text("y\n1\n0\n1\n0\n")
    (d / "constant_target.csv").write_text("a,y\n" + "".join(f"{i},1\n" for i in range(20)))
    (d / "notakb.sqlite").write_bytes(b"this is not an SQLite database\n" * 100)
    (d / "notamodel.joblib").write_text("not a model\n")
    (d / "a_file").write_text("x")
    (d / "adir").mkdir()
    (d / "portfolio.json").write_text("{not json")
    f.update({k.stem: str(k) for k in d.iterdir()})
    return f


def _cases(f: dict, kb: str, ro_kb: str | None) -> list[Case]:
    d = Path(f["empty"]).parent
    miss = str(d / "no-such-file.csv")
    cases = [
        # --- characterize / inspect: files ---
        Case("characterize-missing-file", ("characterize", miss), "no-such-file.csv"),
        Case("characterize-empty-file", ("characterize", f["empty"]), "empty.csv"),
        Case("characterize-header-only", ("characterize", f["header"]), "header.csv"),
        Case("characterize-binary", ("characterize", f["binary"]), "binary.csv"),
        Case("characterize-unknown-extension", ("characterize", f["data"]), "data.xyz"),
        Case("characterize-directory", ("characterize", f["adir"]), "adir"),
        Case("characterize-bad-target", ("characterize", KR, "--target", "no_such_col"), "no_such_col"),
        Case("characterize-bad-group", ("characterize", KR, "--target", "class", "--groups", "nogroup"), "nogroup"),
        Case("characterize-bad-task", ("characterize", KR, "--task", "ranking"), "ranking"),
        Case("characterize-regression-on-strings", ("characterize", KR, "--target", "class", "--task", "regression"),
             "class"),
        Case("characterize-one-column", ("characterize", f["one_col"], "--target", "y"), "one_col.csv"),
        Case("characterize-missing-targets", ("characterize", f["missing_target"], "--target", "species",
                                             "--groups", "general"), "4 row", code=0, repair=True),
        Case("inspect-missing-file", ("inspect", miss), "no-such-file.csv"),
        Case("inspect-latin1-as-utf8", ("inspect", f["latin1"]), "latin1.csv"),
        Case("inspect-bad-encoding-name", ("inspect", KR, "--encoding", "no-such-codec"), "no-such-codec"),
        Case("inspect-ragged", ("inspect", f["ragged"]), "ragged.csv"),
        Case("inspect-bad-target", ("inspect", PENGUINS, "--target", "Species"), "Species"),
        # --- recommend ---
        Case("recommend-unknown-metric", ("recommend", KR, "--target", "class", "--metric", "no_such_metric"),
             "no_such_metric"),
        Case("recommend-regression-metric-on-classification", ("recommend", KR, "--target", "class", "--metric", "r2"),
             "r2"),
        Case("recommend-metric-typo", ("recommend", KR, "--target", "class", "--metric", "roc_aucc"), "roc_auc"),
        Case("recommend-top-zero", ("recommend", KR, "--target", "class", "--top", "0"), "--top"),
        Case("recommend-missing-file", ("recommend", miss), "no-such-file.csv"),
        Case("recommend-garbage-kb", ("recommend", KR, "--target", "class", "--kb", f["notakb"]), "notakb.sqlite"),
        Case("recommend-kb-is-a-directory", ("recommend", KR, "--target", "class", "--kb", f["adir"]), "adir"),
        Case("recommend-constant-target", ("recommend", f["constant_target"], "--target", "y"), "y"),
        # --- search ---
        Case("search-two-rows", ("search", f["tiny"], "--target", "y", "--trials", "1", "--cv", "2", "--no-write-back"),
             "class for every row"),
        Case("search-class-per-row", ("search", f["perrow"], "--target", "y", "--trials", "1", "--no-write-back"),
             "class"),
        Case("search-output-no-such-dir", ("search", KR, "--target", "class", "--trials", "1",
                                           "--output", str(d / "no-such-dir" / "model.joblib")), "no-such-dir"),
        Case("search-output-is-a-directory", ("search", KR, "--target", "class", "--trials", "1", "--output", f["adir"]),
             "adir"),
        Case("search-plot-no-such-dir", ("search", KR, "--target", "class", "--trials", "1",
                                         "--plot", str(d / "no-such-dir" / "conv.png")), "no-such-dir"),
        Case("search-unknown-metric", ("search", KR, "--target", "class", "--trials", "1", "--metric", "no_such_metric"),
             "no_such_metric"),
        Case("search-r2-on-classification", ("search", KR, "--target", "class", "--trials", "1", "--metric", "r2"), "r2"),
        Case("search-unknown-algorithm", ("search", KR, "--target", "class", "--trials", "1", "--no-write-back",
                                          "--algorithms", "XGBoost"), "XGBoost"),
        Case("search-regressor-for-classification", ("search", KR, "--target", "class", "--trials", "1",
                                                     "--no-write-back", "--algorithms", "Ridge"), "Ridge"),
        Case("search-cv-one", ("search", KR, "--target", "class", "--cv", "1"), "--cv"),
        Case("search-negative-budget", ("search", KR, "--target", "class", "--time-budget", "-5"), "--time-budget"),
        Case("search-zero-trials", ("search", KR, "--target", "class", "--trials", "0"), "--trials"),
        Case("search-bad-target", ("search", KR, "--target", "nope", "--trials", "1"), "nope"),
        Case("search-missing-file", ("search", miss, "--trials", "1"), "no-such-file.csv"),
        Case("search-garbage-kb", ("search", KR, "--target", "class", "--trials", "1", "--kb", f["notakb"]),
             "notakb.sqlite"),
        Case("search-bad-storage-url", ("search", KR, "--target", "class", "--trials", "1", "--no-write-back",
                                        "--storage", "nosuchdb://x"), "nosuchdb"),
        # --- predict / export ---
        Case("predict-missing-model", ("predict", str(d / "no-such-model.joblib"), PENGUINS), "no-such-model.joblib"),
        Case("predict-not-a-model", ("predict", f["notamodel"], PENGUINS), "notamodel.joblib"),
        Case("predict-output-no-such-dir", ("predict", f["notamodel"], PENGUINS, "-o", str(d / "nodir" / "p.csv")),
             "nodir"),
        Case("export-missing-model", ("export", str(d / "no-such-model.joblib"), "--python", str(d / "s.py")),
             "no-such-model.joblib"),
        Case("export-not-a-model", ("export", f["notamodel"], "--python", str(d / "s.py")), "notamodel.joblib"),
        # --- algorithms ---
        Case("algorithms-bad-task", ("algorithms", "--task", "ranking"), "ranking"),
        # --- kb ---
        Case("kb-check-missing-kb", ("kb", "check", "--kb", str(d / "no-such-kb.sqlite")), "no-such-kb.sqlite"),
        Case("kb-info-garbage-kb", ("kb", "info", "--kb", f["notakb"]), "notakb.sqlite"),
        Case("kb-check-garbage-kb", ("kb", "check", "--kb", f["notakb"]), "notakb.sqlite"),
        Case("kb-upgrade-garbage-kb", ("kb", "upgrade", "--kb", f["notakb"]), "notakb.sqlite"),
        Case("kb-init-existing", ("kb", "init", "--kb", kb), "--force"),
        Case("kb-export-into-a-file", ("kb", "export", "--kb", kb, "-o", f["a_file"]), "a_file"),
        Case("kb-export-bad-format", ("kb", "export", "--kb", kb, "--format", "xlsx", "-o", str(d / "out")), "xlsx"),
        Case("kb-build-missing-dataset", ("kb", "build", miss, "--kb", str(d / "build.sqlite"), "--no-characterize"),
             "no-such-file.csv"),
        Case("kb-build-bad-portfolio-file", ("kb", "build", KR, "--target", "class", "--kb", str(d / "build2.sqlite"),
                                             "--portfolio", f["portfolio"], "--no-characterize"), "portfolio.json"),
        Case("kb-build-bad-portfolio-spec", ("kb", "build", KR, "--target", "class", "--kb", str(d / "build3.sqlite"),
                                             "--portfolio", "random:x", "--no-characterize"), "random:x"),
    ]
    if ro_kb is not None:
        cases += [
            Case("read-only-kb-search-write-back", ("search", f["penguins60"], "--target", "species", "--trials", "1",
                                                    "--cv", "2", "--kb", ro_kb), "--no-write-back", absent="--force"),
            Case("read-only-kb-info", ("kb", "info", "--kb", ro_kb), "", code=0, absent="--force"),
            Case("read-only-kb-recommend", ("recommend", f["penguins60"], "--target", "species", "--kb", ro_kb), "",
                 code=0, absent="--force"),
        ]
    return cases


#: Cases run through the installed ``metalearn`` executable, as a user's shell runs it: a library error
#: naming a file, an SQLite error translated in the one place, and a click usage error. The others run in
#: this process through click's CliRunner, under the same environment, folder and warning filters.
SUBPROCESS_CASES = ("characterize-missing-file", "recommend-garbage-kb", "search-cv-one")


def _executable() -> str:
    return shutil.which("metalearn") or str(Path(sys.executable).with_name("metalearn"))


def _run(case: Case, env: dict, cwd: Path) -> tuple[int, str, str]:
    """The installed executable in its own process: (exit code, stderr, stdout)."""
    done = subprocess.run([_executable(), *case.args], capture_output=True, text=True, env=env, cwd=cwd, timeout=240)
    return done.returncode, done.stderr, done.stdout


def _print_warning(message, category, filename, lineno, file=None, line=None) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _invoke(case: Case, env: dict, cwd: Path, capfd) -> tuple[int, str, str]:
    """The CLI in this process as a user's shell runs it: (exit code, stderr, stdout).

    The case's environment and working folder; Python's default warning filters with warnings printed
    on stderr (not pytest's recording); what reaches file descriptors 1 and 2 around click's captured
    streams (e.g. a library writing to the real stderr) is added to them. An exception escaping the
    command (a traceback for a user) fails the case.
    """
    capfd.readouterr()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with warnings.catch_warnings():
            warnings.resetwarnings()  # Python's defaults for a program run from the shell:
            warnings.filterwarnings("default", category=DeprecationWarning, module="__main__", append=True)
            for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                warnings.filterwarnings("ignore", category=category, append=True)
            warnings.showwarning = _print_warning
            result = CliRunner().invoke(main, list(case.args), env=env)
    finally:
        os.chdir(old)
    around = capfd.readouterr()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(*result.exc_info))
        pytest.fail(f"{case.id}: the command raised (a user would see this traceback):\n{trace}")
    return result.exit_code, result.stderr + around.err, result.stdout + around.out


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    f = _files(d)
    kb = str(d / "kb.sqlite")
    env = {**os.environ, "METALEARN_KB": kb, "OMP_NUM_THREADS": "1", "COLUMNS": "120"}
    env.pop("METALEARN_DEBUG", None)
    subprocess.run([_executable(), "kb", "init", "--kb", kb], check=True, env=env, capture_output=True)
    ro_dir = d / "ro"
    ro_dir.mkdir()
    ro_kb = ro_dir / "kb.sqlite"
    shutil.copy(kb, ro_kb)
    immutable = shutil.which("chattr") is not None and subprocess.run(
        ["chattr", "+i", str(ro_kb), str(ro_dir)], capture_output=True).returncode == 0
    cases = _cases(f, kb, str(ro_kb) if immutable else None)
    try:
        yield {c.id: c for c in cases}, {**env, "METALEARN_DEBUG": None}, d
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(ro_kb), str(ro_dir)], check=True)


CASE_IDS = [c.id for c in _cases({k: "/x/" + k for k in (
    "empty header tiny perrow missing_target penguins60 latin1 binary data ragged one_col constant_target notakb "
    "notamodel a_file adir portfolio").split()}, "/x/kb", "/x/ro")]


def test_the_table_has_at_least_40_cases_over_every_command():
    assert len(CASE_IDS) >= 40 and len(set(CASE_IDS)) == len(CASE_IDS)
    for prefix in ("characterize", "inspect", "recommend", "search", "predict", "kb"):
        assert any(i.startswith(prefix) for i in CASE_IDS), prefix


def test_some_cases_run_the_installed_executable():
    assert len(SUBPROCESS_CASES) >= 2 and set(SUBPROCESS_CASES) <= set(CASE_IDS)
    assert Path(_executable()).is_file(), "the metalearn executable is not installed"


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_bad_input_gives_one_clear_line(table, case_id, capfd):
    cases, env, cwd = table
    if case_id not in cases:
        pytest.skip("chattr +i refused here: no read-only directory to test")
    case = cases[case_id]
    if case_id in SUBPROCESS_CASES:
        code, stderr, stdout = _run(case, {k: v for k, v in env.items() if v is not None}, cwd)
    else:
        code, stderr, stdout = _invoke(case, env, cwd, capfd)
    out = stderr + stdout
    assert "Traceback" not in out, out
    assert code == case.code, f"exit {code}, expected {case.code}:\n{out}"
    if case.absent is not None:
        assert case.absent not in out, out
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    if case.code == 0:
        assert not errors, stderr
        if case.repair:
            assert any(line.startswith("Warning:") and case.needle in line for line in lines), stderr
        return
    assert len(errors) == 1, stderr
    assert case.needle in errors[0], f"{case.needle!r} not named in: {errors[0]}"
    usage = errors[0].startswith("Error: Invalid value") or errors[0].startswith("Error: No such option") or \
        any(line.startswith("Usage:") for line in lines)
    others = [line for line in lines if not line.startswith(("Error:", "Warning:"))]
    if usage:  # click's usage error: "Usage: ..." and "Try ... for help." above the error
        assert all(line.startswith(("Usage:", "Try ")) for line in others), stderr
    else:
        assert not others, f"more than the one error line:\n{stderr}"
