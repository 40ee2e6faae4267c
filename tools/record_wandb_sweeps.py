"""Record the behaviour of W&B's own sweep engine into JSON fixtures for the tests.

W&B's server-side sweeps run the PyPI package ``sweeps`` (source: github.com/wandb/sweeps).
It pins numpy<2, so it never enters this repository's environment: install it in a
throw-away one and run this script there::

    python3 -m venv /tmp/sweeps-venv && /tmp/sweeps-venv/bin/pip install sweeps==0.3.0
    /tmp/sweeps-venv/bin/python tools/record_wandb_sweeps.py

It writes ``tests/fixtures/wandb_sweeps/*.json``, which ``tests/test_wandb_reference.py``
compares the local engine against. Tests never import this script.

What is recorded:

- ``configs.json``: sweep configs, valid and invalid, with W&B's verdict
  (``SweepConfig``), what it fills in, and whether its engine then runs the config
  (a draw, a grid, a bayes suggestion, a hyperband pass) with every draw inside the
  declared range.
- ``grids.json``: grid points in W&B's order (``grid_search_next_runs``).
- ``draws.json``: a few thousand random draws per distribution (``HyperParameter.sample``),
  stored as the draws themselves, rounded to 6 significant digits to keep the file small.
- ``hyperband.json``: hyperband stop decisions (``stop_runs``) on run histories.
"""

import json
import math
import random
import sys
from copy import deepcopy
from pathlib import Path

import numpy as np
import sweeps
from sweeps import RunState, SweepConfig, SweepRun, stop_runs
from sweeps.bayes_search import bayes_search_next_runs
from sweeps.grid_search import grid_search_next_runs
from sweeps.params import HyperParameter
from sweeps.random_search import random_search_next_runs

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "wandb_sweeps"
P = {"x": {"values": [1, 2]}}
M = {"name": "acc", "goal": "maximize"}


def plain(value):
    """JSON-ready copy of a value W&B produced (numpy scalars become Python ones)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


# ---------------------------------------------------------------------------
# (a) configs
# ---------------------------------------------------------------------------

def param(spec, method="random"):
    return {"method": method, "parameters": {"p": spec}}


def config_corpus():
    """(id, config) pairs: every key, valid and invalid."""
    c = []

    def add(name, config):
        c.append((name, config))

    # top level
    add("minimal-random", {"method": "random", "parameters": P})
    add("minimal-grid", {"method": "grid", "parameters": P})
    add("bayes-with-metric", {"method": "bayes", "metric": M, "parameters": P})
    add("bayes-without-metric", {"method": "bayes", "parameters": P})
    add("no-method", {"parameters": P})
    add("method-custom", {"method": "custom", "parameters": P})
    add("method-unknown", {"method": "hyperopt", "parameters": P})
    add("method-not-string", {"method": 3, "parameters": P})
    add("no-parameters", {"method": "random"})
    add("empty-parameters", {"method": "random", "parameters": {}})
    add("parameters-not-mapping", {"method": "random", "parameters": [1, 2]})
    add("unknown-top-key", {"method": "random", "parameters": P, "paramters": P})
    for key, value in [("name", "s"), ("description", "d"), ("program", "train.py"),
                       ("project", "p"), ("entity", "e"), ("apiVersion", "v1"),
                       ("kind", "sweep"), ("command", ["python", "${program}", "${args}"])]:
        add(f"top-{key}", {"method": "random", "parameters": P, key: value})
    for key, value in [("name", 3), ("description", ["d"]), ("program", 1), ("project", None),
                       ("entity", 5), ("apiVersion", 1), ("kind", "job"),
                       ("command", "python train.py")]:
        add(f"top-{key}-bad", {"method": "random", "parameters": P, key: value})
    add("controller-local", {"method": "random", "parameters": P, "controller": {"type": "local"}})
    add("controller-cloud", {"method": "random", "parameters": P, "controller": {"type": "cloud"}})
    add("controller-bad-type", {"method": "random", "parameters": P,
                                "controller": {"type": "remote"}})
    add("controller-no-type", {"method": "random", "parameters": P, "controller": {}})
    add("launch-job", {"method": "random", "parameters": P, "job": "entity/project/job:v0"})
    add("launch-image-uri", {"method": "random", "parameters": P, "image_uri": "img:latest"})
    add("launch-scheduler", {"method": "random", "parameters": P,
                             "scheduler": {"engine": "wandb"}})
    add("metrics-multi", {"method": "random", "parameters": P,
                          "metrics": [{"name": "a"}, {"name": "b"}]})
    for cap in (5, 5.0, 0, -1, 2.5, "5", True):
        add(f"run_cap-{cap!r}", {"method": "random", "parameters": P, "run_cap": cap})

    # metric
    for name, metric in [
        ("name-only", {"name": "loss"}), ("empty-name", {"name": ""}),
        ("no-name", {"goal": "maximize"}), ("name-not-string", {"name": 3}),
        ("goal-max", {"name": "a", "goal": "maximize"}), ("goal-typo", {"name": "a", "goal": "maximise"}),
        ("target", {"name": "a", "target": 0.9}), ("target-int", {"name": "a", "target": 1}),
        ("target-string", {"name": "a", "target": "high"}),
        ("impute-worst", {"name": "a", "impute": "worst"}),
        ("impute-best", {"name": "a", "impute": "best"}),
        ("impute-latest", {"name": "a", "impute": "latest"}),
        ("impute-bad", {"name": "a", "impute": "mean"}),
        ("impute-number", {"name": "a", "impute": 0}),
        ("iwr-false-string", {"name": "a", "impute_while_running": "false"}),
        ("iwr-false-bool", {"name": "a", "impute_while_running": False}),
        ("iwr-best", {"name": "a", "impute_while_running": "best"}),
        ("iwr-bad", {"name": "a", "impute_while_running": "mean"}),
        ("unknown-key", {"name": "a", "gaol": "maximize"}),
        ("not-mapping", "acc"),
    ]:
        add(f"metric-{name}", {"method": "random", "parameters": P, "metric": metric})
        if name in ("empty-name", "impute-best", "iwr-best"):
            add(f"metric-{name}-bayes", {"method": "bayes", "parameters": P, "metric": metric})

    # early_terminate
    for name, et in [
        ("min_iter", {"type": "hyperband", "min_iter": 3}),
        ("min_iter-eta", {"type": "hyperband", "min_iter": 1, "eta": 4}),
        ("min_iter-float", {"type": "hyperband", "min_iter": 2.0}),
        ("min_iter-frac", {"type": "hyperband", "min_iter": 2.5}),
        ("min_iter-zero", {"type": "hyperband", "min_iter": 0}),
        ("max_iter-s", {"type": "hyperband", "max_iter": 27, "s": 2}),
        ("max_iter-float", {"type": "hyperband", "max_iter": 27.0, "s": 2}),
        ("max_iter-s-float", {"type": "hyperband", "max_iter": 27, "s": 2.0}),
        ("max_iter-s-frac", {"type": "hyperband", "max_iter": 27, "s": 2.5}),
        ("max_iter-no-s", {"type": "hyperband", "max_iter": 27}),
        ("max_iter-small", {"type": "hyperband", "max_iter": 2, "s": 2, "eta": 3}),
        ("max_iter-zero", {"type": "hyperband", "max_iter": 0, "s": 2}),
        ("s-zero", {"type": "hyperband", "max_iter": 27, "s": 0}),
        ("both", {"type": "hyperband", "min_iter": 1, "max_iter": 27, "s": 2}),
        ("none", {"type": "hyperband"}),
        ("eta-one", {"type": "hyperband", "min_iter": 3, "eta": 1}),
        ("eta-float", {"type": "hyperband", "min_iter": 1, "eta": 2.5}),
        ("strict-false", {"type": "hyperband", "min_iter": 1, "strict": False}),
        ("strict-string", {"type": "hyperband", "min_iter": 1, "strict": "yes"}),
        ("type-envelope", {"type": "envelope", "min_iter": 3}),
        ("no-type", {"min_iter": 3}),
        ("unknown-key", {"type": "hyperband", "min_iter": 3, "patience": 2}),
        ("not-mapping", "hyperband"),
    ]:
        add(f"et-{name}", {"method": "random", "parameters": P, "metric": M, "early_terminate": et})
    add("et-without-metric", {"method": "random", "parameters": P,
                              "early_terminate": {"type": "hyperband", "min_iter": 3}})

    # parameters: inference, every distribution, bounds, names
    specs = [
        ("value", {"value": 3}), ("value-null", {"value": None}), ("value-list", {"value": [1, 2]}),
        ("constant-explicit", {"distribution": "constant", "value": 3}),
        ("values", {"values": [1, 2, 3]}), ("values-empty", {"values": []}),
        ("values-not-list", {"values": 32}),
        ("values-dupes", {"values": [1, 1.0, True]}),
        ("categorical-explicit", {"distribution": "categorical", "values": ["a", "b"]}),
        ("probabilities", {"values": [1, 2, 3], "probabilities": [0.2, 0.3, 0.5]}),
        ("probabilities-explicit", {"distribution": "categorical_w_probabilities",
                                    "values": [1, 2], "probabilities": [0.5, 0.5]}),
        ("probabilities-categorical", {"distribution": "categorical", "values": [1, 2],
                                       "probabilities": [0.5, 0.5]}),
        ("probabilities-bad-sum", {"values": [1, 2], "probabilities": [0.5, 0.6]}),
        ("probabilities-bad-len", {"values": [1, 2], "probabilities": [1.0]}),
        ("probabilities-negative", {"values": [1, 2], "probabilities": [1.5, -0.5]}),
        ("int-inferred", {"min": 1, "max": 4}), ("float-inferred", {"min": 0, "max": 2.5}),
        ("float-inferred-min", {"min": 0.5, "max": 2}),
        ("whole-floats-inferred", {"min": 1.0, "max": 5.0}),
        ("int_uniform", {"distribution": "int_uniform", "min": -2, "max": 3}),
        ("int_uniform-floats", {"distribution": "int_uniform", "min": 1.0, "max": 5.0}),
        ("int_uniform-frac", {"distribution": "int_uniform", "min": 0.5, "max": 4}),
        ("uniform", {"distribution": "uniform", "min": 0, "max": 1}),
        ("uniform-reversed", {"distribution": "uniform", "min": 1, "max": 0}),
        ("uniform-equal", {"distribution": "uniform", "min": 1, "max": 1}),
        ("uniform-string", {"distribution": "uniform", "min": "0", "max": 1}),
        ("uniform-bool", {"distribution": "uniform", "min": False, "max": 1}),
        ("uniform-q", {"distribution": "uniform", "min": 0, "max": 1, "q": 0.1}),
        ("min-only", {"min": 0.1}), ("min-max-q-no-dist", {"min": 0, "max": 1, "q": 0.1}),
        ("q_uniform", {"distribution": "q_uniform", "min": 320, "max": 512, "q": 64}),
        ("q_uniform-default-q", {"distribution": "q_uniform", "min": 0, "max": 10}),
        ("q_uniform-off-grid", {"distribution": "q_uniform", "min": 0.05, "max": 1, "q": 0.2}),
        ("q_uniform-q-zero", {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0}),
        ("q_uniform-no-dist", {"min": 0, "max": 1, "q": 0.25}),
        ("log_uniform", {"distribution": "log_uniform", "min": -9.2, "max": -2.3}),
        ("log_uniform-values-trap", {"distribution": "log_uniform", "min": 0.0001, "max": 0.1}),
        ("inv_log_uniform", {"distribution": "inv_log_uniform", "min": 0.1, "max": 3}),
        ("q_log_uniform", {"distribution": "q_log_uniform", "min": 1, "max": 5, "q": 1}),
        ("log_uniform_values", {"distribution": "log_uniform_values", "min": 1e-4, "max": 0.1}),
        ("log_uniform_values-zero", {"distribution": "log_uniform_values", "min": 0, "max": 0.1}),
        ("inv_log_uniform_values", {"distribution": "inv_log_uniform_values", "min": 1e-4,
                                    "max": 10}),
        ("inv_log_uniform_values-neg", {"distribution": "inv_log_uniform_values", "min": -1,
                                        "max": 10}),
        ("q_log_uniform_values", {"distribution": "q_log_uniform_values", "min": 8, "max": 512,
                                  "q": 8}),
        ("q_log_uniform_values-small", {"distribution": "q_log_uniform_values", "min": 0.1,
                                        "max": 100, "q": 1}),
        ("normal", {"distribution": "normal", "mu": 1, "sigma": 2}),
        ("normal-defaults", {"distribution": "normal"}),
        ("normal-sigma-zero", {"distribution": "normal", "sigma": 0}),
        ("normal-sigma-neg", {"distribution": "normal", "sigma": -1}),
        ("normal-min-max", {"distribution": "normal", "min": 0, "max": 1}),
        ("q_normal", {"distribution": "q_normal", "mu": 10, "sigma": 3, "q": 2}),
        ("log_normal", {"distribution": "log_normal", "mu": -3, "sigma": 1}),
        ("q_log_normal", {"distribution": "q_log_normal", "mu": 3, "sigma": 0.5, "q": 4}),
        ("beta", {"distribution": "beta", "a": 2, "b": 5}),
        ("beta-defaults", {"distribution": "beta"}),
        ("beta-a-zero", {"distribution": "beta", "a": 0, "b": 1}),
        ("beta-a-neg", {"distribution": "beta", "a": -1}),
        ("q_beta", {"distribution": "q_beta", "a": 2, "b": 2, "q": 0.1}),
        ("unknown-distribution", {"distribution": "unifrom", "min": 0, "max": 1}),
        ("unknown-key", {"vaules": [1, 2]}), ("not-mapping", 32), ("no-keys", {}),
        ("value-and-values", {"value": 1, "values": [1, 2]}),
        ("nested", {"parameters": {"lr": {"min": 0.001, "max": 0.1}, "name": {"values": ["a"]}}}),
        ("nested-empty", {"parameters": {}}),
        ("nested-reversed", {"parameters": {"lr": {"min": 0.1, "max": 0.01}}}),
        ("nested-log_uniform", {"parameters": {"lr": {"distribution": "log_uniform",
                                                      "min": -5, "max": -1}}}),
        ("nested-bad-name", {"parameters": {"bad name": {"value": 1}}}),
    ]
    for name, spec in specs:
        add(f"param-{name}", param(spec))
    add("param-name-space", {"method": "random", "parameters": {"hidden sizes": {"values": [1]}}})
    add("param-name-digit", {"method": "random", "parameters": {"1lr": {"values": [1]}}})
    add("param-name-dots", {"method": "random", "parameters": {"opt.lr-x": {"values": [1]}}})

    # grid-specific
    for name, spec in [("values", {"values": [1, 2]}), ("int", {"min": 0, "max": 3}),
                       ("q_uniform", {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.25}),
                       ("uniform", {"min": 0.0, "max": 1.0}),
                       ("log_uniform_values", {"distribution": "log_uniform_values",
                                               "min": 1e-4, "max": 0.1}),
                       ("probabilities", {"values": [1, 2], "probabilities": [0.5, 0.5]}),
                       ("normal", {"distribution": "normal"}),
                       ("nested", {"parameters": {"a": {"values": [1, 2]}}})]:
        add(f"grid-{name}", param(spec, "grid"))
    # bayes over every searchable distribution
    for name, spec in specs:
        if name in ("q_uniform", "normal", "beta", "probabilities", "log_uniform_values",
                    "q_log_uniform_values", "int_uniform", "values"):
            add(f"bayes-{name}", {"method": "bayes", "metric": M, "parameters": {"p": spec}})
    add("full-bayes-yaml", {
        "name": "mnist-bayes", "program": "sweep_train.py", "method": "bayes",
        "metric": {"name": "val_acc", "goal": "maximize"},
        "parameters": {"network": {"value": "Net2"}, "optimizer": {"value": "adam"},
                       "hidden_size": {"distribution": "q_uniform", "min": 320, "max": 512, "q": 64},
                       "lr": {"distribution": "log_uniform_values", "min": 0.0001, "max": 0.01},
                       "batch_size": {"values": [64, 128]},
                       "dropout": {"distribution": "uniform", "min": 0.0, "max": 0.4},
                       "epochs": {"value": 8}},
        "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 4}, "run_cap": 30})
    return c


def _bounds(spec):
    """(low, high) a draw of this filled spec must lie in, or None when unbounded."""
    dist = spec.get("distribution")
    if dist in ("uniform", "int_uniform", "q_uniform", "log_uniform_values",
                "inv_log_uniform_values", "q_log_uniform_values"):
        return spec["min"], spec["max"]
    if dist in ("beta", "q_beta"):
        return 0.0, 1.0
    if dist in ("log_normal", "q_log_normal"):
        return 0.0, math.inf
    return None


def _engine_check(config):
    """Run W&B's engine on a config it accepted: None, or what went wrong."""
    config = deepcopy(config)
    random.seed(0)
    np.random.seed(0)
    try:
        method = config["method"]
        if method == "random":
            runs = random_search_next_runs(config, n=200)
        elif method == "grid":
            runs = grid_search_next_runs([], config, n=50)
        elif method == "bayes":
            runs = bayes_search_next_runs([], config)
        else:
            return f"method {method} has no engine"
        if "early_terminate" in config:
            metric = config.get("metric", {}).get("name", "loss")
            run = SweepRun(state=RunState.running, history=[{metric: 1.0}] * 30)
            stop_runs(config, [run])
    except Exception as e:  # what a W&B sweep would die of
        return f"{type(e).__name__}: {e}"[:300]
    filled = SweepConfig(deepcopy(config))["parameters"]
    for run in runs:
        if run is None:
            continue
        for name, spec in filled.items():
            bounds = _bounds(spec)
            value = run.config.get(name, {}).get("value")
            if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
                if not math.isfinite(value):
                    return f"draws a non-finite value for {name}: {value}"
                if bounds and not bounds[0] <= value <= bounds[1]:
                    return f"draws {name}={value} outside [{bounds[0]}, {bounds[1]}]"
    return None


def record_configs():
    records = []
    for name, config in config_corpus():
        record = {"id": name, "config": config}
        try:
            filled = SweepConfig(deepcopy(config))
        except Exception as e:
            record.update(valid=False, error=f"{type(e).__name__}: {e}"[:400])
        else:
            record.update(valid=True, filled=plain(dict(filled)), engine_error=_engine_check(config))
        records.append(record)
    return records


# ---------------------------------------------------------------------------
# (b) grids
# ---------------------------------------------------------------------------

GRIDS = [
    ("values", {"a": {"values": [3, 1, 2]}}),
    ("dupes", {"a": {"values": [1, 1.0, True, "1", 2, 1]}}),
    ("dupes-lists", {"a": {"values": [[1], [1.0], [1], {"k": 1}, {"k": 1}]}}),
    ("int_uniform", {"a": {"min": -2, "max": 3}}),
    ("q_uniform-int", {"a": {"distribution": "q_uniform", "min": 320, "max": 512, "q": 64}}),
    ("q_uniform-float", {"a": {"distribution": "q_uniform", "min": 0.1, "max": 1.0, "q": 0.2}}),
    ("q_uniform-default-q", {"a": {"distribution": "q_uniform", "min": 0, "max": 5}}),
    ("q_uniform-quarter", {"a": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.25}}),
    ("q_uniform-tenth", {"a": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.1}}),
    ("q_uniform-uneven", {"a": {"distribution": "q_uniform", "min": 1, "max": 10, "q": 4}}),
    ("q_uniform-third", {"a": {"distribution": "q_uniform", "min": 0.0, "max": 2.0,
                               "q": 1 / 3}}),
    ("product", {"b": {"values": ["x", "y"]}, "a": {"min": 1, "max": 3},
                 "c": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.5},
                 "d": {"value": 7}}),
    ("nested", {"opt": {"parameters": {"lr": {"values": [0.1, 0.01]},
                                       "name": {"values": ["sgd", "adam"]}}},
                "bs": {"values": [32, 64]}}),
]


def record_grids():
    records = []
    for name, params in GRIDS:
        config = {"method": "grid", "parameters": params}
        runs = grid_search_next_runs([], deepcopy(config), n=1000)
        points = []
        for run in runs:
            if run is None:
                break
            points.append(plain({k: _unwrap(v) for k, v in run.config.items()}))
        records.append({"id": name, "config": config, "points": points})
    return records


def _unwrap(v):
    """W&B's run config holds {'value': x} at the first level; nested dicts stay plain."""
    return v["value"] if isinstance(v, dict) and set(v) == {"value"} else v


# ---------------------------------------------------------------------------
# (c) draws
# ---------------------------------------------------------------------------

DRAWS = [
    ("uniform", {"distribution": "uniform", "min": -1.0, "max": 3.0}),
    ("int_uniform", {"distribution": "int_uniform", "min": -2, "max": 5}),
    ("q_uniform", {"distribution": "q_uniform", "min": 320, "max": 512, "q": 64}),
    ("q_uniform-float", {"distribution": "q_uniform", "min": 0.0, "max": 1.0, "q": 0.3}),
    ("log_uniform_values", {"distribution": "log_uniform_values", "min": 1e-4, "max": 0.1}),
    ("q_log_uniform_values", {"distribution": "q_log_uniform_values", "min": 1, "max": 64,
                              "q": 2}),
    ("inv_log_uniform_values", {"distribution": "inv_log_uniform_values", "min": 0.01,
                                "max": 10}),
    ("normal", {"distribution": "normal", "mu": 1.0, "sigma": 2.0}),
    ("q_normal", {"distribution": "q_normal", "mu": 10, "sigma": 3, "q": 2}),
    ("log_normal", {"distribution": "log_normal", "mu": -1.0, "sigma": 0.5}),
    ("q_log_normal", {"distribution": "q_log_normal", "mu": 2.0, "sigma": 0.5, "q": 1.5}),
    ("beta", {"distribution": "beta", "a": 2.0, "b": 5.0}),
    ("q_beta", {"distribution": "q_beta", "a": 0.5, "b": 0.5, "q": 0.1}),
    ("categorical", {"values": ["sgd", "adam", "momentum"]}),
    ("categorical-dupes", {"values": [1, 1.0, True, 2]}),
    ("categorical_w_probabilities", {"values": [16, 32, 64, 128],
                                     "probabilities": [0.1, 0.2, 0.3, 0.4]}),
]
N_DRAWS = 3000


def _short(v):
    if isinstance(v, float):
        return float(f"{v:.6g}")
    return v


def record_draws():
    random.seed(2024)
    records = []
    for name, spec in DRAWS:
        hp = HyperParameter("p", deepcopy(spec))
        draws = [_short(plain(hp.sample())) for _ in range(N_DRAWS)]
        records.append({"id": name, "spec": spec, "draws": draws})
    return records


# ---------------------------------------------------------------------------
# (d) hyperband
# ---------------------------------------------------------------------------

def _curve(rng, n, start, rate, noise):
    """A learning curve that rises towards 1 with noise: a val_acc history."""
    return [round(1 - (1 - start) * math.exp(-rate * (i + 1)) + rng.normal(0, noise), 4)
            for i in range(n)]


HYPERBAND_SETTINGS = [
    ("bayes-yaml", {"type": "hyperband", "min_iter": 1, "eta": 4}),
    ("bayes-yaml-loose", {"type": "hyperband", "min_iter": 1, "eta": 4, "strict": False}),
    ("min_iter-2-eta-3", {"type": "hyperband", "min_iter": 2, "eta": 3}),
    ("min_iter-3-eta-2.5", {"type": "hyperband", "min_iter": 3, "eta": 2.5, "strict": True}),
    ("max_iter-s", {"type": "hyperband", "max_iter": 27, "s": 2, "eta": 3}),
    ("max_iter-s-loose", {"type": "hyperband", "max_iter": 18, "s": 3, "eta": 2,
                          "strict": False}),
    ("both", {"type": "hyperband", "min_iter": 1, "max_iter": 16, "s": 2, "eta": 2}),
]


def record_hyperband():
    rng = np.random.default_rng(7)
    records = []
    # W&B's own test histories (tests/test_hyperband_stopping.py)
    own = [
        ({"type": "hyperband", "min_iter": 3, "eta": 3}, "minimize",
         [("running", [10] * 4), ("running", [10 - i for i in range(10)])]),
        ({"type": "hyperband", "min_iter": 3, "eta": 3}, "maximize",
         [("running", [10] * 4), ("running", [10 + i for i in range(10)])]),
        ({"type": "hyperband", "max_iter": 81, "eta": 3, "s": 3}, "minimize",
         [("running", [10] * 4), ("running", [10 - i for i in range(10)])]),
        ({"type": "hyperband", "max_iter": 18, "eta": 3, "s": 2}, "minimize",
         [("running", [10] * 4), ("running", [10 - i for i in range(10)])]),
        ({"type": "hyperband", "max_iter": 18, "eta": 3, "s": 2, "strict": False}, "minimize",
         [("running", [10 - i for i in range(10)])]),
        ({"type": "hyperband", "max_iter": 18, "eta": 3, "s": 2, "strict": False}, "minimize",
         [("running", [10, 10, 6]), ("running", [10 - i for i in range(10)])]),
        ({"type": "hyperband", "max_iter": 5, "eta": 2, "s": 2}, "minimize",
         [("finished", [10, 9]), ("running", [10, 10]), ("running", [10, 8, 8]),
          ("running", [10, 7, 7]), ("finished", [10, 6, 6])]),
        ({"type": "hyperband", "min_iter": 1, "eta": 3}, "minimize",
         [("running", [10, float("nan"), 9]), ("running", [8, "NaN", 7]),
          ("running", [12, None, 11])]),
    ]
    for i, (et, goal, runs) in enumerate(own):
        records.append(_hyperband_case(f"wandb-test-{i}", et, goal, runs))
    # recorded histories: a sweep of runs at different stages, several snapshots
    for name, et in HYPERBAND_SETTINGS:
        for k in range(8):
            n_runs = int(rng.integers(2, 12))
            runs = []
            for _ in range(n_runs):
                length = int(rng.integers(0, 10))
                state = "running" if rng.random() < 0.6 else "finished"
                runs.append((state, _curve(rng, length, rng.uniform(0.1, 0.8),
                                           rng.uniform(0.05, 0.8), 0.03)))
            goal = "maximize" if k % 2 == 0 else "minimize"
            if goal == "minimize":
                runs = [(s, [round(1 - v, 4) for v in h]) for s, h in runs]
            records.append(_hyperband_case(f"{name}-{k}", et, goal, runs))
    return records


def _hyperband_case(name, et, goal, runs):
    config = {"method": "random", "metric": {"name": "m", "goal": goal}, "early_terminate": et,
              "parameters": P}
    sweep_runs = [SweepRun(name=str(i), state=RunState(state), history=[{"m": v} for v in h])
                  for i, (state, h) in enumerate(runs)]
    stopped = stop_runs(deepcopy(config), sweep_runs)
    info = next((r.early_terminate_info for r in sweep_runs if r.early_terminate_info), None)
    return {"id": name, "early_terminate": et, "goal": goal,
            "runs": [{"state": s, "history": [v if isinstance(v, (int, float)) and math.isfinite(v)
                                              else str(v) for v in h]} for s, h in runs],
            "stopped": sorted(int(r.name) for r in stopped),
            "bands": plain(info["bands"][:8]) if info else None}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {"sweeps_version": sweeps.__version__, "numpy": np.__version__,
            "python": sys.version.split()[0]}
    for name, records in [("configs", record_configs()), ("grids", record_grids()),
                          ("draws", record_draws()), ("hyperband", record_hyperband())]:
        path = OUT / f"{name}.json"
        path.write_text(json.dumps({"recorded_with": meta, "records": records}, indent=None,
                                   separators=(",", ":")) + "\n")
        print(f"{path.name}: {len(records)} records, {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
