"""Where the knowledge base and its seed live.

The KB path is, in order: the path given (``--kb PATH``), ``$METALEARN_KB``,
``$XDG_DATA_HOME/metalearn/kb.sqlite`` (default ``~/.local/share/metalearn/kb.sqlite``).

The seed (the CSV files the KB is created from) is, in order: the directory
given, the package data ``metalearn/_seed/`` of an installed wheel, the
``kb/seed/`` directory of a source checkout.

>>> default_path(environ={"METALEARN_KB": "/data/kb.sqlite"}).as_posix()
'/data/kb.sqlite'
>>> default_path(environ={"XDG_DATA_HOME": "/xdg"}).as_posix()
'/xdg/metalearn/kb.sqlite'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from metalearn.exceptions import KBError

__all__ = ["default_path", "resolve_path", "find_seed", "SEED_FILES"]

#: The files of a seed directory, in import order.
SEED_FILES = ("sources.csv", "datasets.csv.gz", "qualities.csv.gz", "configurations.csv.gz", "runs.csv.gz")


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """The KB path used when none is given: ``$METALEARN_KB``, else the per-user data directory."""
    env = os.environ if environ is None else environ
    if env.get("METALEARN_KB"):
        return Path(env["METALEARN_KB"]).expanduser()
    data_home = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(data_home) / "metalearn" / "kb.sqlite"


def resolve_path(path: str | os.PathLike | None) -> Path:
    """``path`` as a Path, or :func:`default_path` when it is None."""
    return default_path() if path is None else Path(path).expanduser()


def _is_seed_dir(path: Path) -> bool:
    return path.is_dir() and (path / SEED_FILES[0]).is_file()


def find_seed(seed_dir: str | os.PathLike | None = None) -> Path:
    """The seed directory: ``seed_dir`` if given, else the installed or checked-out seed.

    Raises
    ------
    KBError
        When the directory given has no ``sources.csv``, or no seed is installed.
    """
    if seed_dir is not None:
        path = Path(seed_dir).expanduser()
        if not _is_seed_dir(path):
            raise KBError(
                f"seed directory {path} has no {SEED_FILES[0]}: give a directory holding "
                f"{', '.join(SEED_FILES)}"
            )
        return path
    package_dir = Path(__file__).resolve().parent.parent  # .../metalearn
    candidates = [package_dir / "_seed", package_dir.parent / "kb" / "seed"]
    for candidate in candidates:
        if _is_seed_dir(candidate):
            return candidate
    raise KBError(
        f"no knowledge-base seed found (looked in {', '.join(str(c) for c in candidates)}): reinstall "
        "metalearn, or create an empty KB with `metalearn kb init --empty --kb PATH`"
    )
