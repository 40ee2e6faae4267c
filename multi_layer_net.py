"""The network, in the shape of "Deep Learning from Scratch" (its ``multi_layer_net.py``).

``MLP`` stacks the layers of ``layers.py``: (Affine -> ReLU) per hidden layer, then
Affine -> softmax with the cross-entropy loss. Net1 and Net2, the original material's
names, are MLPs with one and two hidden layers; ``make_net`` builds either from a config
(``network``, ``hidden_size1``, ``hidden_size2``). Beside it: running a network on data
(``evaluate``, ``predict_labels``) and saving one to a file and back.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from layers import Affine, Dropout, FusedSoftmaxWithLoss, InputAffine, MaskRelu
from mnist_data import as_labels

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
            affine = InputAffine if i == 1 else Affine
            self.layers.append(affine(self.params[f"W{i}"], self.params[f"b{i}"]))
            if i < len(sizes) - 1:
                self.layers.append(MaskRelu())
                if self.dropout:
                    self.layers.append(Dropout(self.dropout, rng))
        self.last_layer = FusedSoftmaxWithLoss()

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


HIDDEN_SIZES = ("hidden_size1", "hidden_size2")  # the config keys of the hidden layers' widths


def hidden_sizes(config):
    """The hidden layers' widths a config's network has: what ``make_net`` builds.

    Net1 has one hidden layer, so a Net1 config's ``hidden_size2`` (a sweep draws one for
    every run) is not used; Net2 has two.

    Parameters
    ----------
    config : mapping
        ``network`` (``"Net1"`` or ``"Net2"``) and ``hidden_size1``, plus ``hidden_size2``
        for Net2. A ``wandb.config``, a dict or a row of a sweep's results table.

    Returns
    -------
    list of int
        ``[hidden_size1]`` for Net1, ``[hidden_size1, hidden_size2]`` for Net2.
    """
    network = config.get("network")
    if network not in NETWORKS:
        raise ValueError(f"config['network'] must be one of {sorted(NETWORKS)}, got {network!r}")
    keys = HIDDEN_SIZES[:NETWORKS[network]]
    missing = [key for key in keys if key not in config]
    if missing:
        raise ValueError(f"a {network} config needs {' and '.join(keys)}; it has no {', '.join(missing)}")
    sizes = []
    for key in keys:
        value = config[key]
        # A table column holding NaN elsewhere stores ints as floats (128.0): still a width.
        if isinstance(value, bool) or not (isinstance(value, (int, np.integer))
                                           or (isinstance(value, (float, np.floating))
                                               and float(value).is_integer())):
            raise ValueError(f"config[{key!r}] must be a whole number of units, got {value!r}")
        sizes.append(int(value))
    return sizes


def make_net(config):
    """Build the network a config describes: the one place a config becomes a network.

    Parameters
    ----------
    config : mapping
        ``network``, ``hidden_size1`` and (Net2) ``hidden_size2``, read by ``hidden_sizes``;
        optionally ``weight_decay``, ``dropout`` and ``seed`` (default 0), as for ``MLP``.
        Other keys (``optimizer``, ``lr``, ...) are the training's, not the network's.
        A ``wandb.config`` works as it is.

    Returns
    -------
    MLP
    """
    return MLP(hidden_sizes=hidden_sizes(config), weight_decay=config.get("weight_decay", 0.0),
               dropout=config.get("dropout", 0.0), seed=config.get("seed", 0))


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


def evaluate(net, x, t, batch_size=2000):
    """Mean loss and accuracy of ``net`` on ``(x, t)``, in batches.

    The loss is the cross-entropy alone, without the weight-decay penalty, as is
    ``fit``'s ``train_loss``: the two stay comparable, and so do runs with different
    ``weight_decay``.

    Returns
    -------
    (loss, accuracy) : tuple of float
    """
    labels = as_labels(t)
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
