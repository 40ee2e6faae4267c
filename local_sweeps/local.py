"""The local sweep engine behind the five functions: the side without a W&B account.

``controller.py`` picks this module unless ``WANDB_MODE`` is ``online``; ``online.py``
offers the same functions with the same arguments.
"""

from __future__ import annotations

import secrets
import warnings

from optuna.trial import TrialState

from . import state
from .config import validate_config
from .runner import run_agent
from .space import flatten_parameters, grid_count
from .tables import results_frame


def prepare(config):
    """The config as the local engine runs it: validated, W&B's defaults filled in."""
    return validate_config(config)


def check_seed(seed):
    """``seed`` if it is None or an int from 0 to 2**31 - 1, else a ValueError naming it."""
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed < 2**31):
        return seed
    raise ValueError(f"seed must be an int from 0 to {2**31 - 1} (or None for a random one), got {seed!r}")


def sweep(config, entity=None, project=None, seed=None):
    """Create a local sweep folder for ``config`` and return its id (``seed``: see controller.sweep)."""
    check_seed(seed)
    config = prepare(config)
    seed = secrets.randbelow(2**31) if seed is None else seed
    sweep_id = state.create(config, project=project or config.get("project"),
                            entity=entity or config.get("entity"), seed=seed)
    size = f", {grid_count(config)} grid points" if config["method"] == "grid" else ""
    print(f"Created local sweep {sweep_id} ({config['method']}{size}) in "
          f"{state.SWEEPS_DIR / sweep_id}/")
    return sweep_id


def agent(sweep_id, function=None, entity=None, project=None, count=None,
          max_consecutive_failed_runs=None):
    """Run trials of a local sweep in this process (``runner.run_agent``)."""
    run_agent(sweep_id, function, count=count, entity=entity, project=project,
              max_consecutive_failed_runs=max_consecutive_failed_runs)


def results(sweep_id, entity=None, project=None):
    """All trials of a local sweep, whatever their state, as a results table."""
    on_disk = state.LocalSweep(sweep_id)
    rows = []
    for t in on_disk.trials():
        if t.state == TrialState.WAITING:
            continue  # enqueued by an agent that died before asking for it
        a = t.user_attrs
        trial_state = "running" if t.state == TrialState.RUNNING else a.get("state", "failed")
        live = [v for _, v in sorted(t.intermediate_values.items())]
        if trial_state == "running" and live:
            # As W&B's summary of a running run: the latest value, epochs so far.
            a = {**a, "metric": live[-1], "epochs": len(live)}
        rows.append({"trial": t.number, "run_id": a.get("run_id"), "state": trial_state,
                     "metric": a.get("metric"), "config": a.get("config"),
                     "epochs": a.get("epochs"), "steps": a.get("steps"),
                     "runtime": a.get("runtime"), "start": a.get("start"), "end": a.get("end"),
                     "error": a.get("error")})
    metric = (on_disk.metric or {}).get("name")
    return results_frame(rows, metric, flatten_parameters(on_disk.config))


def _same_config(stored, given):
    """Whether two sweep configs run the same sweep (compared after validation)."""
    try:
        with warnings.catch_warnings():  # its warnings were shown when it was created
            warnings.simplefilter("ignore")
            return validate_config(stored) == given
    except Exception:  # a config an older version stored and this one refuses
        return False


def find_sweep(name, entity=None, project=None, config=None, seed=None):
    """The id of the newest local sweep named ``name`` (and run with ``config`` and ``seed``), or None."""
    check_seed(seed)
    wanted = prepare(config) if config is not None else None
    newest = None
    for _, meta in state.metas():
        if meta["config"].get("name") != name or (seed is not None and meta["seed"] != seed):
            continue
        if wanted is not None and not _same_config(meta["config"], wanted):
            continue
        if newest is None or meta["created"] > newest["created"]:
            newest = meta
    return newest["id"] if newest else None
