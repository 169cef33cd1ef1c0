"""Searches as separate processes: killed with SIGKILL, and sharing one Optuna study through RDB storage."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from metalearn.kb import KnowledgeBase

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
FAST = "GaussianNB,LogisticRegression,DecisionTreeClassifier,KNeighborsClassifier"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def _search_cmd(*args):
    return [sys.executable, "-m", "metalearn.cli", "search", str(EXAMPLES / "wine.csv"), "--target", "cultivar",
            "--cv", "3", "--algorithms", FAST, "--no-progress", *args]


def _runs(path):
    with KnowledgeBase.open(path, create=False) as kb:
        frame = kb.runs_frame(status=None)
        return frame[frame["source"].str.startswith("metalearn")]


def test_sigkill_loses_at_most_the_trial_in_flight(tmp_path):
    kb_path = tmp_path / "kb.sqlite"
    KnowledgeBase.open(kb_path, create="empty").close()
    proc = subprocess.Popen(_search_cmd("--kb", str(kb_path), "--trials", "200", "--no-warm-start", "--seed", "0"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ})
    seen = 0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.3)
            try:
                seen = len(_runs(kb_path))
            except Exception:  # the writer may hold the lock at this instant
                continue
            if seen >= 3:
                break
        assert proc.poll() is None, proc.stderr.read().decode()
        assert seen >= 3, "the search committed no runs within 60 s"
        seen = len(_runs(kb_path))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with KnowledgeBase.open(kb_path, create=False) as kb:
        report = kb.check()
        assert report.ok, str(report.to_dict())
    runs = _runs(kb_path)
    # every run committed before the kill is still there; the one in flight (n_jobs=1) is all that may be lost
    assert len(runs) >= seen
    assert runs["status"].isin(["ok", "failed", "timeout", "memout"]).all()
    # the KB stays usable: a new search on the same data reuses its dataset entry
    out = subprocess.run(_search_cmd("--kb", str(kb_path), "--trials", "1", "--no-warm-start", "--json"),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["kb_dataset_id"] == int(runs["dataset_id"].iloc[0])


def test_processes_share_one_study_through_storage(tmp_path):
    import optuna

    url = f"sqlite:///{tmp_path / 'study.db'}"
    procs = [
        subprocess.Popen(
            _search_cmd("--no-write-back", "--trials", "2", "--no-warm-start", "--seed", str(i),
                        "--storage", url, "--study-name", "shared", "--json"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i in range(3)
    ]
    outputs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err
    study = optuna.load_study(study_name="shared", storage=url)
    finished = [t for t in study.trials if t.state.is_finished()]
    assert len(finished) == 6
    assert len({t.number for t in finished}) == 6
    results = [json.loads(out) for out, _ in outputs]
    best = max(t.value for t in finished if t.value is not None)
    # the process that finished last saw the whole study
    assert max(r["best_score"] for r in results) == pytest.approx(best)
    assert max(len(r["trials"]) for r in results) == 6
