"""OpenML datasets (``openml:<id>``), from openml-python's cache or the server."""

from __future__ import annotations

from typing import Any

import pandas as pd

from metalearn.exceptions import DataError, OpenMLUnavailableError

__all__ = ["parse_openml_id", "load_openml"]


def parse_openml_id(text: str) -> int:
    value = text.split(":", 1)[1].strip()
    if not value.isdigit() or int(value) <= 0:
        raise DataError(f"{text!r} is not a valid OpenML dataset reference: write openml:<positive integer id>, e.g. openml:61")
    return int(value)


def load_openml(dataset_id: int, target: Any) -> tuple[pd.DataFrame, str | None, str]:
    try:
        import openml
    except ImportError:  # pragma: no cover - openml is a dependency
        raise OpenMLUnavailableError("openml-python is not installed: pip install openml") from None
    try:
        oml = openml.datasets.get_dataset(
            dataset_id, download_data=True, download_qualities=False, download_features_meta_data=False
        )
        default_target = oml.default_target_attribute
        X, _, _, _ = oml.get_data(dataset_format="dataframe", include_row_id=False, include_ignore_attribute=False)
    except openml.exceptions.OpenMLServerException as exc:
        raise DataError(f"openml:{dataset_id} could not be loaded from OpenML ({exc}): check the dataset id") from None
    except (OSError, ConnectionError, openml.exceptions.OpenMLCacheException) as exc:
        cache = getattr(openml.config, "_root_cache_directory", None) or getattr(openml.config, "cache_directory", "")
        raise OpenMLUnavailableError(
            f"openml:{dataset_id} is not in the local OpenML cache ({cache}) and OpenML cannot be reached "
            f"({type(exc).__name__}): connect to the internet once to download it, or load a local file"
        ) from None
    except Exception as exc:  # requests' exceptions are not OSError subclasses in every version
        if type(exc).__module__.startswith(("requests", "urllib3")):
            raise OpenMLUnavailableError(
                f"openml:{dataset_id} is not in the local OpenML cache and OpenML cannot be reached "
                f"({type(exc).__name__}): connect to the internet once to download it, or load a local file"
            ) from None
        raise
    if isinstance(default_target, str) and "," in default_target:
        default_target = default_target.split(",")[0]
    return X, default_target, oml.name
