"""Seconds that importing the network and ``mnist_utils`` cost, against numpy and tqdm alone.

Each figure is the median of ``--repeats`` imports, each in a fresh Python process
(a second import in the same process costs nothing), timed inside that process so
the interpreter's own start-up is left out. ``mnist_utils`` is the notebooks' face and
imports every helper module eagerly (pandas, wandb and optuna with them: about a second,
paid once per notebook); the network's own modules (``layers``, ``optimizer``,
``multi_layer_net``, ``trainer``) load none of that, so code that only trains stays light.

Target: the network's modules at most 0.3 s (wall time) on the 2-core test machine. Other work
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
    "the network (layers, optimizer, multi_layer_net, trainer)":
        "import layers, optimizer, multi_layer_net, trainer",
    "mnist_utils (the face: also wandb, optuna, pandas)": "import mnist_utils",
}
NETWORK = next(name for name in CASES if name.startswith("the network"))


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
    median = statistics.median(walls[NETWORK])
    print(f"target: the network's modules <= {TARGET} s: {'met' if median <= TARGET else 'NOT met'} "
          f"({median:.3f} s)")


if __name__ == "__main__":
    main()
