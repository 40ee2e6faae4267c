"""W&B sweeps without a W&B account: the same YAML and ``train()``, run by a local controller.

With an account, ``sweep()`` and ``agent()`` are ``wandb.sweep`` and ``wandb.agent``.
Otherwise (``WANDB_MODE`` is not ``online``) a local controller built on Optuna runs
the sweep: each trial is an ordinary offline W&B run (``wandb sync`` uploads it later),
handed its hyperparameters exactly the way W&B's own agent hands them over, so the
reader's ``wandb.init(config=None)`` / ``wandb.config`` code runs unchanged.

The search follows W&B's own sweep engine (the ``sweeps`` package behind W&B's servers):
the same verdict on a config, the same grid in the same order, the same distribution of
random draws, the same hyperband decisions. ``tests/test_wandb_reference.py`` checks
this against behaviour recorded from it, through ``space.grid_points``,
``space.sample_value`` and ``hyperband.hyperband_stop``, which expose those pieces on their own.

Sweep state lives in ``.sweeps/<sweep_id>/`` under the working directory::

    sweep.yaml           the validated config, project, entity and random seed
    journal.log          Optuna's JournalStorage: every trial, its params and outcome
    journal.lock         held while an agent appends to the journal (the kernel frees it
                         if that agent is killed)
    claim.lock           serialises agents (several processes may share one sweep)
    params/config-<run_id>.yaml   the values handed to wandb.init, as W&B's agent writes them
    heartbeats/<trial>   touched every few seconds while a trial runs, so an agent that
                         died (on any machine sharing the folder) has its trial reclaimed

Modules: ``controller`` holds ``sweep``/``agent``/``results``/``find_sweep``/``ensure_sweep``
and decides, in one place, whether W&B's engine (``online``) or the local one (``local``)
runs them. Locally: ``config`` validates the YAML as W&B does, ``space`` turns it into a
search space (grid points, random draws, Optuna distributions), ``hyperband`` decides
early termination, ``state`` keeps a sweep on disk, ``runner`` is the agent that claims
and runs trials, ``heartbeat`` tells live agents from dead ones, ``trial`` runs one trial
as a W&B run, ``tables`` builds the results tables, and ``common`` holds the few pieces
several of them share.

Command line, mirroring ``wandb sweep`` and ``wandb agent``::

    python -m local_sweeps sweep sweep_configs/grid.yaml --project mnist-sweeps
    python -m local_sweeps agent SWEEP_ID --function my_module:train --count 5
    python -m local_sweeps results SWEEP_ID
"""

from .config import SweepConfigError, SweepConfigWarning, load_config, validate_config
from .controller import agent, ensure_sweep, find_sweep, results, sweep
from .hyperband import hyperband_brackets
from .state import SweepIdError, SweepNotFoundError, SweepStateError

__all__ = ["sweep", "agent", "results", "find_sweep", "ensure_sweep", "validate_config",
           "load_config", "SweepConfigError", "SweepConfigWarning", "SweepNotFoundError",
           "SweepIdError", "SweepStateError", "hyperband_brackets"]
