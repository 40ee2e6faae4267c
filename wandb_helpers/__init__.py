"""W&B helpers: choosing a mode that never blocks, and reading runs and artifacts back.

One package, three jobs, each in its module:

- ``mode``: ``setup_wandb()`` (a notebook's setup cell calls it once) and the decision
  behind it, ``choose_wandb_mode``;
- ``runs``: runs read back, offline from their ``.wandb`` logs with W&B's own reader,
  online from W&B's API (``logged_runs``);
- ``artifacts``: the artifacts an offline run logged, their files checked.

Everything else (``wandb.init``, ``wandb.log``, ...) stays in the notebooks. The names
below are the package's face; ``mnist_utils`` re-exports those the notebooks call, and
the sweep engine reads its trials' runs with ``read_offline_run``.
"""

from wandb_helpers.artifacts import OfflineArtifact, read_offline_artifact
from wandb_helpers.mode import (
    PROBE_TIMEOUT,
    WandbUnreachableError,
    choose_wandb_mode,
    setup_wandb,
    wandb_base_url,
)
from wandb_helpers.runs import OfflineRun, list_offline_runs, logged_runs, read_offline_run

__all__ = ["setup_wandb", "choose_wandb_mode", "wandb_base_url", "WandbUnreachableError",
           "PROBE_TIMEOUT", "OfflineRun", "read_offline_run", "list_offline_runs", "logged_runs",
           "OfflineArtifact", "read_offline_artifact"]
