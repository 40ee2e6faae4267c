"""Seconds that ``import mnist_utils`` costs a notebook, against numpy and tqdm alone.

Each figure is the median of ``--repeats`` imports, each in a fresh Python process
(a second import in the same process costs nothing), timed inside that process so
the interpreter's own start-up is left out. The W&B and sweep helpers load on first
use, so this is what notebook 01, which never uses them, pays.

Target (issue #11): at most 0.3 s on the 2-core test machine. Other work on the
machine slows every line alike; the baselines show by how much.

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
    "mnist_utils, then mu.sweep (loads wandb, optuna, pandas)": "import mnist_utils as mu; mu.sweep",
}


def import_seconds(statement):
    """Time ``statement`` in a fresh interpreter, from its first import to its last."""
    code = f"import time\nstart = time.perf_counter()\n{statement}\nprint(time.perf_counter() - start)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO), "WANDB_MODE": "offline"})
    return float(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")
    times = {name: [] for name in CASES}
    for _ in range(args.repeats):  # interleaved, so a busy moment hits every case alike
        for name, statement in CASES.items():
            times[name].append(import_seconds(statement))
    load = os.getloadavg()[0]
    print(f"import time in a fresh process, median of {args.repeats} (min - max), "
          f"load average {load:.1f} on {os.cpu_count()} cores:")
    for name, seconds in times.items():
        print(f"  {name:<58} {statistics.median(seconds):6.3f} s  ({min(seconds):.3f} - {max(seconds):.3f})")
    median = statistics.median(times["mnist_utils"])
    print(f"target import mnist_utils <= {TARGET} s: {'met' if median <= TARGET else 'NOT met'} "
          f"({median:.3f} s)")


if __name__ == "__main__":
    main()
