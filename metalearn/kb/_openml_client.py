"""The OpenML client of an import: openml-python's calls, online until a request fails to connect,
then from the caches (openml-python's for tasks and datasets, ours as JSON under
``<openml cache>/metalearn/`` for evaluation listings, setups and suites)."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from metalearn.exceptions import OpenMLUnavailableError

_SETUP_BATCH = 200


def is_connection_error(exc: BaseException) -> bool:
    import openml

    if isinstance(exc, (ConnectionError, OSError, openml.exceptions.OpenMLServerError)) and not isinstance(
        exc, openml.exceptions.OpenMLServerException
    ):
        return True
    return type(exc).__module__.startswith(("requests", "urllib3"))


class OpenMLSession:
    """One import's view of OpenML: online until a request fails to connect, then cache-only."""

    def __init__(self) -> None:
        import openml

        self.openml = openml
        self.server = openml.config.server
        self.cache = Path(openml.config.get_cache_directory()) / "metalearn"
        self.online = True
        self.offline: list[str] = []

    # -- our JSON cache for what openml-python does not cache
    def _path(self, key: str) -> Path:
        return self.cache / f"{key}.json"

    def _read(self, key: str) -> Any | None:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write(self, key: str, value: Any) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(value), encoding="utf-8")
        tmp.replace(path)

    def unavailable(self, what: str, exc: BaseException | None) -> OpenMLUnavailableError:
        cause = f" ({type(exc).__name__})" if exc is not None else ""
        return OpenMLUnavailableError(
            f"OpenML at {self.server} cannot be reached{cause} and {what} is not in the local cache "
            f"({self.cache.parent}): connect to the internet and run the import again"
        )

    def cached_call(self, key: str, what: str, fetch: Callable[[], Any]) -> Any:
        """Fetch and cache; offline, read the cache (and say so); neither: OpenMLUnavailableError."""
        error = None
        if self.online:
            try:
                value = fetch()
            except Exception as exc:  # noqa: BLE001 - sorted below
                if not is_connection_error(exc):
                    raise
                self.online, error = False, exc
            else:
                self._write(key, {"fetched_at": time.time(), "value": value})
                return value
        cached = self._read(key)
        if cached is None:
            raise self.unavailable(what, error)
        when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(cached["fetched_at"]))
        self.offline.append(f"{what} read from the cache (fetched {when} UTC)")
        return cached["value"]

    def openml_cached(self, what: str, fetch: Callable[[], Any]) -> Any:
        """Call an openml-python function that has its own cache; offline, rely on that cache."""
        try:
            value = fetch()
        except Exception as exc:  # noqa: BLE001
            if isinstance(exc, self.openml.exceptions.OpenMLCacheException) or is_connection_error(exc):
                self.online = False
                raise self.unavailable(what, exc) from None
            raise
        if not self.online:
            self.offline.append(f"{what} read from openml-python's cache")
        return value

    # -- the calls
    def suite_tasks(self, suite: int | str) -> list[int]:
        def fetch():
            return [int(t) for t in (self.openml.study.get_suite(suite).tasks or [])]

        return self.cached_call(f"suites/{suite}", f"suite {suite}", fetch)

    def evaluations(self, metric: str, task: int | None, flows: Sequence[int]) -> list[dict]:
        key = f"evaluations/{metric}/task-{task if task is not None else 'all'}"
        if flows:
            key += "-flows-" + "-".join(map(str, sorted(flows)))
        what = f"the {metric} evaluations of " + (f"task {task}" if task is not None else f"flows {list(flows)}")

        def fetch():
            try:
                frame = self.openml.evaluations.list_evaluations(
                    function=metric, tasks=[task] if task is not None else None,
                    flows=list(flows) or None, output_format="dataframe", size=None,
                )
            except self.openml.exceptions.OpenMLServerNoResult:
                return []
            if frame is None or len(frame) == 0:
                return []
            cols = ["run_id", "task_id", "setup_id", "flow_id", "flow_name", "data_id", "value"]
            rows = frame[cols].to_dict("records")
            return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()} for r in rows]

        rows = self.cached_call(key, what, fetch)
        return sorted(({**r, "run_id": int(r["run_id"])} for r in rows), key=lambda r: r["run_id"])

    def setups(self, setup_ids: Iterable[int]) -> dict[int, list[dict]]:
        """Setup id -> its parameters (flow_name, parameter_name, value), from the cache when there."""
        out: dict[int, list[dict]] = {}
        missing = []
        for sid in sorted(set(setup_ids)):
            cached = self._read(f"setups/{sid}")
            if cached is not None:
                out[sid] = cached["value"]
            else:
                missing.append(sid)
        for start in range(0, len(missing), _SETUP_BATCH):
            batch = missing[start : start + _SETUP_BATCH]
            if not self.online:
                break
            try:
                listed = self.openml.setups.list_setups(setup=batch, output_format="object", size=len(batch))
            except Exception as exc:  # noqa: BLE001
                if not is_connection_error(exc):
                    raise
                self.online = False
                break
            for sid, setup in listed.items():
                params = [
                    {"flow_name": p.flow_name, "parameter_name": p.parameter_name, "value": p.value}
                    for p in (setup.parameters or {}).values()
                ]
                self._write(f"setups/{sid}", {"fetched_at": time.time(), "value": params})
                out[int(sid)] = params
        still = [sid for sid in missing if sid not in out]
        if still and not self.online:
            self.offline.append(f"{len(still)} setups neither reachable nor cached: their runs wait for the next import")
        return out
