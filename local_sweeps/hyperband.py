"""Hyperband early termination, as W&B's sweep engine decides it."""

from __future__ import annotations


def hyperband_brackets(early_terminate):
    """The iterations at which hyperband compares runs (W&B's hyperband_stopping.py).

    With ``min_iter``: min_iter * eta**k for k = 0, 1, ...; with ``max_iter`` and ``s``:
    max_iter / eta**k for k = 1..s, dropping those below 1.
    """
    eta = early_terminate.get("eta", 3)
    if "min_iter" in early_terminate:
        # W&B lists 100 brackets; past ~1e6 iterations none can ever be reached.
        brackets, band = [], early_terminate["min_iter"]
        while band <= 1_000_000 and len(brackets) < 100:
            brackets.append(int(band))
            band *= eta
        return brackets
    brackets, band = [], early_terminate["max_iter"]
    for _ in range(early_terminate["s"]):
        band /= eta
        if band < 1:
            break
        brackets.append(int(band))
    return sorted(brackets)


def hyperband_check(history, others, early_terminate, goal):
    """Whether hyperband stops a running trial now (W&B's hyperband_stopping.py).

    At the latest bracket ``b`` the trial has passed (it logged more than ``b``
    values), the cut is the ``int(len/eta)``-th best of the values every trial
    logged at index ``b`` (this one included); the trial stops when even its best
    value so far is worse than the cut. W&B's code does not read ``strict``.

    Parameters
    ----------
    history : list of float
        This trial's metric values so far, in log order (finite values only).
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
        The bracket the decision was taken at (None before the first one).
    cut : float or None
        The value the trial had to beat there.
    """
    sign = -1.0 if goal == "maximize" else 1.0  # compare as W&B does: lower is better
    mine = [sign * v for v in history]
    histories = [[sign * v for v in h] for h in others if len(h)] + ([mine] if mine else [])
    bracket = None
    for band in hyperband_brackets(early_terminate):
        if band < len(mine):
            bracket = band
        else:
            break
    if bracket is None:
        return False, None, None
    values = sorted(h[bracket] for h in histories if len(h) > bracket)
    cut = values[int(len(values) / early_terminate.get("eta", 3))]
    return min(mine) > cut, bracket, sign * cut
