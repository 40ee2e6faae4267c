"""The sweep YAMLs the notebooks use are valid, and say what the notebooks say they do."""

from pathlib import Path

import pytest

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


def test_grid_runs_the_twelve_points_notebook_03_announces():
    points = grid_points(sweep_config.validate_config(CONFIGS / "grid.yaml"))
    assert len(points) == 12
    assert len({tuple(sorted(p.items())) for p in points}) == 12


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


@pytest.mark.parametrize("name", ["random", "grid", "bayes"])
def test_sweep_train_reads_every_parameter_the_yaml_defines(name):
    # train() must take each swept value from wandb.config; a key it never reads would be
    # swept for nothing (notebook 03 explains why).
    source = (CONFIGS.parent / "notebooks" / "sweep_train.py").read_text()
    for key in sweep_config.validate_config(CONFIGS / f"{name}.yaml")["parameters"]:
        assert f"cfg.{key}" in source, key
