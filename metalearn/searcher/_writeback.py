"""What a search writes to the knowledge base: each finished run, and the search's own record.

:class:`WriteBack` is a callback of the trial loop (:func:`metalearn.searcher._loop.run_trials`):
called with ``(study, outcome)`` after each finished trial, it commits the configuration and the run
at once (a killed search loses only the trials in flight). A trial pruned or stopped by the time
budget is not a full run and is not written. :meth:`WriteBack.begin` records the search's start and
settings (``kb.start_search``), :meth:`WriteBack.end` its end (``kb.finish_search``).
"""

from __future__ import annotations

from typing import Mapping

from metalearn.exceptions import MetaLearnError
from metalearn.searcher._inputs import computed_by

__all__ = ["WriteBack"]


class WriteBack:
    """Writes one search's runs to ``kb`` under ``search_id`` (see the module docstring)."""

    def __init__(self, kb, *, dataset_id: int, metric: str, search_id: int | None):
        self._kb, self._dataset_id, self._metric = kb, dataset_id, metric
        self.search_id = search_id
        self.n_written = 0

    @classmethod
    def begin(cls, kb, *, dataset_id: int, metric: str, settings: Mapping) -> WriteBack:
        """Record the start of the search (status ``running``) and return its write-back."""
        record = kb.start_search(dataset_id, metric=metric, settings=settings)
        return cls(kb, dataset_id=dataset_id, metric=metric, search_id=record.search_id)

    def __call__(self, study, outcome) -> None:
        """Commit ``outcome`` (a :class:`~metalearn.searcher._trial.TrialOutcome`) as a run, unless it is not a full run."""
        if not outcome.full_run:
            return
        from metalearn.kb import RunInput

        cfg = self._kb.add_configuration(outcome.algorithm, outcome.params)
        self._kb.add_runs([
            RunInput(
                self._dataset_id, cfg.configuration_id, self._metric, outcome.score if outcome.ok else None,
                outcome.protocol, status=outcome.status, fit_time=outcome.fit_time, error=outcome.error,
                source=computed_by(), search_id=self.search_id,
            )
        ])
        self.n_written += 1

    def end(self, status: str, *, best_score: float | None, n_trials: int) -> None:
        """Record the end of the search: ``status`` is ``"finished"``, ``"interrupted"`` or ``"failed"``.

        A KB error is raised only when the search finished: after a failure or an interrupt the
        original exception matters more than the bookkeeping."""
        if self.search_id is None:
            return
        try:
            self._kb.finish_search(self.search_id, status=status, best_score=best_score, n_trials=n_trials)
        except MetaLearnError:
            if status == "finished":
                raise
