"""Run the unit tests beside the notebooks, each chain of notebooks kept in order in one process.

The README's test command runs ``pytest -n 2``: two pytest-xdist workers, with
``--dist loadgroup`` (set in pyproject.toml). The scheduler below gives the notebook cells
that nbval collects to two work units, one per chain of notebooks that build on each other:
03 to 06 (04 and 05 read the sweep 03 runs, 06 what 04 and 05 found) and 01 to 02, which
read nothing another notebook writes. A single worker runs each unit, in collection order
(cell by cell, a notebook's cells sharing its kernel) and in the one ``notebooks/`` folder,
as the series needs. xdist queues the unit with the most tests first (its default
``--loadscope-reorder``), so 03 to 06 start at once on one worker while the other runs 01 and
02; the unit tests fill both workers around them, one at a time. Without ``-n``, pytest
runs everything in order in one process, as before.

Why a scheduler and not ``pytest.mark.xdist_group``: with pytest 9.2, xdist 3.8 (the
newest) drops the group silently, because it marks a group by rewriting the test's node
id, which pytest 9.2 no longer reads (pytest-dev/pytest-xdist#1386). The scheduler reads
node ids and rewrites nothing.
"""

import os
import socket

import pytest
import sweep_fixtures
from xdist.scheduler import LoadGroupScheduling

import wandb_internals

NOTEBOOKS_GROUP = "notebooks"  # 03 to 06, and every notebook not named below
# Notebooks that read nothing another notebook writes, and write nothing another reads
# (only their own W&B runs, each in a folder of its own): their own chain, beside 03-06.
STANDALONE_GROUP = "notebooks-01-02"
STANDALONE_NOTEBOOKS = ("notebooks/01_mnist_baseline.ipynb::", "notebooks/02_dashboard_logging.ipynb::")

# Unit tests that read files the notebooks write while they run (notebook 03 rewrites
# notebooks/sweep_train.py with %%writefile) join 03's work unit; collected before the
# notebooks, they run before notebook 03 and never read a file half written.
READS_NOTEBOOK_FILES = ("tests/test_notebooks_meta.py::",)


class NotebooksTogether(LoadGroupScheduling):
    """xdist's loadgroup scheduling, with each chain of notebook cells (and READS_NOTEBOOK_FILES
    with 03's chain) in one group."""

    def _split_scope(self, nodeid):
        if nodeid.startswith(STANDALONE_NOTEBOOKS):
            return STANDALONE_GROUP
        if ".ipynb::" in nodeid or nodeid.startswith(READS_NOTEBOOK_FILES):
            return NOTEBOOKS_GROUP
        return super()._split_scope(nodeid)


def pytest_configure(config):
    """Under ``-n``, one BLAS thread per process: the two workers already fill the two cores.

    Set before the workers start, so they, the notebook kernels and the processes the unit
    tests start all inherit it. An OpenBLAS thread that finds its core taken by the other
    lane stalls its matmul (bench/bench_logging.py measured batch-64 training 5-20x slower on
    a shared machine). A value set by the caller wins.
    """
    if config.getoption("numprocesses", None) or os.environ.get("PYTEST_XDIST_WORKER"):
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
            os.environ.setdefault(name, "1")
    # W&B runs in the tests skip the list of installed packages that wandb.init stores
    # with every run (0.3 s each, hundreds of runs), as setup_wandb's offline runs do;
    # tests/test_wandb_internals.py checks the switch itself, both ways.
    os.environ.setdefault(wandb_internals.SAVE_REQUIREMENTS_ENV, "false")


def pytest_xdist_make_scheduler(config, log):
    """Use NotebooksTogether wherever ``--dist loadgroup`` asks for groups (pyproject.toml sets it)."""
    if config.getvalue("dist") == "loadgroup":
        return NotebooksTogether(config, log)
    return None


@pytest.fixture
def offline_sweep_folder(tmp_path):
    """W&B offline and quiet, in an empty working folder: where a local sweep test runs."""
    with sweep_fixtures.offline_sweep_env(tmp_path):
        yield tmp_path


@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    """No W&B variables, HOME and cwd in tmp_path, and a fresh W&B singleton (tests/test_wandb_*.py)."""
    import wandb  # here, not at the top: most tests never load W&B
    for name in ["WANDB_MODE", "WANDB_DIR", "WANDB_PROJECT", "WANDB_API_KEY", "NETRC",
                 wandb_internals.SAVE_REQUIREMENTS_ENV]:
        monkeypatch.setenv(name, "")  # so that monkeypatch also undoes setup_wandb's writes
        monkeypatch.delenv(name)
    for name in [k for k in os.environ if k.startswith("WANDB_")]:
        monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    wandb.teardown()  # W&B reads the environment once per process, at its first use
    yield tmp_path
    wandb.teardown()


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)

