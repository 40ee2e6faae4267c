"""The original post's findings, each checked on a sweep: a claim, an estimate, a verdict.

Every check reduces its claim to one estimate, signed so that positive is what the claim
says, with a 95% interval, and hands it to the one rule of ``verdicts`` (``RULE``,
``decide``): holds, does not hold, or cannot tell with roughly how many runs would decide
it (``runs_to_decide``). The estimates are Spearman's rank correlation with a Fisher-z
interval (a trend along a parameter), a difference of medians bootstrapped over runs (one
group against another), a difference of absolute rank correlations bootstrapped over
runs (one parameter against another) and a median gap against a tolerance (small nets
scoring as high as large ones). ``post_findings`` asks the post's findings 1-4 on a
random sweep's table (notebook 04); notebook 05 checks what early termination cost by
finishing the runs it cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from multi_layer_net import hidden_sizes
from sweep_tables import as_categories, as_numbers, check_goal, finished_runs, without_unused_layer
from verdicts import (
    FAILS,
    HOLDS,
    UNSURE,
    Interval,
    bootstrap_interval,
    decide,
    median_gap_interval,
    runs_to_decide,
    spearman_interval,
)

__all__ = ["HOLDS", "FAILS", "UNSURE", "Verdict", "spearman", "rank_trend", "compare_pair",
           "stronger_than", "small_nets_score_high", "post_findings"]


@dataclass
class Verdict:
    """A claim, its estimate with a 95% interval, the rule's verdict on it, and the context."""

    claim: str
    verdict: str        # HOLDS, FAILS or UNSURE, from verdicts.decide
    interval: Interval  # signed: positive is what the claim says
    evidence: str = ""  # the numbers behind the estimate, in words
    numbers: dict = field(default_factory=dict)
    why_not: str = ""   # a plausible reason when it does not hold: a hypothesis, not a finding

    @property
    def runs_needed(self):
        """Roughly how many runs would decide a "cannot tell", were the estimate the truth."""
        return runs_to_decide(self.interval) if self.verdict == UNSURE else None

    def __str__(self):
        text = f"{self.claim}\n    -> {self.verdict.upper()}: {self.interval}"
        if self.verdict == UNSURE:
            needed = self.runs_needed
            if needed:
                text += f"; about {needed} runs would decide it"
            elif self.interval.estimate == 0:
                text += "; no number of runs decides an estimate of zero"
            else:
                text += "; too few runs for an interval"
        if self.evidence:
            text += f"\n    {self.evidence}"
        if self.why_not and self.verdict != HOLDS:
            text += f"\n    Plausible why: {self.why_not}"
        return text


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


def spearman(x, y):
    """Spearman's rank correlation of two equally long sequences; NaN if either is constant."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) != len(y):
        raise ValueError(f"spearman needs sequences of one length, got {len(x)} and {len(y)}")
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(_rho_rows(x, y))  # the bootstrap's own estimator, on one sample


def _sign(goal):
    check_goal(goal)
    return 1.0 if goal == "maximize" else -1.0


def _too_few(what, n):
    """An interval that decides nothing: fewer runs than any estimate needs."""
    return Interval(what, float("nan"), float("nan"), float("nan"), n)


def _shape(x, y):
    """Medians of y along x (by value if x has at most 4 values, else by thirds) and their shape."""
    if x.nunique() <= 5:
        groups = y.groupby(x.to_numpy())
    else:
        groups = y.groupby(pd.qcut(x.rank(method="first"), 3, labels=False).to_numpy())
    medians = groups.median().to_numpy()
    steps = np.diff(medians)
    if (steps >= 0).all():
        shape = "rises"
    elif (steps <= 0).all():
        shape = "falls"
    elif medians.argmax() not in (0, len(medians) - 1):
        shape = "peaks in the middle: not monotone"
    else:
        shape = "dips in the middle: not monotone"
    return medians, shape


def _numeric(runs, param, check):
    if param not in runs.columns:
        raise ValueError(f"no column {param!r} in the results table")
    x = as_numbers(runs[param])
    if x is None:
        raise ValueError(f"{check} needs a numeric parameter; {param!r} is categorical")
    return x


def rank_trend(df, param, metric, direction=1, goal="maximize", claim=None, why_not=""):
    """Whether better runs come with larger (``direction=1``) or smaller (-1) values of ``param``.

    The estimate is Spearman's rank correlation between the parameter and the metric,
    signed so that positive is the claim (``direction``, and ``goal``: for a metric to
    minimize, lower is better), with its Fisher-z 95% interval. Rank-based, so one
    diverged run moves it by one rank, not by its size. Medians along the parameter say
    whether the trend is monotone: a peak in the middle is no trend either way.

    Parameters
    ----------
    df : pandas.DataFrame
        A results table (or a subset of one, e.g. the Net1 runs).
    param, metric : str
        A numeric parameter column and the metric column. Runs without a value of the
        parameter (Net1's blanked ``hidden_size2``) are left out.
    direction : {1, -1}
        The claim: 1 if larger values go with better runs, -1 if smaller ones do.
    goal : str
        The metric's goal, ``"maximize"`` or ``"minimize"``.
    claim, why_not : str
        The claim in words, and why it may plausibly fail here.

    Returns
    -------
    Verdict
        ``numbers`` holds ``n``, ``rho`` (unsigned), ``medians`` and ``shape``.
    """
    if direction not in (1, -1):
        raise ValueError(f"direction must be 1 or -1, got {direction!r}")
    sign = _sign(goal)
    runs = finished_runs(df, metric)
    x = _numeric(runs, param, "rank_trend")
    keep = x.notna()
    x, y = x[keep], runs.loc[keep, metric].astype(float)
    claim = claim or f"better runs have {'larger' if direction > 0 else 'smaller'} {param}"
    what = f"Spearman's rho ({'+' if direction * sign > 0 else '-'}{param} vs {metric})"
    n = len(y)
    if n < 4:
        return Verdict(claim, UNSURE, _too_few(what, n), f"only {n} finished runs", {"n": n}, why_not)
    interval = spearman_interval(x, y, what=what, sign=direction * sign)
    medians, shape = _shape(x, y)
    shown = ", ".join(f"{v:.2%}" if abs(v) <= 1 else f"{v:.3g}" for v in medians)
    evidence = f"medians of {metric} along {param}: {shown} ({shape})"
    if shape in ("rises", "falls") and interval.low <= 0 <= interval.high:
        # medians that line up are still no trend when rho's own interval holds 0
        evidence += "; rho's 95% interval includes 0, so the runs do not confirm that trend"
    numbers = {"n": n, "rho": direction * sign * interval.estimate, "medians": medians.tolist(),
               "shape": shape}
    return Verdict(claim, decide(interval), interval, evidence, numbers, why_not)


def compare_pair(df, by, better, worse, metric, goal="maximize", claim=None, why_not=""):
    """Whether runs with ``by == better`` beat runs with ``by == worse`` (Adam against SGD).

    The estimate is the better group's median minus the other's (signed by ``goal``), in
    points of the metric, with a 95% interval from the bootstrap over runs, each group
    resampled on its own. Medians, so one lucky run does not decide it.

    Returns
    -------
    Verdict
        ``numbers`` holds ``n_better, n_worse, median_better, median_worse``.
    """
    sign = _sign(goal)
    runs = finished_runs(df, metric)
    if by not in runs.columns:
        raise ValueError(f"no column {by!r} in the results table")
    labels = as_categories(runs[by])
    a = runs.loc[labels == str(better), metric].astype(float)
    b = runs.loc[labels == str(worse), metric].astype(float)
    claim = claim or f"runs with {by}={better} beat runs with {by}={worse}"
    numbers = {"n_better": len(a), "n_worse": len(b),
               "median_better": a.median(), "median_worse": b.median()}
    interval = median_gap_interval(a, b, sign=sign)
    interval = Interval(f"median gap ({better} - {worse})", interval.estimate, interval.low,
                        interval.high, interval.n, interval.scale, interval.unit)
    evidence = (f"median {metric} {a.median():.2%} with {better} ({len(a)} runs) vs "
                f"{b.median():.2%} with {worse} ({len(b)} runs)")
    verdict = decide(interval, n_smallest=min(len(a), len(b)))
    return Verdict(claim, verdict, interval, evidence, numbers, why_not)


def _rank_rows(v, axis=-1):
    return stats.rankdata(v, axis=axis)


def _rho_rows(x, y, axis=-1):
    """Spearman's rho along the last axis, for every row of a batch of resamples at once."""
    rx, ry = _rank_rows(x, axis), _rank_rows(y, axis)
    rx = rx - rx.mean(axis=axis, keepdims=True)
    ry = ry - ry.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rx * ry).sum(axis=axis) / np.sqrt((rx ** 2).sum(axis=axis) * (ry ** 2).sum(axis=axis))


def _abs_rho_gap(x1, x2, y, axis=-1):
    """|rho(x1, y)| - |rho(x2, y)|, vectorised over resamples.

    A resample in which a parameter (or the metric) takes one value only shows no
    association: its rho counts as 0, so a few such resamples of a small table do not
    leave the whole interval undefined.
    """
    return (np.abs(np.nan_to_num(_rho_rows(x1, y, axis)))
            - np.abs(np.nan_to_num(_rho_rows(x2, y, axis))))


def stronger_than(df, first, second, metric, claim=None, why_not="", seed=0):
    """Whether ``first`` goes with the metric more strongly than ``second`` does.

    The estimate is |Spearman(first, metric)| - |Spearman(second, metric)|, with a 95%
    interval from the bootstrap over runs (each resample keeps a run's two parameters and
    its metric together). Strength either way: a width that hurts matters as much as one
    that helps.

    Returns
    -------
    Verdict
        ``numbers`` holds ``n``, ``rho_first`` and ``rho_second``.
    """
    runs = finished_runs(df, metric)
    for p in (first, second):
        if p not in runs.columns or as_numbers(runs[p]) is None:
            raise ValueError(f"stronger_than needs numeric parameter columns; {p!r} is not one")
    runs = runs[runs[first].notna() & runs[second].notna()]
    claim = claim or f"{first} matters more than {second}"
    what = f"|rho({first})| - |rho({second})|"
    x1, x2 = as_numbers(runs[first]).to_numpy(), as_numbers(runs[second]).to_numpy()
    y = runs[metric].astype(float).to_numpy()
    n = len(y)
    if n < 4:
        return Verdict(claim, UNSURE, _too_few(what, n), f"only {n} finished runs", {"n": n}, why_not)
    r1, r2 = spearman(x1, y), spearman(x2, y)
    interval = bootstrap_interval(_abs_rho_gap, (x1, x2, y), what, seed=seed, paired=True)
    if not np.isfinite(interval.estimate):
        interval = _too_few(what, n)
    evidence = f"Spearman with {metric} over {n} runs: {first} {r1:+.2f}, {second} {r2:+.2f}"
    numbers = {"n": n, "rho_first": r1, "rho_second": r2}
    return Verdict(claim, decide(interval), interval, evidence, numbers, why_not)


def small_nets_score_high(df, small, metric, goal="maximize", tolerance=0.01, claim=None,
                          why_not="", seed=0):
    """Whether small nets score as high as the others, within ``tolerance``.

    "Also score high" is a claim that small nets are not worse by more than a margin: the
    estimate is the small nets' median minus the others' plus ``tolerance`` (an absolute
    gap in the metric, 0.01 = one point of accuracy), bootstrapped over runs. It holds
    when the whole interval is above zero: small nets trail by less than the tolerance,
    if at all. Medians, so neither one lucky small net nor one failed large one decides.

    Parameters
    ----------
    df : pandas.DataFrame
        A results table.
    small : pandas.Series of bool
        Which rows of ``df`` are small nets.

    Returns
    -------
    Verdict
        ``numbers`` holds ``n_small``, ``n_large``, ``median_small``, ``median_large``.
    """
    if len(small) != len(df):
        raise ValueError(f"small has {len(small)} entries for a table of {len(df)} rows")
    sign = _sign(goal)
    runs = finished_runs(df, metric)
    is_small = np.asarray(small, dtype=bool)[df.index.get_indexer(runs.index)]
    a = runs.loc[is_small, metric].astype(float).to_numpy()
    b = runs.loc[~is_small, metric].astype(float).to_numpy()
    claim = claim or "small nets also score high"
    gap = median_gap_interval(a, b, sign=sign, seed=seed)
    interval = Interval(f"median gap (small - others) + {100 * tolerance:g}-point margin",
                        gap.estimate + tolerance, gap.low + tolerance, gap.high + tolerance,
                        gap.n, gap.scale, gap.unit)
    evidence = (f"median {metric} {np.median(a) if len(a) else np.nan:.2%} for the {len(a)} small "
                f"nets vs {np.median(b) if len(b) else np.nan:.2%} for the {len(b)} others")
    numbers = {"n_small": len(a), "n_large": len(b),
               "median_small": float(np.median(a)) if len(a) else np.nan,
               "median_large": float(np.median(b)) if len(b) else np.nan}
    verdict = decide(interval, n_smallest=min(len(a), len(b)))
    return Verdict(claim, verdict, interval, evidence, numbers, why_not)


# ---------------------------------------------------------------------------
# The post's findings 1-4
# ---------------------------------------------------------------------------

SHORT = "every run trains only 1-3 epochs on 10,000 images, where the post trained 20-100 epochs"


SMALL_MAX = 128  # finding 4e's "small net": no hidden layer wider than this


def is_small_net(config, small_max=SMALL_MAX):
    """Whether a config's network is small in finding 4e's sense: no layer it builds (Net1 builds
    no ``hidden_size2``) is wider than ``small_max`` units. ``config`` is a dict or a table row."""
    return max(hidden_sizes(config)) <= small_max


def post_findings(df, metric="val_acc", goal="maximize", small_max=SMALL_MAX):
    """The original post's findings 1-4, each checked on a random sweep's results table.

    The table needs the columns of ``sweep_configs/random.yaml``: ``network``,
    ``hidden_size1``, ``hidden_size2``, ``optimizer`` (with ``sgd`` and ``adam``), ``lr``,
    ``batch_size`` and ``config.epochs``. Each finding is asked on the runs the post asked
    it on: finding 1 on the one-layer nets, 2 on the two-layer nets, 3 on the two-layer
    nets trained with Adam (the post had dropped SGD by then), 4 on the Adam runs.

    Parameters
    ----------
    small_max : int
        A "small net" has no hidden layer wider than this.

    Returns
    -------
    list of (str, Verdict)
        A label ("1a", "1b", ..., "4e") and the verdict, in the post's order.
    """
    needed = ["network", "hidden_size1", "hidden_size2", "optimizer", "lr", "batch_size",
              "config.epochs"]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(f"post_findings needs the columns {', '.join(needed)}; missing: "
                         f"{', '.join(missing)}")
    df = without_unused_layer(df)
    net1, net2 = df[df["network"] == "Net1"], df[df["network"] == "Net2"]
    adam = df[df["optimizer"] == "adam"]

    def trend(label, runs, param, claim, why_not):
        return label, rank_trend(runs, param, metric, goal=goal, claim=claim, why_not=why_not)

    def pair(label, runs, by, better, worse, claim, why_not):
        return label, compare_pair(runs, by, better, worse, metric, goal=goal, claim=claim,
                                   why_not=why_not)

    findings = [
        trend("1a", net1, "hidden_size1", "One-layer nets: low scores come with a small hidden layer",
              "in a random draw, width is mixed up with the optimizer and learning rate (a narrow "
              "net with SGD at a tiny lr scores low for the lr); see 4d for width among Adam runs"),
        trend("1b", net1, "lr", "One-layer nets: low scores come with a small learning rate",
              "the learning rate acts differently for the two optimizers, so one trend over both "
              "can hide it: see the plot by optimizer"),
        pair("1c", net1, "optimizer", "adam", "sgd",
             "One-layer nets: low scores come with SGD (Adam beats it)",
             f"SGD with a well-chosen lr can come close to Adam; {SHORT}"),
        pair("2", net2, "optimizer", "adam", "sgd",
             "Two-layer nets: Adam beats SGD, so SGD can be dropped",
             f"SGD with a well-chosen lr can come close to Adam; {SHORT}"),
        ("3", stronger_than(net2[net2["optimizer"] == "adam"], "hidden_size1", "hidden_size2",
                            metric, claim="Two-layer nets with Adam: the first hidden layer "
                                          "matters more than the second",
                            why_not="at 64 units or more neither layer is a bottleneck for "
                                    "MNIST, so neither width matters much")),
        pair("4a", adam, "network", "Net2", "Net1", "Best runs (Adam): two layers beat one",
             f"a second layer pays off with longer training; {SHORT}"),
        trend("4b", adam, "batch_size", "Best runs (Adam): a large batch",
              f"with the epochs fixed, a larger batch makes fewer updates; {SHORT}"),
        trend("4c", adam, "config.epochs", "Best runs (Adam): many epochs",
              "Adam with a cosine schedule reaches most of its accuracy in the first epoch, and "
              "1-3 epochs is a narrow range"),
        trend("4d", adam, "hidden_size1", "Best runs (Adam): large hidden layers",
              "even 64 units separate digits well; short runs do not reward width"),
    ]
    small = pd.Series([is_small_net(row, small_max) for _, row in df.iterrows()],
                      index=df.index, dtype=bool)
    findings.append(("4e", small_nets_score_high(
        adam, small[adam.index], metric, goal=goal,
        claim=f"Small nets (no layer over {small_max} units) also score high (Adam), within 1 point",
        why_not=f"{SHORT}: small nets learn more slowly")))
    return findings


# ---------------------------------------------------------------------------
# What early termination cost
# ---------------------------------------------------------------------------
