"""The sweep YAMLs the notebooks use are valid, and say what the notebooks say they do."""

import contextlib
import types
from pathlib import Path

import nbformat
import pytest
import wandb
from wandb.sdk import wandb_config

import local_sweeps
from local_sweeps import config as sweep_config
from local_sweeps.space import grid_points

CONFIGS = Path(__file__).resolve().parent.parent / "sweep_configs"


@pytest.mark.parametrize("name", ["random", "grid", "bayes"])
def test_config_is_valid_and_tunes_on_validation_accuracy(name):
    config = sweep_config.validate_config(CONFIGS / f"{name}.yaml")
    assert config["method"] == name
    # Tuning happens on the validation split: never a test metric, never minimized.
    assert config["metric"] == {"name": "val_acc", "goal": "maximize"}
    assert config["name"] == f"mnist-{name}"  # how later notebooks find the sweep again


def test_grid_runs_every_pair_of_net2_widths_once():
    # Notebook 05's hidden-size grid: 3 widths for each of Net2's two layers, 3 x 3 = 9 runs.
    points = grid_points(sweep_config.validate_config(CONFIGS / "grid.yaml"))
    pairs = {(p["hidden_size1"], p["hidden_size2"]) for p in points}
    assert len(points) == len(pairs) == 9
    assert {p["network"] for p in points} == {"Net2"}


def test_bayes_hyperband_checks_fall_inside_its_runs():
    config = sweep_config.validate_config(CONFIGS / "bayes.yaml")
    epochs = config["parameters"]["epochs"]["value"]
    brackets = local_sweeps.hyperband_brackets(config["early_terminate"])
    # A bracket b (counting logged values from 0) inside the run can stop it before its
    # last epoch; one at or past the last value would never stop anything.
    assert [b for b in brackets if b < epochs - 1], brackets


def test_random_sweep_has_the_original_posts_axes():
    params = sweep_config.validate_config(CONFIGS / "random.yaml")["parameters"]
    # epochs swept, two hidden sizes, SGD against Adam, batch size and learning rate
    assert {"network", "hidden_size1", "hidden_size2", "optimizer", "lr", "batch_size",
            "epochs"} <= set(params)
    assert set(params["optimizer"]["values"]) == {"sgd", "adam"}
    assert params["network"]["values"] == ["Net1", "Net2"]
    assert params["epochs"]["distribution"] == "int_uniform"
    assert params["epochs"]["max"] > params["epochs"]["min"]


def test_bayes_file_runs_as_long_as_the_longest_random_run():
    # Notebook 05 fixes epochs at the narrowed range's largest value, at most random.yaml's
    # max; bayes.yaml run on its own should train that long too.
    random_epochs = sweep_config.validate_config(CONFIGS / "random.yaml")["parameters"]["epochs"]
    bayes_epochs = sweep_config.validate_config(CONFIGS / "bayes.yaml")["parameters"]["epochs"]
    assert bayes_epochs["value"] == random_epochs["max"]


class ReadConfig(wandb_config.Config):
    """A ``wandb.config`` that remembers the keys read from it (``cfg.key``, ``cfg[key]``, ``cfg.get``)."""

    def __init__(self, values):
        super().__init__()
        self.update(values)
        object.__setattr__(self, "read", set())

    def __getitem__(self, key):  # cfg.key comes here too
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, *default):
        self.read.add(key)
        return super().get(key, *default)


@pytest.fixture(scope="module")
def sweep_train():
    """The module notebook 03 writes with %%writefile, run from the cell itself.

    The cell, not notebooks/sweep_train.py: the notebooks rewrite that file while they run
    (tests/test_notebooks_meta.py checks that the two are the same).
    """
    nb = nbformat.read(CONFIGS.parent / "notebooks" / "03_sweeps_function_callback.ipynb", as_version=4)
    (cell,) = [c.source for c in nb.cells if c.source.startswith("%%writefile sweep_train.py")]
    module = types.ModuleType("sweep_train")
    module.__file__ = str(CONFIGS.parent / "notebooks" / "sweep_train.py")
    exec(compile(cell.split("\n", 1)[1], module.__file__, "exec"), module.__dict__)
    return module


def first_values(params):
    """One value for every parameter: the first of a list, a constant, a range's lower end."""
    return {key: spec["values"][0] if "values" in spec else spec.get("value", spec.get("min"))
            for key, spec in params.items()}


@pytest.mark.parametrize("name", ["random", "grid", "bayes"])
def test_sweep_train_uses_every_parameter_the_yaml_defines(name, sweep_train, monkeypatch):
    # train() must take each swept value from wandb.config; a key it never reads would be
    # swept for nothing (notebook 03 explains why). Run it once per network (Net1 has no
    # second layer, so only a Net2 run reads hidden_size2) on a few hundred images.
    params = sweep_config.validate_config(CONFIGS / f"{name}.yaml")["parameters"]
    x, t = sweep_train.train_set
    monkeypatch.setattr(sweep_train, "train_set", (x[:512], t[:512]))
    monkeypatch.setattr(sweep_train, "val_set", (x[512:768], t[512:768]))
    read = set()
    for network in params["network"].get("values", [params["network"].get("value")]):
        config = ReadConfig({**first_values(params), "network": network})
        run, logged = types.SimpleNamespace(summary={}), []
        monkeypatch.setattr(wandb, "init", lambda config=None, run=run: contextlib.nullcontext(run))
        monkeypatch.setattr(wandb, "config", config)
        monkeypatch.setattr(wandb, "log", logged.append)
        sweep_train.train()
        read |= config.read
        assert len(logged) == config["epochs"], "train() did not train for the config's epochs"
        assert run.summary["status"] == "completed" and 0 <= run.summary["best_val_acc"] <= 1
    assert not set(params) - read, f"train() never reads {sorted(set(params) - read)}"


def run_train(module, config, monkeypatch):
    """Call ``module.train()`` as an agent would, with ``config`` as its wandb.config; its summary."""
    (x, t), (xv, tv) = module.train_set, module.val_set
    monkeypatch.setattr(module, "train_set", (x[:512], t[:512]))
    monkeypatch.setattr(module, "val_set", (xv[:256], tv[:256]))
    run = types.SimpleNamespace(summary={})
    monkeypatch.setattr(wandb, "init", lambda config=None: contextlib.nullcontext(run))
    monkeypatch.setattr(wandb, "config", wandb_config.Config())
    wandb.config.update(config)
    monkeypatch.setattr(wandb, "log", lambda metrics: None)
    module.train()
    return run.summary


def test_config_check_passes_the_notebooks_train_and_fails_one_that_hardcodes_lr(sweep_train,
                                                                                 monkeypatch):
    import pandas as pd

    from sweep_checks import config_mismatches

    configs = [{"network": "Net2", "hidden_size1": 64, "hidden_size2": 128, "optimizer": "adam",
                "lr": 0.004, "batch_size": 128, "epochs": 2, "lr_schedule": "cosine"},
               {"network": "Net1", "hidden_size1": 128, "hidden_size2": 64, "optimizer": "sgd",
                "lr": 0.05, "batch_size": 64, "epochs": 1, "lr_schedule": "cosine"}]
    results = pd.DataFrame([{"trial": i, "run_id": f"r{i}",
                             **{("config.epochs" if k == "epochs" else k): v for k, v in c.items()}}
                            for i, c in enumerate(configs)])
    used = {f"r{i}": run_train(sweep_train, c, monkeypatch)["used"] for i, c in enumerate(configs)}
    assert used["r1"]["hidden_size2"] is None  # Net1 records no second layer
    assert config_mismatches(results, used).empty

    # The same cell with lr hardcoded: wandb.config still holds the sweep's lr, the training does not.
    nb = nbformat.read(CONFIGS.parent / "notebooks" / "03_sweeps_function_callback.ipynb", as_version=4)
    (cell,) = [c.source for c in nb.cells if c.source.startswith("%%writefile sweep_train.py")]
    source = cell.split("\n", 1)[1]
    assert "mu.get_optimizer(cfg.optimizer, cfg.lr)" in source
    bad = types.ModuleType("bad_sweep_train")
    bad.__file__ = sweep_train.__file__
    exec(compile(source.replace("mu.get_optimizer(cfg.optimizer, cfg.lr)",
                                "mu.get_optimizer(cfg.optimizer, 0.01)"), bad.__file__, "exec"),
         bad.__dict__)
    used = {f"r{i}": run_train(bad, c, monkeypatch)["used"] for i, c in enumerate(configs)}
    found = config_mismatches(results, used)
    assert found["parameter"].tolist() == ["lr", "lr"]
