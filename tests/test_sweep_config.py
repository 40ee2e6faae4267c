"""Tests of sweep-config validation: W&B's keys, defaults, errors and warnings, and the
cost of validating big spaces (fast: no W&B runs). The verdicts on a corpus recorded
from W&B's own engine are in test_wandb_reference.py."""

import json
import sys
import tracemalloc
import warnings
from pathlib import Path

import pytest

import local_sweeps
from local_sweeps import SweepConfigError, SweepConfigWarning, validate_config
from local_sweeps.space import decode, search_space

# Every test runs offline, quietly, in its own empty folder (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("offline_sweep_folder")


def test_yaml_file_with_w_and_b_number_spellings(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text("method: random\nparameters:\n  lr:\n    distribution: log_uniform_values\n"
                    "    min: 1e-4\n    max: 1e-1\n  hidden_sizes:\n    values: [[100], [256, 256]]\n")
    config = validate_config(path)
    assert config["parameters"]["lr"] == {"distribution": "log_uniform_values",
                                          "min": 1e-4, "max": 0.1}
    assert config["parameters"]["hidden_sizes"]["values"] == [[100], [256, 256]]


def test_validation_fills_w_and_b_defaults_without_touching_the_input():
    given = {"method": "bayes", "metric": {"name": "val_loss"},
             "early_terminate": {"type": "hyperband", "min_iter": 2},
             "parameters": {"x": {"values": [1, 2]}}}
    original = json.dumps(given, sort_keys=True)
    config = validate_config(given)
    assert json.dumps(given, sort_keys=True) == original
    assert config["metric"]["goal"] == "minimize"
    assert config["early_terminate"]["eta"] == 3
    assert config["parameters"]["x"]["distribution"] == "categorical"


# ---------------------------------------------------------------------------
# Invalid configs: rejected before any trial, naming the key
# ---------------------------------------------------------------------------

P = {"x": {"values": [1, 2]}}
INVALID = [
    ({"parameters": P}, "method"),
    ({"method": "hyperopt", "parameters": P}, "method"),
    ({"method": "custom", "parameters": P}, "method"),
    ({"method": "random"}, "parameters"),
    ({"method": "random", "parameters": {}}, "parameters"),
    ({"method": "random", "parameters": P, "paramters": P}, "paramters"),
    ({"method": "random", "parameters": P, "scheduler": {"engine": "optuna"}}, "scheduler"),
    ({"method": "random", "parameters": {"lr": {"min": 0.1, "max": 0.01}}}, "parameters.lr.min"),
    ({"method": "random", "parameters": {"lr": {"min": 1, "max": 1}}}, "parameters.lr.min"),
    ({"method": "random", "parameters": {"lr": {"min": "small", "max": 0.1}}},
     "parameters.lr.min"),
    ({"method": "random", "parameters": {"lr": {"min": 0.1}}}, "parameters.lr.max"),
    ({"method": "random", "parameters": {"lr": {"distribution": "log_uniform_values",
                                                "min": 0, "max": 0.1}}}, "parameters.lr.min"),
    ({"method": "random", "parameters": {"lr": {"distribution": "inv_log_uniform_values",
                                                "min": -1, "max": 0.1}}}, "parameters.lr.min"),
    ({"method": "random", "parameters": {"lr": {"distribution": "normal", "mu": 0,
                                                "sigma": 0}}}, "parameters.lr.sigma"),
    ({"method": "random", "parameters": {"lr": {"distribution": "beta", "a": 0}}},
     "parameters.lr.a"),
    ({"method": "random", "parameters": {"lr": {"distribution": "inv_log_uniform", "min": 0,
                                                "max": 1}}}, "parameters.lr.distribution"),
    ({"method": "random", "parameters": {"lr": {"distribution": "unifrom", "min": 0,
                                                "max": 1}}}, "parameters.lr.distribution"),
    ({"method": "random", "parameters": {"lr": {"distribution": "int_uniform", "min": 0.5,
                                                "max": 4}}}, "parameters.lr.min"),
    ({"method": "random", "parameters": {"lr": {"distribution": "q_uniform", "min": 0,
                                                "max": 1, "q": 0}}}, "parameters.lr.q"),
    ({"method": "random", "parameters": {"lr": {"distribution": "uniform", "min": 0,
                                                "max": 1, "q": 0.1}}}, "parameters.lr.q"),
    ({"method": "random", "parameters": {"bs": {"vaules": [1, 2]}}}, "parameters.bs.vaules"),
    ({"method": "random", "parameters": {"bs": {"values": []}}}, "parameters.bs.values"),
    ({"method": "random", "parameters": {"bs": {"values": 32}}}, "parameters.bs.values"),
    ({"method": "random", "parameters": {"bs": 32}}, "parameters.bs"),
    ({"method": "random", "parameters": {"bs": {"values": [1, 2], "probabilities": [0.5, 0.6]}}},
     "parameters.bs.probabilities"),
    ({"method": "random", "parameters": {"bs": {"values": [1, 2], "probabilities": [1.0]}}},
     "parameters.bs.probabilities"),
    ({"method": "grid", "parameters": {"bs": {"values": [1, 2], "probabilities": [0.5, 0.5]}}},
     "parameters.bs"),
    ({"method": "random", "parameters": {"n": {"distribution": "int_uniform", "min": 1.0,
                                               "max": 5}}}, "parameters.n.min"),
    ({"method": "random", "parameters": {"o": {"parameters": {"lr": {"min": 0.1, "max": 0.01}}}}},
     "parameters.o.parameters.lr.min"),
    ({"method": "random", "parameters": {"opt": {"parameters": {"lr": {"max": 1}}}}},
     "parameters.opt.parameters.lr.min"),
    ({"method": "random", "parameters": {"hidden sizes": {"values": [1]}}},
     "parameters.hidden sizes"),
    ({"method": "grid", "parameters": {"lr": {"min": 0.0, "max": 0.1}}}, "parameters.lr"),
    ({"method": "grid", "parameters": {"lr": {"distribution": "log_uniform_values",
                                              "min": 1e-4, "max": 0.1}}}, "parameters.lr"),
    ({"method": "grid", "parameters": {"n": {"min": 0, "max": 10**6}}}, "parameters"),
    ({"method": "bayes", "parameters": P}, "metric"),
    ({"method": "random", "metric": {"goal": "maximize"}, "parameters": P}, "metric.name"),
    ({"method": "random", "metric": {"name": "acc", "goal": "maximise"}, "parameters": P},
     "metric.goal"),
    ({"method": "random", "metric": {"name": "acc", "target": "high"}, "parameters": P},
     "metric.target"),
    ({"method": "random", "metric": {"name": "acc", "gaol": "maximize"}, "parameters": P},
     "metric.gaol"),
    ({"method": "random", "run_cap": 0, "parameters": P}, "run_cap"),
    ({"method": "random", "run_cap": 2.5, "parameters": P}, "run_cap"),
    ({"method": "random", "run_cap": True, "parameters": P}, "run_cap"),
    ({"method": "random", "command": "python train.py", "parameters": P}, "command"),
    ({"method": "random", "kind": "job", "parameters": P}, "kind"),
    ({"method": "random", "controller": {"type": "remote"}, "parameters": P}, "controller.type"),
    ({"method": "random", "metrics": [{"name": "a"}, {"name": "b"}], "parameters": P}, "metrics"),
    ({"method": "random", "metric": {"name": "a", "impute": "mean"}, "parameters": P},
     "metric.impute"),
    ({"method": "random", "metric": {"name": "a", "impute_while_running": False},
      "parameters": P}, "metric.impute_while_running"),
    ({"method": "random", "early_terminate": {"type": "hyperband", "min_iter": 3},
      "parameters": P}, "metric"),
    ({"method": "random", "metric": {"name": "acc"}, "parameters": P,
      "early_terminate": {"type": "envelope"}}, "early_terminate.type"),
    ({"method": "random", "metric": {"name": "acc"}, "parameters": P,
      "early_terminate": {"type": "hyperband"}}, "early_terminate.min_iter"),
    ({"method": "random", "metric": {"name": "acc"}, "parameters": P,
      "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 1}},
     "early_terminate.eta"),
    ({"method": "random", "metric": {"name": "acc"}, "parameters": P,
      "early_terminate": {"type": "hyperband", "max_iter": 27, "s": 2.0}}, "early_terminate.s"),
    ({"method": "random", "metric": {"name": "acc"}, "parameters": P,
      "early_terminate": {"type": "hyperband", "min_iter": 1, "max_iter": 27}},
     "early_terminate.s"),
    ({"method": "random", "metric": {"name": "acc"}, "parameters": P,
      "early_terminate": {"type": "hyperband", "max_iter": 2, "s": 2}},
     "early_terminate.max_iter"),
    ("not a mapping", ""),
]


@pytest.mark.parametrize("config, key", INVALID, ids=[f"{i}-{k or 'root'}" for i, (_, k)
                                                       in enumerate(INVALID)])
def test_invalid_config_is_rejected_before_any_trial(config, key):
    with pytest.raises(SweepConfigError) as error:
        local_sweeps.sweep(config)
    message = str(error.value)
    assert message.startswith(f"{key}:") if key else message
    assert not Path(".sweeps").exists() or not any(Path(".sweeps").iterdir())


def test_errors_suggest_the_close_key_and_say_what_is_allowed():
    with pytest.raises(SweepConfigError, match=r"did you mean 'parameters'"):
        validate_config({"method": "grid", "paramters": P})
    with pytest.raises(SweepConfigError, match=r"did you mean 'uniform'.*allowed: constant"):
        validate_config({"method": "random", "parameters": {
            "lr": {"distribution": "unifrom", "min": 0, "max": 1}}})
    with pytest.raises(SweepConfigError, match="WANDB_MODE=online"):
        validate_config({"method": "random", "parameters": P, "job": "e/p/job:v0"})




# ---------------------------------------------------------------------------
# W&B's semantics: what it accepts, fills in and warns about
# ---------------------------------------------------------------------------

def test_harmless_w_and_b_keys_are_accepted_and_whole_floats_count_as_integers():
    config = validate_config({
        "method": "random", "kind": "sweep", "apiVersion": "v1", "controller": {"type": "local"},
        "command": ["python", "${program}", "${args}"], "run_cap": 5.0,
        "metric": {"name": "", "impute": "best", "impute_while_running": "false"},
        "early_terminate": {"type": "hyperband", "min_iter": 2.0}, "parameters": P})
    assert config["run_cap"] == 5 and isinstance(config["run_cap"], int)
    assert config["early_terminate"] == {"type": "hyperband", "min_iter": 2, "eta": 3,
                                         "strict": True}


@pytest.mark.parametrize("key", ["job", "image_uri", "scheduler"])
def test_launch_only_keys_are_refused_by_name(key):
    with pytest.raises(SweepConfigError, match=rf"^{key}: is a W&B Launch key"):
        validate_config({"method": "random", "parameters": P, key: "x"})


def test_the_log_uniform_trap_is_refused_with_what_it_would_sample_and_the_fix():
    spec = {"distribution": "log_uniform", "min": 0.0001, "max": 0.1}
    with pytest.raises(SweepConfigError) as error:
        validate_config({"method": "random", "parameters": {"lr": spec}})
    message = str(error.value)
    assert message.startswith("parameters.lr.distribution:")
    assert "1.0001..1.1052" in message and "log_uniform_values" in message
    # W&B accepts it nested (it only checks the top level); it runs here with a warning
    with pytest.warns(SweepConfigWarning, match=r"parameters.opt.parameters.lr.distribution"):
        validate_config({"method": "random", "parameters": {"opt": {"parameters": {"lr": spec}}}})


def test_q_uniform_that_can_draw_outside_its_range_is_warned_about():
    with pytest.warns(SweepConfigWarning, match=r"^parameters.p: q_uniform .* can draw 0, "):
        validate_config({"method": "random", "parameters": {
            "p": {"distribution": "q_uniform", "min": 0.05, "max": 1, "q": 0.2}}})
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # bayes.yaml's hidden size: on the grid, no warning
        validate_config({"method": "random", "parameters": {
            "p": {"distribution": "q_uniform", "min": 320, "max": 512, "q": 64}}})


def test_new_distributions_fill_w_and_b_defaults():
    params = validate_config({"method": "random", "parameters": {
        "n": {"distribution": "normal"}, "qb": {"distribution": "q_beta"},
        "w": {"values": ["a", "b"], "probabilities": [0.25, 0.75]}}})["parameters"]
    assert params["n"] == {"distribution": "normal", "mu": 0.0, "sigma": 1.0}
    assert params["qb"] == {"distribution": "q_beta", "a": 1, "b": 1, "q": 1.0}
    assert params["w"]["distribution"] == "categorical_w_probabilities"


def test_hyperband_with_both_min_iter_and_max_iter_uses_max_iter_bands():
    et = validate_config({"method": "random", "metric": {"name": "m"}, "parameters": P,
                          "early_terminate": {"type": "hyperband", "min_iter": 1,
                                              "max_iter": 27, "s": 2}})["early_terminate"]
    assert local_sweeps.hyperband_brackets(et) == [3, 9]


# ---------------------------------------------------------------------------
# Big spaces: counted, not listed; linear in the length of a values list
# ---------------------------------------------------------------------------

def _peak_mib(fn):
    """Peak Python memory while fn runs, in MiB."""
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / 2**20


def _events(fn):
    """Python function calls (and generator steps) while fn runs: a count, not a time."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        count += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("spec", [{"distribution": "int_uniform", "min": 0, "max": 10**8},
                                  {"distribution": "q_uniform", "min": 0, "max": 1, "q": 1e-9}],
                         ids=["int_uniform-1e8", "q_uniform-q1e-9"])
def test_a_huge_grid_is_refused_without_listing_its_points(spec):
    def check():
        with pytest.raises(SweepConfigError, match=r"^parameters: the grid has too many points"):
            validate_config({"method": "grid", "parameters": {"n": spec}})
    assert _peak_mib(check) < 20   # listing 10**8 ints takes 4 GB


@pytest.mark.parametrize("method", ["random", "grid", "bayes"])
def test_a_long_values_list_costs_linear_work_up_to_the_first_trial(method):
    def first_trial(n):
        config = validate_config({"method": method, "metric": {"name": "m"},
                                  "parameters": {"v": {"values": list(range(n))}}})
        space = search_space(config)
        decode(config, {name: (d.choices[0] if hasattr(d, "choices") else d.low)
                        for name, d in space.items()})
    # twice the values, about twice the calls (quadratic work would give four times)
    assert _events(lambda: first_trial(2000)) / _events(lambda: first_trial(1000)) < 2.6


# ---------------------------------------------------------------------------
# Parameter names that would share one results column
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("params, metric, where", [
    ({"a.b": {"value": 1}, "a": {"parameters": {"b": {"values": [1, 2]}}}}, None,
     ("parameters.a.b", "parameters.a.parameters.b")),
    ({"epochs": {"value": 1}, "config.epochs": {"values": [1, 2]}}, None,
     ("parameters.epochs", "parameters.config.epochs")),
    ({"score": {"values": [1, 2]}, "config": {"parameters": {"score": {"value": 3}}}}, "score",
     ("parameters.score", "parameters.config.parameters.score")),
], ids=["a.b beside a: {b}", "config.epochs beside epochs", "nested config.score beside the metric"])
def test_parameters_that_would_share_a_results_column_are_refused_naming_both(params, metric,
                                                                              where):
    config = {"method": "random", "parameters": params}
    if metric:
        config["metric"] = {"name": metric}
    with pytest.raises(SweepConfigError) as error:
        validate_config(config)
    message = str(error.value)
    assert message.startswith(f"{where[0]}: ") and f"and {where[1]} " in message, message
    assert "rename one" in message


def test_names_that_only_look_alike_share_no_column():
    validate_config({"method": "random", "metric": {"name": "score"}, "parameters": {
        "a.b": {"value": 1}, "a": {"parameters": {"c": {"value": 2}}},
        "config.epochs": {"value": 3}, "scores": {"value": 4}}})
