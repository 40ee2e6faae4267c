"""The local agent: claims trials of one sweep and runs them one after another here.

Claiming happens under the sweep's claim lock, so agents in several processes (or on
several machines sharing the folder) never take the same trial; each trial then runs
as an ordinary W&B run (``trial.py``) while a heartbeat says this agent is alive.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time

import optuna
import wandb
from optuna.trial import TrialState

from . import heartbeat
from .heartbeat import Heartbeat, Watch
from .space import decode, grid_count, grid_trial_params, search_space
from .state import LocalSweep, folder_error, new_id, now
from .trial import Terminated, check_wandb_dir, run_trial, trial_line

# Stop an agent after this many failed trials in a row: a train() that is broken
# fails every time, so going on would only burn the sweep. (W&B's agent stops at
# 3 failures in its first minute and at 5 failed runs in a row at its start.)
MAX_CONSECUTIVE_FAILURES = 3


class Agent:
    """Claims trials of one sweep and runs them one after another in this process."""

    def __init__(self, sweep_id, function, count, entity, project, max_failures):
        self.state = LocalSweep(sweep_id)
        self.function = function
        self.count = count
        self.entity = entity or self.state.entity
        self.project = project or self.state.project
        self.max_failures = max_failures
        self.agent_id = f"{socket.gethostname()}:{os.getpid()}"
        self.space = search_space(self.state.config)
        self.unrecorded = None   # the number of a trial claimed and not yet recorded
        self.watch = Watch()
        self.waiting_for = set()
        self.terminated = False   # SIGTERM arrived
        self.in_trial = False     # train() is running: SIGTERM interrupts it at once

    # -- claiming ------------------------------------------------------------

    def _sampler(self, agent_number):
        # Each agent gets its own seed: two agents with one seed would draw the
        # same random points; the first agent's draws stay repeatable.
        seed = self.state.seed + agent_number
        if self.state.method == "bayes":
            return optuna.samplers.TPESampler(seed=seed)
        return optuna.samplers.RandomSampler(seed=seed)

    def _finished_reason(self, trials):
        """Why the sweep as a whole is over (or full while trials run elsewhere), or None."""
        counted = [t for t in trials if not t.user_attrs.get("interrupted")]
        metric = self.state.metric or {}
        if "target" in metric:
            sign = 1 if metric["goal"] == "maximize" else -1
            for t in counted:
                value = t.user_attrs.get("metric")
                if t.user_attrs.get("state") == "finished" and value is not None \
                        and sign * (value - metric["target"]) >= 0:
                    return (f"trial {t.number} reached the target {metric['name']}="
                            f"{metric['target']}: sweep finished")
        cap = self.state.config.get("run_cap")
        if cap is not None and len(counted) >= cap:
            return f"run_cap={cap} reached: sweep finished"
        return None

    def _claim(self, study):
        """Create this agent's next trial (call under the lock), or give a reason to stop.

        Returns ``(trial, None)``, or ``(None, reason)``; the reason starts with "every
        grid point is taken" or "run_cap" when trials running elsewhere fill the sweep.
        """
        trials = study.get_trials(deepcopy=False)
        reason = self._finished_reason(trials)
        if reason:
            return None, reason
        if self.state.method == "grid":
            size = grid_count(self.state.config)
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
                study.enqueue_trial(grid_trial_params(self.state.config, free[0]),
                                    user_attrs={"grid_index": free[0]})
        return study.ask(fixed_distributions=self.space), None

    # -- running -------------------------------------------------------------

    def _others(self, study, number):
        """The metric histories of every other trial, as their agents reported them."""
        return [[v for _, v in sorted(t.intermediate_values.items())]
                for t in study.get_trials(deepcopy=False) if t.number != number]

    def _run_trial(self, study, trial, run_id, config):
        state = self.state
        outcome = run_trial(
            self.function, trial, run_id=run_id, config=config,
            param_path=state.dir / "params" / f"config-{run_id}.yaml",
            group=f"sweep-{state.id}", project=self.project, entity=self.entity,
            metric=state.metric, early_terminate=state.config.get("early_terminate"),
            others=lambda: self._others(study, trial.number))
        state.record(study, trial.number, **{k: v for k, v in outcome.items()
                                             if k not in ("bracket", "cut")})
        self.unrecorded = None
        return outcome

    def _wait(self, undecided):
        """Say once which trials this agent waits on; then pause before looking again."""
        if not undecided <= self.waiting_for:
            self.waiting_for |= undecided
            numbers = ", ".join(map(str, sorted(undecided)))
            print(f"Trial(s) {numbers} run elsewhere: watching their heartbeats (up to "
                  f"{heartbeat.HEARTBEAT_GRACE} s) to tell whether their agents are alive.")
        time.sleep(min(heartbeat.HEARTBEAT_INTERVAL, heartbeat.HEARTBEAT_GRACE) / 2)

    def _release(self, study, why):
        """Give back a claimed trial the agent cannot finish: recorded as interrupted (its
        grid point runs again), its heartbeat gone. Best effort: the disk may be full."""
        if self.unrecorded is None:
            return
        with contextlib.suppress(OSError):
            self.state.record(study, self.unrecorded, "failed", interrupted=True,
                              error=f"the agent stopped before the trial ran: {why}")
        with contextlib.suppress(OSError):
            self.state.heartbeat_path(self.unrecorded).unlink(missing_ok=True)
        self.unrecorded = None

    def _next_trial(self, study):
        """Claim the next trial under the lock: ``(trial, run_id, config, heartbeat)``,
        or ``(None, reason)`` when there is none, or ``(None, None)`` to look again soon:
        the trials that fill the sweep run elsewhere, and whether their agents are alive
        is not known yet."""
        state = self.state
        with state.lock():
            undecided = self.watch.look(state, study)
            trial, stop_reason = self._claim(study)
            if trial is None:
                # Only trials running elsewhere can free a point (or a place under run_cap)
                # by turning out dead; a reached target or a finished grid frees nothing.
                blocked = stop_reason.startswith(("every grid point is taken", "run_cap"))
                if blocked and undecided:
                    self._wait(undecided)
                    return None, None
                return None, stop_reason
            run_id = new_id()
            config = decode(state.config, trial.params)
            self.unrecorded = trial.number
            for key, value in {"run_id": run_id, "agent": self.agent_id, "config": config,
                               "state": "running", "start": now().isoformat()}.items():
                trial.set_user_attr(key, value)
            heartbeat = Heartbeat(state.heartbeat_path(trial.number))
        return (trial, run_id, config, heartbeat), None

    def _on_sigterm(self, signum, frame):
        self.terminated = True
        if self.in_trial:
            raise Terminated
        # Otherwise the loop stops at its next step, never inside the claim lock.

    @contextlib.contextmanager
    def _sigterm_handled(self):
        """SIGTERM handled like Ctrl-C while the agent runs (signals reach the main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, previous)

    def run(self):
        """Run trials until ``count``, the sweep's end, a failing streak, Ctrl-C or SIGTERM."""
        with self._sigterm_handled():
            return self._run()

    def _run(self):
        state = self.state
        try:
            with state.lock():
                study = state.study()
                agent_number = study.user_attrs.get("agents", 0)
                study.set_user_attr("agents", agent_number + 1)
        except OSError as e:
            raise folder_error(e) from None
        study = state.study(sampler=self._sampler(agent_number))
        metric = state.metric
        goal = f", {metric['goal']} {metric['name']}" if metric else ""
        print(f"Agent on local sweep {state.id} ({state.method}{goal}); "
              f"count={self.count if self.count is not None else 'until the sweep is done'}")
        ran, failures_in_a_row, stop_reason = 0, 0, None
        try:
            while self.count is None or ran < self.count:
                claimed, stop_reason = self._next_trial(study)
                if claimed is None and stop_reason is None:
                    continue   # looked at trials running elsewhere; look again
                if claimed is None:
                    break
                trial, run_id, config, heartbeat = claimed
                if self.terminated:
                    self._release(study, Terminated())
                    raise Terminated
                ran += 1
                with heartbeat:
                    self.in_trial = True
                    try:
                        outcome = self._run_trial(study, trial, run_id, config)
                    finally:
                        self.in_trial = False
                print(trial_line(trial.number, config, outcome, metric))
                if outcome.get("interrupted") or self.terminated:
                    raise Terminated if self.terminated else KeyboardInterrupt
                failures_in_a_row = failures_in_a_row + 1 if outcome["state"] == "failed" else 0
                if failures_in_a_row >= self.max_failures:
                    stop_reason = (f"{failures_in_a_row} trials failed in a row, so the agent "
                                   f"stopped; see the errors in results('{state.id}'), fix "
                                   f"train() and run the agent again")
                    break
        except KeyboardInterrupt:
            how = "terminated (SIGTERM)" if self.terminated else "interrupted"
            stop_reason = f"{how}; agent('{state.id}', ...) resumes the sweep"
        except OSError as e:   # the sweep's folder, not train(): that one is caught per trial
            self._release(study, folder_error(e))
            print(f"Agent stopped after {ran} trial(s): the sweep's folder cannot be written.")
            raise folder_error(e) from None
        finally:
            # As pyagent does after its last job: a later plain wandb.init() must not
            # inherit the last trial's settings.
            wandb.teardown()
        if stop_reason is None:
            stop_reason = f"count={self.count} reached"
        print(f"Agent done after {ran} trial(s): {stop_reason}.")
        return ran


def run_agent(sweep_id, function, count=None, entity=None, project=None,
              max_consecutive_failed_runs=None):
    """Run trials of a local sweep in this process (the offline side of ``agent``).

    Parameters
    ----------
    sweep_id : str
        The local sweep's id.
    function : callable
        The training function, called with no arguments once per trial.
    count : int, optional
        How many trials this agent runs (default: until the sweep is done).
    entity, project : str, optional
        Override where the runs go (default: as given to ``sweep()``).
    max_consecutive_failed_runs : int, optional
        Stop after this many failed trials in a row (default ``MAX_CONSECUTIVE_FAILURES``).

    Returns
    -------
    int
        How many trials this agent ran.
    """
    if function is None or not callable(function):
        raise TypeError("local sweeps run a Python function: agent(sweep_id, function=train); "
                        "a config's program/command runs only with WANDB_MODE=online")
    if os.environ.get("WANDB_MODE") == "disabled":
        raise RuntimeError("WANDB_MODE=disabled writes no run files, and local sweeps read "
                           "each trial's metric from them; use WANDB_MODE=offline")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ValueError(f"count must be a positive integer or None, got {count!r}")
    max_failures = max_consecutive_failed_runs or MAX_CONSECUTIVE_FAILURES
    runner = Agent(sweep_id, function, count, entity, project, max_failures)
    check_wandb_dir()
    ran = runner.run()
    if runner.terminated:
        # Asked to end, the process ends, with the status a shell gives a SIGTERM death.
        raise SystemExit(128 + signal.SIGTERM)
    return ran
