"""Reading a sweep (sweep_tables, sweep_panels, sweep_narrowing) on tables with planted structure.

Tables come from tests/results_tables.py, built by ``local_sweeps.tables.results_frame``
from hand-made trials, so they have the real column layout; every expected value comes
from the planted structure or from pandas/numpy computed here, never from the code under
test.
"""

import copy

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from results_tables import FIVE_OPTIMIZERS, RANDOM_YAML, post_table, random_trials, table  # noqa: E402

import sweep_narrowing  # noqa: E402
import sweep_panels  # noqa: E402
import sweep_tables  # noqa: E402
from local_sweeps import config as sweep_config  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------------------
# Table reading and errors
# ---------------------------------------------------------------------------

def test_param_columns_are_the_varying_parameters():
    df = table(random_trials(12, np.random.default_rng(0), lambda v, r: r.uniform()))
    assert "config.epochs" in df.columns  # the epochs parameter, renamed; constant
    # In the table's order: W&B's, parameter names sorted.
    assert sweep_tables.param_columns(df, "val_acc") == ["batch_size", "hidden_size", "lr", "network",
                                               "optimizer"]


def test_unknown_metric_names_the_available_columns():
    df = table(random_trials(6, np.random.default_rng(0), lambda v, r: r.uniform()))
    for call in (lambda: sweep_panels.parameter_importance(df, "acc"),
                 lambda: sweep_tables.best_runs(df, "acc", "maximize"),
                 lambda: sweep_panels.plot_parallel_coordinates(df, "acc")):
        with pytest.raises(ValueError, match="no column 'acc'") as err:
            call()
        assert "val_acc" in str(err.value) and "optimizer" in str(err.value)


def test_too_few_finished_trials_is_a_clear_error():
    trials = random_trials(6, np.random.default_rng(0), lambda v, r: r.uniform())
    trials = [(v, m, "finished") for v, m, _ in trials[:3]] + \
        [(v, None, "failed") for v, _, _ in trials[3:5]] + [(trials[5][0], 0.5, "running")]
    df = table(trials)
    with pytest.raises(ValueError) as err:
        sweep_panels.parameter_importance(df, "val_acc")
    message = str(err.value)
    assert f"at least {sweep_panels.MIN_TRIALS}" in message and "has 3" in message
    assert "2 failed" in message and "1 running" in message


def test_bad_goal_is_rejected():
    df = table(random_trials(6, np.random.default_rng(0), lambda v, r: r.uniform()))
    with pytest.raises(ValueError, match="maximize"):
        sweep_tables.weak_runs(df, "val_acc", "max")


# ---------------------------------------------------------------------------
# Parameter importance
# ---------------------------------------------------------------------------

NOISE_CONFIG = {"method": "random", "metric": {"name": "val_acc", "goal": "maximize"},
                "parameters": {"optimizer": {"values": ["sgd", "adam"]},
                               "lr": {"distribution": "log_uniform_values", "min": 1e-4,
                                      "max": 1e-1},
                               "dropout": {"distribution": "uniform", "min": 0.0, "max": 0.5}}}


def planted_importance(direction, seed=0, n=60):
    rng = np.random.default_rng(seed)
    trials = []
    for _ in range(n):
        values = {"optimizer": str(rng.choice(["sgd", "adam"])),
                  "lr": float(10 ** rng.uniform(-4, -1)), "dropout": float(rng.uniform(0, 0.5))}
        # Driven by log(lr) and the optimizer; dropout plays no part.
        acc = 0.7 + direction * 0.05 * (np.log10(values["lr"]) + 2.5) \
            + (0.08 if values["optimizer"] == "adam" else 0.0) + rng.normal(0, 0.002)
        trials.append((values, float(acc), "finished"))
    return table(trials, NOISE_CONFIG)


@pytest.mark.parametrize("direction", [1, -1])
def test_importance_finds_the_planted_parameters(direction):
    importance = sweep_panels.parameter_importance(planted_importance(direction), "val_acc")
    assert set(importance["parameter"]) == {"lr", "dropout", "optimizer=adam", "optimizer=sgd"}
    assert importance["importance"].sum() == pytest.approx(1.0)
    by = importance.set_index("parameter")
    # The pure-noise parameter is the least important feature.
    assert importance["parameter"].iloc[-1] == "dropout"
    assert by.loc["lr", "importance"] > 5 * by.loc["dropout", "importance"]
    # The sign says the direction: the metric rises (falls) with lr, and adam is better.
    assert np.sign(by.loc["lr", "correlation"]) == direction
    assert by.loc["optimizer=adam", "correlation"] > 0 > by.loc["optimizer=sgd", "correlation"]


def test_importance_ignores_unfinished_trials_and_is_seeded():
    df = planted_importance(1)
    df.loc[:4, "state"] = "failed"
    df.loc[:4, "val_acc"] = np.nan
    # Stopped early (hyperband) with a value only they used: not a fair comparison.
    df.loc[5:9, "state"] = "stopped"
    df.loc[5:9, "optimizer"] = "momentum"
    first = sweep_panels.parameter_importance(df, "val_acc", seed=3)
    assert "optimizer=momentum" not in set(first["parameter"])
    again = sweep_panels.parameter_importance(df, "val_acc", seed=3)
    pd.testing.assert_frame_equal(first, again)


# ---------------------------------------------------------------------------
# Weak runs and what they share
# ---------------------------------------------------------------------------

def planted_weak():
    """20 trials: 5 weak finished ones and 1 failed, 5 of the 6 with sgd, all with tiny lr."""
    rng = np.random.default_rng(1)
    weak_opts = ["sgd"] * 5 + ["adam"]
    good_opts = ["sgd", "sgd", "adam", "adam", "rmsprop", "rmsprop", "momentum", "momentum",
                 "adagrad", "adagrad", "adam", "rmsprop", "momentum", "adagrad"]
    weak_lr, good_lr = np.geomspace(1e-4, 3e-4, 6), rng.permutation(np.geomspace(1e-3, 3e-2, 14))
    trials = []
    for i, opt in enumerate(weak_opts):
        values = {"network": "Net1", "hidden_size": 64, "optimizer": opt,
                  "lr": float(weak_lr[i]), "batch_size": 128}
        trials.append((values, None, "failed") if i == 5 else
                      (values, float(rng.uniform(0.2, 0.5)), "finished"))
    for opt, lr in zip(good_opts, good_lr, strict=True):
        values = {"network": "Net2", "hidden_size": 128, "optimizer": opt,
                  "lr": float(lr), "batch_size": 128}
        trials.append((values, float(rng.uniform(0.9, 0.97)), "finished"))
    order = rng.permutation(len(trials))  # weak ones scattered through the sweep
    return table([trials[i] for i in order]), order < 6


def test_weak_runs_are_the_planted_ones():
    df, planted = planted_weak()
    weak = sweep_tables.weak_runs(df, "val_acc", "maximize")
    assert set(weak["trial"]) == set(df.loc[planted, "trial"])
    assert (weak["why"] == "failed").sum() == 1
    assert weak["why"].iloc[0] == "failed"  # failed before any score
    scores = weak["val_acc"].dropna().to_numpy()
    assert list(scores) == sorted(scores)  # worst first


def test_weak_runs_when_lower_is_better():
    df, planted = planted_weak()
    df = df.assign(val_acc=1 - df["val_acc"])  # now a loss: the weak runs score high
    weak = sweep_tables.weak_runs(df, "val_acc", "minimize")
    assert set(weak["trial"]) == set(df.loc[planted, "trial"])


def test_shared_traits_reports_sgd_and_tiny_lr_with_counts():
    df, planted = planted_weak()
    traits = sweep_tables.shared_traits(df, sweep_tables.weak_runs(df, "val_acc", "maximize"))
    sgd = traits[(traits.parameter == "optimizer") & (traits.value == "sgd")].iloc[0]
    assert (sgd.weak_count, sgd.n_weak, sgd.all_count, sgd.n_all) == (5, 6, 7, 20)
    assert sgd.sentence == "optimizer=sgd: 5 of 6 weak runs (83%) vs 7 of 20 overall (35%)"
    # most over-represented first: network=Net1 is 6 of 6 weak runs against 6 of 20 overall
    # (ratio 1 / 0.3), ahead of optimizer=sgd (5/6 against 7/20, ratio 2.4)
    first = traits.iloc[0]
    assert (first.parameter, first.value) == ("network", "Net1")
    assert first.ratio == pytest.approx((6 / 6) / (6 / 20))
    assert "adam" not in set(traits.loc[traits.parameter == "optimizer", "value"])  # 1/6 < 4/20
    lr = traits[traits.parameter == "lr"].iloc[0]
    assert lr.weak_median == pytest.approx(df.loc[planted, "lr"].median())
    assert lr.rest_median == pytest.approx(df.loc[~planted, "lr"].median())
    decades = np.log10(lr.rest_median / lr.weak_median)
    assert f"{decades:.1f} decades lower" in lr.sentence
    assert "among the 6 weak runs" in lr.sentence and "the other 14" in lr.sentence


# ---------------------------------------------------------------------------
# Groups and best runs
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("goal", ["maximize", "minimize"])
def test_compare_groups_matches_pandas(goal):
    rng = np.random.default_rng(2)
    df = table(random_trials(30, rng, lambda v, r: (0.95 if v["network"] == "Net2" else 0.9)
                             + r.normal(0, 0.01)))
    df.loc[[3, 7], "state"] = "failed"
    df.loc[[3, 7], "val_acc"] = np.nan
    df.loc[11, "state"] = "stopped"
    groups = sweep_tables.compare_groups(df, "val_acc", by="network", goal=goal)
    done = df[df.state == "finished"]
    for network in ("Net1", "Net2"):
        acc = done.loc[done.network == network, "val_acc"]
        row = groups.loc[network]
        assert row["count"] == len(acc)
        assert row["mean"] == pytest.approx(acc.mean())
        assert row["median"] == pytest.approx(acc.median())
        assert row["best"] == pytest.approx(acc.max() if goal == "maximize" else acc.min())
        assert row["worst"] == pytest.approx(acc.min() if goal == "maximize" else acc.max())
    assert groups.index[0] == ("Net2" if goal == "maximize" else "Net1")


def test_best_runs_are_the_top_finished():
    rng = np.random.default_rng(3)
    df = table(random_trials(15, rng, lambda v, r: r.uniform()))
    df.loc[df.val_acc.idxmax(), "state"] = "stopped"  # scored after fewer epochs: left out
    best = sweep_tables.best_runs(df, "val_acc", "maximize", n=4)
    expected = df[df.state == "finished"].nlargest(4, "val_acc")["trial"].tolist()
    assert best["trial"].tolist() == expected
    assert "lr" in best.columns and "config.epochs" not in best.columns


# ---------------------------------------------------------------------------
# Narrowing the config
# ---------------------------------------------------------------------------

def planted_best_region(rng, n=40):
    """Best runs: Net2, adam or rmsprop, lr in [1e-3, 3e-3]; everything else scores lower."""
    def score(v, r):
        good = v["network"] == "Net2" and v["optimizer"] in ("adam", "rmsprop") \
            and 1e-3 <= v["lr"] <= 3e-3
        return float(r.uniform(0.96, 0.98) if good else r.uniform(0.5, 0.9))
    trials = random_trials(n, rng, score)
    for i in range(6):  # make sure the region is visited
        trials[i][0].update(network="Net2", optimizer=["adam", "rmsprop"][i % 2],
                            lr=float(10 ** rng.uniform(-3, np.log10(3e-3))))
        trials[i] = (trials[i][0], score(trials[i][0], rng), "finished")
    return table(trials)


def test_narrow_config_around_the_planted_region():
    df = planted_best_region(np.random.default_rng(4))
    config = copy.deepcopy(FIVE_OPTIMIZERS)
    new, reasons = sweep_narrowing.narrow_config(config, df, top=5)
    assert config == FIVE_OPTIMIZERS  # input not mutated
    sweep_config.validate_config(new)
    top = df.sort_values("val_acc", ascending=False).head(5)
    p = new["parameters"]
    assert new["method"] == "bayes" and new["metric"] == FIVE_OPTIMIZERS["metric"]
    assert new["name"] != FIVE_OPTIMIZERS["name"] and new["name"].startswith(FIVE_OPTIMIZERS["name"])
    assert new["run_cap"] == 60 and p["epochs"] == {"value": 3}
    assert p["network"] == {"value": "Net2"}
    assert set(p["optimizer"]["values"]) == set(top["optimizer"])
    assert p["lr"]["distribution"] == "log_uniform_values"
    assert 1e-4 <= p["lr"]["min"] <= top["lr"].min() and top["lr"].max() <= p["lr"]["max"] <= 0.1
    assert p["lr"]["max"] / p["lr"]["min"] < 0.1 / 1e-4 / 10  # at least a decade narrower
    hidden = p["hidden_size"].get("values", [p["hidden_size"].get("value")])
    assert set(hidden) == set(top["hidden_size"])
    assert any("lr" in r and "narrowed" in r for r in reasons)
    assert any(r.startswith("network: fixed to Net2") for r in reasons)


def test_narrow_config_keeps_ints_and_multiples_of_q():
    config = {"name": "mnist-bayes", "method": "random",
              "metric": {"name": "val_acc", "goal": "maximize"},
              "parameters": {"hidden_size": {"distribution": "q_uniform", "min": 128,
                                             "max": 512, "q": 64},
                             "batch_size": {"min": 16, "max": 256},  # int_uniform, inferred
                             "lr": {"distribution": "log_uniform_values", "min": 1e-4,
                                    "max": 0.1},
                             "epochs": {"value": 9}},
              "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 3}}
    rng = np.random.default_rng(5)
    trials = []
    for i in range(25):
        values = {"hidden_size": int(rng.choice([128, 192, 256, 320, 384, 448, 512])),
                  "batch_size": int(rng.integers(16, 257)),
                  "lr": float(np.exp(rng.uniform(np.log(1e-4), np.log(0.1))))}
        if i < 3:  # plant the best region: wide layers, small batches
            values.update(hidden_size=[384, 448, 448][i], batch_size=[24, 40, 64][i])
        good = values["hidden_size"] >= 384 and values["batch_size"] <= 64
        trials.append((values, float(rng.uniform(0.95, 0.98) if good else rng.uniform(0.5, 0.9)),
                       "finished"))
    df = table(trials, config)
    before = copy.deepcopy(config)
    new, _ = sweep_narrowing.narrow_config(config, df, top=3, method="bayes")
    assert config == before
    sweep_config.validate_config(new)
    top = df.sort_values("val_acc", ascending=False).head(3)
    hs, bs, lr = (new["parameters"][k] for k in ("hidden_size", "batch_size", "lr"))
    assert hs["q"] == 64 and hs["min"] % 64 == 0 and hs["max"] % 64 == 0
    assert 128 <= hs["min"] <= top["hidden_size"].min()
    assert top["hidden_size"].max() <= hs["max"] <= 512
    assert isinstance(bs["min"], int) and isinstance(bs["max"], int)
    assert 16 <= bs["min"] <= top["batch_size"].min()
    assert top["batch_size"].max() <= bs["max"] <= 256
    assert lr["distribution"] == "log_uniform_values"  # as the original
    assert 1e-4 <= lr["min"] <= top["lr"].min()
    assert top["lr"].max() <= lr["max"] <= 0.1
    assert (hs["min"], hs["max"], bs["min"], bs["max"]) != (128, 512, 16, 256)  # narrowed
    assert new["early_terminate"] == config["early_terminate"]


# ---------------------------------------------------------------------------
# Plots (cheap structural checks)
# ---------------------------------------------------------------------------

def test_plots_return_figures_with_the_expected_parts():
    df = planted_best_region(np.random.default_rng(6), n=20)
    df.loc[2, "state"] = "failed"
    df.loc[2, "val_acc"] = np.nan
    finished = int((df.state == "finished").sum())
    params = ["batch_size", "hidden_size", "lr", "network", "optimizer"]

    importance = sweep_panels.parameter_importance(df, "val_acc")
    fig = sweep_panels.plot_parameter_importance(importance)
    assert len(fig.axes) == 2
    corr_bars = fig.axes[1].patches
    assert len(corr_bars) == len(importance)
    pairs = list(zip(corr_bars, importance.correlation, strict=True))
    greens = [tuple(b.get_facecolor()) for b, c in pairs if c > 0]
    reds = [tuple(b.get_facecolor()) for b, c in pairs if c < 0]
    assert greens and reds and set(greens).isdisjoint(reds)

    fig = sweep_panels.plot_parallel_coordinates(df, "val_acc")
    assert len(fig.axes) == 2  # the panel and its colorbar
    assert len(fig.axes[0].lines) == finished + len(params) + 1  # trials, then vertical axes
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == params + ["val_acc"]

    fig = sweep_panels.plot_metric_vs_params(df, "val_acc")
    assert len(fig.axes) == len(params)
    assert fig.axes[params.index("lr")].get_xscale() == "log"
    assert fig.axes[params.index("hidden_size")].get_xscale() == "linear"

    fig = sweep_panels.plot_metric_over_time(df, "val_acc", "maximize")
    (line,) = fig.axes[0].lines
    assert line.get_ydata()[-1] == pytest.approx(df.val_acc.max())
    assert np.all(np.diff(line.get_ydata()) >= 0)  # a running best never falls



def test_without_unused_layer_blanks_net1_only():
    table = sweep_tables.without_unused_layer(post_table())
    assert table.loc[table["network"] == "Net1", "hidden_size2"].isna().all()
    assert table.loc[table["network"] == "Net2", "hidden_size2"].notna().all()


BAYES_TEMPLATE = {"name": "mnist-bayes", "method": "bayes", "metric": {"name": "val_acc", "goal": "maximize"},
                  "parameters": {"lr": {"min": 0.001, "max": 0.01}},
                  "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 3}, "run_cap": 40}


# random.yaml draws epochs from 1 to 3 (int_uniform). The rule widens the best runs' span by
# a quarter of it, and by at least a tenth of the original range (0.2 epochs here), keeps it
# inside 1..3, rounds it outwards to whole epochs, then fixes epochs at its largest value:
# best runs all at 3 epochs give 3 (2.8..3.2, cut to 3); all at 1 epoch give 1..1.2,
# rounded out to 1..2, so 2.
@pytest.mark.parametrize("best_epochs, fixed", [(3, 3), (1, 2)])
def test_narrow_for_bayes_fixes_epochs_and_keeps_the_template(best_epochs, fixed):
    table = post_table(n=40, score=lambda r: 0.05 * (r.optimizer == "adam") + 0.03 * (r._10 == best_epochs))
    top5 = table.sort_values("val_acc", ascending=False).head(5)
    assert set(top5["optimizer"]) == {"adam"} and set(top5["config.epochs"]) == {best_epochs}  # as planted
    new, reasons = sweep_narrowing.narrow_for_bayes(RANDOM_YAML, table, BAYES_TEMPLATE, top=5)
    assert new["early_terminate"] == BAYES_TEMPLATE["early_terminate"] and new["name"] == "mnist-bayes"
    assert new["run_cap"] == 40 and new["method"] == "bayes"
    assert new["parameters"]["optimizer"] == {"value": "adam"}  # the top 5 are all Adam
    assert new["parameters"]["epochs"] == {"value": fixed}
    assert any(r.startswith(f"epochs: fixed at {fixed},") for r in reasons)
    sweep_config.validate_config(new)


def test_narrow_for_bayes_keeps_a_layer_too_few_best_runs_have():
    # The five best runs: four Net1 (no second layer) and one Net2 with a 64-unit second layer.
    table = post_table(n=40, score=lambda r: 0.05 * (r.network == "Net1") + 0.001 * r._10)
    top5 = table.sort_values("val_acc", ascending=False).head(5).index
    table.loc[top5, "network"] = ["Net1", "Net1", "Net1", "Net1", "Net2"]
    table.loc[top5[-1], "hidden_size2"] = 64
    template = {"name": "mnist-bayes", "method": "bayes", "metric": {"name": "val_acc", "goal": "maximize"},
                "parameters": {}}
    new, reasons = sweep_narrowing.narrow_for_bayes(RANDOM_YAML, table, template, top=5)
    whole = RANDOM_YAML["parameters"]["hidden_size2"]
    assert new["parameters"]["hidden_size2"] == {"values": whole["values"]}
    assert "hidden_size2: kept as it was; only 1 of the 5 best runs have a value for it" in "\n".join(reasons)
    # with three Net2 runs among the best, the rule narrows it again
    table.loc[top5[2:], "network"] = "Net2"
    table.loc[top5[2:], "hidden_size2"] = 64
    new, _ = sweep_narrowing.narrow_for_bayes(RANDOM_YAML, table, template, top=5)
    assert new["parameters"]["hidden_size2"] == {"value": 64}


def test_sweep_line_names_id_size_and_best():
    table = post_table(n=10)
    table.loc[3, "state"] = "stopped"
    line = sweep_tables.sweep_line("random", "abc", table)
    best = table.loc[table["state"] == "finished", "val_acc"].max()
    assert line == f"random sweep abc: 10 runs (9 finished), best val_acc {best:.2%}"


def test_parallel_coordinates_colour_by_rank_so_one_collapse_does_not_flatten():
    table = post_table(n=20, score=lambda r: 0.001 * r.trial)  # 0.900 .. 0.919, evenly
    table.loc[0, "val_acc"] = 0.10  # one collapsed run
    fig = sweep_panels.plot_parallel_coordinates(table, "val_acc", params=["lr", "batch_size"])
    lines = fig.axes[0].lines[:len(table)]  # one per trial, worst first
    colours = np.array([matplotlib.colors.to_rgba(line.get_color()) for line in lines])
    # By value, the 19 good runs would share the top 1% of the scale: near-identical colours.
    # By rank, the second-worst and the best differ as much as the scale's ends.
    spread = np.abs(colours[1] - colours[-1]).sum()
    ends = np.abs(np.array(plt.get_cmap("viridis")(0.05)) - np.array(plt.get_cmap("viridis")(1.0))).sum()
    assert spread > 0.8 * ends


def test_no_reading_of_the_table_uses_net1s_hidden_size2():
    # Planted: among Net1 runs (which never build a second layer) val_acc follows the drawn
    # hidden_size2 exactly; among Net2 runs it does not depend on it at all.
    table = post_table(n=40, seed=4)
    net1 = table["network"] == "Net1"
    table.loc[net1, "val_acc"] = 0.5 + 0.0008 * table.loc[net1, "hidden_size2"]
    runs = sweep_tables.finished_runs(table, "val_acc")
    assert runs.loc[net1, "hidden_size2"].isna().all() and runs.loc[~net1, "hidden_size2"].notna().all()
    best = sweep_tables.ranked_runs(table, "val_acc", "maximize")  # what best_runs and narrowing read
    assert best.loc[best["network"] == "Net1", "hidden_size2"].isna().all()
    # The importance panel's correlation for hidden_size2 is the one among Net2 runs only.
    importance = sweep_panels.parameter_importance(table, "val_acc").set_index("parameter")
    net2 = table[~net1]
    assert importance.loc["hidden_size2", "correlation"] == pytest.approx(
        net2["hidden_size2"].corr(net2["val_acc"]))
    weak = sweep_tables.weak_runs(table, "val_acc", "maximize")
    traits = sweep_tables.shared_traits(table, weak).set_index("parameter")
    assert traits.loc["hidden_size2", "weak_median"] == pytest.approx(
        weak.loc[weak["network"] == "Net2", "hidden_size2"].median(), nan_ok=True)
    assert traits.loc["hidden_size2", "rest_median"] == pytest.approx(
        table.loc[~net1 & ~table["trial"].isin(weak["trial"]), "hidden_size2"].median())
