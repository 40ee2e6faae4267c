"""The five functions of the sweep API: ``sweep``, ``agent``, ``results``, ``find_sweep``, ``ensure_sweep``.

Each is W&B's own (``wandb.sweep``, ``wandb.agent``, the W&B API) when ``WANDB_MODE`` is
``online``, and the local engine's otherwise: :func:`engine` decides, in one place.
See the package docstring (``local_sweeps/__init__.py``) for what the local engine does
and where its sweep state lives.
"""

from __future__ import annotations

import os

from . import local, online


def engine():
    """The module that runs sweeps now: ``online`` (W&B's) with ``WANDB_MODE=online``,
    else ``local``. Both offer the same functions with the same arguments."""
    return online if os.environ.get("WANDB_MODE") == "online" else local


def sweep(config, entity=None, project=None, seed=None):
    """Create a sweep, like ``wandb.sweep``, and return its id.

    Parameters
    ----------
    config : dict or str or Path
        A W&B sweep configuration, or the path of its YAML file.
    entity, project : str, optional
        Where the sweep's runs go; default: the config's ``entity`` / ``project``.
    seed : int, optional
        Offline: seeds the search (the random and TPE samplers), so the same config and
        seed draw the same trials in the same order, one agent at a time (a second
        agent draws from ``seed + 1``, and so on). Default: a random seed, stored in the
        sweep's folder. Online it is ignored: W&B's cloud sweeps take no seed.

    Returns
    -------
    str
        The sweep id, for ``agent()``.

    Raises
    ------
    SweepConfigError
        Offline, for any config the local controller cannot run (checked here,
        before any trial).
    """
    return engine().sweep(config, entity=entity, project=project, seed=seed)


def agent(sweep_id, function=None, entity=None, project=None, count=None,
          max_consecutive_failed_runs=None):
    """Run trials of a sweep in this process, like ``wandb.agent``.

    Parameters
    ----------
    sweep_id : str
        The id ``sweep()`` returned (W&B's ``entity/project/id`` form is accepted).
    function : callable
        The training function, called with no arguments once per trial; it calls
        ``wandb.init()`` and reads its hyperparameters from ``wandb.config``.
    entity, project : str, optional
        Override where the runs go (default: as given to ``sweep()``).
    count : int, optional
        How many trials THIS agent runs (default: until the sweep is done). The
        config's ``run_cap`` limits all agents together.
    max_consecutive_failed_runs : int, optional
        Offline: stop after this many failed trials in a row
        (default ``runner.MAX_CONSECUTIVE_FAILURES``, 3).

    Returns
    -------
    None
        Offline, each trial prints one line; ``results(sweep_id)`` has them all.
        Ctrl-C marks the running trial as interrupted and returns; calling
        ``agent()`` again resumes the sweep. Agents in several processes, or on
        several machines sharing the folder, may run one sweep together: a trial
        whose agent stopped sending heartbeats for ``HEARTBEAT_GRACE`` seconds is
        marked interrupted, and its grid point runs again. ``sys.exit()`` inside
        ``function`` ends that trial (failed, unless the code is 0), not the agent.
    """
    engine().agent(sweep_id, function=function, entity=entity, project=project, count=count,
                   max_consecutive_failed_runs=max_consecutive_failed_runs)


def results(sweep_id, entity=None, project=None):
    """A sweep's results table: from W&B when online, else from the local controller.

    Parameters
    ----------
    sweep_id : str
        The sweep's id (online, also ``entity/project/id``).
    entity, project : str, optional
        Online only: where the sweep lives, when ``sweep_id`` does not say.

    Returns
    -------
    pandas.DataFrame
        One row per trial, whatever its state. Columns: ``trial`` (number),
        ``run_id``, ``state`` (finished / failed / running / stopped), the metric
        (named as in the config; summary value), one column per parameter (nested
        keys joined by dots, ``optimizer.lr``; list values stay lists), ``epochs``
        (times the metric was logged), ``steps`` (history rows), ``runtime``
        (seconds), ``start``, ``end`` (UTC) and ``error`` (why a trial failed,
        with its traceback; for a finished trial whose metric is NaN or infinite,
        the epoch at which it diverged).

    Raises
    ------
    SweepNotFoundError
        Offline, if there is no local sweep with this id here.
    SweepStateError
        Offline, if the sweep's ``sweep.yaml`` or ``journal.log`` is damaged beyond
        repair (the message names the file).
    """
    return engine().results(sweep_id, entity=entity, project=project)


def find_sweep(name, entity=None, project=None, config=None, seed=None):
    """The id of the newest sweep whose config is named ``name``, or None.

    Lets a later notebook pick up the sweep an earlier one ran, online (from the
    W&B API) or offline (from ``.sweeps/`` in the working directory).

    Parameters
    ----------
    name : str
        The sweep config's ``name``.
    entity, project : str, optional
        Online only: the project to look in.
    config : dict or str or Path, optional
        If given, only a sweep run with this same config counts (offline, compared
        after validation, so spelling and defaults do not matter; online, as W&B
        stored it): a YAML edited under the same name is a different sweep.
    seed : int, optional
        Offline, if given: only a sweep created with this seed counts (online ignored).

    Returns
    -------
    str or None
    """
    return engine().find_sweep(name, entity=entity, project=project, config=config, seed=seed)


def ensure_sweep(config, function, runs, entity=None, project=None, seed=None):
    """The newest sweep with this config, created if there is none, with at least ``runs`` trials.

    Lets a notebook build on the sweep an earlier notebook ran, and still run on
    its own (in a fresh Colab session, say) by running that sweep first. A sweep
    of the same name whose config differs (the YAML was edited since) is never
    reused: a new sweep is created, and a line says so.

    Parameters
    ----------
    config : dict or str or Path
        A sweep config with a ``name``, or its YAML file.
    function : callable
        The sweep's ``train()``.
    runs : int
        Trials the sweep should hold; an agent runs the missing ones.
    entity, project : str, optional
        Where the sweep's runs go, as for ``sweep()``.
    seed : int, optional
        As for ``sweep()``; offline, a sweep with another seed is not reused.

    Returns
    -------
    str
        The sweep id.
    """
    config = engine().prepare(config)
    if not config.get("name"):
        raise ValueError("ensure_sweep finds sweeps by their config's `name`; this config has none")
    sweep_id = find_sweep(config["name"], entity=entity, project=project, config=config, seed=seed)
    if sweep_id is None:
        older = find_sweep(config["name"], entity=entity, project=project)
        if older is not None:
            print(f"Sweep {older} is named {config['name']!r} but ran another config or seed; "
                  f"starting a new sweep for this one.")
        sweep_id = sweep(config, entity=entity, project=project, seed=seed)
    missing = runs - len(results(sweep_id, entity=entity, project=project))
    if missing > 0:
        agent(sweep_id, function=function, count=missing, entity=entity, project=project)
    return sweep_id
