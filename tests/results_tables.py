"""Results tables with planted structure, for the tests of the sweep-reading modules.

Two spaces: ``RANDOM_YAML``, the real ``sweep_configs/random.yaml`` that notebooks 03-05
run (the post's axes: two hidden sizes, SGD against Adam, epochs 1-3), and
``FIVE_OPTIMIZERS``, a made-up space with one hidden size and all five optimizers, so
that categorical parameters have many values. Tables built with ``table`` come from
``local_sweeps.tables.results_frame``, so they have the real column layout.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from local_sweeps import config as sweep_config
from local_sweeps.space import flatten_parameters
from local_sweeps.tables import results_frame

RANDOM_YAML = sweep_config.load_config(Path(__file__).resolve().parents[1] / "sweep_configs" / "random.yaml")

FIVE_OPTIMIZERS = {  # not a file of the series: a space whose categories have many values
    "name": "five-optimizers", "method": "random",
    "metric": {"name": "val_acc", "goal": "maximize"},
    "parameters": {
        "network": {"values": ["Net1", "Net2"]},
        "hidden_size": {"values": [32, 64, 128, 256]},
        "optimizer": {"values": ["sgd", "momentum", "adagrad", "rmsprop", "adam"]},
        "lr": {"distribution": "log_uniform_values", "min": 0.0001, "max": 0.1},
        "batch_size": {"values": [64, 128, 256]},
        "epochs": {"value": 3},
    },
    "run_cap": 60,
}


def table(trials, config=FIVE_OPTIMIZERS):
    """A results table from (config values, val_acc, state) triples."""
    params = flatten_parameters(sweep_config.validate_config(config))
    start = pd.Timestamp("2024-01-01T00:00:00Z")
    rows = []
    for i, (values, metric, state) in enumerate(trials):
        begin = start + pd.Timedelta(minutes=2 * i)
        rows.append({"trial": i, "run_id": f"run{i:03d}", "state": state, "metric": metric,
                     "config": {"epochs": 3, **values}, "epochs": 3, "steps": 30,
                     "runtime": 60.0, "start": begin.isoformat(),
                     "end": (begin + pd.Timedelta(minutes=1)).isoformat(), "error": None})
    return results_frame(rows, "val_acc", params)


def random_trials(n, rng, score):
    """n trials drawn from FIVE_OPTIMIZERS' space, scored by ``score(values, rng)``."""
    space = FIVE_OPTIMIZERS["parameters"]
    trials = []
    for _ in range(n):
        values = {"network": str(rng.choice(space["network"]["values"])),
                  "hidden_size": int(rng.choice(space["hidden_size"]["values"])),
                  "optimizer": str(rng.choice(space["optimizer"]["values"])),
                  "lr": float(10 ** rng.uniform(-4, -1)),
                  "batch_size": int(rng.choice(space["batch_size"]["values"]))}
        trials.append((values, score(values, rng), "finished"))
    return trials


def post_table(n=48, seed=0, score=None):
    """A random sweep's table drawn from random.yaml's space, val_acc from ``score(row)`` plus noise.

    Its columns are the ones ``local_sweeps.results`` gives for that file (the parameter
    ``epochs`` as ``config.epochs``), finished runs only.
    """
    space = RANDOM_YAML["parameters"]
    rng = np.random.default_rng(seed)
    lr, epochs = space["lr"], space["epochs"]
    rows = pd.DataFrame({
        "trial": np.arange(n), "run_id": [f"r{i}" for i in range(n)], "state": "finished",
        "network": rng.choice(space["network"]["values"], n),
        "hidden_size1": rng.choice(space["hidden_size1"]["values"], n),
        "hidden_size2": rng.choice(space["hidden_size2"]["values"], n),
        "optimizer": rng.choice(space["optimizer"]["values"], n),
        "lr": np.exp(rng.uniform(np.log(lr["min"]), np.log(lr["max"]), n)),
        "batch_size": rng.choice(space["batch_size"]["values"], n),
        "config.epochs": rng.integers(epochs["min"], epochs["max"] + 1, n)})
    noise = rng.normal(0, 0.002, n)
    rows["val_acc"] = [0.9 + (score(r) if score else 0.0) for r in rows.itertuples()] + noise
    return rows
