"""One rule from an estimate and its 95% interval to a verdict: holds, does not hold, cannot tell.

Every claim the series checks (a trend along a parameter, one group of runs beating
another, a tuned model beating the baseline on the test set) is reduced to one number
signed so that a positive value is what the claim says, with a 95% interval around it.
Then ``decide`` applies the one rule, printed by the notebooks as ``RULE``:

- **holds** when the whole interval lies on the claimed side of "no effect";
- **does not hold** when the whole interval lies on the other side (it excludes the
  claimed direction);
- **cannot tell** otherwise, with roughly how many runs would decide it if the effect
  stayed at its estimate.

The intervals come from ``scipy.stats``: Fisher's z on the ranks for Spearman's
correlation (``pearsonr`` on ranked data), the bootstrap over runs for differences of
medians, and an exact binomial (McNemar's test) for two models scored on the same test
digits. Printed figures carry enough digits that no printed number contradicts its
verdict (an interval that excludes zero never prints an end of 0.00).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

HOLDS, FAILS, UNSURE = "holds", "does not hold", "cannot tell"
LEVEL = 0.95
# Below this many runs on a side an interval says little (a bootstrap of 3 runs is
# narrower than the truth): the verdict is "cannot tell" whatever it shows.
MIN_RUNS = 5
RULE = ("Verdict rule: each claim is one estimate, signed so that positive is what the claim says, "
        "with a 95% interval. HOLDS when the whole interval is above zero; DOES NOT HOLD when the "
        f"whole interval is below zero; otherwise CANNOT TELL (as with fewer than {MIN_RUNS} runs on "
        "a side), with roughly how many runs would decide it.")


@dataclass(frozen=True)
class Interval:
    """An estimate with its 95% interval, signed so that positive is what a claim says."""

    what: str       # e.g. "Spearman's rho", "median gap"
    estimate: float
    low: float
    high: float
    n: int          # runs (or digits) behind it, all sides together
    scale: float = 1.0  # printing only: 100 shows a difference of accuracies in points
    unit: str = ""      # printing only: " points"

    def __str__(self):
        est, low, high = format_interval(self.estimate, self.low, self.high, self.scale)
        return f"{self.what} {est}{self.unit}, 95% interval {low} to {high}{self.unit}, n={self.n}"


def decide(interval, min_runs=MIN_RUNS, n_smallest=None):
    """The verdict of ``RULE`` on a claim whose signed estimate is ``interval``.

    Parameters
    ----------
    interval : Interval
        Positive means what the claim says.
    min_runs : int
        Fewer runs than this on the smallest side: "cannot tell".
    n_smallest : int, optional
        Runs on the smallest side (default ``interval.n``).

    Returns
    -------
    str
        ``HOLDS``, ``FAILS`` or ``UNSURE``.
    """
    smallest = interval.n if n_smallest is None else n_smallest
    if smallest < min_runs or not all(map(math.isfinite, (interval.low, interval.high))):
        return UNSURE
    if interval.low > 0:
        return HOLDS
    if interval.high < 0:
        return FAILS
    return UNSURE


def runs_to_decide(interval):
    """Roughly how many runs would make the interval exclude zero, were the estimate the truth.

    An interval's half-width shrinks as one over the square root of the runs, so the
    runs needed grow with (half-width / estimate) squared. ``None`` when the estimate is
    zero: no number of runs decides an effect that is not there.
    """
    half = (interval.high - interval.low) / 2
    if interval.estimate == 0 or not math.isfinite(half):
        return None
    return max(interval.n + 1, math.ceil(interval.n * (half / abs(interval.estimate)) ** 2))


def format_interval(estimate, low, high, scale=1.0, digits=2):
    """Estimate and interval ends as text, with enough decimals that none contradicts the verdict.

    An end that is not zero never prints as zero, and no end prints on the other side
    of zero than it lies: ``+0.0004`` prints as ``+0.0004``, not ``+0.00``.

    Returns
    -------
    tuple of str
        ``(estimate, low, high)``, each with an explicit sign.
    """
    values = [v * scale for v in (estimate, low, high)]
    for d in range(digits, 7):
        shown = [round(v, d) for v in values]
        if all((s == 0) == (v == 0) and (s > 0) == (v > 0) for s, v in zip(shown, values, strict=True)):
            break
    return tuple(f"{v:+.{d}f}" for v in values)


def spearman_interval(x, y, what="Spearman's rho", sign=1.0):
    """Spearman's rank correlation of ``x`` and ``y`` with a Fisher-z 95% interval.

    Parameters
    ----------
    x, y : sequences of float
        One value per run, equally long, at least 4 runs.
    sign : {1, -1}
        -1 flips the estimate and interval, for a claim that the correlation is negative.

    Returns
    -------
    Interval
        NaN ends when either sequence is constant (no ranks to correlate).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) != len(y) or len(x) < 4:
        raise ValueError(f"spearman_interval needs two sequences of one length >= 4, "
                         f"got {len(x)} and {len(y)}")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return Interval(what, math.nan, math.nan, math.nan, len(x))
    result = stats.pearsonr(stats.rankdata(x), stats.rankdata(y))  # Pearson on ranks = Spearman
    ci = result.confidence_interval(LEVEL)  # Fisher's z transformation
    low, high = sorted((sign * ci.low, sign * ci.high))
    return Interval(what, sign * float(result.statistic), float(low), float(high), len(x))


def bootstrap_interval(statistic, samples, what, seed=0, paired=False, scale=1.0, unit=""):
    """A statistic of one or more samples of runs with a percentile-bootstrap 95% interval.

    Parameters
    ----------
    statistic : callable
        ``statistic(*samples, axis=-1)``, vectorised as ``scipy.stats.bootstrap`` wants.
    samples : sequence of array_like
        The runs, one array per group (resampled independently unless ``paired``).
    seed : int
        Seeds the resampling, so a verdict is reproducible.

    Returns
    -------
    Interval
    """
    samples = tuple(np.asarray(s, dtype=float) for s in samples)
    estimate = float(statistic(*samples, axis=-1))
    n = sum(len(s) for s in samples) if not paired else len(samples[0])
    if min(len(s) for s in samples) < 2:
        return Interval(what, estimate, math.nan, math.nan, n, scale, unit)
    result = stats.bootstrap(samples, statistic, paired=paired, vectorized=True,
                             confidence_level=LEVEL, n_resamples=4999, method="percentile",
                             rng=np.random.default_rng(seed))
    ci = result.confidence_interval
    return Interval(what, estimate, float(ci.low), float(ci.high), n, scale, unit)


def _median_gap(a, b, axis=-1):
    return np.median(a, axis=axis) - np.median(b, axis=axis)


def median_gap_interval(a, b, sign=1.0, seed=0):
    """Median of ``a`` minus median of ``b`` (accuracies: shown in points), bootstrapped over runs.

    ``sign=-1`` flips it, for a metric that is better when lower.
    """
    a, b = sign * np.asarray(a, dtype=float), sign * np.asarray(b, dtype=float)
    return bootstrap_interval(_median_gap, (a, b), "median gap", seed=seed, scale=100, unit=" points")


def accuracy_interval(correct, total):
    """An accuracy with its exact (Clopper-Pearson) 95% interval, as ``(acc, low, high)``."""
    ci = stats.binomtest(int(correct), int(total)).proportion_ci(LEVEL, method="exact")
    return correct / total, float(ci.low), float(ci.high)


@dataclass(frozen=True)
class PairedGap:
    """Two models on the same test digits: who gets which right, and the gap with its interval."""

    only_first: int   # digits the first model gets right and the second wrong
    only_second: int  # the other way round
    total: int
    interval: Interval
    p_value: float    # McNemar's exact test: both models equally accurate


def paired_gap(right_first, right_second):
    """Accuracy of the first model minus the second's, on the same digits (McNemar).

    Only the digits the two models disagree on carry information: of those, the share
    the first model gets right has an exact binomial interval, which scales to an
    interval on the accuracy gap.

    Parameters
    ----------
    right_first, right_second : array_like of bool
        Per test digit: did each model classify it correctly?

    Returns
    -------
    PairedGap
        The interval is in accuracy units (``scale=100`` prints points).
    """
    a, b = np.asarray(right_first, dtype=bool), np.asarray(right_second, dtype=bool)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError(f"paired_gap needs two 1-d boolean arrays of one length, "
                         f"got shapes {a.shape} and {b.shape}")
    only_a, only_b, n = int(np.sum(a & ~b)), int(np.sum(~a & b)), len(a)
    discordant = only_a + only_b
    if discordant == 0:
        interval = Interval("accuracy gap", 0.0, 0.0, 0.0, n, 100, " points")
        return PairedGap(only_a, only_b, n, interval, 1.0)
    test = stats.binomtest(only_a, discordant)
    ci = test.proportion_ci(LEVEL, method="exact")
    to_gap = discordant / n  # gap = (only_a - only_b) / n = discordant / n * (2 p - 1)
    interval = Interval("accuracy gap", (only_a - only_b) / n, to_gap * (2 * ci.low - 1),
                        to_gap * (2 * ci.high - 1), n, 100, " points")
    return PairedGap(only_a, only_b, n, interval, float(test.pvalue))
