"""The README's picture of which module imports which is drawn from the code (tools/import_map.py).

The drift tests run the script on a small made-up repository in tmp_path, whose imports are
written here, so the picture it must draw is known without running it.
"""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_tool():
    spec = importlib.util.spec_from_file_location("import_map", ROOT / "tools" / "import_map.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


import_map = load_tool()


def test_the_readme_shows_the_imports_as_they_are(capsys):
    assert import_map.main(["--check"]) == 0, capsys.readouterr().out


def notebook(*cells):
    return json.dumps({"cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": []}
                                 for c in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def repo(tmp_path):
    """face -> model -> base; pkg/ -> base, and -> model only inside a function; notebooks -> face, pkg/."""
    (tmp_path / "base.py").write_text('"""Imports nothing of the repository."""\nimport json\n')
    (tmp_path / "model.py").write_text("import numpy as np\n\nfrom base import thing\n")
    (tmp_path / "face.py").write_text("from model import Net\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from pkg.inner import run\n")
    (tmp_path / "pkg" / "inner.py").write_text(
        "import base\n\n\ndef run():\n    from model import Net  # loaded when first needed\n")
    for folder in ("notebooks", "tools", "tests"):
        (tmp_path / folder).mkdir()
    (tmp_path / "tools" / "helper.py").write_text("import face\n")  # tools/ are not drawn
    (tmp_path / "notebooks" / "01_first.ipynb").write_text(notebook(
        "%cd /content\n!pip install x\nimport face as f\nimport pkg", "%%writefile train.py\nimport face\n"))
    (tmp_path / "README.md").write_text(
        f"# R\n\n## Layout\n\n{import_map.START}\n{import_map.END}\n\nMore text.\n")
    return tmp_path


DRAWN = """A -> B: A imports B (* inside a function, when first needed)

notebooks -> face, pkg/
face      -> model
model     -> base
pkg/      -> base, model*
base: import no other module of the repository"""


def test_the_picture_of_a_made_up_repository(repo):
    assert import_map.diagram(repo) == DRAWN


def test_check_reports_drift_and_a_run_repairs_it(repo, capsys):
    assert import_map.main(["--check"], root=repo) == 1
    assert "out of date" in capsys.readouterr().out
    assert import_map.main([], root=repo) == 0
    assert import_map.main(["--check"], root=repo) == 0
    readme = (repo / "README.md").read_text()
    assert f"{import_map.START}\n```text\n{DRAWN}\n```\n{import_map.END}\n\nMore text.\n" in readme
    # A new import, and the picture is out of date again.
    (repo / "base.py").write_text("import face\n")
    with pytest.raises(SystemExit, match="import cycle: .*base -> face"):
        import_map.diagram(repo)
    (repo / "base.py").write_text("import json\n\n\ndef load():\n    import pkg\n")
    assert import_map.main(["--check"], root=repo) == 1
    assert "base      -> pkg/*" in import_map.diagram(repo)


def test_a_readme_without_the_markers_is_a_clear_error(repo):
    (repo / "README.md").write_text("# R\n")
    with pytest.raises(SystemExit, match="import-map:start"):
        import_map.main([], root=repo)
