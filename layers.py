"""The network's layers, in the shape of "Deep Learning from Scratch" (its ``layers.py``).

Each layer is a small class: ``forward(x)`` caches what ``backward(dout)`` needs, and
``backward`` returns the gradient with respect to the layer's input (``dx``) and stores
``dW``/``db`` for the optimizer. What notebook 01 prints of these classes is the book's
code; the two stand-ins at the end compute the same numbers faster, and the MLP runs them.
"""

from __future__ import annotations

import functools

import numpy as np

from compiled import COMPILED_DTYPES, jit
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
# bench/bench_training.py (--book-layers) what they save together against PyTorch. ReLU's and the
# loss's stand-ins do the book's arithmetic in loops compiled by numba (compiled.py): at batch 100 a
# hidden layer's activations are only 100 x 100 and the scores 100 x 10, so each numpy operation
# costs more in making its new array than in arithmetic. Where a loop cannot take the arrays given
# (another dtype, a strided view, a label out of range), the numpy lines run instead.


class InputAffine(Affine):
    """The first layer: its ``dx`` would be the gradient w.r.t. the images, which nothing uses."""

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = dout.sum(axis=0)
        return None


def _compilable(a):
    """True where a compiled pass takes ``a``: 2-D, C-contiguous, non-empty, float32 or float64."""
    return a.dtype in COMPILED_DTYPES and a.ndim == 2 and a.size > 0 and a.flags.c_contiguous


# Constants are made in each array's own type (x.dtype.type), as numpy converts a Python number
# to the array's type: a float32 array's arithmetic stays in float32.


def _relu_forward(x, out, keep):
    """``keep = ~(x <= 0)`` and ``out = x * keep``, as ``MaskRelu``'s numpy lines compute them."""
    one, zero = x.dtype.type(1), x.dtype.type(0)
    rows, cols = x.shape
    for i in range(rows):
        for j in range(cols):
            k = not x[i, j] <= 0
            keep[i, j] = k
            out[i, j] = x[i, j] * (one if k else zero)


def _relu_backward(dout, keep, dx):
    """``dx = dout * keep``."""
    one, zero = dout.dtype.type(1), dout.dtype.type(0)
    rows, cols = dout.shape
    for i in range(rows):
        for j in range(cols):
            dx[i, j] = dout[i, j] * (one if keep[i, j] else zero)


class MaskRelu(Relu):
    """``Relu`` by multiplying with a 0/1 mask, in one compiled pass: masked assignment costs
    many times more in numpy."""

    def __init__(self):
        super().__init__()
        self.keep = None
        self._forward, self._backward = _kernels()[:2]

    @property
    def mask(self):
        """As in ``Relu``: True where the unit is zeroed."""
        return None if self.keep is None else ~self.keep

    @mask.setter
    def mask(self, value):  # Relu.__init__ sets it to None
        self.keep = None if value is None else ~value

    def forward(self, x):
        if not _compilable(x):
            self.keep = ~(x <= 0)
            return x * self.keep
        out = np.empty_like(x)
        self.keep = np.empty(x.shape, dtype=bool)
        self._forward(x, out, self.keep)
        return out

    def backward(self, dout):
        if not (_compilable(dout) and dout.shape == self.keep.shape):
            return dout * self.keep
        dx = np.empty_like(dout)
        self._backward(dout, self.keep, dx)
        return dx


def _softmax_shift(x, t, y):
    """``y = x - max(x)`` per row, the max as ``np.max`` takes it (a NaN is a row's max);
    returns how many labels ``t`` lie outside 0..columns-1 (where any do, the caller runs the
    book's lines instead)."""
    rows, cols = x.shape
    bad = 0
    for i in range(rows):
        if t[i] < 0 or t[i] >= cols:
            bad += 1
        top = x[i, 0]
        for j in range(1, cols):
            v = x[i, j]
            if v > top or v != v:
                top = v
        for j in range(cols):
            y[i, j] = x[i, j] - top
    return bad


def _softmax_normalize(y, sums, t, picked):
    """``y /= sums`` per row, and ``picked[i] = y[i, t[i]]``: each row's probability of its label."""
    rows, cols = y.shape
    for i in range(rows):
        for j in range(cols):
            y[i, j] = y[i, j] / sums[i]
        picked[i] = y[i, t[i]]


def _softmax_loss_backward(y, t, dx):
    """The book's ``dx = y.copy(); dx[rows, t] -= 1; dx /= batch_size`` in one pass."""
    rows, cols = y.shape
    one, batch_size = y.dtype.type(1), y.dtype.type(rows)
    for i in range(rows):
        for j in range(cols):
            v = y[i, j]
            if j == t[i]:
                v = v - one
            dx[i, j] = v / batch_size


@functools.cache
def _kernels():
    """The compiled passes of ``MaskRelu`` and ``FusedSoftmaxWithLoss``, compiled on first use."""

    def signature(*kinds, returns="void"):
        """A ``compiled.jit`` signature from the kinds of its arguments, in one float type ``f``."""
        def of(numba, f):
            types = {"f1": numba.types.Array(f, 1, "C"), "f2": numba.types.Array(f, 2, "C"),
                     "mask": numba.types.Array(numba.boolean, 2, "C"),
                     "labels": numba.types.Array(numba.int64, 1, "A")}
            return getattr(numba, returns)(*(types[kind] for kind in kinds))
        return of

    return (jit(_relu_forward, signature("f2", "f2", "mask")),
            jit(_relu_backward, signature("f2", "mask", "f2")),
            jit(_softmax_shift, signature("f2", "labels", "f2", returns="int64")),
            jit(_softmax_normalize, signature("f2", "f1", "labels", "f1")),
            jit(_softmax_loss_backward, signature("f2", "labels", "f2")))


@functools.cache
def _rows(n):
    """``np.arange(n)``, made once per batch size (read-only: every call shares it)."""
    rows = np.arange(n)
    rows.setflags(write=False)
    return rows


class FusedSoftmaxWithLoss(SoftmaxWithLoss):
    """``SoftmaxWithLoss`` in three compiled passes and numpy's own ``exp``, row sums and ``log``:
    the book's operations, bit for bit, with one new array where the book makes about ten.

    The exponentials, the row sums and the loss's logarithms and sum stay numpy's, so they
    round exactly as in the book; the loops do only what rounds the same anywhere (a maximum,
    a subtraction, a division, picking each row's label).
    """

    def __init__(self):
        super().__init__()
        self._labels = None  # the labels as int64, where the compiled forward ran
        self._shift, self._normalize, self._backward = _kernels()[2:]

    def forward(self, x, t):
        self.t = as_labels(t)
        self._labels = None
        labels = self.t.astype(np.int64, copy=False) if self.t.dtype.kind in "iu" else None
        if not (_compilable(x) and labels is not None and labels.shape == x.shape[:1]):
            return self._book_forward(x)
        y = np.empty_like(x)
        if self._shift(x, labels, y):  # a label out of range: numpy's indexing says what is wrong
            return self._book_forward(x)
        np.exp(y, out=y)
        picked = np.empty(len(y), dtype=y.dtype)
        self._normalize(y, y.sum(axis=1), labels, picked)
        self.y, self._labels = y, labels
        self.loss = float(-np.log(picked + 1e-7).sum() / len(y))
        return self.loss

    def _book_forward(self, x):
        """The book's lines, for arrays the compiled passes do not take."""
        y = x - x.max(axis=1, keepdims=True)  # a new array: the caller's scores stay as they are
        np.exp(y, out=y)
        y /= y.sum(axis=1, keepdims=True)
        self.y = y
        batch_size = y.shape[0]
        self.loss = float(-np.log(y[_rows(batch_size), self.t] + 1e-7).sum() / batch_size)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        times_one = np.isscalar(dout) and dout == 1  # times 1 changes nothing: skipped
        if times_one and self._labels is not None:
            dx = np.empty_like(self.y)
            self._backward(self.y, self._labels, dx)
            return dx
        dx = self.y.copy()
        dx[_rows(batch_size), self.t] -= 1
        if not times_one:
            dx = dx * dout
        dx /= batch_size
        return dx
