"""The configurations and algorithm_flows tables, and their validation against the registry."""

from __future__ import annotations

import json
import sqlite3
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


# --- one configuration per estimator -------------------------------------------
def canonical_configuration(algorithm: str, params: Mapping[str, Any] | None) -> tuple[str, str, str]:
    """``(algorithm, params JSON, config_hash)`` of the canonical form (:func:`metalearn.space.canonical_config`).

    Every writer of configurations (add_configuration, the seed and OpenML
    importers) stores this form, so equal estimators are one row. Raises
    UnknownAlgorithmError / InvalidParamsError as ``canonical_config``.
    """
    from metalearn import space  # imported here: space imports scikit-learn

    name, canonical = space.canonical_config(algorithm, params)
    try:
        text = canonical_json(canonical)
    except (TypeError, ValueError) as exc:
        raise InvalidParamsError(f"parameters of {name} cannot be stored as JSON ({exc})") from None
    return name, text, config_hash(name, canonical)


def duplicate_configurations(conn: sqlite3.Connection) -> dict[str, tuple[str, str, list[int]]]:
    """Stored configurations grouped by canonical form: {config_hash: (algorithm, params JSON, ids)}.

    Rows whose form cannot be computed (unknown algorithm, invalid or malformed
    parameters) are left out: ``check`` reports them as such.
    """
    groups: dict[str, tuple[str, str, list[int]]] = {}
    for configuration_id, algorithm, text in conn.execute(
        "SELECT c.configuration_id, a.name, c.params FROM configurations c "
        "JOIN algorithms a ON a.algorithm_id = c.algorithm_id ORDER BY c.configuration_id"
    ):
        try:
            name, canonical_text, identity = canonical_configuration(algorithm, json.loads(text))
        except (MetaLearnError, TypeError, ValueError):
            continue
        groups.setdefault(identity, (name, canonical_text, []))[2].append(configuration_id)
    return groups


def merge_configurations(conn: sqlite3.Connection) -> tuple[int, int]:
    """Make every stored configuration canonical and merge those of one estimator (inside the caller's transaction).

    Rule: of the rows with one canonical form, the lowest ``configuration_id``
    (the first stored; its source stays the configuration's provenance) is
    kept and rewritten in canonical form; the runs of the others are
    re-pointed to it and the others deleted. No run is lost or merged: each
    keeps its own source, score and protocol (the runs' only unique key,
    OpenML run id and metric, does not involve the configuration, so
    re-pointing cannot collide). Returns the configuration counts (before, after).
    """
    before = conn.execute("SELECT count(*) FROM configurations").fetchone()[0]
    groups = duplicate_configurations(conn)
    merged = [(ids[0], ids[1:]) for _, _, ids in groups.values() if len(ids) > 1]
    for keep, others in merged:
        conn.execute("UPDATE runs SET configuration_id = ? WHERE configuration_id IN (SELECT value FROM json_each(?))",
                     (keep, json.dumps(others)))
        conn.execute("DELETE FROM configurations WHERE configuration_id IN (SELECT value FROM json_each(?))",
                     (json.dumps(others),))
    stale = []
    current = {cid: (name, text, identity) for cid, name, text, identity in conn.execute(
        "SELECT c.configuration_id, a.name, c.params, c.config_hash FROM configurations c "
        "JOIN algorithms a ON a.algorithm_id = c.algorithm_id")}
    for identity, (name, text, ids) in groups.items():
        if current[ids[0]] != (name, text, identity):
            stale.append((ids[0], name, text, identity))
    # two steps, so that no row ever holds a hash another row still holds
    conn.executemany("UPDATE configurations SET config_hash = ? WHERE configuration_id = ?",
                     [(f"merging:{cid}", cid) for cid, _, _, _ in stale])
    for cid, name, text, identity in stale:
        row = conn.execute("SELECT algorithm_id FROM algorithms WHERE name = ?", (name,)).fetchone()
        algorithm_id = row[0] if row else conn.execute("INSERT INTO algorithms (name) VALUES (?)", (name,)).lastrowid
        conn.execute("UPDATE configurations SET algorithm_id = ?, params = ?, config_hash = ? WHERE configuration_id = ?",
                     (algorithm_id, text, identity, cid))
    after = conn.execute("SELECT count(*) FROM configurations").fetchone()[0]
    return before, after


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
        """Add a configuration in its canonical form; return the row of that estimator (idempotent).

        The form is :func:`metalearn.space.canonical_config`'s (defaults, seeds,
        inactive branches dropped; numbers typed), so every spelling of one
        estimator is one row. Raises UnknownAlgorithmError or InvalidParamsError
        for a configuration the registry does not accept.
        """
        if not isinstance(algorithm, str) or not algorithm:
            raise KBContentError(f"algorithm {algorithm!r} must be a registry name such as 'SVC'")
        algorithm, text, identity = canonical_configuration(algorithm, params)
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
        """The stored configuration of this estimator (any spelling, compared in canonical form), or None."""
        try:
            identity = canonical_configuration(algorithm, params)[2]
        except MetaLearnError:
            return None  # not an estimator of the registry: never stored
        row = self._conn.execute(
            f"SELECT {self._CONFIG_COLUMNS} FROM {self._CONFIG_FROM} WHERE c.config_hash = ?", (identity,)
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
    def merge_configurations(self) -> tuple[int, int]:
        """Rewrite stored configurations in canonical form, merging duplicates (see :func:`merge_configurations`).

        For a KB whose rows predate a canonical rule (``kb check`` reports them
        as duplicate estimators). One transaction; returns configuration counts (before, after).
        """
        with self._write() as conn:
            return merge_configurations(conn)

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

