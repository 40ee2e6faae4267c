"""Tests of the local sweep controller: config validation and translation (fast, no
W&B runs), then end-to-end sweeps whose trials are real offline W&B runs (~0.6 s each,
so counts stay small)."""

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import optuna
import pandas as pd
import pytest
import sweep_fixtures

import local_sweeps
from local_sweeps import validate_config
from local_sweeps.__main__ import main as local_sweeps_main
from local_sweeps.runner import MAX_CONSECUTIVE_FAILURES
from local_sweeps.space import decode, grid_points, search_space
from local_sweeps.tables import api_results_frame

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


# Every test runs offline, quietly, in its own empty folder (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("offline_sweep_folder")


def sample(config, n, sampler=None):
    """n configs drawn the way the agent draws them: ask Optuna, decode."""
    config = validate_config(config)
    study = optuna.create_study(sampler=sampler or optuna.samplers.RandomSampler(seed=1))
    space = search_space(config)
    values = []
    for _ in range(n):
        trial = study.ask(fixed_distributions=space)
        values.append(decode(config, trial.params))
        study.tell(trial, float(len(values) % 7))
    return values


# ---------------------------------------------------------------------------
# Valid configs: translation
# ---------------------------------------------------------------------------

def test_each_distribution_samples_inside_its_range():
    config = {"method": "random", "parameters": {
        "const": {"value": "fixed"},
        "cat": {"values": ["sgd", "adam", "momentum"]},
        "ints": {"distribution": "int_uniform", "min": -2, "max": 3},
        "inferred_int": {"min": 1, "max": 4},
        "real": {"distribution": "uniform", "min": 0.5, "max": 0.75},
        "inferred_real": {"min": 0, "max": 2.5},
        "quant": {"distribution": "q_uniform", "min": 0.1, "max": 1.0, "q": 0.2},
        "quant_int": {"distribution": "q_uniform", "min": 0, "max": 64, "q": 16},
        "log_vals": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1.0},
        "q_log_vals": {"distribution": "q_log_uniform_values", "min": 8, "max": 512, "q": 8},
        "inv_log": {"distribution": "inv_log_uniform_values", "min": 1e-4, "max": 10.0},
    }}
    drawn = pd.DataFrame(sample(config, 300))
    assert (drawn["const"] == "fixed").all()
    assert set(drawn["cat"]) == {"sgd", "adam", "momentum"}
    assert set(drawn["ints"]) == {-2, -1, 0, 1, 2, 3}
    assert all(isinstance(v, int) for v in drawn["ints"])
    assert set(drawn["inferred_int"]) == {1, 2, 3, 4}
    assert drawn["real"].between(0.5, 0.75).all() and drawn["real"].nunique() > 250
    assert drawn["inferred_real"].between(0, 2.5).all()
    assert not all(float(v).is_integer() for v in drawn["inferred_real"])
    # q_uniform: multiples of q inside [min, max]
    assert set(drawn["quant"]) <= {0.2, 0.4, 0.6, 0.8, 1.0}
    assert set(drawn["quant_int"]) == {0, 16, 32, 48, 64}
    assert all(isinstance(v, int) for v in drawn["quant_int"])
    # log distributions: inside the range and spread over its orders of magnitude
    # (log_uniform, whose min/max are natural logs, is refused as W&B refuses it)
    for column, low, high in [("log_vals", 1e-5, 1.0), ("inv_log", 1e-4, 10.0)]:
        values = drawn[column]
        assert values.between(low * (1 - 1e-9), high * (1 + 1e-9)).all(), column
        decades = set(math.floor(math.log10(v)) for v in values)
        assert len(decades) >= round(math.log10(high / low)) - 1, column
        # log-uniform: about as many draws below the geometric midpoint as above
        assert 0.35 < (values < math.sqrt(low * high)).mean() < 0.65, column
    q = drawn["q_log_vals"]
    assert q.between(8, 512).all() and all(v % 8 == 0 for v in q)
    assert all(isinstance(v, int) for v in q)
    assert (q < 64).mean() > 0.3  # log-spread: many small values, not mostly large ones


def test_bayes_tpe_suggestions_stay_in_range_with_nested_and_list_values():
    config = {"method": "bayes", "metric": {"name": "score", "goal": "maximize"},
              "parameters": {
                  "hidden_sizes": {"values": [[100], [256, 256], [64, 64, 64]]},
                  "optimizer": {"parameters": {
                      "name": {"values": ["sgd", "adam"]},
                      "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 0.1},
                      "momentum": {"value": 0.9}}}}}
    for drawn in sample(config, 40, optuna.samplers.TPESampler(seed=3, n_startup_trials=5)):
        assert drawn["hidden_sizes"] in ([100], [256, 256], [64, 64, 64])
        assert isinstance(drawn["hidden_sizes"], list)
        assert set(drawn["optimizer"]) == {"name", "lr", "momentum"}
        assert drawn["optimizer"]["name"] in ("sgd", "adam")
        assert 1e-4 <= drawn["optimizer"]["lr"] <= 0.1
        assert drawn["optimizer"]["momentum"] == 0.9


def test_categorical_values_equal_across_types_stay_distinct():
    # Optuna finds choices by ==, and 0 == False == 0.0; each must come back as given.
    drawn = sample({"method": "random", "parameters": {
        "v": {"values": [0, False, 1.0, "1", None, {"a": [1]}]}}}, 200)
    got = {json.dumps(d["v"]) for d in drawn}
    assert got == {json.dumps(v) for v in [0, False, 1.0, "1", None, {"a": [1]}]}


def test_grid_enumerates_every_combination_once_in_w_and_b_order():
    config = validate_config({"method": "grid", "parameters": {
        "b_sizes": {"values": [[100], [256, 256]]},
        "a_epochs": {"min": 1, "max": 3},
        # W&B's grid for q_uniform is np.arange(min, max, q): 0, 0.25, 0.5, 0.75
        "c_frac": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.25},
        "d_fixed": {"value": 7},
        "e_opt": {"parameters": {"name": {"values": ["sgd", "adam"]}}}}})
    points = grid_points(config)
    assert len(points) == 2 * 3 * 4 * 2
    keys = {json.dumps(p, sort_keys=True) for p in points}
    assert len(keys) == len(points)
    assert {p["c_frac"] for p in points} == {0, 0.25, 0.5, 0.75}
    assert all(p["d_fixed"] == 7 for p in points)
    # W&B iterates the product of the parameters sorted by name, first name slowest.
    assert [p["a_epochs"] for p in points[:2 * 4 * 2]] == [1] * 16


P = {"x": {"values": [1, 2]}}


# ---------------------------------------------------------------------------
# End to end: real offline W&B runs
# ---------------------------------------------------------------------------

def test_each_trial_sees_its_suggested_config_and_the_logged_metric_is_recorded():
    sweep_id = local_sweeps.sweep({
        "method": "bayes", "metric": {"name": "score", "goal": "maximize"},
        "parameters": {
            "hidden_sizes": {"values": [[100], [256, 256]]},
            "optimizer": {"parameters": {"name": {"values": ["sgd", "adam"]},
                                         "lr": {"min": 0.001, "max": 0.1}}},
            "epochs": {"value": 2}}}, project="tests")
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_record, count=3)
    df = local_sweeps.results(sweep_id)
    seen = sweep_fixtures.seen_runs()
    assert len(df) == 3 and set(df["run_id"]) == set(seen)
    for _, row in df.iterrows():
        run = seen[row["run_id"]]
        assert row["state"] == "finished"
        # "epochs" clashes with a results column, so its config column is renamed
        assert run["config"] == {"hidden_sizes": row["hidden_sizes"],
                                 "epochs": row["config.epochs"],
                                 "optimizer": {"name": row["optimizer.name"],
                                               "lr": row["optimizer.lr"]}}
        assert row["score"] == run["logged"][-1]  # W&B's sweep metric: the summary value
        assert row["epochs"] == len(run["logged"])
        assert run["group"] == f"sweep-{sweep_id}"
    # each trial is an offline run in ./wandb that `wandb sync` can upload later
    assert len(list(Path("wandb").glob("offline-run-*"))) == 3
    # the trial's environment was restored
    assert "WANDB_SWEEP_PARAM_PATH" not in os.environ and "WANDB_RUN_ID" not in os.environ


def test_two_agent_processes_share_a_grid_and_run_every_point_once():
    values = [1, 2, 3, 4, 5, 6]
    Path("grid.yaml").write_text(json.dumps({
        "method": "grid", "metric": {"name": "score", "goal": "maximize"},
        "parameters": {"x": {"values": values}, "epochs": {"value": 1}}}))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(TESTS)])}
    created = subprocess.run([sys.executable, "-m", "local_sweeps", "sweep", "grid.yaml"],
                             env=env, capture_output=True, text=True, check=True)
    sweep_id = created.stdout.strip().splitlines()[-1]
    command = [sys.executable, "-m", "local_sweeps", "agent", sweep_id,
               "--function", "sweep_fixtures:train_config_value"]
    agents = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [a.communicate(timeout=120)[0] for a in agents]
    assert [a.returncode for a in agents] == [0, 0], outputs
    seen = sweep_fixtures.seen_runs().values()
    assert sorted(r["config"]["x"] for r in seen) == values
    assert len({r["pid"] for r in seen}) == 2, "both agents should have run trials"
    df = local_sweeps.results(sweep_id)
    assert sorted(df["x"]) == values and (df["state"] == "finished").all()
    assert sorted(df["score"]) == sorted(r["logged"][-1] for r in seen)
    for output in outputs:
        assert "trial " in output and str(Path.cwd()) not in output


def test_interrupted_agent_resumes_without_repeats_or_losses():
    sweep_id = local_sweeps.sweep({"method": "grid", "parameters": {"x": {"values": [1, 2, 3, 4]}},
                                   "metric": {"name": "score"}})
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_interrupt_on_third_call)
    df = local_sweeps.results(sweep_id)
    assert list(df["state"]) == ["finished", "finished", "failed"]
    assert "KeyboardInterrupt" in df["error"].iloc[2]
    interrupted_x = df["x"].iloc[2]
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_interrupt_on_third_call)
    df = local_sweeps.results(sweep_id)
    finished = df[df["state"] == "finished"]
    assert sorted(finished["x"]) == [1, 2, 3, 4]          # nothing lost, nothing twice
    assert interrupted_x in list(df["x"].iloc[3:])          # the interrupted point re-ran
    assert len(df) == 5


def test_a_killed_agent_process_loses_no_grid_point():
    sweep_id = local_sweeps.sweep({"method": "grid", "metric": {"name": "score"},
                                   "parameters": {"x": {"values": [1, 2, 3]}}})
    env = {**os.environ, "FIXTURE_SLEEP": "60",
           "PYTHONPATH": os.pathsep.join([str(REPO), str(TESTS)])}
    victim = subprocess.Popen([sys.executable, "-m", "local_sweeps", "agent", sweep_id,
                               "--function", "sweep_fixtures:train_sleep"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):  # until its first trial is running (at most ~60 s)
            if (local_sweeps.results(sweep_id)["state"] == "running").any():
                break
            victim.poll()
            assert victim.returncode is None, "the agent process ended early"
            time.sleep(0.1)
    finally:
        victim.kill()
        victim.wait()
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_sleep)
    df = local_sweeps.results(sweep_id)
    assert len(df) == 4
    assert df["state"].iloc[0] == "failed" and "ended without finishing" in df["error"].iloc[0]
    assert sorted(df[df["state"] == "finished"]["x"]) == [1, 2, 3]


def test_a_trial_that_logged_only_nan_is_told_its_values_were_not_finite():
    sweep_id = local_sweeps.sweep({"method": "random", "metric": {"name": "score"},
                                   "parameters": {"x": {"min": 0.0, "max": 1.0}}})
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_nan_loss, count=1)
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_no_metric, count=1)
    nan_error, typo_error = local_sweeps.results(sweep_id)["error"]
    assert "never logged the sweep metric 'score' (it logged: loss)" in nan_error
    assert "every value it logged was NaN or infinite" in nan_error
    # A finite value under the wrong name is a typo, not a divergence.
    assert "scroe" in typo_error and "NaN" not in typo_error


def test_failures_are_recorded_and_the_agent_stops_after_several_in_a_row(capsys):
    sweep_id = local_sweeps.sweep({"method": "random", "metric": {"name": "score"},
                                   "parameters": {"x": {"min": 0.0, "max": 1.0}}})
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_no_metric, count=1)
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_fail, count=10)
    df = local_sweeps.results(sweep_id)
    limit = MAX_CONSECUTIVE_FAILURES
    assert len(df) == 1 + limit
    assert (df["state"] == "failed").all()
    assert "score" in df["error"].iloc[0] and "never logged" in df["error"].iloc[0]
    assert all("ValueError: boom" in e and "Traceback" in e for e in df["error"].iloc[1:])
    out = capsys.readouterr().out
    assert f"{limit} trials failed in a row" in out
    assert out.count("failed: ValueError: boom") == limit
    # a working train() carries on with the same sweep
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_record, count=1)
    assert local_sweeps.results(sweep_id)["state"].iloc[-1] == "finished"


def test_run_cap_counts_all_agents_and_count_counts_one_agent():
    sweep_id = local_sweeps.sweep({"method": "random", "run_cap": 3, "metric": {"name": "score"},
                                   "parameters": {"x": {"values": [1, 2, 3]}}})
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_record, count=2)
    assert len(local_sweeps.results(sweep_id)) == 2
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_record, count=5)
    df = local_sweeps.results(sweep_id)
    assert len(df) == 3 and len(sweep_fixtures.seen_runs()) == 3


def test_reaching_the_metric_target_finishes_the_sweep(capsys):
    sweep_id = local_sweeps.sweep({"method": "grid", "parameters": {
        "x": {"values": [1, 2, 3, 4]}, "epochs": {"value": 1}},
        "metric": {"name": "score", "goal": "maximize", "target": 2}})
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value)
    assert sorted(r["config"]["x"] for r in sweep_fixtures.seen_runs().values()) == [1, 2]
    assert "reached the target" in capsys.readouterr().out


def test_unknown_sweep_id_lists_the_known_ones(capsys):
    known = local_sweeps.sweep({"method": "random", "parameters": P})
    with pytest.raises(local_sweeps.SweepNotFoundError, match=known):
        local_sweeps.agent("nosuchid", function=sweep_fixtures.train_record)
    with pytest.raises(SystemExit) as exit_:
        local_sweeps_main(["agent", "nosuchid", "--function", "sweep_fixtures:train_record"])
    assert exit_.value.code == 2 and known in capsys.readouterr().err
    with pytest.raises(SystemExit):
        local_sweeps_main(["agent", known, "--function", "sweep_fixtures:no_such_function"])
    assert "no_such_function" in capsys.readouterr().err
    assert local_sweeps_main(["results", known]) == 0
    assert "no trials yet" in capsys.readouterr().out
    local_sweeps.agent(known, function=sweep_fixtures.train_record, count=1)
    capsys.readouterr()
    assert local_sweeps_main(["results", known]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:4] == ["trial", "run_id", "state", "x"] and len(table) == 2


def test_api_results_frame_maps_w_and_b_runs_to_the_same_columns():
    config = {"method": "random", "metric": {"name": "score", "goal": "maximize"},
              "parameters": {"hidden_sizes": {"values": [[100], [256, 256]]},
                             "optimizer": {"parameters": {"lr": {"min": 0.001, "max": 0.1}}}}}
    local = local_sweeps.results(local_sweeps.sweep(config))

    def run(run_id, state, created, score, steps, runtime, hidden, lr):
        history = [{"score": score}] * steps if score is not None else []
        return SimpleNamespace(
            id=run_id, state=state, created_at=created,
            config={"hidden_sizes": hidden, "optimizer": {"lr": lr}, "_wandb": {}},
            summary={"score": score, "_step": steps - 1, "_runtime": runtime},
            scan_history=lambda keys: iter([h for h in history if set(keys) <= set(h)]))

    api_sweep = SimpleNamespace(config=config, runs=[
        run("b2", "killed", "2025-01-01T10:05:00Z", 0.7, 2, 30.0, [256, 256], 0.01),
        run("a1", "finished", "2025-01-01T10:00:00Z", 0.9, 5, 60.5, [100], 0.05),
        run("c3", "crashed", "2025-01-01T10:09:00", None, 1, None, [100], 0.002)])
    df = api_results_frame(api_sweep)
    assert list(df.columns) == list(local.columns)
    assert list(df["run_id"]) == ["a1", "b2", "c3"]  # by creation time
    assert list(df["trial"]) == [0, 1, 2]
    assert list(df["state"]) == ["finished", "stopped", "failed"]
    assert df["score"].iloc[0] == 0.9 and math.isnan(df["score"].iloc[2])
    assert df["hidden_sizes"].iloc[1] == [256, 256] and df["optimizer.lr"].iloc[1] == 0.01
    assert list(df["steps"]) == [5, 2, 1] and list(df["epochs"]) == [5, 2, 0]
    assert df["end"].iloc[0] - df["start"].iloc[0] == pd.Timedelta(seconds=60.5)
    assert str(df["start"].iloc[2].tz) == "UTC"


# ---------------------------------------------------------------------------
# Early termination (hyperband)
# ---------------------------------------------------------------------------

HYPERBAND = {"type": "hyperband", "min_iter": 1, "eta": 3}  # brackets at 1, 3, 9, ...


def test_hyperband_stops_weak_trials_end_to_end_and_the_sweep_goes_on(capsys):
    # score = x * epoch (1-based), maximised over 9 epochs. Grid order is x = 4, 3, 5:
    # by hand with W&B's rule, x=3 falls below the cut at band 1 (its 1st epoch: 3 < 4);
    # x=5 beats every cut and runs all 9 epochs, as does x=4, which ran alone.
    sweep_id = local_sweeps.sweep({
        "method": "grid", "metric": {"name": "score", "goal": "maximize"},
        "early_terminate": HYPERBAND,
        "parameters": {"x": {"values": [4, 3, 5]}, "epochs": {"value": 9}}})
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value)
    df = local_sweeps.results(sweep_id).set_index("x")
    seen = {r["config"]["x"]: r for r in sweep_fixtures.seen_runs().values()}
    assert list(df["state"][[4, 3, 5]]) == ["finished", "stopped", "finished"]
    assert list(df["epochs"][[4, 3, 5]]) == [9, 1, 9]
    assert [len(seen[x]["logged"]) for x in (4, 5)] == [9, 9]
    assert 3 not in seen  # its train() never got past the training loop
    assert df.loc[3, "score"] == 3 * 1   # a stopped trial keeps its last metric
    assert df.loc[5, "score"] == 5 * 9
    assert df.loc[3, "error"] is None   # stopped is not failed: no error to show
    out = capsys.readouterr().out
    assert "stopped by hyperband after 1 epochs" in out and "Traceback" not in out
    # the stopped W&B run itself ended cleanly, tagged, for `wandb sync`
    from wandb_helpers import read_offline_run
    stopped = read_offline_run(next(Path("wandb").glob(f"offline-run-*-{df.loc[3, 'run_id']}")))
    assert stopped.state == "finished" and "hyperband-stopped" in stopped.tags


# ---------------------------------------------------------------------------
# Online mode: W&B's own sweep, agent and API
# ---------------------------------------------------------------------------

def test_online_mode_hands_everything_to_w_and_b(monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "online")
    calls = []
    monkeypatch.setattr(local_sweeps.online.wandb, "sweep",
                        lambda config, entity=None, project=None:
                        calls.append(("sweep", config, entity, project)) or "abc123")
    monkeypatch.setattr(local_sweeps.online.wandb, "agent",
                        lambda sweep_id, function=None, entity=None, project=None, count=None:
                        calls.append(("agent", sweep_id, function, entity, project, count)))
    api_sweep = SimpleNamespace(config={"method": "random", "parameters": P}, runs=[])
    monkeypatch.setattr(local_sweeps.online.wandb, "Api", lambda: SimpleNamespace(
        sweep=lambda path: calls.append(("api", path)) or api_sweep))
    Path("s.yaml").write_text("method: random\nparameters:\n  lr:\n    distribution: normal\n")
    # online, W&B validates: a distribution the local controller lacks is fine here
    assert local_sweeps.sweep("s.yaml", project="p") == "abc123"
    local_sweeps.agent("abc123", function=sweep_fixtures.train_record, count=2, project="p")
    df = local_sweeps.results("abc123", entity="me", project="p")
    assert calls == [
        ("sweep", {"method": "random", "parameters": {"lr": {"distribution": "normal"}}},
         None, "p"),
        ("agent", "abc123", sweep_fixtures.train_record, None, "p", 2),
        ("api", "me/p/abc123")]
    assert len(df) == 0 and "x" in df.columns
    assert not Path(".sweeps").exists()


def numpy_logger(kind):
    """A train() that logs score = x * epoch as ``kind`` (a numpy scalar or 0-d array)."""
    import numpy as np
    import wandb

    as_kind = {"np.float32": np.float32, "np.int64": np.int64, "0-d array": np.array}[kind]

    def train():
        with wandb.init() as run:
            x = wandb.config.x
            for epoch in range(int(wandb.config.epochs)):
                run.log({"epoch": epoch, "score": as_kind(x * (epoch + 1))})
    return train


@pytest.mark.parametrize("kind", ["np.float32", "np.int64", "0-d array"])
def test_a_metric_logged_as_a_numpy_number_counts_everywhere(kind):
    # As the end-to-end hyperband test, logging numpy numbers: the same decisions.
    sweep_id = local_sweeps.sweep({
        "method": "grid", "metric": {"name": "score", "goal": "maximize"},
        "early_terminate": HYPERBAND,
        "parameters": {"x": {"values": [4, 3, 5]}, "epochs": {"value": 9}}})
    local_sweeps.agent(sweep_id, function=numpy_logger(kind))
    df = local_sweeps.results(sweep_id).set_index("x")
    assert list(df["state"][[4, 3, 5]]) == ["finished", "stopped", "finished"]
    assert list(df["epochs"][[4, 3, 5]]) == [9, 1, 9]
    assert list(df["score"][[4, 3, 5]]) == [36, 3, 45]


def test_a_numpy_nan_metric_is_a_diverged_run_at_its_epoch():
    import numpy as np
    import wandb

    def train():
        with wandb.init() as run:
            run.log({"score": np.float32(0.5)})
            run.log({"score": np.float32("nan")})

    sweep_id = local_sweeps.sweep({"method": "grid", "metric": {"name": "score"},
                                   "parameters": {"x": {"values": [1]}}})
    local_sweeps.agent(sweep_id, function=train)
    df = local_sweeps.results(sweep_id)
    assert df["state"].iloc[0] == "finished"
    assert "the sweep metric 'score' was nan at epoch 2: the run diverged" in df["error"].iloc[0]


SEEDED_SPACE = {"x": {"min": 0.0, "max": 1.0}, "k": {"values": [1, 2, 3, 4, 5]},
                "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1}}


def _drawn(method, seed, count=6):
    sweep_id = local_sweeps.sweep({"method": method, "metric": {"name": "score", "goal": "maximize"},
                                   "parameters": SEEDED_SPACE}, seed=seed)
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value, count=count)
    return sweep_id, local_sweeps.results(sweep_id)[["x", "k", "lr"]].to_dict("records")


@pytest.mark.parametrize("method", ["random", "bayes"])
def test_a_seeded_sweep_draws_the_same_trials_again_and_another_seed_does_not(method):
    first_id, first = _drawn(method, seed=7)
    again_id, again = _drawn(method, seed=7)
    _, other = _drawn(method, seed=8)
    assert first_id != again_id and first == again
    assert len({row["x"] for row in first}) == 6  # really drawn, not one value repeated
    assert [row["x"] for row in other] != [row["x"] for row in first]


def test_find_and_ensure_sweep_match_the_seed():
    config = {"name": "seeded", "method": "random", "metric": {"name": "score"},
              "parameters": {"x": {"min": 0.0, "max": 1.0}}}
    seven = local_sweeps.ensure_sweep(config, sweep_fixtures.train_config_value, runs=2, seed=7)
    assert local_sweeps.ensure_sweep(config, sweep_fixtures.train_config_value, runs=2, seed=7) == seven
    assert local_sweeps.find_sweep("seeded", seed=7) == seven
    assert local_sweeps.find_sweep("seeded", seed=8) is None
    eight = local_sweeps.ensure_sweep(config, sweep_fixtures.train_config_value, runs=1, seed=8)
    assert eight != seven and local_sweeps.find_sweep("seeded", seed=8) == eight


@pytest.mark.parametrize("seed", [-1, 2**31, 1.5, "7", True])
def test_a_bad_seed_is_named_before_a_sweep_folder_is_made(seed):
    config = {"method": "random", "metric": {"name": "score"}, "parameters": {"x": {"min": 0.0, "max": 1.0}}}
    with pytest.raises(ValueError, match=r"seed must be an int from 0 to 2147483647.*got"):
        local_sweeps.sweep(config, seed=seed)
    assert not Path(".sweeps").exists() or not any(Path(".sweeps").iterdir())
