"""Exact and permutation p-values for Kendall's W (coefficient of concordance) on small panels.

Under the null hypothesis each member's ranks (ties kept) are arranged at random, independently. The statistic is the
sum of squared rank sums, which orders arrangements exactly as W does. ``portal.stats.prioritisation.kendalls_w``
uses this up to 7 topics and the chi-squared approximation beyond.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import numpy.typing as npt

EXACT = "exact"
PERMUTATION = "permutation"
FloatArray = npt.NDArray[np.float64]
# The exact distribution is built member by member; a step that would combine more (distinct rank-sum states ×
# arrangements of the next member's ranks) than this falls back to random permutations.
EXACT_MAX_WORK = 200_000
PERMUTATIONS = 20_000
PERMUTATION_SEED = 20_240_101


def concordance_p_value(ranks: npt.ArrayLike, *, seed: int = PERMUTATION_SEED) -> tuple[float, str]:
    """P(Σ rank sums² ≥ observed) when each member's ranks (ties kept) are arranged at random: exact or permutation.

    The exact distribution is built member by member over rank-sum vectors. Arranging every member's ranks the same
    way changes nothing, so the first member stays put, and states are kept sorted: adding a uniformly random
    arrangement of the next member's ranks treats every order of the topics alike.
    """
    r = np.asarray(ranks, dtype=float)
    doubled = np.rint(2 * r).astype(np.int64)  # average ranks are whole or halves: exact integer arithmetic
    observed = int((doubled.sum(axis=0) ** 2).sum())
    exact = _exact_tail(doubled, observed)
    if exact is not None:
        return exact, EXACT
    return _permutation_tail(doubled, observed, seed), PERMUTATION


def _arrangements(row: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return np.array(sorted(set(itertools.permutations(row.tolist()))), dtype=np.int64)


def _exact_tail(doubled: npt.NDArray[np.int64], observed: int) -> float | None:
    states: npt.NDArray[np.int64] = np.sort(doubled[:1], axis=1)
    weights: FloatArray = np.ones(1)
    for row in doubled[1:]:
        if math.factorial(row.size) * states.shape[0] > EXACT_MAX_WORK:
            return None
        arrangements = _arrangements(row)
        combined = np.sort((states[:, None, :] + arrangements[None, :, :]).reshape(-1, row.size), axis=1)
        states, inverse = np.unique(combined, axis=0, return_inverse=True)
        weights = np.bincount(
            inverse.ravel(), weights=np.repeat(weights / len(arrangements), len(arrangements))
        ).astype(float)
    return float(min(1.0, weights[(states**2).sum(axis=1) >= observed].sum()))


def _permutation_tail(doubled: npt.NDArray[np.int64], observed: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    m, n = doubled.shape
    at_least, done, chunk = 0, 0, 10_000
    while done < PERMUTATIONS:
        size = min(chunk, PERMUTATIONS - done)
        shuffled = rng.permuted(np.broadcast_to(doubled, (size, m, n)), axis=2)
        at_least += int(((shuffled.sum(axis=1) ** 2).sum(axis=1) >= observed).sum())
        done += size
    # The observed arrangement counts as one of the draws, so the estimate is never 0 (a valid permutation p).
    return (at_least + 1) / (PERMUTATIONS + 1)
