"""Shared helpers for the wandb-sweeps-mnist notebooks.

Read top to bottom: data, model, optimizers, training, then one block of
re-exports. The numpy network follows the shape of "Deep Learning from
Scratch": layers are small classes whose ``forward`` caches what ``backward``
needs, and optimizers share one ``update(params, grads)`` over dicts keyed
``W1``, ``b1``, ...

The model and its training live here. Every other concern lives in a sibling
module; what the notebooks use of it as a helper is re-exported here as
``mu.<name>`` (the W&B and sweep ones on first use). Notebooks 03-05 import
``local_sweeps`` and ``sweep_analysis`` by name for the rest, because what those
hold is the lesson there:

- ``mnist_data``: finding, downloading and verifying MNIST;
- ``mnist_plots``: digits, learning curves, confusion matrices;
- ``wandb_helpers``: choosing the W&B mode, reading offline runs and artifacts back;
- ``local_sweeps`` (a package): running a sweep YAML without a W&B account;
- ``sweep_analysis``: the sweep dashboard's panels from a results table.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------
from mnist_data import MnistDataError, load_mnist, train_val_split


def load_splits(val_size=1 / 6, seed=0, verbose=True):
    """MNIST as train, validation and test sets: the split every notebook tunes on.

    The validation set is held out of the 60,000 training images (10,000 of them
    by default); the test set stays untouched until a final evaluation.

    Returns
    -------
    (x_train, t_train), (x_val, t_val), (x_test, t_test)
    """
    (x, t), test = load_mnist(verbose=verbose)
    train, val = train_val_split(x, t, val_size=val_size, seed=seed)
    return train, val, test


# --------------------------------------------------------------------------
# Model: layers
# --------------------------------------------------------------------------


class Affine:
    """Fully connected layer ``out = x @ W + b``."""

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        out = np.dot(x, self.W) + self.b
        return out

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx


class Relu:
    """Rectified linear unit: passes positive inputs, zeroes the rest."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dx = dout.copy()  # the book zeroes dout itself; a copy leaves the caller's array alone
        dx[self.mask] = 0
        return dx


class Dropout:
    """Inverted dropout: while training, zero a random share ``ratio`` of units and scale up the rest."""

    def __init__(self, ratio, rng):
        self.ratio = ratio
        self.rng = rng
        self.mask = None

    def forward(self, x, train=False):
        if not train:
            return x.copy()  # a new array, like every layer's output: the caller's x stays its own
        self.mask = self.rng.random(x.shape, dtype=np.float32) >= self.ratio
        # Scaling the kept units by 1 / (1 - ratio) while training leaves the
        # expected activation unchanged, so prediction needs no correction.
        return x * self.mask / (1.0 - self.ratio)

    def backward(self, dout):
        return dout * self.mask / (1.0 - self.ratio)


def softmax(x):
    """Row-wise softmax, stable for large scores."""
    x = x - np.max(x, axis=1, keepdims=True)  # exp of a large score would overflow
    y = np.exp(x)
    return y / np.sum(y, axis=1, keepdims=True)


def cross_entropy_error(y, t):
    """Mean cross-entropy of probabilities ``y`` against labels ``t`` (indices or one-hot)."""
    if t.ndim == 2:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return float(-np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size)


class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy loss; backward starts the chain."""

    def __init__(self):
        self.loss = None
        self.y = None  # output of softmax
        self.t = None  # labels, as class indices

    def forward(self, x, t):
        self.t = t.argmax(axis=1) if t.ndim == 2 else t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        dx = self.y.copy()
        dx[np.arange(batch_size), self.t] -= 1
        dx = dx * dout / batch_size
        return dx


# --------------------------------------------------------------------------
# Model: the network
# --------------------------------------------------------------------------

NETWORKS = {"Net1": 1, "Net2": 2}  # the original material's names -> hidden layers


class MLP:
    """Multi-layer perceptron: (Affine -> ReLU) per hidden layer, then Affine -> softmax.

    Parameters
    ----------
    input_size, output_size : int
        784 pixels in, 10 classes out for MNIST.
    hidden_sizes : sequence of int
        One entry per hidden layer: ``[100]`` is Net1, ``[256, 256]`` a Net2.
    weight_decay : float
        L2 penalty ``0.5 * weight_decay * sum(W**2)`` added to the loss that
        training minimises.
    dropout : float
        Share of hidden units dropped at random while training (0 = no dropout layers).
    seed : int
        Seeds the He initialisation, so a config rebuilds the same network.
    dtype : numpy dtype
        float32 for training; float64 for gradient checks.
    """

    def __init__(self, input_size=784, hidden_sizes=(100,), output_size=10,
                 weight_decay=0.0, dropout=0.0, seed=0, dtype=np.float32):
        hidden_sizes = [hidden_sizes] if isinstance(hidden_sizes, int) else list(hidden_sizes)
        if not hidden_sizes or any(not isinstance(h, (int, np.integer)) or h < 1 for h in hidden_sizes):
            raise ValueError(f"hidden_sizes must be a non-empty list of positive ints, got {hidden_sizes!r}")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.hidden_sizes = [int(h) for h in hidden_sizes]
        self.weight_decay = float(weight_decay)
        self.dropout = float(dropout)
        rng = np.random.default_rng(seed)
        sizes = [input_size, *self.hidden_sizes, output_size]
        self.params = {}
        self.layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
            # He initialisation keeps the variance of ReLU activations steady with depth.
            self.params[f"W{i}"] = (rng.standard_normal((n_in, n_out)) * math.sqrt(2.0 / n_in)).astype(dtype)
            self.params[f"b{i}"] = np.zeros(n_out, dtype=dtype)
            affine = _InputAffine if i == 1 else Affine
            self.layers.append(affine(self.params[f"W{i}"], self.params[f"b{i}"]))
            if i < len(sizes) - 1:
                self.layers.append(_Relu())
                if self.dropout:
                    self.layers.append(Dropout(self.dropout, rng))
        self.last_layer = SoftmaxWithLoss()

    @property
    def affine_layers(self):
        return [layer for layer in self.layers if isinstance(layer, Affine)]

    def predict(self, x, train=False):
        """Class scores (before softmax) for a batch ``x`` of shape (N, 784); ``train`` turns dropout on."""
        for layer in self.layers:
            x = layer.forward(x, train) if isinstance(layer, Dropout) else layer.forward(x)
        return x

    def loss(self, x, t, train=False):
        """The loss training minimises: cross-entropy plus the weight-decay penalty."""
        data_loss = self.last_layer.forward(self.predict(x, train), t)
        return data_loss + self.penalty()

    def penalty(self):
        """The weight-decay term ``0.5 * weight_decay * sum(W**2)`` over every weight matrix."""
        if not self.weight_decay:
            return 0.0
        return 0.5 * self.weight_decay * sum(float(np.sum(a.W ** 2)) for a in self.affine_layers)

    def accuracy(self, x, t, batch_size=2000):
        """Fraction of ``x`` classified as ``t``, evaluated in batches to bound memory."""
        return evaluate(self, x, t, batch_size=batch_size)[1]

    def gradient(self, x, t):
        """Loss and gradients by backpropagation: ``(loss, {"W1": dW1, "b1": db1, ...})``."""
        # forward
        loss = self.loss(x, t, train=True)
        # backward
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        grads = {}
        for i, layer in enumerate(self.affine_layers, start=1):
            grads[f"W{i}"] = layer.dW + self.weight_decay * layer.W if self.weight_decay else layer.dW
            grads[f"b{i}"] = layer.db
        return loss, grads

    def numerical_gradient(self, x, t, eps=1e-5):
        """Central-difference gradients of ``loss``: slow, for checking ``gradient`` only."""
        grads = {}
        for key, p in self.params.items():
            g = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                saved = p[idx]
                p[idx] = saved + eps
                up = self.loss(x, t)
                p[idx] = saved - eps
                down = self.loss(x, t)
                p[idx] = saved
                g[idx] = (up - down) / (2 * eps)
            grads[key] = g
        return grads


# The MLP runs these two stand-ins for the layers above: the same results (tests/test_model.py
# checks that) in less time. bench/bench_layers.py measures what each one saves per step,
# bench/bench_training.py (--book-layers) what they save together against PyTorch.


class _InputAffine(Affine):
    """The first layer: its ``dx`` would be the gradient w.r.t. the images, which nothing uses."""

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return None


class _Relu(Relu):
    """``Relu`` by multiplying with a 0/1 mask: masked assignment costs many times more in numpy."""

    def forward(self, x):
        self.mask = (x <= 0)  # as in Relu: True where the unit is zeroed
        self.keep = ~self.mask
        return x * self.keep

    def backward(self, dout):
        return dout * self.keep


def make_net(network="Net2", hidden_size=256, *, weight_decay=0.0, dropout=0.0, seed=0):
    """Build the original material's Net1 (one hidden layer) or Net2 (two).

    Parameters
    ----------
    network : {"Net1", "Net2"}
    hidden_size : int
        Width of the hidden layer (of both, for Net2). For layers of different widths,
        build ``MLP(hidden_sizes=[...])`` directly, as the sweep's ``train()`` does.
    weight_decay, dropout, seed
        As for ``MLP``.

    Returns
    -------
    MLP
    """
    if network not in NETWORKS:
        raise ValueError(f"network must be one of {sorted(NETWORKS)}, got {network!r}")
    hidden_sizes = [int(hidden_size)] * NETWORKS[network]
    return MLP(hidden_sizes=hidden_sizes, weight_decay=weight_decay, dropout=dropout, seed=seed)


def save_model(net, path):
    """Write a network's weights and shape to an ``.npz`` file (no pickle).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path)
    np.savez(path, hidden_sizes=np.array(net.hidden_sizes), **net.params)
    return path


def load_model(path):
    """Rebuild a network saved by ``save_model``.

    Parameters
    ----------
    path : str or Path
        An ``.npz`` file with ``hidden_sizes`` and ``W1``, ``b1``, ... arrays.

    Returns
    -------
    MLP
    """
    with np.load(path, allow_pickle=False) as saved:
        keys = set(saved.files)
        n_layers = len(saved["hidden_sizes"]) + 1
        expected = {"hidden_sizes"} | {f"{p}{i}" for i in range(1, n_layers + 1) for p in "Wb"}
        if keys != expected:
            raise ValueError(f"{Path(path).name} is not a saved MLP: it holds {sorted(keys)}, "
                             f"expected {sorted(expected)}")
        net = MLP(input_size=saved["W1"].shape[0], hidden_sizes=saved["hidden_sizes"].tolist(),
                  output_size=saved[f"W{len(saved['hidden_sizes']) + 1}"].shape[1],
                  dtype=saved["W1"].dtype)
        for key in net.params:
            net.params[key][...] = saved[key]  # in place: the layers hold these arrays
    return net


# --------------------------------------------------------------------------
# Model: optimizers (all update params in place, so the layers see the change)
# --------------------------------------------------------------------------


class SGD:
    """Stochastic gradient descent: ``W -= lr * dW``."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] -= self.lr * grads[key]


class Momentum:
    """SGD with momentum: a velocity that accumulates past gradients."""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params:
            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]
            params[key] += self.v[key]


class AdaGrad:
    """Per-parameter learning rates that shrink with the squared gradients seen so far."""

    def __init__(self, lr=0.01):
        self.lr = lr
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params:
            self.h[key] += grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)


class RMSprop:
    """AdaGrad with a decaying average, so old gradients are forgotten."""

    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr = lr
        self.decay_rate = decay_rate
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params:
            self.h[key] *= self.decay_rate
            self.h[key] += (1 - self.decay_rate) * grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)


class Adam:
    """Adam (Kingma & Ba, 2015): momentum plus RMSprop, with bias correction."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.iter = 0
        self.m = None
        self.v = None

    def update(self, params, grads):
        if self.m is None:
            self.m = {key: np.zeros_like(val) for key, val in params.items()}
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        self.iter += 1
        lr_t = self.lr * math.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)
        for key in params:
            self.m[key] += (1 - self.beta1) * (grads[key] - self.m[key])
            self.v[key] += (1 - self.beta2) * (grads[key] ** 2 - self.v[key])
            params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + 1e-7)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adagrad": AdaGrad, "rmsprop": RMSprop, "adam": Adam}


def get_optimizer(name, lr):
    """Look an optimizer up by name, so a sweep value can select one.

    Parameters
    ----------
    name : str
        One of ``OPTIMIZERS`` (case-insensitive): sgd, momentum, adagrad, rmsprop, adam.
    lr : float
        Learning rate, > 0.

    Returns
    -------
    An optimizer with ``update(params, grads)``.
    """
    key = str(name).lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {name!r}")
    if not (isinstance(lr, (int, float, np.floating)) and lr > 0 and math.isfinite(lr)):
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    return OPTIMIZERS[key](lr=float(lr))


# --------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------


def evaluate(net, x, t, batch_size=2000):
    """Mean loss and accuracy of ``net`` on ``(x, t)``, in batches.

    The loss is the cross-entropy alone, without the weight-decay penalty, as is
    ``fit``'s ``train_loss``: the two stay comparable, and so do runs with different
    ``weight_decay``.

    Returns
    -------
    (loss, accuracy) : tuple of float
    """
    labels = t.argmax(axis=1) if t.ndim == 2 else t
    total_loss, correct = 0.0, 0
    for i in range(0, len(x), batch_size):
        xb, tb = x[i:i + batch_size], labels[i:i + batch_size]
        scores = net.predict(xb)
        total_loss += net.last_layer.forward(scores, tb) * len(xb)
        correct += int((scores.argmax(axis=1) == tb).sum())
    return total_loss / len(x), correct / len(x)


def predict_labels(net, x, batch_size=2000):
    """Predicted class of every row of ``x`` (an empty ``x`` gives an empty array)."""
    batches = [net.predict(x[i:i + batch_size]).argmax(axis=1) for i in range(0, len(x), batch_size)]
    return np.concatenate(batches) if batches else np.zeros(0, dtype=np.intp)


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


def _check_fit_args(x, t, epochs, batch_size):
    if len(x) != len(t):
        raise ValueError(f"x and t differ in length: {len(x)} images, {len(t)} labels")
    if not (isinstance(epochs, (int, np.integer)) and epochs >= 1):
        raise ValueError(f"epochs must be an int >= 1, got {epochs!r}")
    if not (isinstance(batch_size, (int, np.integer)) and 1 <= batch_size <= len(x)):
        raise ValueError(f"batch_size must be an int from 1 to {len(x)} (the training set), "
                         f"got {batch_size!r}")


def fit(net, train, val=None, *, epochs=5, batch_size=100, optimizer="adam", lr=0.001,
        seed=0, on_epoch_end=None, on_step_end=None, progress=True):
    """Train ``net`` with shuffled minibatches.

    Parameters
    ----------
    net : MLP
    train, val : tuple ``(x, t)``
        Training data, and the validation data measured after every epoch.
    epochs, batch_size : int
    optimizer : str or optimizer object
        A name from ``OPTIMIZERS`` (with ``lr``) or a ready optimizer.
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
    _check_fit_args(x, t, epochs, batch_size)
    opt = get_optimizer(optimizer, lr) if isinstance(optimizer, str) else optimizer
    labels = t.argmax(axis=1) if t.ndim == 2 else t
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
                                   f"(optimizer={type(opt).__name__}, lr={lr}): "
                                   "try a smaller learning rate")
                break
            opt.update(net.params, grads)
            step += 1
            # Report the cross-entropy without the weight-decay penalty, as evaluate does for
            # val_loss: the penalty measures the weights, not the fit to the data.
            loss = net.last_layer.loss
            loss_sum += loss * len(idx)
            # The forward pass already computed the scores: reuse them for accuracy.
            correct += int((net.last_layer.y.argmax(axis=1) == tb).sum())
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
    history.seconds = time.perf_counter() - start
    return history


# --------------------------------------------------------------------------
# Re-exports: everything a notebook needs, as ``mu.<name>``
# --------------------------------------------------------------------------
# Plotting and data load with this module. The W&B, sweep and sweep-reading helpers
# pull in wandb, optuna and pandas (about a second), which notebook 01 never uses,
# so they load on first use: ``mu.hyperband_brackets`` imports local_sweeps the first time.
from mnist_plots import (  # noqa: E402
    confusion_matrix,
    plot_confusion_matrix,
    plot_digits,
    plot_learning_curves,
    plot_step_losses,
)

_LAZY = {
    # wandb_helpers.py: choosing the W&B mode, reading offline runs and artifacts back
    "setup_wandb": ("wandb_helpers", "setup_wandb"),
    "logged_runs": ("wandb_helpers", "logged_runs"),
    "list_offline_runs": ("wandb_helpers", "list_offline_runs"),
    "read_offline_artifact": ("wandb_helpers", "read_offline_artifact"),
    # local_sweeps/: the epochs at which hyperband checks a run (notebook 05)
    "hyperband_brackets": ("local_sweeps", "hyperband_brackets"),
    # sweep_analysis.py: the sweep dashboard's panels from a results table
    "best_runs": ("sweep_analysis", "best_runs"),
    "compare_groups": ("sweep_analysis", "compare_groups"),
    "param_columns": ("sweep_analysis", "param_columns"),
    "parameter_importance": ("sweep_analysis", "parameter_importance"),
    "plot_metric_over_time": ("sweep_analysis", "plot_metric_over_time"),
    "plot_metric_vs_params": ("sweep_analysis", "plot_metric_vs_params"),
    "plot_parameter_importance": ("sweep_analysis", "plot_parameter_importance"),
    "shared_traits": ("sweep_analysis", "shared_traits"),
    "weak_runs": ("sweep_analysis", "weak_runs"),
}


def __getattr__(name):
    """Load a W&B or sweep helper the first time a notebook asks for it."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module, attr = _LAZY[name]
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    # data
    "MnistDataError", "load_mnist", "train_val_split", "load_splits",
    # model
    "Affine", "Relu", "Dropout", "softmax", "cross_entropy_error", "SoftmaxWithLoss", "MLP",
    "NETWORKS", "make_net", "save_model", "load_model",
    # optimizers
    "SGD", "Momentum", "AdaGrad", "RMSprop", "Adam", "OPTIMIZERS", "get_optimizer",
    # training
    "evaluate", "predict_labels", "History", "fit",
    # plotting
    "confusion_matrix", "plot_confusion_matrix", "plot_digits", "plot_learning_curves",
    "plot_step_losses",
    # W&B helpers, sweeps, reading a sweep (loaded on first use)
    *_LAZY,
]
