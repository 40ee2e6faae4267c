"""Execute the notebook series in order, in a clean copy, and commit-ready: outputs written back.

The committed outputs of notebooks 01-05 must come from one in-order run on the full
MNIST in a clean folder: notebook 03's sweep is the one 04 reads and 05 narrows, so a
leftover ``notebooks/.sweeps/`` or ``notebooks/wandb/`` from an earlier session would
mix runs from different days into one story. This script

1. copies the repository's files (tracked and new, not the ignored run folders) into a
   temporary folder, so ``.sweeps/`` and ``wandb/`` start empty;
2. executes the chosen notebooks there, in order, one kernel each, in this Python
   environment (as nbval's current-env option does), with W&B offline unless
   ``WANDB_MODE`` says otherwise;
3. checks each executed notebook's outputs: no errors, no sign of the offline MNIST
   sample, no absolute paths, host names, user names or API keys (it stops and names
   the notebook and cell);
4. collapses each progress bar to its final state, as a terminal or Jupyter shows it
   (tqdm redraws a bar with carriage returns; a saved notebook would keep every redraw);
5. writes each notebook back in place with its outputs, and prints how many seconds
   each one took to execute (wall time) and how much CPU its kernel used, beside a
   calibration of this machine measured in the same run (float32 matrix products in
   GFLOP/s, and the seconds of one Net2 epoch), since machines differ by 2x or more.

On a machine shared with other work, multithreaded BLAS can slow down many times over
(threads spin while waiting for a core); ``--blas-threads 1`` gives figures that mean
something there. Readers' runs use numpy's default.

    MNIST_DIR=/path/to/mnist python tools/run_notebooks.py          # 01 to 05
    MNIST_DIR=/path/to/mnist python tools/run_notebooks.py 01 02    # a subset, still in order
    MNIST_DIR=/path/to/mnist python tools/run_notebooks.py --blas-threads 1
    MNIST_DIR=/path/to/mnist python tools/run_notebooks.py --no-write --slowest 5   # where the time goes

Notebooks later in the series read what earlier ones wrote (04 and 05 read 03's
sweep, or rebuild it), so run a subset only when it stands on its own.
"""

import argparse
import getpass
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nav import NAME  # tools/nav.py: the series' one rule for a notebook's file name

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = "notebooks"
# Folders a run creates or a machine accumulates: never copied into the clean folder.
SKIP = {".git", "wandb", ".sweeps", "artifacts", "__pycache__", ".ipynb_checkpoints", ".pytest_cache",
        ".venv", "venv", "checkpoints"}
# Absolute paths of the usual home, temporary and work folders, POSIX and Windows.
ABSOLUTE_PATH = re.compile(r"(?<![\w.~])(/(home|root|Users|tmp|work|var|private|mnt|opt|content)/"
                           r"|[A-Za-z]:\\(Users|Windows|Temp)\\)")
# W&B API keys are 40 hex digits (newer ones carry a prefix such as "local-").
API_KEY = re.compile(r"(?<![0-9a-fA-F])[0-9a-f]{40,}(?![0-9a-fA-F])")
# Names too common in ordinary prose to flag as a leaked user name (paths catch them).
COMMON_NAMES = {"root", "user", "admin", "runner", "jovyan", "ubuntu"}


class OutputLeak(Exception):
    """An executed notebook shows something that must not be committed."""


def copy_repository(dest):
    """Copy the repository's files (tracked and new, not ignored) into ``dest``."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=ROOT, capture_output=True, check=True).stdout.decode()
        files = [Path(f) for f in listed.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        # Not a git checkout (a downloaded archive): copy everything but the run folders.
        files = [p.relative_to(ROOT) for p in ROOT.rglob("*")
                 if p.is_file() and not SKIP & set(p.relative_to(ROOT).parts)]
    for rel in files:
        if SKIP & set(rel.parts) or not (ROOT / rel).is_file():
            continue  # a deleted but still tracked file, or a run folder someone committed
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)


def select(names):
    """The series' notebooks, in order; ``names`` (``"01"`` or a file name) picks a subset."""
    paths = sorted(p for p in (ROOT / NOTEBOOKS).glob("*.ipynb") if NAME.match(p.name))
    if not names:
        return paths
    chosen = []
    for name in names:
        hits = [p for p in paths if p.name == name or p.name.startswith(f"{name}_") or p.stem == name]
        if len(hits) != 1:
            raise SystemExit(f"{name!r} names no notebook; use a number or file name among: "
                             f"{', '.join(p.name for p in paths)}")
        chosen.append(hits[0])
    return sorted(set(chosen))


def forbidden_patterns(extra_paths=()):
    """(description, regex) pairs that an output must not match."""
    patterns = [("an absolute path", ABSOLUTE_PATH), ("something shaped like an API key", API_KEY)]
    for path in extra_paths:
        text = str(path).rstrip("/\\")
        if len(text) > 1:
            patterns.append((f"the path {text}", re.compile(re.escape(text))))
    hosts = {socket.gethostname(), socket.gethostname().split(".")[0]}
    users = {getpass.getuser(), os.environ.get("USER", ""), os.environ.get("LOGNAME", "")}
    for kind, names in (("the host name", hosts), ("the user name", users)):
        for name in sorted(n for n in names if len(n) >= 3 and n.lower() not in COMMON_NAMES | {"localhost"}):
            patterns.append((f"{kind} {name!r}", re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.I)))
    return patterns


def output_texts(output):
    """The text a reader sees of one output (images skipped: base64 is not text)."""
    if output.get("output_type") == "stream":
        yield output.get("text", "")
    elif output.get("output_type") == "error":
        yield "\n".join(output.get("traceback", []))
    else:
        for mime, value in output.get("data", {}).items():
            if mime.startswith("text/") or mime.endswith("json"):
                yield value if isinstance(value, str) else str(value)


def check_outputs(nb, name, patterns):
    """Raise OutputLeak naming the cell if an output is an error, the MNIST sample or a leak."""
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        where = f"{name}, code cell {number} (starting {cell.source.splitlines()[0][:60]!r})" \
            if cell.source else f"{name}, code cell {number}"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                raise OutputLeak(f"{where} raised {output.get('ename')}: {output.get('evalue')}")
            for text in output_texts(output):
                if "MNIST OFFLINE FALLBACK" in text:
                    raise OutputLeak(f"{where} ran on the 5,000-digit sample, not the full MNIST: "
                                     "check MNIST_DIR")
                for description, pattern in patterns:
                    match = pattern.search(text)
                    if match:
                        start = max(0, match.start() - 40)
                        excerpt = text[start:match.end() + 40]
                        raise OutputLeak(f"{where} shows {description}: ...{excerpt!r}...")


def collapse_progress(nb):
    """Keep what a terminal shows of each stream: a line redrawn with ``\\r`` keeps its last state.

    Consecutive outputs of one stream in a cell are joined first, since a progress bar's
    redraws arrive as many small outputs.
    """
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        merged = []
        for output in cell.get("outputs", []):
            if (output.get("output_type") == "stream" and merged
                    and merged[-1].get("output_type") == "stream" and merged[-1]["name"] == output["name"]):
                merged[-1]["text"] += output["text"]
            else:
                merged.append(output)
        for output in merged:
            if output.get("output_type") == "stream" and "\r" in output["text"]:
                lines = output["text"].split("\n")
                output["text"] = "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in lines)
        cell.outputs = merged
    return nb


def calibrate():
    """This machine's speed for the series' kind of work: ``(matmul GFLOP/s, one Net2 epoch in s)``.

    The matrix product is float32 at the size of a wide layer's step; the epoch is notebook
    01's Net2 (two hidden layers of 256, Adam, batch 128) on 50,000 random images, with
    this process's BLAS threads.
    """
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from multi_layer_net import MLP
    from trainer import fit

    rng = np.random.default_rng(0)
    a, b = rng.random((1024, 1024), dtype=np.float32), rng.random((1024, 1024), dtype=np.float32)
    a @ b  # warm up the BLAS threads
    start, repeats = time.perf_counter(), 20
    for _ in range(repeats):
        a @ b
    gflops = 2 * 1024 ** 3 * repeats / (time.perf_counter() - start) / 1e9
    x, t = rng.random((50_000, 784), dtype=np.float32), rng.integers(0, 10, 50_000)
    history = fit(MLP(hidden_sizes=[256, 256], seed=0), (x, t), epochs=1, batch_size=128,
                  optimizer="adam", lr=1e-3, progress=False)
    return gflops, history.seconds


def children_cpu_seconds():
    """CPU seconds used so far by this process's finished children (the kernels), or None."""
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def execute(path, workdir, timeout):
    """Execute the notebook at ``path`` with ``workdir`` as its folder.

    Returns
    -------
    (notebook, wall seconds, kernel CPU seconds or None)
    """
    import ipykernel.kernelspec
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    class CurrentEnvKernelSpecs(KernelSpecManager):
        """Every kernel name means this Python: the notebooks run where the script runs."""

        def get_kernel_spec(self, kernel_name):
            return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES,
                                          **ipykernel.kernelspec.get_kernel_dict())

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps of an older run
    km = KernelManager(kernel_name="python3", kernel_spec_manager=CurrentEnvKernelSpecs())
    client = NotebookClient(nb, km=km, timeout=timeout, record_timing=True,
                            resources={"metadata": {"path": str(workdir)}})
    start, cpu = time.perf_counter(), children_cpu_seconds()
    client.execute(cleanup_kc=True)  # the client does not own a kernel manager it was given: stop the kernel
    wall = time.perf_counter() - start
    # The kernel has exited and been reaped by now, so its CPU time is counted.
    return nb, wall, None if cpu is None else children_cpu_seconds() - cpu


def cell_seconds(nb):
    """``[(seconds, cell number, first line)]`` per executed code cell, and strip the timestamps.

    The timestamps are the kernel's own (execute_input to execute_reply), so they
    leave out the client's overhead between cells; committed notebooks carry none.
    """
    from datetime import datetime

    times = []
    for number, cell in enumerate(nb.cells):
        stamps = cell.metadata.pop("execution", None)
        if cell.cell_type != "code" or not stamps or "shell.execute_reply" not in stamps:
            continue
        begin = datetime.fromisoformat(stamps["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(stamps["shell.execute_reply"].replace("Z", "+00:00"))
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        times.append(((end - begin).total_seconds(), number, first[:70]))
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description="Execute the notebooks in order in a clean copy and "
                                                 "write them back with their outputs.")
    parser.add_argument("notebooks", nargs="*", help="numbers or file names (default: the whole series)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell (default 900)")
    parser.add_argument("--blas-threads", type=int, default=None, metavar="N",
                        help="threads for numpy's BLAS in the kernels (default: numpy's own choice)")
    parser.add_argument("--slowest", type=int, default=0, metavar="N",
                        help="also print each notebook's N slowest cells, with their seconds")
    parser.add_argument("--no-write", action="store_true",
                        help="execute and check, but leave the notebooks in the repository as they are "
                             "(for timing)")
    args = parser.parse_args(argv)

    mnist_dir = os.environ.get("MNIST_DIR")
    if not mnist_dir or not Path(mnist_dir).expanduser().is_dir():
        raise SystemExit("MNIST_DIR must name a folder holding the four MNIST files: the committed "
                         "outputs come from the full MNIST "
                         "(e.g. MNIST_DIR=/path/to/mnist python tools/run_notebooks.py)")
    if args.slowest < 0:
        raise SystemExit(f"--slowest must be 0 or more, got {args.slowest}")
    if args.blas_threads is not None and args.blas_threads < 1:
        raise SystemExit(f"--blas-threads must be 1 or more, got {args.blas_threads}")
    paths = select(args.notebooks)
    if args.blas_threads is not None:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.blas_threads)
    # Committed outputs are offline runs: an online run would print URLs with your W&B user name.
    os.environ.setdefault("WANDB_MODE", "offline")

    timings = []
    with tempfile.TemporaryDirectory(prefix="run-notebooks-") as tmp:
        clean = Path(tmp) / "repo"
        copy_repository(clean)
        patterns = forbidden_patterns([ROOT, Path(tmp).resolve(), Path(tmp), Path(mnist_dir),
                                       Path(mnist_dir).expanduser().resolve(), Path.home()])
        print(f"executing {', '.join(p.name for p in paths)} in a clean copy "
              f"(W&B {os.environ['WANDB_MODE']}, MNIST from $MNIST_DIR)", flush=True)
        for path in paths:
            copy = clean / NOTEBOOKS / path.name
            try:
                nb, seconds, cpu = execute(copy, copy.parent, args.timeout)
            except Exception as err:  # CellExecutionError names the cell and shows its traceback
                raise SystemExit(f"{path.name} failed to execute; nothing after it was run.\n{err}") from None
            try:
                check_outputs(nb, path.name, patterns)
            except OutputLeak as err:
                raise SystemExit(f"{err}\n{path.name} was not written back; "
                                 "nothing after it was run.") from None
            cells = cell_seconds(nb)
            collapse_progress(nb)
            if not args.no_write:
                nbformat.write(nb, path)
            timings.append(seconds)
            cpu_text = "" if cpu is None else f" (kernel CPU {cpu:.1f} s)"
            done = "checked, not written back" if args.no_write else "written back"
            print(f"{path.name}: {seconds:6.1f} s{cpu_text}, {done}", flush=True)
            for cell_time, number, first in sorted(cells, reverse=True)[:args.slowest]:
                print(f"    {cell_time:6.1f} s  cell {number}: {first}", flush=True)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "numpy's default")
    print(f"total: {sum(timings):.1f} s for {len(timings)} notebooks (wall time of each kernel's "
          f"execution, {os.cpu_count()} cores, BLAS threads: {threads})")
    gflops, epoch = calibrate()
    print(f"calibration, measured now: float32 matrix products {gflops:.0f} GFLOP/s, "
          f"one Net2 epoch (50,000 images, Adam, batch 128) {epoch:.1f} s; "
          f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
