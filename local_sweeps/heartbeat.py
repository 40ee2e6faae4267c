"""Which running trials still have a live agent: heartbeats, and reclaiming the rest.

A running trial's agent beats its heartbeat file (``.sweeps/<id>/heartbeats/<trial>``)
every ``HEARTBEAT_INTERVAL`` seconds. An agent about to claim a trial first reclaims
every running trial whose agent is gone, whatever machine it ran on: it marks the trial
interrupted, and a grid point held by it runs again.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import socket
import threading
import time
from pathlib import Path

from optuna.trial import TrialState

# A running trial's agent touches .sweeps/<id>/heartbeats/<trial> this often (seconds);
# a trial whose heartbeat is older than the grace period is reclaimed by the next agent,
# whatever machine it ran on. Optuna's own heartbeat (RDBStorage only) has the same
# two settings; the grace here is generous because machines sharing a folder over the
# network may disagree about the time by a few seconds.
HEARTBEAT_INTERVAL = 10
HEARTBEAT_GRACE = 60


class Heartbeat:
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


def _last_sign_of_life(sweep, trial):
    """When the agent running ``trial`` last showed it was alive (a POSIX time), and
    whether that was a heartbeat (an agent from before heartbeats sends none)."""
    try:
        return sweep.heartbeat_path(trial.number).stat().st_mtime, True
    except OSError:  # no heartbeat yet: its claim is the last sign
        start = trial.user_attrs.get("start")
        if start:
            return datetime.datetime.fromisoformat(start).timestamp(), False
        return (trial.datetime_start.timestamp() if trial.datetime_start else 0.0), False


def reap_stale(sweep, study):
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
        last, beat = _last_sign_of_life(sweep, t)
        silent = now - last
        # A live process here that never beat is an agent from before heartbeats.
        if reason is None and silent > HEARTBEAT_GRACE and (beat or not alive):
            reason = (f"the agent running this trial ({agent_id or 'unknown'}) ended without "
                      f"finishing it: no heartbeat for {silent:.0f} s (grace "
                      f"{HEARTBEAT_GRACE} s)")
        if reason:
            sweep.record(study, t.number, "failed", interrupted=True, error=reason)
            sweep.heartbeat_path(t.number).unlink(missing_ok=True)

