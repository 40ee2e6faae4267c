"""Run the unit tests beside the notebooks, with the notebooks kept in order in one process.

The README's test command runs ``pytest -n 2``: two pytest-xdist workers, with
``--dist loadgroup`` (set in pyproject.toml). The scheduler below gives every notebook
cell that nbval collects to one work unit, so a single worker runs all of them, in
collection order (01 to 05, cell by cell) and in the one ``notebooks/`` folder, as the
series needs: 04 and 05 build on the sweep that 03 runs, and a notebook's cells share
its kernel. The other worker takes the unit tests one at a time. Without ``-n``, pytest
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

NOTEBOOKS_GROUP = "notebooks"

# Unit tests that read files the notebooks write while they run (notebook 03 rewrites
# notebooks/sweep_train.py with %%writefile) join the notebooks' work unit; collected
# before the notebooks, they run before notebook 01 and never read a file half written.
READS_NOTEBOOK_FILES = ("tests/test_notebooks_meta.py::",)


class NotebooksTogether(LoadGroupScheduling):
    """xdist's loadgroup scheduling, with all notebook cells (and READS_NOTEBOOK_FILES) in one group."""

    def _split_scope(self, nodeid):
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

