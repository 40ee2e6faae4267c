"""Checks on the committed notebooks that nbval does not make: files they write, outputs they show."""

import json
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_sweep_train_module_is_the_notebook_03_cell():
    # Notebook 03 writes sweep_train.py with %%writefile; the committed copy (used by
    # notebooks 04-05 and by agents started from a terminal) must be that cell, verbatim.
    nb = nbformat.read(ROOT / "notebooks" / "03_sweeps_function_callback.ipynb", as_version=4)
    cells = [c.source for c in nb.cells
             if c.cell_type == "code" and c.source.startswith("%%writefile sweep_train.py")]
    assert len(cells) == 1
    body = cells[0].split("\n", 1)[1]
    assert (ROOT / "notebooks" / "sweep_train.py").read_text() == body + "\n"


def test_notebooks_are_committed_with_outputs_and_no_machine_paths():
    bad = re.compile(r"(/work/|/root/|/home/[A-Za-z]|/tmp/[A-Za-z0-9_.-]+/|\.\./shared|/Users/)")
    assert NOTEBOOKS, "no notebooks found"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert sum(len(c.outputs) for c in code) > 0, f"{path.name} has no outputs"
        for i, cell in enumerate(code):
            assert not any(o.output_type == "error" for o in cell.outputs), f"{path.name} cell {i} errored"
            for output in cell.outputs:
                text = (json.dumps(output.get("text", ""))
                        + json.dumps(output.get("data", {}).get("text/plain", "")))
                assert not bad.search(text), f"{path.name} code cell {i} shows a machine path"


SWEEP_NOTEBOOKS = {"03": "03_sweeps_function_callback.ipynb", "04": "04_reading_sweep_results.ipynb",
                   "05": "05_refine_and_finalize.ipynb"}


def _code(name):
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def test_w_and_b_calls_are_in_plain_sight():
    # The reader came for W&B's API: the calls themselves, not only helpers around them.
    code = _code(SWEEP_NOTEBOOKS["03"])
    for call in ("wandb.login(", "sweep_id = wandb.sweep(sweep_config, project=PROJECT)",
                 "wandb.agent(sweep_id, function=train, count=RUNS)", "local_sweeps.sweep(",
                 "local_sweeps.agent(", 'if mode == "online":'):
        assert call in code, call
    code = _code(SWEEP_NOTEBOOKS["04"])
    assert "wandb.Api()" in code and ".sweep(" in code and ".runs" in code
    assert "local_sweeps.results(" in code
    code = _code(SWEEP_NOTEBOOKS["05"])
    assert "wandb.sweep(" in code and "wandb.agent(" in code and "wandb.Artifact(" in code


def test_asserts_live_only_in_labelled_checks():
    # A teaching cell must not exist to make a threshold pass: an assert belongs to a cell
    # that says it is a check (its first line, or the heading just above it).
    for name in SWEEP_NOTEBOOKS.values():
        nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        above = ""
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                above = cell.source
                continue
            if re.search(r"^\s*assert ", cell.source, re.MULTILINE):
                labelled = cell.source.startswith("# Check") or re.search(r"^#+ Check", above, re.MULTILINE)
                assert labelled, f"{name}: an assert outside a labelled check:\n{cell.source[:200]}"


def test_sweep_cells_print_one_line_per_run():
    # No W&B banner per run (three lines each); the agent's one line per trial is enough.
    for key in ("03", "05"):
        nb = nbformat.read(ROOT / "notebooks" / SWEEP_NOTEBOOKS[key], as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and "agent(" in cell.source:
                text = "".join(o.get("text", "") for o in cell.outputs)
                assert "wandb: " not in text, f"notebook {key}: W&B banner lines in the sweep cell"
                assert text.count("trial ") >= 10, f"notebook {key}: the sweep cell lists no trials"
