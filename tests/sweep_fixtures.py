"""Trivial train functions for the local sweep tests (and bench_sweeps.py's overhead run).

Each is shaped like the reader's train(): ``wandb.init()``, read ``wandb.config``,
``run.log`` per epoch. They write what they saw (the config, the values they logged)
to ``seen/<run_id>.json`` in the working directory, so the tests compare the
controller's records with the train function's own, not with the controller's.
Importable by ``python -m local_sweeps agent ... --function sweep_fixtures:NAME``
when ``tests/`` is on PYTHONPATH.
"""

import contextlib
import json
import os
import random
import time
from pathlib import Path

import optuna
import pytest
import wandb

METRIC = "score"


@contextlib.contextmanager
def offline_sweep_env(folder):
    """W&B offline and quiet, Optuna quiet, working in ``folder``: where a local sweep test runs.

    Yields the ``pytest.MonkeyPatch`` that set it up; everything is restored on exit.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WANDB_MODE", "offline")
        mp.setenv("WANDB_SILENT", "true")
        mp.delenv("WANDB_DIR", raising=False)
        mp.chdir(folder)
        verbosity = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        try:
            yield mp
        finally:
            optuna.logging.set_verbosity(verbosity)


def _config():
    return {k: v for k, v in dict(wandb.config).items() if not k.startswith("_")}


def _write_seen(run, **record):
    Path("seen").mkdir(exist_ok=True)
    record = {"run_id": run.id, "group": run.group, "config": _config(),
              "pid": os.getpid(), **record}
    with open(Path("seen") / f"{run.id}.json", "w") as f:
        json.dump(record, f)


def train_record(config=None):
    """Log a random score per epoch; record the config seen and the values logged."""
    with wandb.init(config=config) as run:
        rng = random.Random()
        logged = []
        for epoch in range(int(os.environ.get("FIXTURE_EPOCHS", "2"))):
            logged.append(rng.random())
            run.log({"epoch": epoch, METRIC: logged[-1]})
        _write_seen(run, logged=logged)


def train_config_value(config=None):
    """Log the config's ``x`` times the epoch number (1-based) as the score, via wandb.log."""
    with wandb.init(config=config) as run:
        x = wandb.config.x
        logged = []
        for epoch in range(int(wandb.config.get("epochs", 3))):
            logged.append(x * (epoch + 1))
            wandb.log({"epoch": epoch, METRIC: logged[-1]})  # the module-level spelling
        _write_seen(run, logged=logged)


def train_fail(config=None):
    """Start a run, then raise, like a train() with a bug."""
    with wandb.init(config=config) as run:
        _write_seen(run, logged=[])
        raise ValueError("boom: a bug in train()")


def train_no_metric(config=None):
    """Finish normally but never log the sweep metric (a typo'd key)."""
    with wandb.init(config=config) as run:
        run.log({"scroe": 1.0})
        _write_seen(run, logged=[])


def train_interrupt_on_third_call(config=None):
    """Like train_record, but the third call (per working directory) is hit by Ctrl-C."""
    calls = Path("calls.txt")
    n = int(calls.read_text()) + 1 if calls.exists() else 1
    calls.write_text(str(n))
    with wandb.init(config=config) as run:
        run.log({"epoch": 0, METRIC: 0.5})
        if n == 3:
            _write_seen(run, logged=[0.5], interrupted=True)
            raise KeyboardInterrupt
        _write_seen(run, logged=[0.5])


def train_sleep(config=None):
    """A W&B run whose body sleeps a fixed time (for timing the controller)."""
    with wandb.init(config=config) as run:
        start = time.perf_counter()
        time.sleep(float(os.environ.get("FIXTURE_SLEEP", "0")))
        run.log({"epoch": 0, METRIC: random.random()})
        _write_seen(run, logged=[], body_seconds=time.perf_counter() - start)


def seen_runs():
    """What the fixture train functions recorded, by run id."""
    return {p.stem: json.loads(p.read_text()) for p in Path("seen").glob("*.json")}


def train_nan_loss(config=None):
    """Diverge at once: log only a NaN loss, never the sweep metric, and stop."""
    with wandb.init(config=config) as run:
        run.log({"loss": float("nan")})
        _write_seen(run, logged=[])
