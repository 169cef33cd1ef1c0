"""Loading and validating datasets.

:func:`load_dataset` reads a user's dataset from a CSV/TSV, Parquet or ARFF
file, an OpenML id (``openml:<id>``), a pandas DataFrame, or X and y arrays,
and returns a :class:`Dataset`: features with categorical columns typed as
``category``, the target, the task, and a content hash that identifies the
same data however it was loaded.

Bad input is refused with a one-line :class:`~metalearn.exceptions.MetaLearnError`
naming the file, column or value and what to do. Problems that have a safe,
documented repair are repaired and reported in :attr:`Dataset.warnings`:

* rows whose target is missing are dropped;
* all-missing, constant, identifier-like, very-high-cardinality and mixed-type
  columns are kept and flagged in :attr:`Dataset.flags`;
* a mostly-numeric column with a few text entries becomes numeric, the text
  entries missing; a column mixing numbers and text more evenly becomes
  categorical;
* ``?`` is read as a missing value in CSV files, as in ARFF and UCI files.

The package, one job per module: ``_load`` (:func:`load_dataset`, composing
the others), ``_files`` (checks before reading, format detection), one reader
per format (``_csv``, ``_parquet``, ``_arff``, ``_openml``), ``_raw`` (what the
readers share), ``_columns`` (feature typing steps), ``_flags`` (column flags),
``_target`` (target column, missing targets, labels and task), ``_quality``
(:func:`quality_report`: leakage and identifier warnings), ``_text``
(distinct text values as numbers), ``_hash`` (the content hash) and
``_dataset`` (:class:`Dataset`).

>>> import pandas as pd
>>> frame = pd.DataFrame({"size": [1.0, 2.5, 3.0, 4.5], "colour": ["red", "blue", "red", "blue"],
...                       "label": ["yes", "no", "yes", "no"]})
>>> ds = load_dataset(frame, target="label")
>>> ds.task, ds.n_rows, ds.n_features, str(ds.X["colour"].dtype)
('binary', 4, 2, 'category')
>>> ds.content_hash == load_dataset(frame.copy(), target="label").content_hash
True
"""

from __future__ import annotations

from metalearn.data._dataset import Dataset
from metalearn.data._load import load_dataset
from metalearn.data._quality import QualityIssue, QualityReport, quality_report
from metalearn.data._target import REGRESSION_MIN_DISTINCT
from metalearn.tasks import TASKS, task_family

__all__ = [
    "Dataset",
    "load_dataset",
    "quality_report",
    "QualityReport",
    "QualityIssue",
    "task_family",
    "TASKS",
    "REGRESSION_MIN_DISTINCT",
]
