"""A TPE sampler that keeps exploring after the warm start: :class:`ExploringSampler`.

After the enqueued (warm-start) trials, plain TPE already has more completed trials than its
``n_startup_trials``, so it models the history at once; its "good" group is then the best warm
trials, and the continuation stays near them. :class:`ExploringSampler` answers the first
``n_explore`` trials the sampler chooses *after* an enqueued trial with a seeded random sampler,
then hands over to TPE, which now models warm and random trials together.

The count is taken from the study (trials numbered before the one asked, not enqueued, not prior
trials), so it is the same for any number of workers under a trial budget. A study without an
enqueued trial (a cold search) is plain TPE, unchanged.
"""

from __future__ import annotations

from metalearn.searcher._study import ATTR_SOURCE

__all__ = ["ExploringSampler", "exploring"]

_FIXED = "fixed_params"  # Optuna's system attribute of an enqueued trial


def _base():
    import optuna

    return optuna.samplers.BaseSampler


class ExploringSampler(_base()):
    """TPE, except that the first ``n_explore`` sampled trials after the warm start are random.

    >>> import optuna
    >>> s = ExploringSampler(optuna.samplers.TPESampler(seed=0), n_explore=3, seed=0)
    >>> s.n_explore
    3
    """

    def __init__(self, tpe, *, n_explore: int, seed: int | None):
        import optuna

        self._tpe = tpe
        # a seed of its own: TPE's start-up sampler has ``seed``, and would redraw these trials after them
        self._random = optuna.samplers.RandomSampler(seed=None if seed is None else seed + 1)
        self.n_explore = int(n_explore)

    def exploring(self, study, trial) -> bool:
        """Whether ``trial`` is one of the random trials: not enqueued, after an enqueued trial, and
        fewer than ``n_explore`` sampled trials before it."""
        if _FIXED in trial.system_attrs:
            return False
        enqueued_before = sampled_before = 0
        for other in study.get_trials(deepcopy=False):
            if other.number >= trial.number or other.user_attrs.get(ATTR_SOURCE) == "prior":
                continue
            if _FIXED in other.system_attrs:
                enqueued_before += 1
            else:
                sampled_before += 1
        return enqueued_before > 0 and sampled_before < self.n_explore

    def _for(self, study, trial):
        return self._random if self.exploring(study, trial) else self._tpe

    def infer_relative_search_space(self, study, trial):
        return self._for(study, trial).infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        return self._for(study, trial).sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._for(study, trial).sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study, trial):
        self._tpe.before_trial(study, trial)

    def after_trial(self, study, trial, state, values):
        self._tpe.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self._tpe.reseed_rng()
        self._random.reseed_rng()


def exploring(sampler, n_explore: int, seed: int | None):
    """``sampler`` wrapped in an :class:`ExploringSampler` when it is a TPE sampler and ``n_explore`` > 0."""
    import optuna

    if n_explore <= 0 or not isinstance(sampler, optuna.samplers.TPESampler):
        return sampler
    return ExploringSampler(sampler, n_explore=n_explore, seed=seed)
