"""The local sweep controller: ``sweep``, ``agent``, ``results`` and friends.

See the package docstring (``local_sweeps/__init__.py``) for what it does and where
sweep state lives.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
import secrets
import socket
import string
import threading
import time
import warnings
from pathlib import Path

import optuna
import wandb
import yaml
from optuna.trial import TrialState

from .config import load_config, validate_config
from .space import decode, flatten_parameters, grid_count, grid_trial_params, search_space
from .tables import api_results_frame, results_frame
from .trial import run_trial, trial_line

SWEEPS_DIR = Path(".sweeps")
# Stop an agent after this many failed trials in a row: a train() that is broken
# fails every time, so going on would only burn the sweep. (W&B's agent stops at
# 3 failures in its first minute and at 5 failed runs in a row at its start.)
MAX_CONSECUTIVE_FAILURES = 3
# A running trial's agent touches .sweeps/<id>/heartbeats/<trial> this often (seconds);
# a trial whose heartbeat is older than the grace period is reclaimed by the next agent,
# whatever machine it ran on. Optuna's own heartbeat (RDBStorage only) has the same
# two settings; the grace here is generous because machines sharing a folder over the
# network may disagree about the time by a few seconds.
HEARTBEAT_INTERVAL = 10
HEARTBEAT_GRACE = 60


class SweepNotFoundError(LookupError):
    """No local sweep has this id."""


class SweepStateError(RuntimeError):
    """A local sweep's files (``sweep.yaml``, ``journal.log``) are damaged beyond repair."""


def _online():
    return os.environ.get("WANDB_MODE") == "online"


def _now():
    return datetime.datetime.now(datetime.UTC)


@contextlib.contextmanager
def _quiet_optuna():
    """Hide Optuna's INFO lines ("A new study created..."): readers see ours instead."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


@contextlib.contextmanager
def _file_lock(path):
    """An exclusive lock between processes; agents hold it only to claim a trial."""
    try:
        import fcntl
    except ImportError:  # Windows: Optuna's portable lock file
        lock = optuna.storages.journal.JournalFileOpenLock(str(path))
        lock.acquire()
        try:
            yield
        finally:
            lock.release()
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# ---------------------------------------------------------------------------
# A sweep on disk
# ---------------------------------------------------------------------------

def _whole_records_end(f):
    """The size of the file open as ``f`` up to its last whole (newline-ended) record."""
    size = f.seek(0, os.SEEK_END)
    end = size
    while end > 0:
        start = max(0, end - 4096)
        f.seek(start)
        chunk = f.read(end - start)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        end = start
    return 0


class _Journal(optuna.storages.journal.JournalFileBackend):
    """Optuna's journal file, cut back to its last whole record before each append.

    A full disk (or a process killed inside ``write``) leaves a record cut off. Optuna
    skips a cut-off last line when reading, but the next append would glue a new
    record onto it, and that line would make the whole journal unreadable for good.
    The repair happens under Optuna's own append lock, so it never cuts a record that
    another agent is writing at that moment.
    """

    def read_logs(self, log_number_from):
        try:
            yield from super().read_logs(log_number_from)
        except ValueError as e:  # json.JSONDecodeError, or Optuna's "Invalid log format."
            raise SweepStateError(
                f"{self._file_path} is damaged in the middle ({e}), so the sweep's trials "
                f"cannot be read back; its runs are still in wandb/ (list_offline_runs), "
                f"and a new sweep() starts afresh") from None

    def append_logs(self, logs):
        text = ("\n".join(json.dumps(log, separators=(",", ":")) for log in logs) + "\n")
        self._lock.acquire()
        try:
            with open(self._file_path, "r+b") as f:
                end = _whole_records_end(f)
                size = f.seek(0, os.SEEK_END)
                if end < size:
                    warnings.warn(f"{self._file_path}: its last record was cut off (a full disk, "
                                  f"or a process killed while writing); removed those "
                                  f"{size - end} bytes, every whole record is kept", stacklevel=2)
                    f.truncate(end)
                f.seek(end)
                try:
                    f.write(text.encode("utf-8"))
                    f.flush()
                    os.fsync(f.fileno())
                except OSError:
                    f.truncate(end)  # leave no half record behind (disk full)
                    raise
        finally:
            self._lock.release()


def _storage(folder):
    return optuna.storages.JournalStorage(_Journal(str(Path(folder) / "journal.log")))


def _read_meta(meta_path):
    """A sweep's ``sweep.yaml`` as a dict, or SweepStateError naming the file."""
    try:
        with open(meta_path) as f:
            meta = yaml.safe_load(f)
    except yaml.YAMLError as e:
        raise SweepStateError(f"{meta_path} is damaged (not YAML: {e})") from None
    missing = [key for key in ("id", "created", "project", "entity", "seed", "config")
               if not isinstance(meta, dict) or key not in meta]
    if missing or not isinstance(meta["config"], dict) or "method" not in meta["config"]:
        raise SweepStateError(f"{meta_path} is damaged: it lacks "
                              f"{', '.join(missing) or 'config.method'}; sweep() writes id, "
                              f"created, project, entity, seed and config")
    return meta

class _LocalSweep:
    """The on-disk state of one local sweep, and its Optuna study."""

    def __init__(self, sweep_id):
        # Accept W&B's "entity/project/id" spelling too; locally only the id matters.
        sweep_id = str(sweep_id).rstrip("/").split("/")[-1]
        self.id = sweep_id
        self.dir = SWEEPS_DIR / sweep_id
        meta_path = self.dir / "sweep.yaml"
        if not meta_path.is_file():
            known = sorted(p.name for p in SWEEPS_DIR.glob("*") if (p / "sweep.yaml").is_file())
            known_text = ", ".join(known) if known else "none yet; create one with sweep()"
            raise SweepNotFoundError(
                f"no local sweep {sweep_id!r} in {SWEEPS_DIR}/ here (sweeps live in the "
                f"folder where sweep() ran: start agents there); known here: {known_text}")
        meta = _read_meta(meta_path)
        self.config = meta["config"]
        self.project, self.entity, self.seed = meta["project"], meta["entity"], meta["seed"]
        self.method = self.config["method"]
        self.metric = self.config.get("metric")
        if not (self.dir / "journal.log").is_file():
            raise SweepStateError(f"{self.dir / 'journal.log'} is missing: the sweep's trials "
                                  f"are gone (its runs are still in wandb/)")
        self.storage = _storage(self.dir)

    def lock(self):
        return _file_lock(self.dir / "claim.lock")

    def heartbeat_path(self, number):
        return self.dir / "heartbeats" / str(number)

    def study(self, sampler=None):
        with _quiet_optuna():
            try:
                return optuna.load_study(study_name=self.id, storage=self.storage, sampler=sampler)
            except KeyError:  # Optuna's "Record does not exist": no study of this name
                raise SweepStateError(f"{self.dir / 'journal.log'} holds no study {self.id!r}: "
                                      f"it is damaged or belongs to another sweep") from None

    def trials(self):
        return self.study().get_trials(deepcopy=False)

    def record(self, study, number, state, interrupted=False, end=None, **fields):
        """Store a trial's outcome in its user attrs, then finish it in Optuna."""
        storage = self.storage
        trial_id = storage.get_trial_id_from_study_id_trial_number(
            storage.get_study_id_from_name(self.id), number)
        frozen = storage.get_trial(trial_id)
        if frozen.state.is_finished():
            # Another agent reclaimed it (no heartbeat within the grace period, say
            # the network share stalled); its first verdict stands.
            warnings.warn(f"trial {number} of sweep {self.id} was already ended as "
                          f"{frozen.user_attrs.get('state', frozen.state.name.lower())} by "
                          f"another agent; this agent's {state!r} is kept only in its W&B run",
                          stacklevel=2)
            return
        start = frozen.user_attrs.get("start")
        end = end or _now()
        fields = {k: v for k, v in fields.items() if v is not None}
        fields.update(state=state, end=end.isoformat(), interrupted=interrupted)
        if start:
            fields["runtime"] = (end - datetime.datetime.fromisoformat(start)).total_seconds()
        for key, value in fields.items():
            storage.set_trial_user_attr(trial_id, key, value)
        value = fields.get("metric")
        if state == "finished" and not self.metric:
            # Optuna needs an objective value; a sweep without a metric has none,
            # and grid/random search never reads it. Results show no metric column.
            study.tell(number, 0.0)
        elif state == "finished" and value is not None and math.isfinite(value):
            study.tell(number, value)
        elif state == "stopped":
            study.tell(number, state=TrialState.PRUNED)
        else:
            # Failed, or finished with a NaN/inf metric: samplers must not learn from it.
            study.tell(number, state=TrialState.FAIL)


class _Heartbeat:
    """Touches a trial's heartbeat file every ``HEARTBEAT_INTERVAL`` seconds while it runs."""

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(exist_ok=True)
        self.path.touch()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True,
                                        name=f"sweep-heartbeat-{self.path.name}")

    def _beat(self):
        while not self._stop.wait(HEARTBEAT_INTERVAL):
            # A share that is briefly away costs a beat, not the trial.
            with contextlib.suppress(OSError):
                self.path.touch()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        # The trial is recorded (or the agent is going down): no one need watch it.
        self.path.unlink(missing_ok=True)


def _new_id():
    """An 8-character base-36 id, like W&B's sweep and run ids."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


def sweep(config, entity=None, project=None):
    """Create a sweep, like ``wandb.sweep``, and return its id.

    Parameters
    ----------
    config : dict or str or Path
        A W&B sweep configuration, or the path of its YAML file.
    entity, project : str, optional
        Where the sweep's runs go; default: the config's ``entity`` / ``project``.

    Returns
    -------
    str
        The sweep id, for ``agent()``.

    Raises
    ------
    SweepConfigError
        Offline, for any config the local controller cannot run (checked here,
        before any trial).
    """
    if _online():
        return wandb.sweep(load_config(config), entity=entity, project=project)
    config = validate_config(config)
    sweep_id = _new_id()
    while (SWEEPS_DIR / sweep_id).exists():
        sweep_id = _new_id()
    folder = SWEEPS_DIR / sweep_id
    (folder / "params").mkdir(parents=True)
    # The seed makes a sweep's search repeatable from its state, whatever the clock.
    # Microseconds: find_sweep picks the newest, and two sweeps may start in one second.
    meta = {"id": sweep_id, "created": _now().isoformat(timespec="microseconds"),
            "project": project or config.get("project"), "entity": entity or config.get("entity"),
            "seed": secrets.randbelow(2**31), "config": config}
    direction = (config.get("metric") or {}).get("goal", "minimize")
    with _quiet_optuna():
        optuna.create_study(storage=_storage(folder), study_name=sweep_id, direction=direction)
    # Written last, and whole (renamed into place): its presence means "ready".
    with open(folder / "sweep.yaml.part", "w") as f:
        yaml.safe_dump(meta, f, sort_keys=False)
    os.replace(folder / "sweep.yaml.part", folder / "sweep.yaml")
    size = ""
    if config["method"] == "grid":
        size = f", {grid_count(config)} grid points"
    print(f"Created local sweep {sweep_id} ({config['method']}{size}) in {folder}/")
    return sweep_id


# ---------------------------------------------------------------------------
# The agent
# ---------------------------------------------------------------------------

class _Agent:
    """Claims trials of one sweep and runs them one after another in this process."""

    def __init__(self, sweep_id, function, count, entity, project, max_failures):
        self.sweep = _LocalSweep(sweep_id)
        self.function = function
        self.count = count
        self.entity = entity or self.sweep.entity
        self.project = project or self.sweep.project
        self.max_failures = max_failures
        self.agent_id = f"{socket.gethostname()}:{os.getpid()}"
        self.space = search_space(self.sweep.config)

    # -- claiming ------------------------------------------------------------

    def _sampler(self, agent_number):
        # Each agent gets its own seed: two agents with one seed would draw the
        # same random points; the first agent's draws stay repeatable.
        seed = self.sweep.seed + agent_number
        if self.sweep.method == "bayes":
            return optuna.samplers.TPESampler(seed=seed)
        return optuna.samplers.RandomSampler(seed=seed)

    def _last_sign_of_life(self, trial):
        """When the agent running ``trial`` last showed it was alive (a POSIX time), and
        whether that was a heartbeat (an agent from before heartbeats sends none)."""
        try:
            return self.sweep.heartbeat_path(trial.number).stat().st_mtime, True
        except OSError:  # no heartbeat yet: its claim is the last sign
            start = trial.user_attrs.get("start")
            if start:
                return datetime.datetime.fromisoformat(start).timestamp(), False
            return (trial.datetime_start.timestamp() if trial.datetime_start else 0.0), False

    def _reap_stale(self, study):
        """Mark trials whose agent is gone (killed, crashed, its machine down) as interrupted.

        An agent on this machine whose process is gone is noticed at once. Any other
        (on another machine sharing the folder, or one whose process id was reused)
        is gone once its heartbeat is older than ``HEARTBEAT_GRACE`` seconds.
        """
        host = socket.gethostname()
        now = time.time()
        for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            agent_id = t.user_attrs.get("agent", "")
            agent_host, _, pid = agent_id.rpartition(":")
            reason, alive = None, False
            if agent_host == host and pid.isdigit() and os.name == "posix":
                # This process runs one trial at a time, so a running trial of its own
                # while it claims the next one was left behind by an earlier agent().
                # (os.kill(pid, 0) would end the process on Windows.)
                alive = int(pid) != os.getpid()
                if alive:
                    try:
                        os.kill(int(pid), 0)
                    except ProcessLookupError:
                        alive = False
                    except PermissionError:
                        pass
                if not alive:
                    reason = "the agent running this trial ended without finishing it"
            last, beat = self._last_sign_of_life(t)
            silent = now - last
            # A live process here that never beat is an agent from before heartbeats.
            if reason is None and silent > HEARTBEAT_GRACE and (beat or not alive):
                reason = (f"the agent running this trial ({agent_id or 'unknown'}) ended without "
                          f"finishing it: no heartbeat for {silent:.0f} s (grace "
                          f"{HEARTBEAT_GRACE} s)")
            if reason:
                self.sweep.record(study, t.number, "failed", interrupted=True, error=reason)
                self.sweep.heartbeat_path(t.number).unlink(missing_ok=True)

    def _finished_reason(self, trials):
        """Why the sweep as a whole is over, or None."""
        counted = [t for t in trials if not t.user_attrs.get("interrupted")]
        metric = self.sweep.metric or {}
        if "target" in metric:
            sign = 1 if metric["goal"] == "maximize" else -1
            for t in counted:
                value = t.user_attrs.get("metric")
                if t.user_attrs.get("state") == "finished" and value is not None \
                        and sign * (value - metric["target"]) >= 0:
                    return (f"trial {t.number} reached the target {metric['name']}="
                            f"{metric['target']}: sweep finished")
        cap = self.sweep.config.get("run_cap")
        if cap is not None and len(counted) >= cap:
            return f"run_cap={cap} reached: sweep finished"
        return None

    def _claim(self, study):
        """Create this agent's next trial (call under the lock), or give a reason to stop."""
        trials = study.get_trials(deepcopy=False)
        reason = self._finished_reason(trials)
        if reason:
            return None, reason
        if self.sweep.method == "grid":
            size = grid_count(self.sweep.config)
            # A point is taken by any trial that did not end by interruption: each
            # point runs exactly once, and an interrupted one runs again on resume.
            taken = {t.user_attrs["grid_index"] for t in trials
                     if "grid_index" in t.user_attrs and t.state != TrialState.WAITING
                     and not t.user_attrs.get("interrupted")}
            free = [i for i in range(size) if i not in taken]
            if not free:
                running = sum(t.state == TrialState.RUNNING for t in trials)
                return None, ("every grid point has run: sweep finished" if not running else
                              f"every grid point is taken ({running} still running elsewhere)")
            # Enqueue-then-ask under the lock makes the claim atomic; a point left
            # enqueued by a process killed in between is simply asked for now.
            if not any(t.state == TrialState.WAITING for t in trials):
                study.enqueue_trial(grid_trial_params(self.sweep.config, free[0]),
                                    user_attrs={"grid_index": free[0]})
        return study.ask(fixed_distributions=self.space), None

    # -- running -------------------------------------------------------------

    def _others(self, study, number):
        """The metric histories of every other trial, as their agents reported them."""
        return [[v for _, v in sorted(t.intermediate_values.items())]
                for t in study.get_trials(deepcopy=False) if t.number != number]

    def _run_trial(self, study, trial, run_id, config):
        sweep = self.sweep
        outcome = run_trial(
            self.function, trial, run_id=run_id, config=config,
            param_path=sweep.dir / "params" / f"config-{run_id}.yaml",
            group=f"sweep-{sweep.id}", project=self.project, entity=self.entity,
            metric=sweep.metric, early_terminate=sweep.config.get("early_terminate"),
            others=lambda: self._others(study, trial.number))
        sweep.record(study, trial.number, **{k: v for k, v in outcome.items()
                                             if k not in ("bracket", "cut")})
        return outcome

    def run(self):
        sweep = self.sweep
        with sweep.lock():
            study = sweep.study()
            agent_number = study.user_attrs.get("agents", 0)
            study.set_user_attr("agents", agent_number + 1)
        study = sweep.study(sampler=self._sampler(agent_number))
        metric = sweep.metric
        goal = f", {metric['goal']} {metric['name']}" if metric else ""
        print(f"Agent on local sweep {sweep.id} ({sweep.method}{goal}); "
              f"count={self.count if self.count is not None else 'until the sweep is done'}")
        ran, failures_in_a_row, stop_reason = 0, 0, None
        try:
            while self.count is None or ran < self.count:
                with sweep.lock():
                    self._reap_stale(study)
                    trial, stop_reason = self._claim(study)
                    if trial is None:
                        break
                    run_id = _new_id()
                    config = decode(sweep.config, trial.params)
                    for key, value in {"run_id": run_id, "agent": self.agent_id, "config": config,
                                       "state": "running", "start": _now().isoformat()}.items():
                        trial.set_user_attr(key, value)
                    heartbeat = _Heartbeat(sweep.heartbeat_path(trial.number))
                ran += 1
                with heartbeat:
                    outcome = self._run_trial(study, trial, run_id, config)
                print(trial_line(trial.number, config, outcome, metric))
                if outcome.get("interrupted"):
                    raise KeyboardInterrupt
                if outcome["state"] != "failed":
                    failures_in_a_row = 0
                    continue
                failures_in_a_row += 1
                if failures_in_a_row >= self.max_failures:
                    stop_reason = (f"{failures_in_a_row} trials failed in a row, so the agent "
                                   f"stopped; see the errors in results('{sweep.id}'), fix "
                                   f"train() and run the agent again")
                    break
        except KeyboardInterrupt:
            stop_reason = f"interrupted; agent('{sweep.id}', ...) resumes the sweep"
        finally:
            # As pyagent does after its last job: a later plain wandb.init() must not
            # inherit the last trial's settings.
            wandb.teardown()
        if stop_reason is None:
            stop_reason = f"count={self.count} reached"
        print(f"Agent done after {ran} trial(s): {stop_reason}.")
        return ran


def agent(sweep_id, function=None, entity=None, project=None, count=None,
          max_consecutive_failed_runs=None):
    """Run trials of a sweep in this process, like ``wandb.agent``.

    Parameters
    ----------
    sweep_id : str
        The id ``sweep()`` returned (W&B's ``entity/project/id`` form is accepted).
    function : callable
        The training function, called with no arguments once per trial; it calls
        ``wandb.init()`` and reads its hyperparameters from ``wandb.config``.
    entity, project : str, optional
        Override where the runs go (default: as given to ``sweep()``).
    count : int, optional
        How many trials THIS agent runs (default: until the sweep is done). The
        config's ``run_cap`` limits all agents together.
    max_consecutive_failed_runs : int, optional
        Offline: stop after this many failed trials in a row
        (default ``MAX_CONSECUTIVE_FAILURES``).

    Returns
    -------
    None
        Offline, each trial prints one line; ``results(sweep_id)`` has them all.
        Ctrl-C marks the running trial as interrupted and returns; calling
        ``agent()`` again resumes the sweep. Agents in several processes, or on
        several machines sharing the folder, may run one sweep together: a trial
        whose agent stopped sending heartbeats for ``HEARTBEAT_GRACE`` seconds is
        marked interrupted, and its grid point runs again. ``sys.exit()`` inside
        ``function`` ends that trial (failed, unless the code is 0), not the agent.
    """
    if _online():
        kwargs = {}
        if max_consecutive_failed_runs is not None:
            kwargs["max_consecutive_failed_runs"] = max_consecutive_failed_runs
        return wandb.agent(sweep_id, function=function, entity=entity, project=project,
                           count=count, **kwargs)
    if function is None or not callable(function):
        raise TypeError("local sweeps run a Python function: agent(sweep_id, function=train); "
                        "a config's program/command runs only with WANDB_MODE=online")
    if os.environ.get("WANDB_MODE") == "disabled":
        raise RuntimeError("WANDB_MODE=disabled writes no run files, and local sweeps read "
                           "each trial's metric from them; use WANDB_MODE=offline")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ValueError(f"count must be a positive integer or None, got {count!r}")
    max_failures = max_consecutive_failed_runs or MAX_CONSECUTIVE_FAILURES
    _Agent(sweep_id, function, count, entity, project, max_failures).run()


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------

def _local_results(sweep_id):
    """All trials of a local sweep: the offline side of ``results``."""
    sweep = _LocalSweep(sweep_id)
    rows = []
    for t in sweep.trials():
        if t.state == TrialState.WAITING:
            continue  # enqueued by an agent that died before asking for it
        a = t.user_attrs
        state = "running" if t.state == TrialState.RUNNING else a.get("state", "failed")
        live = [v for _, v in sorted(t.intermediate_values.items())]
        if state == "running" and live:
            # As W&B's summary of a running run: the latest value, epochs so far.
            a = {**a, "metric": live[-1], "epochs": len(live)}
        rows.append({"trial": t.number, "run_id": a.get("run_id"), "state": state,
                     "metric": a.get("metric"), "config": a.get("config"),
                     "epochs": a.get("epochs"), "steps": a.get("steps"),
                     "runtime": a.get("runtime"), "start": a.get("start"), "end": a.get("end"),
                     "error": a.get("error")})
    metric = (sweep.metric or {}).get("name")
    return results_frame(rows, metric, flatten_parameters(sweep.config))


def results(sweep_id, entity=None, project=None):
    """A sweep's results table: from W&B when online, else from the local controller.

    Parameters
    ----------
    sweep_id : str
        The sweep's id (online, also ``entity/project/id``).
    entity, project : str, optional
        Online only: where the sweep lives, when ``sweep_id`` does not say.

    Returns
    -------
    pandas.DataFrame
        One row per trial, whatever its state. Columns: ``trial`` (number),
        ``run_id``, ``state`` (finished / failed / running / stopped), the metric
        (named as in the config; summary value), one column per parameter (nested
        keys joined by dots, ``optimizer.lr``; list values stay lists), ``epochs``
        (times the metric was logged), ``steps`` (history rows), ``runtime``
        (seconds), ``start``, ``end`` (UTC) and ``error`` (why a trial failed,
        with its traceback; for a finished trial whose metric is NaN or infinite,
        the epoch at which it diverged).

    Raises
    ------
    SweepNotFoundError
        Offline, if there is no local sweep with this id here.
    SweepStateError
        Offline, if the sweep's ``sweep.yaml`` or ``journal.log`` is damaged beyond
        repair (the message names the file).
    """
    if _online():
        path = "/".join(part for part in (entity, project, sweep_id) if part)
        return api_results_frame(wandb.Api().sweep(path))
    return _local_results(sweep_id)


def _same_config(stored, given):
    """Whether two sweep configs run the same sweep (compared after validation)."""
    try:
        with warnings.catch_warnings():  # its warnings were shown when it was created
            warnings.simplefilter("ignore")
            return validate_config(stored) == given
    except Exception:  # a config an older version stored and this one refuses
        return False


def find_sweep(name, entity=None, project=None, config=None):
    """The id of the newest sweep whose config is named ``name``, or None.

    Lets a later notebook pick up the sweep an earlier one ran, online (from the
    W&B API) or offline (from ``.sweeps/`` in the working directory).

    Parameters
    ----------
    name : str
        The sweep config's ``name``.
    entity, project : str, optional
        Online only: the project to look in.
    config : dict or str or Path, optional
        If given, only a sweep run with this same config counts (offline, compared
        after validation, so spelling and defaults do not matter; online, as W&B
        stored it): a YAML edited under the same name is a different sweep.

    Returns
    -------
    str or None
    """
    if _online():
        wanted = load_config(config) if config is not None else None
        api = wandb.Api()
        found = [s for s in api.project(project, entity=entity).sweeps()
                 if s.name == name and (wanted is None or s.config == wanted)]
        return found[0].id if found else None  # W&B lists a project's newest sweep first
    wanted = validate_config(config) if config is not None else None
    newest, newest_time = None, None
    for meta_path in sorted(SWEEPS_DIR.glob("*/sweep.yaml")):
        try:
            meta = _read_meta(meta_path)
            created = datetime.datetime.fromisoformat(str(meta["created"]))
        except (SweepStateError, ValueError) as e:
            # One damaged folder must not hide the others.
            warnings.warn(f"skipped {meta_path.parent}: {e}", stacklevel=2)
            continue
        if meta["config"].get("name") != name:
            continue
        if wanted is not None and not _same_config(meta["config"], wanted):
            continue
        if newest_time is None or created > newest_time:
            newest, newest_time = meta, created
    return newest["id"] if newest else None


def ensure_sweep(config, function, runs, entity=None, project=None):
    """The newest sweep with this config, created if there is none, with at least ``runs`` trials.

    Lets a notebook build on the sweep an earlier notebook ran, and still run on
    its own (in a fresh Colab session, say) by running that sweep first. A sweep
    of the same name whose config differs (the YAML was edited since) is never
    reused: a new sweep is created, and a line says so.

    Parameters
    ----------
    config : dict or str or Path
        A sweep config with a ``name``, or its YAML file.
    function : callable
        The sweep's ``train()``.
    runs : int
        Trials the sweep should hold; an agent runs the missing ones.
    entity, project : str, optional
        Where the sweep's runs go, as for ``sweep()``.

    Returns
    -------
    str
        The sweep id.
    """
    config = load_config(config) if _online() else validate_config(config)
    if not config.get("name"):
        raise ValueError("ensure_sweep finds sweeps by their config's `name`; this config has none")
    sweep_id = find_sweep(config["name"], entity=entity, project=project, config=config)
    if sweep_id is None:
        older = find_sweep(config["name"], entity=entity, project=project)
        if older is not None:
            print(f"Sweep {older} is named {config['name']!r} but ran another config; "
                  f"starting a new sweep for this one.")
        sweep_id = sweep(config, entity=entity, project=project)
    missing = runs - len(results(sweep_id, entity=entity, project=project))
    if missing > 0:
        agent(sweep_id, function=function, count=missing, entity=entity, project=project)
    return sweep_id
