"""What W&B costs this tutorial, offline: starting a run, logging, reading it back.

Prints figures and asserts nothing (tests never time anything). Every figure is
the median of several runs, and the training variants are interleaved so that a
busy machine slows them all alike.

    MNIST_DIR=/path/to/mnist python bench/bench_logging.py [--quick]

BLAS runs on one thread unless OPENBLAS_NUM_THREADS / OMP_NUM_THREADS say
otherwise: on a small machine shared with other jobs, OpenBLAS's threads slow
batch-64 training 5-20x, erratically, and drown the few percent measured here.

Targets: ``wandb.init`` + ``finish`` under 1 s; logging every epoch or every step
adds at most 5% to training; reading a run back well under 0.5 s. Logging every
50 steps, what the notebooks do, is measured beside them.

Where the per-step cost comes from is printed too: each ``wandb.log`` call's CPU
time in this process (W&B's client, which holds the GIL) and in ``wandb-core``
(its service, another process).
"""

import argparse
import functools
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


# The control for "W&B busy elsewhere": one wandb.log per ~1.5 ms, about one per training step.
BUSY_LOGGER = """
import time, wandb
run = wandb.init(project="bench-busy")
while True:
    run.log({"batch_loss": 0.25})
    time.sleep(0.0015)
"""


def seconds(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def wall_and_cpu(fn):
    """Wall-clock and this process's CPU seconds (printed per run: W&B's
    service is another process, so its share of the machine shows only in wall time)."""
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
    if variant == "W&B busy elsewhere":
        # Not a way to log: a control. Another process logs as often as "log every
        # step" does while this one trains without W&B, so the machine carries the
        # same W&B work; only the GIL-sharing within one process is gone.
        busy = subprocess.Popen([sys.executable, "-c", BUSY_LOGGER], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(3)  # its wandb.init is done
        try:
            return wall_and_cpu(lambda: mu.fit(net, train_set, val_set, **kwargs)), 0.0, None
        finally:
            busy.terminate()
            busy.wait()
    run = wandb.init(project="bench-logging", group=variant, config={**CONFIG, "epochs": epochs})
    if variant != "run open, no log":
        kwargs["on_epoch_end"] = wandb.log
    if variant == "log every step":
        kwargs["on_step_end"] = lambda m: wandb.log({"batch_loss": m["batch_loss"]})
    if variant == "log every 50 steps":  # as notebook 02 does
        def log_every_50_steps(m):
            if m["step"] % 50 == 0:
                wandb.log({"batch_loss": m["batch_loss"]})

        kwargs["on_step_end"] = log_every_50_steps
    fit_s = wall_and_cpu(lambda: mu.fit(net, train_set, val_set, **kwargs))
    finish_s = seconds(run.finish)[0]
    return fit_s, finish_s, Path(run.dir).parent


def cpu_seconds(process):
    times = process.cpu_times()
    return times.user + times.system


def bench_log_call(repeats, calls=2000):
    """Microseconds per wandb.log({"batch_loss": ...}) call, the per-step cost,
    and its CPU time here and in W&B's service process."""
    import psutil  # installed with ipykernel

    run = wandb.init(project="bench-log-call")
    here = psutil.Process()
    service = [p for p in here.children(recursive=True) if p.name() == "wandb-core"]
    loss = np.float32(0.25)  # what fit's on_step_end hands over
    times, cpu_here, cpu_service = [], [], []
    for _ in range(repeats):
        before = cpu_seconds(here), sum(map(cpu_seconds, service))
        wall, _ = seconds(lambda: [wandb.log({"batch_loss": loss}) for _ in range(calls)])
        time.sleep(0.5)  # the service finishes writing what it was sent
        times.append(wall / calls)
        cpu_here.append((cpu_seconds(here) - before[0]) / calls)
        cpu_service.append((sum(map(cpu_seconds, service)) - before[1]) / calls)
    run.finish()
    per_call = statistics.median(times)
    print(f"wandb.log, one scalar: median {per_call * 1e6:.0f} us per call ({repeats} x {calls} calls); "
          f"CPU per call: {statistics.median(cpu_here) * 1e6:.0f} us in this process, "
          f"{statistics.median(cpu_service) * 1e6:.0f} us in wandb-core")
    return per_call


def bench_training(repeats, epochs, data, per_call):
    variants = ["no logging", "run open, no log", "log every epoch", "log every 50 steps", "log every step",
                "W&B busy elsewhere"]
    times = {v: [] for v in variants}
    finish_times = {v: [] for v in variants}
    folders = {}
    for r in range(repeats):
        for variant in variants[r % len(variants):] + variants[:r % len(variants)]:  # rotate the order
            (wall, cpu), finish_s, folder = train(variant, data, epochs)
            times[variant].append((wall, cpu))
            finish_times[variant].append(finish_s)
            folders[variant] = folder
            print(f"  {variant:18s} fit {wall:6.2f} s wall, {cpu:6.2f} s CPU;"
                  f" finish {finish_s:5.2f} s", flush=True)
    # Each round's times are divided by the same round's "no logging" time: the
    # machine's speed drifts by 10-20% over minutes, and pairing cancels that.
    ratios = {v: [times[v][r][0] / times["no logging"][r][0] for r in range(repeats)] for v in variants}
    base_wall = statistics.median(w for w, _ in times["no logging"])
    steps = epochs * (len(data[0][0]) // CONFIG["batch_size"])
    print(f"Net2 {CONFIG['hidden_sizes']}, Adam, batch {CONFIG['batch_size']}, {epochs} epoch(s) "
          f"({steps} steps), {repeats} interleaved rounds; time against the same round's "
          f"'no logging' run, median (lowest-highest):")
    for variant in variants:
        wall = statistics.median(w for w, _ in times[variant])
        r = ratios[variant]
        line = f"  {variant:18s} {wall:7.2f} s x{statistics.median(r):.3f} ({min(r):.3f}-{max(r):.3f})"
        if variant not in ("no logging", "W&B busy elsewhere"):
            line += f"   + finish {statistics.median(finish_times[variant]):.2f} s"
        print(line)
    print(f"  expected from the per-call cost: every step adds {steps} x {per_call * 1e6:.0f} us"
          f" = {steps * per_call:.2f} s, x{1 + steps * per_call / base_wall:.3f}")
    for variant in ["log every epoch", "log every step"]:
        ratio = statistics.median(ratios[variant])
        print(f"  target {variant} <= x1.05: {'met' if ratio <= 1.05 else 'NOT met'} (x{ratio:.3f})")
    return folders


def bench_reads(folders, repeats):
    """Seconds for read_offline_run, and for the public `wandb leet inspect` CLI it bypasses."""
    for variant in ["log every epoch", "log every step"]:
        folder = folders[variant]
        times = [seconds(functools.partial(read_offline_run, folder))[0] for _ in range(repeats)]
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
    epochs, train_repeats, repeats = (1, 1, 3) if args.quick else (5, 7, 7)

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
