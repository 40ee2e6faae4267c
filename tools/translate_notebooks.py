"""Build the Japanese edition, ``notebooks/ja/``, from the English notebooks and their translations.

Each English notebook ``notebooks/NN_name.ipynb`` has a translation file
``translations/ja/NN_name.yaml`` that holds, for every Markdown cell (keyed by its cell id),
the English it translates, the SHA-256 of that English and the Japanese::

    cells:
      2470402e:
        sha256: 5e1f...          # of `en`, exactly as the English notebook has it
        en: |-
          # 01 · MNIST baseline
          ...
        ja: |-
          # 01 · MNIST のベースライン
          ...

The Japanese notebook is the English one with each Markdown cell's text replaced by its
``ja``: same cells, same ids, same code, the outputs of the English run (nothing is executed
again). Only the cells ``tools/nav.py`` generates (header, setup, footer) differ; they are
rendered by ``nav.render_notebook`` for the Japanese edition, and ``README.ja.md``'s index
with them.

A translation is *stale* when the English cell changed since it was translated (the hash no
longer matches), *missing* when a Markdown cell has none. ``--stub`` adds an entry for each,
with the current English, and keeps a stale entry's old English as ``en_before`` beside its
old Japanese: the translator updates ``ja`` to the new ``en`` (diff ``en_before`` against
``en`` to see what changed), then deletes the ``en_before`` line. ``--check`` fails until then.

    python tools/translate_notebooks.py           # regenerate notebooks/ja/ and README.ja.md's index
    python tools/translate_notebooks.py --check   # change nothing; name each problem; exit 1 if any
    python tools/translate_notebooks.py --stub    # add entries for missing and stale cells
"""

import argparse
import copy
import hashlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations" / "ja"
ENTRY_KEYS = {"sha256", "en", "ja", "en_before"}
FILE_HEADER = """\
# Japanese translation of {source}, one entry per Markdown cell, keyed by cell id.
# en: the English this entry translates; sha256: its hash (python tools/translate_notebooks.py
# --check compares it with the notebook); ja: the translation. An entry with en_before was
# marked stale by --stub: update ja to the new en, then delete en_before.
# Comments other than this header are not kept when --stub rewrites the file.
"""


def _load_nav():
    """``tools/nav.py`` beside this file, loaded by path (``tools/`` is not a package)."""
    path = Path(__file__).resolve().with_name("nav.py")
    spec = importlib.util.spec_from_file_location(f"nav_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nav = _load_nav()


class TranslationError(Exception):
    """A translation file that cannot be read as one."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the Japanese edition, named by notebook and cell."""

    notebook: str
    cell: str | None
    message: str

    def __str__(self):
        where = f"{self.notebook}, cell {self.cell}" if self.cell else self.notebook
        return f"{where}: {self.message}"


def digest(text):
    """SHA-256 (hex) of a cell's source, the hash a translation records."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def translation_path(name):
    """The translation file of the English notebook ``name``."""
    return TRANSLATIONS / f"{Path(name).stem}.yaml"


def load_translation(path):
    """``{cell_id: entry}`` from a translation file; ``{}`` if there is none.

    Raises
    ------
    TranslationError
        If the file is not YAML, or an entry is not a mapping of ``sha256``, ``en``, ``ja``
        (and ``en_before``) to text; the message names the file and the cell.
    """
    if not path.exists():
        return {}
    rel = path.relative_to(ROOT).as_posix()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise TranslationError(f"{rel} is not valid YAML: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), dict):
        raise TranslationError(f"{rel}: expected a mapping with a 'cells' mapping of cell id to entry")
    cells = {}
    for cell_id, entry in data["cells"].items():
        where = f"{rel}, cell {cell_id}"
        if not isinstance(entry, dict) or not {"sha256", "en"} <= set(entry):
            raise TranslationError(f"{where}: an entry needs sha256 and en (and ja, the translation)")
        unknown = set(entry) - ENTRY_KEYS
        if unknown:
            raise TranslationError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(ENTRY_KEYS)}")
        for key, value in entry.items():
            if value is not None and not isinstance(value, str):
                raise TranslationError(f"{where}: {key} must be text, not {type(value).__name__}")
        cells[str(cell_id)] = dict(entry)
    return cells


def translatable(nb):
    """The notebook's Markdown cells that are translated: all but nav.py's generated ones."""
    return [c for c in nb.cells if c.cell_type == "markdown"
            and nav.HEADER not in c.source and nav.FOOTER not in c.source]


def translation_problems(name, english, entries):
    """What keeps ``entries`` from translating the English notebook ``name``: a list of Problems."""
    problems = []
    ja_name = f"{nav.JAPANESE.folder}/{name}"
    cells = {c.id: c for c in translatable(english)}
    for cell_id, cell in cells.items():
        entry = entries.get(cell_id)
        if entry is None or not (entry.get("ja") or "").strip():
            problems.append(Problem(ja_name, cell_id, "the English Markdown cell has no translation "
                                    f"(run --stub, then translate it in {translation_path(name).name})"))
        elif entry["sha256"] != digest(cell.source):
            problems.append(Problem(ja_name, cell_id, "stale: the English cell changed since it was "
                                    "translated (its hash differs; run --stub to see the new English)"))
        elif digest(entry["en"] or "") != entry["sha256"]:
            problems.append(Problem(ja_name, cell_id, "the entry's en is not the text its sha256 "
                                    "records (restore it, or run --stub)"))
        elif entry.get("en_before") is not None:
            problems.append(Problem(ja_name, cell_id, "awaits re-translation: update ja to the new en, "
                                    "then delete en_before"))
        elif entry["ja"].strip() == cell.source.strip():
            problems.append(Problem(ja_name, cell_id, "ja is the English text, untranslated"))
    for cell_id in entries.keys() - cells.keys():
        problems.append(Problem(ja_name, cell_id, "a translation of a Markdown cell the English no "
                                "longer has (run --stub to remove it)"))
    return problems


def translate(english, entries):
    """The English notebook with each Markdown cell's text replaced by its translation.

    A cell without one keeps its English (``--check`` reports it), so the edition stays whole
    while a translation is pending. The generated cells are left for ``nav.render_notebook``.
    """
    nb = copy.deepcopy(english)
    for cell in translatable(nb):
        ja = (entries.get(cell.id) or {}).get("ja")
        if ja and ja.strip():
            cell.source = ja
    return nb


def english_paths():
    """The English notebooks, in order (``nav.py``'s list)."""
    return nav.notebook_paths(nav.ENGLISH)


def generate(paths=None):
    """Build the Japanese edition in memory.

    Returns
    -------
    english : dict
        ``{name: English notebook}``.
    wanted : dict
        ``{name: Japanese notebook}``, generated cells rendered.
    problems : list of Problem
        Missing, stale and other translation problems.
    """
    paths = english_paths() if paths is None else paths
    english, wanted, problems = {}, {}, []
    for path in paths:
        english[path.name] = nbformat.read(path, as_version=4)
        try:
            entries = load_translation(translation_path(path.name))
        except TranslationError as error:
            raise SystemExit(str(error)) from None
        if not entries:
            problems.append(Problem(f"{nav.JAPANESE.folder}/{path.name}", None,
                                    f"no translation file {translation_path(path.name).relative_to(ROOT)} "
                                    "(run --stub to start one)"))
        problems += translation_problems(path.name, english[path.name], entries)
        wanted[path.name] = translate(english[path.name], entries)
    ja_paths = [ROOT / nav.JAPANESE.folder / p.name for p in paths]
    infos = [nav.title_and_blurb(p, wanted[p.name].cells, nav.JAPANESE) for p in ja_paths]
    for i, path in enumerate(ja_paths):
        nav.render_notebook(wanted[path.name], i, ja_paths, infos, nav.JAPANESE)
    readme = ROOT / nav.JAPANESE.readme
    index = nav.render_index(ja_paths, infos, readme.read_text(encoding="utf-8"), nav.JAPANESE)
    return english, wanted, problems, index


def text_of(nb):
    """A notebook's file text, written as ``nav.py`` writes notebooks."""
    return nbformat.writes(nb) + "\n"


def _generated_part(cell):
    """The generated head of a setup cell, or the whole cell for the header and footer."""
    return cell.source.split(nav.SETUP_END, 1)[0] if nav.SETUP in cell.source else cell.source


def _code_problems(ja_name, got, english):
    """How a committed code cell differs from its English original (the setup cell's own code)."""
    problems = []
    if nav.SETUP in english.source:  # only the notebook's own code, after nav.py's head
        same = nav.own_setup_code([got]) == nav.own_setup_code([english])
    else:
        same = got.source == english.source
    if not same:
        problems.append(Problem(ja_name, got.id, "the code differs from the English notebook's"))
    if got.get("outputs") != english.get("outputs") or got.get("execution_count") != english.get(
            "execution_count"):
        problems.append(Problem(ja_name, got.id, "the outputs differ from the English run's"))
    return problems


def _cell_problems(ja_name, got, english, want):
    """How one committed cell differs from the English and from what is generated."""
    problems = []
    generated = nav.HEADER in english.source or nav.FOOTER in english.source or nav.SETUP in english.source
    if got.cell_type != english.cell_type:
        return [Problem(ja_name, got.id, f"a {got.cell_type} cell where the English has {english.cell_type}")]
    if got.cell_type == "code":
        problems += _code_problems(ja_name, got, english)
    if generated and _generated_part(got) != _generated_part(want):
        problems.append(Problem(ja_name, got.id, "the navigation or setup that tools/nav.py generates "
                                "differs (run: python tools/translate_notebooks.py)"))
    elif got.cell_type == "markdown" and got.source != want.source:
        problems.append(Problem(ja_name, got.id, "the Markdown differs from its translation in "
                                f"{translation_path(ja_name).relative_to(ROOT)} (edit the translation, "
                                "not the notebook)"))
    if not problems and got != want:
        problems.append(Problem(ja_name, got.id, "the cell differs from what "
                                "tools/translate_notebooks.py generates (metadata or attachments)"))
    return problems


def notebook_problems(name, committed_text, english, want):
    """How the committed Japanese notebook ``name`` differs from the English and from ``want``."""
    ja_name = f"{nav.JAPANESE.folder}/{name}"
    if committed_text is None:
        return [Problem(ja_name, None, "missing (run: python tools/translate_notebooks.py)")]
    try:
        committed = nbformat.reads(committed_text, as_version=4)
    except Exception as error:  # nbformat raises several kinds for a damaged file
        return [Problem(ja_name, None, f"not a readable notebook: {error}")]
    ids = [c.get("id") for c in committed.cells]
    if ids != [c.id for c in english.cells]:
        return [Problem(ja_name, None, "its cells (ids, order) differ from the English notebook's")]
    problems = []
    for got, en, w in zip(committed.cells, english.cells, want.cells, strict=True):
        problems += _cell_problems(ja_name, got, en, w)
    if committed.metadata != want.metadata:
        problems.append(Problem(ja_name, None, "the notebook metadata differs from the English notebook's"))
    if not problems and committed_text != text_of(want):
        problems.append(Problem(ja_name, None, "the file differs from what tools/translate_notebooks.py "
                                "generates (run it to rewrite the file)"))
    return problems


def check(paths=None):
    """Every problem of the Japanese edition as committed; ``[]`` when it is up to date."""
    english, wanted, problems, index = generate(paths)
    folder = ROOT / nav.JAPANESE.folder
    for name, want in wanted.items():
        path = folder / name
        committed = path.read_text(encoding="utf-8") if path.exists() else None
        problems += notebook_problems(name, committed, english[name], want)
    strays = sorted(p.name for p in folder.glob("*.ipynb") if p.name not in wanted)
    problems += [Problem(f"{nav.JAPANESE.folder}/{s}", None, "has no English original") for s in strays]
    if (ROOT / nav.JAPANESE.readme).read_text(encoding="utf-8") != index:
        problems.append(Problem(nav.JAPANESE.readme, None, "the notebook index is out of date "
                                "(run: python tools/translate_notebooks.py)"))
    return problems


def write(paths=None):
    """Rewrite the Japanese notebooks and README.ja.md's index; the translation problems that remain."""
    _, wanted, problems, index = generate(paths)
    folder = ROOT / nav.JAPANESE.folder
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in wanted.items():
        path = folder / name
        text = text_of(nb)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"updated {path.relative_to(ROOT)}")
    readme = ROOT / nav.JAPANESE.readme
    if readme.read_text(encoding="utf-8") != index:
        readme.write_text(index, encoding="utf-8")
        print(f"updated {nav.JAPANESE.readme}")
    return problems


class _Dumper(yaml.SafeDumper):
    """Multi-line text as YAML literal blocks, so a translator reads and diffs it as written."""


def _represent_str(dumper, text):
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def stubbed(english, entries):
    """``entries`` with an entry for every missing or stale Markdown cell of ``english``.

    A missing cell gets its English and ``ja: null``; a stale one its new English and hash,
    its old English as ``en_before`` and its old Japanese, to be updated. Entries of cells the
    English no longer has are dropped. Returns the new entries in the notebook's order.
    """
    out = {}
    for cell in translatable(english):
        entry = dict(entries.get(cell.id) or {"sha256": None, "en": None, "ja": None})
        if entry["sha256"] != digest(cell.source):
            if entry.get("en") is not None and entry.get("ja"):
                entry["en_before"] = entry.get("en_before") or entry["en"]
            entry.update(sha256=digest(cell.source), en=cell.source)
        ordered = {"sha256": entry["sha256"], "en": entry["en"]}
        if entry.get("en_before") is not None:
            ordered["en_before"] = entry["en_before"]
        ordered["ja"] = entry.get("ja")
        out[cell.id] = ordered
    return out


def dump_translation(name, entries):
    """The text of a translation file for the English notebook ``name``."""
    body = yaml.dump({"cells": entries}, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=10**9)
    return FILE_HEADER.format(source=f"notebooks/{name}") + body


def stub(paths=None):
    """Add entries for missing and stale cells to the translation files; print what changed."""
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    for path in english_paths() if paths is None else paths:
        english = nbformat.read(path, as_version=4)
        target = translation_path(path.name)
        try:
            entries = load_translation(target)
        except TranslationError as error:
            raise SystemExit(str(error)) from None
        new = stubbed(english, entries)
        for cell_id in new.keys() - entries.keys():
            print(f"{target.relative_to(ROOT)}: cell {cell_id}: new, to translate")
        for cell_id in new.keys() & entries.keys():
            if new[cell_id] != entries[cell_id] and "en_before" not in entries[cell_id]:
                print(f"{target.relative_to(ROOT)}: cell {cell_id}: stale, to re-translate (see en_before)")
        for cell_id in entries.keys() - new.keys():
            print(f"{target.relative_to(ROOT)}: cell {cell_id}: removed (no longer in the English)")
        text = dump_translation(path.name, new)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build notebooks/ja/ from the English notebooks and "
                                     "translations/ja/.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="change nothing; list missing, stale and drifted cells; exit 1 if any")
    mode.add_argument("--stub", action="store_true",
                      help="add entries for missing and stale cells (with the new English) to translate")
    args = parser.parse_args(argv)
    if args.stub:
        stub()
        return 0
    problems = check() if args.check else write()
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
