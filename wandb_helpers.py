"""W&B helpers: choosing a mode that never blocks, and reading runs back.

`mnist_utils` re-exports this module. Notebooks call `setup_wandb()` once in their
setup cell; everything else (`wandb.init`, `wandb.log`, ...) stays in the notebooks.
Offline runs, and the artifacts they logged, are read back from their local
``.wandb`` logs with W&B's own reader, so an offline notebook can look at its
results the way an online one looks at the W&B app.
"""

from __future__ import annotations

import configparser
import json
import netrc
import os
import socket
import subprocess
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

import wandb_internals  # every private piece of W&B the series relies on

# ---------------------------------------------------------------------------
# Choosing the mode
# ---------------------------------------------------------------------------

# W&B's own spellings (wandb.Settings.mode) and the mode each one means.
_MODES = {"online": "online", "offline": "offline", "disabled": "disabled",
          "dryrun": "offline", "run": "online"}

# `wandb login` (0.31) stores the key in the netrc file under the host of the base
# URL. The default base URL is CoreWeave's proxy for api.wandb.ai, and W&B also
# accepts an entry for api.wandb.ai (which older versions wrote), so check both.
_DEFAULT_HOSTS = ("api.forge.coreweave.com", "api.wandb.ai")


# W&B's default server (wandb.sdk.lib.urls.DEFAULT_BASE_URL in 0.31).
_DEFAULT_BASE_URL = "https://" + _DEFAULT_HOSTS[0]
# Seconds to wait for the W&B server to accept a connection before calling it unreachable.
# Without this check an unreachable server costs wandb.init() ~100 s and ends in
# "the service process is busy", which says nothing about working offline.
PROBE_TIMEOUT = 5


class WandbUnreachableError(ConnectionError):
    """W&B is set to run online, but its server cannot be reached."""


def _netrc_has_key(path: Path, hosts) -> bool:
    try:
        entries = netrc.netrc(path)
    except (OSError, netrc.NetrcParseError):
        # A missing or unreadable file holds no key; W&B warns about a malformed one.
        return False
    for host in hosts:
        entry = entries.authenticators(host)  # (login, account, password) or None
        if entry and entry[2]:
            return True
    return False


def _read_settings(paths) -> dict:
    """The `[default]` section of W&B settings files; later files win, as in W&B."""
    settings = {}
    for path in paths:
        parser = configparser.ConfigParser()
        try:
            parser.read(path)
        except configparser.Error:
            continue
        if parser.has_section("default"):
            settings.update(parser["default"])
    return settings


def _settings(environ, settings_paths=None) -> dict:
    """W&B's settings files as W&B finds them: the global one, then ``wandb/settings``."""
    if settings_paths is None:
        home = Path(environ.get("HOME") or Path.home())
        config_dir = environ.get("WANDB_CONFIG_DIR") or home / ".config" / "wandb"
        root = environ.get("WANDB_DIR") or "."
        settings_paths = [Path(config_dir) / "settings", Path(root) / "wandb" / "settings"]
    return _read_settings(settings_paths)


def wandb_base_url(environ=None, settings_paths=None) -> str:
    """The W&B server that ``wandb.init()`` will talk to (``WANDB_BASE_URL``, settings, default)."""
    environ = os.environ if environ is None else environ
    return (environ.get("WANDB_BASE_URL") or _settings(environ, settings_paths).get("base_url")
            or _DEFAULT_BASE_URL).strip()


def _unreachable(base_url, timeout=PROBE_TIMEOUT):
    """Why the server at ``base_url`` cannot be reached, or None once it accepts a connection.

    Only opens a TCP connection (no request, no key sent). Name lookup can hang past a
    socket timeout, so the whole probe runs in a thread given ``timeout`` seconds.
    """
    parts = urlsplit(base_url)
    if not parts.hostname:
        return f"{base_url!r} is not a URL"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as e:
        return f"{base_url!r} has a bad port ({e})"
    outcome = []

    def probe():
        try:
            socket.create_connection((parts.hostname, port), timeout=timeout).close()
            outcome.append(None)
        except OSError as e:
            outcome.append(e.strerror or str(e) or type(e).__name__)

    thread = threading.Thread(target=probe, daemon=True, name="wandb-server-probe")
    thread.start()
    thread.join(timeout)
    if not outcome:
        return f"no answer within {timeout} s"
    return outcome[0]


def choose_wandb_mode(environ=None, netrc_path=None, colab_secret=None,
                      settings_paths=None):
    """Decide which W&B mode to use, without touching the network.

    Parameters
    ----------
    environ : mapping, optional
        Environment variables to read (default ``os.environ``). ``HOME``,
        ``NETRC`` and ``WANDB_CONFIG_DIR`` in it locate the default files below.
    netrc_path : path, optional
        The netrc file where ``wandb login`` stores the API key (default: as W&B
        finds it, ``$NETRC``, else ``~/.netrc``, else ``~/_netrc``).
    colab_secret : str, optional
        The value of a Colab secret named ``WANDB_API_KEY``, if there is one.
    settings_paths : list of paths, optional
        W&B settings files, where ``wandb offline`` / ``wandb disabled`` record a
        mode (default: the global one and ``wandb/settings`` under the run root).

    Returns
    -------
    mode : str
        ``"online"``, ``"offline"`` or ``"disabled"``.
    reason : str
        Why, in words fit to print (never the key, never an absolute path).

    Raises
    ------
    ValueError
        If ``WANDB_MODE`` (or a settings file's mode) is not one W&B accepts.
    """
    environ = os.environ if environ is None else environ
    home = Path(environ.get("HOME") or Path.home())
    settings = _settings(environ, settings_paths)

    # An explicit choice always wins: WANDB_MODE, then the mode that `wandb offline`
    # or `wandb disabled` saved in W&B's settings (W&B's own order of precedence).
    for name, value in [("WANDB_MODE", environ.get("WANDB_MODE")),
                        ("mode in W&B's settings", settings.get("mode"))]:
        value = (value or "").strip()
        if not value:
            continue  # `WANDB_MODE= python ...` means "unset"
        if value.lower() not in _MODES:
            raise ValueError(f"{name}={value!r} is not a W&B mode; use one of: {', '.join(_MODES)}")
        return _MODES[value.lower()], f"{name}={value}"

    # Otherwise go online only if wandb.init() will find a key without prompting.
    if environ.get("WANDB_API_KEY"):
        return "online", "WANDB_API_KEY is set"
    if settings.get("api_key"):
        return "online", "the W&B settings file holds an API key"
    if netrc_path is None:
        candidates = [Path(environ["NETRC"])] if environ.get("NETRC") else \
            [home / ".netrc", home / "_netrc"]
        netrc_path = next((p for p in candidates if p.exists()), candidates[0])
    base_url = environ.get("WANDB_BASE_URL") or settings.get("base_url")
    host = urlsplit(base_url).netloc if base_url else _DEFAULT_HOSTS[0]
    hosts = _DEFAULT_HOSTS if host in _DEFAULT_HOSTS else (host,)
    if _netrc_has_key(Path(netrc_path).expanduser(), hosts):
        return "online", "`wandb login` stored an API key"
    if colab_secret:
        return "online", "the Colab secret WANDB_API_KEY is set"
    return "offline", "no W&B API key is configured"


def _colab_secret():
    """The Colab secret WANDB_API_KEY, or None; tried only inside Colab."""
    if "google.colab" not in sys.modules:
        return None
    try:
        from google.colab import userdata
        return userdata.get("WANDB_API_KEY")
    except Exception:  # not defined, or the notebook has no access to it
        return None


def setup_wandb(project=None):
    """Choose and apply a W&B mode so that ``wandb.init()`` never asks to log in.

    Sets ``WANDB_MODE`` (and ``WANDB_API_KEY`` from a Colab secret), keeps the
    run folders and every path W&B prints relative to the working directory,
    and prints one line saying which mode is in use, why, and how to change it.
    Offline, runs do not store the list of installed packages (``requirements.txt``),
    which costs about 0.3 s a run; set ``WANDB_X_SAVE_REQUIREMENTS=true`` to keep it.

    Parameters
    ----------
    project : str, optional
        Default project for ``wandb.init()`` calls that name none (``WANDB_PROJECT``).

    Returns
    -------
    str
        The mode: ``"online"``, ``"offline"`` or ``"disabled"``.

    Raises
    ------
    WandbUnreachableError
        Online, if the W&B server does not accept a connection within
        ``PROBE_TIMEOUT`` seconds; the message says how to work offline.
    """
    secret = None if os.environ.get("WANDB_API_KEY") else _colab_secret()
    mode, reason = choose_wandb_mode(colab_secret=secret)
    if mode == "online":
        base_url = wandb_base_url()
        problem = _unreachable(base_url)
        if problem:
            host = urlsplit(base_url).netloc.rpartition("@")[2] or base_url
            raise WandbUnreachableError(
                f"W&B would run online ({reason}), but its server {host} cannot be reached "
                f"({problem}). To work offline, set WANDB_MODE=offline (in a notebook: "
                f"os.environ['WANDB_MODE'] = 'offline' before setup_wandb(); in a shell: "
                f"export WANDB_MODE=offline); `wandb sync` uploads the runs later.")
    if secret and reason.startswith("the Colab secret"):
        os.environ["WANDB_API_KEY"] = secret  # otherwise wandb.init() would prompt
    os.environ["WANDB_MODE"] = mode
    if mode == "offline":
        # Offline runs skip W&B's list of installed packages (0.3 s a run; see
        # wandb_internals.SAVE_REQUIREMENTS_ENV); online runs keep it in their Files tab.
        os.environ.setdefault(wandb_internals.SAVE_REQUIREMENTS_ENV, "false")
    # With no WANDB_DIR, W&B prints absolute run paths (user and host names
    # included) into notebook outputs; a relative root makes it print wandb/...
    os.environ.setdefault("WANDB_DIR", ".")
    if project:
        os.environ["WANDB_PROJECT"] = project

    advice = {
        "online": "Set WANDB_MODE=offline to keep runs on this machine.",
        "offline": "Runs are saved in wandb/; to put them online,"
                   " `wandb login`, then `wandb sync wandb/offline-run-*`.",
        "disabled": "wandb calls do nothing; set WANDB_MODE=offline to log runs.",
    }
    print(f"W&B mode: {mode} ({reason}). {advice[mode]}")
    return mode


# ---------------------------------------------------------------------------
# Reading runs back: offline from their logs, online from W&B's API
# ---------------------------------------------------------------------------

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


def _read_log(path, wait):
    """A run's folder, its ``.wandb`` file, every record (JSON lines) and W&B's summary."""
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
    path, wandb_file, records, summary = _read_log(path, wait)
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


# ---------------------------------------------------------------------------
# Reading artifacts back from offline runs
# ---------------------------------------------------------------------------

@dataclass
class OfflineArtifact:
    """An artifact as an offline run logged it, its files checked against their digests."""

    name: str
    type: str
    digest: str  # W&B's digest of the whole manifest (hex)
    aliases: list
    metadata: dict
    # Artifact path ("model.npz") -> the local copy, to load from. The copies are
    # absolute paths outside the project: kept out of repr, so out of notebook outputs.
    files: dict = field(repr=False)


def _artifact_file(record: dict, entry: dict) -> Path:
    """The local copy of one manifest entry, after checking it against its digest."""

    where = (f"artifact {record['name']!r} of run {record.get('run_id', '?')},"
             f" file {entry['path']!r}")
    if entry.get("ref"):
        raise ValueError(f"{where}: a reference, of which W&B keeps no local copy")
    algorithm = record.get("digest_algorithm") or "MANIFEST_MD5"
    if algorithm not in wandb_internals.FILE_DIGESTS:
        raise ValueError(f"{where}: unknown digest algorithm {algorithm}")
    cache_folder = wandb_internals.FILE_DIGESTS[algorithm][1]
    # Offline, W&B leaves its staging copy (the file as it was when logged) in
    # place; uploading it (`wandb sync`) moves it into W&B's artifact cache.
    hex_digest = wandb_internals.b64_to_hex(entry["digest"])
    candidates = [Path(entry["local_path"])] if entry.get("local_path") else []
    cache = wandb_internals.artifact_cache_dir() / "obj" / cache_folder
    candidates.append(cache / hex_digest[:2] / hex_digest[2:])
    copies = [path for path in candidates if path.is_file()]
    for path in copies:
        if wandb_internals.file_digest(path, algorithm) == entry["digest"]:
            return path
    if copies:
        raise ValueError(f"{where}: the local copy no longer matches the digest W&B logged;"
                         " it was changed after the run logged it")
    raise FileNotFoundError(f"{where}: W&B's local copy is gone (neither its staging copy"
                            " nor its artifact cache has it); log the artifact again")


def read_offline_artifact(run, name, wait=2.0) -> OfflineArtifact:
    """Read back an artifact that an offline run logged, with ``run.log_artifact``.

    Offline, ``Artifact.download`` cannot fetch it, but the run's log records the
    artifact (metadata, aliases, files with their digests) and W&B keeps a copy
    of each file; this checks each copy against its digest.

    Parameters
    ----------
    run : OfflineRun, or str or Path
        The run, or its folder (or ``.wandb`` file) as for `read_offline_run`.
    name : str
        The artifact's name, as given to ``wandb.Artifact(name, ...)``. If the run
        logged several versions of it, the last one is read.
    wait : float
        As for `read_offline_run`, for a run that finished a moment ago.

    Returns
    -------
    OfflineArtifact
        ``files["model.npz"]`` is a path to load that file from.

    Raises
    ------
    KeyError
        If the run logged no artifact of that name (the message lists those it did).
    FileNotFoundError
        If the local copy of a file is gone.
    ValueError
        If a file was changed after it was logged.
    """
    if isinstance(run, OfflineRun):
        if run.path is None:
            raise ValueError(f"run {run.id} was read from W&B's server:"
                             " use wandb.Api().artifact(...)")
        run = run.path
    _, _, records, _ = _read_log(run, wait)
    logged = {}  # name -> the last artifact record of that name
    for line in records.splitlines():
        if '"type":"artifact"' in line[:40]:
            record = json.loads(line)["artifact"]
            logged[record["name"]] = record
    if name not in logged:
        names = ", ".join(repr(n) for n in logged) or "none"
        raise KeyError(f"run {Path(run).name} logged no artifact {name!r}; it logged: {names}")
    record = logged[name]
    return OfflineArtifact(
        name=record["name"],
        type=record["type"],
        digest=record["digest"],
        aliases=list(record.get("aliases", [])),
        metadata=json.loads(record.get("metadata") or "{}"),
        files={entry["path"]: _artifact_file(record, entry)
               for entry in record["manifest"]["contents"]},
    )
