"""The split search (#16 item 6): the trial loop with a fake trial function and no KB, one trial's record
(TrialRunner), and the KB write-back as a loop callback (once per finished full run, never for pruned ones)."""

from __future__ import annotations

import ast
import math
import random
import threading
import time
from pathlib import Path

import optuna
import pytest

from metalearn.evaluate import EvaluationResult
from metalearn.exceptions import KBError
from metalearn.searcher import _loop
from metalearn.searcher._loop import MIN_TRIAL_SECONDS, run_trials
from metalearn.searcher._study import ATTR_ERROR, ATTR_STATUS
from metalearn.searcher._trial import TrialOutcome, TrialRunner
from metalearn.searcher._writeback import WriteBack

optuna.logging.set_verbosity(optuna.logging.WARNING)


class FakeTrials:
    """A trial function: suggests x, "evaluates" it as a sleep then x itself, tells the study."""

    def __init__(self, sleep=lambda x: 0.0, fail_on=None):
        self.sleep, self.fail_on = sleep, fail_on
        self.started, self.finished, self.abandoned = [], [], []
        self.lock = threading.Lock()
        self.running = 0
        self.most_running = 0

    def start(self, trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        self.started.append(trial.number)

        def work():
            with self.lock:
                self.running += 1
                self.most_running = max(self.most_running, self.running)
            time.sleep(self.sleep(x))
            with self.lock:
                self.running -= 1
            return x

        return work

    def finish(self, trial, x):
        if trial.number == self.fail_on:
            raise RuntimeError("systemic")
        trial.study.tell(trial, x)
        self.finished.append(trial.number)
        return ("outcome", trial.number, x)

    def abandon(self, trial):
        self.abandoned.append(trial.number)
        trial.study.tell(trial, state=optuna.trial.TrialState.FAIL)


def _study(seed=0):
    return optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))


def test_the_loop_imports_nothing_of_metalearn():
    tree = ast.parse(Path(_loop.__file__).read_text(encoding="utf-8"))
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {m for m in modules if m and m.startswith("metalearn")}, modules


def test_a_trial_budget_runs_each_trial_once_and_calls_the_callbacks_after_each():
    fake, seen, progress = FakeTrials(), [], []
    study = _study()
    asked = run_trials(study, fake, n_jobs=2, n_trials=10, callbacks=[lambda s, o: seen.append(o)],
                       on_progress=lambda done, running: progress.append(done))
    assert asked == 10 and fake.started == list(range(10)) and sorted(fake.finished) == list(range(10))
    assert [o[1] for o in seen] == list(range(10))  # batches are finished in trial order
    assert sum(progress) == 10 and len(study.trials) == 10


def test_batches_make_a_seeded_trial_budget_independent_of_the_workers():
    jitter = random.Random(1)

    def sleep(x):  # completion order differs from trial order, and between runs
        return jitter.uniform(0.0, 0.03)

    runs = []
    for n_jobs in (1, 3):
        study = _study(seed=5)
        run_trials(study, FakeTrials(sleep), n_jobs=n_jobs, n_trials=16)  # past TPE's 10 start-up trials
        runs.append([t.params["x"] for t in study.trials])
    assert runs[0] == runs[1]


def test_a_time_budget_frees_workers_as_they_finish_and_holds_the_deadline():
    fake = FakeTrials(sleep=lambda x: 0.2)
    start = time.monotonic()
    run_trials(_study(), fake, n_jobs=2, deadline=start + 1.5)
    elapsed = time.monotonic() - start
    assert elapsed <= 1.5 + 0.2 + 0.3 and fake.most_running == 2
    assert 4 <= len(fake.finished) and not fake.abandoned
    assert elapsed >= 1.5 - MIN_TRIAL_SECONDS - 0.05  # it ran until there was no room for another trial


def test_a_trial_ignoring_its_timeout_is_abandoned_after_the_grace(monkeypatch):
    monkeypatch.setattr(_loop, "GRACE_SECONDS", 0.1)
    fake = FakeTrials(sleep=lambda x: 2.5)
    seen = []
    start = time.monotonic()
    run_trials(_study(), fake, n_jobs=1, deadline=start + 0.7, callbacks=[lambda s, o: seen.append(o)])
    assert fake.abandoned == [0] and not fake.finished and not seen


def test_an_error_in_finishing_a_trial_stops_the_loop():
    fake = FakeTrials(fail_on=2)
    with pytest.raises(RuntimeError, match="systemic"):
        run_trials(_study(), fake, n_jobs=1, n_trials=12)
    assert fake.finished == [0, 1] and len(fake.started) == 4  # the batch of 4, no trial after it


# ---- one trial ------------------------------------------------------------------------------------
def _result(status="ok", score=0.8, protocol="5-fold CV", error=None):
    return EvaluationResult(status=status, score=score, fold_scores=(score, score) if status == "ok" else (),
                            fit_time=0.5, error=error, protocol=protocol)


def _runner(deadline=None, base_timeout=300.0):
    return TrialRunner(lambda *a, **k: None, None, [0, 1], task="binary", metric="balanced_accuracy",
                       algorithms=("GaussianNB",), cv=5, base_timeout=base_timeout, deadline=deadline,
                       memory_limit_mb=None, random_state=0, fidelity=False, keep_predictions=False)


def _finish(runner, study, evaluation):
    trial = study.ask()
    runner.start(trial)
    return trial, runner.finish(trial, evaluation)


def test_a_trial_s_outcome_and_its_record_on_the_study():
    study, runner = _study(), _runner()
    trial, ok = _finish(runner, study, (_result(score=0.8), None))
    assert ok.status == "ok" and ok.full_run and ok.score == 0.8 and ok.algorithm == "GaussianNB"
    assert study.trials[0].state == optuna.trial.TrialState.COMPLETE and runner.best == 0.8
    trial, pruned = _finish(runner, study, (_result(score=0.3, protocol="5-fold CV, fold 1 of 5"), 0))
    assert pruned.status == "pruned" and not pruned.full_run and math.isnan(pruned.score)
    assert study.trials[1].state == optuna.trial.TrialState.PRUNED
    assert study.trials[1].user_attrs[ATTR_ERROR] == "pruned after rung 1: 5-fold CV, fold 1 of 5 scored 0.3"
    trial, failed = _finish(runner, study, (_result("ok", float("nan")), None))  # a NaN score is a failure
    assert failed.status == "failed" and study.trials[2].state == optuna.trial.TrialState.FAIL
    assert runner.best == 0.8 and runner.n_started == 3


def test_a_timeout_the_budget_imposed_is_a_stopped_trial():
    study = _study()
    runner = _runner(deadline=time.monotonic() + 10.0)  # less than the 300 s trial timeout left
    _trial, out = _finish(runner, study, (_result("timeout", float("nan"), error="timed out"), None))
    assert out.status == "stopped" and not out.full_run
    assert study.trials[0].user_attrs[ATTR_STATUS] == "stopped"
    _trial, out = _finish(_runner(), study, (_result("timeout", float("nan"), error="timed out"), None))
    assert out.status == "timeout" and out.full_run  # the trial's own timeout: a run worth recording


# ---- the write-back ----------------------------------------------------------------------------------
class FakeKB:
    def __init__(self, fail_finish=False):
        self.runs, self.finished, self.fail_finish = [], [], fail_finish

    def start_search(self, dataset_id, *, metric, settings):
        self.settings = settings
        return type("Search", (), {"search_id": 7})()

    def add_configuration(self, algorithm, params):
        return type("Config", (), {"configuration_id": len(self.runs) + 100})()

    def add_runs(self, runs):
        self.runs.extend(runs)
        return len(runs)

    def finish_search(self, search_id, **kwargs):
        if self.fail_finish:
            raise KBError("the KB is read-only")
        self.finished.append((search_id, kwargs))


class Statuses(FakeTrials):
    """Trial i ends with STATUSES[i % 5]."""

    STATUSES = ("ok", "pruned", "failed", "stopped", "timeout")

    def finish(self, trial, x):
        status = self.STATUSES[trial.number % len(self.STATUSES)]
        trial.study.tell(trial, x) if status == "ok" else trial.study.tell(trial, state=optuna.trial.TrialState.FAIL)
        return TrialOutcome(trial.number, "GaussianNB", {"var_smoothing": x}, status,
                            x if status == "ok" else float("nan"), "5-fold CV", 0.1, None if status == "ok" else status)


def test_the_write_back_commits_each_finished_full_run_once_and_no_pruned_one():
    kb = FakeKB()
    writeback = WriteBack.begin(kb, dataset_id=3, metric="balanced_accuracy", settings={"n_trials": 10})
    run_trials(_study(), Statuses(), n_jobs=2, n_trials=10, callbacks=[writeback])
    statuses = [run.status for run in kb.runs]
    assert sorted(statuses) == sorted(["ok", "failed", "timeout"] * 2)  # 10 trials, 4 pruned or stopped
    assert all(run.search_id == 7 and run.dataset_id == 3 for run in kb.runs)
    assert [run.score is None for run in kb.runs] == [s != "ok" for s in statuses]
    writeback.end("finished", best_score=0.9, n_trials=10)
    assert kb.finished == [(7, {"status": "finished", "best_score": 0.9, "n_trials": 10})]


def test_the_end_record_raises_a_kb_error_only_for_a_finished_search():
    writeback = WriteBack.begin(FakeKB(fail_finish=True), dataset_id=1, metric="r2", settings={})
    writeback.end("interrupted", best_score=None, n_trials=1)  # the interrupt matters more
    with pytest.raises(KBError):
        writeback.end("finished", best_score=None, n_trials=1)
