"""The top-level API: lazy, side-effect free, and the main functions callable whatever was imported first."""

from __future__ import annotations

import subprocess
import sys


def test_import_is_light_and_quiet():
    code = "import sys, metalearn; print(sorted(m for m in ('sklearn', 'optuna', 'openml') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert out.stderr == ""


def test_functions_stay_callable_after_submodule_imports():
    code = (
        "import metalearn.characterize, metalearn.recommend, metalearn.search, metalearn\n"
        "assert callable(metalearn.characterize) and callable(metalearn.recommend) and callable(metalearn.search)\n"
        "import sys; assert sys.modules['metalearn.search'].__name__ == 'metalearn.search'\n"
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
