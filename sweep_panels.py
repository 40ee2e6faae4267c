"""The sweep dashboard's panels, drawn from a results table without a W&B account.

W&B's parameter importance and parallel coordinates panels, the metric against each
parameter, against the learning rate per optimizer, and over the sweep's time: what
notebook 04 reads as the dashboard. Each takes the table of ``local_sweeps.results`` (see
``sweep_tables``), uses its finished trials, and returns a Figure (or, for the importance,
the table the panel draws).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mnist_plots import plain_log_ticks
from sweep_tables import (
    as_categories,
    as_numbers,
    chosen_params,
    finished_runs,
    ranked_runs,
    spans_decades,
)

__all__ = ["MIN_TRIALS", "parameter_importance", "plot_parameter_importance",
           "plot_parallel_coordinates", "plot_metric_vs_params", "plot_metric_over_time",
           "plot_metric_vs_lr"]

# A random forest on fewer trials than this fits noise; W&B's panel also waits for a few runs.
MIN_TRIALS = 5


def _features(runs, params):
    """Parameters as numeric features: numbers as they are, one 0/1 column per category.

    W&B's panel lists each value of a categorical parameter as its own row, so
    ``optimizer`` becomes ``optimizer=adam``, ``optimizer=sgd``, ... ("=" rather than
    "." because nested parameter names already use dots, e.g. ``optimizer.lr``).
    """
    features = {}
    for p in params:
        values = as_numbers(runs[p])
        if values is not None:
            features[p] = values
            continue
        labels = as_categories(runs[p])
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

    runs = finished_runs(df, metric)
    if len(runs) < MIN_TRIALS:
        states = ", ".join(f"{n} {s}" for s, n in df["state"].value_counts().items())
        raise ValueError(f"parameter importance needs at least {MIN_TRIALS} finished trials "
                         f"with a {metric!r} value; this table has {len(runs)} "
                         f"({len(df)} trials: {states or 'none'})")
    x = _features(runs, chosen_params(df, metric, params))
    x = x.loc[:, x.nunique() > 1]  # a feature constant over these trials predicts nothing
    if x.empty:
        raise ValueError("no parameter varies among the finished trials: nothing to rank")
    y = runs[metric].astype(float)
    forest = RandomForestRegressor(n_estimators=200, random_state=seed, n_jobs=1).fit(x, y)
    correlation = [(np.log10(x[c]) if spans_decades(x[c]) else x[c]).corr(y) for c in x.columns]
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
    values = as_numbers(series)
    if values is None:
        labels = as_categories(series)
        cats = sorted(labels.dropna().unique())
        where = {c: i / (len(cats) - 1) if len(cats) > 1 else 0.5 for i, c in enumerate(cats)}
        return labels.map(where).astype(float).to_numpy(), [(where[c], c) for c in cats]
    log = spans_decades(values)
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

    runs = ranked_runs(df, metric, goal).iloc[::-1]  # worst first, so the best end up on top
    if runs.empty:
        raise ValueError(f"no finished trial with a {metric!r} value to plot yet")
    columns = chosen_params(df, metric, params) + [metric]
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
    values = as_numbers(series)
    if values is None:
        labels = as_categories(series)
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

    runs = finished_runs(df, metric)
    params = chosen_params(df, metric, params)
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
            values = as_numbers(runs[p])
            ax.scatter(values, y, s=14, alpha=0.7)
            if spans_decades(values):
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

    runs = ranked_runs(df, metric, goal)
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



def plot_metric_vs_lr(df, metric, by="optimizer", lr="lr"):
    """The metric against the learning rate (log axis), one colour per value of ``by``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    runs = finished_runs(df, metric)
    for column in (lr, by):
        if column not in runs.columns:
            raise ValueError(f"no column {column!r} in the results table")
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    labels = as_categories(runs[by])
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


