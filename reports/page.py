"""The report as one self-contained HTML page: for readers without a W&B account.

``write_report_html`` draws a ``ReportContent`` block by block, as ``reports.online`` does
for W&B: Markdown as HTML (mistune, raw HTML escaped), each sweep's three panels as figures
(``sweep_panels``, ``mnist_plots``; PNGs embedded as ``data:`` URLs) and its runs as a
sortable table, and the final model's artifact with its digest. The page loads nothing
from anywhere: no external script, style sheet, font or image, and a Content Security
Policy that forbids them, so it opens the same from an e-mail attachment as from a disk.
It is written to a temporary file renamed into place: a failure never leaves half a page.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mnist_plots import plot_metric_curves
from sweep_panels import (
    MIN_TRIALS,
    parameter_importance,
    plot_parallel_coordinates,
    plot_parameter_importance,
)
from sweep_tables import finished_runs

from .content import Markdown, ModelArtifact, ReportInputError, SweepGrids, short_value

TEMPLATE = "report.html.j2"


@functools.cache
def _markdown():
    """Markdown to HTML, raw HTML in the text escaped (imported when first needed: only 06 draws pages)."""
    import mistune

    return mistune.create_markdown(escape=True, plugins=["table"])


@functools.cache
def _template():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(Path(__file__).parent), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    return env.get_template(TEMPLATE)


@dataclass(frozen=True)
class ReportPage:
    """A written report page: shown inline in a notebook, and a file to open or send."""

    path: Path
    size: int      # bytes
    figures: int
    runs: int      # rows of its runs tables, one per run

    def __repr__(self):
        return (f"{self.path.name}: {self.size / 1e3:,.0f} kB, one self-contained file "
                f"({self.figures} figures, {self.runs} runs in its tables)")

    def _repr_html_(self):
        # srcdoc keeps the page's own styles and script inside the frame, off the notebook.
        page = html.escape(self.path.read_text(encoding="utf-8"), quote=True)
        return (f"<p>{html.escape(repr(self))}</p>"
                f'<iframe srcdoc="{page}" style="width:100%;height:900px;border:1px solid #ccc">'
                "</iframe>")


def _figure(fig, alt):
    """A Matplotlib figure as an embedded PNG: its data URL, size in pixels and alt text."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    # No "Software" entry: the same figure makes the same bytes.
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    png = buffer.getvalue()
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # IHDR
    return {"src": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
            "alt": alt, "width": width, "height": height}


def _cell(value, column, metric):
    """A runs-table cell: (text shown, key it sorts by)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "", ""
    if isinstance(value, bool | str) or not isinstance(value, int | float):
        return str(value), str(value)
    if column == metric:
        return f"{value:.4f}", repr(float(value))
    if column == "runtime":
        return f"{value:.1f}", repr(float(value))
    return short_value(value), repr(float(value))


def _runs_table(sweep):
    columns = ["trial", "state", sweep.metric, *sweep.params, "epochs", "runtime", "run_id"]
    frame = sweep.runs[columns].astype(object).where(sweep.runs[columns].notna(), None)
    rows = [[_cell(v, c, sweep.metric) for c, v in zip(columns, row, strict=True)]
            for row in frame.itertuples(index=False)]
    headers = [f"{c} (s)" if c == "runtime" else c for c in columns]
    return {"headers": headers, "rows": rows}


def _sweep(sweep):
    """One sweep's panels as figures (or why one cannot be drawn) and its runs table."""
    figures, notes = [], []
    figures.append(_figure(plot_parallel_coordinates(sweep.runs, sweep.metric, goal=sweep.goal),
                           f"Parallel coordinates of the {sweep.label} sweep's finished runs"))
    finished = len(finished_runs(sweep.runs, sweep.metric))
    if finished >= MIN_TRIALS:
        importance = parameter_importance(sweep.runs, sweep.metric, params=sweep.params)
        figures.append(_figure(plot_parameter_importance(importance),
                               f"Parameter importance with respect to {sweep.metric}, {sweep.label} sweep"))
    else:
        notes.append(f"Parameter importance needs at least {MIN_TRIALS} finished runs; this sweep has "
                     f"{finished}.")
    fig = plot_metric_curves(sweep.histories, sweep.metric, x="epoch", dashed=sweep.stopped_trials,
                             winner=sweep.best_trial)
    fig.axes[0].set_title(f"{sweep.metric} at each logged step (one per epoch)", fontsize=10)
    figures.append(_figure(fig, f"{sweep.metric} of each run of the {sweep.label} sweep, epoch by epoch"))
    return {"title": sweep.title, "figures": figures, "notes": notes, "table": _runs_table(sweep),
            "label": sweep.label, "slug": sweep.slug}


def render_report_html(content):
    """The page's HTML text, and how many figures and run rows it holds.

    Returns
    -------
    (str, int, int)
    """
    blocks, figures, runs = [], 0, 0
    for block in content.blocks:
        if isinstance(block, Markdown):
            blocks.append({"kind": "markdown", "html": _markdown()(block.text)})
        elif isinstance(block, SweepGrids):
            sweeps = [_sweep(s) for s in block.sweeps]
            figures += sum(len(s["figures"]) for s in sweeps)
            runs += sum(len(s["table"]["rows"]) for s in sweeps)
            blocks.append({"kind": "sweeps", "sweeps": sweeps})
        elif isinstance(block, ModelArtifact):
            blocks.append({"kind": "artifact", "html": _markdown()(block.text), "artifact": block})
        else:
            raise TypeError(f"no HTML for a {type(block).__name__} block")
    text = _template().render(content=content, blocks=blocks)
    return text, figures, runs


def write_report_html(content, folder=".", name="report.html"):
    """Write the report as one self-contained HTML file, atomically.

    Parameters
    ----------
    content : reports.ReportContent
        From ``report_content``.
    folder : str or Path
        Where to write it (default: the working directory, the notebook's folder).
    name : str
        The file's name.

    Returns
    -------
    ReportPage
        Shown in a notebook, the page itself, inline.

    Raises
    ------
    ReportInputError
        If ``folder`` is not a folder that can be written (the message names it and why),
        or ``name`` is not a plain ``.html`` file name. An earlier page of that name is kept.
    """
    folder = Path(folder)
    if Path(name).name != name or not name.endswith(".html"):
        raise ReportInputError(f"name={name!r}: give a plain file name ending in .html, and the folder "
                               "as folder=")
    if not folder.is_dir():
        raise ReportInputError(f"cannot write the report into {folder}: "
                               f"{'it is a file' if folder.exists() else 'no such folder'}")
    try:  # before drawing anything: a folder that cannot be written is said at once
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    except OSError as err:
        raise ReportInputError(f"cannot write the report into {folder}: {err.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            text, figures, runs = render_report_html(content)
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the page is for sharing
        path = folder / name
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ReportPage(path=path, size=len(text.encode("utf-8")), figures=figures, runs=runs)
