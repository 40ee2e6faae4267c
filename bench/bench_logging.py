"""What W&B costs this tutorial, offline: starting a run, logging, reading it back.

Prints figures and asserts nothing (tests never time anything). Every figure is
the median of several runs, and the training variants are interleaved so that a
busy machine slows them all alike.

    MNIST_DIR=/path/to/mnist python bench/bench_logging.py [--quick]

BLAS runs on one thread unless OPENBLAS_NUM_THREADS / OMP_NUM_THREADS say
otherwise: on a small machine shared with other jobs, OpenBLAS's threads slow
batch-64 training 5-20x, erratically, and drown the few percent measured here.

Targets: ``wandb.init`` + ``finish`` under 1 s; logging every epoch or every step
adds at most 5% to training; reading a run back well under 0.5 s.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # before numpy starts its BLAS

import numpy as np  # noqa: E402
import wandb  # noqa: E402

import mnist_utils as mu  # noqa: E402
from wandb_helpers import read_offline_run, setup_wandb  # noqa: E402

CONFIG = {"hidden_sizes": [256, 256], "optimizer": "adam", "lr": 1e-3, "batch_size": 64}


def seconds(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def wall_and_cpu(fn):
    """Wall-clock and this process's CPU seconds: on a busy machine the second
    moves less, and it holds all of wandb.log's own cost (W&B's service is
    another process, so its share of the machine shows only in wall time)."""
    cpu = time.process_time()
    wall, _ = seconds(fn)
    return wall, time.process_time() - cpu


def bench_init_finish(repeats):
    """Seconds for an empty offline run; the first one also starts W&B's service."""
    times = []
    for _ in range(repeats):
        times.append(seconds(lambda: wandb.init(project="bench-init", config=CONFIG).finish())[0])
    print(f"wandb.init + finish, offline: first {times[0]:.2f} s (starts W&B's service), "
          f"then median {statistics.median(times[1:]):.2f} s over {len(times) - 1} runs")


def train(variant, data, epochs):
    """Train Net2 once; return ((wall, cpu) seconds in fit, seconds in finish, run folder)."""
    train_set, val_set = data
    net = mu.MLP(hidden_sizes=CONFIG["hidden_sizes"], seed=0)
    kwargs = dict(epochs=epochs, batch_size=CONFIG["batch_size"], optimizer=CONFIG["optimizer"],
                  lr=CONFIG["lr"], seed=0, progress=False)
    if variant == "no logging":
        return wall_and_cpu(lambda: mu.fit(net, train_set, val_set, **kwargs)), 0.0, None
    run = wandb.init(project="bench-logging", group=variant, config={**CONFIG, "epochs": epochs})
    if variant != "run open, no log":
        kwargs["on_epoch_end"] = wandb.log
    if variant == "log every step":
        kwargs["on_step_end"] = lambda m: wandb.log({"batch_loss": m["batch_loss"]})
    fit_s = wall_and_cpu(lambda: mu.fit(net, train_set, val_set, **kwargs))
    finish_s = seconds(run.finish)[0]
    return fit_s, finish_s, Path(run.dir).parent


def bench_log_call(repeats, calls=2000):
    """Microseconds per wandb.log({"batch_loss": ...}) call, the per-step cost."""
    run = wandb.init(project="bench-log-call")
    loss = np.float32(0.25)  # what fit's on_step_end hands over
    times = []
    for _ in range(repeats):
        wall, _ = seconds(lambda: [wandb.log({"batch_loss": loss}) for _ in range(calls)])
        times.append(wall / calls)
    run.finish()
    per_call = statistics.median(times)
    print(f"wandb.log, one scalar: median {per_call * 1e6:.0f} us per call ({repeats} x {calls} calls)")
    return per_call


def bench_training(repeats, epochs, data, per_call):
    variants = ["no logging", "run open, no log", "log every epoch", "log every step"]
    times = {v: [] for v in variants}
    finish_times = {v: [] for v in variants}
    folders = {}
    for r in range(repeats):
        for variant in variants[r % 4:] + variants[:r % 4]:  # rotate the order
            (wall, cpu), finish_s, folder = train(variant, data, epochs)
            times[variant].append((wall, cpu))
            finish_times[variant].append(finish_s)
            folders[variant] = folder
            print(f"  {variant:16s} fit {wall:6.2f} s wall, {cpu:6.2f} s CPU;"
                  f" finish {finish_s:5.2f} s", flush=True)
    base_wall = statistics.median(w for w, _ in times["no logging"])
    base_cpu = statistics.median(c for _, c in times["no logging"])
    steps = epochs * (len(data[0][0]) // CONFIG["batch_size"])
    print(f"Net2 {CONFIG['hidden_sizes']}, Adam, batch {CONFIG['batch_size']}, {epochs} epoch(s) "
          f"({steps} steps), median of {repeats} interleaved runs:")
    for variant in variants:
        wall = statistics.median(w for w, _ in times[variant])
        cpu = statistics.median(c for _, c in times[variant])
        line = (f"  {variant:16s} {wall:7.2f} s wall x{wall / base_wall:.3f}"
                f"   {cpu:7.2f} s CPU x{cpu / base_cpu:.3f}")
        if variant != "no logging":
            line += f"   (+ finish {statistics.median(finish_times[variant]):.2f} s)"
        print(line)
    print(f"  expected from the per-call cost: every step adds {steps} x {per_call * 1e6:.0f} us"
          f" = {steps * per_call:.2f} s, x{1 + steps * per_call / base_wall:.3f}")
    return folders


def bench_reads(folders, repeats):
    """Seconds for read_offline_run, and for the public `wandb leet inspect` CLI it bypasses."""
    for variant in ["log every epoch", "log every step"]:
        folder = folders[variant]
        times = [seconds(lambda: read_offline_run(folder))[0] for _ in range(repeats)]
        rows = len(read_offline_run(folder).history)
        print(f"read_offline_run ({variant}, {rows} history rows): "
              f"median {statistics.median(times) * 1000:.0f} ms over {repeats}")
    cli = [sys.executable, "-m", "wandb", "leet", "inspect", "--json", str(folder)]
    times = [seconds(lambda: subprocess.run(cli, capture_output=True, check=True))[0]
             for _ in range(3)]
    print(f"for comparison, one `python -m wandb leet inspect --json` call: "
          f"median {statistics.median(times) * 1000:.0f} ms (read_offline_run makes two reads)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 epoch, fewer repeats: a smoke check")
    args = parser.parse_args()
    epochs, train_repeats, repeats = (1, 1, 3) if args.quick else (5, 5, 7)

    print(f"BLAS threads: {os.environ['OPENBLAS_NUM_THREADS']} (OPENBLAS_NUM_THREADS)")
    (x, t), _ = mu.load_mnist()
    data = mu.train_val_split(x, t, val_size=10_000, seed=0)
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)  # the runs made here are thrown away afterwards
        os.environ["WANDB_MODE"] = "offline"  # even where a key is configured
        setup_wandb()
        bench_init_finish(repeats + 1)
        per_call = bench_log_call(repeats)
        folders = bench_training(train_repeats, epochs, data, per_call)
        bench_reads(folders, repeats)
        os.chdir(ROOT)


if __name__ == "__main__":
    main()
