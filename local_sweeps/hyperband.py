"""Hyperband early termination, decided exactly as W&B's sweep engine decides it.

The reference is ``hyperband_stopping.py`` of W&B's ``sweeps`` 0.3.0. A run's metric
history is the list of its logged metric values that are finite numbers, one per
``wandb.log`` call holding the metric (an epoch, in this series). Bands are epoch
counts. At band ``b``:

- the threshold is taken from the ``b``-th value (1-based, ``history[b - 1]``) of every
  run of the sweep that has logged at least ``b`` values, running or finished, this one
  included: sorted from best to worst, the value at position ``int(len / eta)``
  (0-based), so roughly the best ``1/eta`` of runs are at or above it;
- a running run that has logged at least ``b`` values, and whose latest such band is
  ``b``, is stopped when its value is worse than the threshold: with ``strict: true``
  (W&B's default) its own ``b``-th value, with ``strict: false`` its best value so far.

W&B re-checks every running run each time its controller looks, so a run can be stopped
at any epoch from ``b`` until the next band, as later runs reach ``b`` and move the
threshold; here the check runs each time the trial logs the metric.

Bands: with ``max_iter`` and ``s`` (used whenever ``max_iter`` is given, even beside
``min_iter``): ``int(max_iter / eta**k)`` for ``k = 1..s``, dropping those below 1,
sorted. Otherwise ``int(min_iter * eta**k)`` for ``k = 0..99``.
"""

from __future__ import annotations

import math

from .common import finite_number


def hyperband_brackets(early_terminate):
    """The bands (epoch counts) at which hyperband compares runs, as W&B lists them.

    Parameters
    ----------
    early_terminate : dict
        An ``early_terminate`` section with ``min_iter``, or ``max_iter`` and ``s``;
        ``eta`` defaults to 3.

    Returns
    -------
    list of int
        Ascending. Empty when ``max_iter`` / ``eta`` is below 1 (W&B fails then).
    """
    eta = early_terminate.get("eta", 3)
    if "max_iter" in early_terminate:
        bands, band = [], early_terminate["max_iter"]
        for _ in range(early_terminate["s"]):
            band /= eta
            if band < 1:
                break
            bands.append(int(band))
        return sorted(bands)
    bands, band = [], early_terminate["min_iter"]
    for _ in range(100):  # W&B lists 100 bands
        bands.append(int(band))
        band *= eta
    return bands


def hyperband_stop(histories, running, early_terminate, goal):
    """Which runs hyperband stops, given every run's metric history (W&B's ``stop_runs``).

    Parameters
    ----------
    histories : list of list
        Each run's logged metric values, in log order. Values that are not finite
        numbers (NaN, None, strings) are skipped, as W&B skips them.
    running : list of bool
        Whether each run is still running; only running runs are stopped.
    early_terminate : dict
        A validated ``early_terminate`` section (``eta`` and ``strict`` filled in).
    goal : str
        ``"minimize"`` or ``"maximize"``.

    Returns
    -------
    list of int
        Indices of the runs to stop, ascending.
    """
    if not hyperband_brackets(early_terminate):
        raise ValueError("early_terminate gives no hyperband band: raise max_iter or s")
    decide, clean, _ = _decider(histories, early_terminate, goal)
    return [i for i, (h, run) in enumerate(zip(clean, running, strict=True)) if run and decide(h)[0]]


def _decider(histories, early_terminate, goal):
    """What both entry points share: the cut at every band over ``histories``.

    Returns ``decide`` (a sign-adjusted history -> ``(stop, band, threshold)``), the
    histories sign-adjusted with invalid values dropped, and the sign: W&B compares
    with lower as better, so a maximised metric is negated.
    """
    bands = hyperband_brackets(early_terminate)
    sign = -1.0 if goal == "maximize" else 1.0
    clean = [[sign * v for v in map(finite_number, h) if v is not None] for h in histories]
    thresholds = _thresholds(bands, [h for h in clean if h], early_terminate.get("eta", 3))
    strict = early_terminate.get("strict", True) is True
    return (lambda history: _decide(history, bands, thresholds, strict)), clean, sign


def _thresholds(bands, histories, eta):
    r = 1.0 / eta
    thresholds = []
    longest = max(map(len, histories), default=0)
    for band in bands:
        if band > longest:   # no run got there (W&B lists 100 bands; most are far off)
            thresholds.append(math.inf)
            continue
        values = sorted(h[band - 1] for h in histories if len(h) >= band)
        thresholds.append(values[int(r * len(values))])
    return thresholds


def _decide(history, bands, thresholds, strict):
    """(stop, band, threshold) for one run's sign-adjusted history."""
    band, threshold = None, None
    for b, t in zip(bands, thresholds, strict=True):
        if b > len(history):
            break
        band, threshold = b, t
    if band is None:
        return False, None, None
    value = history[band - 1] if strict else min(history)
    return value > threshold, band, threshold


def hyperband_check(history, others, early_terminate, goal):
    """Whether hyperband stops a running trial now, with what it compared.

    The same decision as :func:`hyperband_stop` for one run, with the histories of the
    sweep's other runs (running or not).

    Parameters
    ----------
    history : list of float
        This trial's metric values so far, in log order.
    others : list of list of float
        The metric histories of the sweep's other trials, whatever their state.
    early_terminate : dict
        A validated ``early_terminate`` section.
    goal : str
        ``"minimize"`` or ``"maximize"``.

    Returns
    -------
    stop : bool
    bracket : int or None
        The band the decision was taken at (None before the first one).
    cut : float or None
        The threshold the trial's value had to match or beat there.
    """
    decide, clean, sign = _decider([*others, history], early_terminate, goal)
    stop, band, threshold = decide(clean[-1])
    return stop, band, None if threshold is None else sign * threshold
