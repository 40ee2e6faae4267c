"""What each of training's stand-ins for the printed classes saves per training step.

``mnist_utils.MLP`` runs three stand-ins for the layers a reader sees: ``layers.InputAffine``
(the first layer skips ``dx``, the gradient w.r.t. the images), ``layers.MaskRelu`` (multiplies
by a 0/1 mask instead of masked assignment, in one compiled pass) and
``layers.FusedSoftmaxWithLoss`` (the book's operations, numpy's exp and log around compiled
loops, one new array where the book makes about ten). A fourth, adding the bias into the product's own array,
was dropped after this bench measured it at 0.94-1.06x. Training looks ``"sgd"`` and ``"adam"``
up as ``optimizer.FusedSGD`` and ``optimizer.FusedAdam``, which update each parameter in one
pass compiled by numba instead of a numpy operation (and a new array) per term.

Each row times one training step (gradient + update) on random data with one
stand-in put back to the book's form, against the step as training runs it (the layer
rows with SGD, the optimizer rows against the same optimizer's stand-in), median of
``--repeats`` runs of ``--steps`` steps, interleaved, BLAS on one thread. A ratio above 1 is
what that stand-in saves.
The figures depend on the OpenBLAS kernel (see bench_training.py): run it as
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/bench_layers.py`` for the
kernel a reader's machine picks.

    python bench/bench_layers.py [--repeats 5] [--steps 20]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import CONFIGS, openblas_kernels  # noqa: E402

import layers  # noqa: E402
import mnist_utils as mu  # noqa: E402
from optimizer import SGD, Adam, get_optimizer  # noqa: E402  (mu re-exports only what notebooks use)


def as_built(net):
    return net


def input_layer_dx(net):
    net.layers = [layers.Affine(layer.W, layer.b) if isinstance(layer, layers.InputAffine) else layer
                  for layer in net.layers]
    return net


def book_relu(net):
    net.layers = [layers.Relu() if isinstance(layer, layers.Relu) else layer for layer in net.layers]
    return net


def book_loss(net):
    net.last_layer = layers.SoftmaxWithLoss()
    return net


LR = {"sgd": 0.01, "adam": 0.001}  # small enough that random labels do not blow the weights up

VARIANTS = {"the MLP as built": as_built,
            "input layer computes dx (book Affine.backward)": input_layer_dx,
            "book Relu (masked assignment)": book_relu,
            "book SoftmaxWithLoss (new arrays)": book_loss}
def sgd():
    return get_optimizer("sgd", LR["sgd"])


# the optimizers' stand-ins, on the MLP as built: each against the book's class
OPTIMIZER_VARIANTS = {"book SGD (new arrays)": ("the MLP as built", lambda: SGD(lr=LR["sgd"])),
                      "the MLP as built, Adam": ("the MLP as built, Adam",
                                                 lambda: get_optimizer("adam", LR["adam"])),
                      "book Adam (new arrays)": ("the MLP as built, Adam", lambda: Adam(lr=LR["adam"]))}


def step_seconds(make, optimizer, hidden_sizes, batch_size, x, t, steps):
    net = make(mu.MLP(hidden_sizes=hidden_sizes, seed=0))
    opt = optimizer()
    start = time.perf_counter()
    for i in range(steps):
        batch = slice(i * batch_size, (i + 1) * batch_size)
        _, grads = net.gradient(x[batch], t[batch])
        opt.update(net.params, grads)
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    if args.repeats < 1 or args.steps < 1:
        parser.error(f"--repeats and --steps must be >= 1, got {args.repeats} and {args.steps}")
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    rng = np.random.default_rng(0)
    load_before = os.getloadavg()[0]
    print(f"ms per training step, median of {args.repeats} x {args.steps} steps, 1 BLAS thread, OpenBLAS "
          f"{', '.join(f'{lib} {arch}' for lib, arch in openblas_kernels().items())}; "
          f"ratio = variant / the same optimizer's step as training runs it")
    with threadpool_limits(1):
        for hidden_sizes, batch_size in CONFIGS:
            x = rng.random((batch_size * args.steps, 784), dtype=np.float32)
            t = rng.integers(0, 10, size=batch_size * args.steps)
            rows = {**{name: (make, sgd) for name, make in VARIANTS.items()},
                    **{name: (as_built, optimizer) for name, (_, optimizer) in OPTIMIZER_VARIANTS.items()}}
            times = {name: [] for name in rows}
            for _ in range(args.repeats):
                for name, (make, optimizer) in rows.items():
                    times[name].append(step_seconds(make, optimizer, hidden_sizes, batch_size,
                                                    x, t, args.steps))
            print(f"\n{hidden_sizes}, batch {batch_size}:")
            for name, seconds in times.items():
                median = statistics.median(seconds)
                base = statistics.median(times[OPTIMIZER_VARIANTS[name][0] if name in OPTIMIZER_VARIANTS
                                               else "the MLP as built"])
                print(f"  {name:<48} {1e3 * median:8.2f} ms  {median / base:5.2f}x")
    print(f"\nload average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
