"""Shared test set-up: no test touches the user's own knowledge base or the network."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Point the default KB location and OpenML's cache into a temporary directory."""
    home = tmp_path_factory.getbasetemp() / "user-data"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    monkeypatch.setenv("METALEARN_KB", str(home / "metalearn" / "kb.sqlite"))
    monkeypatch.setenv("OPENML_CACHE_DIR", str(home / "openml-cache"))
