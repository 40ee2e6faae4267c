"""The committed notebooks 03-05 tell one story: the same random sweep, the same narrowing.

Notebook 03 runs the random sweep; 04 reads it; 05 narrows it and runs the bayes sweep.
Each prints the random sweep's line from ``sweep_tables.sweep_line`` (id, runs, best
val_acc), and 04 and 05 print the narrowing's reasons. If the notebooks were executed
from different sweeps (one re-run alone, say), these lines disagree and this test fails.
"""

import re
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {"03": "03_sweeps_function_callback.ipynb", "04": "04_reading_sweep_results.ipynb",
             "05": "05_refine_and_finalize.ipynb"}
SWEEP_LINE = re.compile(
    r"^(random|bayes) sweep (\w+): (\d+) runs \((\d+) finished\), best val_acc ([\d.]+%)$", re.MULTILINE)


def _outputs(cell):
    """A code cell's printed text, stream and plain-text results together."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def _narrowing(nb):
    """The reasons printed by the cell that calls narrow_for_bayes, in order."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "narrow_for_bayes(" in cell.source:
            return [line for line in _outputs(cell).splitlines() if line.startswith("- ")]
    return None


def disagreements(folder):
    """What the notebooks in ``folder`` say differently about the shared sweeps; [] if nothing."""
    problems, random_lines, narrowings = [], {}, {}
    for key, name in NOTEBOOKS.items():
        nb = nbformat.read(Path(folder) / name, as_version=4)
        text = "".join(_outputs(c) for c in nb.cells if c.cell_type == "code")
        lines = {m.group(0) for m in SWEEP_LINE.finditer(text) if m.group(1) == "random"}
        if len(lines) != 1:
            problems.append(f"{name} prints {len(lines)} different random sweep lines, not one: "
                            f"{sorted(lines)}")
        else:
            random_lines[key] = lines.pop()
        if key in ("04", "05"):
            narrowings[key] = _narrowing(nb)
            if not narrowings[key]:
                problems.append(f"{name} prints no narrowing reasons")
    if len(set(random_lines.values())) > 1:
        problems.append("the random sweep differs between notebooks: "
                        + "; ".join(f"{k}: {v}" for k, v in sorted(random_lines.items())))
    if narrowings.get("04") and narrowings.get("05") and narrowings["04"] != narrowings["05"]:
        problems.append("notebooks 04 and 05 print different narrowings of the random sweep")
    return problems


def test_committed_notebooks_agree():
    assert disagreements(ROOT / "notebooks") == []


def test_each_notebook_prints_its_sweep_line():
    # Not only "no disagreement": every one of 03-05 names the random sweep with its best score.
    for name in NOTEBOOKS.values():
        nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        text = "".join(_outputs(c) for c in nb.cells if c.cell_type == "code")
        assert any(m.group(1) == "random" for m in SWEEP_LINE.finditer(text)), name


def _copy(tmp_path):
    for name in NOTEBOOKS.values():
        shutil.copy(ROOT / "notebooks" / name, tmp_path / name)
    return tmp_path


def _tamper(path, old_pattern, new):
    """Replace the first match of ``old_pattern`` in any output of the notebook at ``path``."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text" in output and re.search(old_pattern, output["text"]):
                output["text"] = re.sub(old_pattern, new, output["text"], count=1)
                nbformat.write(nb, path)
                return
    raise AssertionError(f"nothing matching {old_pattern!r} in {path.name}")


@pytest.mark.parametrize("key", ["03", "04", "05"])
def test_a_tampered_best_score_is_caught(tmp_path, key):
    folder = _copy(tmp_path)
    _tamper(folder / NOTEBOOKS[key], r"(?<=best val_acc )[\d.]+%", "12.34%")
    problems = disagreements(folder)
    assert any("random sweep differs" in p and "12.34%" in p for p in problems), problems


def test_another_sweep_id_is_caught(tmp_path):
    folder = _copy(tmp_path)
    _tamper(folder / NOTEBOOKS["05"], r"(?<=random sweep )\w+", "zzzzzzzz")
    assert any("zzzzzzzz" in p for p in disagreements(folder))


def test_a_different_narrowing_is_caught(tmp_path):
    folder = _copy(tmp_path)
    _tamper(folder / NOTEBOOKS["05"], r"(?<=- method: )\w+", "grid")
    assert any("different narrowings" in p for p in disagreements(folder))
