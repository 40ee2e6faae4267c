"""Results tables of sweeps: one row per trial, the same columns for local and W&B sweeps.

`local_sweeps.results` builds its table here from the trials the local
controller recorded; `api_results_frame` maps a W&B sweep from ``wandb.Api()`` into
the same columns, so a notebook's analysis code runs unchanged in either mode.
"""

from __future__ import annotations

import pandas as pd

from .common import FIXED_COLUMNS, column_names, pull
from .space import flatten_parameters

__all__ = ["FIXED_COLUMNS", "results_frame", "api_results_frame"]


def results_frame(rows, metric_name, params):
    """Build a results table in the one column layout of local and W&B sweeps.

    Parameters
    ----------
    rows : list of dict
        One per trial, with keys ``trial``, ``run_id``, ``state``, ``metric``,
        ``config`` (the nested config), ``epochs``, ``steps``, ``runtime``, ``start``,
        ``end`` (ISO strings) and ``error``.
    metric_name : str or None
        The sweep metric; its column takes this name. None: no metric column.
    params : list of local_sweeps.space.Param
        The sweep's parameters: one column each, nested keys joined by dots. A key
        that clashes with a fixed column (e.g. ``epochs``) becomes ``config.<key>``.

    Returns
    -------
    pandas.DataFrame
        Sorted by trial number.
    """
    names = column_names((p.key for p in params), metric_name)
    columns = ["trial", "run_id", "state"] + ([metric_name] if metric_name else []) + \
        list(names.values()) + ["epochs", "steps", "runtime", "start", "end", "error"]
    table = []
    for row in rows:
        config = row.pop("config") or {}
        row.update({names[p.key]: pull(config, p.path) for p in params})
        if metric_name:
            row[metric_name] = row.pop("metric", None)
        table.append(row)
    df = pd.DataFrame(table, columns=columns)
    if metric_name:
        df[metric_name] = pd.to_numeric(df[metric_name], errors="coerce")
    for column in ("epochs", "steps"):
        df[column] = pd.to_numeric(df[column], errors="coerce").astype("Int64")
    df["runtime"] = pd.to_numeric(df["runtime"], errors="coerce")
    for column in ("start", "end"):
        df[column] = pd.to_datetime(df[column], utc=True, format="ISO8601")
    return df.sort_values("trial", ignore_index=True)


# W&B run states (wandb.Api) in the four words local results use.
_API_STATES = {"finished": "finished", "running": "running", "pending": "running",
               "preempting": "running", "failed": "failed", "crashed": "failed",
               "killed": "stopped", "stopped": "stopped", "preempted": "stopped"}


def api_results_frame(api_sweep):
    """The runs of a W&B sweep (``wandb.Api().sweep(path)``) in the columns of ``local_sweeps.results``.

    Parameters
    ----------
    api_sweep : wandb.apis.public.Sweep
        Anything with ``.config`` (the sweep config) and ``.runs``, each run having
        ``.id``, ``.state``, ``.config``, ``.summary``, ``.created_at`` and
        ``.scan_history``.

    Returns
    -------
    pandas.DataFrame
        As ``local_sweeps.results``; ``trial`` numbers runs by creation time, ``error`` is
        empty (W&B keeps tracebacks in each run's logs), and ``epochs`` counts the
        history rows holding the metric (one request per run).
    """
    config = api_sweep.config or {}
    metric = (config.get("metric") or {}).get("name")
    params = flatten_parameters({"parameters": config.get("parameters") or {}})
    def created(run):
        # W&B gives created_at as UTC, with or without a "Z".
        start = pd.Timestamp(run.created_at)
        return start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")

    runs = sorted(api_sweep.runs, key=created)
    rows = []
    for number, run in enumerate(runs):
        summary = run.summary or {}
        start = created(run)
        runtime = summary.get("_runtime")
        step = summary.get("_step")
        epochs = None
        if metric and run.state != "pending":
            epochs = sum(1 for _ in run.scan_history(keys=[metric]))
        rows.append({"trial": number, "run_id": run.id,
                     "state": _API_STATES.get(run.state, run.state),
                     "metric": summary.get(metric) if metric else None,
                     "config": {k: v for k, v in (run.config or {}).items()
                                if not k.startswith("_")},
                     "epochs": epochs, "steps": None if step is None else step + 1,
                     "runtime": runtime, "start": start.isoformat(),
                     "end": None if runtime is None else
                     (start + pd.Timedelta(seconds=runtime)).isoformat(),
                     "error": None})
    return results_frame(rows, metric, params)
