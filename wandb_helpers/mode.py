"""Choosing a W&B mode that never blocks on a login prompt, and applying it.

``setup_wandb()`` is what a notebook's setup cell calls: online when a key is configured
(and its server answers), offline otherwise, and an explicit ``WANDB_MODE`` always wins.
``choose_wandb_mode`` is the decision alone, without touching the network.
"""

from __future__ import annotations

import configparser
import netrc
import os
import socket
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import wandb_internals  # every private piece of W&B the series relies on

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
