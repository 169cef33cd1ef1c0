"""Exceptions raised by metalearn.

Every error metalearn raises on purpose is a :class:`MetaLearnError`. Where a
builtin exception has the same meaning, the subclass inherits it too, so
``except FileNotFoundError`` keeps working for callers who do not know
metalearn. Messages are one line: what is wrong (the file, column, parameter
or value) and what to do about it. The CLI prints that line and exits with
code 2, without a traceback.

>>> from metalearn.exceptions import DataFileNotFoundError, MetaLearnError
>>> issubclass(DataFileNotFoundError, FileNotFoundError)
True
>>> issubclass(DataFileNotFoundError, MetaLearnError)
True
"""

from __future__ import annotations

__all__ = [
    "MetaLearnError",
    "DataError",
    "DataFileNotFoundError",
    "EmptyDataError",
    "DataEncodingError",
    "DataTooLargeError",
    "TargetError",
    "OpenMLUnavailableError",
    "CharacterizationError",
    "KBError",
    "KBSchemaError",
    "KBCorruptError",
    "KBReadOnlyError",
    "KBContentError",
    "ConfigurationError",
    "UnknownAlgorithmError",
    "InvalidParamsError",
    "EvaluationError",
    "SearchError",
    "RecommendationError",
    "MetricError",
    "ModelError",
]


class MetaLearnError(Exception):
    """Base class of every error metalearn raises on purpose."""


# --- data loading ---------------------------------------------------------
class DataError(MetaLearnError, ValueError):
    """The dataset cannot be used as given (bad content, bad options)."""


class DataFileNotFoundError(MetaLearnError, FileNotFoundError):
    """The dataset file does not exist."""


class EmptyDataError(DataError):
    """The dataset has no rows (an empty file, or a header only)."""


class DataEncodingError(DataError, UnicodeError):
    """The file is not text in a supported encoding, or is binary."""


class DataTooLargeError(DataError, MemoryError):
    """The dataset would not fit in the memory available."""


class TargetError(DataError, KeyError):
    """The target column is unknown, empty, or unusable for the task."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class OpenMLUnavailableError(MetaLearnError, ConnectionError):
    """OpenML cannot be reached and the data is not in the local cache."""


# --- characterization -----------------------------------------------------
class CharacterizationError(MetaLearnError, ValueError):
    """Meta-features cannot be computed for this input."""


# --- knowledge base -------------------------------------------------------
class KBError(MetaLearnError):
    """The knowledge base cannot be opened, read or written."""


class KBSchemaError(KBError):
    """The knowledge base has a schema this version cannot use."""


class KBCorruptError(KBError):
    """The knowledge base file is not a readable SQLite database."""


class KBReadOnlyError(KBError):
    """The knowledge base was opened read-only (or cannot be written) and a write was asked."""


class KBContentError(KBError, ValueError):
    """The knowledge base holds a row that cannot be used (reported, not run)."""


# --- algorithms, search spaces, evaluation --------------------------------
class ConfigurationError(MetaLearnError, ValueError):
    """An algorithm configuration is not valid."""


class UnknownAlgorithmError(ConfigurationError, KeyError):
    """The algorithm name is not in metalearn's registry."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class InvalidParamsError(ConfigurationError):
    """The parameters do not fit the algorithm's declared space."""


class EvaluationError(MetaLearnError):
    """An evaluation could not be run at all (not: a configuration failed)."""


class BuildError(MetaLearnError, RuntimeError):
    """A knowledge-base build cannot run as asked (backend, scheduler, manifest)."""


class SearchError(MetaLearnError, ValueError):
    """A search cannot be started as asked (budget, metric, storage)."""


class RecommendationError(MetaLearnError, ValueError):
    """Recommendations cannot be made as asked."""


class MetricError(SearchError, EvaluationError, RecommendationError):
    """The metric is not a scikit-learn scorer name, or does not fit the task.

    It is a search, evaluation and recommendation error at once, so each
    stage's callers catch it as their own kind.
    """


class ModelError(MetaLearnError, ValueError):
    """A saved model file cannot be written, read or used on the data given."""
