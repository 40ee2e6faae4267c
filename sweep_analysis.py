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

import numpy as np
import pandas as pd

from local_sweeps.config import GOALS, SweepConfigError, load_config, validate_config
from local_sweeps.space import flatten_parameters
from local_sweeps.tables import _FIXED_COLUMNS  # the table's layout is defined there, once

__all__ = ["MIN_TRIALS", "param_columns", "parameter_importance", "plot_parameter_importance",
           "plot_parallel_coordinates", "plot_metric_vs_params", "plot_metric_over_time",
           "weak_runs", "shared_traits", "compare_groups", "best_runs", "narrow_config"]

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
    columns = [c for c in df.columns if c not in _FIXED_COLUMNS and c != metric]
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


def plot_parallel_coordinates(df, metric, params=None, goal="maximize"):
    """W&B's parallel coordinates panel: one vertical axis per parameter, then the metric.

    Each finished trial is a line through its values, coloured by its metric (the
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

    Returns
    -------
    matplotlib.figure.Figure
        The panel's axes and the colorbar's. The panel holds one line per trial, then one
        per vertical axis.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize
    from matplotlib.cm import ScalarMappable

    runs = _ranked(df, metric, goal).iloc[::-1]  # worst first, so the best end up on top
    if runs.empty:
        raise ValueError(f"no finished trial with a {metric!r} value to plot yet")
    columns = _params(df, metric, params) + [metric]
    axes = [_axis(runs[c]) for c in columns]
    y = np.column_stack([positions for positions, _ in axes])
    m = runs[metric].astype(float).to_numpy()
    # Bright is good whichever the goal, so the eye goes to the best trials.
    cmap = plt.get_cmap("viridis" if goal == "maximize" else "viridis_r")
    norm = Normalize(m.min() if len(m) else 0, m.max() if len(m) else 1)
    x = np.arange(len(columns))

    fig, ax = plt.subplots(figsize=(max(6.0, 1.7 * len(columns)), 4.5))
    for row, value in zip(y, m):
        ax.plot(x, row, color=cmap(norm(value)), lw=1.3, alpha=0.85)
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
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=metric, pad=0.02)
    ax.set_title(f"{len(runs)} finished trials", fontsize=9, loc="left", y=-0.08)
    return fig


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
    for ax, p in zip(axes.flat, params):
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
                ax.set_xscale("log")
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
            numeric.append(dict(
                parameter=p, kind="numeric", n_weak=n_weak, n_all=n_all, weak_median=w,
                rest_median=r, ratio=w / r if r else np.nan,
                sentence=f"{p}: median {w:.3g} among the {n_weak} weak runs vs {r:.3g} among "
                         f"the other {n_all - n_weak} ({_shift(w, r, _is_log(values))})"))
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
    pad = max(margin * (max(seen) - min(seen)), 0.1 * (high_b - low_b))
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
                 f"; the best runs used {used} (widened by {margin:.0%} of that span"
                 f"{' in log space' if log else ''}, within the original range).")


def narrow_config(config, df, goal=None, top=5, method="bayes", margin=0.25):
    """A narrower sweep config around the best trials, and the reasons, in sentences.

    Categorical parameters keep only the values the ``top`` best finished trials used (a
    single one becomes ``value:``); ranges shrink to the span of the best trials' values,
    widened by ``margin`` of that span (in log space for log distributions; at least a
    tenth of the original range), kept inside the original range, with the original
    distribution (ints and multiples of ``q`` stay so). Constants, the metric,
    ``early_terminate`` and ``run_cap`` are kept; ``method`` is replaced and ``name``
    gets ``-narrowed``.

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
    taken = set(_FIXED_COLUMNS) | {metric}  # results_frame renames these parameter columns
    for param in flatten_parameters(filled):
        column = f"config.{param.key}" if param.key in taken else param.key
        spec = None
        if param.kind == "constant":
            continue
        if column not in best.columns:
            reasons.append(f"{param.key}: not in the results table; kept as it was.")
        elif param.kind == "categorical":
            values = param.spec["values"]
            chosen = [any(_same(v, s) for s in best[column]) for v in values]
            used = [v for v, c in zip(values, chosen) if c]
            dropped = [v for v, c in zip(values, chosen) if not c]
            if not used or not dropped:
                reasons.append(f"{param.key}: kept {_fmt(values)}; the best runs used "
                               f"{'all of them' if used else 'none of them'}.")
            else:
                spec = {"value": used[0]} if len(used) == 1 else {"values": used}
                reasons.append(f"{param.key}: {'fixed to' if len(used) == 1 else 'kept'} "
                               f"{_fmt(used)}, the values of the best runs; dropped "
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
