"""Tests for wandb_helpers.runs and .artifacts: runs and artifacts read back.

Everything runs offline in tmp_path with HOME pointed there too (the ``clean_env``
fixture of conftest.py), so the real ~/.netrc and W&B settings are never read or written.
"""

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import wandb
from wandb.apis.public.runs import Run as ApiRun
from wandb.apis.public.runs import RunNotFoundError
from wandb.sdk.artifacts.artifact_file_cache import get_artifact_file_cache
from wandb.sdk.lib.hashutil import md5_file_b64

from wandb_helpers import (
    list_offline_runs,
    logged_runs,
    read_offline_artifact,
    read_offline_run,
    setup_wandb,
)

ROOT = str(Path(__file__).resolve().parents[1])  # for the scripts run in subprocesses
FAKE_KEY = "x" * 40  # W&B keys are 40 characters; this one is never sent anywhere



# --- reading runs back ----------------------------------------------------------

CONFIG = {"lr": 0.001, "batch_size": 64, "hidden_sizes": [256, 256], "optimizer": "adam"}
LOGGED = [{"epoch": 0, "train_loss": 2.5, "val_acc": 0.125, "n_correct": 1250},
          {"epoch": 1, "train_loss": 0.75, "val_acc": 0.8125, "n_correct": 8125},
          {"epoch": 2, "train_loss": 1 / 3, "val_acc": 0.9, "n_correct": 9000,
           "max_grad": float("inf")}]  # JSON has no infinity: it must come back all the same


def test_round_trip(clean_env, capfd):
    notebooks = clean_env / "notebooks"  # the notebooks run with cwd = notebooks/
    notebooks.mkdir()
    os.chdir(notebooks)
    setup_wandb(project="round-trip")
    with wandb.init(config=CONFIG, name="rt", group="g1", job_type="train", tags=["a", "b"]) as run:
        wandb.config.update({"epochs": 3})
        for metrics in LOGGED:
            wandb.log(metrics)
        wandb.log({"test_acc": 0.875}, step=10)
        run.summary["best_val_acc"] = 0.95
    assert str(clean_env) not in capfd.readouterr().err  # W&B's chatter shows relative paths

    (run,) = list_offline_runs()
    assert (run.name, run.project, run.group, run.job_type) == ("rt", "round-trip", "g1", "train")
    assert run.tags == ["a", "b"]
    assert run.config == {**CONFIG, "epochs": 3}
    assert (run.state, run.exit_code, run.failed) == ("finished", 0, False)
    assert not run.path.is_absolute()

    history = run.history.set_index("_step")
    assert list(history.index) == [0, 1, 2, 10]
    for step, metrics in enumerate(LOGGED):
        for key, value in metrics.items():
            assert history.loc[step, key] == value, (step, key)
    assert history.loc[10, "test_acc"] == 0.875
    assert math.isnan(history.loc[0, "test_acc"])

    assert run.summary == {**LOGGED[-1], "test_acc": 0.875, "best_val_acc": 0.95}

    # The same run, read from the repo root, by its .wandb file.
    os.chdir(clean_env)
    (wandb_file,) = Path("notebooks", run.path).glob("run-*.wandb")
    again = read_offline_run(wandb_file)
    assert again.path == Path("notebooks", run.path)
    assert again.config == run.config and again.summary == run.summary
    assert again.history.equals(run.history)
    assert [r.id for r in list_offline_runs("notebooks/wandb", group="g1")] == [run.id]
    assert list_offline_runs("notebooks/wandb", project="another") == []


def test_crashed_run_reads_as_failed(clean_env):
    setup_wandb()
    with pytest.raises(ZeroDivisionError), wandb.init(project="crash"):
        wandb.log({"loss": 1.0})
        wandb.log({"loss": float("nan")})  # as a diverging trial would
        _ = 1 / 0
    (run,) = list_offline_runs()
    assert run.state == "failed"
    assert run.exit_code not in (0, None)
    assert run.failed
    assert run.history["loss"][0] == 1.0 and math.isnan(run.history["loss"][1])
    assert math.isnan(run.summary["loss"])


KILLED = """
import os, sys
sys.path.insert(0, {root!r})
import wandb, wandb_helpers
wandb_helpers.setup_wandb()
wandb.init(project="killed")
wandb.log({{"loss": 1.0}})
os._exit(3)
"""


def test_killed_run_reads_as_failed(clean_env):
    # A killed process never writes its exit record (nor, often, anything else).
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    script = KILLED.format(root=ROOT)
    subprocess.run([sys.executable, "-c", script], stdin=subprocess.DEVNULL, env=env,
                   capture_output=True, timeout=300)
    (folder,) = (clean_env / "wandb").glob("offline-run-*")
    run = read_offline_run(folder)
    assert run.exit_code is None and run.failed
    assert folder.name.endswith(run.id)


def test_reading_something_else_is_a_clear_error(clean_env):
    with pytest.raises(FileNotFoundError, match="no-such-run"):
        read_offline_run("wandb/no-such-run")
    fake = clean_env / "wandb" / "offline-run-fake" / "run-fake.wandb"
    fake.parent.mkdir(parents=True)
    fake.write_text("not a transaction log\n")
    with pytest.raises(RuntimeError, match="run-fake.wandb"):
        read_offline_run(fake.parent)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        list_offline_runs("nowhere")


# --- reading artifacts back -------------------------------------------------------

@pytest.fixture
def wandb_dirs(clean_env, monkeypatch):
    """W&B's staging area and artifact cache in tmp_path, wherever XDG points."""
    data, cache = clean_env / "wandb-data", clean_env / "wandb-cache"
    monkeypatch.setenv("WANDB_DATA_DIR", str(data))
    monkeypatch.setenv("WANDB_CACHE_DIR", str(cache))
    return data, cache


def log_model_run(weights, metadata):
    """An offline run that logs `weights` as artifact "mlp" twice, then changes the file.

    It also logs a copy as "notes", hashed with W&B's other digest (XXH128).

    Returns the run id and the MD5 of model.npz as logged (npz files hold a
    timestamp, so saving the same arrays again need not give the same bytes).
    """
    setup_wandb(project="artifacts")
    np.savez("model.npz", **{k: v * 0 for k, v in weights.items()})
    with wandb.init(config=CONFIG) as run:
        run.log_artifact(wandb.Artifact("mlp", type="model", metadata={"val_acc": 0.1}))
        np.savez("model.npz", **weights)
        logged_md5 = md5_file_b64("model.npz")
        artifact = wandb.Artifact("mlp", type="model", metadata=metadata)
        artifact.add_file("model.npz")
        run.log_artifact(artifact, aliases=["best"])
        other = wandb.Artifact("notes", type="dataset", digest_algorithm="XXH128")
        other.add_file("model.npz", name="copy.npz")
        run.log_artifact(other)
    wandb.teardown()  # the service exits, as at the end of a notebook's kernel
    # W&B copied the file when it was logged: what happens to the original after is no concern.
    np.savez("model.npz", **{k: v + 1 for k, v in weights.items()})
    return run.id, logged_md5


WEIGHTS = {"W1": np.random.default_rng(0).normal(size=(4, 3)), "b1": np.arange(3.0)}
METADATA = {"val_acc": 0.875, "hidden_sizes": [4, 3], "optimizer": "adam", "epochs": 2}


def test_artifact_round_trip(wandb_dirs, clean_env):
    data_dir, _ = wandb_dirs
    run_id, logged_md5 = log_model_run(WEIGHTS, METADATA)
    (run,) = list_offline_runs()
    assert run.id == run_id

    art = read_offline_artifact(run, "mlp")  # the last version of "mlp"
    assert (art.name, art.type) == ("mlp", "model")
    assert art.metadata == METADATA
    assert "best" in art.aliases
    assert list(art.files) == ["model.npz"]
    with np.load(art.files["model.npz"], allow_pickle=False) as loaded:
        assert sorted(loaded.files) == sorted(WEIGHTS)
        for key, value in WEIGHTS.items():
            np.testing.assert_array_equal(loaded[key], value)
    assert md5_file_b64(art.files["model.npz"]) == logged_md5
    assert str(clean_env) not in repr(art)  # the copies' absolute paths stay out of outputs

    # Offline, W&B's staging copy outlives the run (and its service process).
    staged = art.files["model.npz"]
    assert staged.is_relative_to(data_dir / "artifacts" / "staging")
    # Uploading (`wandb sync`) moves it into W&B's artifact cache: found there too.
    size = staged.stat().st_size
    cached, hit, _ = get_artifact_file_cache().check_digest_obj_path(logged_md5, size)
    assert not hit
    Path(cached).parent.mkdir(parents=True)
    shutil.move(staged, cached)
    again = read_offline_artifact(run.path, "mlp")  # by folder, this time
    assert again.files["model.npz"] == Path(cached)
    assert (again.metadata, again.digest) == (art.metadata, art.digest)


def test_artifact_errors_name_the_artifact_and_file(wandb_dirs, clean_env):
    log_model_run(WEIGHTS, METADATA)
    (folder,) = Path("wandb").glob("offline-run-*")
    with pytest.raises(KeyError, match="'model'.*'mlp', 'notes'"):
        read_offline_artifact(folder, "model")

    staged = read_offline_artifact(folder, "notes").files["copy.npz"]
    staged.write_bytes(staged.read_bytes()[:-1] + b"!")
    with pytest.raises(ValueError, match="'notes'.*'copy.npz'.*changed") as altered:
        read_offline_artifact(folder, "notes")
    staged.unlink()
    with pytest.raises(FileNotFoundError, match="'notes'.*'copy.npz'.*gone") as gone:
        read_offline_artifact(folder, "notes")
    for error in (altered, gone):
        assert str(clean_env) not in str(error.value)
    assert read_offline_artifact(folder, "mlp").metadata == METADATA  # the others are intact


# --- logged_runs ------------------------------------------------------------------

def test_logged_runs_offline(clean_env):
    setup_wandb(project="ids")
    ids = []
    for lr in (0.1, 0.01):
        with wandb.init(config={"lr": lr}, group="pair") as run:
            wandb.log({"val_acc": lr * 5})
        ids.append(run.id)
    with wandb.init(project="elsewhere") as run:
        pass
    stranger = run.id

    runs = logged_runs(reversed(ids))
    assert list(runs) == ids[::-1]
    for run_id, lr in zip(ids, (0.1, 0.01), strict=True):
        run = runs[run_id]
        assert (run.id, run.config, run.group) == (run_id, {"lr": lr}, "pair")
        assert run.summary == {"val_acc": lr * 5}
        assert not run.failed
    assert list(logged_runs(ids[0], project="ids")) == [ids[0]]
    with pytest.raises(KeyError, match=f"{stranger}.*'ids'"):
        logged_runs([ids[0], stranger], project="ids")
    with pytest.raises(KeyError, match="nosuchid") as missing:
        logged_runs([ids[0], "nosuchid"])
    assert ids[0] not in str(missing.value)


def test_list_offline_runs_skips_a_broken_run_folder_with_a_warning(clean_env):
    setup_wandb(project="broken")
    ids = []
    for lr in (0.1, 0.01):
        with wandb.init(config={"lr": lr}) as run:
            wandb.log({"val_acc": lr})
        ids.append(run.id)
    empty = Path("wandb", "offline-run-20260101_000000-empty001")
    empty.mkdir()  # a run killed before it wrote its log
    garbled = Path("wandb", "offline-run-20260101_000001-garbl001")
    garbled.mkdir()
    (garbled / "run-garbl001.wandb").write_bytes(b"copied half way")
    with pytest.warns(UserWarning) as caught:
        runs = list_offline_runs()
    assert sorted(r.id for r in runs) == sorted(ids)
    messages = [str(w.message) for w in caught]
    assert any(m.startswith(f"skipped {empty}: ") and "no single run-*.wandb" in m
               for m in messages), messages
    assert any(m.startswith(f"skipped {garbled}: ") and "not a W&B run log" in m
               for m in messages), messages


def api_run(run_id, state="finished"):
    """A real public-API Run, built from attrs shaped like the server's answer."""
    attrs = {
        "name": run_id, "displayName": "brisk-sweep-1", "state": state, "group": "pair",
        "jobType": "train", "tags": ["a"], "createdAt": "2026-01-02T03:04:05",
        "config": json.dumps({"lr": {"value": 0.01, "desc": None},
                              "hidden_sizes": {"value": [8, 4], "desc": None},
                              "_wandb": {"value": {"cli_version": "0.31.0"}}}),
        "summaryMetrics": json.dumps({"val_acc": 0.9, "loss": "NaN", "_step": 1,
                                      "_runtime": 3.5, "_wandb": {"runtime": 3}}),
    }
    run = ApiRun(None, "me", "ids", run_id, attrs=attrs, lazy=True)
    rows = [{"_step": 0, "_runtime": 1.0, "_timestamp": 1.7e9, "val_acc": 0.5},
            {"_step": 1, "_runtime": 2.0, "_timestamp": 1.7e9, "val_acc": 0.9,
             "img": {"_type": "image-file", "path": "media/images/img_1.png"}}]
    run.scan_history = lambda: iter(rows)  # the one call that needs the server
    return run


def test_logged_runs_online_maps_the_public_api(clean_env, monkeypatch, no_network):
    monkeypatch.setenv("WANDB_DIR", str(clean_env))  # where ApiRun makes its folder
    monkeypatch.setenv("WANDB_MODE", "online")
    monkeypatch.setenv("WANDB_PROJECT", "ids")
    asked = []

    class StandInApi:
        default_entity = "me"

        def run(self, path):
            asked.append(path)
            run_id = path.rsplit("/", 1)[-1]
            if run_id == "nosuchid":
                raise RunNotFoundError(f"Could not find run {path}")
            return api_run(run_id, state="crashed" if run_id == "bad" else "finished")

    monkeypatch.setattr(wandb, "Api", StandInApi)
    runs = logged_runs(["abc", "bad"])
    assert asked == ["me/ids/abc", "me/ids/bad"]
    run = runs["abc"]
    assert (run.id, run.name, run.project, run.group, run.job_type, run.tags) == \
        ("abc", "brisk-sweep-1", "ids", "pair", "train", ["a"])
    assert run.config == {"lr": 0.01, "hidden_sizes": [8, 4]}
    assert run.summary["val_acc"] == 0.9 and math.isnan(run.summary["loss"])
    assert set(run.summary) == {"val_acc", "loss"}
    assert list(run.history.columns) == ["_step", "val_acc", "img"]
    assert list(run.history["val_acc"]) == [0.5, 0.9]
    assert run.history["img"][1] == {"_type": "image-file", "path": "media/images/img_1.png"}
    assert run.start_time == pd.Timestamp("2026-01-02T03:04:05", tz="UTC")
    assert (run.state, run.failed, run.path) == ("finished", False, None)
    assert (runs["bad"].state, runs["bad"].failed) == ("crashed", True)

    with pytest.raises(KeyError, match="nosuchid"):
        logged_runs(["abc", "nosuchid"])
    monkeypatch.setenv("WANDB_ENTITY", "team")
    logged_runs("abc", project="other")
    assert asked[-1] == "team/other/abc"
