"""One door per module: what the notebooks import, and the face (``mnist_utils``) they import.

The rule (STYLE.md, "the helper face"): everything a notebook needs that is not W&B's own
API (``wandb``) or the sweep engine's (``local_sweeps``) comes through ``mnist_utils`` as
``mu``. So a notebook's code, and the ``sweep_train.py`` that notebook 03 writes, import
only ``mnist_utils``, ``wandb``, ``local_sweeps``, ``sweep_train``, the standard library and
third-party libraries: no other module of this repository, and none by two names. Every
name the face exports is used by some notebook, and the face defines none of them.
"""

import ast
import re
import sys
from pathlib import Path

import nbformat
import pytest

import mnist_utils as mu

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
DOORS = {"mnist_utils": "import mnist_utils as mu", "local_sweeps": "import local_sweeps",
         "wandb": "import wandb", "sweep_train": "from sweep_train import train"}
# Notebook 05 also takes the data the sweep's runs train on, to finish the runs hyperband cut.
OTHER_DOORS = {"sweep_train": {"from sweep_train import train, train_set, val_set"}}


def project_modules(root=ROOT):
    """Names a notebook could import from this repository: its modules and packages, anywhere."""
    # Not what runs leave behind (wandb/, .sweeps/) nor a virtual environment.
    files = [p for p in root.rglob("*.py")
             if not any(part.startswith(".") or part == "wandb" for part in p.relative_to(root).parts)]
    return {p.stem for p in files} | {p.parent.name for p in files if p.name == "__init__.py"}


def python_sources(nb):
    """The Python a notebook runs, as (label, source): its code cells, and files it writes.

    IPython lines (``%cd``, ``!git``) become ``pass``; a ``%%writefile name.py`` cell is the
    source of that file, which is held to the same rule.
    """
    sources = []
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        if cell.source.startswith("%%writefile"):
            target = cell.source.split("\n", 1)[0].split()[-1]
            sources.append((target, cell.source.split("\n", 1)[1]))
        elif not cell.source.startswith("%%"):
            lines = [re.sub(r"^(\s*)[%!].*", r"\1pass", line) for line in cell.source.splitlines()]
            sources.append((f"code cell {i}", "\n".join(lines)))
    return sources


PROJECT = frozenset(project_modules())


def door_violations(sources):
    """What breaks the rule in one notebook's (label, source) pairs, in words; [] if nothing."""
    problems, forms = [], {}
    for label, source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                found = [(a.name, f"import {a.name}" + (f" as {a.asname}" if a.asname else ""))
                         for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                found = [(node.module or "", f"from {node.module} import "
                          + ", ".join(a.name for a in node.names))]
            else:
                continue
            for module, form in found:
                top = module.split(".")[0]
                if top in DOORS and form != DOORS[top] and form not in OTHER_DOORS.get(top, ()):
                    problems.append(f"{label}: `{form}`; this notebook series reaches {top} "
                                    f"only as `{DOORS[top]}`")
                elif top in PROJECT and top not in DOORS:
                    problems.append(f"{label}: `{form}` reaches a module of this repository: "
                                    f"use its names through mu. (mnist_utils)")
                forms.setdefault(top, set()).add(form)
    problems += [f"{top} is reached by {len(f)} names: {'; '.join(sorted(f))}"
                 for top, f in forms.items() if len(f) > 1 and top not in ("__future__", "typing")]
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_import_only_through_the_doors(path):
    assert NOTEBOOKS
    problems = door_violations(python_sources(nbformat.read(path, as_version=4)))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source, complaint", [
    ("import sweep_tables\nsweep_tables.best_runs(df)", "reaches a module of this repository"),
    ("from multi_layer_net import MLP", "reaches a module of this repository"),
    ("from mnist_utils import fit", "only as `import mnist_utils as mu`"),
    ("import mnist_utils as helpers", "only as `import mnist_utils as mu`"),
    ("from local_sweeps.tables import results_frame", "only as `import local_sweeps`"),
    ("import numpy as np\nfrom numpy import zeros", "numpy is reached by 2 names"),
])
def test_the_door_rule_catches_each_way_round_it(source, complaint):
    problems = door_violations([("cell", source)])
    assert any(complaint in p for p in problems), problems
    assert not door_violations([("cell", "import mnist_utils as mu\nimport numpy as np\nimport wandb")])


def test_every_name_mu_exports_is_used_by_a_notebook_and_every_use_is_exported():
    # Code cells and prose both count: an exercise that says "call mu.softmax" uses it.
    text = {path.name: "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
            for path in NOTEBOOKS}
    used = {name for source in text.values() for name in re.findall(r"\bmu\.(\w+)", source)}
    assert not set(mu.__all__) - used, f"exported but no notebook uses: {sorted(set(mu.__all__) - used)}"
    unknown = sorted(used - set(mu.__all__))
    assert not unknown, f"notebooks use names mu does not export: {unknown}"


def test_the_face_only_re_exports():
    source = (ROOT / "mnist_utils.py").read_text()
    assert len(source.splitlines()) <= 250
    tree = ast.parse(source)
    kinds = {type(node).__name__ for node in tree.body[1:]}  # after the docstring
    assert kinds <= {"ImportFrom", "Assign"}, kinds
    (assign,) = [node for node in tree.body if isinstance(node, ast.Assign)]
    assert [t.id for t in assign.targets] == ["__all__"]
    homes = {a.asname or a.name: node.module for node in tree.body if isinstance(node, ast.ImportFrom)
             for a in node.names}
    assert sorted(homes) == sorted(mu.__all__), "an import not exported, or an export not imported"
    assert len(set(mu.__all__)) == len(mu.__all__)
    for name, home in homes.items():
        assert getattr(mu, name) is getattr(__import__(home), name)
        # W&B's and the sweep engine's own names are the lesson: notebooks call them by those names.
        assert home in PROJECT and home not in ("local_sweeps", "mnist_utils"), (name, home)
    with pytest.raises(AttributeError, match="no_such_name"):
        mu.no_such_name  # noqa: B018


def test_python_sources_reads_magics_and_the_written_file():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%cd /content\n!git clone x\nimport os"),
        nbformat.v4.new_code_cell("%%writefile sweep_train.py\nimport mnist_utils as mu\n"),
        nbformat.v4.new_code_cell("%%timeit\nimport anything"),
    ])
    assert python_sources(nb) == [("code cell 0", "pass\npass\nimport os"),
                                  ("sweep_train.py", "import mnist_utils as mu\n")]
    assert "sys" in sys.stdlib_module_names and "sys" not in project_modules()
