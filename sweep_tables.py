"""Reading a sweep's results table: the runs that compare fairly, and what the table says.

Every function here, and in ``sweep_panels``, ``sweep_narrowing`` and ``post_findings``,
takes the table of ``local_sweeps.results``: ``trial, run_id, state``, the metric, one
column per parameter, then ``epochs, steps, runtime, start, end, error``. Findings come
from the *finished* trials with a finite metric: a trial stopped by hyperband was scored
after fewer epochs and a running one is not done, so neither compares fairly with the
rest. The helpers at the top (``finished_runs``, ``as_categories``, ...) are the other
modules' way into the table; below them, what notebook 04 reads from it: the weak runs
and what they share, groups, the best runs, one line per sweep.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from local_sweeps.config import GOALS
from local_sweeps.tables import FIXED_COLUMNS  # the table's layout is defined there, once
from multi_layer_net import HIDDEN_SIZES, hidden_sizes

__all__ = ["check_metric", "check_goal", "finished_runs", "ranked_runs", "as_categories",
           "as_numbers", "masked", "spans_decades", "param_columns", "chosen_params", "weak_runs",
           "shared_traits", "compare_groups", "best_runs", "sweep_line", "without_unused_layer"]


# ---------------------------------------------------------------------------
# The table's runs and columns
# ---------------------------------------------------------------------------

def check_metric(df, metric):
    """Raise a ValueError naming the table's columns if ``metric`` is not one of them.

    Parameters
    ----------
    df : pandas.DataFrame
        A sweep's results table.
    metric : str
        The column the caller means to read.
    """
    if metric not in df.columns:
        raise ValueError(f"no column {metric!r} in the results table; its columns are: "
                         f"{', '.join(map(str, df.columns))}")


def check_goal(goal):
    """Raise a ValueError unless ``goal`` is ``"maximize"`` or ``"minimize"``.

    Parameters
    ----------
    goal : str
        A sweep metric's goal, as in its config.
    """
    if goal not in GOALS:
        raise ValueError(f"goal must be 'maximize' or 'minimize', got {goal!r}")


def finished_runs(df, metric):
    """The finished trials with a finite metric: the ones that compare fairly.

    Parameters
    ----------
    df : pandas.DataFrame
        A sweep's results table.
    metric : str
        Its metric column.

    Returns
    -------
    pandas.DataFrame
        The rows of ``df`` whose state is ``finished`` and whose metric is a finite number,
        with Net1's unused ``hidden_size2`` blanked (``masked``).
    """
    check_metric(df, metric)
    values = pd.to_numeric(df[metric], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return masked(df)[(df["state"] == "finished").to_numpy() & np.isfinite(values)]


def ranked_runs(df, metric, goal):
    """The finished trials (``finished_runs``), best first; ties keep trial order.

    Parameters
    ----------
    df : pandas.DataFrame
        A sweep's results table.
    metric, goal : str
        Its metric column, and ``"maximize"`` or ``"minimize"``.

    Returns
    -------
    pandas.DataFrame
    """
    check_goal(goal)
    return finished_runs(df, metric).sort_values(metric, ascending=goal == "minimize", kind="stable")


def masked(df):
    """``df`` with every width its run's network does not build blanked, if it has the columns.

    The one place the reading of a table forgets Net1's ``hidden_size2``: ``finished_runs``
    (the door of every panel, table, finding and narrowing to the runs), ``weak_runs`` and
    ``shared_traits`` read the table through it. A table without ``network``,
    ``hidden_size1`` and ``hidden_size2`` columns comes back as it is.
    """
    if not {"network", *HIDDEN_SIZES} <= set(df.columns):
        return df
    return without_unused_layer(df)


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def as_categories(series):
    """Values as strings: categories for one-hot features, tick labels, counting.

    Strings also make list values (``hidden_sizes: [256, 256]``) hashable.

    Parameters
    ----------
    series : pandas.Series
        One column of a results table.

    Returns
    -------
    pandas.Series
        Each value as ``str``, missing ones (None, NaN) as None.
    """
    return series.map(lambda v: None if _missing(v) else str(v))


def as_numbers(series):
    """The values as floats if the column holds numbers, else None.

    Parameters
    ----------
    series : pandas.Series
        One column of a results table; booleans count as categories, not numbers.

    Returns
    -------
    pandas.Series or None
        The column as floats (missing values NaN), or None for a categorical column.
    """
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float)
    present = [v for v in series if not _missing(v)]
    if present and all(isinstance(v, (int, float, np.number))
                       and not isinstance(v, (bool, np.bool_)) for v in present):
        return series.astype(float)
    return None


def spans_decades(values):
    """Whether positive values span two decades or more (lr), so a log scale reads them.

    Parameters
    ----------
    values : pandas.Series of float
        A numeric column (``as_numbers``); NaN is left out.

    Returns
    -------
    bool
    """
    values = values.dropna()
    return len(values) > 1 and bool((values > 0).all()) and values.max() / values.min() >= 100


def param_columns(df, metric):
    """The parameter columns of a results table that actually vary.

    Parameters
    ----------
    df : pandas.DataFrame
        A sweep's results table.
    metric : str
        Its metric column, which is not a parameter.

    Returns
    -------
    list of str
        In table order. Constants (``config.epochs``) are left out: they explain nothing.
    """
    check_metric(df, metric)
    columns = [c for c in df.columns if c not in FIXED_COLUMNS and c != metric]
    return [c for c in columns if as_categories(df[c]).nunique(dropna=True) > 1]


def chosen_params(df, metric, params):
    """The parameter columns a panel or a finding reads: ``params``, checked, or those that vary.

    Parameters
    ----------
    df : pandas.DataFrame
        A sweep's results table.
    metric : str or None
        Its metric column (for the default and the error message).
    params : list of str or None
        Columns the caller asked for; None means ``param_columns(df, metric)``.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        Naming the first unknown column and the ones the table has.
    """
    if params is None:
        return param_columns(df, metric)
    unknown = [p for p in params if p not in df.columns]
    if unknown:
        known = param_columns(df, metric) if metric else list(df.columns)
        raise ValueError(f"no column {unknown[0]!r} in the results table; it has: "
                         f"{', '.join(map(str, known))}")
    return list(params)


# ---------------------------------------------------------------------------
# What the table says: weak runs and what they share, groups, the best runs
# ---------------------------------------------------------------------------

def weak_runs(df, metric, goal, quantile=0.25):
    """The weak trials: the bottom ``quantile`` of finished ones, and all that failed.

    Parameters
    ----------
    df : pandas.DataFrame
        A sweep's results table.
    metric, goal : str
        The metric column and ``"maximize"`` or ``"minimize"``.
    quantile : float
        Share of the finished trials counted weak, by the metric's quantile (ties at the
        cut are all included).

    Returns
    -------
    pandas.DataFrame
        The weak rows of ``df``, worst first, with a ``why`` column: ``"failed"``,
        ``"diverged"`` (finished without a finite metric, e.g. a NaN loss) or
        ``"bottom 25%"``. Stopped and running trials are never counted.
    """
    check_goal(goal)
    df = masked(df)
    runs = finished_runs(df, metric)
    values = runs[metric].astype(float)
    if goal == "maximize":
        low = values[values <= values.quantile(quantile)]
    else:
        low = values[values >= values.quantile(1 - quantile)]
    why = pd.Series(None, index=df.index, dtype=object)
    why[df["state"] == "failed"] = "failed"
    why[(df["state"] == "finished") & ~df.index.isin(runs.index)] = "diverged"
    why[low.index] = f"bottom {quantile:.0%}"
    # Failed and diverged trials first (worse than any score), then the lowest scores.
    order = list(why[why.isin(["failed", "diverged"])].index) + \
        list(low.sort_values(ascending=goal == "maximize", kind="stable").index)
    weak = df.loc[order].assign(why=why[order])
    weak.attrs["metric"] = metric
    return weak


def _shift(weak, rest, log):
    """How a median among weak runs compares with the rest, in words."""
    if not (weak > 0 and rest > 0) or weak == rest:
        return "the same" if weak == rest else ("lower" if weak < rest else "higher")
    if log:
        decades = math.log10(weak / rest)
        return f"{abs(decades):.1f} decades {'lower' if decades < 0 else 'higher'}"
    return f"{rest / weak:.1f}x smaller" if weak < rest else f"{weak / rest:.1f}x larger"


def shared_traits(df, weak, params=None, metric=None):
    """What the weak trials have in common, compared with the whole table.

    For a categorical parameter, each value more common among weak trials than overall:
    its count and share among them against its count and share in ``df``. For a numeric
    one, the median among weak trials against the median among the rest (in decades for
    parameters spanning two or more, lr).

    Parameters
    ----------
    df : pandas.DataFrame
        The results table ``weak`` was taken from; it is the "overall" of the comparison.
    weak : pandas.DataFrame
        Rows of ``df``, e.g. from ``weak_runs``; matched by ``trial``.
    params : list of str, optional
        Parameters to compare; by default those that vary.
    metric : str, optional
        The metric column, which is not compared; by default the one ``weak_runs`` used.

    Returns
    -------
    pandas.DataFrame
        One row per over-represented category (``kind`` "categorical", most
        over-represented first), then one per numeric parameter (``kind`` "numeric").
        Columns: ``parameter, kind, value, weak_count, n_weak, all_count, n_all,
        weak_share, overall_share, weak_median, rest_median, ratio`` (share among weak
        over share overall, or weak median over rest median) and ``sentence``, e.g.
        "optimizer=sgd: 5 of 6 weak runs (83%) vs 7 of 20 overall (35%)".
    """
    metric = metric or weak.attrs.get("metric")
    if params is None and metric is None:
        raise ValueError("shared_traits needs params= or metric= when weak does not come "
                         "from weak_runs")
    df = masked(df)
    params = chosen_params(df, metric, params)
    is_weak = df["trial"].isin(weak["trial"])
    n_weak, n_all = int(is_weak.sum()), len(df)
    categorical, numeric = [], []
    for p in params:
        values = as_numbers(df[p])
        if values is not None:
            w, r = values[is_weak].median(), values[~is_weak].median()
            # Runs without a value (Net1's blanked second layer) are left out of the counts.
            k_weak, k_rest = int(values[is_weak].notna().sum()), int(values[~is_weak].notna().sum())
            weak_text = (f"the {k_weak} weak runs" if k_weak == n_weak
                         else f"the {k_weak} weak runs with a value")
            rest_text = (f"the other {k_rest}" if k_rest == n_all - n_weak
                         else f"the other {k_rest} with a value")
            numeric.append(dict(
                parameter=p, kind="numeric", n_weak=n_weak, n_all=n_all, weak_median=w,
                rest_median=r, ratio=w / r if r else np.nan,
                sentence=f"{p}: median {w:.3g} among {weak_text} vs {r:.3g} among "
                         f"{rest_text} ({_shift(w, r, spans_decades(values))})"))
            continue
        labels = as_categories(df[p])
        for value in sorted(labels.dropna().unique()):
            k_weak = int((is_weak & (labels == value)).sum())
            k_all = int((labels == value).sum())
            if not n_weak or k_weak / n_weak <= k_all / n_all:
                continue  # not over-represented among the weak runs
            categorical.append(dict(
                parameter=p, kind="categorical", value=value, weak_count=k_weak,
                n_weak=n_weak, all_count=k_all, n_all=n_all, weak_share=k_weak / n_weak,
                overall_share=k_all / n_all, ratio=(k_weak / n_weak) / (k_all / n_all),
                sentence=f"{p}={value}: {k_weak} of {n_weak} weak runs ({k_weak / n_weak:.0%})"
                         f" vs {k_all} of {n_all} overall ({k_all / n_all:.0%})"))
    categorical.sort(key=lambda row: (-row["ratio"], -row["weak_count"]))
    # Numeric parameters by how far apart the medians are, either way.
    numeric.sort(key=lambda row: -abs(math.log(row["ratio"])) if row["ratio"] > 0 else 0)
    columns = ["parameter", "kind", "value", "weak_count", "n_weak", "all_count", "n_all",
               "weak_share", "overall_share", "weak_median", "rest_median", "ratio", "sentence"]
    traits = pd.DataFrame(categorical + numeric, columns=columns)
    return traits.astype({"weak_count": "Int64", "all_count": "Int64"})


def compare_groups(df, metric, by="network", goal="maximize"):
    """The metric's summary per value of one parameter (Net1 against Net2).

    Returns
    -------
    pandas.DataFrame
        Indexed by the values of ``by``; columns ``count, mean, median, best, worst`` over
        finished trials; the group with the best median first.
    """
    check_goal(goal)
    runs = finished_runs(df, metric)
    if by not in df.columns:
        raise ValueError(f"no column {by!r} in the results table; its parameters are: "
                         f"{', '.join(param_columns(df, metric))}")
    key = runs[by] if as_numbers(runs[by]) is not None else as_categories(runs[by])
    best, worst = ("max", "min") if goal == "maximize" else ("min", "max")
    table = runs.groupby(key)[metric].agg(["count", "mean", "median", best, worst])
    table.columns = ["count", "mean", "median", "best", "worst"]
    table.index.name = by
    return table.sort_values("median", ascending=goal == "minimize", kind="stable")


def best_runs(df, metric, goal, n=5):
    """The ``n`` best finished trials, best first, with the parameters that vary.

    Returns
    -------
    pandas.DataFrame
        Columns ``trial, run_id``, the metric, the varying parameters, ``epochs, runtime``.
    """
    columns = ["trial", "run_id", metric] + param_columns(df, metric) + ["epochs", "runtime"]
    return ranked_runs(df, metric, goal).head(n)[columns].reset_index(drop=True)



def sweep_line(label, sweep_id, df, metric="val_acc", goal="maximize"):
    """One line naming a sweep, its size and its best run: notebooks print it to be cross-checked.

    Returns
    -------
    str
        E.g. ``"random sweep abc123: 40 runs (38 finished), best val_acc 97.12%"``.
    """
    runs = ranked_runs(df, metric, goal)
    best = f"{float(runs[metric].iloc[0]):.2%}" if len(runs) else "none"
    return f"{label} sweep {sweep_id}: {len(df)} runs ({len(runs)} finished), best {metric} {best}"


def without_unused_layer(df):
    """The table with every width a run's network does not build blanked: Net1's ``hidden_size2``.

    A random sweep draws ``hidden_size2`` for every run, but Net1 has no second layer, so
    ``make_net`` ignores it, and so must any reading of the table. Which widths a network
    builds is the builder's answer (``multi_layer_net.hidden_sizes``), asked row by row.

    Parameters
    ----------
    df : pandas.DataFrame
        A results table with ``network``, ``hidden_size1`` and ``hidden_size2`` columns.

    Returns
    -------
    pandas.DataFrame
        A copy in which the unused widths are NaN (their column then holds floats).
    """
    for column in ("network", *HIDDEN_SIZES):
        if column not in df.columns:
            raise ValueError(f"no column {column!r} in the results table")
    out = df.copy()
    built = pd.Series([len(hidden_sizes(row)) for _, row in df.iterrows()], index=df.index, dtype=int)
    for depth, column in enumerate(HIDDEN_SIZES, start=1):
        unused = built < depth
        if unused.any():
            out[column] = out[column].astype(float).where(~unused)
    return out
