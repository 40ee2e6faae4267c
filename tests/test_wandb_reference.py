"""The local engine against W&B's own sweep engine (``sweeps`` 0.3.0, recorded).

``tools/record_wandb_sweeps.py`` ran W&B's engine in a throw-away environment and wrote
what it did to ``tests/fixtures/wandb_sweeps/``: its verdict on each config of a corpus
(and whether its engine then ran it), its grid points, thousands of its random draws per
distribution, and its hyperband decisions on run histories. Nothing here imports it.
"""

import json
import math
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import optuna
import pytest
from scipy import stats

import local_sweeps
from local_sweeps import SweepConfigError, SweepConfigWarning, hyperband_brackets, validate_config
from local_sweeps.hyperband import hyperband_check, hyperband_stop
from local_sweeps.space import decode, grid_points, sample_value, search_space

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "wandb_sweeps"
LAUNCH_KEYS = ("job", "image_uri", "scheduler")
# Configs W&B accepts and its engine fails on, which run here on purpose.
RUNS_HERE = {"bayes-probabilities": "values with probabilities under bayes (W&B: IndexError)"}
# Lowest p-value a goodness-of-fit test may give; the draws are seeded, so no flakes.
ALPHA = 1e-3


def records(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())["records"]


CONFIGS, GRIDS, DRAWS, HYPERBAND = (records(n) for n in ("configs", "grids", "draws",
                                                          "hyperband"))


def test_the_fixtures_were_recorded_from_sweeps_0_3_0_and_cover_enough():
    meta = json.loads((FIXTURES / "configs.json").read_text())["recorded_with"]
    assert meta["sweeps_version"] == "0.3.0"
    assert len(CONFIGS) >= 100
    assert {r["valid"] for r in CONFIGS} == {True, False}
    assert sum(p.stat().st_size for p in FIXTURES.iterdir()) < 1_000_000


# ---------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------

def _expected(record):
    """What the local engine must do with a recorded config: accept, warn or refuse."""
    if not record["valid"]:
        return "refuse"
    error = record["engine_error"]
    if error is None or record["id"] in RUNS_HERE:
        return "accept"
    if error.startswith("draws p=") and "outside" in error:
        return "warn"     # W&B draws outside [min, max]: warned here, naming the key
    return "refuse"       # W&B accepts, then crashes or draws NaN: refused up front


@pytest.mark.parametrize("record", CONFIGS, ids=[r["id"] for r in CONFIGS])
def test_same_verdict_as_w_and_b(record):
    config = record["config"]
    launch = [k for k in LAUNCH_KEYS if isinstance(config, dict) and k in config]
    if launch:
        with pytest.raises(SweepConfigError, match=rf"^{launch[0]}: is a W&B Launch key"):
            validate_config(config)
        return
    expected = _expected(record)
    if expected == "refuse":
        with pytest.raises(SweepConfigError):
            validate_config(config)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        filled = validate_config(config)
    ours = [str(w.message) for w in caught if issubclass(w.category, SweepConfigWarning)]
    if expected == "warn":
        assert any(m.startswith("parameters.p:") for m in ours), ours
    # W&B fills the defaults of top-level parameters and of early_terminate
    wandb_filled = record["filled"]
    for name, spec in wandb_filled["parameters"].items():
        if "parameters" not in spec:
            assert filled["parameters"][name] == spec, name
    if "early_terminate" in wandb_filled:
        assert filled["early_terminate"] == wandb_filled["early_terminate"]


# ---------------------------------------------------------------------------
# Grids
# ---------------------------------------------------------------------------

def same_value(ours, theirs):
    """Equal as wandb.config values: same types; floats equal to 1e-12 (W&B keeps float
    noise such as 0.30000000000000004, the local engine writes 0.3)."""
    if type(ours) is not type(theirs):
        return False
    if isinstance(ours, float):
        return math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(ours, dict):
        return ours.keys() == theirs.keys() and all(same_value(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, list):
        return len(ours) == len(theirs) and all(map(same_value, ours, theirs))
    return ours == theirs


@pytest.mark.parametrize("record", GRIDS, ids=[r["id"] for r in GRIDS])
def test_same_grid_points_in_the_same_order(record):
    ours = grid_points(record["config"])
    assert len(ours) == len(record["points"])
    for i, (mine, theirs) in enumerate(zip(ours, record["points"], strict=True)):
        assert same_value(mine, theirs), (i, mine, theirs)


# ---------------------------------------------------------------------------
# Distributions
# ---------------------------------------------------------------------------

def _key(value):
    return (type(value).__name__, json.dumps(value))


def _discrete_p_value(ours, theirs):
    """Two-sample chi-square over the values drawn, rare ones pooled."""
    a, b = Counter(map(_key, ours)), Counter(map(_key, theirs))
    keys = sorted(set(a) | set(b))
    common = [k for k in keys if a[k] + b[k] >= 20]
    rare = [k for k in keys if k not in common]
    table = [[a[k] for k in common] + [sum(a[k] for k in rare)],
             [b[k] for k in common] + [sum(b[k] for k in rare)]]
    table = np.array(table)[:, np.array(table).sum(axis=0) > 0]
    return stats.chi2_contingency(table).pvalue


@pytest.mark.parametrize("record", DRAWS, ids=[r["id"] for r in DRAWS])
def test_same_distribution_as_w_and_b_random_draws(record):
    rng = np.random.default_rng(11)
    theirs = record["draws"]
    ours = sample_value(record["spec"], rng, size=len(theirs))
    spec = validate_config({"method": "random", "parameters": {"p": record["spec"]}})[
        "parameters"]["p"]
    continuous = spec["distribution"] in ("uniform", "log_uniform_values",
                                          "inv_log_uniform_values", "normal", "log_normal",
                                          "beta")
    if continuous:
        assert stats.ks_2samp(ours, theirs).pvalue > ALPHA
    else:
        # the same values (W&B's are stored to 6 digits), wherever either draws one often
        mine = Counter(_key(float(f"{v:.6g}") if isinstance(v, float) else v) for v in ours)
        recorded = Counter(map(_key, theirs))
        assert {k for k, n in mine.items() if n >= 10} <= set(recorded)
        assert {k for k, n in recorded.items() if n >= 10} <= set(mine)
        assert _discrete_p_value(ours, theirs) > ALPHA


def test_bayes_yaml_hidden_size_gives_the_end_values_half_weight_in_the_agent():
    # The agent's own path: Optuna's RandomSampler on the unit variable, then decode.
    config = validate_config({"method": "random", "parameters": {
        "hidden_size": {"distribution": "q_uniform", "min": 320, "max": 512, "q": 64}}})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=5))
    space = search_space(config)
    drawn = Counter(decode(config, study.ask(fixed_distributions=space).params)["hidden_size"]
                    for _ in range(400))
    theirs = Counter(next(r for r in DRAWS if r["id"] == "q_uniform")["draws"])
    assert set(drawn) == set(theirs) == {320, 384, 448, 512}
    table = [[drawn[v] for v in sorted(theirs)], [theirs[v] for v in sorted(theirs)]]
    assert stats.chi2_contingency(table).pvalue > ALPHA


def test_bayes_search_suggests_inside_w_and_b_support_for_every_distribution():
    params = {r["id"].replace("-", "_"): r["spec"] for r in DRAWS}
    config = validate_config({"method": "bayes", "metric": {"name": "m", "goal": "maximize"},
                              "parameters": params})
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=3, n_startup_trials=5))
    space = search_space(config)
    for _ in range(10):
        trial = study.ask(fixed_distributions=space)
        values = decode(config, trial.params)
        for record in DRAWS:
            value = values[record["id"].replace("-", "_")]
            spec = config["parameters"][record["id"].replace("-", "_")]
            if "values" in spec:
                assert any(same_value(value, v) for v in spec["values"])
            if "min" in spec:
                assert spec["min"] <= value <= spec["max"], (record["id"], value)
            if spec["distribution"].startswith("q_"):
                assert math.isclose(round(value / spec["q"]) * spec["q"], value, abs_tol=1e-9)
        study.tell(trial, float(values["uniform"]))


# ---------------------------------------------------------------------------
# Hyperband
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("record", HYPERBAND, ids=[r["id"] for r in HYPERBAND])
def test_same_hyperband_decisions(record):
    et = validate_config({"method": "random", "metric": {"name": "m", "goal": record["goal"]},
                          "early_terminate": record["early_terminate"],
                          "parameters": {"x": {"value": 1}}})["early_terminate"]
    histories = [r["history"] for r in record["runs"]]
    running = [r["state"] == "running" for r in record["runs"]]
    assert hyperband_stop(histories, running, et, record["goal"]) == record["stopped"]
    # the trial-side check gives the same answer for each running run
    for i, history in enumerate(histories):
        if running[i]:
            others = histories[:i] + histories[i + 1:]
            stop = hyperband_check(history, others, et, record["goal"])[0]
            assert stop == (i in record["stopped"]), i


def test_hyperband_check_reports_the_band_and_the_cut_it_compared_with():
    # W&B records the decisions (above), not the band and cut behind them. By hand: at band
    # b the cut is the int(n / eta)-th best (0-based) of the b-th values of the n runs that
    # logged b values, this one included; others' val_loss histories logged 9, 8 and 6 first.
    others = [[9, 8, 7], [8, 7, 6], [6, 5, 4]]
    et = validate_config({"method": "random", "metric": {"name": "l"},
                          "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 3},
                          "parameters": {"x": {"value": 1}}})["early_terminate"]
    assert hyperband_check([10], others, et, "minimize") == (True, 1, 8)   # [6, 8, 9, 10]
    assert hyperband_check([5], others, et, "minimize") == (False, 1, 6)   # [5, 6, 8, 9]
    # strict (W&B's default): at band 3 the 3rd value counts, not the best so far
    assert hyperband_check([5, 4, 9], others, et, "minimize") == (True, 3, 6)  # [4, 6, 7, 9]
    assert hyperband_check([5, 4, 9], others, {**et, "strict": False}, "minimize") == (False, 3, 6)
    # maximize: the same histories negated give the same band and the negated cut
    assert hyperband_check([-10], [[-v for v in h] for h in others], et, "maximize") == (True, 1, -8)
    # before the first band nothing is decided
    assert hyperband_check([], others, et, "minimize") == (False, None, None)


def test_same_hyperband_bands_for_every_recorded_setting():
    # W&B reports its bands (the first 8) only while a run is running.
    recorded = {json.dumps(r["early_terminate"], sort_keys=True): r["bands"] for r in HYPERBAND
                if r["bands"] is not None}
    assert len(recorded) >= 10 and any('"max_iter"' in et for et in recorded)
    for et, bands in recorded.items():
        filled = validate_config({"method": "random", "metric": {"name": "m"},
                                  "early_terminate": json.loads(et),
                                  "parameters": {"x": {"value": 1}}})["early_terminate"]
        assert hyperband_brackets(filled)[:8] == bands, et
    # Not recorded: an s past the bands max_iter allows. hyperband_stopping.py's loop
    # ends at the first band below 1 (9/3 = 3, 9/9 = 1, then 1/3), so by hand: [1, 3].
    assert hyperband_brackets({"max_iter": 9, "s": 5, "eta": 3}) == [1, 3]


def test_bayes_yaml_checks_fall_after_the_first_and_third_epoch():
    et = validate_config("sweep_configs/bayes.yaml" if Path("sweep_configs/bayes.yaml").exists()
                         else Path(__file__).resolve().parent.parent / "sweep_configs" /
                         "bayes.yaml")["early_terminate"]
    assert (et["min_iter"], et["eta"], et["strict"]) == (1, 3, True), "notebook 05's prose assumes these"
    others = [[0.90, 0.93, 0.94]] * 3
    # epoch 1: a run below the best third's epoch-1 value is stopped at once
    assert hyperband_check([0.80], others, et, "maximize") == (True, 1, 0.90)
    # strict (W&B's default): the run's own epoch-3 value is compared, not its best so far
    rising_then_falling = [0.95, 0.95, 0.90]
    assert hyperband_check(rising_then_falling, others, et, "maximize") == (True, 3, 0.94)
    assert not hyperband_check(rising_then_falling, others, {**et, "strict": False}, "maximize")[0]
    assert not hyperband_check(rising_then_falling[:2], others, et, "maximize")[0]
    assert local_sweeps.hyperband_brackets(et)[:3] == [1, 3, 9]
