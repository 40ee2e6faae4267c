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

from compiled import COMPILED_DTYPES, jit


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


# Training runs stand-ins for SGD and Adam: the same numbers, bit for bit (tests/test_model.py
# checks that), in less time. Each numpy operation in the classes above reads whole arrays and
# makes a new one, so Adam's three lines pass over every weight about a dozen times; the
# stand-ins make one pass, element by element, in a loop that numba compiles to machine code
# (compiled.py says why the results are identical and not just close). bench/bench_layers.py
# measures what each saves per training step.


# The scalars come in a small array of the parameters' own type (``_scalars``): numba reads an
# array argument several times faster than a numpy scalar, and a step makes eight such calls.


def _sgd_pass(p, g, scalars):
    lr = scalars[0]
    for i in range(p.size):
        p[i] = p[i] - lr * g[i]


def _adam_pass(p, g, m, v, scalars):
    one_minus_beta1, one_minus_beta2, lr_t, eps = scalars[0], scalars[1], scalars[2], scalars[3]
    for i in range(p.size):
        gi = g[i]
        mi = m[i] + one_minus_beta1 * (gi - m[i])
        vi = v[i] + one_minus_beta2 * (gi * gi - v[i])
        m[i] = mi
        v[i] = vi
        p[i] = p[i] - lr_t * mi / (np.sqrt(vi) + eps)


@functools.cache
def _compiled():
    """The two passes, compiled when the first stand-in is made (see ``compiled.jit``)."""

    def passes(n_arrays):  # 1-D contiguous arrays of one float type, then the scalars' array
        return lambda numba, t: numba.void(*[numba.types.Array(t, 1, "C")] * (n_arrays + 1))

    return jit(_sgd_pass, passes(2)), jit(_adam_pass, passes(4))


def _scalars(dtype, *values):
    """``values`` as one array of ``dtype``: each rounded to it as ``dtype.type(value)`` would be."""
    return np.array(values, dtype=dtype)


def _flat(p, g, key):
    """``p`` and ``g`` as 1-D views for a compiled pass, or None where the book's lines must run.

    A pass updates ``p`` through a view, so ``p`` must be contiguous, float32 or float64; the
    gradient must have ``p``'s shape and dtype (numpy would compute a float64 gradient in float64
    before storing into a float32 ``p``: the book's lines do that exactly).
    """
    g = np.asarray(g)
    if g.shape != p.shape:
        raise ValueError(f"grads[{key!r}] has shape {g.shape}, params[{key!r}] has {p.shape}: "
                         "each gradient must have its parameter's shape")
    if p.dtype not in COMPILED_DTYPES or g.dtype != p.dtype or not p.flags.c_contiguous:
        return None
    return p.ravel(), g.ravel()  # views of contiguous arrays; ravel copies a strided g


class FusedSGD(SGD):
    """``SGD`` in one compiled pass per parameter: ``W -= lr * dW``, the same numbers."""

    def __init__(self, lr=0.01):
        super().__init__(lr)
        self._pass = _compiled()[0]  # compiled (or loaded from the cache) now, before fit starts its clock

    def update(self, params, grads):
        scalars = {}  # per dtype, made once per step
        for key, p in params.items():
            flat = _flat(p, grads[key], key)
            if flat is None:  # the book's line
                p -= self.lr * grads[key]
                continue
            if p.dtype not in scalars:
                scalars[p.dtype] = _scalars(p.dtype, self.lr)
            self._pass(*flat, scalars[p.dtype])


class FusedAdam(Adam):
    """``Adam`` in one compiled pass per parameter, moments and weights together: the same numbers."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        super().__init__(lr, beta1, beta2)
        self._pass = _compiled()[1]

    def update(self, params, grads):
        if self.m is None:
            self.m = {key: np.zeros_like(p) for key, p in params.items()}
            self.v = {key: np.zeros_like(p) for key, p in params.items()}
        self.iter += 1
        lr_t = self.lr * math.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)
        scalars = {}  # per dtype, made once per step
        for key, p in params.items():
            m, v = self.m[key], self.v[key]
            flat = _flat(p, grads[key], key)
            if flat is None:  # the book's lines
                g = grads[key]
                m += (1 - self.beta1) * (g - m)
                v += (1 - self.beta2) * (g ** 2 - v)
                p -= lr_t * m / (np.sqrt(v) + 1e-7)
                continue
            if p.dtype not in scalars:  # in the parameters' precision, as numpy uses them
                scalars[p.dtype] = _scalars(p.dtype, 1 - self.beta1, 1 - self.beta2, lr_t, 1e-7)
            self._pass(*flat, m.ravel(), v.ravel(), scalars[p.dtype])


# Looked up by name (as fit, the sweeps and the notebooks do), "sgd" and "adam" are the stand-ins.
OPTIMIZERS = {"sgd": FusedSGD, "momentum": Momentum, "adagrad": AdaGrad, "rmsprop": RMSprop,
              "adam": FusedAdam}


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
