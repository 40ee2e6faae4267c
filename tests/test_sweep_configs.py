"""The sweep YAMLs the notebooks use are valid, and say what the notebooks say they do."""

from pathlib import Path

import pytest

import local_sweeps
from local_sweeps import config as sweep_config

CONFIGS = Path(__file__).resolve().parent.parent / "sweep_configs"


@pytest.mark.parametrize("name", ["random", "grid", "bayes"])
def test_config_is_valid_and_tunes_on_validation_accuracy(name):
    config = sweep_config.validate_config(CONFIGS / f"{name}.yaml")
    assert config["method"] == name
    # Tuning happens on the validation split: never a test metric, never minimized.
    assert config["metric"] == {"name": "val_acc", "goal": "maximize"}
    assert config["name"] == f"mnist-{name}"  # how later notebooks find the sweep again


def test_grid_runs_the_twelve_points_notebook_03_announces():
    points = local_sweeps.grid_points(sweep_config.validate_config(CONFIGS / "grid.yaml"))
    assert len(points) == 12
    assert len({tuple(sorted(p.items())) for p in points}) == 12


def test_bayes_hyperband_checks_fall_inside_its_runs():
    config = sweep_config.validate_config(CONFIGS / "bayes.yaml")
    epochs = config["parameters"]["epochs"]["value"]
    brackets = local_sweeps.hyperband_brackets(config["early_terminate"])
    # A bracket b is checked once b + 1 values are logged; one at or past the last
    # epoch would never stop anything (notebook 05 explains this).
    inside = [b + 1 for b in brackets if b + 1 < epochs]
    assert inside and inside[0] <= epochs // 2
