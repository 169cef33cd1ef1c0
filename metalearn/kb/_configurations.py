"""The configurations and algorithm_flows tables, and their validation against the registry."""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

from metalearn._canonical import canonical_json, config_hash
from metalearn.exceptions import InvalidParamsError, KBContentError, MetaLearnError
from metalearn.kb.records import DEFAULT_SOURCE, ConfigurationRecord
from metalearn.kb._connection import translate


# --- validation against the registry -----------------------------------------
def configuration_problem(algorithm: str, params_json: str) -> tuple[str, str, dict[str, Any] | None]:
    """(kind, message, normalized params): kind is "" when the configuration is valid."""
    from metalearn import space  # imported here: space imports scikit-learn

    try:
        params = json.loads(params_json)
    except (TypeError, ValueError) as exc:
        return ("malformed parameters",
                f"params {str(params_json)[:80]!r} of {algorithm!r} are not JSON ({exc})", None)
    if not isinstance(params, dict):
        return "malformed parameters", f"params {str(params_json)[:80]!r} of {algorithm!r} are not a JSON object", None
    try:
        space.get_algorithm(algorithm)
    except MetaLearnError as exc:
        return "unknown algorithm", str(exc), None
    try:
        normalized = space.validate_params(algorithm, params)
    except MetaLearnError as exc:
        return "invalid parameters", str(exc), None
    return "", "", dict(normalized)


def validate_configuration(algorithm: str, params_json: str, *, where: str = "") -> tuple[str, dict[str, Any]]:
    """Check a stored configuration against metalearn's registry before it is run.

    The algorithm name is looked up in :mod:`metalearn.space` (never imported
    by name); the parameters must be a JSON object the space accepts. Returns
    ``(algorithm, normalized params)``; raises :class:`KBContentError`
    naming ``where`` otherwise.
    """
    kind, message, params = configuration_problem(algorithm, params_json)
    if kind:
        label = f"{where}: " if where else ""
        raise KBContentError(f"{label}{kind}: {message}: remove the row, or rebuild the KB from the seed")
    return algorithm, params


class Configurations:
    """KnowledgeBase methods for configurations and OpenML flows."""

    _CONFIG_COLUMNS = "c.configuration_id, a.name, c.params, c.config_hash, s.name"
    _CONFIG_FROM = (
        "configurations c JOIN algorithms a ON a.algorithm_id = c.algorithm_id "
        "JOIN sources s ON s.source_id = c.source_id"
    )

    @translate
    def add_configuration(
        self, algorithm: str, params: Mapping[str, Any], *, provenance: str | None = None
    ) -> ConfigurationRecord:
        """Add a configuration (idempotent by :func:`metalearn._canonical.config_hash`)."""
        if not isinstance(algorithm, str) or not algorithm:
            raise KBContentError(f"algorithm {algorithm!r} must be a registry name such as 'SVC'")
        try:
            text = canonical_json(params)
        except (TypeError, ValueError) as exc:
            raise InvalidParamsError(f"parameters of {algorithm} cannot be stored as JSON ({exc})") from None
        identity = config_hash(algorithm, params)
        with self._write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO configurations (algorithm_id, params, config_hash, source_id) "
                "VALUES (?, ?, ?, ?)",
                (self._name_id("algorithms", algorithm), text, identity,
                 self._source_id(provenance or DEFAULT_SOURCE)),
            )
            row = conn.execute(
                f"SELECT {self._CONFIG_COLUMNS} FROM {self._CONFIG_FROM} WHERE c.config_hash = ?", (identity,)
            ).fetchone()
        return ConfigurationRecord(*row)

    @translate
    def find_configuration(self, algorithm: str, params: Mapping[str, Any]) -> ConfigurationRecord | None:
        """The stored configuration with this algorithm and parameters, or None."""
        row = self._conn.execute(
            f"SELECT {self._CONFIG_COLUMNS} FROM {self._CONFIG_FROM} WHERE c.config_hash = ?",
            (config_hash(algorithm, params),),
        ).fetchone()
        return None if row is None else ConfigurationRecord(*row)

    @translate
    def configurations(self, ids: Iterable[int], *, validate: bool = True) -> list[ConfigurationRecord]:
        """The configurations with these ids, in that order.

        With ``validate`` (the default, for configurations about to be run) each
        is checked against the registry by :func:`validate_configuration`: an
        unknown algorithm or malformed parameters raise :class:`KBContentError`;
        nothing from the KB is ever imported or executed by name.
        """
        ids = [int(i) for i in ids]
        rows = {
            row[0]: ConfigurationRecord(*row)
            for row in self._conn.execute(
                f"SELECT {self._CONFIG_COLUMNS} FROM {self._CONFIG_FROM} "
                "WHERE c.configuration_id IN (SELECT value FROM json_each(?))",
                (json.dumps(ids),),
            )
        }
        missing = [i for i in ids if i not in rows]
        if missing:
            raise KBContentError(f"configuration_id {', '.join(map(str, missing[:5]))} not in KB {self._path}")
        records = [rows[i] for i in ids]
        if validate:
            for record in records:
                validate_configuration(
                    record.algorithm, record.params_json,
                    where=f"KB {self._path} configuration {record.configuration_id}",
                )
        return records

    @translate
    def add_algorithm_flow(self, algorithm: str, flow_id: int, flow_name: str | None = None) -> None:
        """Record that OpenML flow ``flow_id`` corresponds to registry algorithm ``algorithm``."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO algorithm_flows (flow_id, algorithm_id, flow_name) VALUES (?, ?, ?) "
                "ON CONFLICT (flow_id) DO UPDATE SET algorithm_id = excluded.algorithm_id, "
                "flow_name = coalesce(excluded.flow_name, flow_name)",
                (int(flow_id), self._name_id("algorithms", algorithm), flow_name),
            )

    @translate
    def algorithm_flows(self) -> dict[int, str]:
        """OpenML flow id -> registry algorithm name."""
        return dict(
            self._conn.execute(
                "SELECT f.flow_id, a.name FROM algorithm_flows f JOIN algorithms a USING (algorithm_id)"
            )
        )

