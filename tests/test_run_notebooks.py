"""tools/run_notebooks.py: what it does to outputs before they are committed."""

import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import run_notebooks  # noqa: E402


def stream(text, name="stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_a_progress_bar_is_committed_once_in_its_final_state():
    cell = nbformat.v4.new_code_cell("fit(...)")
    cell.outputs = [stream("epochs:   0%|   | 0/5\r"), stream("epochs:  40%|█  | 2/5\r"),
                    stream("epochs: 100%|███| 5/5\repochs: 100%|███| 5/5 done\n"),
                    stream("a warning\n", name="stderr"), stream("Test accuracy 98%\n")]
    nb = run_notebooks.collapse_progress(nbformat.v4.new_notebook(cells=[cell]))
    texts = [(o["name"], o["text"]) for o in nb.cells[0].outputs]
    assert texts == [("stdout", "epochs: 100%|███| 5/5 done\n"), ("stderr", "a warning\n"),
                     ("stdout", "Test accuracy 98%\n")]


def test_plain_output_is_left_as_it_was():
    cell = nbformat.v4.new_code_cell("print(1)")
    result = nbformat.v4.new_output("execute_result", data={"text/plain": "3"})
    cell.outputs = [stream("line 1\nline 2\n"), result]
    nb = run_notebooks.collapse_progress(nbformat.v4.new_notebook(cells=[cell]))
    assert nb.cells[0].outputs[0]["text"] == "line 1\nline 2\n"
    assert nb.cells[0].outputs[1]["data"] == {"text/plain": "3"}
