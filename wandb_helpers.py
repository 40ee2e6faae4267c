"""W&B helpers: choosing a mode that never blocks, and reading offline runs back.

`mnist_utils` re-exports this module. Notebooks call `setup_wandb()` once in their
setup cell; everything else (`wandb.init`, `wandb.log`, ...) stays in the notebooks.
"""

from __future__ import annotations

import configparser
import json
import netrc
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

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
    if settings_paths is None:
        config_dir = environ.get("WANDB_CONFIG_DIR") or home / ".config" / "wandb"
        root = environ.get("WANDB_DIR") or "."
        settings_paths = [Path(config_dir) / "settings", Path(root) / "wandb" / "settings"]
    settings = _read_settings(settings_paths)

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

    Parameters
    ----------
    project : str, optional
        Default project for ``wandb.init()`` calls that name none (``WANDB_PROJECT``).

    Returns
    -------
    str
        The mode: ``"online"``, ``"offline"`` or ``"disabled"``.
    """
    secret = None if os.environ.get("WANDB_API_KEY") else _colab_secret()
    mode, reason = choose_wandb_mode(colab_secret=secret)
    if secret and reason.startswith("the Colab secret"):
        os.environ["WANDB_API_KEY"] = secret  # otherwise wandb.init() would prompt
    os.environ["WANDB_MODE"] = mode
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
# Reading offline runs back
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
    path: Path  # the run folder, relative if it was given relative

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
    try:
        from wandb.util import get_core_path
        # `wandb leet inspect` only starts this binary with these arguments, but
        # the CLI's own start-up costs ~0.9 s a call; the binary alone ~0.03 s.
        command = [get_core_path(), "leet", "inspect", "--no-observability"]
    except Exception:
        command = [sys.executable, "-m", "wandb", "leet", "inspect"]
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
    # finished a moment ago may not show its exit record yet: read again until
    # it does, for up to `wait` seconds after anything in its folder was written.
    while True:
        records, summary = _leet_inspect(wandb_file)
        summary = json.loads(summary)
        if summary.get("exit_code") is not None or time.time() > _last_write(path) + wait:
            break
        time.sleep(0.05)
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
        Sorted by start time (runs that recorded none come last).
    """
    wandb_dir = Path(wandb_dir)
    if not wandb_dir.is_dir():
        raise FileNotFoundError(f"no W&B folder at {wandb_dir}: has a run been logged here?")
    folders = sorted(wandb_dir.glob("offline-run-*"))
    # Each read waits on a subprocess, so reading several at once saves time.
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(read_offline_run, folders))
    runs = [r for r in runs if (project is None or r.project == project)
            and (group is None or r.group == group)]
    last = pd.Timestamp.max.tz_localize("UTC")  # for runs killed before writing anything
    return sorted(runs, key=lambda r: last if r.start_time is None else r.start_time)
