"""Tests for wandb_helpers.mode: choosing the W&B mode and applying it, never at a prompt.

Everything runs offline in tmp_path with HOME pointed there too (the ``clean_env``
fixture of conftest.py), so the real ~/.netrc and W&B settings are never read or written.
"""

import os
import socket
import subprocess
import sys
import types
from pathlib import Path

import pytest

import wandb_helpers
import wandb_internals
from wandb_helpers import (
    WandbUnreachableError,
    choose_wandb_mode,
    setup_wandb,
)

ROOT = str(Path(__file__).resolve().parents[1])  # for the scripts run in subprocesses
FAKE_KEY = "x" * 40  # W&B keys are 40 characters; this one is never sent anywhere



def write_netrc(path, host):
    path.write_text(f"machine {host}\n  login user\n  password {FAKE_KEY}\n")
    path.chmod(0o600)
    return path


# --- choosing the mode ------------------------------------------------------

def test_no_key_means_offline(clean_env, no_network):
    mode, reason = choose_wandb_mode(environ={"HOME": str(clean_env / "home")})
    assert mode == "offline"
    assert "key" in reason


@pytest.mark.parametrize("value, expected", [
    ("online", "online"), ("offline", "offline"), ("disabled", "disabled"),
    ("dryrun", "offline"), ("run", "online"), (" Offline ", "offline"),
])
def test_explicit_wandb_mode_wins(clean_env, no_network, value, expected):
    # A configured key would otherwise mean online: the explicit choice must win.
    environ = {"HOME": str(clean_env / "home"), "WANDB_MODE": value, "WANDB_API_KEY": FAKE_KEY}
    assert choose_wandb_mode(environ=environ)[0] == expected


def test_bad_wandb_mode_is_an_error(clean_env):
    with pytest.raises(ValueError, match=r"WANDB_MODE.*'onlin'.*online.*offline.*disabled"):
        choose_wandb_mode(environ={"HOME": str(clean_env), "WANDB_MODE": "onlin"})


def test_api_key_in_environment_means_online(clean_env, no_network):
    environ = {"HOME": str(clean_env / "home"), "WANDB_API_KEY": FAKE_KEY}
    assert choose_wandb_mode(environ=environ)[0] == "online"


@pytest.mark.parametrize("host", ["api.wandb.ai", "api.forge.coreweave.com"])
def test_key_from_wandb_login_means_online(clean_env, no_network, host):
    netrc_file = write_netrc(clean_env / "netrc", host)
    environ = {"HOME": str(clean_env / "home")}
    assert choose_wandb_mode(environ=environ, netrc_path=netrc_file)[0] == "online"
    # Found where W&B looks when not told: $NETRC, then ~/.netrc.
    assert choose_wandb_mode(environ={**environ, "NETRC": str(netrc_file)})[0] == "online"
    write_netrc(clean_env / "home" / ".netrc", host)
    assert choose_wandb_mode(environ=environ)[0] == "online"


def test_netrc_entry_for_another_host_is_not_a_key(clean_env, no_network):
    netrc_file = write_netrc(clean_env / "netrc", "example.com")
    environ = {"HOME": str(clean_env / "home")}
    assert choose_wandb_mode(environ=environ, netrc_path=netrc_file)[0] == "offline"
    # ... unless W&B is pointed at that host.
    environ["WANDB_BASE_URL"] = "https://example.com"
    assert choose_wandb_mode(environ=environ, netrc_path=netrc_file)[0] == "online"


def test_colab_secret_means_online(clean_env, no_network):
    environ = {"HOME": str(clean_env / "home")}
    assert choose_wandb_mode(environ=environ, colab_secret=FAKE_KEY)[0] == "online"


def test_mode_saved_by_wandb_offline_is_respected(clean_env, no_network):
    settings = clean_env / "home" / ".config" / "wandb" / "settings"
    settings.parent.mkdir(parents=True)
    settings.write_text("[default]\nmode = offline\n")
    environ = {"HOME": str(clean_env / "home"), "WANDB_API_KEY": FAKE_KEY}
    assert choose_wandb_mode(environ=environ)[0] == "offline"
    assert choose_wandb_mode(environ={**environ, "WANDB_MODE": "online"})[0] == "online"
    settings.write_text("[default]\nmode = sometimes\n")
    with pytest.raises(ValueError, match="sometimes"):
        choose_wandb_mode(environ=environ)


# --- setup_wandb --------------------------------------------------------------

def test_setup_wandb_prints_one_line_and_sets_the_mode(clean_env, capsys):
    assert setup_wandb(project="demo") == "offline"
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "offline" in out and "wandb login" in out and "wandb sync" in out
    assert str(clean_env) not in out
    assert os.environ["WANDB_MODE"] == "offline"
    assert os.environ["WANDB_PROJECT"] == "demo"
    assert not Path(os.environ["WANDB_DIR"]).is_absolute()
    # offline runs skip W&B's list of installed packages, unless the reader asked for it
    assert os.environ[wandb_internals.SAVE_REQUIREMENTS_ENV] == "false"


def test_setup_wandb_keeps_a_requirements_choice_and_online_runs_keep_the_list(clean_env, monkeypatch):
    monkeypatch.setenv(wandb_internals.SAVE_REQUIREMENTS_ENV, "true")
    assert setup_wandb() == "offline"
    assert os.environ[wandb_internals.SAVE_REQUIREMENTS_ENV] == "true"
    monkeypatch.delenv(wandb_internals.SAVE_REQUIREMENTS_ENV)
    monkeypatch.delenv("WANDB_MODE")  # set by the call above
    monkeypatch.setenv("WANDB_API_KEY", FAKE_KEY)
    monkeypatch.setattr(wandb_helpers.mode, "_unreachable", lambda base_url: None)  # no network here
    assert setup_wandb() == "online"
    assert wandb_internals.SAVE_REQUIREMENTS_ENV not in os.environ


def test_setup_wandb_uses_a_colab_secret(clean_env, monkeypatch, capsys):
    userdata = types.SimpleNamespace(get=lambda name: FAKE_KEY if name == "WANDB_API_KEY" else None)
    colab = types.ModuleType("google.colab")
    colab.userdata = userdata
    google = types.ModuleType("google")
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setattr(wandb_helpers.mode, "_unreachable", lambda base_url: None)  # no network here
    assert setup_wandb() == "online"
    assert os.environ["WANDB_API_KEY"] == FAKE_KEY  # so that wandb.init() need not prompt
    assert FAKE_KEY not in capsys.readouterr().out


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def test_an_unreachable_server_fails_at_once_and_says_how_to_work_offline(clean_env, monkeypatch,
                                                                          capsys):
    # A key, but the server does not answer: wandb.init() alone would wait ~100 s and
    # end with "the service process is busy".
    monkeypatch.setenv("WANDB_API_KEY", FAKE_KEY)
    monkeypatch.setenv("WANDB_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(WandbUnreachableError, match="WANDB_MODE=offline") as error:
        setup_wandb()
    assert "127.0.0.1" in str(error.value) and "cannot be reached" in str(error.value)
    assert FAKE_KEY not in str(error.value)
    assert os.environ.get("WANDB_MODE") != "online"  # nothing was switched on
    # an explicit WANDB_MODE=online is checked the same way
    monkeypatch.delenv("WANDB_API_KEY")
    monkeypatch.setenv("WANDB_MODE", "online")
    with pytest.raises(WandbUnreachableError, match="WANDB_MODE=offline"):
        setup_wandb()


def test_a_server_that_answers_and_the_configured_url_are_used(clean_env, monkeypatch):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        monkeypatch.setenv("WANDB_API_KEY", FAKE_KEY)
        monkeypatch.setenv("WANDB_BASE_URL", url)
        assert setup_wandb() == "online"
    monkeypatch.delenv("WANDB_BASE_URL")
    settings = clean_env / "home" / ".config" / "wandb" / "settings"
    settings.parent.mkdir(parents=True)
    settings.write_text("[default]\nbase_url = https://wandb.example.org\n")
    assert wandb_helpers.wandb_base_url() == "https://wandb.example.org"
    settings.unlink()
    from wandb.sdk.lib.urls import DEFAULT_BASE_URL
    assert wandb_helpers.wandb_base_url() == DEFAULT_BASE_URL


SCRIPT = """
import sys
sys.path.insert(0, {root!r})
import wandb, wandb_helpers
wandb_helpers.setup_wandb(project="no-prompt")
with wandb.init() as run:
    wandb.log({{"a": 1}})
print("finished")
"""


def test_setup_wandb_never_prompts_without_a_terminal(clean_env):
    # Without setup_wandb this script raises UsageError here (no terminal), and
    # waits for a key forever in a terminal.
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    script = SCRIPT.format(root=ROOT)
    done = subprocess.run([sys.executable, "-c", script], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300, env=env,
                          start_new_session=True)
    assert done.returncode == 0, done.stderr
    assert "finished" in done.stdout
    assert str(clean_env) not in done.stdout + done.stderr
    assert len(list((clean_env / "wandb").glob("offline-run-*"))) == 1


