"""A CPU-bound train function for bench_sweeps.py's two-agent sweep.

Shaped like the reader's train(): ``wandb.init()``, read ``wandb.config``, ``run.log``
per epoch, with matrix products sized by ``wandb.config.size`` as the work.
``python -m local_sweeps agent ... --function cpu_train:train_cpu`` imports it when
``bench/`` is on PYTHONPATH.
"""

import os

import numpy as np
import wandb


def train_cpu(config=None):
    """CPU-bound work (matrix products) sized by ``wandb.config.size``; logs ``score``."""
    with wandb.init(config=config) as run:
        rng = np.random.default_rng(int(wandb.config.get("seed", 0)))
        a = rng.standard_normal((wandb.config.size, wandb.config.size))
        for epoch in range(int(wandb.config.get("epochs", 2))):
            for _ in range(int(os.environ.get("TRAIN_CPU_REPEATS", "20"))):
                a = np.tanh(a @ a / wandb.config.size)
            run.log({"epoch": epoch, "score": float(np.abs(a).mean())})
