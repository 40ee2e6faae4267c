"""Reading W&B runs back: offline from their ``.wandb`` logs, online from W&B's API.

An offline run is read with W&B's own reader of its transaction log (``wandb leet
inspect``), so an offline notebook can look at its results (config, history, summary,
state) the way an online one looks at the W&B app; ``logged_runs`` reads the same
fields from W&B's public API when online.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import wandb_internals  # every private piece of W&B the series relies on


@dataclass
class OfflineRun:
    """One run read back from its local ``.wandb`` log."""

    id: str
    name: str
    project: str
    group: str
    job_type: str
    tags: list
    config: dict
    history: pd.DataFrame
    summary: dict
    state: str  # W&B's word: "finished", "failed", or "running"/"unknown" (no exit record)
    exit_code: int | None  # None until the run writes its exit record
    start_time: pd.Timestamp | None
    path: Path | None  # the run folder, relative if given relative; None if read from the server

    @property
    def failed(self) -> bool:
        """Crashed, killed, or never finished: anything but a clean exit."""
        return self.state != "finished" or self.exit_code != 0


# JSON has no NaN or infinity, so W&B's reader spells them as strings.
_NON_FINITE = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


_MAGIC = b":W&B"  # the first bytes of every .wandb transaction log


def _user_value(value):
    return _NON_FINITE.get(value, value) if isinstance(value, str) else value


def _leet_inspect(wandb_file: Path, timeout=60):
    """Run W&B's transaction-log reader (`wandb leet inspect --json`) on one file.

    Returns its two views, read side by side: every record (one JSON object a
    line), and W&B's own summary of the run (state, config, final values).
    """

    command = wandb_internals.leet_inspect_command()
    target = ["--json", "--run-file", str(wandb_file), str(wandb_file.parent.parent)]
    readers = [subprocess.Popen(command + flags + target, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for flags in ([], ["--summary"])]
    try:
        outputs = []
        for reader in readers:
            try:
                out, err = reader.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                raise RuntimeError(f"W&B's reader took over {timeout} s on {wandb_file}") from None
            if reader.returncode != 0:
                raise RuntimeError(f"W&B could not read {wandb_file}: {err.strip()}")
            outputs.append(out)
        return outputs
    finally:
        for reader in readers:  # after an error, stop the other reader too
            if reader.poll() is None:
                reader.kill()
                reader.wait()


def _history_row(item: dict) -> dict:
    """A history record as one row: user keys and `_step`, media regrouped."""
    row = {}
    for key, value in item.items():
        if key.startswith("_") and key != "_step":
            continue  # _runtime, _timestamp: W&B's bookkeeping
        row[key] = _user_value(value)
    # W&B flattens logged dicts into "img._type", "img.path", ...; an image or a
    # table is one value, as it is in the summary, so fold those back together.
    for media in [k[: -len("._type")] for k in row if k.endswith("._type")]:
        prefix = media + "."
        row[media] = {k[len(prefix):]: row.pop(k) for k in list(row) if k.startswith(prefix)}
    return row


def _last_write(run_folder: Path) -> float:
    """When W&B last wrote to a run folder (its log, or its debug logs at finish)."""
    files = [*run_folder.glob("run-*.wandb"), *run_folder.glob("logs/*")]
    return max((f.stat().st_mtime for f in files), default=0.0)


def read_run_log(path, wait):
    """Every record of a run's ``.wandb`` log, once W&B has finished writing it.

    Parameters
    ----------
    path : str or Path
        A run folder, or the ``run-<id>.wandb`` file in it.
    wait : float
        Seconds to wait for the exit record, counted from the last write to the folder.

    Returns
    -------
    (folder, wandb_file, records, summary)
        The run folder and its log file (Paths), every record as JSON lines (str), and
        W&B's own summary of the run (dict).
    """
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob("run-*.wandb"))
        if len(found) != 1:
            raise FileNotFoundError(f"{path} holds no single run-*.wandb file: not a W&B run folder")
        wandb_file = found[0]
    elif path.suffix == ".wandb" and path.is_file():
        wandb_file, path = path, path.parent
    else:
        raise FileNotFoundError(f"no W&B run folder or .wandb file at {path}")
    # W&B's reader takes any other bytes for a log cut short, so check its magic.
    with open(wandb_file, "rb") as f:
        if f.read(len(_MAGIC)) != _MAGIC:
            raise RuntimeError(f"{wandb_file} is not a W&B run log")

    # W&B's finish() returns before its service has flushed the log, so a run
    # finished a moment ago may not show its exit record yet, or may still grow
    # while the reader makes its two passes: read again until the exit record is
    # there and the file kept its size, for up to `wait` seconds after anything
    # in its folder was written.
    while True:
        size = wandb_file.stat().st_size
        records, summary = _leet_inspect(wandb_file)
        summary = json.loads(summary)
        complete = summary.get("exit_code") is not None and wandb_file.stat().st_size == size
        if complete or time.time() > _last_write(path) + wait:
            return path, wandb_file, records, summary
        time.sleep(0.05)


def read_offline_run(path, wait=2.0) -> OfflineRun:
    """Read a local W&B run (config, history, summary, state) from its ``.wandb`` log.

    Parameters
    ----------
    path : str or Path
        A run folder such as ``wandb/offline-run-20260101_120000-abc123``, or the
        ``run-<id>.wandb`` file in it.
    wait : float
        Seconds to wait for a run that has no exit record yet, counted from the
        last write to its folder. A run killed long ago is read at once; one
        killed (or still running) a moment ago costs up to this long.

    Returns
    -------
    OfflineRun
        ``history`` has one row per logged step (user keys plus ``_step``);
        ``config`` and ``summary`` hold user keys only.

    Raises
    ------
    FileNotFoundError
        If there is no such run folder or ``.wandb`` file.
    RuntimeError
        If W&B's reader fails, e.g. on a file that is not a W&B run log.
    """
    path, wandb_file, records, summary = read_run_log(path, wait)
    run_record, history = {}, []
    for line in records.splitlines():
        # Each wandb.log writes two summary records per history record: skip
        # them unparsed (the records start {"num":N,"type":...}).
        kind = line[:40]
        if '"type":"history"' in kind:
            history.append(_history_row(json.loads(line)["history"]["item"]))
        elif '"type":"run"' in kind:
            run_record = json.loads(line)["run"]

    start_time = summary.get("start_time") or run_record.get("start_time")
    return OfflineRun(
        # A killed run may have written nothing yet: its id is still in the file name.
        id=summary.get("run_id") or wandb_file.stem.removeprefix("run-"),
        name=summary.get("name") or run_record.get("display_name", ""),
        project=summary.get("project") or run_record.get("project", ""),
        group=run_record.get("run_group", ""),
        job_type=run_record.get("job_type", ""),
        tags=list(summary.get("tags") or run_record.get("tags") or []),
        config={k: v for k, v in summary.get("config", {}).items() if k != "_wandb"},
        history=pd.DataFrame(history) if history else pd.DataFrame(columns=["_step"]),
        summary={k: _user_value(v) for k, v in summary.get("summary", {}).items()
                 if not k.startswith("_")},
        state=summary.get("state", "unknown"),
        exit_code=summary.get("exit_code"),
        start_time=pd.Timestamp(start_time) if start_time else None,
        path=path,
    )


def list_offline_runs(wandb_dir="wandb", project=None, group=None) -> list[OfflineRun]:
    """Read every offline run in a W&B folder: your dashboard, offline.

    Parameters
    ----------
    wandb_dir : str or Path
        The folder W&B writes runs to (``wandb`` under the working directory).
    project, group : str, optional
        Keep only the runs of this project / group.

    Returns
    -------
    list of OfflineRun
        Sorted by start time (runs that recorded none come last). A folder whose
        ``.wandb`` file is missing or unreadable is skipped with a warning naming it.
    """
    wandb_dir = Path(wandb_dir)
    if not wandb_dir.is_dir():
        raise FileNotFoundError(f"no W&B folder at {wandb_dir}: has a run been logged here?")
    folders = sorted(wandb_dir.glob("offline-run-*"))

    def read(folder):
        try:
            return read_offline_run(folder), None
        except (OSError, RuntimeError, ValueError) as e:  # ValueError: W&B's JSON cut short
            return None, f"{e}"

    # Each read waits on a subprocess, so reading several at once saves time.
    with ThreadPoolExecutor(max_workers=4) as pool:
        read_back = list(pool.map(read, folders))
    for folder, (_, problem) in zip(folders, read_back, strict=True):
        if problem:
            # One broken folder (a run killed as it started, a copy cut short) must
            # not hide every other run.
            warnings.warn(f"skipped {folder}: {problem}", stacklevel=2)
    runs = [r for r, _ in read_back if r is not None]
    runs = [r for r in runs if (project is None or r.project == project)
            and (group is None or r.group == group)]
    last = pd.Timestamp.max.tz_localize("UTC")  # for runs killed before writing anything
    return sorted(runs, key=lambda r: last if r.start_time is None else r.start_time)


def _from_api_run(api_run) -> OfflineRun:
    """A run from W&B's public API (``wandb.Api().run(...)``), in OfflineRun's fields."""
    # scan_history, not history(): history() samples 500 rows, and an offline
    # run reads back every row, so the two would disagree on long runs.
    history = [_history_row(row) for row in api_run.scan_history()]
    created = pd.Timestamp(api_run.created_at) if api_run.created_at else None
    if created is not None and created.tz is None:
        created = created.tz_localize("UTC")  # the server's times are UTC
    return OfflineRun(
        id=api_run.id,
        name=api_run.name or "",
        project=api_run.project,
        group=api_run.group or "",
        job_type=api_run.job_type or "",
        tags=list(api_run.tags or []),
        config={k: v for k, v in api_run.config.items() if k != "_wandb"},
        history=pd.DataFrame(history) if history else pd.DataFrame(columns=["_step"]),
        summary={k: _user_value(v) for k, v in api_run.summary_metrics.items()
                 if not k.startswith("_")},
        state=api_run.state,
        # The public API has no exit code; W&B calls a run finished only on exit code 0.
        exit_code=0 if api_run.state == "finished" else None,
        start_time=created,
        path=None,
    )


def logged_runs(run_ids, project=None, wandb_dir="wandb") -> dict[str, OfflineRun]:
    """Read back the runs with these ids: from W&B when online, else from ``wandb/``.

    Parameters
    ----------
    run_ids : str or iterable of str
        Run ids, such as ``run.id`` inside a ``with wandb.init() as run:`` block.
    project : str, optional
        The runs' project. Online it is needed to find them (default
        ``WANDB_PROJECT``, which ``setup_wandb`` sets); offline, if given, a run
        of another project counts as missing.
    wandb_dir : str or Path
        Where offline runs are (``wandb`` under the working directory).

    Returns
    -------
    dict
        Run id -> OfflineRun, in the order given. Online, ``path`` is None and
        ``exit_code`` is 0 for a finished run, None otherwise.

    Raises
    ------
    KeyError
        Naming the ids for which no run was found.
    """
    run_ids = [run_ids] if isinstance(run_ids, str) else list(dict.fromkeys(run_ids))
    if os.environ.get("WANDB_MODE") == "online":
        import wandb
        from wandb.apis.public.runs import RunNotFoundError

        project = project or os.environ.get("WANDB_PROJECT")
        if not project:
            raise ValueError("name the runs' project: logged_runs(ids, project=...)")
        api = wandb.Api()
        entity = os.environ.get("WANDB_ENTITY") or api.default_entity
        runs, missing = {}, []
        for run_id in run_ids:
            try:
                runs[run_id] = _from_api_run(api.run(f"{entity}/{project}/{run_id}"))
            except RunNotFoundError:
                missing.append(run_id)
        if missing:
            raise KeyError(f"no run {', '.join(missing)} in W&B project {entity}/{project}")
        return runs

    wandb_dir = Path(wandb_dir)
    if not wandb_dir.is_dir():
        raise FileNotFoundError(f"no W&B folder at {wandb_dir}: has a run been logged here?")
    # A resumed run has one folder per session, named by start time: read the last.
    folders = {i: sorted(wandb_dir.glob(f"offline-run-*-{i}")) for i in run_ids}
    missing = [i for i, found in folders.items() if not found]
    if missing:
        raise KeyError(f"no offline run {', '.join(missing)} in {wandb_dir}")
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = dict(zip(run_ids, pool.map(read_offline_run, [f[-1] for f in folders.values()]),
                        strict=True))
    other = [i for i, run in runs.items() if project is not None and run.project != project]
    if other:
        raise KeyError(f"no offline run {', '.join(other)} in project {project!r} "
                       f"(found in {', '.join(repr(runs[i].project) for i in other)})")
    return runs
