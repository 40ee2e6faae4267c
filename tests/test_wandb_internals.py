"""The W&B internals the series leans on, checked against the pinned wandb.

`wandb_internals` is the only module that touches them; these tests fail
first when an upgrade of wandb moves or changes one of them."""

import base64
import hashlib
import os
import re
from pathlib import Path

import pytest
import wandb
from wandb.sdk.wandb_run import Run

import wandb_internals

REPO = Path(__file__).resolve().parent.parent


def test_wandb_is_the_pinned_version():
    pins = re.findall(r"^wandb==(\S+)", (REPO / "requirements.txt").read_text(), re.MULTILINE)
    assert len(pins) == 1, "requirements.txt should pin wandb exactly once (wandb==X.Y.Z)"
    assert wandb.__version__ == pins[0], (
        f"wandb {wandb.__version__} is installed but requirements.txt pins {pins[0]}. "
        f"On upgrading, re-check each W&B internal listed in wandb_internals.py "
        f"(Run.log/Run.__exit__ patching, config_util's sweep param file, `leet inspect` and "
        f"its JSON, the artifact cache and hashutil), run this file and "
        f"tests/test_local_sweeps.py, then update the pin")


def test_no_other_module_touches_wandb_internals():
    private = re.compile(r"wandb\.(sdk|util|apis\.internal)\b|\bRun\.(log|__exit__)\b")
    sources = [*REPO.glob("*.py"), *REPO.glob("local_sweeps/*.py")]
    offenders = [f"{path.relative_to(REPO)}:{number}" for path in sources
                 if path.name != "wandb_internals.py"
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if private.search(line) and not line.lstrip().startswith("#")]
    assert not offenders, f"W&B internals used outside wandb_internals.py: {offenders}"


def test_patch_run_wraps_log_and_exit_and_restores_them():
    before = Run.log, Run.__exit__
    calls = []
    with wandb_internals.patch_run(
            lambda original, run, data, *a, **k: calls.append(("log", original, data)),
            lambda original, run, *exc: calls.append(("exit", original, exc))):
        assert (Run.log, Run.__exit__) != before
        Run.log(None, {"score": 1})
        Run.__exit__(None, None, None, None)
    assert (Run.log, Run.__exit__) == before
    assert calls == [("log", before[0], {"score": 1}), ("exit", before[1], (None, None, None))]
    with pytest.raises(RuntimeError), wandb_internals.patch_run(None, None):
        raise RuntimeError
    assert (Run.log, Run.__exit__) == before


def test_sweep_params_are_written_as_w_and_b_s_agent_writes_them(tmp_path):
    import yaml

    path = tmp_path / "config-abc.yaml"
    wandb_internals.write_sweep_params(path, {"lr": 0.01, "opt": {"name": "adam"}})
    written = yaml.safe_load(path.read_text())
    assert {k: v for k, v in written.items() if k != "wandb_version"} == {
        "lr": {"value": 0.01}, "opt": {"value": {"name": "adam"}}}


def test_leet_inspect_command_runs(tmp_path):
    import subprocess

    command = wandb_internals.leet_inspect_command()
    done = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    usage = done.stdout + done.stderr  # Go's flag package: -json, -run-file, -summary
    assert all(f"-{flag}" in usage for flag in ("json", "run-file", "summary")), usage


def test_artifact_digests_match_their_definitions(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"weights" * 1000)
    md5 = hashlib.md5(path.read_bytes())
    b64 = base64.b64encode(md5.digest()).decode()
    assert wandb_internals.file_digest(path, "MANIFEST_MD5") == b64
    assert wandb_internals.b64_to_hex(b64) == md5.hexdigest()
    assert len(wandb_internals.file_digest(path, "MANIFEST_XXH128")) == 24  # 16 bytes, base64
    assert isinstance(wandb_internals.artifact_cache_dir(), Path)


@pytest.mark.parametrize("value, saved", [("false", False), (None, True)])
def test_the_requirements_switch_is_read_from_the_environment(tmp_path, monkeypatch, value, saved):
    for name in [k for k in os.environ if k.startswith("WANDB_")]:
        monkeypatch.delenv(name)
    if value is not None:
        monkeypatch.setenv(wandb_internals.SAVE_REQUIREMENTS_ENV, value)
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    wandb.teardown()  # W&B reads the environment when it starts
    try:
        with wandb.init(project="switch") as run:
            files = Path(run.dir)
            assert run.settings.x_save_requirements is saved
    finally:
        wandb.teardown()
    assert (files / "requirements.txt").exists() is saved
