"""Faults that must lose nothing and hang nothing: a journal cut off by a full disk, a
damaged sweep folder, an agent that died on another host, a train() that exits or
logs nonsense, a sweep whose YAML changed under the same name. Trials are real
offline W&B runs (~0.6 s each), so counts stay small."""

import contextlib
import datetime
import errno
import fcntl
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import optuna
import pytest
import sweep_fixtures
import yaml

import local_sweeps
from local_sweeps import heartbeat as liveness
from local_sweeps import state
from local_sweeps.__main__ import main as local_sweeps_main

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
GRID = {"method": "grid", "metric": {"name": "score", "goal": "maximize"},
        "parameters": {"x": {"values": [1, 2, 3, 4]}, "epochs": {"value": 1}}}


# Every test runs offline, quietly, in its own empty folder (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("offline_sweep_folder")


def child_env(**extra):
    """This process's environment, with the project and tests/ importable, plus ``extra``."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(TESTS)]), **extra}


def finished_x(sweep_id):
    df = local_sweeps.results(sweep_id)
    return sorted(df[df["state"] == "finished"]["x"])


# ---------------------------------------------------------------------------
# The journal and sweep.yaml
# ---------------------------------------------------------------------------

def test_a_journal_record_cut_off_by_a_full_disk_is_repaired_and_keeps_every_trial():
    sweep_id = local_sweeps.sweep(GRID)
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value, count=2)
    journal = Path(".sweeps", sweep_id, "journal.log")
    whole = journal.read_bytes()
    # The next record's write stopped part-way: what a full disk leaves behind.
    journal.write_bytes(whole + b'{"op_code":8,"worker_id":"a-b","trial_id":2,"user_at')
    with pytest.warns(UserWarning, match="journal.log: its last record was cut off"):
        local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value)
    assert journal.read_bytes().startswith(whole)
    assert finished_x(sweep_id) == [1, 2, 3, 4]
    assert len(local_sweeps.results(sweep_id)) == 4
    # and a fresh reader (another process, later) reads every record
    assert len(state.LocalSweep(sweep_id).trials()) == 4


def test_an_append_that_fails_on_a_full_disk_leaves_no_half_record(monkeypatch):
    import errno

    journal = state.Journal("journal.log")
    journal.append_logs([{"op_code": 0, "study_name": "s"}])
    whole = Path("journal.log").read_bytes()

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched, pytest.raises(OSError, match="No space left"):
        patched.setattr(state.os, "fsync", full_disk)
        journal.append_logs([{"op_code": 8, "trial_id": 0, "user_attr": {"a": "b" * 500}}])
    assert Path("journal.log").read_bytes() == whole
    assert lock_is_free("journal.lock")  # the append lock was released
    assert list(state.Journal("journal.log").read_logs(0)) == [{"op_code": 0,
                                                                       "study_name": "s"}]


def lock_is_free(path):
    """Whether another process could take the lock on ``path`` now (asked without waiting)."""
    with open(path, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(f, fcntl.LOCK_UN)
        return True


HOLD_THE_JOURNAL_LOCK = """
import sys, time
from local_sweeps import state
journal = state.Journal(sys.argv[1])
journal._lock.acquire()
print("holding", flush=True)
time.sleep(600)
"""


def test_an_agent_killed_while_it_appends_to_the_journal_does_not_stop_the_next():
    sweep_id = local_sweeps.sweep(GRID)
    journal = Path(".sweeps", sweep_id, "journal.log")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_JOURNAL_LOCK, str(journal)],
                              env=child_env(), stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"holding\n"
        assert not lock_is_free(journal.with_name("journal.lock"))
    finally:
        holder.kill()  # killed holding the lock, as an agent killed mid-append would be
        holder.wait()
        holder.stdout.close()
    # Another agent process goes on at once (with Optuna's own lock, it waited forever).
    agent = run_cli("agent", sweep_id, "--function", "sweep_fixtures:train_config_value")
    assert agent.returncode == 0, agent.stderr
    assert finished_x(sweep_id) == [1, 2, 3, 4]


def test_a_journal_damaged_in_the_middle_is_an_error_naming_the_file():
    sweep_id = local_sweeps.sweep(GRID)
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value, count=1)
    journal = Path(".sweeps", sweep_id, "journal.log")
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(lines[:2]) + lines[2][:10] + b"\n" + b"".join(lines[3:]))
    for call in (lambda: local_sweeps.results(sweep_id),
                 lambda: local_sweeps.agent(sweep_id, function=sweep_fixtures.train_record)):
        with pytest.raises(local_sweeps.SweepStateError, match=f"{sweep_id}.journal.log"):
            call()


@pytest.mark.parametrize("text, problem", [
    ("id: abc\nconfig: {method: grid\n", "not YAML"),
    ("id: abc\ncreated: now\n", "lacks project, entity, seed, config"),
    ("[1, 2]\n", "lacks id"),
])
def test_a_damaged_sweep_yaml_is_an_error_naming_the_file(text, problem, capsys):
    sweep_id = local_sweeps.sweep(GRID)
    meta = Path(".sweeps", sweep_id, "sweep.yaml")
    meta.write_text(text)
    with pytest.raises(local_sweeps.SweepStateError, match=problem) as error:
        local_sweeps.results(sweep_id)
    assert str(meta) in str(error.value)
    # the command line says the same, as a usage error rather than a traceback
    with pytest.raises(SystemExit) as exit_:
        local_sweeps_main(["results", sweep_id])
    assert exit_.value.code == 1 and str(meta) in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["..", ".", "{id}/..", "../{id}", "e/p/..", "", "x" * 9,
                                 "Abcdefgh"])
def test_a_sweep_id_that_is_not_an_id_is_refused_before_any_file_is_read(bad, capsys):
    known = local_sweeps.sweep({**GRID, "name": "g"})
    # The working folder's own sweep definition, which `..` would reach as a sweep's state.
    Path("sweep.yaml").write_text(yaml.safe_dump(GRID))
    bad = bad.format(id=known)
    for call in (lambda: local_sweeps.results(bad),
                 lambda: local_sweeps.agent(bad, function=sweep_fixtures.train_record)):
        with pytest.raises(local_sweeps.SweepIdError,
                           match=r"^not a sweep id: .*; ids look like 8 letters and digits"):
            call()
    with pytest.raises(SystemExit) as exit_:
        local_sweeps_main(["results", bad])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "not a sweep id" in err and "Traceback" not in err
    assert local_sweeps.results(f"me/project/{known}").empty   # W&B's spelling still works


def test_find_sweep_skips_a_sweep_yaml_whose_id_is_not_its_folders():
    kept = local_sweeps.sweep({**GRID, "name": "g"})
    moved = local_sweeps.sweep({**GRID, "name": "g"})
    meta_path = Path(".sweeps", moved, "sweep.yaml")
    meta = yaml.safe_load(meta_path.read_text())
    meta_path.write_text(yaml.safe_dump({**meta, "id": ".."}))
    with pytest.warns(UserWarning, match=f"skipped .sweeps.{moved}: .*not a sweep id"):
        assert local_sweeps.find_sweep("g") == kept
    assert local_sweeps.ensure_sweep({**GRID, "name": "g"}, sweep_fixtures.train_config_value,
                                     runs=0) == kept


def yaml_bomb(levels=7, width=9):
    """A "billion laughs" file: each anchored list holds ``width`` aliases of the one
    before, so a few hundred bytes expand to ``width ** levels`` strings."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + f"\nmethod: grid\nparameters:\n  x: {{values: *l{levels - 1}}}\n"


def peak_mib(fn):
    """Peak Python memory while fn runs, in MiB."""
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / 2**20


def test_a_yaml_bomb_is_refused_cheaply_as_a_config_and_as_a_sweeps_state(capsys):
    Path("bomb.yaml").write_text(yaml_bomb())   # 9**7: 4.8 million strings once expanded
    assert len(Path("bomb.yaml").read_bytes()) < 700

    def create():
        with pytest.raises(local_sweeps.SweepConfigError,
                           match=r"^bomb.yaml: line 2: .*alias \*l0.*write the values out"):
            local_sweeps.sweep("bomb.yaml")
    assert peak_mib(create) < 20
    assert not Path(".sweeps").exists()
    with pytest.raises(SystemExit) as exit_:
        local_sweeps_main(["sweep", "bomb.yaml"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "alias" in err and "Traceback" not in err
    # the same file found as a sweep's own state
    sweep_id = local_sweeps.sweep({**GRID, "name": "g"})
    meta = Path(".sweeps", sweep_id, "sweep.yaml")
    kept = meta.read_text().split("config:")[0]
    meta.write_text(kept + "config:\n  name: g\n" + "".join(
        f"  {line}\n" for line in yaml_bomb().splitlines()))

    def read():
        with pytest.warns(UserWarning, match=f"skipped .sweeps.{sweep_id}: .*alias"):
            assert local_sweeps.find_sweep("g", config={**GRID, "name": "g"}) is None
        with pytest.raises(local_sweeps.SweepStateError, match=r"sweep.yaml is damaged.*alias"):
            local_sweeps.results(sweep_id)
    assert peak_mib(read) < 20


def run_cli(*args):
    """``python -m local_sweeps ARGS`` in a fresh process, here, its output captured."""
    return subprocess.run([sys.executable, "-m", "local_sweeps", *args], env=child_env(),
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def assert_one_line_error(proc, *words):
    """A non-zero exit with one line on stderr, naming each of ``words``, no traceback."""
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("blocked", ["a file named .sweeps", "a read-only folder"])
def test_a_working_folder_that_cannot_be_written_is_one_line_naming_it(blocked):
    Path("s.yaml").write_text(json.dumps(GRID))
    if blocked == "a file named .sweeps":
        Path(".sweeps").write_text("not a folder")
    elif os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder")
    else:
        os.chmod(".", 0o555)
    try:
        proc = run_cli("sweep", "s.yaml")
    finally:
        os.chmod(".", 0o755)
    assert_one_line_error(proc, ".sweeps", "a folder you can write")


def test_a_sweep_whose_creation_fails_leaves_no_half_written_folder(monkeypatch):
    def full_disk(**kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(state.optuna, "create_study", full_disk)
    with pytest.raises(OSError, match=r"cannot write .sweeps.* No space left on device"):
        local_sweeps.sweep(GRID)
    assert list(Path(".sweeps").iterdir()) == []


def test_an_agent_that_cannot_write_its_heartbeat_releases_the_trial_and_says_so():
    sweep_id = local_sweeps.sweep(GRID)
    Path(".sweeps", sweep_id, "heartbeats").write_text("not a folder")
    proc = run_cli("agent", sweep_id, "--function", "sweep_fixtures:train_config_value")
    assert_one_line_error(proc, "heartbeats", "a folder you can write")
    df = local_sweeps.results(sweep_id)
    assert list(df["state"]) == ["failed"], df
    assert "heartbeats" in df["error"].iloc[0]
    # the claim was released: the point runs again once the folder is fixed
    Path(".sweeps", sweep_id, "heartbeats").unlink()
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value)
    assert finished_x(sweep_id) == [1, 2, 3, 4]


def test_a_full_disk_mid_sweep_stops_the_agent_with_its_trial_released(monkeypatch, capsys):
    import wandb_internals

    sweep_id = local_sweeps.sweep(GRID)
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value, count=1)

    def full_disk(path, config):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    with monkeypatch.context() as patched:
        patched.setattr(wandb_internals, "write_sweep_params", full_disk)
        with pytest.raises(OSError, match=r"^cannot write .*params.* No space left on device; "):
            local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value)
    assert "Agent stopped after 1 trial(s): the sweep's folder cannot be written" in \
        capsys.readouterr().out
    df = local_sweeps.results(sweep_id)
    assert list(df["state"]) == ["finished", "failed"]
    assert "No space left on device" in df["error"].iloc[1]
    assert not any(Path(".sweeps", sweep_id, "heartbeats").iterdir())
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value)
    assert finished_x(sweep_id) == [1, 2, 3, 4]   # the point it held ran again


def test_a_wandb_dir_that_cannot_be_written_stops_before_the_first_trial(monkeypatch, capsys):
    # W&B would warn and log to a temporary folder; the trial would then be recorded
    # as failed although its run finished there.
    Path("blocker").write_text("a file, so no folder can be made under it")
    sweep_id = local_sweeps.sweep(GRID)
    monkeypatch.setenv("WANDB_DIR", "blocker/runs")
    with pytest.raises(OSError, match=r"^WANDB_DIR=blocker/runs cannot be written.*set WANDB_DIR"):
        local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value)
    assert local_sweeps.results(sweep_id).empty and not Path("seen").exists()
    proc = run_cli("agent", sweep_id, "--function", "sweep_fixtures:train_config_value")
    assert_one_line_error(proc, "WANDB_DIR=blocker/runs")


def train_into_its_own_folder():
    import wandb
    with wandb.init(dir="elsewhere") as run:
        run.log({"epoch": 0, "score": 0.25})


def test_a_run_that_train_put_in_another_folder_is_found_there():
    Path("elsewhere").mkdir()
    sweep_id = local_sweeps.sweep(GRID)
    local_sweeps.agent(sweep_id, function=train_into_its_own_folder, count=1)
    df = local_sweeps.results(sweep_id)
    assert list(df["state"]) == ["finished"], df["error"].tolist()
    assert df["score"].iloc[0] == 0.25 and df["epochs"].iloc[0] == 1


def test_sigterm_records_the_trial_as_interrupted_and_exits_promptly():
    import signal

    sweep_id = local_sweeps.sweep({**GRID, "parameters": {"x": {"values": [1, 2]}}})
    agent = subprocess.Popen([sys.executable, "-m", "local_sweeps", "agent", sweep_id,
                              "--function", "sweep_fixtures:train_sleep"],
                             env=child_env(FIXTURE_SLEEP="60"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 45
        while not (local_sweeps.results(sweep_id)["state"] == "running").any():
            assert agent.poll() is None and time.monotonic() < deadline, "no trial started"
            time.sleep(0.1)
        time.sleep(1.0)   # inside train() by now
        agent.send_signal(signal.SIGTERM)
        out, err = agent.communicate(timeout=20)
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
    assert agent.returncode == 128 + signal.SIGTERM, out + err
    assert "Traceback" not in out + err, out + err
    assert "terminated (SIGTERM)" in out.splitlines()[-1], out
    df = local_sweeps.results(sweep_id)
    assert list(df["state"]) == ["failed"] and "SIGTERM" in df["error"].iloc[0]
    assert not any(Path(".sweeps", sweep_id, "heartbeats").iterdir())
    os.environ["FIXTURE_SLEEP"] = "0"
    try:
        local_sweeps.agent(sweep_id, function=sweep_fixtures.train_sleep)
    finally:
        del os.environ["FIXTURE_SLEEP"]
    assert finished_x(sweep_id) == [1, 2]   # the interrupted point ran again


# ---------------------------------------------------------------------------
# Never a login prompt
# ---------------------------------------------------------------------------

def run_in_a_terminal(args, env):
    """``python *args`` with a pseudo-terminal as stdin, stdout and stderr: its exit code and output.

    A test fails if the process waits for input (a login prompt) for 45 s.
    """
    import pty
    import select

    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, *args], env=env, stdin=follower,
                               stdout=follower, stderr=follower)
    os.close(follower)
    output = b""
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1.0)
            if ready:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the terminal closed: the process ended
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        else:
            pytest.fail(f"the agent waited for input (a login prompt?): {output.decode()}")
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        os.close(leader)
    return process.returncode, output.decode(errors="replace")


@pytest.mark.parametrize("how", ["a script", "the command line"])
def test_agent_from_a_terminal_never_prompts_for_a_login_and_logs_offline(how, tmp_path):
    # A reader's terminal: WANDB_MODE unset, no API key, a HOME of its own, stdin a
    # terminal, where wandb.init() would ask for a key and wait for an answer. The agent
    # must neither prompt nor fail on the missing key, run from a script or as
    # `python -m local_sweeps agent`.
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    env.update(HOME=str(tmp_path / "home"), PYTHONPATH=os.pathsep.join([str(REPO), str(TESTS)]))
    config = {"method": "grid", "metric": {"name": "score", "goal": "maximize"},
              "parameters": {"x": {"values": [1, 2]}, "epochs": {"value": 1}}}
    if how == "a script":
        Path("script.py").write_text(
            "import local_sweeps, sweep_fixtures\n"
            f"sweep_id = local_sweeps.sweep({config!r})\n"
            "local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value)\n"
            "print('SWEEP', sweep_id)\n")
        returncode, text = run_in_a_terminal(["script.py"], env)
        sweep_id = next(line.split()[1] for line in text.splitlines() if line.startswith("SWEEP "))
    else:
        Path("s.yaml").write_text(json.dumps(config))
        created = subprocess.run([sys.executable, "-m", "local_sweeps", "sweep", "s.yaml"], env=env,
                                 capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL)
        sweep_id = created.stdout.strip().splitlines()[-1]
        returncode, text = run_in_a_terminal(["-m", "local_sweeps", "agent", sweep_id, "--function",
                                              "sweep_fixtures:train_config_value"], env)
    assert returncode == 0, text
    results = local_sweeps.results(sweep_id)
    assert list(results["state"]) == ["finished", "finished"], results["error"].tolist()


# ---------------------------------------------------------------------------
# A sweep is found by its name and its config
# ---------------------------------------------------------------------------

def test_find_sweep_with_a_config_never_returns_a_sweep_whose_config_differs():
    named = {**GRID, "name": "mnist-grid"}
    first = local_sweeps.sweep(named)
    edited = {**named, "parameters": {**GRID["parameters"], "x": {"values": [1, 2, 3, 4, 5]}}}
    assert local_sweeps.find_sweep("mnist-grid", config=named) == first
    assert local_sweeps.find_sweep("mnist-grid", config=edited) is None
    # the same config spelled differently (defaults written out, a YAML file) is the same sweep
    spelled = {**named, "metric": {"name": "score", "goal": "maximize"},
               "parameters": {"x": {"distribution": "categorical", "values": [1, 2, 3, 4]},
                              "epochs": {"distribution": "constant", "value": 1}}}
    Path("grid.yaml").write_text(yaml.safe_dump(spelled))
    assert local_sweeps.find_sweep("mnist-grid", config="grid.yaml") == first
    second = local_sweeps.sweep(edited)
    assert local_sweeps.find_sweep("mnist-grid", config=edited) == second
    assert local_sweeps.find_sweep("mnist-grid", config=named) == first
    assert local_sweeps.find_sweep("mnist-grid") == second  # the newest, without a config


def test_find_sweep_skips_a_damaged_sweep_folder_with_a_warning():
    kept = local_sweeps.sweep({**GRID, "name": "g"})
    damaged = local_sweeps.sweep({**GRID, "name": "g"})
    Path(".sweeps", damaged, "sweep.yaml").write_text("config: [\n")
    with pytest.warns(UserWarning, match=f"skipped .sweeps.{damaged}"):
        assert local_sweeps.find_sweep("g") == kept


def test_ensure_sweep_reuses_the_same_config_and_never_an_edited_one(capsys):
    named = {**GRID, "name": "mnist-grid"}
    first = local_sweeps.ensure_sweep(named, sweep_fixtures.train_config_value, runs=2)
    assert len(local_sweeps.results(first)) == 2 and len(sweep_fixtures.seen_runs()) == 2
    # the same config again: the same sweep, topped up to the runs asked for
    assert local_sweeps.ensure_sweep(named, sweep_fixtures.train_config_value, runs=3) == first
    assert len(local_sweeps.results(first)) == 3 and len(sweep_fixtures.seen_runs()) == 3
    assert local_sweeps.ensure_sweep(named, sweep_fixtures.train_config_value, runs=1) == first
    assert len(sweep_fixtures.seen_runs()) == 3  # enough runs already: nothing ran
    capsys.readouterr()
    # the YAML edited under the same name: a new sweep over the new values
    edited = {**named, "parameters": {"x": {"values": [7, 8]}, "epochs": {"value": 1}}}
    second = local_sweeps.ensure_sweep(edited, sweep_fixtures.train_config_value, runs=2)
    assert second != first
    assert f"Sweep {first} is named 'mnist-grid' but ran another config" in capsys.readouterr().out
    assert sorted(local_sweeps.results(second)["x"]) == [7, 8]
    with pytest.raises(ValueError, match="has none"):
        local_sweeps.ensure_sweep(GRID, sweep_fixtures.train_config_value, runs=1)


def test_find_sweep_returns_the_newest_sweep_of_that_name(monkeypatch):
    # Four sweeps created within one second, their clock readings out of order: the
    # newest by its recorded time wins (kept to the microsecond), whatever the order of
    # creation or of the folders' names.
    base = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=datetime.UTC)
    times = iter(base.replace(microsecond=m) for m in (500_000, 200_000, 900_000, 100_000))
    monkeypatch.setattr(state, "now", lambda: next(times))
    assert local_sweeps.find_sweep("g") is None
    middle = local_sweeps.sweep({**GRID, "name": "g"})
    other = local_sweeps.sweep({**GRID, "name": "other"})
    newest = local_sweeps.sweep({**GRID, "name": "g"})
    oldest = local_sweeps.sweep({**GRID, "name": "g"})
    created = yaml.safe_load(Path(".sweeps", newest, "sweep.yaml").read_text())["created"]
    assert datetime.datetime.fromisoformat(created).microsecond == 900_000
    assert local_sweeps.find_sweep("g") == newest
    assert local_sweeps.find_sweep("other") == other
    assert len({middle, other, newest, oldest}) == 4


# ---------------------------------------------------------------------------
# Agents on other machines: heartbeats
# ---------------------------------------------------------------------------

@pytest.fixture
def quick_heartbeats(monkeypatch):
    """Beats every 0.05 s and a grace of 1 s: judging another agent takes about a second."""
    monkeypatch.setattr(liveness, "HEARTBEAT_INTERVAL", 0.05)
    monkeypatch.setattr(liveness, "HEARTBEAT_GRACE", 1.0)


def date_file(path, dated):
    """Give ``path`` a modification time ``dated`` seconds from now by this machine's clock."""
    when = time.time() + dated
    os.utime(path, (when, when))


def claim_elsewhere(sweep_id, point, dated=0.0, beat=True, agent="another-machine.example:4242"):
    """Claim a grid point as an agent on another machine would, its claim and heartbeat
    dated ``dated`` seconds from now by this machine's clock (that machine's clock may
    differ), or with no heartbeat at all. Returns the trial number."""
    from optuna.storages.journal import JournalFileBackend

    from local_sweeps.config import validate_config
    from local_sweeps.space import grid_points, search_space

    config = validate_config(GRID)
    folder = Path(".sweeps", sweep_id)
    study = optuna.load_study(study_name=sweep_id, storage=optuna.storages.JournalStorage(
        JournalFileBackend(str(folder / "journal.log"))))
    study.enqueue_trial(grid_points(config)[point], user_attrs={"grid_index": point})
    trial = study.ask(fixed_distributions=search_space(config))
    claimed = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=dated)
    for key, value in {"run_id": "elsewhr1", "agent": agent,
                       "config": {"x": GRID["parameters"]["x"]["values"][point], "epochs": 1},
                       "state": "running", "start": claimed.isoformat()}.items():
        trial.set_user_attr(key, value)
    if beat:
        path = folder / "heartbeats" / str(trial.number)
        path.parent.mkdir(exist_ok=True)
        path.write_text("0\n")
        date_file(path, dated)
    return trial.number


@contextlib.contextmanager
def beating_elsewhere(path, dated):
    """Another machine's live agent: it rewrites the heartbeat every 0.05 s, with that
    machine's clock ``dated`` seconds off this one's."""
    stop = threading.Event()

    def beat():
        n = 0
        while not stop.wait(0.05):
            n += 1
            path.write_text(f"{n}\n")
            date_file(path, dated)

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@pytest.mark.parametrize("dated, beat", [(-3600, True), (3600, True), (0, False)],
                         ids=["heartbeat an hour old", "heartbeat dated an hour ahead",
                              "never beat"])
def test_a_trial_whose_agent_died_on_another_machine_is_reclaimed(dated, beat, quick_heartbeats,
                                                                  capsys):
    # Liveness does not depend on two clocks agreeing: a heartbeat that does not change
    # while this agent watches it for the grace period, by its own clock, is dead.
    assert socket.gethostname() != "another-machine.example"
    sweep_id = local_sweeps.sweep(GRID)
    number = claim_elsewhere(sweep_id, 0, dated, beat)
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value)
    df = local_sweeps.results(sweep_id).set_index("trial")
    assert finished_x(sweep_id) == [1, 2, 3, 4]  # the grid finished, x=1 included
    assert df.loc[number, "state"] == "failed"
    assert "another-machine.example:4242" in df.loc[number, "error"]
    assert "its heartbeat did not change for" in df.loc[number, "error"]
    assert not Path(".sweeps", sweep_id, "heartbeats", str(number)).exists()


@pytest.mark.parametrize("dated", [0, -3600], ids=["clocks agree", "this machine an hour ahead"])
def test_a_trial_whose_agent_beats_on_another_machine_is_left_running(dated, quick_heartbeats,
                                                                     capsys):
    sweep_id = local_sweeps.sweep(GRID)
    number = claim_elsewhere(sweep_id, 0, dated)
    with beating_elsewhere(Path(".sweeps", sweep_id, "heartbeats", str(number)), dated):
        local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value)
    df = local_sweeps.results(sweep_id).set_index("trial")
    assert df.loc[number, "state"] == "running"
    assert finished_x(sweep_id) == [2, 3, 4]
    assert "(1 still running elsewhere)" in capsys.readouterr().out


def test_a_live_agent_here_from_before_heartbeats_is_left_running():
    # Its process (here: pytest's parent) is alive on this machine, and it never beat.
    sweep_id = local_sweeps.sweep(GRID)
    number = claim_elsewhere(sweep_id, 0, -liveness.HEARTBEAT_GRACE * 10, beat=False,
                             agent=f"{socket.gethostname()}:{os.getppid()}")
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value)
    assert local_sweeps.results(sweep_id).set_index("trial").loc[number, "state"] == "running"
    assert finished_x(sweep_id) == [2, 3, 4]


def test_heartbeats_keep_a_long_trial_alive_and_stop_with_it(monkeypatch):
    # A trial that outlives the grace period is not reclaimed while its agent beats.
    monkeypatch.setattr(liveness, "HEARTBEAT_INTERVAL", 0.05)
    beat = Path("beat")
    heartbeat = liveness.Heartbeat(beat)
    os.utime(beat, (0, 0))
    with heartbeat:
        deadline = time.monotonic() + 30
        while beat.stat().st_mtime == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert beat.stat().st_mtime > 0, "the heartbeat never touched its file"
    assert not beat.exists() and not heartbeat._thread.is_alive()


# ---------------------------------------------------------------------------
# train() misbehaving: a precise reason, and the agent goes on
# ---------------------------------------------------------------------------

def train_string_metric():
    import wandb
    with wandb.init() as run:
        run.log({"epoch": 0, "score": "0.93"})


def train_diverges():
    import wandb
    with wandb.init() as run:
        run.log({"epoch": 0, "score": float("nan"), "loss": float("inf")})


def train_exits():
    import wandb
    with wandb.init() as run:
        run.log({"epoch": 0, "score": 0.5})
        sys.exit(3)


def train_exits_cleanly():
    import wandb
    with wandb.init() as run:
        run.log({"epoch": 0, "score": 0.75})
    sys.exit()


@pytest.mark.parametrize("train, outcome, reason, shown", [
    (train_string_metric, "failed",
     "logged the sweep metric 'score' as str ('0.93'), not a number",
     "failed: train() logged the sweep metric 'score' as str ('0.93'), not a number; "
     "log a float, e.g. float(value)"),
    # W&B records a diverged run as finished; samplers do not learn from its NaN
    (train_diverges, "finished", "the sweep metric 'score' was nan at epoch 1: the run diverged",
     "score=nan  (the run diverged)"),
    (train_exits, "failed", "train() called sys.exit(3)", "failed: train() called sys.exit(3)"),
    (train_exits_cleanly, "finished", None, "score=0.75"),
], ids=["string", "diverged", "sys.exit(3)", "sys.exit()"])
def test_a_misbehaving_train_gets_a_precise_reason_and_the_agent_goes_on(train, outcome, reason,
                                                                         shown, capsys):
    sweep_id = local_sweeps.sweep({"method": "grid", "metric": {"name": "score", "goal": "maximize"},
                                   "parameters": {"x": {"values": [1, 2]}, "epochs": {"value": 1}}})
    local_sweeps.agent(sweep_id, function=train, count=1)
    # the agent returned, and a second one carries on with the sweep
    local_sweeps.agent(sweep_id, function=sweep_fixtures.train_config_value)
    df = local_sweeps.results(sweep_id)
    assert list(df["state"]) == [outcome, "finished"], df["error"].tolist()
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("trial 0 "))
    assert line == f"trial 0  epochs=1 x=1  ->  {shown}"
    if reason is None:
        assert df["score"].iloc[0] == 0.75 and df["error"].iloc[0] is None
    else:
        assert reason in df["error"].iloc[0]


def test_count_zero_on_the_command_line_is_a_usage_error(capsys):
    sweep_id = local_sweeps.sweep(GRID)
    for bad in ("0", "-2", "two"):
        with pytest.raises(SystemExit) as exit_:
            local_sweeps_main(["agent", sweep_id, "--function", "sweep_fixtures:train_record",
                               "--count", bad])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and "--count" in err and "Traceback" not in err, err
    assert local_sweeps.results(sweep_id).empty
