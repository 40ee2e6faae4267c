"""Where a training step's time goes, in the loop ``fit`` runs, against the time the 50% target allows.

For each config and optimizer of bench_training.py, one epoch of ``mu.fit`` over the full
training set, with the step's parts timed where ``fit`` calls them:

- gather: ``x[idx]``, the minibatch copied out of the training set. Its rows lie at random
  places in the 188 MB of images, so this is mostly a wait on memory;
- gradient: ``net.gradient``, forward and backward; beside it, "matmuls": the step's matrix
  products alone, in the same shapes and layouts, timed on their own with their data in cache;
- update: ``opt.update``;
- rest: the loop's own work (the shuffle, the loss and accuracy it keeps), and the timers'.

Then:
- "step": the epoch as bench_training.py times it (no timers), per step;
- "no gather": the same epoch with every step handed one minibatch that stays in cache:
  the step without the wait on memory (timed with the parts' timers, which add about 0.2
  microseconds to each of the three parts);
- "50% at": the longest step that meets bench_training.py's target, 50% of the float32
  matmul peak measured beside the epoch, with the "% peak" each of the two steps reaches.

Medians of ``--repeats`` epochs, BLAS on one thread. The figures depend on the OpenBLAS
kernel (see bench_training.py): run it as
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/bench_step.py`` for the kernel a
reader's machine picks.

    MNIST_DIR=../shared/data/mnist python bench/bench_step.py [--repeats 3] [--optimizer sgd adam]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_training as training  # noqa: E402

import mnist_utils as mu  # noqa: E402
from optimizer import get_optimizer  # noqa: E402  (mu re-exports only what notebooks use)

PARTS = ("gather", "gradient", "update")


class Clock:
    """Seconds spent in each part of the step, summed over an epoch."""

    def __init__(self):
        self.seconds = dict.fromkeys(PARTS, 0.0)

    def timed(self, part, function):
        """``function``, adding the time of every call to ``part``."""
        def wrapper(*args):
            start = time.perf_counter()
            result = function(*args)
            self.seconds[part] += time.perf_counter() - start
            return result
        return wrapper


class Images:
    """The training images as ``fit`` reads them (``len(x)``, ``x[idx]``), timing each gather.

    With ``fixed``, every ``x[idx]`` returns one minibatch made beforehand (the first
    ``fixed`` rows), so no step waits on memory for its images: "no gather".
    """

    def __init__(self, x, clock, fixed=None):
        self.x = x
        self.gather = clock.timed("gather", self._fixed if fixed else x.__getitem__)
        self.batch = x[:fixed].copy() if fixed else None

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return self.gather(idx)

    def _fixed(self, idx):
        return self.batch


def timed_epoch(x, t, hidden_sizes, batch_size, optimizer, fixed=False):
    """One epoch of ``fit``, as bench_training.numpy_epoch runs it, with every part timed.

    Returns
    -------
    (seconds, parts, net) : the epoch's seconds, the seconds of each of ``PARTS``, the trained MLP
    """
    clock = Clock()
    net = mu.MLP(hidden_sizes=hidden_sizes, seed=0)
    net.gradient = clock.timed("gradient", net.gradient)
    opt = get_optimizer(optimizer, training.LR[optimizer])
    opt.update = clock.timed("update", opt.update)
    images = Images(x, clock, fixed=batch_size if fixed else None)
    return training.fit_epoch(net, images, t, batch_size, opt).seconds, clock.seconds, net


def measure(x, t, hidden_sizes, batch_size, optimizer, repeats):
    """Per step, every column the table prints, in seconds (``peak`` in FLOP/s): medians over
    ``repeats`` epochs, but for ``matmuls``, timed once over 30 steps' worth of products."""
    rows = {name: [] for name in ("step", "peak", "no gather", *PARTS, "rest")}
    steps = len(x) // batch_size
    for _ in range(repeats):
        before = training.matmul_peak()
        rows["step"].append(training.numpy_epoch(x, t, hidden_sizes, batch_size, optimizer) / steps)
        rows["peak"].append(max(before, training.matmul_peak()))
        seconds, parts, _ = timed_epoch(x, t, hidden_sizes, batch_size, optimizer)
        for part in PARTS:
            rows[part].append(parts[part] / steps)
        rows["rest"].append((seconds - sum(parts.values())) / steps)
        seconds, _, _ = timed_epoch(x, t, hidden_sizes, batch_size, optimizer, fixed=True)
        rows["no gather"].append(seconds / steps)
    medians = {name: statistics.median(values) for name, values in rows.items()}
    pairs, steps_timed = training.step_operands(hidden_sizes, batch_size), 30
    medians["matmuls"] = training.matmul_seconds(pairs, steps=steps_timed, torch_too=False)[0] / steps_timed
    return medians


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--optimizer", nargs="+", default=["sgd", "adam"], choices=sorted(training.LR))
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    (x, t), _ = mu.load_mnist()
    load_before = os.getloadavg()[0]
    print(f"us per training step, median of {args.repeats} epochs of {len(x)} images, 1 BLAS thread, "
          f"OpenBLAS {', '.join(f'{lib} {arch}' for lib, arch in training.openblas_kernels().items())}")
    header = (f"{'hidden':>11} {'batch':>5} {'opt':>5} {'gather':>7} {'gradient':>9} {'matmuls':>8}"
              f" {'update':>7} {'rest':>6} {'step':>7} {'% peak':>7} {'no gather':>10} {'% peak':>7}"
              f" {'50% at':>7}")
    print(header)
    print("-" * len(header))
    with threadpool_limits(1):
        for hidden_sizes, batch_size in training.CONFIGS:
            flops = training.step_flops(hidden_sizes, batch_size)
            for opt in args.optimizer:
                m = measure(x, t, hidden_sizes, batch_size, opt, args.repeats)
                us = {name: 1e6 * value for name, value in m.items()}
                print(f"{str(hidden_sizes):>11} {batch_size:>5} {opt:>5} {us['gather']:7.1f}"
                      f" {us['gradient']:9.1f} {us['matmuls']:8.1f} {us['update']:7.1f} {us['rest']:6.1f}"
                      f" {us['step']:7.1f} {100 * flops / m['step'] / m['peak']:6.1f}%"
                      f" {us['no gather']:10.1f} {100 * flops / m['no gather'] / m['peak']:6.1f}%"
                      f" {1e6 * flops / (training.TARGET * m['peak']):7.1f}")
    print(f"\nload average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
