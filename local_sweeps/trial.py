"""Run one trial of a local sweep as an ordinary offline W&B run.

`local_sweeps` decides which trial runs next; this module runs it the way W&B's own
agent (``wandb/agents/pyagent.py``) runs a function-based sweep job, so the reader's
``train()`` is the same online and offline:

- the trial's values go to a YAML file named by ``WANDB_SWEEP_PARAM_PATH`` and the
  run id to ``WANDB_RUN_ID``; ``wandb.teardown()`` before the call makes the next
  ``wandb.init()`` read them (W&B's setup singleton reads the environment once);
- while ``train()`` runs, each ``run.log`` is watched, so the metric reaches Optuna
  as it is logged and hyperband (``early_terminate``) can stop a weak trial by
  raising `TrialStopped` from inside ``log``;
- afterwards the outcome (state, metric, epochs) is read back from the run's own
  offline files with ``wandb_helpers.read_offline_run``.
"""

from __future__ import annotations

import contextlib
import datetime
import math
import os
import traceback
from pathlib import Path

import wandb

import wandb_internals  # the repository root is on the path wherever local_sweeps is imported

from .common import finite_number, flatten, is_number
from .hyperband import hyperband_check
from .state import SweepFolderError

# The environment variables a trial sets (as W&B's agent does) and then restores.
TRIAL_ENV = ("WANDB_SWEEP_PARAM_PATH", "WANDB_RUN_ID", "WANDB_RUN_GROUP", "WANDB_PROJECT",
             "WANDB_ENTITY", "WANDB_DIR", "WANDB_QUIET", "WANDB_MODE")
STOPPED_TAG = "hyperband-stopped"


class TrialStopped(BaseException):
    """Raised from ``run.log`` to end a trial that hyperband stopped.

    A BaseException, like KeyboardInterrupt, so that a ``train()`` guarding its loop
    with ``except Exception`` still stops.
    """


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, systemd, Kubernetes, Slurm), raised while a trial runs: the
    trial ends as Ctrl-C ends it, recorded as interrupted."""

    def __str__(self):
        return "SIGTERM: the agent was asked to stop (kill, systemd, Slurm, ...)"


class _LogWatch:
    """Watches every ``run.log`` of one trial, to see the metric as it is logged.

    W&B has no hook for this; ``wandb_internals.patch_run`` does the patching.
    """

    def __init__(self, trial, metric, early_terminate, others):
        self.trial, self.metric, self.early_terminate = trial, metric, early_terminate
        self.others = others
        self.history = []   # the metric's finite values, in log order
        self.logged = []    # every value logged as the metric, whatever it was
        self.stopped = None  # (bracket, cut) when hyperband stopped the trial
        self.run_dir = None  # where W&B writes the run, wherever train() put it

    def __enter__(self):
        watch = self

        def log(original_log, run, data, *args, **kwargs):
            original_log(run, data, *args, **kwargs)
            watch.locate(run)
            watch.observe(run, data)

        def exit_(original_exit, run, exc_type, exc, tb):
            watch.locate(run)
            if exc_type is not None and issubclass(exc_type, TrialStopped):
                return None  # observe() finished the run cleanly; no traceback to print
            if exc_type is not None and issubclass(exc_type, Terminated):
                run.finish(exit_code=1)  # as W&B would, less its traceback: the agent says why
                return None
            return original_exit(run, exc_type, exc, tb)

        self._patch = wandb_internals.patch_run(log, exit_)
        self._patch.__enter__()
        return self

    def __exit__(self, *exc):
        self._patch.__exit__(*exc)

    def locate(self, run):
        """Note the run's folder (``run.dir`` is its ``files/``): ``wandb.init(dir=...)``
        or W&B's fallback to a temporary folder may put it outside ``WANDB_DIR``."""
        if self.run_dir is None:
            with contextlib.suppress(Exception):   # a finished run may refuse; the glob remains
                self.run_dir = Path(run.dir).parent

    def observe(self, run, data):
        if not self.metric or self.metric["name"] not in data:
            return
        value = data[self.metric["name"]]
        self.logged.append(value)  # for a precise reason if it is not a finite number
        # W&B's hyperband skips values that are not finite numbers (filter_invalid).
        number = finite_number(value)
        if number is None:
            return
        self.history.append(number)
        # Reported to the shared journal, so agents in other processes see it live.
        self.trial.report(number, step=len(self.history) - 1)
        if not self.early_terminate:
            return
        stop, bracket, cut = hyperband_check(
            self.history, self.others(), self.early_terminate, self.metric["goal"])
        if stop:
            self.stopped = (bracket, cut)
            with contextlib.suppress(Exception):  # shows in the W&B UI which runs were cut short
                run.tags = tuple(run.tags or ()) + (STOPPED_TAG,)
            # The run ends as finished, not failed: it did what it was told.
            run.finish(exit_code=0)
            raise TrialStopped(f"hyperband stopped this trial after {len(self.history)} "
                               f"epochs at bracket {bracket}")


def check_wandb_dir():
    """Refuse a ``WANDB_DIR`` that W&B cannot write, before any trial runs.

    W&B's test (``wandb_init.try_create_root_dir``): the folder can be made, read and
    written. Where it fails, W&B warns and logs to a temporary folder instead, where
    nobody would look for the sweep's runs (nor ``wandb sync`` find them).
    """
    root = os.environ.get("WANDB_DIR") or "."
    try:
        os.makedirs(root, exist_ok=True)
        usable = os.access(root, os.W_OK | os.R_OK)
        reason = "not writable"
    except OSError as e:
        usable, reason = False, e.strerror or str(e)
    if not usable:
        raise SweepFolderError(
            f"WANDB_DIR={root} cannot be written ({reason}): W&B would put each trial's run "
            f"in a temporary folder; set WANDB_DIR to a folder you can write to, or unset it")


def run_trial(function, trial, *, run_id, config, param_path, group, project=None,
              entity=None, metric=None, early_terminate=None, others=lambda: []):
    """Run ``function()`` as one W&B run whose ``wandb.config`` is ``config``.

    Parameters
    ----------
    function : callable
        The user's train function, called with no arguments.
    trial : optuna.trial.Trial
        The running trial; logged metric values are reported to it.
    run_id : str
        The W&B run id to use.
    config : dict
        The trial's (nested) hyperparameter values.
    param_path : Path
        Where to write the values for ``wandb.init()`` to read.
    group : str
        The W&B run group (one per sweep).
    project, entity : str, optional
        Where the run goes (``WANDB_PROJECT`` / ``WANDB_ENTITY``).
    metric : dict, optional
        The sweep's validated ``metric`` section.
    early_terminate : dict, optional
        The sweep's validated ``early_terminate`` section.
    others : callable
        Returns the metric histories of the sweep's other trials (for hyperband).

    Returns
    -------
    dict
        ``state`` (finished / failed / stopped), ``interrupted`` (Ctrl-C), ``end``
        (when the function returned), and as far as known ``metric``, ``epochs``,
        ``steps``, ``run_dir``, ``error``.
    """
    # As W&B's agent, point WANDB_SWEEP_PARAM_PATH at the values; wandb.init() reads
    # them into run.config (wandb_setup.py, wandb_init.py).
    wandb_internals.write_sweep_params(param_path, config)
    saved = {key: os.environ.get(key) for key in TRIAL_ENV}
    os.environ.update({"WANDB_SWEEP_PARAM_PATH": str(Path(param_path).resolve()),
                       "WANDB_RUN_ID": run_id, "WANDB_RUN_GROUP": group})
    # The local controller runs only when WANDB_MODE is not "online"; left unset, a
    # wandb.init() in a script run from a terminal would stop at W&B's login prompt.
    if not os.environ.get("WANDB_MODE", "").strip():
        os.environ["WANDB_MODE"] = "offline"
    if project:
        os.environ["WANDB_PROJECT"] = project
    if entity:
        os.environ["WANDB_ENTITY"] = entity
    # WANDB_SWEEP_ID stays unset: the id is local, and `wandb sync` of a run naming a
    # sweep the server does not know fails ("sweep ... not found", wandb issue 8115).
    # A relative WANDB_DIR makes W&B print wandb/offline-run-..., not an absolute path.
    os.environ.setdefault("WANDB_DIR", ".")
    # W&B's run summary, printed at every finish, would bury the one line per trial
    # that the agent prints; quiet keeps its three-line header. WANDB_QUIET=false shows all.
    os.environ.setdefault("WANDB_QUIET", "true")
    wandb_dir = Path(os.environ["WANDB_DIR"])
    error, interrupted = None, False
    watch = _LogWatch(trial, metric, early_terminate, others)
    try:
        # W&B's setup singleton read the environment when it was created; without a
        # teardown the next wandb.init() would silently reuse the previous config.
        wandb.teardown()
        with watch:
            function()
    except TrialStopped:
        pass
    except Terminated as e:
        error, interrupted = f"{e}; the trial was interrupted", True
    except KeyboardInterrupt:
        error, interrupted = "KeyboardInterrupt: the trial was interrupted", True
    except SystemExit as e:
        # sys.exit() in train() must end the trial, not the agent; sys.exit() or
        # sys.exit(0) is a normal return, as for a script.
        if e.code not in (None, 0):
            error = f"{traceback.format_exc()}train() called sys.exit({e.code!r})"
    except Exception:
        error = traceback.format_exc()
    try:
        if wandb.run is not None:  # pyagent finishes a run the function left open
            watch.locate(wandb.run)
            wandb.finish(exit_code=1 if error else 0)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    end = datetime.datetime.now(datetime.UTC)
    outcome = read_outcome(wandb_dir, run_id, metric, error, run_dir=watch.run_dir)
    if error is None and metric:
        outcome.update(_metric_problem(outcome, metric["name"], watch.logged))
    if watch.stopped and outcome["state"] == "finished":
        outcome["state"] = "stopped"
        outcome["bracket"], outcome["cut"] = watch.stopped
    return {**outcome, "interrupted": interrupted, "end": end}


def read_outcome(wandb_dir, run_id, metric, error, run_dir=None):
    """A trial's state, metric, epochs and steps, read back from its offline run files
    (in ``run_dir`` when the run said where it is, else found under ``wandb_dir``)."""
    from wandb_helpers import read_offline_run

    found = sorted(Path(wandb_dir).glob(f"wandb/*run-*-{run_id}")) + \
        sorted(Path(wandb_dir).glob(f".wandb/*run-*-{run_id}"))
    if run_dir is not None and run_dir.name.endswith(f"-{run_id}") and run_dir.is_dir():
        found = [run_dir]
    if not found:
        return {"state": "failed", "error": error or "train() started no W&B run; call "
                "wandb.init() (local sweeps read each trial's results from its run files)"}
    run_dir = found[-1]
    outcome = {"run_dir": os.path.relpath(run_dir)}
    try:
        # read_offline_run waits until W&B has finished writing a just-closed run.
        run = read_offline_run(run_dir)
    except (OSError, RuntimeError) as e:
        return {**outcome, "state": "failed", "error": error or f"could not read the run: {e}"}
    history = run.history
    outcome["steps"] = len(history)
    if metric:
        name = metric["name"]
        # Epochs = the times the metric was logged: what hyperband counts as iterations.
        outcome["epochs"] = int(history[name].notna().sum()) if name in history else 0
        # W&B's sweep metric is the run summary's value (by default the last logged).
        value = run.summary.get(name)
        if is_number(value):
            outcome["metric"] = float(value)
    else:
        outcome["epochs"] = len(history)
    if error is None and run.failed:
        error = f"the W&B run ended with state {run.state!r} and exit code {run.exit_code}"
    if error is None and metric and "metric" not in outcome:
        error = _never_logged(metric["name"], history)
    return {**outcome, "state": "failed" if error else "finished", "error": error}


def _never_logged(name, history):
    """Why a finished run has no sweep metric: what it logged instead, and whether that was finite."""
    columns = [c for c in history.columns if c != "_step" and not c.startswith("_")]
    if not columns:
        return f"train() never logged the sweep metric {name!r} (it logged nothing)"
    message = f"train() never logged the sweep metric {name!r} (it logged: {', '.join(columns)})"
    # A column W&B recorded but holds no finite number was logged as NaN or infinity
    # (a NaN reads back as a missing value); text would be another mistake.
    values = [v for c in columns for v in history[c] if v is not None]
    if all(is_number(v) and not math.isfinite(float(v)) for v in values):
        message += ("; every value it logged was NaN or infinite: the training diverged before "
                    f"it could log {name!r} (try a smaller learning rate)")
    return message


def _metric_problem(outcome, name, logged):
    """Why a trial's metric is not a finite number, as outcome fields ({} if it is one).

    A metric logged as text is a bug in ``train()``: the trial failed. A NaN or
    infinite metric is a run that diverged: it finished (as W&B records it), with the
    first epoch at which its metric stopped being a finite number noted in ``error``.
    """
    value = outcome.get("metric")
    if value is None and logged and not is_number(logged[-1]):
        last = logged[-1]
        return {"state": "failed",
                "error": f"train() logged the sweep metric {name!r} as "
                         f"{type(last).__name__} ({str(last)[:40]!r}), not a number; "
                         f"log a float, e.g. float(value)"}
    if value is not None and not math.isfinite(value):
        epoch = next((i + 1 for i, v in enumerate(logged)
                      if is_number(v) and finite_number(v) is None), None)
        where = f" at epoch {epoch}" if epoch else ""
        return {"error": f"the sweep metric {name!r} was {float(value)}{where}: the run "
                         f"diverged (try a smaller lr); it counts as finished, without a value"}
    return {}


def _short(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def trial_line(number, config, outcome, metric):
    """The one line a reader sees per trial.

    e.g. ``trial 3  lr=0.01 optimizer=adam  ->  val_acc=0.9134`` or
    ``trial 4  lr=3  ->  failed: ValueError: ...``.
    """
    params = " ".join(f"{'.'.join(k)}={_short(v)}" for k, v in flatten(config))
    if outcome["state"] == "failed":
        last = (outcome.get("error") or "").strip().splitlines() or ["?"]
        result = f"failed: {last[-1]}"
    elif metric:
        value = outcome.get("metric")
        result = f"{metric['name']}={_short(value) if value is not None else 'none'}"
        if outcome["state"] == "stopped":
            result += f"  (stopped by hyperband after {outcome.get('epochs')} epochs)"
        elif value is not None and not math.isfinite(value):
            result += "  (the run diverged)"
    else:
        result = "finished"
    return f"trial {number}  {params}  ->  {result}"
