"""Seconds that ``import mnist_utils`` costs a notebook, against numpy and tqdm alone.

Each figure is the median of ``--repeats`` imports, each in a fresh Python process
(a second import in the same process costs nothing), timed inside that process so
the interpreter's own start-up is left out. The W&B and sweep helpers load on first
use, so this is what notebook 01, which never uses them, pays.

Target (issue #11): at most 0.3 s (wall time) on the 2-core test machine. Other work
on the machine slows every line alike, and wall time most: the baselines show by how
much, and the CPU time the import itself used is printed beside it, as the figure
that moves least with the machine's load.

    python bench/bench_import.py [--repeats 9]
"""

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = 0.3
CASES = {
    "numpy": "import numpy",
    "numpy + tqdm": "import numpy, tqdm",
    "mnist_utils": "import mnist_utils",
    "mnist_utils, then mu.hyperband_brackets (loads wandb, optuna, pandas)":
        "import mnist_utils as mu; mu.hyperband_brackets",
}


def import_seconds(statement):
    """Time ``statement`` in a fresh interpreter, from its first import to its last."""
    code = ("import time\nstart, cpu = time.perf_counter(), time.process_time()\n"
            f"{statement}\nprint(time.perf_counter() - start, time.process_time() - cpu)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO), "WANDB_MODE": "offline"})
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")
    walls, cpus = {name: [] for name in CASES}, {name: [] for name in CASES}
    load_before = os.getloadavg()[0]
    for _ in range(args.repeats):  # interleaved, so a busy moment hits every case alike
        for name, statement in CASES.items():
            wall, cpu = import_seconds(statement)
            walls[name].append(wall)
            cpus[name].append(cpu)
    print(f"import time in a fresh process, median of {args.repeats} (min - max); load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores:")
    print(f"  {'':<58} {'wall s':>6}  {'(min - max)':<15} {'CPU s':>6}")
    for name in CASES:
        w = walls[name]
        print(f"  {name:<58} {statistics.median(w):6.3f}  ({min(w):.3f} - {max(w):.3f})"
              f" {statistics.median(cpus[name]):6.3f}")
    median = statistics.median(walls["mnist_utils"])
    print(f"target import mnist_utils <= {TARGET} s: {'met' if median <= TARGET else 'NOT met'} "
          f"({median:.3f} s)")


if __name__ == "__main__":
    main()
