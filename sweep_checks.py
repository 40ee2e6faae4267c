"""Did every sweep run train with the values the sweep chose? What training used, and the check.

``wandb.init`` fills ``wandb.config`` with the sweep's values whatever ``train()`` then
reads, so a run's config says what the sweep *chose*, not what the run *trained* with. A
``TrainingWatch`` looks at the objects themselves while ``fit`` runs (the network's weight
shapes, the optimizer's class and learning rate at every step, the size of each batch)
and ``used()`` turns that into the sweep's vocabulary. ``config_mismatches`` then compares
those values with the sweep's choices, run by run: a ``train()`` that hardcodes a value,
or reads it from anywhere but ``wandb.config``, fails it.
"""

from __future__ import annotations

import math

import pandas as pd

from multi_layer_net import NETWORKS, hidden_sizes
from optimizer import OPTIMIZERS
from trainer import cosine_lr

__all__ = ["TrainingWatch", "config_mismatches", "USED_KEYS"]

# What ``used()`` reports, in the sweep's vocabulary (the config keys of random.yaml).
USED_KEYS = ("network", "hidden_size1", "hidden_size2", "optimizer", "lr", "batch_size", "epochs",
             "lr_schedule")
_DEPTHS = {depth: name for name, depth in NETWORKS.items()}  # hidden layers -> "Net1"/"Net2"


def _schedule(lrs):
    """``"constant"``, ``"cosine"`` or ``"other"``: which schedule the per-step learning rates follow.

    A cosine over T steps has ``lr[1] / lr[0] = (1 + cos(pi / T)) / 2``, so two steps give
    T; every logged step must then sit on that curve. A run that diverged early is read
    the same way: its steps still lie on the cosine it was following.
    """
    if len(lrs) < 2 or all(lr == lrs[0] for lr in lrs):
        return "constant" if lrs else "unknown"
    ratio = 2 * lrs[1] / lrs[0] - 1
    if not -1 < ratio < 1:
        return "other"
    total = round(math.pi / math.acos(ratio))
    on_curve = all(math.isclose(lr, cosine_lr(lrs[0], i, total), rel_tol=1e-6, abs_tol=1e-12)
                   for i, lr in enumerate(lrs))
    return "cosine" if on_curve else "other"


class TrainingWatch:
    """Watches one ``fit`` through its ``on_step_end`` callback and records what training used.

    Parameters
    ----------
    net : MLP
        The network being trained.
    optimizer : optimizer object
        The very object handed to ``fit`` (``fit`` changes its ``lr`` under a schedule).

    Examples
    --------
    >>> watch = TrainingWatch(net, opt)                                # doctest: +SKIP
    >>> fit(net, data, optimizer=opt, on_step_end=watch.on_step_end)   # doctest: +SKIP
    >>> run.summary["used"] = watch.used()                            # doctest: +SKIP
    """

    def __init__(self, net, optimizer):
        self.net, self.optimizer = net, optimizer
        self.lrs, self.batch_sizes, self.epochs = [], set(), set()

    def on_step_end(self, info):
        """Record the step just taken: the rate the optimizer used and the batch it saw."""
        self.lrs.append(float(self.optimizer.lr))
        self.batch_sizes.add(int(self.net.last_layer.t.shape[0]))  # the labels of this minibatch
        self.epochs.add(int(info["epoch"]))

    def used(self):
        """What the watched training used, read from the objects, keyed as the sweep's config.

        Returns
        -------
        dict
            ``network`` (from the number of hidden layers), ``hidden_size1`` and
            ``hidden_size2`` (the weight matrices' widths; ``None`` for a layer the network
            does not have), ``optimizer`` (its name in ``OPTIMIZERS``), ``lr`` (the rate of
            the first step), ``batch_size`` (``None`` if the batches differed), ``epochs``
            (those in which a step was taken) and ``lr_schedule``.
        """
        widths = [int(layer.W.shape[1]) for layer in self.net.affine_layers[:-1]]
        names = [name for name, cls in OPTIMIZERS.items() if type(self.optimizer) is cls]
        return {
            "network": _DEPTHS.get(len(widths), f"{len(widths)} hidden layers"),
            "hidden_size1": widths[0] if widths else None,
            "hidden_size2": widths[1] if len(widths) > 1 else None,
            "optimizer": names[0] if names else type(self.optimizer).__name__,
            "lr": self.lrs[0] if self.lrs else None,
            "batch_size": self.batch_sizes.pop() if len(self.batch_sizes) == 1 else None,
            "epochs": len(self.epochs),
            "lr_schedule": _schedule(self.lrs),
        }


def _differs(chosen, used):
    if isinstance(chosen, float) or isinstance(used, float):
        try:
            return not math.isclose(float(chosen), float(used), rel_tol=1e-9)
        except (TypeError, ValueError):
            return True
    return chosen != used


def config_mismatches(results, used, keys=USED_KEYS, completed=None):
    """Every value a run trained with that differs from the one the sweep chose for it.

    Parameters
    ----------
    results : pandas.DataFrame
        A sweep's results table (``local_sweeps.results``): ``trial, run_id`` and one
        column per parameter (``epochs`` as ``config.epochs``).
    used : dict of run id -> dict
        What each run recorded that it used (``TrainingWatch.used``, kept by ``train()`` in
        ``run.summary["used"]``). A run without a record is a mismatch of its own.
    keys : sequence of str
        The parameters compared; those the sweep does not define are skipped.
    completed : collection of run ids, optional
        Runs that trained all their epochs. Others (a diverged run stops early) are not
        held to their ``epochs``. By default every run is.

    Returns
    -------
    pandas.DataFrame
        One row per mismatch: ``trial, run_id, parameter, chosen, used``; empty when every
        run trained with its sweep's values. A width the run's network does not have
        (Net1's ``hidden_size2``) is compared with ``None``: no such layer was built.
    """
    for column in ("trial", "run_id"):
        if column not in results.columns:
            raise ValueError(f"config_mismatches needs a {column!r} column in the results table")
    rows = []
    for _, row in results.iterrows():
        record = used.get(row["run_id"])
        if not isinstance(record, dict):
            rows.append((row["trial"], row["run_id"], "(all)", "a record", record))
            continue
        built = len(hidden_sizes(row)) if "network" in row.index else 2
        for key in keys:
            column = "config.epochs" if key == "epochs" else key
            if column not in row.index or (key == "epochs" and completed is not None
                                           and row["run_id"] not in completed):
                continue
            chosen = row[column]
            if key.startswith("hidden_size") and int(key[-1]) > built:
                chosen = None  # the sweep drew it, but this network has no such layer
            if _differs(chosen, record.get(key)):
                rows.append((row["trial"], row["run_id"], key, chosen, record.get(key)))
    return pd.DataFrame(rows, columns=["trial", "run_id", "parameter", "chosen", "used"])
