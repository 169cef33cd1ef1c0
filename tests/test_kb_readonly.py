"""A KB that cannot be written is opened read-only: reads work, writes fail with one clear line.

Root bypasses permission bits, so the "cannot be written" cases use ``chattr +i`` (immutable even
for root; skipped where the file system or the container refuses it) and, everywhere, ``os.access``
mocked as a non-root user would see it, plus ``readonly=True`` explicitly.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from metalearn.cli import main
from metalearn.exceptions import KBReadOnlyError
from metalearn.kb import DatasetInput, KnowledgeBase, RunInput


def _make_kb(path: Path) -> Path:
    with KnowledgeBase.open(path, create="empty") as kb:
        ds = kb.add_dataset("iris", task_type="multiclass", source="openml:61", openml_id=61)
        kb.add_meta_features(ds.dataset_id, {"NumberOfInstances": 150.0}, "openml-server")
        cfg = kb.add_configuration("SVC", {"C": 2.0})
        kb.add_runs([RunInput(ds.dataset_id, cfg.configuration_id, "accuracy", 0.9, "5-fold CV")])
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _reads_work(kb: KnowledgeBase) -> None:
    assert kb.datasets_frame()["name"].tolist() == ["iris"]
    assert kb.meta_features_frame()["NumberOfInstances"].tolist() == [150.0]
    scores = kb.run_scores("accuracy")
    assert scores.score.tolist() == [0.9] and kb.run_scores("accuracy").score.tolist() == [0.9]
    assert kb.store_derived("demo", "k", {"x": np.arange(3)}) is False
    assert kb.derived("demo", "k") is None
    assert kb.stats().n_runs == 1 and kb.check().integrity == "ok"


def _writes_fail(kb: KnowledgeBase) -> None:
    for write in (
        lambda: kb.add_dataset("x", task_type="binary", source="x"),
        lambda: kb.add_datasets([DatasetInput("y", task_type="binary", source="y")]),
        lambda: kb.add_configuration("SVC", {"C": 3.0}),
        lambda: kb.add_meta_features(1, {"a": 1.0}, "openml-server"),
        lambda: kb.start_search(1, metric="accuracy", settings={}),
    ):
        with pytest.raises(KBReadOnlyError) as info:
            write()
        message = str(info.value)
        assert "--no-write-back" in message and "--kb" in message and "--force" not in message
        assert "\n" not in message and str(kb.path) in message


def test_readonly_true_reads_everything_changes_nothing(tmp_path):
    path = _make_kb(tmp_path / "kb.sqlite")
    with KnowledgeBase.open(path) as kb:
        kb.run_scores("accuracy")  # checkpoint-free state: the caches exist
    before = _digest(path)
    with KnowledgeBase.open(path, readonly=True) as kb:
        assert kb.readonly
        _reads_work(kb)
        _writes_fail(kb)
    assert _digest(path) == before
    with KnowledgeBase.open(path) as kb:
        assert not kb.readonly
        assert kb.add_dataset("z", task_type="binary", source="z").name == "z"


def test_readonly_is_chosen_when_os_access_denies_writing(tmp_path, monkeypatch):
    path = _make_kb(tmp_path / "kb.sqlite")
    real = os.access

    def access(target, mode, *args, **kwargs):
        if mode & os.W_OK and Path(target) in (path, path.parent):
            return False
        return real(target, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    with KnowledgeBase.open(path) as kb:
        assert kb.readonly
        _reads_work(kb)
        _writes_fail(kb)


@pytest.fixture
def immutable_dir(tmp_path):
    """A directory holding a KB, made immutable with chattr +i (undone afterwards)."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    directory = tmp_path / "ro"
    directory.mkdir()
    path = _make_kb(directory / "kb.sqlite")
    with KnowledgeBase.open(path) as kb:  # a WAL-mode file, no -wal or -shm left after close
        kb.run_scores("accuracy")
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    done = subprocess.run(["chattr", "+i", str(path), str(directory)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i refused here: {done.stderr.decode().strip()}")
    try:
        yield directory
    finally:
        subprocess.run(["chattr", "-i", str(path), str(directory)], check=True)


def test_an_immutable_directory_is_opened_read_only_and_the_cli_reads_it(immutable_dir):
    path = immutable_dir / "kb.sqlite"
    assert not os.access(immutable_dir, os.W_OK)  # even for root
    before = _digest(path)
    with KnowledgeBase.open(path) as kb:
        assert kb.readonly
        _reads_work(kb)
        _writes_fail(kb)
    result = CliRunner().invoke(main, ["kb", "info", "--kb", str(path)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["kb", "check", "--kb", str(path)])
    assert result.exit_code == 0 and "--force" not in result.output, result.output
    assert _digest(path) == before and sorted(p.name for p in immutable_dir.iterdir()) == ["kb.sqlite"]


def test_a_file_with_trailing_bytes_that_passes_integrity_check_is_not_called_corrupt(tmp_path):
    path = _make_kb(tmp_path / "kb.sqlite")
    with open(path, "ab") as handle:
        handle.write(b"\0" * 100)  # not a whole page: the old size check called this truncated
    with KnowledgeBase.open(path) as kb:
        assert kb.check().integrity == "ok" and kb.stats().n_datasets == 1
