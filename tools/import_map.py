"""Draw which of the repository's modules imports which, from the code, into the README.

Each top-level module (``layers.py``) and package (``local_sweeps/``) is one box; the
notebooks (their code cells and the ``sweep_train.py`` that notebook 03 writes) are one
more. ``ast`` reads every ``import`` in them; an import made inside a function (loaded
when first needed) is marked ``*``. tools/, tests/ and bench/ use the modules and are
left out. The picture sits in README.md's Layout section, between
``<!-- import-map:start -->`` and ``<!-- import-map:end -->``.

    python tools/import_map.py          # rewrite the README's picture if it drifted
    python tools/import_map.py --check  # exit 1 if it drifted (a test runs this)
    python tools/import_map.py --print  # print the picture
"""

import argparse
import ast
import json
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- import-map:start -->", "<!-- import-map:end -->"
NOTEBOOKS = "notebooks"
LEFT_OUT = {"tools", "tests", "bench", NOTEBOOKS}  # folders that are not modules of the series
WIDTH = 92


def boxes(root):
    """Box name -> the Python sources in it: each module, each package, and the notebooks."""
    found = {p.stem: [p.read_text()] for p in sorted(root.glob("*.py"))}
    for init in sorted(root.glob("*/__init__.py")):
        if init.parent.name not in LEFT_OUT:
            found[init.parent.name + "/"] = [p.read_text() for p in sorted(init.parent.rglob("*.py"))]
    notebooks = [p.read_text() for p in sorted((root / NOTEBOOKS).glob("*.py"))]
    for path in sorted((root / NOTEBOOKS).glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                notebooks.append(python_of("".join(cell["source"])))
    found[NOTEBOOKS] = notebooks
    return found


def python_of(cell):
    """A code cell as Python: IPython lines (``%cd``, ``!pip``) dropped, a ``%%writefile`` body kept."""
    if cell.startswith("%%writefile"):
        return cell.split("\n", 1)[1] if "\n" in cell else ""
    if cell.startswith("%%"):
        return ""
    return "\n".join(re.sub(r"^(\s*)[%!].*", r"\1pass", line) for line in cell.splitlines())


def imported(source):
    """(top-level module, imported inside a function?) for every absolute import in ``source``."""
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((alias.name.split(".")[0], inside) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append((child.module.split(".")[0], inside))
            visit(child, inside)

    visit(ast.parse(source), False)
    return found


def import_map(root):
    """Box -> {box it imports: True if only ever inside a function}."""
    sources = boxes(root)
    by_module = {name.rstrip("/"): name for name in sources}
    edges = {}
    for name, texts in sources.items():
        targets = {}
        for text in texts:
            for module, lazy in imported(text):
                target = by_module.get(module)
                if target and target != name:
                    targets[target] = targets.get(target, True) and lazy
        edges[name] = targets
    return edges


def diagram(root=ROOT):
    """The picture: one line per box that imports others, importers above what they import."""
    edges = import_map(root)
    depth = {}

    # Ordered by the imports made when a module loads; one made inside a function may close
    # a loop (that is often why it is made there), so it is drawn but does not order.
    def height(name, seen=()):
        if name in seen:
            raise SystemExit(f"import cycle: {' -> '.join((*seen, name))}")
        if name not in depth:
            depth[name] = 1 + max((height(t, (*seen, name)) for t, lazy in edges[name].items() if not lazy),
                                  default=-1)
        return depth[name]

    order = sorted(edges, key=lambda name: (-height(name), name))
    width = max(len(name) for name in edges) + 1
    lines = ["A -> B: A imports B (* inside a function, when first needed)", ""]
    for name in order:
        if edges[name]:
            targets = ", ".join(f"{t}*" if lazy else t for t, lazy in sorted(edges[name].items()))
            lines += textwrap.wrap(targets, WIDTH, initial_indent=f"{name:<{width}}-> ",
                                   subsequent_indent=" " * (width + 3), break_on_hyphens=False)
    leaves = ", ".join(name for name in order if not edges[name])
    lines += textwrap.wrap(f"{leaves}: import no other module of the repository", WIDTH)
    return "\n".join(lines)


def render_readme(readme, picture):
    """README.md's text with the picture between the markers replaced by ``picture``."""
    if START not in readme or END not in readme:
        raise SystemExit(f"README.md needs the markers {START} and {END}")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n```text\n{picture}\n```\n{END}{tail}"


def main(argv=None, root=ROOT):
    parser = argparse.ArgumentParser(description="Draw the modules' import map into README.md.")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--check", action="store_true", help="change nothing; exit 1 if the README drifted")
    what.add_argument("--print", action="store_true", help="print the picture and change nothing")
    args = parser.parse_args(argv)
    picture = diagram(root)
    if args.print:
        print(picture)
        return 0
    readme = root / "README.md"
    wanted = render_readme(readme.read_text(), picture)
    if readme.read_text() == wanted:
        return 0
    if args.check:
        print("out of date: README.md's import map (run: python tools/import_map.py)")
        return 1
    readme.write_text(wanted)
    print("updated README.md's import map")
    return 0


if __name__ == "__main__":
    sys.exit(main())
