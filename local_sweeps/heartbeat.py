"""Which running trials still have a live agent: heartbeats, and reclaiming the rest.

A running trial's agent rewrites its heartbeat file (``.sweeps/<id>/heartbeats/<trial>``)
every ``HEARTBEAT_INTERVAL`` seconds. An agent about to claim a trial first reclaims
every running trial whose agent is gone, whatever machine it ran on: it marks the trial
interrupted, and a grid point held by it runs again.

Liveness never compares two machines' clocks: an agent judges a heartbeat by whether it
has changed since it last looked, timed by its own monotonic clock. A heartbeat that
stays the same for ``HEARTBEAT_GRACE`` seconds of this agent's watching is dead; one
that changes is alive, whatever time its file says. An agent on this machine whose
process is gone is noticed at once.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path

from optuna.trial import TrialState

# A running trial's agent rewrites .sweeps/<id>/heartbeats/<trial> this often (seconds);
# a trial whose heartbeat does not change for the grace period, while another agent
# watches it, is reclaimed by that agent. Optuna's own heartbeat (RDBStorage only) has
# the same two settings; the grace is generous because a network share may stall.
HEARTBEAT_INTERVAL = 10
HEARTBEAT_GRACE = 60


class Heartbeat:
    """Touches a trial's heartbeat file every ``HEARTBEAT_INTERVAL`` seconds while it runs."""

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(exist_ok=True)
        self.beats = 0
        self.path.write_text("0\n")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True,
                                        name=f"sweep-heartbeat-{self.path.name}")

    def _beat(self):
        while not self._stop.wait(HEARTBEAT_INTERVAL):
            # A share that is briefly away costs a beat, not the trial.
            self.beats += 1
            with contextlib.suppress(OSError):
                self.path.write_text(f"{self.beats}\n")   # new content: no clock involved

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        # The trial is recorded (or the agent is going down): no one need watch it.
        self.path.unlink(missing_ok=True)


def _signature(path):
    """What a heartbeat file holds now (its content and modification stamp), or None."""
    try:
        return path.read_bytes(), path.stat().st_mtime_ns
    except OSError:
        return None


def _process_gone(agent_id):
    """Whether ``agent_id`` ("host:pid") is an agent process on this machine that has ended.

    None where this machine cannot tell: another host, or not POSIX (os.kill(pid, 0)
    would end the process on Windows).
    """
    agent_host, _, pid = agent_id.rpartition(":")
    if agent_host != socket.gethostname() or not pid.isdigit() or os.name != "posix":
        return None
    if int(pid) == os.getpid():
        # This process runs one trial at a time, so a running trial of its own while
        # it claims the next one was left behind by an earlier agent().
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    return False


class Watch:
    """One agent's view of the other agents' heartbeats, timed by its own clock."""

    def __init__(self):
        self.seen = {}   # trial number -> (signature, monotonic time first seen, changed)

    def look(self, sweep, study):
        """Reclaim every running trial whose agent is gone; return the numbers of those
        still undecided (seen once, not yet changed, not yet silent for the grace)."""
        undecided = set()
        for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            reason, alive = self._judge(sweep, t)
            if reason:
                sweep.record(study, t.number, "failed", interrupted=True, error=reason)
                sweep.heartbeat_path(t.number).unlink(missing_ok=True)
                self.seen.pop(t.number, None)
            elif alive is None:
                undecided.add(t.number)
        return undecided

    def _judge(self, sweep, trial):
        """``(reason to reclaim or None, alive: True / False / None for undecided)``."""
        agent_id = trial.user_attrs.get("agent", "")
        gone = _process_gone(agent_id)
        if gone:
            return "the agent running this trial ended without finishing it", False
        if gone is False:
            return None, True   # its process is alive here (even one from before heartbeats)
        signature, now = _signature(sweep.heartbeat_path(trial.number)), time.monotonic()
        previous = self.seen.get(trial.number)
        if previous is None or previous[0] != signature:
            self.seen[trial.number] = (signature, now, previous is not None)
            return None, True if previous is not None else None
        _, since, changed = previous
        if now - since > HEARTBEAT_GRACE:
            return (f"the agent running this trial ({agent_id or 'unknown'}) ended without "
                    f"finishing it: its heartbeat did not change for {now - since:.0f} s "
                    f"while another agent watched it (grace {HEARTBEAT_GRACE} s)"), False
        return None, True if changed else None
