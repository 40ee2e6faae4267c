"""The original post's findings, each checked on a sweep: a claim, a verdict, the numbers.

The verdict rule lives here, in one place: every check below measures its evidence
(rank correlations, group medians, the share of pairs one group wins) with and without
the run farthest from the median, then ``decide`` turns it into HOLDS, FAILS or UNSURE.
Too few runs (``MIN_PER_SIDE``) is always UNSURE. ``post_findings`` asks the post's
findings 1-4 on a random sweep's table (notebook 04); ``cut_cost`` asks what early
termination cost a bayes sweep (notebook 05).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from multi_layer_net import hidden_sizes
from sweep_tables import as_categories, as_numbers, check_goal, finished_runs, without_unused_layer

__all__ = ["MIN_PER_SIDE", "HOLDS", "FAILS", "UNSURE", "STRONG", "WEAK", "Verdict", "decide",
           "spearman", "rank_trend", "compare_pair", "stronger_than", "small_nets_score_high",
           "post_findings", "cut_cost"]

# ---------------------------------------------------------------------------
# The verdict rule
# ---------------------------------------------------------------------------
# A comparison drawn from fewer runs than this on a side says "cannot tell".
MIN_PER_SIDE = 8
HOLDS, FAILS, UNSURE = "holds here", "does not hold here", "cannot tell"
# Spearman correlations: at least STRONG (with and without the most extreme run) is a
# trend; below WEAK both ways is none. Between the two, a few runs could decide it.
STRONG, WEAK = 0.3, 0.1


@dataclass
class Verdict:
    """A claim, its verdict on this sweep (HOLDS, FAILS or UNSURE) and the numbers behind it."""

    claim: str
    verdict: str
    evidence: str
    numbers: dict = field(default_factory=dict)
    why_not: str = ""

    def __str__(self):
        text = f"{self.claim}\n    -> {self.verdict.upper()}: {self.evidence}"
        if self.why_not and self.verdict != HOLDS:
            text += f"\n    Plausible why: {self.why_not}"
        return text


def decide(holds, fails):
    """The last step of every check: HOLDS or FAILS when its evidence is clear, else UNSURE.

    Parameters
    ----------
    holds, fails : bool
        Whether the evidence clears the check's bar for the claim, and against it. A
        comparison with NaN is False, so NaN evidence can only give UNSURE.

    Returns
    -------
    str
        ``HOLDS``, ``FAILS`` or ``UNSURE``.
    """
    if holds and fails:
        raise ValueError("a claim cannot both hold and fail: the check's two bars overlap")
    return HOLDS if holds else FAILS if fails else UNSURE


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


def spearman(x, y):
    """Spearman's rank correlation of two equally long sequences; NaN if either is constant."""
    x, y = pd.Series(np.asarray(x, dtype=float)), pd.Series(np.asarray(y, dtype=float))
    if len(x) != len(y):
        raise ValueError(f"spearman needs sequences of one length, got {len(x)} and {len(y)}")
    if len(x) < 3 or x.nunique() < 2 or y.nunique() < 2:
        return float("nan")
    return float(x.rank().corr(y.rank()))


def _most_extreme(y):
    """Index label of the value farthest from the median: the run one would suspect first."""
    return (y - y.median()).abs().idxmax()


def _sign(goal):
    check_goal(goal)
    return 1.0 if goal == "maximize" else -1.0


def _shape(x, y):
    """Medians of y along x (by value if x has at most 4 values, else by thirds) and their shape."""
    if x.nunique() <= 4:
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


def rank_trend(df, param, metric, direction=1, goal="maximize", min_runs=MIN_PER_SIDE,
               claim=None, why_not=""):
    """Whether better runs come with larger (``direction=1``) or smaller (-1) values of ``param``.

    Rank-based, so one diverged run cannot flip it: Spearman's correlation between the
    parameter and the metric (signed so that positive means "better"), over the finished
    runs and again without the run farthest from the median metric. The trend holds when
    both are at least 0.3 in the claimed direction; it does not hold when both are below
    0.1; otherwise one cannot tell. Medians along the parameter say whether it is monotone.

    Parameters
    ----------
    df : pandas.DataFrame
        A results table (or a subset of one, e.g. the Net1 runs).
    param, metric : str
        A numeric parameter column and the metric column.
    direction : {1, -1}
        The claim: 1 if larger values go with better runs, -1 if smaller ones do.
    goal : str
        The metric's goal, ``"maximize"`` or ``"minimize"``.
    min_runs : int
        Fewer finished runs than this: "cannot tell".
    claim, why_not : str
        The claim in words, and why it may plausibly fail here.

    Returns
    -------
    Verdict
        ``numbers`` holds ``n``, ``rho``, ``rho_without``, ``medians`` and ``shape``.
    """
    if direction not in (1, -1):
        raise ValueError(f"direction must be 1 or -1, got {direction!r}")
    sign = _sign(goal)
    runs = finished_runs(df, metric)
    if param not in runs.columns:
        raise ValueError(f"no column {param!r} in the results table")
    x = as_numbers(runs[param])
    if x is None:
        raise ValueError(f"rank_trend needs a numeric parameter; {param!r} is categorical")
    keep = x.notna()
    x, y = x[keep], runs.loc[keep, metric].astype(float)
    claim = claim or f"better runs have {'larger' if direction > 0 else 'smaller'} {param}"
    n = len(y)
    if n < min_runs:
        return Verdict(claim, UNSURE, f"only {n} finished runs; {min_runs} needed",
                       {"n": n}, why_not)
    rho = spearman(x, y)
    drop = _most_extreme(y)
    rho_without = spearman(x.drop(drop), y.drop(drop))
    medians, shape = _shape(x, y)
    s = [direction * sign * r for r in (rho, rho_without)]
    verdict = decide(all(v >= STRONG for v in s), all(v < WEAK for v in s))
    shown = ", ".join(f"{v:.2%}" if abs(v) <= 1 else f"{v:.3g}" for v in medians)
    evidence = (f"Spearman {rho:+.2f} between {param} and {metric} over {n} runs, {rho_without:+.2f} "
                f"without the most extreme ({float(y[drop]):.2%}); medians along {param}: {shown} "
                f"({shape})")
    numbers = {"n": n, "rho": rho, "rho_without": rho_without, "medians": medians.tolist(),
               "shape": shape}
    return Verdict(claim, verdict, evidence, numbers, why_not)


def _superiority(a, b):
    """P(a random run of a beats one of b), ties counting half: the rank-sum statistic."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    wins = (a[:, None] > b[None, :]).sum() + 0.5 * (a[:, None] == b[None, :]).sum()
    return float(wins / (len(a) * len(b)))


def compare_pair(df, by, better, worse, metric, goal="maximize", min_per_side=MIN_PER_SIDE,
                 claim=None, why_not=""):
    """Whether runs with ``by == better`` beat runs with ``by == worse`` (Adam against SGD).

    The claim holds when the better group's median is better with and without the run
    farthest from the pooled median, and a run of it beats a run of the other in at least
    60% of pairs; it does not hold when its median is no better either way; otherwise,
    or with fewer than ``min_per_side`` finished runs on a side, one cannot tell.

    Returns
    -------
    Verdict
        ``numbers`` holds ``n_better, n_worse, median_better, median_worse``, the same
        ``..._without`` the most extreme run, and ``p_better`` (the share of pairs won).
    """
    sign = _sign(goal)
    runs = finished_runs(df, metric)
    if by not in runs.columns:
        raise ValueError(f"no column {by!r} in the results table")
    labels = as_categories(runs[by])
    a = runs.loc[labels == str(better), metric].astype(float)
    b = runs.loc[labels == str(worse), metric].astype(float)
    claim = claim or f"runs with {by}={better} beat runs with {by}={worse}"
    numbers = {"n_better": len(a), "n_worse": len(b)}
    if min(len(a), len(b)) < min_per_side:
        return Verdict(claim, UNSURE, f"{len(a)} runs with {better} and {len(b)} with {worse}; "
                       f"{min_per_side} a side needed", numbers, why_not)
    drop = _most_extreme(pd.concat([a, b]))
    a2, b2 = a.drop(drop, errors="ignore"), b.drop(drop, errors="ignore")
    gaps = [sign * (a.median() - b.median()), sign * (a2.median() - b2.median())]
    p_better = _superiority(sign * a, sign * b)
    verdict = decide(all(g > 0 for g in gaps) and p_better >= 0.6, all(g <= 0 for g in gaps))
    numbers.update(median_better=a.median(), median_worse=b.median(),
                   median_better_without=a2.median(), median_worse_without=b2.median(),
                   p_better=p_better)
    evidence = (f"median {metric} {a.median():.2%} with {better} ({len(a)} runs) vs {b.median():.2%} "
                f"with {worse} ({len(b)}); without the most extreme run {a2.median():.2%} vs "
                f"{b2.median():.2%}; a run with {better} beats one with {worse} in {p_better:.0%} of pairs")
    return Verdict(claim, verdict, evidence, numbers, why_not)


def stronger_than(df, first, second, metric, min_runs=MIN_PER_SIDE, claim=None, why_not=""):
    """Whether ``first`` goes with the metric more strongly than ``second`` (|Spearman|).

    Holds when |rho(first)| exceeds |rho(second)| by at least 0.1 with and without the
    most extreme run; does not hold when it is no larger either way; otherwise, or with
    fewer than ``min_runs`` runs, one cannot tell.

    Returns
    -------
    Verdict
        ``numbers`` holds ``n`` and both correlations, with and without the extreme run.
    """
    runs = finished_runs(df, metric)
    for p in (first, second):
        if p not in runs.columns or as_numbers(runs[p]) is None:
            raise ValueError(f"stronger_than needs numeric parameter columns; {p!r} is not one")
    runs = runs[runs[first].notna() & runs[second].notna()]
    claim = claim or f"{first} matters more than {second}"
    n = len(runs)
    if n < min_runs:
        return Verdict(claim, UNSURE, f"only {n} finished runs; {min_runs} needed", {"n": n}, why_not)
    y = runs[metric].astype(float)
    drop = _most_extreme(y)
    rows = runs.drop(drop)
    r1, r2 = spearman(runs[first], y), spearman(runs[second], y)
    w1, w2 = spearman(rows[first], rows[metric]), spearman(rows[second], rows[metric])
    margins = [abs(r1) - abs(r2), abs(w1) - abs(w2)]
    verdict = decide(all(m >= 0.1 for m in margins), all(m <= 0 for m in margins))
    evidence = (f"over {n} runs, Spearman with {metric}: {first} {r1:+.2f}, {second} {r2:+.2f}; "
                f"without the most extreme run {w1:+.2f} and {w2:+.2f}")
    numbers = {"n": n, "rho_first": r1, "rho_second": r2, "rho_first_without": w1,
               "rho_second_without": w2}
    return Verdict(claim, verdict, evidence, numbers, why_not)


def small_nets_score_high(df, small, metric, tolerance=0.01, min_runs=MIN_PER_SIDE,
                          claim="small nets also score high", why_not=""):
    """Whether the small nets' best runs come within ``tolerance`` of the best run overall.

    Robust to one lucky run: the small nets' *second* best must be within ``tolerance``
    (an absolute gap in the metric, 0.01 = one point of accuracy) of the best of all.

    Parameters
    ----------
    df : pandas.DataFrame
        A results table.
    small : pandas.Series of bool
        Which rows of ``df`` are small nets.

    Returns
    -------
    Verdict
        ``numbers`` holds ``n_small``, ``best``, ``best_small``, ``second_small``.
    """
    if len(small) != len(df):
        raise ValueError(f"small has {len(small)} entries for a table of {len(df)} rows")
    runs = finished_runs(df, metric)
    mine = runs[np.asarray(small, dtype=bool)[df.index.get_indexer(runs.index)]]
    values = mine[metric].astype(float).sort_values(ascending=False)
    n = len(values)
    if n < min_runs:
        return Verdict(claim, UNSURE, f"only {n} finished small-net runs; {min_runs} needed",
                       {"n_small": n}, why_not)
    best = float(runs[metric].max())
    gap = best - float(values.iloc[1])
    verdict = decide(gap <= tolerance, gap > tolerance)
    evidence = (f"best of all {best:.2%}; the {n} small nets' best {values.iloc[0]:.2%} and second "
                f"best {values.iloc[1]:.2%}, {100 * gap:.2f} points behind; high means within "
                f"{100 * tolerance:g} points of the best")
    numbers = {"n_small": n, "best": best, "best_small": float(values.iloc[0]),
               "second_small": float(values.iloc[1])}
    return Verdict(claim, verdict, evidence, numbers, why_not)



# ---------------------------------------------------------------------------
# The post's findings 1-4
# ---------------------------------------------------------------------------

def post_findings(df, metric="val_acc", goal="maximize", small_max=64):
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
    short = "every run trains only 1-3 epochs, where the post trained longer"
    findings = [
        ("1a", rank_trend(net1, "hidden_size1", metric, goal=goal,
                          claim="One-layer nets: low scores come with a small hidden layer",
                          why_not="in a random draw, width is mixed up with the optimizer and "
                                  "learning rate (a narrow net with SGD at a tiny lr scores low for "
                                  "the lr); see 4d for width among Adam runs")),
        ("1b", rank_trend(net1, "lr", metric, goal=goal,
                          claim="One-layer nets: low scores come with a small learning rate",
                          why_not="the learning rate acts differently for the two optimizers, so "
                                  "one trend over both can hide it: see the plot by optimizer")),
        ("1c", compare_pair(net1, "optimizer", "adam", "sgd", metric, goal=goal,
                            claim="One-layer nets: low scores come with SGD (Adam beats it)",
                            why_not=f"SGD with a well-chosen lr can come close to Adam; {short}")),
        ("2", compare_pair(net2, "optimizer", "adam", "sgd", metric, goal=goal,
                           claim="Two-layer nets: Adam beats SGD, so SGD can be dropped",
                           why_not=f"SGD with a well-chosen lr can come close to Adam; {short}")),
        ("3", stronger_than(net2[net2["optimizer"] == "adam"], "hidden_size1", "hidden_size2",
                            metric, claim="Two-layer nets with Adam: the first hidden layer "
                                          "matters more than the second",
                            why_not="at 32 units or more neither layer is a bottleneck for "
                                    "MNIST, so neither width matters much")),
        ("4a", compare_pair(adam, "network", "Net2", "Net1", metric, goal=goal,
                            claim="Best runs (Adam): two layers beat one",
                            why_not=f"a second layer pays off with longer training; {short}")),
        ("4b", rank_trend(adam, "batch_size", metric, goal=goal,
                          claim="Best runs (Adam): a large batch",
                          why_not="with the epochs fixed, a larger batch makes fewer updates; "
                                  + short)),
        ("4c", rank_trend(adam, "config.epochs", metric, goal=goal,
                          claim="Best runs (Adam): many epochs",
                          why_not="Adam reaches most of its accuracy in the first epoch")),
        ("4d", rank_trend(adam, "hidden_size1", metric, goal=goal,
                          claim="Best runs (Adam): large hidden layers",
                          why_not="even 32 units separate digits well; short runs do not "
                                  "reward width")),
    ]
    # Small: no layer the network builds is wider than small_max (Net1's hidden_size2 is not built).
    small = pd.Series([max(hidden_sizes(row)) <= small_max for _, row in df.iterrows()],
                      index=df.index, dtype=bool)
    findings.append(("4e", small_nets_score_high(
        adam, small[adam.index], metric, claim=f"Small nets (no layer over {small_max} units) "
                                               "also score high (Adam)",
        why_not=f"{short}: small nets learn more slowly")))
    return findings


# ---------------------------------------------------------------------------
# What early termination cost
# ---------------------------------------------------------------------------

def cut_cost(histories, stopped, metric, top=3, goal="maximize"):
    """Were runs that early termination cut on course to finish among the best?

    For each stopped run, its metric at its last logged epoch (the cut) is compared with
    the values that the ``top`` best finished runs had logged at that same epoch: a cut run
    at or above the lowest of them was "on course". Among the finished runs, Spearman's
    correlation between the value at that epoch and the final value says how well the
    ranking at the cut predicts the final ranking.

    Parameters
    ----------
    histories : dict of run id -> sequence of float
        Each run's metric values, one per epoch, in order.
    stopped : collection of run ids
        The runs that were cut.

    Returns
    -------
    pandas.DataFrame
        One row per cut epoch: ``epoch`` (1-based), ``cut_runs``, ``on_course`` (how many
        were), ``best_cut`` (the best value a cut run had there), ``top_lowest`` (the
        lowest value a top finisher had there), ``rho`` (cut-epoch vs final rank
        correlation among the finished runs) and ``finished_runs``.
    """
    sign = _sign(goal)
    unknown = [r for r in stopped if r not in histories]
    if unknown:
        raise ValueError(f"stopped runs without a history: {', '.join(map(str, unknown))}")
    stopped = set(stopped)
    finished = {r: list(h) for r, h in histories.items() if r not in stopped and len(h)}
    final_len = max((len(h) for h in finished.values()), default=0)
    finished = {r: h for r, h in finished.items() if len(h) == final_len}
    best = sorted(finished, key=lambda r: -sign * finished[r][-1])[:top]
    rows = []
    for epoch in sorted({len(histories[r]) for r in stopped if len(histories[r])}):
        cut = [histories[r][epoch - 1] for r in stopped if len(histories[r]) == epoch]
        at_top = [finished[r][epoch - 1] for r in best]
        lowest = min(sign * v for v in at_top) * sign if at_top else float("nan")
        on_course = sum(sign * v >= sign * lowest for v in cut) if at_top else 0
        rho = (spearman([h[epoch - 1] for h in finished.values()],
                        [h[-1] for h in finished.values()]) if len(finished) >= 3 else float("nan"))
        rows.append({"epoch": epoch, "cut_runs": len(cut), "on_course": int(on_course),
                     "best_cut": max(cut, key=lambda v: sign * v), "top_lowest": lowest,
                     "rho": rho, "finished_runs": len(finished)})
    columns = ["epoch", "cut_runs", "on_course", "best_cut", "top_lowest", "rho", "finished_runs"]
    return pd.DataFrame(rows, columns=columns)


