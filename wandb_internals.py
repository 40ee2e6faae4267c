"""Every use of W&B internals in the series, in one place.

W&B's public API has no hook for what the local sweeps and the offline readers need,
so they lean on a few private pieces of the pinned ``wandb`` (see requirements.txt).
Each is wrapped here, and nowhere else imports them; ``tests/test_wandb_internals.py``
checks each against the installed version. When upgrading wandb, re-check:

- ``wandb.sdk.wandb_run.Run.log`` / ``Run.__exit__``: patched for one trial to watch
  the sweep metric as it is logged and to end a run hyperband stopped (`patch_run`);
- ``wandb.sdk.lib.config_util.save_config_file_from_dict``: the file W&B's agent
  hands a sweep run's values through (``WANDB_SWEEP_PARAM_PATH``; `write_sweep_params`);
- ``wandb.util.get_core_path`` and its ``leet inspect`` command: W&B's reader of
  ``.wandb`` transaction logs (`leet_inspect_command`);
- ``wandb.sdk.artifacts.artifact_file_cache.artifacts_cache_dir`` and
  ``wandb.sdk.lib.hashutil``: where W&B keeps artifact files and how it hashes them
  (`artifact_cache_dir`, `file_digest`, `b64_to_hex`);
- the private setting ``x_save_requirements``, read from ``WANDB_X_SAVE_REQUIREMENTS``
  (`SAVE_REQUIREMENTS_ENV`), which offline runs turn off.
"""

from __future__ import annotations

import contextlib
import sys

# W&B's per-file hash for each manifest digest algorithm, and the folder its artifact
# cache files them under (wandb.sdk.artifacts.artifact_file_cache).
FILE_DIGESTS = {"MANIFEST_MD5": ("md5_file_b64", "md5"),
                "MANIFEST_XXH128": ("xxh128_file_b64", "xxh128")}

# wandb.init stores the list of installed packages with every run (requirements.txt in
# its files). Building it reads the metadata of each installed package: about 0.3 s a
# run with this repository's requirements, a fifth of a sweep run's time in notebook 03.
# The switch is a private setting, which W&B reads from this environment variable.
SAVE_REQUIREMENTS_ENV = "WANDB_X_SAVE_REQUIREMENTS"


@contextlib.contextmanager
def patch_run(log, exit_):
    """Replace ``wandb.Run.log`` and ``Run.__exit__`` while the block runs.

    ``wandb.log`` is bound to ``run.log`` at init, so patching the class before the
    run starts covers both spellings.

    Parameters
    ----------
    log : callable
        ``log(original_log, run, data, *args, **kwargs)``.
    exit_ : callable
        ``exit_(original_exit, run, exc_type, exc, tb)``.
    """
    import functools

    from wandb.sdk.wandb_run import Run

    original_log, original_exit = Run.log, Run.__exit__

    @functools.wraps(original_log)
    def patched_log(run, data, *args, **kwargs):
        return log(original_log, run, data, *args, **kwargs)

    @functools.wraps(original_exit)
    def patched_exit(run, exc_type, exc, tb):
        return exit_(original_exit, run, exc_type, exc, tb)

    Run.log, Run.__exit__ = patched_log, patched_exit
    try:
        yield
    finally:
        Run.log, Run.__exit__ = original_log, original_exit


def write_sweep_params(path, config):
    """Write a sweep run's values where ``wandb.init()`` reads them, as W&B's agent does.

    Parameters
    ----------
    path : str or Path
        The file ``WANDB_SWEEP_PARAM_PATH`` will name.
    config : dict
        The run's (nested) hyperparameter values.
    """
    from wandb.sdk.lib import config_util

    # W&B's agent writes {key: {value: ...}}; wandb.init() reads it into run.config.
    config_util.save_config_file_from_dict(
        str(path), {key: {"value": value} for key, value in config.items()})


def leet_inspect_command():
    """The command that runs W&B's ``.wandb`` log reader (``wandb leet inspect``)."""
    try:
        from wandb.util import get_core_path
        # `wandb leet inspect` only starts this binary with these arguments, but the
        # CLI's own start-up costs ~0.9 s a call; the binary alone ~0.03 s.
        return [get_core_path(), "leet", "inspect", "--no-observability"]
    except Exception:
        return [sys.executable, "-m", "wandb", "leet", "inspect"]


def artifact_cache_dir():
    """The folder of W&B's local artifact cache."""
    from wandb.sdk.artifacts.artifact_file_cache import artifacts_cache_dir

    return artifacts_cache_dir()


def b64_to_hex(digest):
    """A W&B manifest digest (base64) as the hex id its artifact cache files it under."""
    from wandb.sdk.lib import hashutil

    return hashutil.b64_to_hex_id(digest)


def file_digest(path, algorithm):
    """A file's digest (base64) as W&B computes it for a manifest of this algorithm."""
    from wandb.sdk.lib import hashutil

    return getattr(hashutil, FILE_DIGESTS[algorithm][0])(path)
