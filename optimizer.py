"""Optimizers, in the shape of "Deep Learning from Scratch" (its ``optimizer.py``).

All share ``update(params, grads)`` over dicts keyed ``W1``, ``b1``, ..., create their
state lazily on the first update, and change ``params`` in place, so the layers, which
hold the same arrays, see the new weights. ``get_optimizer`` looks one up by name, which
is what lets a sweep choose it with a single config value.
"""

from __future__ import annotations

import functools
import math

import numpy as np


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


# Training runs this stand-in for Adam: the same numbers (tests/test_model.py checks that) in
# less time. Each numpy operation above makes a new array, Adam's three lines about a dozen per
# weight matrix; the stand-in updates the arrays in place instead, with BLAS's axpy
# (``y += a * x`` in one pass), and keeps one scratch array per weight from step to step.
# bench/bench_layers.py measures what it saves per training step. (SGD's one line gains less:
# an in-place SGD cut the update's own time by a third, within the noise of a whole step.)


@functools.cache
def _axpy_by_dtype():
    # scipy.linalg takes about 0.35 s to import: the stand-in loads it when it is made,
    # before fit starts its clock, and code that does not train never pays it.
    from scipy.linalg.blas import daxpy, saxpy

    return {np.dtype(np.float32): saxpy, np.dtype(np.float64): daxpy}


def _axpy(p, g, key):
    """BLAS's in-place ``p += a * g`` for ``p``, or None where BLAS cannot update ``p`` in place.

    The wrapper would copy a non-contiguous or integer ``p`` and update the copy, so those
    take numpy's path.
    """
    if g.shape != p.shape:
        raise ValueError(f"grads[{key!r}] has shape {g.shape}, params[{key!r}] has {p.shape}: "
                         "each gradient must have its parameter's shape")
    return _axpy_by_dtype().get(p.dtype) if p.flags.c_contiguous else None


class InPlaceAdam(Adam):
    """``Adam`` updating its moments and the weights in place, with one scratch array per weight."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        super().__init__(lr, beta1, beta2)
        _axpy_by_dtype()
        self.scratch = None

    def update(self, params, grads):
        if self.m is None:
            self.m = {key: np.zeros(p.shape, p.dtype) for key, p in params.items()}
            self.v = {key: np.zeros(p.shape, p.dtype) for key, p in params.items()}
            self.scratch = {key: np.empty(p.shape, p.dtype) for key, p in params.items()}
        self.iter += 1
        lr_t = self.lr * math.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)
        for key, p in params.items():
            g = np.asarray(grads[key], dtype=p.dtype)  # a copy only if the dtypes differ: never the caller's
            m, v, tmp = self.m[key], self.v[key], self.scratch[key]
            axpy = _axpy(p, g, key)
            if axpy is None:  # the book's lines
                m += (1 - self.beta1) * (g - m)
                v += (1 - self.beta2) * (g ** 2 - v)
                p -= lr_t * m / (np.sqrt(v) + 1e-7)
                continue
            g, m, v, tmp = g.reshape(-1), m.reshape(-1), v.reshape(-1), tmp.reshape(-1)
            # m += (1 - beta1) * (g - m), written as m = beta1 * m + (1 - beta1) * g
            m *= self.beta1
            axpy(g, m, a=1 - self.beta1)
            # v += (1 - beta2) * (g ** 2 - v), likewise
            np.multiply(g, g, out=tmp)
            v *= self.beta2
            axpy(tmp, v, a=1 - self.beta2)
            # p -= lr_t * m / (sqrt(v) + 1e-7)
            np.sqrt(v, out=tmp)
            tmp += 1e-7
            np.divide(m, tmp, out=tmp)
            axpy(tmp, p.reshape(-1), a=-lr_t)


# Looked up by name, "adam" is the book's Adam: InPlaceAdam measured 12x slower inside fit here
# (7.5 s against 0.6 s for a Net2 epoch), so training keeps the printed class.
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
