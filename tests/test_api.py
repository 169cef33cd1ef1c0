"""The top-level API: lazy, side-effect free, and the main functions callable whatever was imported first."""

from __future__ import annotations

import subprocess
import sys


def test_import_is_light_and_quiet():
    code = "import sys, metalearn; print(sorted(m for m in ('sklearn', 'optuna', 'openml') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert out.stderr == ""


def test_entry_points_are_the_functions_whatever_was_imported_first():
    """``metalearn.characterize``, ``.recommend`` and ``.search`` are the functions even after every
    submodule has been imported (a submodule named like a function would otherwise replace it)."""
    code = (
        "import importlib, inspect, pkgutil, sys\n"
        "import metalearn\n"
        "names = [m.name for m in pkgutil.walk_packages(metalearn.__path__, 'metalearn.')]\n"
        "for name in names:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError as exc:  # an optional dependency (matplotlib, dask ...) not installed\n"
        "        if exc.name.startswith('metalearn'):\n"
        "            raise\n"
        "assert {'metalearn.metafeatures', 'metalearn.data'} <= set(sys.modules), names\n"
        "for fn in ('characterize', 'recommend', 'search', 'load_dataset'):\n"
        "    assert inspect.isfunction(getattr(metalearn, fn)), (fn, getattr(metalearn, fn))\n"
        "import pandas as pd\n"
        "X = pd.DataFrame({'a': [1.0, 2.0, 3.0, 4.0]}); y = pd.Series(['p', 'q', 'p', 'q'])\n"
        "print(metalearn.characterize(X, y, groups='general')['NumberOfInstances'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "4.0", out.stderr
