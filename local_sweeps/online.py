"""W&B's own sweep engine behind the same five functions: the side with an account.

``controller.py`` picks this module when ``WANDB_MODE`` is ``online`` and the local
engine (``local.py``) otherwise; both offer the same functions with the same arguments.
"""

from __future__ import annotations

import wandb

from .config import load_config
from .tables import api_results_frame


def prepare(config):
    """The config as W&B receives it: read from YAML if a path, otherwise as given."""
    return load_config(config)


def sweep(config, entity=None, project=None, seed=None):
    """``wandb.sweep``: W&B validates the config and returns the sweep's id.

    ``seed`` is not sent: W&B's server draws each run's values itself and takes no seed.
    """
    return wandb.sweep(prepare(config), entity=entity, project=project)


def agent(sweep_id, function=None, entity=None, project=None, count=None,
          max_consecutive_failed_runs=None):
    """``wandb.agent``, passing ``max_consecutive_failed_runs`` only when it is given."""
    kwargs = {}
    if max_consecutive_failed_runs is not None:
        kwargs["max_consecutive_failed_runs"] = max_consecutive_failed_runs
    return wandb.agent(sweep_id, function=function, entity=entity, project=project,
                       count=count, **kwargs)


def results(sweep_id, entity=None, project=None):
    """The sweep's runs from the W&B API, in the local results table's columns."""
    path = "/".join(part for part in (entity, project, sweep_id) if part)
    return api_results_frame(wandb.Api().sweep(path))


def find_sweep(name, entity=None, project=None, config=None, seed=None):
    """The newest sweep of the project named ``name`` (and with this config, if given; W&B keeps no seed)."""
    wanted = prepare(config) if config is not None else None
    found = [s for s in wandb.Api().project(project, entity=entity).sweeps()
             if s.name == name and (wanted is None or s.config == wanted)]
    return found[0].id if found else None  # W&B lists a project's newest sweep first
