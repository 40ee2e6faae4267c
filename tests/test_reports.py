"""Notebook 06's report: its content from real local sweeps, the W&B Report built offline, bad input.

The sweeps here are real local sweeps (``local_sweeps`` with a tiny train function that
logs an accuracy-like metric per epoch, no MNIST), with a planted ``series_results.json``
beside them, so nothing depends on the notebooks' own runs. The HTML page and the browser
are tested in ``test_reports_page.py`` on the same fixture.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil

import pytest
import sweep_fixtures
import wandb

import local_sweeps
from reports import ReportInputError, report_content, verdicts_markdown, wandb_report
from reports.content import Markdown, ModelArtifact
from reports.online import config_key, sweep_filter
from series_results import record_results, verdict_record
from verdicts import Interval

PROJECT = "report-test"
RANDOM_RUNS, NARROWED_RUNS, BAYES_RUNS = 7, 5, 5
GRID = {"optimizer": {"values": ["sgd", "adam"]}, "batch_size": {"values": [32, 64, 128]},
        "lr": {"value": 0.01}, "epochs": {"value": 2}}  # 6 points: enough runs for importance
SPACE = {"optimizer": {"values": ["sgd", "adam"]},
         "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
         "batch_size": {"values": [64, 128]},
         "epochs": {"distribution": "int_uniform", "min": 1, "max": 3}}


def score(optimizer, lr, epoch):
    """An accuracy-like value that rises with epochs, with lr near 1e-2, and with adam."""
    return 0.6 + 0.05 * epoch + (0.08 if optimizer == "adam" else 0.0) - 0.03 * abs(math.log10(lr) + 2)


def train(config=None):
    with wandb.init(config=config) as run:
        cfg = wandb.config
        for epoch in range(1, cfg.epochs + 1):
            run.log({"epoch": epoch, "val_acc": score(cfg.optimizer, cfg.lr, epoch)})


def train_broken(config=None):
    with wandb.init(config=config):
        raise RuntimeError("a bug in train()")


def sweep_config(name, method, parameters=SPACE):
    return {"name": name, "method": method, "metric": {"name": "val_acc", "goal": "maximize"},
            "parameters": parameters}


FINAL = {"test_acc": 0.9716, "test_loss": 0.0971, "wrong": 284, "n_test": 10_000,
         "config": {"network": "Net1", "hidden_size1": 128, "optimizer": "adam", "lr": 0.00397,
                    "batch_size": 64, "epochs": 3},
         "run_id": "fin4l123",
         "chosen": {"sweep": "narrowed random", "run": "random 3", "value": 0.7812},
         "artifact": {"name": "mnist-mlp", "digest": "6cb601db0123456789abcdef0a1b2c3d"},
         "table": [
             {"row": "baseline", "test_acc": 0.9702, "low": 0.9667, "high": 0.9735, "wrong": 298},
             {"row": "baseline + cosine", "test_acc": 0.9731, "low": 0.9697, "high": 0.9763, "wrong": 269},
             {"row": "tuned", "test_acc": 0.9716, "low": 0.9682, "high": 0.9748, "wrong": 284}]}
VERDICTS = [
    verdict_record("1. Adam beats SGD | at every size",
                   Interval("median gap", 0.05, 0.02, 0.08, 7, 100, " points"), "holds", "04",
                   source="post"),
    verdict_record("2. Larger batches hurt", Interval("Spearman's rho", -0.1, -0.7, 0.6, 7),
                   "cannot tell", "04", source="post"),
    verdict_record("5. Narrowed bayes runs beat random runs",
                   Interval("median gap", -0.02, -0.04, -0.001, 12, 100, " points"), "does not hold", "05",
                   source="series"),
]


@pytest.fixture(scope="module")
def series_folder(tmp_path_factory):
    """A folder as notebook 06 finds it: four finished local sweeps, their W&B runs, the results file."""
    folder = tmp_path_factory.mktemp("series")
    with sweep_fixtures.offline_sweep_env(folder):
        random_id = local_sweeps.sweep(sweep_config("mnist-random", "random"), project=PROJECT)
        local_sweeps.agent(random_id, function=train, count=RANDOM_RUNS)
        narrowed = {**SPACE, "optimizer": {"values": ["adam"]}, "epochs": {"value": 2}}
        narrowed_id = local_sweeps.sweep(sweep_config("mnist-narrowed-random", "random", narrowed),
                                         project=PROJECT)
        local_sweeps.agent(narrowed_id, function=train, count=NARROWED_RUNS)
        bayes_id = local_sweeps.sweep(sweep_config("mnist-bayes", "bayes", narrowed), project=PROJECT)
        local_sweeps.agent(bayes_id, function=train, count=BAYES_RUNS)
        grid_id = local_sweeps.sweep(sweep_config("mnist-grid", "grid", GRID), project=PROJECT)
        local_sweeps.agent(grid_id, function=train)  # a grid ends by itself after its last point
        record_results("sweeps", {"random": random_id, "narrowed random": narrowed_id, "bayes": bayes_id,
                                  "grid": grid_id})
        record_results("verdicts", VERDICTS)
        record_results("final", FINAL)
    return folder


@pytest.fixture
def in_series(series_folder, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.chdir(series_folder)
    return series_folder


@pytest.fixture(scope="module")
def content(series_folder):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WANDB_MODE", "offline")
        mp.chdir(series_folder)
        return report_content(project=PROJECT)


def ids(folder):
    return json.loads((folder / "series_results.json").read_text())["sweeps"]


def test_the_content_holds_each_sweeps_runs_and_curves_and_the_computed_text(in_series, content):
    recorded = ids(in_series)
    assert [s.sweep_id for s in content.sweeps] == [recorded[k] for k in ("random", "narrowed random",
                                                                          "bayes", "grid")]
    random, narrowed, bayes, grid = content.sweeps
    assert [len(s.runs) for s in content.sweeps] == [RANDOM_RUNS, NARROWED_RUNS, BAYES_RUNS, 6]
    random_id = recorded["random"]
    # Each run's curve is read back from its own W&B run: the values train() logged.
    for sweep in content.sweeps:
        assert set(sweep.histories) == {f"trial {t}" for t in sweep.runs["trial"]}
        for row in sweep.runs.itertuples():
            logged = sweep.histories[f"trial {row.trial}"]["val_acc"].dropna().tolist()
            expected = [score(row.optimizer, row.lr, e) for e in range(1, int(row.epochs) + 1)]
            assert logged == pytest.approx(expected)
    assert "lr" in random.params and "optimizer" not in bayes.params  # bayes fixed it
    text = "\n".join(b.text for b in content.blocks if isinstance(b, Markdown))
    best = random.runs["val_acc"].max()
    assert (f"random sweep {random_id}: {RANDOM_RUNS} runs ({RANDOM_RUNS} finished), "
            f"best val_acc {best:.2%}") in text
    assert ("3 claims were put to the test on these runs (2 from the original post and 1 from this "
            "series): 1 holds, 1 does not hold, 1 cannot tell") in text
    assert ("The final configuration is random 3 of the narrowed random sweep, the best run of notebook "
            "05's sweeps (val_acc 78.12% on the sweeps' budget).") in text
    assert "lr=0.00397, batch_size=64" in text
    assert text.count("| the original post |") == 2 and text.count("| this series |") == 1
    assert "**97.16%** on the 10,000 test digits (284 wrong)" in text
    assert "| baseline + cosine | 97.31% | 96.97% to 97.63% | 269 |" in text
    (artifact,) = [b for b in content.blocks if isinstance(b, ModelArtifact)]
    assert artifact.digest == FINAL["artifact"]["digest"] and artifact.digest in artifact.text


def test_local_sweeps_are_read_from_here_even_with_an_account(in_series, content, monkeypatch,
                                                            no_network):
    # Run offline, synced later: W&B never saw these sweeps, so they are read from this folder.
    monkeypatch.setenv("WANDB_MODE", "online")
    again = report_content(project=PROJECT)
    assert [len(s.runs) for s in again.sweeps] == [len(s.runs) for s in content.sweeps]
    assert os.environ["WANDB_MODE"] == "online"
    lines = again.outline()
    assert lines[0] == "Markdown       ## What the sweeps found"
    assert lines[2].startswith(f"SweepPanels    The random sweep (notebook 03, {ids(in_series)['random']}): "
                               f"{RANDOM_RUNS} runs, {RANDOM_RUNS} curves, parameters ")
    assert lines[-1] == "ModelArtifact  mnist-mlp, digest 6cb601db0123..."


def test_verdicts_table_escapes_pipes_and_keeps_each_notebooks_order():
    table = verdicts_markdown(VERDICTS).splitlines()
    assert table[2].startswith("| 04 | 1. Adam beats SGD \\| at every size | the original post | median gap "
                               "+5.00 points (+2.00 to +8.00 points) | 7 | **HOLDS** |")
    assert [line.split("|")[1].strip() for line in table[2:]] == ["04", "04", "05"]
    assert "**DOES NOT HOLD**" in table[4] and "(-4.00 to -0.10 points)" in table[4]
    constant = verdict_record("x", Interval("rho", math.nan, math.nan, math.nan, 4), "cannot tell", "04",
                              source="post")
    assert "none (a constant sample)" in verdicts_markdown([constant])
    assert "No verdicts are recorded yet" in verdicts_markdown([])


def test_the_wandb_report_is_built_offline_from_the_same_content(content, no_network, monkeypatch):
    import wandb_workspaces.reports.v2 as wr
    from wandb_workspaces.reports.v2 import interface

    report = wandb_report(content, entity="someone")
    kinds = [type(b).__name__ for b in report.blocks]
    assert kinds == ["MarkdownBlock", "MarkdownBlock", *["H2", "PanelGrid"] * 4,
                     "MarkdownBlock", "MarkdownBlock", "MarkdownBlock", "WeaveBlockArtifact"]
    assert report.title == content.title and report.project == PROJECT and report.entity == "someone"
    markdown = [b.text for b in report.blocks if isinstance(b, wr.MarkdownBlock)]
    assert markdown[:2] == [b.text for b in content.blocks[:2]]  # the very same text
    for grid, sweep in zip([b for b in report.blocks if isinstance(b, wr.PanelGrid)], content.sweeps,
                           strict=True):
        (runset,) = grid.runsets
        assert runset.filters == f"Sweep = '{sweep.sweep_id}' or Group = 'sweep-{sweep.sweep_id}'"
        coords, importance, line = grid.panels
        assert isinstance(coords, wr.ParallelCoordinatesPlot)
        assert [c.display_name for c in coords.columns[:-1]] == sweep.params
        assert importance.with_respect_to == "val_acc" and line.y == ["val_acc"] and line.x == "epoch"
    (artifact,) = [b for b in report.blocks if isinstance(b, wr.WeaveBlockArtifact)]
    assert (artifact.entity, artifact.project, artifact.artifact) == ("someone", PROJECT, "mnist-mlp")
    assert FINAL["artifact"]["digest"] in markdown[-1]

    # What save() would send: W&B's own serialisation, with the one lookup it makes (each run
    # set's project id) answered here, so the spec is checked without a network.
    looked_up = []

    def project_id(api, query, variables):
        looked_up.append(variables)
        return {"project": {"internalId": "UHJvamVjdDox"}}

    monkeypatch.setattr(interface, "execute_graphql", project_id)
    monkeypatch.setattr(interface, "_get_api", lambda: "no W&B API here")  # it would ask for a key
    spec = json.loads(report._to_model().spec.model_dump_json(by_alias=True, exclude_none=True))
    assert looked_up == [{"entityName": "someone", "projectName": PROJECT}] * 4
    text = json.dumps(spec)
    assert '"config:lr.value"' in text and '"summary:val_acc"' in text and '"targetKey": "val_acc"' in text
    assert '"config:epochs.value"' in text  # the results table's "config.epochs", back to its config key
    for sweep in content.sweeps:
        assert f'"value": "sweep-{sweep.sweep_id}"' in text and f'"value": "{sweep.sweep_id}"' in text


def test_config_keys_and_filters():
    assert config_key("config.epochs", "val_acc") == "epochs"
    assert config_key("config.val_acc", "val_acc") == "val_acc"
    assert config_key("config.x", "val_acc") == "config.x"  # a real nested key "config.x"
    assert config_key("lr", "val_acc") == "lr"
    assert sweep_filter("ab12") == "Sweep = 'ab12' or Group = 'sweep-ab12'"


def test_a_report_needs_an_entity_and_a_project(content):
    with pytest.raises(ValueError, match="needs an entity and a project"):
        wandb_report(content, entity="")


# --- bad input: each names what is wrong -----------------------------------------------------

def copy_series(src, dst):
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.lock"))
    return dst


def set_section(folder, section, value):
    path = folder / "series_results.json"
    results = json.loads(path.read_text())
    if value is None:
        results.pop(section)
    else:
        results[section] = value
    path.write_text(json.dumps(results))


def test_no_results_file_says_which_notebooks_to_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="notebooks 04 and 05 write it"):
        report_content(project=PROJECT)


def test_a_sweep_that_does_not_exist_is_named(series_folder, tmp_path, monkeypatch):
    folder = copy_series(series_folder, tmp_path / "s")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.chdir(folder)
    set_section(folder, "sweeps", {**ids(folder), "bayes": "zz999zzz"})
    with pytest.raises(ReportInputError, match="the bayes sweep zz999zzz that series_results.json names "
                                               "does not exist here: run notebook 05"):
        report_content(project=PROJECT)
    set_section(folder, "sweeps", {"bayes": ids(series_folder)["bayes"]})
    with pytest.raises(ReportInputError, match="names no random sweep: notebook 03 records it"):
        report_content(project=PROJECT)
    set_section(folder, "sweeps", {**ids(series_folder), "random": "../etc"})
    with pytest.raises(ReportInputError, match="random sweep id in series_results.json is '../etc'"):
        report_content(project=PROJECT)


def test_a_sweep_with_no_finished_runs_is_named(series_folder, tmp_path, monkeypatch):
    folder = copy_series(series_folder, tmp_path / "s")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.chdir(folder)
    broken = local_sweeps.sweep(sweep_config("mnist-bayes", "random"), project=PROJECT)
    local_sweeps.agent(broken, function=train_broken, count=2)
    set_section(folder, "sweeps", {**ids(series_folder), "bayes": broken})
    with pytest.raises(ReportInputError, match=rf"the bayes sweep {broken} has no finished run with a "
                                               r"val_acc value \(2 runs: 2 failed\)"):
        report_content(project=PROJECT)


def test_runs_missing_from_the_wandb_folder_are_named(series_folder, tmp_path, monkeypatch):
    folder = copy_series(series_folder, tmp_path / "s")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.chdir(folder)
    shutil.rmtree(folder / "wandb")
    with pytest.raises(ReportInputError, match="random sweep .*'s runs cannot be read back: no W&B folder"):
        report_content(project=PROJECT)


@pytest.mark.parametrize("section, value, complaint", [
    ("final", None, "no 'final' section yet: notebook 05 writes it"),
    ("verdicts", None, "no 'verdicts' section yet: notebook 04 writes it"),
    ("final", {k: v for k, v in FINAL.items() if k != "artifact"}, "lacks artifact (its name and digest)"),
    ("final", {**FINAL, "test_acc": 97.16}, "it must be an accuracy between 0 and 1"),
    ("final", {k: v for k, v in FINAL.items() if k != "chosen"}, "lacks chosen"),
    ("final", {**FINAL, "chosen": {"sweep": "hyperband", "run": "x 1", "value": 0.9}},
     "names the sweep (one of random, narrowed random, bayes, grid)"),
])
def test_missing_or_wrong_sections_are_named(series_folder, tmp_path, monkeypatch, section, value, complaint):
    folder = copy_series(series_folder, tmp_path / "s")
    monkeypatch.chdir(folder)
    set_section(folder, section, value)
    with pytest.raises(ReportInputError, match=re.escape(complaint)):
        report_content(project=PROJECT)


def test_the_fixture_is_what_notebook_06_reads(series_folder):
    # Guard for the tests above: the planted file is read as series_results writes it.
    assert set(json.loads((series_folder / "series_results.json").read_text())) == {"sweeps", "verdicts",
                                                                                    "final"}
    assert sorted(os.listdir(series_folder / ".sweeps")) == sorted(ids(series_folder).values())
