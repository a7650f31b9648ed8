"""Is a claimed accuracy plausible given the few entries a truncated log still shows?

The head and tail of a truncated log hold n complete, distinct entries, k of them correct. If the
claim is `good` correct out of `total` scored samples, and the visible entries are a sample of those,
k follows the hypergeometric law H(total, good, n); when only a percentage is claimed, the binomial
law B(n, accuracy). The two-sided p-value is twice the smaller tail probability P(X <= k), P(X >= k)
(capped at 1). The claim is implausible when p < ALPHA = 1e-6: an honest result is flagged about once
in a million, while a log that does not support its score (wrong labels, a different run, a wrong
dtype) gives p-values many orders of magnitude smaller with the ~60-140 entries of a resnet log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ALPHA = 1e-6


@dataclass(frozen=True, slots=True)
class SpotCheck:
    """The visible sample and the test's verdict."""

    n: int
    correct: int
    claimed: float
    p_value: float
    test: str

    @property
    def implausible(self) -> bool:
        """True when the claimed accuracy is rejected at level ALPHA."""
        return self.p_value < ALPHA


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _two_sided(pmf: dict[int, float], k: int) -> float:
    low = sum(p for i, p in pmf.items() if i <= k)
    high = sum(p for i, p in pmf.items() if i >= k)
    return min(1.0, 2.0 * min(low, high))


def hypergeometric_p(k: int, n: int, good: int, total: int) -> float:
    """Two-sided p-value of k successes in n draws without replacement from `total` holding `good`."""
    lo, hi = max(0, n - (total - good)), min(n, good)
    if not lo <= k <= hi:
        return 0.0
    base = _log_comb(total, n)
    pmf = {i: math.exp(_log_comb(good, i) + _log_comb(total - good, n - i) - base) for i in range(lo, hi + 1)}
    return _two_sided(pmf, k)


def binomial_p(k: int, n: int, p: float) -> float:
    """Two-sided p-value of k successes in n trials of probability p."""
    if p <= 0.0 or p >= 1.0:
        return 1.0 if k == round(p * n) else 0.0
    pmf = {i: math.exp(_log_comb(n, i) + i * math.log(p) + (n - i) * math.log1p(-p)) for i in range(n + 1)}
    return _two_sided(pmf, k)


def spot_check(correct: int, n: int, claimed_percent: float, good: int | None = None,
               total: int | None = None) -> SpotCheck:
    """Test `correct` of `n` visible samples against the claim (hypergeometric when good/total are known)."""
    if good is not None and total is not None and 0 <= good <= total and n <= total:
        return SpotCheck(n, correct, claimed_percent, hypergeometric_p(correct, n, good, total),
                         f"hypergeometric, {good} of {total} correct")
    return SpotCheck(n, correct, claimed_percent, binomial_p(correct, n, claimed_percent / 100.0),
                     f"binomial, p={claimed_percent / 100.0:.4f}")
