"""Checks on the files a command will write, made before any work starts.

One function serves the model file, the plot, the predictions and the exported
script, so a bad path gets the same one-line message everywhere.

>>> check_writable("no-such-dir/model.joblib", what="the model")
Traceback (most recent call last):
...
metalearn.exceptions.MetaLearnError: cannot write the model to 'no-such-dir/model.joblib': directory 'no-such-dir' does not exist; create it or choose another path
"""

from __future__ import annotations

import os
from pathlib import Path

from metalearn.exceptions import MetaLearnError

__all__ = ["check_writable"]


def check_writable(path, *, what: str, error: type[MetaLearnError] = MetaLearnError) -> Path:
    """Check that ``what`` (e.g. ``"the model"``) can be written at ``path``; return it as a Path.

    Raises ``error`` (one line) if the path is a directory, its directory does not
    exist or is not writable, or the file exists and is not writable.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise error(f"cannot write {what} to {str(path)!r}: it is a directory; give a file name inside it")
    if not parent.is_dir():
        raise error(f"cannot write {what} to {str(path)!r}: directory {str(parent)!r} does not exist; "
                    "create it or choose another path")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise error(f"cannot write {what} to {str(path)!r}: directory {str(parent)!r} is not writable; "
                    "choose another path")
    if path.exists() and not os.access(path, os.W_OK):
        raise error(f"cannot write {what} to {str(path)!r}: the file exists and is not writable; choose another path")
    return path
