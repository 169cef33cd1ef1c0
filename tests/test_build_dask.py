"""kb build on a real dask.distributed LocalCluster, including a worker killed mid-build."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from metalearn.build import build_kb  # noqa: E402
from metalearn.exceptions import BuildError  # noqa: E402
from metalearn.kb import KnowledgeBase  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"
DATASETS = [EXAMPLES / "zoo.csv", EXAMPLES / "cpu.csv"]
PORTFOLIO = (
    [{"algorithm": "DecisionTreeClassifier", "params": {"max_depth": d}} for d in (1, 2, 3, 4)]
    + [{"algorithm": "DecisionTreeRegressor", "params": {"max_depth": d}} for d in (1, 2, 3, 4)]
)
N_PAIRS = len(DATASETS) * 4


@pytest.fixture(scope="module")
def cluster():
    import dask

    # evaluate() forks a guarded child per evaluation: workers must not be daemonic (see the README)
    with dask.config.set({"distributed.worker.daemon": False}), distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cl:
        yield cl


@pytest.fixture
def setup(tmp_path):
    kb_path = tmp_path / "kb.sqlite"
    KnowledgeBase.open(kb_path, create="empty").close()
    portfolio = tmp_path / "p.json"
    portfolio.write_text(json.dumps(PORTFOLIO))
    return kb_path, portfolio


def _pairs(kb_path):
    with KnowledgeBase.open(kb_path, create=False) as kb:
        runs = kb.runs_frame(status=None)
    return runs


def test_cluster_build_resumes_like_a_local_one(cluster, setup):
    kb_path, portfolio = setup
    first = build_kb([str(DATASETS[0])], kb=kb_path, portfolio=str(portfolio), cv=2, characterize=False,
                     progress=False)
    report = build_kb([str(p) for p in DATASETS], kb=kb_path, portfolio=str(portfolio), cv=2,
                      scheduler=cluster.scheduler_address, characterize=False, progress=False)
    assert (first.n_added, report.n_skipped, report.n_added) == (4, 4, 4)
    assert (_pairs(kb_path)["status"] == "ok").all()


def test_worker_killed_mid_build_loses_nothing_and_duplicates_nothing(cluster, setup):
    kb_path, portfolio = setup
    with distributed.Client(cluster) as client:
        worker_pids = list(client.run(os.getpid).values())
        assert len(worker_pids) == 2
        result: dict = {}

        def run():
            try:
                result["report"] = build_kb([str(p) for p in DATASETS], kb=kb_path, portfolio=str(portfolio), cv=2,
                                            scheduler=cluster.scheduler_address, characterize=False, progress=False)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread below
                result["error"] = exc

        driver = threading.Thread(target=run)
        driver.start()
        deadline = time.monotonic() + 60
        while driver.is_alive() and time.monotonic() < deadline:
            try:
                if len(_pairs(kb_path)) >= 1:
                    break
            except Exception:  # noqa: BLE001 - the driver may hold the write lock for a moment
                pass
            time.sleep(0.05)
        n_before_kill = len(_pairs(kb_path))
        os.kill(worker_pids[0], signal.SIGKILL)
        driver.join(timeout=120)
        assert not driver.is_alive()
        if "error" in result:
            raise result["error"]
    report = result["report"]
    assert n_before_kill < N_PAIRS, "the build finished before the worker was killed"
    runs = _pairs(kb_path)
    assert report.n_added == N_PAIRS == len(runs)
    assert not runs.duplicated(["dataset_id", "configuration_id", "metric", "protocol"]).any()
    assert set(runs["status"]) <= {"ok", "failed"}
    assert report.backend.startswith("dask tcp://127.0.0.1")


def test_unreachable_scheduler_is_a_one_line_error(setup):
    kb_path, portfolio = setup
    with pytest.raises(BuildError, match="cannot reach the Dask scheduler 'tcp://127.0.0.1:9'"):
        build_kb([str(DATASETS[0])], kb=kb_path, portfolio=str(portfolio), scheduler="tcp://127.0.0.1:9",
                 characterize=False, progress=False)


def test_daemonic_workers_are_refused_with_the_fix(setup):
    import dask

    kb_path, portfolio = setup
    with dask.config.set({"distributed.worker.daemon": True}), distributed.LocalCluster(  # dask's default
        n_workers=1, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cl:
        with pytest.raises(BuildError, match="DASK_DISTRIBUTED__WORKER__DAEMON=False"):
            build_kb([str(DATASETS[0])], kb=kb_path, portfolio=str(portfolio), scheduler=cl.scheduler_address,
                     characterize=False, progress=False)
    with KnowledgeBase.open(kb_path, create=False) as kb:
        assert len(kb.runs_frame(status=None)) == 0
