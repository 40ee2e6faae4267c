"""Benchmark the local sweep controller; prints figures, asserts nothing.

1. Per-trial overhead: the agent's wall time per trial minus the time spent inside
   the train function (which itself does wandb.init / log / finish). Target: < 0.5 s.
2. Two agent processes on one CPU-bound grid sweep vs one process: the speed-up.
   Target: >= 1.6x on 2 cores. BLAS is pinned to one thread per process
   (OPENBLAS_NUM_THREADS=1 etc.), so two processes do not fight over the cores.

Each figure is the median of several repetitions, each in a fresh temporary
directory (sweep state and W&B runs never land in the repo).

    python bench/bench_sweeps.py [--repeats 3]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]
os.environ["WANDB_MODE"] = "offline"
os.environ["WANDB_SILENT"] = "true"

import sweep_fixtures  # noqa: E402

import local_sweeps  # noqa: E402

ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                     "MKL_NUM_THREADS")}


def overhead_per_trial(trials):
    """Seconds per trial the controller adds around a trivial W&B train function."""
    inside = []

    def timed_train():
        start = time.perf_counter()
        sweep_fixtures.train_sleep()
        inside.append(time.perf_counter() - start)

    sweep_id = local_sweeps.sweep({"method": "random", "metric": {"name": "score"},
                                   "parameters": {"x": {"min": 0.0, "max": 1.0}}})
    start = time.perf_counter()
    local_sweeps.agent(sweep_id, function=timed_train, count=trials)
    total = time.perf_counter() - start
    return (total - sum(inside)) / trials, statistics.median(inside)


def cpu_sweep_seconds(agents, points, size):
    """Wall time, and the agents' CPU time, to run a CPU-bound grid of `points` trials."""
    env = {**os.environ, **ONE_THREAD,
           "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "bench")])}
    sweep_id = local_sweeps.sweep({"method": "grid", "metric": {"name": "score"},
                                   "parameters": {"seed": {"values": list(range(points))},
                                                  "size": {"value": size}}})
    command = [sys.executable, "-m", "local_sweeps", "agent", sweep_id,
               "--function", "cpu_train:train_cpu"]
    start = time.perf_counter()
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(agents)]
    cpu = 0.0
    for p in procs:
        _, _, usage = os.wait4(p.pid, 0)  # the agent's own CPU time (user + system)
        cpu += usage.ru_utime + usage.ru_stime
    seconds = time.perf_counter() - start
    df = local_sweeps.results(sweep_id)
    if len(df) != points or (df["state"] != "finished").any():
        print(f"  warning: {agents} agent(s) left {len(df)} trials, states "
              f"{df['state'].value_counts().to_dict()}")
    return seconds, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trials", type=int, default=8, help="trials per overhead run")
    parser.add_argument("--points", type=int, default=8, help="grid points in the CPU sweep")
    parser.add_argument("--size", type=int, default=300, help="matrix size in train_cpu")
    args = parser.parse_args()
    os.environ.setdefault("TRAIN_CPU_REPEATS", "600")  # ~2.5 s of compute per trial
    os.environ.update(ONE_THREAD)  # for this process's overhead runs too
    original = os.getcwd()

    overheads, bodies = [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as folder:
            os.chdir(folder)
            try:
                overhead, body = overhead_per_trial(args.trials)
            finally:
                os.chdir(original)
        overheads.append(overhead)
        bodies.append(body)

    load_before = os.getloadavg()[0]
    one, two, cpu = [], [], {1: [], 2: []}
    for _ in range(args.repeats):
        for agents, times in ((1, one), (2, two)):
            with tempfile.TemporaryDirectory() as folder:
                os.chdir(folder)
                try:
                    seconds, cpu_seconds = cpu_sweep_seconds(agents, args.points, args.size)
                finally:
                    os.chdir(original)
            times.append(seconds)
            cpu[agents].append(cpu_seconds)

    print()
    print(f"Per-trial controller overhead (median of {args.repeats} runs x {args.trials} "
          f"trials): {statistics.median(overheads):.3f} s  [target < 0.5 s]")
    print(f"  all runs: {', '.join(f'{o:.3f}' for o in overheads)} s; the train function "
          f"itself (wandb.init/log/finish) took a median {statistics.median(bodies):.3f} s")
    print(f"CPU-bound grid sweep, {args.points} trials, BLAS pinned to 1 thread per process "
          f"(OPENBLAS_NUM_THREADS=1), {os.cpu_count()} cores:")
    print(f"  1 agent process : {statistics.median(one):.1f} s  "
          f"(runs: {', '.join(f'{t:.1f}' for t in one)})")
    print(f"  2 agent processes: {statistics.median(two):.1f} s  "
          f"(runs: {', '.join(f'{t:.1f}' for t in two)})")
    print(f"  speed-up: {statistics.median(one) / statistics.median(two):.2f}x  "
          f"[target >= 1.6x]")
    print(f"  agents' CPU time: {statistics.median(cpu[1]):.1f} s with 1, "
          f"{statistics.median(cpu[2]):.1f} s with 2 (same work either way)")
    print(f"  load average (1 min) before / after the CPU sweeps: {load_before:.1f} / "
          f"{os.getloadavg()[0]:.1f}; other processes on the machine lower the speed-up")


if __name__ == "__main__":
    main()
