"""Training: the minibatch loop that fits an ``MLP``, and the ``History`` it returns.

The loop is the book's (shuffle, cut into minibatches, ``gradient``, ``update``); its two
callbacks, after every epoch and every step, are where notebook 02 hands the metrics to
``wandb.log``.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from mnist_data import as_labels
from multi_layer_net import evaluate
from optimizer import get_optimizer


@dataclass
class History:
    """What ``fit`` measured: one metrics dict per epoch, and how training ended."""

    records: list = field(default_factory=list)
    status: str = "completed"  # or "diverged"
    message: str = ""
    seconds: float = 0.0

    def __getitem__(self, key):
        return np.array([r[key] for r in self.records])

    def __len__(self):
        return len(self.records)

    @property
    def last(self):
        return self.records[-1] if self.records else {}


def _check_fit_args(x, t, epochs, batch_size, lr_schedule):
    if len(x) != len(t):
        raise ValueError(f"x and t differ in length: {len(x)} images, {len(t)} labels")
    if not (isinstance(epochs, (int, np.integer)) and epochs >= 1):
        raise ValueError(f"epochs must be an int >= 1, got {epochs!r}")
    if not (isinstance(batch_size, (int, np.integer)) and 1 <= batch_size <= len(x)):
        raise ValueError(f"batch_size must be an int from 1 to {len(x)} (the training set), "
                         f"got {batch_size!r}")
    if lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {lr_schedule!r}")


LR_SCHEDULES = ("constant", "cosine")


def cosine_lr(lr, step, total_steps):
    """The learning rate at ``step`` (0-based) of ``total_steps`` under cosine decay from ``lr`` to 0.

    Parameters
    ----------
    lr : float
        The starting (largest) learning rate.
    step, total_steps : int

    Returns
    -------
    float
        ``lr * (1 + cos(pi * step / total_steps)) / 2``: ``lr`` at the first step, half of
        it halfway through, close to 0 at the last.
    """
    return 0.5 * lr * (1.0 + math.cos(math.pi * step / total_steps))


def fit(net, train, val=None, *, epochs=5, batch_size=100, optimizer="adam", lr=0.001,
        lr_schedule="constant", seed=0, on_epoch_end=None, on_step_end=None, progress=True):
    """Train ``net`` with shuffled minibatches.

    Parameters
    ----------
    net : MLP
    train, val : tuple ``(x, t)``
        Training data, and the validation data measured after every epoch.
    epochs, batch_size : int
    optimizer : str or optimizer object
        A name from ``OPTIMIZERS`` (with ``lr``) or a ready optimizer.
    lr_schedule : {"constant", "cosine"}
        ``"constant"`` keeps the optimizer's learning rate; ``"cosine"`` lowers it after
        every step along ``cosine_lr``, from ``lr`` (or a ready optimizer's own ``lr``) at
        the first step to nearly 0 at the last: large steps early, fine ones at the end.
    seed : int
        Seeds the shuffling, so a config reproduces its run.
    on_epoch_end : callable, optional
        Called with ``{"epoch", "train_loss", "train_acc", "val_loss", "val_acc"}``
        after every epoch; hand it to ``wandb.log``. Both losses are the cross-entropy
        without the weight-decay penalty (see ``evaluate``); ``train_loss`` is the mean
        over the epoch's minibatches, measured as the weights changed.
    on_step_end : callable, optional
        Called with ``{"step", "epoch", "batch_loss"}`` after every minibatch
        (cross-entropy, as ``train_loss``).
    progress : bool
        Show a tqdm bar over the epochs.

    Returns
    -------
    History
        ``status`` is ``"diverged"`` if the loss became NaN or infinite; training
        stops there and the epochs already measured are kept.
    """
    # tqdm loads here, not with the module: its import (about 0.1 s, most of it reading
    # package metadata) is paid only by code that trains.
    from tqdm import tqdm

    x, t = train
    _check_fit_args(x, t, epochs, batch_size, lr_schedule)
    opt = get_optimizer(optimizer, lr) if isinstance(optimizer, str) else optimizer
    # the name the caller chose: by name, "adam" runs an in-place stand-in for the class Adam
    opt_name = optimizer if isinstance(optimizer, str) else type(opt).__name__
    base_lr = opt.lr
    total_steps = epochs * (len(x) // batch_size)
    labels = as_labels(t)
    rng = np.random.default_rng(seed)
    history = History()
    start = time.perf_counter()
    step = 0
    bar = tqdm(range(1, epochs + 1), desc="epochs", disable=not progress, file=sys.stdout, leave=True)
    for epoch in bar:
        order = rng.permutation(len(x))
        loss_sum, correct, seen = 0.0, 0, 0
        # The last partial batch is dropped: every step then has the same size,
        # as in the original material, and an epoch is len(x) // batch_size steps.
        for i in range(0, len(x) - batch_size + 1, batch_size):
            idx = order[i:i + batch_size]
            xb, tb = x[idx], labels[idx]
            # A diverging run overflows before its loss turns NaN; the check below
            # reports that once, clearly, instead of numpy warning on every layer.
            with np.errstate(over="ignore", invalid="ignore"):
                objective, grads = net.gradient(xb, tb)
            if not math.isfinite(objective):
                history.status = "diverged"
                history.message = (f"loss became {objective} at epoch {epoch}, step {step + 1} "
                                   f"(optimizer={opt_name}, lr={lr}): "
                                   "try a smaller learning rate")
                break
            if lr_schedule == "cosine":
                opt.lr = cosine_lr(base_lr, step, total_steps)
            opt.update(net.params, grads)
            step += 1
            # Report the cross-entropy without the weight-decay penalty, as evaluate does for
            # val_loss: the penalty measures the weights, not the fit to the data.
            loss = net.last_layer.loss
            loss_sum += loss * len(idx)
            # The forward pass already computed the scores: reuse them for accuracy.
            correct += np.count_nonzero(net.last_layer.y.argmax(axis=1) == tb)
            seen += len(idx)
            if on_step_end is not None:
                on_step_end({"step": step, "epoch": epoch, "batch_loss": loss})
        if history.status == "diverged":
            print(f"Training stopped: {history.message}")
            break
        metrics = {"epoch": epoch, "train_loss": loss_sum / seen, "train_acc": correct / seen}
        if val is not None:
            metrics["val_loss"], metrics["val_acc"] = evaluate(net, *val)
        history.records.append(metrics)
        bar.set_postfix({k: round(v, 4) for k, v in metrics.items() if k != "epoch"})
        if on_epoch_end is not None:
            on_epoch_end(metrics)
    bar.close()
    opt.lr = base_lr  # a ready optimizer passed in keeps the learning rate it came with
    history.seconds = time.perf_counter() - start
    return history
