"""Canonical forms shared by the knowledge base, the seed builder and the search.

A configuration is identified by its algorithm's registry name and its
parameters written as canonical JSON (keys sorted, no white space, floats as
Python's shortest repr). Its hash is the first 16 hex digits of the SHA-256 of
``"<algorithm>\\n<canonical json>"``.

>>> canonical_json({"b": 1, "a": 0.5})
'{"a":0.5,"b":1}'
>>> config_hash("SVC", {"C": 1.0, "kernel": "rbf"}) == config_hash("SVC", {"kernel": "rbf", "C": 1.0})
True
>>> len(config_hash("SVC", {}))
16
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any, Mapping

__all__ = ["canonical_json", "config_hash"]


def _normalise(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"parameter value {value!r} cannot be stored: use a finite number or null")
        if value.is_integer() and abs(value) < 2**53:
            return float(value)
    return value


def canonical_json(params: Mapping[str, Any]) -> str:
    """Return ``params`` as canonical JSON (sorted keys, compact separators)."""
    return json.dumps(_normalise(params), sort_keys=True, separators=(",", ":"), allow_nan=False)


def config_hash(algorithm: str, params: Mapping[str, Any]) -> str:
    """Return the 16-hex-digit identity of a configuration."""
    text = f"{algorithm}\n{canonical_json(params)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
