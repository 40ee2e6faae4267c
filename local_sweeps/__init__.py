"""W&B sweeps without a W&B account: the same YAML and ``train()``, run by a local controller.

With an account, ``sweep()`` and ``agent()`` are ``wandb.sweep`` and ``wandb.agent``.
Otherwise (``WANDB_MODE`` is not ``online``) a local controller built on Optuna runs
the sweep: each trial is an ordinary offline W&B run (``wandb sync`` uploads it later),
handed its hyperparameters exactly the way W&B's own agent hands them over, so the
reader's ``wandb.init(config=None)`` / ``wandb.config`` code runs unchanged.

The search follows W&B's own sweep engine (the ``sweeps`` package behind W&B's servers):
the same verdict on a config, the same grid in the same order, the same distribution of
random draws, the same hyperband decisions. ``tests/test_wandb_reference.py`` checks
this against behaviour recorded from it. The functions ``grid_points``, ``sample_value``
and ``hyperband_stop`` expose those three pieces on their own.

Sweep state lives in ``.sweeps/<sweep_id>/`` under the working directory::

    sweep.yaml           the validated config, project, entity and random seed
    journal.log          Optuna's JournalStorage: every trial, its params and outcome
    claim.lock           serialises agents (several processes may share one sweep)
    params/config-<run_id>.yaml   the values handed to wandb.init, as W&B's agent writes them
    heartbeats/<trial>   touched every few seconds while a trial runs, so an agent that
                         died (on any machine sharing the folder) has its trial reclaimed

Modules: ``config`` validates the YAML as W&B does, ``space`` turns it into a search
space (grid points, random draws, Optuna distributions), ``hyperband`` decides early
termination, ``controller`` holds ``sweep``/``agent``/``results``, ``trial`` runs one
trial as a W&B run, ``tables`` builds the results tables.

Command line, mirroring ``wandb sweep`` and ``wandb agent``::

    python -m local_sweeps sweep sweep_configs/grid.yaml --project mnist-sweeps
    python -m local_sweeps agent SWEEP_ID --function my_module:train --count 5
    python -m local_sweeps results SWEEP_ID
"""

from .config import SweepConfigError, SweepConfigWarning, load_config, validate_config
from .controller import (
                         MAX_CONSECUTIVE_FAILURES,
                         SweepNotFoundError,
                         SweepStateError,
                         agent,
                         ensure_sweep,
                         find_sweep,
                         results,
                         sweep,
)
from .hyperband import hyperband_brackets, hyperband_check, hyperband_stop
from .space import grid_points, sample_value

__all__ = ["sweep", "agent", "results", "find_sweep", "ensure_sweep", "validate_config",
           "load_config", "SweepConfigError", "SweepConfigWarning", "SweepNotFoundError",
           "SweepStateError",
           "MAX_CONSECUTIVE_FAILURES", "grid_points", "sample_value", "hyperband_stop",
           "hyperband_brackets", "hyperband_check"]
