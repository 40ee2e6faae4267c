"""Seconds per epoch of the numpy MLP, against numpy's own matmul peak and PyTorch.

For each configuration, one epoch over the full training set (no validation
pass), median of ``--repeats`` runs interleaved across configurations and
frameworks, so a slow moment of the machine hits every column alike.

Printed per configuration:
- numpy s/epoch, and the FLOP rate the step needs (matmul FLOPs of forward and
  backward, divided by the epoch time) as a fraction of numpy's float32 matmul
  peak measured just before and after that epoch (the median of the epochs' own
  fractions), its 95% interval and the 50% target's verdict;
- PyTorch s/epoch on the CPU for the same MLP, optimizer and batches, and the
  ratio numpy / PyTorch (< 1 means numpy is faster; the median of each numpy epoch
  against the PyTorch epoch run right after it), where torch is installed;
- "matmuls": the same ratio for the step's matmuls alone (same shapes, nothing
  around them): what the two BLAS libraries contribute, numpy's OpenBLAS against
  PyTorch's MKL. Where it is above 1, numpy's sgemm is the slower part;
- with ``--book-layers``, numpy s/epoch of the same MLP running only the classes a
  reader sees (``Affine``, ``Relu``, ``SoftmaxWithLoss``, and the book's ``SGD`` and
  ``Adam``), without the stand-ins training runs: what the stand-ins save together.

Two OpenBLAS kernels: a machine may set ``OPENBLAS_CORETYPE`` (and ``OPENBLAS_L2_SIZE``)
to pin OpenBLAS to one CPU's kernels; the test machine sets Haswell, whose float32 matmul
runs at about half the speed of the SkylakeX kernel that OpenBLAS picks by itself on
the same AVX-512 CPU, as it does on a reader's machine. OpenBLAS reads them when it loads,
so the bench measures as the machine is set, then runs itself again in a child process
with the two variables removed from the child's environment only (nothing else sees the
change: tests and CI keep the machine's setting). Each table names the kernel OpenBLAS
reports (threadpoolctl's ``architecture``). ``--blas-env`` picks one of the two.

PyTorch is a benchmark dependency only, not in requirements.txt. Install it with
``pip install torch==2.13.0`` (the version the closing figures were measured with;
on the CPU either build runs the same code).

Targets (issues #2, #11 and #15): numpy no slower than PyTorch on every config, for SGD
and for Adam, and, with the kernel a reader's machine runs, at least 50% of the matmul
peak on every config for SGD and for Adam. The FLOPs counted are the step's matmuls
only: Adam's update adds a square root and a division for every weight (in one compiled
pass, see ``optimizer.FusedAdam``) that count no FLOPs, so its fraction is the lower one.
Each config's verdict follows the rule the notebooks apply to the post's findings
(``verdicts.decide``): the median over the epochs with a bootstrap 95% interval; the
target is met when the whole interval lies on its side of the line, missed when the whole
interval lies on the other side, and "cannot tell" otherwise. On a shared machine a
config near the line is then reported as such instead of flipping between met and
missed from one run to the next. Fewer than 5 repeats always give "cannot tell".

Every figure is measured twice by default: with BLAS (and PyTorch) on one
thread, as each sweep agent runs when there is one agent per core, and with the
libraries' own default (one thread per core). The peak is measured anew for each
setting, so each fraction compares the step with what the same threads can do.
On two threads the smallest config's matmuls (100x784 by 784x100) are too small
to split well, so its fraction is lower there.

    MNIST_DIR=../shared/data/mnist python bench/bench_training.py [--repeats 5] [--optimizer sgd adam]
        [--threads 1 2] [--book-layers] [--blas-env both|as-set|unset]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import mnist_utils as mu  # noqa: E402
import verdicts  # noqa: E402  (the house rule: an estimate, its 95% interval, one verdict)
from layers import Affine, Relu, SoftmaxWithLoss  # noqa: E402  (the printed classes)
from optimizer import SGD, Adam  # noqa: E402  (the book's; training runs compiled stand-ins)

try:
    import torch
except ImportError:  # PyTorch is not a dependency: the comparison is optional
    torch = None

INSTALL_TORCH = "pip install torch==2.13.0"

CONFIGS = [([100], 100), ([256, 256], 64), ([512], 128), ([1000], 256)]
LR = {"sgd": 0.1, "adam": 0.001}
BOOK_OPTIMIZERS = {"sgd": SGD, "adam": Adam}
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # what pins OpenBLAS to one CPU's kernels
TARGET = 0.50
OUTCOMES = {verdicts.HOLDS: "met", verdicts.FAILS: "missed", verdicts.UNSURE: "cannot tell"}


def step_flops(hidden_sizes, batch_size, n_in=784, n_out=10):
    """Matmul FLOPs of one training step: forward, dW, and dx for all but the first layer."""
    sizes = [n_in, *hidden_sizes, n_out]
    flops = 0
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        passes = 2 if i == 0 else 3  # forward + dW (+ dx beyond the input layer)
        flops += passes * 2 * batch_size * a * b
    return flops


def matmul_peak(repeats=5):
    """numpy's float32 matmul peak in FLOP/s: the fastest of ``repeats`` products per size.

    Quick (about 0.1 s), so it can be measured beside every epoch; 2048 x 2048
    products gave the same figure within a few percent on the 2-core machine.
    """
    best = 0.0
    for n in (512, 1024):
        a = np.random.default_rng(0).random((n, n), dtype=np.float32)
        b = np.random.default_rng(1).random((n, n), dtype=np.float32)
        a @ b
        for _ in range(repeats):
            start = time.perf_counter()
            a @ b
            best = max(best, 2 * n ** 3 / (time.perf_counter() - start))
    return best


def step_matmuls(hidden_sizes, batch_size, n_in=784, n_out=10):
    """The (m, k, n) shapes of one training step's matmuls, as ``step_flops`` counts them: those
    of ``step_operands``."""
    pairs = step_operands(hidden_sizes, batch_size, n_in, n_out)
    return [(a.shape[0], a.shape[1], b.shape[1]) for a, b in pairs]


def step_operands(hidden_sizes, batch_size, n_in=784, n_out=10):
    """The pairs of arrays one training step multiplies, as ``step_matmuls`` counts them, in the
    layouts the layers hand to ``np.dot``: ``x @ W``, ``x.T @ dout`` (``x.T`` a transposed view)
    and, beyond the input layer, ``dout @ W.T``. Random values: only the shapes matter here."""
    rng = np.random.default_rng(0)
    sizes = [n_in, *hidden_sizes, n_out]
    pairs = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        x, W = rng.random((batch_size, a), dtype=np.float32), rng.random((a, b), dtype=np.float32)
        dout = rng.random((batch_size, b), dtype=np.float32)
        pairs += [(x, W), (x.T, dout)]
        if i > 0:
            pairs.append((dout, W.T))
    return pairs


def matmul_seconds(pairs, steps=30, torch_too=True):
    """Seconds for ``steps`` steps' worth of the products of ``pairs``, in numpy and (with
    ``torch_too``) in PyTorch.

    ``step_operands`` gives the training step's: the same shapes and layouts, with nothing
    else around them, so the ratio of the two is what the BLAS libraries alone contribute to
    the epoch ratio: numpy's wheels ship OpenBLAS, PyTorch's CPU wheels Intel's MKL.
    """
    frameworks = [(np.matmul, pairs)]
    if torch_too:
        frameworks.append((torch.matmul, [(torch.from_numpy(a), torch.from_numpy(b)) for a, b in pairs]))
    results = []
    for matmul, arrays in frameworks:
        for a, b in arrays:
            matmul(a, b)  # warm up
        start = time.perf_counter()
        for _ in range(steps):
            for a, b in arrays:
                matmul(a, b)
        results.append(time.perf_counter() - start)
    return results


def book_layers(net):
    """The same network running the printed ``Affine``, ``Relu`` and ``SoftmaxWithLoss``
    instead of the MLP's stand-ins."""
    net.layers = [Affine(layer.W, layer.b) if isinstance(layer, Affine)
                  else Relu() if isinstance(layer, Relu) else layer for layer in net.layers]
    net.last_layer = SoftmaxWithLoss()
    return net


def fit_epoch(net, x, t, batch_size, optimizer):
    """One epoch of ``mu.fit`` as the benches time it (seed 0, no validation, no progress bar);
    ``optimizer`` is a name of ``LR`` or a ready optimizer. Returns fit's ``History``."""
    lr = LR[optimizer] if isinstance(optimizer, str) else optimizer.lr
    return mu.fit(net, (x, t), epochs=1, batch_size=batch_size, optimizer=optimizer, lr=lr, seed=0,
                  progress=False)


def numpy_epoch(x, t, hidden_sizes, batch_size, optimizer, book=False):
    net = mu.MLP(hidden_sizes=hidden_sizes, seed=0)
    if book:
        net = book_layers(net)
        optimizer = BOOK_OPTIMIZERS[optimizer](lr=LR[optimizer])
    return fit_epoch(net, x, t, batch_size, optimizer).seconds


def torch_epoch(x, t, hidden_sizes, batch_size, optimizer):
    torch.manual_seed(0)
    sizes = [x.shape[1], *hidden_sizes, 10]
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[optimizer](model.parameters(), lr=LR[optimizer])
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    order = torch.randperm(len(x), generator=gen)
    for i in range(0, len(x) - batch_size + 1, batch_size):
        idx = order[i:i + batch_size]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), t[idx])
        loss.backward()
        opt.step()
        loss.item()  # the numpy loop reads its loss every step too
    return time.perf_counter() - start


def measure(x, t, xt, tt, optimizers, repeats, book=False):
    """Epoch seconds for every config at the current thread limit, each with the
    matmul peak measured just before and after it.

    The peak is paired with its epoch, not taken once for the run: on a shared
    machine a core can be busy with other work for minutes, and then both the
    epoch and the peak beside it are measured on what the machine has left.
    """
    runs = {}
    for _ in range(repeats):
        for hidden_sizes, batch_size in CONFIGS:
            for opt in optimizers:
                key = (tuple(hidden_sizes), batch_size, opt)
                runs.setdefault(key, {"numpy": [], "peak": [], "torch": [], "book": [], "mm": []})
                before = matmul_peak()
                runs[key]["numpy"].append(numpy_epoch(x, t, hidden_sizes, batch_size, opt))
                runs[key]["peak"].append(max(before, matmul_peak()))
                if book:
                    runs[key]["book"].append(numpy_epoch(x, t, hidden_sizes, batch_size, opt, book=True))
                if torch is not None:
                    # A pause between frameworks: each one's idle worker threads spin
                    # for a while after their last task and would slow the other.
                    time.sleep(0.5)
                    runs[key]["torch"].append(torch_epoch(xt, tt, hidden_sizes, batch_size, opt))
                    time.sleep(0.5)
                    np_mm, torch_mm = matmul_seconds(step_operands(hidden_sizes, batch_size))
                    runs[key]["mm"].append(np_mm / torch_mm)
    return runs


def target_verdict(values, target, above=True):
    """Whether a config meets a target, by the series' one rule (``verdicts.decide``).

    Parameters
    ----------
    values : sequence of float
        One figure per epoch (a fraction of the peak, a numpy / PyTorch ratio).
    target : float
        The line the figure must reach.
    above : bool
        True when the target asks for ``values`` at or above ``target`` (the fraction of the
        peak), False when at or below (the ratio).

    Returns
    -------
    (verdicts.Interval, str)
        The median's distance from the target, signed so that positive meets it, with a
        bootstrap 95% interval over the epochs; and "met" when the whole interval is on the
        target's side, "missed" when it is all on the other side, "cannot tell" otherwise
        (always, with fewer than ``verdicts.MIN_RUNS`` epochs).
    """
    sign = 1.0 if above else -1.0
    margins = sign * (np.asarray(values, dtype=float) - target)
    interval = verdicts.bootstrap_interval(np.median, (margins,), "median margin")
    return interval, OUTCOMES[verdicts.decide(interval)]


def report(runs, n_train, kernel):
    """Print one table and the two targets' verdicts, each config's with its 95% interval."""
    header = (f"{'hidden':>11} {'batch':>5} {'opt':>5} {'numpy s':>8} {'GFLOP/s':>8} {'peak':>6}"
              f" {'% peak':>7} {'95% interval':>13} {'50%?':>11} {'torch s':>8} {'np/torch':>8}"
              f" {'matmuls':>8} {'book s':>7}")
    print(header)
    print("-" * len(header))
    # per config and target: (the median over the epochs, the verdict), each worked out once
    fractions, ratios = {}, {}
    for key, r in runs.items():
        hidden, batch_size, opt = key
        np_s = statistics.median(r["numpy"])
        epoch_flops = step_flops(hidden, batch_size) * (n_train // batch_size)
        # each epoch's own fraction of the peak measured beside it
        per_epoch = [epoch_flops / s / p for s, p in zip(r["numpy"], r["peak"], strict=True)]
        interval, verdict = target_verdict(per_epoch, TARGET)
        fractions[key] = (statistics.median(per_epoch), verdict)
        low, high = (100 * (TARGET + end) for end in (interval.low, interval.high))
        line = (f"{str(list(hidden)):>11} {batch_size:>5} {opt:>5} {np_s:8.3f}"
                f" {epoch_flops / np_s / 1e9:8.1f} {statistics.median(r['peak']) / 1e9:6.1f}"
                f" {100 * fractions[key][0]:6.1f}% {low:6.1f}-{high:5.1f}% {verdict:>11}")
        if r["torch"]:
            # each epoch's ratio to the PyTorch epoch measured right after it
            per_epoch = [n / p for n, p in zip(r["numpy"], r["torch"], strict=True)]
            ratios[key] = (statistics.median(per_epoch), target_verdict(per_epoch, 1.0, above=False)[1])
            line += (f" {statistics.median(r['torch']):8.3f} {ratios[key][0]:8.2f}"
                     f" {statistics.median(r['mm']):8.2f}")
        else:
            line += f" {'-':>8} {'-':>8} {'-':>8}"
        if r["book"]:
            line += f" {statistics.median(r['book']):7.3f}"
        print(line)

    def name(key):
        return f"{list(key[0])}/{key[1]} {key[2]}"

    def tally(figures):
        """``"met on 3, missed on 1 of 4 configs"``: the configs' verdicts, counted."""
        counts = {outcome: 0 for outcome in OUTCOMES.values()}
        for _, verdict in figures.values():
            counts[verdict] += 1
        said = ", ".join(f"{outcome} on {n}" for outcome, n in counts.items() if n)
        return f"{said} of {len(figures)} configs"

    epochs = len(next(iter(runs.values()))["numpy"])
    print(f"Verdicts: a config meets a target when the 95% interval of its median over the {epochs} "
          "epochs (bootstrap, verdicts.py) lies wholly on the target's side, misses it when wholly "
          "on the other side; otherwise cannot tell.")
    for opt in dict.fromkeys(key[2] for key in fractions):
        mine = {key: f for key, f in fractions.items() if key[2] == opt}
        low = min(mine, key=lambda key: mine[key][0])
        print(f"target >= {TARGET:.0%} of peak ({kernel} kernel), {opt}: {tally(mine)} "
              f"(lowest {100 * mine[low][0]:.1f}%, {name(low)})")
    if ratios:
        high = max(ratios, key=lambda key: ratios[key][0])
        print(f"target numpy no slower than PyTorch: {tally(ratios)} "
              f"(highest ratio {ratios[high][0]:.2f}, {name(high)})")


def openblas_kernels():
    """The kernel each copy of OpenBLAS loaded here runs, by library: ``{"numpy": "SkylakeX", ...}``."""
    from threadpoolctl import threadpool_info  # installed with scikit-learn

    return {Path(info["filepath"]).parent.name.removesuffix(".libs"): info.get("architecture")
            for info in threadpool_info() if info.get("internal_api") == "openblas"}


def run_unset(argv):
    """This bench again in a child process whose environment lacks ``BLAS_ENV``: the reader's kernel.

    Only the child's environment changes; its output goes straight to ours. Returns its exit code.
    """
    env = {k: v for k, v in os.environ.items() if k not in BLAS_ENV}
    print(f"\n=== OpenBLAS choosing its kernel itself, as on a reader's machine: a child process "
          f"without {' and '.join(BLAS_ENV)} ===", flush=True)
    child = subprocess.run([sys.executable, __file__, *argv, "--blas-env", "as-set"], env=env, check=False)
    return child.returncode


def strip_blas_env(argv):
    """``argv`` without any ``--blas-env`` option, so the child gets only ours."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--blas-env":
            skip = True
        elif not arg.startswith("--blas-env="):
            out.append(arg)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--optimizer", nargs="+", default=["sgd", "adam"], choices=sorted(LR))
    parser.add_argument("--threads", type=int, nargs="+", default=[1, os.cpu_count() or 1],
                        help="BLAS (and PyTorch) thread counts to measure, one table each "
                             "(default: 1 and one per core)")
    parser.add_argument("--book-layers", action="store_true",
                        help="also time the MLP running the printed Affine, Relu, SGD and Adam "
                             "(column 'book s')")
    parser.add_argument("--blas-env", choices=["both", "as-set", "unset"], default="both",
                        help=f"OpenBLAS kernels to measure: as this machine's {' / '.join(BLAS_ENV)} "
                             "set them, with those unset (OpenBLAS's own choice, in a child process), "
                             "or both (default)")
    args = parser.parse_args()
    if any(n < 1 for n in args.threads):
        parser.error(f"--threads takes thread counts >= 1, got {args.threads}")
    pinned = {k: os.environ[k] for k in BLAS_ENV if k in os.environ}
    if not pinned:  # nothing to unset: the machine already runs OpenBLAS's own choice
        print(f"{' and '.join(BLAS_ENV)} are not set here: OpenBLAS chooses its kernel itself")
        sys.exit(main_measure(args))
    if args.blas_env in ("both", "as-set"):
        main_measure(args)
    if args.blas_env in ("both", "unset"):
        sys.exit(run_unset(strip_blas_env(sys.argv[1:])))


def main_measure(args):
    """Every table at the thread counts asked for, with OpenBLAS as this process loaded it."""
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    kernels = openblas_kernels()
    kernel = kernels.get("numpy", "unknown")  # numpy's runs the matmuls and the peak
    pinned = ", ".join(f"{k}={os.environ[k]}" for k in BLAS_ENV if k in os.environ) or "neither set"
    print(f"OpenBLAS kernels: {', '.join(f'{lib} {arch}' for lib, arch in kernels.items())} "
          f"({' / '.join(BLAS_ENV)}: {pinned})")
    (x, t), _ = mu.load_mnist()
    xt = tt = None
    if torch is not None:
        xt, tt = torch.from_numpy(x), torch.from_numpy(t)
        print(f"PyTorch {torch.__version__} on the CPU")
    else:
        print(f"PyTorch is not installed: numpy figures only (to compare, {INSTALL_TORCH})")
    for threads in dict.fromkeys(args.threads):  # each count once, in the order given
        with threadpool_limits(threads):
            if torch is not None:
                torch.set_num_threads(threads)
            runs = measure(x, t, xt, tt, args.optimizer, args.repeats, book=args.book_layers)
        print(f"\n{threads} thread(s), numpy {np.__version__}, {len(x)} training images per epoch, "
              f"median of {args.repeats}; GFLOP/s = the step's matmul FLOPs / epoch time; peak = float32 "
              f"matmul GFLOP/s beside each epoch; load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores; OpenBLAS kernel {kernel}")
        report(runs, len(x), kernel)
    return 0


if __name__ == "__main__":
    main()
