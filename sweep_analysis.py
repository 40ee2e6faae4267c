"""Reading a sweep: W&B's sweep panels and the findings they support, from a results table.

Notebook 04 uses this module to show without a W&B account what the sweep dashboard
shows (parameter importance, parallel coordinates, the metric against each parameter and
over time) and to state the findings in numbers: which runs are weak and what they share,
Net1 against Net2, the best runs. Notebook 05 narrows the sweep config from them.

Every function takes the table of ``local_sweeps.results`` (or
``local_sweeps.results``): ``trial, run_id, state``, the metric, one column per
parameter, then ``epochs, steps, runtime, start, end, error``. Findings come from the
*finished* trials with a finite metric: a trial stopped by hyperband was scored after
fewer epochs and a running one is not done, so neither compares fairly with the rest.
Plots return the Figure; findings return data, with sentences built from it, so the
notebook's prose stays true on a new run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from local_sweeps.config import GOALS, load_config, validate_config
from local_sweeps.space import flatten_parameters
from local_sweeps.tables import FIXED_COLUMNS  # the table's layout is defined there, once
from mnist_plots import integer_ticks, plain_log_ticks

__all__ = ["MIN_TRIALS", "param_columns", "parameter_importance", "plot_parameter_importance",
           "plot_parallel_coordinates", "plot_metric_vs_params", "plot_metric_over_time",
           "weak_runs", "shared_traits", "compare_groups", "best_runs", "narrow_config",
           "MIN_PER_SIDE", "HOLDS", "FAILS", "UNSURE", "Verdict", "spearman", "rank_trend",
           "compare_pair", "stronger_than", "small_nets_score_high", "without_unused_layer",
           "post_findings", "narrow_for_bayes", "sweep_line", "plot_metric_vs_lr",
           "plot_curves_with_checks", "cut_cost"]

# A random forest on fewer trials than this fits noise; W&B's panel also waits for a few runs.
MIN_TRIALS = 5

# Range distributions narrow_config can narrow; the log ones are narrowed in log space.
_LOG_RANGES = ("log_uniform", "log_uniform_values", "q_log_uniform_values",
               "inv_log_uniform_values")
_RANGES = ("int_uniform", "uniform", "q_uniform") + _LOG_RANGES


# ---------------------------------------------------------------------------
# Reading the table
# ---------------------------------------------------------------------------

def _check_metric(df, metric):
    if metric not in df.columns:
        raise ValueError(f"no column {metric!r} in the results table; its columns are: "
                         f"{', '.join(map(str, df.columns))}")


def _check_goal(goal):
    if goal not in GOALS:
        raise ValueError(f"goal must be 'maximize' or 'minimize', got {goal!r}")


def _finished(df, metric):
    """The finished trials with a finite metric: the ones that compare fairly."""
    _check_metric(df, metric)
    values = pd.to_numeric(df[metric], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return df[(df["state"] == "finished").to_numpy() & np.isfinite(values)]


def _ranked(df, metric, goal):
    """Finished trials, best first (ties keep trial order)."""
    _check_goal(goal)
    return _finished(df, metric).sort_values(metric, ascending=goal == "minimize",
                                             kind="stable")


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def _labels(series):
    """Values as strings: categories for one-hot features, tick labels, counting.

    Strings also make list values (``hidden_sizes: [256, 256]``) hashable.
    """
    return series.map(lambda v: None if _missing(v) else str(v))


def _numeric(series):
    """The values as floats if the column holds numbers (booleans are categories), else None."""
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float)
    present = [v for v in series if not _missing(v)]
    if present and all(isinstance(v, (int, float, np.number))
                       and not isinstance(v, (bool, np.bool_)) for v in present):
        return series.astype(float)
    return None


def _is_log(values):
    """Whether positive values span two decades or more (lr), so a log scale reads them."""
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
    _check_metric(df, metric)
    columns = [c for c in df.columns if c not in FIXED_COLUMNS and c != metric]
    return [c for c in columns if _labels(df[c]).nunique(dropna=True) > 1]


def _params(df, metric, params):
    if params is None:
        return param_columns(df, metric)
    unknown = [p for p in params if p not in df.columns]
    if unknown:
        known = param_columns(df, metric) if metric else list(df.columns)
        raise ValueError(f"no column {unknown[0]!r} in the results table; it has: "
                         f"{', '.join(map(str, known))}")
    return list(params)


# ---------------------------------------------------------------------------
# W&B's panels
# ---------------------------------------------------------------------------

def _features(runs, params):
    """Parameters as numeric features: numbers as they are, one 0/1 column per category.

    W&B's panel lists each value of a categorical parameter as its own row, so
    ``optimizer`` becomes ``optimizer=adam``, ``optimizer=sgd``, ... ("=" rather than
    "." because nested parameter names already use dots, e.g. ``optimizer.lr``).
    """
    features = {}
    for p in params:
        values = _numeric(runs[p])
        if values is not None:
            features[p] = values
            continue
        labels = _labels(runs[p])
        for value in sorted(labels.dropna().unique()):
            features[f"{p}={value}"] = (labels == value).astype(float)
    return pd.DataFrame(features, index=runs.index)


def parameter_importance(df, metric, params=None, seed=0):
    """W&B's parameter importance panel: how well each parameter predicts the metric.

    Importance is a random forest's impurity-based feature importance (the forest
    predicts the metric from the parameters, as W&B's panel does); correlation is the
    linear correlation of each feature with the metric, its sign the direction. For a
    parameter spanning two decades or more (lr) the correlation is taken on log10 of it,
    because on the raw values the top decade would decide it alone.

    Parameters
    ----------
    df : pandas.DataFrame
        A sweep's results table; only finished trials with a finite metric are used.
    metric : str
        The metric column.
    params : list of str, optional
        Parameter columns to use; by default those that vary (``param_columns``).
    seed : int
        Seeds the forest, so the ranking is the same on every run of the notebook.

    Returns
    -------
    pandas.DataFrame
        Columns ``parameter`` (a feature: ``lr``, or ``optimizer=adam`` for one value of a
        categorical), ``importance`` (sums to 1) and ``correlation``; most important first.

    Raises
    ------
    ValueError
        With fewer than ``MIN_TRIALS`` usable trials, or an unknown column.
    """
    from sklearn.ensemble import RandomForestRegressor

    runs = _finished(df, metric)
    if len(runs) < MIN_TRIALS:
        states = ", ".join(f"{n} {s}" for s, n in df["state"].value_counts().items())
        raise ValueError(f"parameter importance needs at least {MIN_TRIALS} finished trials "
                         f"with a {metric!r} value; this table has {len(runs)} "
                         f"({len(df)} trials: {states or 'none'})")
    x = _features(runs, _params(df, metric, params))
    x = x.loc[:, x.nunique() > 1]  # a feature constant over these trials predicts nothing
    if x.empty:
        raise ValueError("no parameter varies among the finished trials: nothing to rank")
    y = runs[metric].astype(float)
    forest = RandomForestRegressor(n_estimators=200, random_state=seed, n_jobs=1).fit(x, y)
    correlation = [(np.log10(x[c]) if _is_log(x[c]) else x[c]).corr(y) for c in x.columns]
    table = pd.DataFrame({"parameter": x.columns, "importance": forest.feature_importances_,
                          "correlation": correlation})
    table = table.sort_values("importance", ascending=False, ignore_index=True)
    table.attrs["metric"] = metric
    return table


def plot_parameter_importance(importance):
    """Importance and correlation side by side, one row per feature, as in W&B's panel.

    Correlation bars are green when the metric rises with the feature and red when it
    falls, W&B's colours; every bar is labelled with its value.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: importance, then correlation.
    """
    import matplotlib.pyplot as plt

    n = len(importance)
    y = np.arange(n)[::-1]  # most important on top
    fig, (ax_imp, ax_corr) = plt.subplots(1, 2, sharey=True, figsize=(9, 0.32 * n + 1.3))
    bars = ax_imp.barh(y, importance["importance"], color="0.6")
    ax_imp.bar_label(bars, fmt="%.2f", fontsize=8, padding=2)
    corr = importance["correlation"].fillna(0)
    colors = ["tab:green" if c > 0 else "tab:red" if c < 0 else "0.6" for c in corr]
    bars = ax_corr.barh(y, corr, color=colors)
    ax_corr.bar_label(bars, labels=[f"{c:+.2f}" for c in corr], fontsize=8, padding=2)
    ax_corr.axvline(0, color="0.3", lw=0.8)
    ax_imp.set(yticks=y, yticklabels=importance["parameter"], title="importance",
               xlim=(0, max(1e-9, importance["importance"].max()) * 1.2))
    ax_corr.set(xlim=(-1.2, 1.2), title="correlation")
    metric = importance.attrs.get("metric")
    if metric:
        fig.suptitle(f"Parameter importance with respect to {metric}")
    fig.tight_layout()
    return fig


def _axis(series):
    """Positions in [0, 1] on one parallel-coordinates axis, and its (position, label) ticks."""
    values = _numeric(series)
    if values is None:
        labels = _labels(series)
        cats = sorted(labels.dropna().unique())
        where = {c: i / (len(cats) - 1) if len(cats) > 1 else 0.5 for i, c in enumerate(cats)}
        return labels.map(where).astype(float).to_numpy(), [(where[c], c) for c in cats]
    log = _is_log(values)
    scaled = np.log10(values) if log else values
    low, high = scaled.min(), scaled.max()

    def position(v):
        return (v - low) / (high - low) if high > low else np.full_like(v, 0.5, dtype=float)

    distinct = np.unique(values.dropna())
    # A few distinct values (hidden_size, batch_size) are labelled exactly; a log axis at
    # its ends and the powers of ten between them; otherwise five even ticks.
    if len(distinct) <= 6:
        at = distinct
    elif log:
        inner = np.arange(np.ceil(low + 0.15), np.floor(high - 0.15) + 1)  # clear of the ends
        at = 10.0 ** np.concatenate([[low], inner, [high]])
    else:
        at = np.linspace(low, high, 5)
    ticks = [(float(position(np.log10(v) if log else v)), f"{v:.3g}") for v in at]
    return position(scaled.to_numpy()), ticks


def plot_parallel_coordinates(df, metric, params=None, goal="maximize", highlight=None):
    """W&B's parallel coordinates panel: one vertical axis per parameter, then the metric.

    Each finished trial is a line through its values, coloured by its metric's rank (the
    colorbar). Categorical axes show their values; an axis whose values span two decades
    or more (lr) is logarithmic. The best trials are drawn last, on top.

    Parameters
    ----------
    df : pandas.DataFrame
        A sweep's results table.
    metric : str
        The metric column; the last axis.
    params : list of str, optional
        The parameter axes, in order; by default the parameters that vary.
    goal : str
        ``"maximize"`` or ``"minimize"``: which end of the metric is best.
    highlight : pandas.DataFrame, optional
        Rows to draw in red over the rest, e.g. ``weak_runs(...)`` (matched by ``trial``).

    Returns
    -------
    matplotlib.figure.Figure
        The panel's axes and the colorbar's. The panel holds one line per trial, then one
        per vertical axis.

    Notes
    -----
    Lines are coloured by their rank (worst 0, best 1), the colorbar's ticks giving the
    metric at the quartiles, so one diverged run cannot squeeze every other line into
    one colour.
    """
    import matplotlib.pyplot as plt
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    runs = _ranked(df, metric, goal).iloc[::-1]  # worst first, so the best end up on top
    if runs.empty:
        raise ValueError(f"no finished trial with a {metric!r} value to plot yet")
    columns = _params(df, metric, params) + [metric]
    axes = [_axis(runs[c]) for c in columns]
    y = np.column_stack([positions for positions, _ in axes])
    m = runs[metric].astype(float).to_numpy()
    # Bright is good whichever the goal, so the eye goes to the best trials.
    cmap = plt.get_cmap("viridis" if goal == "maximize" else "viridis_r")
    # Colour by rank, not by value: one collapsed run would otherwise stretch the scale and
    # paint every other line the same colour. 0 is the worst run, 1 the best.
    score = m if goal == "maximize" else -m
    rank = pd.Series(score).rank(pct=True, method="average").to_numpy() if len(m) > 1 else np.ones(len(m))
    norm = Normalize(0, 1)
    x = np.arange(len(columns))
    marked = set() if highlight is None else set(highlight["trial"])

    fig, ax = plt.subplots(figsize=(max(6.0, 1.7 * len(columns)), 4.5))
    for row, value, trial in zip(y, rank, runs["trial"], strict=True):
        if trial in marked:
            continue
        ax.plot(x, row, color=cmap(norm(value)), lw=1.3, alpha=0.85)
    for row, trial in zip(y, runs["trial"], strict=True):
        if trial in marked:
            ax.plot(x, row, color="tab:red", lw=1.6, ls="--", alpha=0.9)
    for i, (_, ticks) in enumerate(axes):
        ax.axvline(i, color="0.25", lw=1)
        for where, label in ticks:
            ax.text(i + 0.03, where, label, fontsize=7, va="center",
                    bbox=dict(facecolor="white", edgecolor="none", alpha=0.7, pad=0.5))
    ax.set(xticks=x, xlim=(-0.15, len(columns) - 0.6), ylim=(-0.05, 1.05), yticks=[])
    ax.set_xticklabels(columns)
    ax.xaxis.tick_top()
    for spine in ax.spines.values():
        spine.set_visible(False)
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, pad=0.02,
                       label=f"rank by {metric} (ticks: its value there)")
    quantiles = [0, 0.25, 0.5, 0.75, 1]
    values = np.quantile(score, quantiles) * (1 if goal == "maximize" else -1)
    bar.set_ticks(quantiles, labels=[f"{v:.3g}" for v in values])
    title = f"{len(runs)} finished trials"
    if marked:
        title += f"; red dashed: the {len(marked & set(runs['trial']))} weak ones"
    ax.set_title(title, fontsize=9, loc="left", y=-0.08)
    return fig


def _log_x(ax):
    """A log x axis labelled in plain decimals, as every log axis of the series."""
    ax.set_xscale("log")
    plain_log_ticks(ax, "x")


def _strip(series):
    """Strip positions 0, 1, ... of a parameter's values and their labels; None if continuous.

    Numbers with a few distinct values (hidden_size, batch_size) get strips too: evenly
    spaced, they do not crowd the small values together.
    """
    values = _numeric(series)
    if values is None:
        labels = _labels(series)
        cats = sorted(labels.dropna().unique())
        return labels.map({c: i for i, c in enumerate(cats)}).astype(float), cats
    distinct = np.unique(values.dropna())
    if len(distinct) > 6:
        return None
    return values.map({v: i for i, v in enumerate(distinct)}), [f"{v:g}" for v in distinct]


def plot_metric_vs_params(df, metric, params=None):
    """The metric against each parameter, one small scatter per parameter.

    Categorical parameters, and numeric ones with a few values, are jittered strips with
    the median of each value marked by a black bar (the typical run, not the lucky one);
    lr and other parameters spanning two decades or more get a log x axis.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per parameter, sharing the metric's y axis.
    """
    import matplotlib.pyplot as plt

    runs = _finished(df, metric)
    params = _params(df, metric, params)
    ncols = max(1, min(3, len(params)))
    nrows = max(1, math.ceil(len(params) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.9 * nrows), sharey=True,
                             squeeze=False)
    rng = np.random.default_rng(0)  # jitter only: the same figure on every run
    y = runs[metric].astype(float)
    for ax, p in zip(axes.flat, params, strict=False):  # more axes than params
        strip = _strip(runs[p])
        if strip is not None:
            index, cats = strip
            ax.scatter(index + rng.uniform(-0.18, 0.18, len(index)), y, s=14, alpha=0.7)
            for i in range(len(cats)):
                ax.plot([i - 0.3, i + 0.3], [y[index == i].median()] * 2, color="black", lw=2)
            ax.set_xticks(range(len(cats)), cats, rotation=30 if sum(map(len, cats)) > 20 else 0)
        else:
            values = _numeric(runs[p])
            ax.scatter(values, y, s=14, alpha=0.7)
            if _is_log(values):
                _log_x(ax)
        ax.set_title(p, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel(metric)
    for ax in axes.flat[len(params):]:
        fig.delaxes(ax)
    fig.tight_layout()
    return fig


def plot_metric_over_time(df, metric, goal):
    """Each finished trial's metric by when it started, and the best so far as a step line.

    The x axis is minutes since the sweep's first trial started, or the trial number when
    start times are missing. Failed trials have no metric; the title counts them.

    Returns
    -------
    matplotlib.figure.Figure
        One axes, whose one line is the running best.
    """
    import matplotlib.pyplot as plt

    runs = _ranked(df, metric, goal)
    if "start" in df.columns and runs["start"].notna().all() and len(runs):
        x = (runs["start"] - df["start"].min()).dt.total_seconds() / 60
        xlabel = "minutes since the first trial started"
    else:
        x, xlabel = runs["trial"], "trial"
    order = np.argsort(x.to_numpy(dtype=float), kind="stable")
    xs = x.to_numpy(dtype=float)[order]
    ys = runs[metric].to_numpy(dtype=float)[order]
    best = (np.maximum if goal == "maximize" else np.minimum).accumulate(ys)

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.scatter(xs, ys, s=16, alpha=0.7, label=f"finished trials ({len(ys)})")
    if len(ys):
        ax.step(xs, best, where="post", color="tab:orange", label=f"best so far ({best[-1]:.4g})")
    ax.set(xlabel=xlabel, ylabel=metric)
    failed = int((df["state"] == "failed").sum())
    if failed:
        ax.set_title(f"{failed} failed trial{'s' if failed > 1 else ''} not shown", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# Findings: weak runs and what they share, groups, the best runs
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
    _check_goal(goal)
    runs = _finished(df, metric)
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
    params = _params(df, metric, params)
    is_weak = df["trial"].isin(weak["trial"])
    n_weak, n_all = int(is_weak.sum()), len(df)
    categorical, numeric = [], []
    for p in params:
        values = _numeric(df[p])
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
                         f"{rest_text} ({_shift(w, r, _is_log(values))})"))
            continue
        labels = _labels(df[p])
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
    _check_goal(goal)
    runs = _finished(df, metric)
    if by not in df.columns:
        raise ValueError(f"no column {by!r} in the results table; its parameters are: "
                         f"{', '.join(param_columns(df, metric))}")
    key = runs[by] if _numeric(runs[by]) is not None else _labels(runs[by])
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
    return _ranked(df, metric, goal).head(n)[columns].reset_index(drop=True)


# ---------------------------------------------------------------------------
# Narrowing the search space
# ---------------------------------------------------------------------------

def _fmt(values):
    return ", ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in values)


def _round_out(x, down, digits=2):
    """x rounded to ``digits`` significant figures away from the range's middle."""
    if x == 0:
        return 0.0
    scale = 10.0 ** (math.floor(math.log10(abs(x))) - digits + 1)
    return float(f"{(math.floor if down else math.ceil)(x / scale) * scale:.{digits}g}")


def _same(a, b):
    """Config value equality, as the table stores it (128 == 128.0), but True != 1."""
    if isinstance(a, (bool, np.bool_)) != isinstance(b, (bool, np.bool_)):
        return False
    return bool(np.all(a == b)) if not isinstance(a, (list, dict)) else a == b


def _narrow_range(param, values, margin):
    """A range spec around ``values`` (of the best runs), and the sentence saying so."""
    spec, kind = param.spec, param.kind
    log = kind in _LOG_RANGES
    # Work where the distribution is uniform: log space for log distributions.
    to_space = math.log if log else float
    low_b, high_b = ((spec["min"], spec["max"]) if kind == "log_uniform"
                     else (to_space(spec["min"]), to_space(spec["max"])))
    seen = [to_space(v) for v in values]
    # A floor on the margin, so best runs that agree on one value still leave room to search.
    floor = 0.1 * (high_b - low_b)
    pad = max(margin * (max(seen) - min(seen)), floor)
    low, high = max(low_b, min(seen) - pad), min(high_b, max(seen) + pad)
    if kind != "log_uniform":  # log_uniform's min and max are natural logs; the rest values
        low, high = (math.exp(low), math.exp(high)) if log else (low, high)
    if kind == "int_uniform":
        low, high = math.floor(low), math.ceil(high)
    elif kind.startswith("q_"):
        q = spec.get("q", 1.0)
        low, high = math.floor(low / q) * q, math.ceil(high / q) * q
        if isinstance(q, int):
            low, high = int(low), int(high)
        else:
            low, high = float(f"{low:.12g}"), float(f"{high:.12g}")
    else:
        low, high = _round_out(low, down=True), _round_out(high, down=False)
    low, high = max(low, spec["min"]), min(high, spec["max"])
    new = {"distribution": kind, "min": low, "max": high}
    if "q" in spec:
        new["q"] = spec["q"]
    shown = (lambda v: math.exp(v)) if kind == "log_uniform" else (lambda v: v)
    was = f"{_fmt([shown(spec['min'])])} to {_fmt([shown(spec['max'])])}"
    used = f"{_fmt([min(values)])} to {_fmt([max(values)])}"
    if (low, high) == (spec["min"], spec["max"]):
        return None, f"{param.key}: kept {was}; the best runs used {used}."
    return new, (f"{param.key}: {was} narrowed to {_fmt([shown(low)])} to {_fmt([shown(high)])}"
                 f"; the best runs used {used} (widened by "
                 f"{f'{margin:.0%} of that span' if pad > floor else 'a tenth of the original range'}"
                 f"{' in log space' if log else ''}, within the original range).")


def narrow_config(config, df, goal=None, top=5, method="bayes", margin=0.25, min_runs=3):
    """A narrower sweep config around the best trials, and the reasons, in sentences.

    Categorical parameters keep only the values the ``top`` best finished trials used (a
    single one becomes ``value:``); ranges shrink to the span of the best trials' values,
    widened by ``margin`` of that span (in log space for log distributions; at least a
    tenth of the original range), kept inside the original range, with the original
    distribution (ints and multiples of ``q`` stay so). A parameter that fewer than
    ``min_runs`` of the best trials have a value for (Net1's blanked second layer, see
    ``without_unused_layer``) is kept as it was: one or two runs are too few to narrow
    on. Constants, the metric, ``early_terminate`` and ``run_cap`` are kept; ``method``
    is replaced and ``name`` gets ``-narrowed``.

    Parameters
    ----------
    config : dict or str or Path
        The sweep config that produced ``df`` (W&B's format), or its YAML file. Not modified.
    df : pandas.DataFrame
        Its results table.
    goal : str, optional
        ``"maximize"`` or ``"minimize"``; by default the config's ``metric.goal``.
    top : int
        How many of the best finished trials define the new space.
    method : str
        The new search method.
    margin : float
        Widening on each side, as a share of the best runs' span.
    min_runs : int
        The fewest best trials with a value for a parameter that may narrow it.

    Returns
    -------
    new_config : dict
        Valid for ``wandb.sweep`` and the local controller (checked before returning).
    reasons : list of str
        What was narrowed and why, from the data.

    Raises
    ------
    ValueError
        With no finished trial to rank; ``SweepConfigError`` (a ValueError)
        if the result is not a valid config, e.g. ``method="grid"`` with a continuous range.
    """
    new = load_config(config)  # a deep copy: the caller's dict stays as it was
    filled = validate_config(new)
    metric = (filled.get("metric") or {}).get("name")
    if metric is None:
        raise ValueError("narrow_config ranks trials by the config's metric, and it has none")
    goal = goal or filled["metric"]["goal"]
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    finished = _ranked(df, metric, goal)
    best = finished.head(top)
    if best.empty:
        raise ValueError(f"no finished trial with a {metric!r} value to narrow the search from")
    scores = best[metric].astype(float)
    reasons = [f"From the {len(best)} best of {len(finished)} finished trials by {metric} "
               f"({goal}), which scored {_fmt([scores.min()])} to {_fmt([scores.max()])}.",
               f"method: {filled['method']} -> {method}."]
    new["method"] = method
    new["name"] = f"{new.get('name', 'sweep')}-narrowed"
    taken = set(FIXED_COLUMNS) | {metric}  # results_frame renames these parameter columns
    for param in flatten_parameters(filled):
        column = f"config.{param.key}" if param.key in taken else param.key
        spec = None
        if param.kind == "constant":
            continue
        have = int(best[column].notna().sum()) if column in best.columns else 0  # runs with a value
        if column not in best.columns:
            reasons.append(f"{param.key}: not in the results table; kept as it was.")
        elif have < min_runs:
            reasons.append(f"{param.key}: kept as it was; only {have} of the "
                           f"{len(best)} best runs have a value for it, too few to narrow on "
                           f"(at least {min_runs}).")
        elif param.kind == "categorical":
            values = param.spec["values"]
            chosen = [any(_same(v, s) for s in best[column]) for v in values]
            used = [v for v, c in zip(values, chosen, strict=True) if c]
            dropped = [v for v, c in zip(values, chosen, strict=True) if not c]
            if not used or not dropped:
                reasons.append(f"{param.key}: kept {_fmt(values)}; the best runs used "
                               f"{'all of them' if used else 'none of them'}.")
            else:
                spec = {"value": used[0]} if len(used) == 1 else {"values": used}
                whose = ("the best runs" if have == len(best)
                         else f"the {have} of the best runs that have one")
                reasons.append(f"{param.key}: {'fixed to' if len(used) == 1 else 'kept'} "
                               f"{_fmt(used)}, the values of {whose}; dropped "
                               f"{_fmt(dropped)}.")
        elif param.kind in _RANGES:
            values = best[column].dropna().astype(float).tolist()
            spec, reason = (_narrow_range(param, values, margin) if values else
                            (None, f"{param.key}: no values among the best runs; kept."))
            reasons.append(reason)
        if spec is not None:
            node = new["parameters"]
            for part in param.path[:-1]:
                node = node[part]["parameters"]
            node[param.path[-1]] = spec
    constants = [f"{p.key}={p.spec['value']}" for p in flatten_parameters(filled)
                 if p.kind == "constant"]
    if constants:
        reasons.append(f"Constants kept: {', '.join(constants)}.")
    validate_config(new)  # fail here rather than at wandb.sweep
    return new, reasons


# ---------------------------------------------------------------------------
# Verdicts: the original post's findings, checked on this sweep
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
    _check_goal(goal)
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
    runs = _finished(df, metric)
    if param not in runs.columns:
        raise ValueError(f"no column {param!r} in the results table")
    x = _numeric(runs[param])
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
    if any(math.isnan(v) for v in s):
        verdict = UNSURE
    elif min(s) >= STRONG:
        verdict = HOLDS
    elif max(s) < WEAK:
        verdict = FAILS
    else:
        verdict = UNSURE
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
    runs = _finished(df, metric)
    if by not in runs.columns:
        raise ValueError(f"no column {by!r} in the results table")
    labels = _labels(runs[by])
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
    if min(gaps) > 0 and p_better >= 0.6:
        verdict = HOLDS
    elif max(gaps) <= 0:
        verdict = FAILS
    else:
        verdict = UNSURE
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
    runs = _finished(df, metric)
    for p in (first, second):
        if p not in runs.columns or _numeric(runs[p]) is None:
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
    if any(math.isnan(m) for m in margins):
        verdict = UNSURE
    elif min(margins) >= 0.1:
        verdict = HOLDS
    elif max(margins) <= 0:
        verdict = FAILS
    else:
        verdict = UNSURE
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
    runs = _finished(df, metric)
    mine = runs[np.asarray(small, dtype=bool)[df.index.get_indexer(runs.index)]]
    values = mine[metric].astype(float).sort_values(ascending=False)
    n = len(values)
    if n < min_runs:
        return Verdict(claim, UNSURE, f"only {n} finished small-net runs; {min_runs} needed",
                       {"n_small": n}, why_not)
    best = float(runs[metric].max())
    gap = best - float(values.iloc[1])
    verdict = HOLDS if gap <= tolerance else FAILS
    evidence = (f"best of all {best:.2%}; the {n} small nets' best {values.iloc[0]:.2%} and second "
                f"best {values.iloc[1]:.2%}, {100 * gap:.2f} points behind; high means within "
                f"{100 * tolerance:g} points of the best")
    numbers = {"n_small": n, "best": best, "best_small": float(values.iloc[0]),
               "second_small": float(values.iloc[1])}
    return Verdict(claim, verdict, evidence, numbers, why_not)


def without_unused_layer(df):
    """The table with Net1's ``hidden_size2`` blanked: the sweep drew it, but Net1 has no second layer."""
    for column in ("network", "hidden_size2"):
        if column not in df.columns:
            raise ValueError(f"no column {column!r} in the results table")
    out = df.copy()
    out["hidden_size2"] = out["hidden_size2"].astype(float).where(out["network"] != "Net1")
    return out


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
    small = (df["hidden_size1"] <= small_max) & (df["hidden_size2"].isna()
                                                 | (df["hidden_size2"] <= small_max))
    findings.append(("4e", small_nets_score_high(
        adam, small[adam.index], metric, claim=f"Small nets (no layer over {small_max} units) "
                                               "also score high (Adam)",
        why_not=f"{short}: small nets learn more slowly")))
    return findings


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


def narrow_for_bayes(config, df, template, top=5, margin=0.25):
    """The bayes sweep's config: ``template`` with a space narrowed around the ``top`` best runs.

    The rule is ``narrow_config``'s (keep the categorical values the best runs used;
    shrink ranges around theirs), applied after blanking Net1's unused ``hidden_size2``
    (``without_unused_layer``). Then ``epochs`` is fixed at the narrowed range's
    largest value: every run may train that long, and the template's early termination
    decides how long each really does. Name, method, metric, ``early_terminate`` and
    ``run_cap`` come from ``template``.

    Parameters
    ----------
    config : dict or str or Path
        The random sweep's config (or YAML file).
    df : pandas.DataFrame
        Its results table.
    template : dict or str or Path
        The bayes config (or YAML file) whose parameters are replaced.

    Returns
    -------
    new_config : dict
        A valid sweep config.
    reasons : list of str
        The rule, parameter by parameter, with the numbers it came from.
    """
    template = load_config(template)
    narrowed, reasons = narrow_config(config, without_unused_layer(df), top=top,
                                      method=template["method"], margin=margin)
    epochs = narrowed["parameters"].get("epochs")
    if epochs is not None and "max" in epochs:
        narrowed["parameters"]["epochs"] = {"value": int(epochs["max"])}
        reasons.append(f"epochs: fixed at {int(epochs['max'])}, the narrowed range's largest value; "
                       "early termination decides how many each run really trains.")
    new = {k: v for k, v in template.items() if k != "parameters"}
    new["parameters"] = narrowed["parameters"]
    validate_config(new)
    return new, reasons


def sweep_line(label, sweep_id, df, metric="val_acc", goal="maximize"):
    """One line naming a sweep, its size and its best run: notebooks print it to be cross-checked.

    Returns
    -------
    str
        E.g. ``"random sweep abc123: 40 runs (38 finished), best val_acc 97.12%"``.
    """
    runs = _ranked(df, metric, goal)
    best = f"{float(runs[metric].iloc[0]):.2%}" if len(runs) else "none"
    return f"{label} sweep {sweep_id}: {len(df)} runs ({len(runs)} finished), best {metric} {best}"


def plot_metric_vs_lr(df, metric, by="optimizer", lr="lr"):
    """The metric against the learning rate (log axis), one colour per value of ``by``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    runs = _finished(df, metric)
    for column in (lr, by):
        if column not in runs.columns:
            raise ValueError(f"no column {column!r} in the results table")
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    labels = _labels(runs[by])
    for value in sorted(labels.dropna().unique()):
        rows = runs[labels == value]
        ax.scatter(rows[lr].astype(float), rows[metric].astype(float), s=22, alpha=0.8,
                   label=f"{by}={value} ({len(rows)} runs)")
    _log_x(ax)
    ax.set(xlabel=lr, ylabel=metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_curves_with_checks(histories, metric, checks=(), stopped=(), winner=None):
    """Each run's metric per epoch, with the early-termination check epochs and the winner marked.

    Parameters
    ----------
    histories : dict of name -> sequence of float
        One value per epoch, in order.
    checks : sequence of int
        Epochs (1-based) after which early termination compared the runs: grey lines.
    stopped : collection of names
        Runs drawn dashed (cut early).
    winner : str, optional
        The run drawn thick, in black, and named in the legend.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, values in histories.items():
        epochs = np.arange(1, len(values) + 1)
        if name == winner:
            continue
        ax.plot(epochs, values, "--" if name in stopped else "-", marker="o", markersize=3,
                color="tab:red" if name in stopped else "tab:blue", alpha=0.5)
    if winner is not None:
        values = histories[winner]
        ax.plot(np.arange(1, len(values) + 1), values, "-", marker="o", color="black", lw=2.5,
                label=f"winner: {winner}")
    for i, epoch in enumerate(checks):
        ax.axvline(epoch, color="0.4", ls=":", lw=1.2, label="check" if i == 0 else None)
    ax.plot([], [], "--", color="tab:red", label="cut early")
    ax.plot([], [], "-", color="tab:blue", label="trained to the end")
    integer_ticks(ax, "x")
    ax.set(xlabel="epoch", ylabel=metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
