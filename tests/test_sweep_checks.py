"""What a sweep run trained with (TrainingWatch), and the check against the sweep's choices."""

import math

import numpy as np
import pandas as pd
import pytest

import sweep_checks as sc
from multi_layer_net import make_net
from optimizer import get_optimizer
from trainer import fit


def data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)


def watched_fit(config, n=96, **fit_args):
    net = make_net(config)
    opt = get_optimizer(config["optimizer"], config["lr"])
    watch = sc.TrainingWatch(net, opt)
    fit(net, data(n), epochs=config["epochs"], batch_size=config["batch_size"], optimizer=opt,
        lr_schedule=config["lr_schedule"], on_step_end=watch.on_step_end, progress=False, **fit_args)
    return watch


NET2 = {"network": "Net2", "hidden_size1": 24, "hidden_size2": 12, "optimizer": "adam",
        "lr": 0.003, "batch_size": 16, "epochs": 2, "lr_schedule": "cosine"}


def test_watch_reads_back_the_config_it_trained_with():
    assert watched_fit(NET2).used() == NET2
    net1 = {**NET2, "network": "Net1", "optimizer": "sgd", "lr_schedule": "constant", "epochs": 3}
    used = watched_fit(net1).used()
    assert used == {**net1, "hidden_size2": None}  # Net1 builds no second layer


def test_watch_tells_a_cosine_from_another_decay():
    assert sc._schedule([0.1] * 5) == "constant"
    total = 12
    assert sc._schedule([0.5 * 0.1 * (1 + math.cos(math.pi * i / total)) for i in range(total)]) == "cosine"
    assert sc._schedule([0.1 * 0.9 ** i for i in range(10)]) == "other"  # exponential, not cosine
    assert sc._schedule([0.1, 0.2, 0.3]) == "other"


def table(configs, run_ids):
    rows = [{"trial": i, "run_id": r, "state": "finished", "val_acc": 0.9,
             **{("config.epochs" if k == "epochs" else k): v for k, v in c.items()}}
            for i, (c, r) in enumerate(zip(configs, run_ids, strict=True))]
    return pd.DataFrame(rows)


def test_mismatches_empty_when_each_run_used_its_values():
    configs = [NET2, {**NET2, "network": "Net1", "hidden_size2": 12}]
    used = {"a": watched_fit(configs[0]).used(),
            "b": watched_fit(configs[1]).used()}
    # Net1's hidden_size2 is drawn by the sweep but never built: compared with None, not 12.
    assert sc.config_mismatches(table(configs, ["a", "b"]), used).empty


def test_mismatches_name_the_run_and_the_value_that_differs():
    configs = [NET2, {**NET2, "lr": 0.03}]
    # A train() that hardcodes lr=0.003 trains the second run with the first run's rate.
    used = {"a": watched_fit(NET2).used(), "b": watched_fit(NET2).used()}
    found = sc.config_mismatches(table(configs, ["a", "b"]), used)
    assert found[["trial", "run_id", "parameter"]].values.tolist() == [[1, "b", "lr"]]
    assert found["chosen"].iloc[0] == 0.03 and found["used"].iloc[0] == pytest.approx(0.003)


def test_mismatches_catch_an_ignored_schedule_and_a_missing_record():
    ignored = watched_fit({**NET2, "lr_schedule": "constant"}).used()
    found = sc.config_mismatches(table([NET2, NET2], ["a", "b"]), {"a": ignored})
    assert found[["run_id", "parameter"]].values.tolist() == [["a", "lr_schedule"], ["b", "(all)"]]


def test_an_incomplete_run_is_not_held_to_its_epochs():
    short = watched_fit({**NET2, "epochs": 1}).used()
    found = sc.config_mismatches(table([NET2], ["a"]), {"a": short})
    assert found["parameter"].tolist() == ["epochs"]
    assert sc.config_mismatches(table([NET2], ["a"]), {"a": short}, completed=set()).empty


def test_mismatches_need_trial_and_run_id():
    with pytest.raises(ValueError, match="run_id"):
        sc.config_mismatches(pd.DataFrame({"trial": [0]}), {})
