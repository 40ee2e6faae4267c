"""The network's layers, in the shape of "Deep Learning from Scratch" (its ``layers.py``).

Each layer is a small class: ``forward(x)`` caches what ``backward(dout)`` needs, and
``backward`` returns the gradient with respect to the layer's input (``dx``) and stores
``dW``/``db`` for the optimizer. What notebook 01 prints of these classes is the book's
code; the two stand-ins at the end compute the same numbers faster, and the MLP runs them.
"""

from __future__ import annotations

import functools

import numpy as np

from mnist_data import as_labels


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
    t = as_labels(t)
    batch_size = y.shape[0]
    return float(-np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size)


class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy loss; backward starts the chain."""

    def __init__(self):
        self.loss = None
        self.y = None  # output of softmax
        self.t = None  # labels, as class indices

    def forward(self, x, t):
        self.t = as_labels(t)
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        dx = self.y.copy()
        dx[np.arange(batch_size), self.t] -= 1
        dx = dx * dout / batch_size
        return dx


# The MLP runs these three stand-ins for the layers above: the same results (tests/test_model.py
# checks that) in less time. bench/bench_layers.py measures what each one saves per step,
# bench/bench_training.py (--book-layers) what they save together against PyTorch.


class InputAffine(Affine):
    """The first layer: its ``dx`` would be the gradient w.r.t. the images, which nothing uses."""

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = dout.sum(axis=0)
        return None


class MaskRelu(Relu):
    """``Relu`` by multiplying with a 0/1 mask: masked assignment costs many times more in numpy."""

    def forward(self, x):
        self.mask = (x <= 0)  # as in Relu: True where the unit is zeroed
        self.keep = ~self.mask
        return x * self.keep

    def backward(self, dout):
        return dout * self.keep


@functools.cache
def _rows(n):
    """``np.arange(n)``, made once per batch size (read-only: every call shares it)."""
    rows = np.arange(n)
    rows.setflags(write=False)
    return rows


class InPlaceSoftmaxWithLoss(SoftmaxWithLoss):
    """``SoftmaxWithLoss`` computing its arrays in place: the book's operations, fewer new arrays.

    At batch 100 the scores are only 100 x 10, so each numpy call costs more in overhead than in
    arithmetic: the book's softmax, loss and gradient make about ten arrays per step, this one four.
    """

    def forward(self, x, t):
        self.t = as_labels(t)
        y = x - x.max(axis=1, keepdims=True)  # a new array: the caller's scores stay as they are
        np.exp(y, out=y)
        y /= y.sum(axis=1, keepdims=True)
        self.y = y
        batch_size = y.shape[0]
        self.loss = float(-np.log(y[_rows(batch_size), self.t] + 1e-7).sum() / batch_size)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        dx = self.y.copy()
        dx[_rows(batch_size), self.t] -= 1
        if not (np.isscalar(dout) and dout == 1):  # times 1 changes nothing: skipped
            dx = dx * dout
        dx /= batch_size
        return dx
