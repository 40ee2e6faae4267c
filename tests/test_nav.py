"""The generated navigation (badges, setup cells, prev/next links, README index) is up to date,
and ``tools/nav.py --check`` would say so if it were not.

``nav.py`` works on the repository its own file sits in, so the drift tests run a copy of it
in a copy of the repository. They load it in this process: a new interpreter would spend
seconds importing nbformat, which pytest has already imported.
"""

import importlib.util
import os
import re
import shutil
import sys
import types
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_nav(root):
    """``tools/nav.py`` of the repository at ``root``, as a module working on that repository."""
    spec = importlib.util.spec_from_file_location(f"nav_{abs(hash(str(root)))}", root / "tools" / "nav.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check(root, capsys):
    """Exit status and output of ``nav.py --check`` on the repository at ``root``."""
    status = load_nav(root).main(["--check"])
    return status, capsys.readouterr().out


@pytest.fixture
def repo(tmp_path):
    """A copy of what nav.py reads and writes: itself, the notebooks, the README and the pins."""
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "nav.py", tmp_path / "tools")
    (tmp_path / "notebooks").mkdir()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy(path, tmp_path / "notebooks")
    shutil.copy(ROOT / "README.md", tmp_path)
    shutil.copy(ROOT / "requirements.txt", tmp_path)  # the Colab install line's pins
    return tmp_path


def edit_cell(path, find, change):
    """Apply ``change`` to the source of the first cell of notebook ``path`` containing ``find``,
    saving it as nav.py does, so that only the edit differs."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if find in c.source)
    cell.source = change(cell.source)
    path.write_text(nbformat.writes(nb) + "\n")


def named(out, repo):
    """The files of ``repo`` that the output of --check names."""
    files = [p.relative_to(repo).as_posix() for p in sorted((repo / "notebooks").glob("*.ipynb"))]
    return {f for f in [*files, "README.md"] if f in out}


def test_navigation_is_up_to_date(capsys):
    status, out = check(ROOT, capsys)
    assert status == 0, out


def test_a_clean_copy_checks_clean(repo, capsys):
    """The drift tests below start from a copy that --check passes, and save notebooks as nav.py
    does, so what --check reports is their edit."""
    edit_cell(repo / "notebooks" / "01_mnist_baseline.ipynb", "# 01 · ", lambda s: s)
    status, out = check(repo, capsys)
    assert status == 0, out


def test_edited_generated_cell_is_reported(repo, capsys):
    footer = load_nav(repo).FOOTER
    edit_cell(repo / "notebooks" / "03_sweeps_function_callback.ipynb", footer,
              lambda s: s + "\n\nA link typed by hand.")
    status, out = check(repo, capsys)
    assert status == 1
    assert named(out, repo) == {"notebooks/03_sweeps_function_callback.ipynb"}, out


def test_new_title_drifts_its_neighbours_and_the_index(repo, capsys):
    """The H1 of 02 is quoted by 01's "Next" link, 03's "Previous" link and the README's index.
    Upper case keeps it matching the file name, so only the quotes drift."""
    def shout(source):
        h1, rest = source.split("\n", 1)
        return h1.upper() + "\n" + rest

    edit_cell(repo / "notebooks" / "02_dashboard_logging.ipynb", "# 02 · ", shout)
    status, out = check(repo, capsys)
    assert status == 1
    assert named(out, repo) == {"notebooks/01_mnist_baseline.ipynb",
                                "notebooks/03_sweeps_function_callback.ipynb",
                                "README.md"}, out


def test_nav_repairs_what_check_reports(repo, capsys):
    notebook = repo / "notebooks" / "05_refine_and_finalize.ipynb"
    header = load_nav(repo).HEADER
    edit_cell(notebook, header, lambda s: s.replace(header, header + "\nEdited by hand."))
    assert check(repo, capsys)[0] == 1
    assert load_nav(repo).main([]) == 0
    status, out = check(repo, capsys)
    assert status == 0, out
    assert notebook.read_text() == (ROOT / "notebooks" / notebook.name).read_text()


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- test-command:start -->", 1)[1].split("<!-- test-command:end -->", 1)[0]
    commands = [line for line in block.splitlines() if line and not line.startswith("```")]
    assert len(commands) == 1, commands
    steps = [step.strip() for step in commands[0].split("&&")]
    # It builds its own environment, lints, then tests: a lint error fails CI before any test runs.
    assert steps[:3] == ["python3 -m venv .venv", ". .venv/bin/activate", "pip install -r requirements.txt"]
    assert steps[3] == "ruff check ." and steps[-1].startswith("pytest"), steps
    assert "test-command:start" in (ROOT / ".ci" / "run").read_text()


# ------------------------------------------------------------------ the Colab setup cell
class FakeColab:
    """Just enough of IPython for the generated setup cell: ``!`` commands and ``%`` magics are
    recorded; ``%cd`` changes folder (``/content`` is a folder under ``root``), and the clone
    creates the repository's folder only if ``clone_works``."""

    def __init__(self, root, folder, clone_works):
        self.root, self.folder, self.clone_works = root, folder, clone_works
        self.shell, self.magics, self.namespace = [], [], {}

    def system(self, command):
        command = command.format(**self.namespace)  # IPython expands {name} in ! commands
        self.shell.append(command)
        if self.clone_works and " git clone " in f" {command}":
            (Path.cwd() / self.folder / "notebooks").mkdir(parents=True)
            (Path.cwd() / self.folder / "mnist_utils.py").write_text("")

    def run_line_magic(self, name, line):
        self.magics.append((name, line))
        if name == "cd":
            target = self.root / "content" if line == "/content" else Path(line)
            target.mkdir(exist_ok=True)
            os.chdir(target)


def run_setup_cell(tmp_path, monkeypatch, in_colab, clone_works=True):
    """Run the generated head of a setup cell as IPython would; returns the FakeColab."""
    from IPython.core.inputtransformer2 import TransformerManager

    nav = load_nav(ROOT)
    ipython = FakeColab(tmp_path, nav.GITHUB_REPO.split("/")[1], clone_works)
    start = tmp_path / "start"
    start.mkdir()
    monkeypatch.chdir(start)
    monkeypatch.setattr(sys, "path", list(sys.path))
    if in_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    code = TransformerManager().transform_cell(nav.setup_source(uses_wandb=True))
    ipython.namespace["get_ipython"] = lambda: ipython
    try:
        exec(compile(code, "setup cell", "exec"), ipython.namespace)
    except Exception as err:  # the cell stopping is what some tests look for
        ipython.error = err
    else:
        ipython.error = None
    return ipython


def pinned(names):
    """``name==version`` as requirements.txt pins each of ``names``."""
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (ROOT / "requirements.txt").read_text(),
                           re.MULTILINE))
    return {f"{name}=={pins[name]}" for name in names}


def test_colab_setup_installs_only_what_colab_lacks(tmp_path, monkeypatch):
    """Colab keeps its own numpy, pandas, matplotlib, scikit-learn and mlxtend; the series adds
    optuna (Colab has none) and the wandb it is tested with (Colab's 0.28 cannot read offline runs)."""
    colab = run_setup_cell(tmp_path, monkeypatch, in_colab=True)
    assert colab.error is None, colab.error
    repo = load_nav(ROOT).GITHUB_REPO
    assert colab.shell == [f"GIT_TERMINAL_PROMPT=0 git clone --quiet --depth 1 https://github.com/{repo}.git"]
    pips = [line.split() for name, line in colab.magics if name == "pip"]
    assert len(pips) == 1 and pips[0][:2] == ["install", "--quiet"], pips
    assert set(pips[0][2:]) == pinned(["wandb", "optuna"]), pips
    assert colab.magics[-1] == ("cd", f"{repo.split('/')[1]}/notebooks")
    assert Path.cwd() == tmp_path / "content" / repo.split("/")[1] / "notebooks"
    assert sys.path[0] == str(tmp_path / "content" / repo.split("/")[1])


def test_colab_setup_stops_at_a_failed_clone_with_what_to_do(tmp_path, monkeypatch):
    """The cell stops right after a failed clone, naming the URL and the fix, and installs
    nothing: not a ModuleNotFoundError in some later cell."""
    colab = run_setup_cell(tmp_path, monkeypatch, in_colab=True, clone_works=False)
    assert isinstance(colab.error, RuntimeError), colab.error
    message = str(colab.error)
    assert f"https://github.com/{load_nav(ROOT).GITHUB_REPO}.git" in message
    assert "GITHUB_REPO in tools/nav.py" in message and "fork" in message
    assert colab.magics == [("cd", "/content")] and len(colab.shell) == 1


def test_setup_outside_colab_only_makes_the_repository_importable(tmp_path, monkeypatch):
    local = run_setup_cell(tmp_path, monkeypatch, in_colab=False)
    assert local.error is None, local.error
    assert local.shell == [] and local.magics == []
    assert sys.path[0] == str(tmp_path) and Path.cwd() == tmp_path / "start"


def test_colab_pins_must_all_be_in_requirements():
    nav = load_nav(ROOT)
    with pytest.raises(SystemExit, match="must pin optuna"):
        nav.colab_pins("wandb==0.31.0\nnumpy==2.4.6\n")
    assert set(nav.colab_pins("optuna==1.0  # a comment\nwandb == 2.0\n")) == {"wandb==2.0", "optuna==1.0"}


@pytest.fixture
def repo_ja(repo):
    """The copy with the Japanese edition too: its notebooks and its README."""
    (repo / "notebooks" / "ja").mkdir()
    for path in sorted((ROOT / "notebooks" / "ja").glob("*.ipynb")):
        shutil.copy(path, repo / "notebooks" / "ja")
    shutil.copy(ROOT / "README.ja.md", repo)
    return repo


def named_ja(out, repo):
    """The Japanese notebooks and READMEs of ``repo`` that the output of --check names."""
    files = [p.relative_to(repo).as_posix() for p in sorted((repo / "notebooks" / "ja").glob("*.ipynb"))]
    return {f for f in [*files, "README.ja.md"] if f in out}


def test_japanese_copy_checks_clean(repo_ja, capsys):
    status, out = check(repo_ja, capsys)
    assert status == 0, out


def test_edited_japanese_generated_cell_is_reported(repo_ja, capsys):
    footer = load_nav(repo_ja).FOOTER
    edit_cell(repo_ja / "notebooks" / "ja" / "03_sweeps_function_callback.ipynb", footer,
              lambda s: s + "\n\n手で書いたリンク")
    status, out = check(repo_ja, capsys)
    assert status == 1
    assert named_ja(out, repo_ja) == {"notebooks/ja/03_sweeps_function_callback.ipynb"}, out
    assert named(out, repo_ja) == set(), out


def test_new_japanese_title_drifts_only_japanese_neighbours(repo_ja, capsys):
    edit_cell(repo_ja / "notebooks" / "ja" / "02_dashboard_logging.ipynb", "# 02 · ",
              lambda s: s.replace("# 02 · ", "# 02 · 新しい題: ", 1))
    status, out = check(repo_ja, capsys)
    assert status == 1
    assert named_ja(out, repo_ja) == {"notebooks/ja/01_mnist_baseline.ipynb",
                                      "notebooks/ja/03_sweeps_function_callback.ipynb",
                                      "README.ja.md"}, out
    assert named(out, repo_ja) == set(), out


def links(text):
    """Link targets in Markdown text (not the badge's image)."""
    return [t for t in re.findall(r"\]\(([^)]+)\)", text) if not t.endswith(".svg")]


def test_japanese_navigation_points_to_japanese_notebooks():
    nav = load_nav(ROOT)
    folder = ROOT / "notebooks" / "ja"
    paths = sorted(folder.glob("*.ipynb"))
    assert [p.name for p in paths] == [p.name for p in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))]
    for path in paths:
        cells = nbformat.read(path, as_version=4).cells
        header = next(c.source for c in cells if nav.HEADER in c.source)
        footer = next(c.source for c in cells if nav.FOOTER in c.source)
        badge, *targets = links(header) + links(footer)
        assert badge.endswith(f"/blob/{nav.BRANCH}/notebooks/ja/{path.name}"), badge
        # the previous and next notebooks (or the Japanese index), and the English original
        assert f"../{path.name}" in targets and all((folder / t).exists() for t in targets), targets
        assert "← 前へ" in header or path == paths[0]
        assert "**次へ:**" in footer or path == paths[-1]
        assert all(t.endswith("README.ja.md") or t == f"../{path.name}" or t in {p.name for p in paths}
                   for t in targets), targets


def test_japanese_setup_is_the_english_one_plus_the_move_to_notebooks():
    """The Japanese setup cell reuses the English generator: the same lines (the same Colab
    install), with the lines that move from notebooks/ja/ up to notebooks/ added."""
    nav = load_nav(ROOT)
    for uses_wandb in (False, True):
        english = nav.setup_source(uses_wandb).splitlines()
        japanese = nav.setup_source(uses_wandb, subfolder="ja").splitlines()
        # the block is inserted right before the Colab branch, which follows unchanged
        start = english.index(next(line for line in english if line.startswith('if "google.colab"')))
        added = japanese[start:start + len(japanese) - len(english)]
        assert japanese[:start] + japanese[start + len(added):] == english
        assert 'if Path.cwd().name == "ja":' in added and "    %cd -q .." in added, added
