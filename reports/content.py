"""What the series' report says, defined once: the blocks both renderers draw.

``report_content`` reads what notebooks 04 and 05 recorded (``series_results.json``), the
four sweeps they name (``local_sweeps.results``) and their runs' per-step histories
(``logged_runs``), and turns them into a ``ReportContent``: a title and a sequence of
blocks, each of one of three kinds:

- ``Markdown``: text (headings, the summary, the verdicts table), computed from results;
- ``SweepGrids``: the sweeps side by side, each with its three dashboard panels
  (parallel coordinates, parameter importance, the metric over steps) and its runs;
- ``ModelArtifact``: the final model's W&B Artifact, with its digest.

``reports.online`` draws those blocks as a W&B Report (``wandb_workspaces``), and
``reports.page`` as one self-contained HTML file: the same text, the same order.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import local_sweeps
from series_results import RESULTS_FILE, SOURCES, read_results
from sweep_tables import check_goal, check_metric, param_columns, ranked_runs, sweep_line
from verdicts import RULE, format_interval
from wandb_helpers import logged_runs

# The sweeps the report shows, in its order (the series' own), and the notebook that runs each.
SWEEPS = {"random": "03", "narrowed random": "05", "bayes": "05", "grid": "05"}
FINAL_KEYS = ("test_acc", "test_loss", "wrong", "n_test", "config", "run_id", "artifact", "table",
              "chosen")
SWEEP_ID = re.compile(r"^[A-Za-z0-9_-]+$")  # W&B's and the local engine's ids alike


class ReportInputError(ValueError):
    """What the report was given cannot make a report; the message names what and why."""


@dataclass(frozen=True)
class Markdown:
    """Markdown text: a W&B Markdown block online, HTML in the page."""

    text: str


@dataclass(frozen=True, eq=False)
class SweepPanels:
    """One sweep's panels and runs: its results table and each run's logged history."""

    label: str             # "random", "bayes", ...: the key in series_results.json
    sweep_id: str
    notebook: str          # the notebook that ran it
    metric: str
    goal: str
    runs: pd.DataFrame     # local_sweeps.results: one row per trial
    histories: dict = field(repr=False)  # "trial N" -> that run's history (DataFrame)

    @property
    def title(self):
        return f"The {self.label} sweep (notebook {self.notebook}, {self.sweep_id})"

    @property
    def slug(self):
        """The label as an HTML id: "narrowed random" -> "narrowed-random"."""
        return re.sub(r"[^A-Za-z0-9_-]+", "-", self.label)

    @property
    def params(self):
        """The parameters that vary in this sweep: the panels' axes, the table's columns."""
        return param_columns(self.runs, self.metric)

    @property
    def best_trial(self):
        return f"trial {ranked_runs(self.runs, self.metric, self.goal)['trial'].iloc[0]}"

    @property
    def stopped_trials(self):
        return {f"trial {t}" for t in self.runs.loc[self.runs["state"] == "stopped", "trial"]}


@dataclass(frozen=True)
class SweepGrids:
    """The sweeps' panels, side by side."""

    sweeps: tuple


@dataclass(frozen=True)
class ModelArtifact:
    """The final model as a W&B Artifact: its name, digest and the run that logged it."""

    name: str
    digest: str
    run_id: str
    test_acc: float

    @property
    def text(self):
        return (f"The final model is kept as the W&B Artifact `{self.name}` (type model), logged by "
                f"run `{self.run_id}`; its digest is `{self.digest}`. Anyone holding the same digest "
                "holds exactly this model.")


@dataclass(frozen=True)
class ReportContent:
    """A report: its title, a one-line description, the W&B project, and its blocks in order."""

    title: str
    description: str
    project: str
    blocks: tuple

    @property
    def sweeps(self):
        return [s for b in self.blocks if isinstance(b, SweepGrids) for s in b.sweeps]

    def outline(self):
        """One line per block: its kind and what it holds."""
        lines = []
        for block in self.blocks:
            if isinstance(block, Markdown):
                first = block.text.strip().splitlines()[0]
                lines.append(f"Markdown       {first[:80]}{'...' if len(first) > 80 else ''}")
            elif isinstance(block, SweepGrids):
                lines += [f"SweepPanels    {s.title}: {len(s.runs)} runs, {len(s.histories)} curves, "
                          f"parameters {', '.join(s.params)}" for s in block.sweeps]
            else:
                lines.append(f"ModelArtifact  {block.name}, digest {block.digest[:12]}...")
        return lines


def _section(results, name, writer):
    if name not in results:
        raise ReportInputError(f"{RESULTS_FILE} has no {name!r} section yet: notebook {writer} "
                               "writes it; run it in this folder first")
    return results[name]


def _check_final(final):
    missing = [k for k in FINAL_KEYS if k not in final and k != "artifact"]
    artifact = final.get("artifact")
    if not isinstance(artifact, dict) or not {"name", "digest"} <= set(artifact):
        missing.append("artifact (its name and digest)")
    if missing:
        raise ReportInputError(f"the 'final' section of {RESULTS_FILE} lacks {', '.join(missing)}: "
                               "run notebook 05 again to rewrite it")
    if not isinstance(final["test_acc"], int | float) or not 0 <= final["test_acc"] <= 1:
        raise ReportInputError(f"the final test_acc in {RESULTS_FILE} is {final['test_acc']!r}; "
                               "it must be an accuracy between 0 and 1")
    chosen = final["chosen"]
    named = isinstance(chosen, dict) and {"sweep", "run", "value"} <= set(chosen)
    if not named or chosen["sweep"] not in SWEEPS:
        raise ReportInputError(f"the final model's 'chosen' entry in {RESULTS_FILE} is {chosen!r}: it "
                               f"names the sweep (one of {', '.join(SWEEPS)}), the run and its metric "
                               "value that chose the configuration; run notebook 05 again to rewrite it")


@contextlib.contextmanager
def _read_where_it_ran(sweep_id):
    """Read a sweep run on this machine from here, even with a W&B account on.

    A series run offline and uploaded later by ``wandb sync`` has local sweeps (in
    ``.sweeps/<id>/``, where ``local_sweeps`` keeps them) that W&B's server never saw: their
    results and runs are read from this folder, while the report itself goes online.
    """
    if not (Path(".sweeps") / sweep_id).is_dir():
        yield
        return
    before = os.environ.get("WANDB_MODE")
    os.environ["WANDB_MODE"] = "offline"  # what local_sweeps and logged_runs read, call by call
    try:
        yield
    finally:
        if before is None:
            del os.environ["WANDB_MODE"]
        else:
            os.environ["WANDB_MODE"] = before


def _load_sweep(label, sweep_id, metric, goal, project, wandb_dir):
    notebook = SWEEPS[label]
    if not isinstance(sweep_id, str) or not SWEEP_ID.match(sweep_id):
        raise ReportInputError(f"the {label} sweep id in {RESULTS_FILE} is {sweep_id!r}: a sweep id "
                               "is letters, digits, '-' and '_'")
    try:
        runs = local_sweeps.results(sweep_id, project=project)
    except local_sweeps.SweepNotFoundError:
        raise ReportInputError(f"the {label} sweep {sweep_id} that {RESULTS_FILE} names does not exist "
                               f"here: run notebook {notebook} in this folder (it makes the sweep), "
                               "or run the notebooks from the folder that holds it") from None
    try:
        check_metric(runs, metric)
    except ValueError as err:
        raise ReportInputError(f"the {label} sweep {sweep_id}: {err}") from None
    if ranked_runs(runs, metric, goal).empty:
        states = ", ".join(f"{n} {s}" for s, n in runs["state"].value_counts().items()) or "none"
        raise ReportInputError(f"the {label} sweep {sweep_id} has no finished run with a {metric} "
                               f"value ({len(runs)} runs: {states}): there is nothing to report on it; "
                               f"run notebook {notebook} again")
    # Finished runs and the ones hyperband stopped both have curves worth drawing.
    with_curves = runs[runs["state"].isin(["finished", "stopped"]) & runs["run_id"].notna()]
    try:
        logged = logged_runs(list(with_curves["run_id"]), project=project, wandb_dir=wandb_dir)
    except (KeyError, FileNotFoundError) as err:
        raise ReportInputError(f"the {label} sweep {sweep_id}'s runs cannot be read back: "
                               f"{err.args[0]}") from None
    histories = {f"trial {row.trial}": logged[row.run_id].history for row in with_curves.itertuples()}
    return SweepPanels(label, sweep_id, notebook, metric, goal, runs, histories)


def _percent(value):
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.2%}"


def _cell(text):
    """Text for a Markdown table cell: a pipe would end the cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def verdicts_markdown(verdicts):
    """The recorded verdicts as a Markdown table, one row per claim, in the notebooks' order.

    Parameters
    ----------
    verdicts : list of dict
        ``series_results.verdict_record`` dicts.

    Returns
    -------
    str
    """
    if not verdicts:
        return "No verdicts are recorded yet: notebooks 04 and 05 record them as they test each claim."
    rows = ["| Notebook | Claim | Whose | Estimate (95% interval) | n | Verdict |",
            "|---|---|---|---|---|---|"]
    for v in sorted(verdicts, key=lambda v: v["notebook"]):  # stable: each notebook's own order
        if v["estimate"] is None:
            estimate = f"{v['what']}: none (a constant sample)"
        elif v["low"] is None or v["high"] is None:
            (est, _, _) = format_interval(v["estimate"], 0.0, 0.0, v["scale"])
            estimate = f"{v['what']} {est}{v['unit']} (no interval)"
        else:
            est, low, high = format_interval(v["estimate"], v["low"], v["high"], v["scale"])
            estimate = f"{v['what']} {est}{v['unit']} ({low} to {high}{v['unit']})"
        rows.append(f"| {v['notebook']} | {_cell(v['claim'])} | {SOURCES[v['source']]} "
                    f"| {_cell(estimate)} | {v['n']} | **{v['verdict'].upper()}** |")
    return "\n".join(rows)


def short_value(value):
    """A config value as the report prints it: floats to 3 significant digits (0.0114, 1.5e-05)."""
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _summary(sweeps, verdicts, final):
    counts = {word: sum(v["verdict"] == word for v in verdicts)
              for word in ("holds", "does not hold", "cannot tell")}
    tally = ", ".join(f"{n} {word}" for word, n in counts.items())
    whose = " and ".join(f"{sum(v['source'] == source for v in verdicts)} from {name}"
                         for source, name in SOURCES.items())
    config = ", ".join(f"{k}={short_value(v)}" for k, v in final["config"].items())
    chosen, metric = final["chosen"], sweeps[0].metric
    lines = ["## What the sweeps found", ""]
    lines += [f"- {sweep_line(s.label, s.sweep_id, s.runs, s.metric, s.goal)}, run by notebook {s.notebook}."
              for s in sweeps]
    lines += [f"- {len(verdicts)} claims were put to the test on these runs ({whose}): "
              f"{tally} (the verdicts below).",
              f"- The final configuration is {chosen['run']} of the {chosen['sweep']} sweep, the best "
              f"run of notebook 05's sweeps ({metric} {_percent(chosen['value'])} on the sweeps' budget).",
              f"- The final model ({config}) scores **{final['test_acc']:.2%}** on the "
              f"{final['n_test']:,} test digits ({final['wrong']:,} wrong), measured once, after the "
              "sweeps had chosen its configuration on the validation set."]
    return "\n".join(lines)


def _final_markdown(final):
    rows = ["## The final model", "",
            f"Test accuracy **{final['test_acc']:.2%}**, test loss {final['test_loss']:.4f}: "
            f"{final['wrong']:,} of {final['n_test']:,} test digits wrong.", ""]
    if final["table"]:
        rows += ["| Model | Test accuracy | 95% interval | Wrong |", "|---|---|---|---|"]
        rows += [f"| {_cell(r['row'])} | {_percent(r['test_acc'])} | {_percent(r['low'])} to "
                 f"{_percent(r['high'])} | {r['wrong']:,} |" for r in final["table"]]
    return "\n".join(rows)


def report_content(results_path=RESULTS_FILE, project=None, metric="val_acc", goal="maximize",
                   wandb_dir="wandb", title="Tuning a numpy MLP on MNIST with W&B Sweeps"):
    """The report's content, from what notebooks 03 to 05 recorded and ran: four sweeps, the
    verdicts, the final model and the run that chose it.

    Parameters
    ----------
    results_path : str or Path
        The ``series_results.json`` that notebooks 04 and 05 write.
    project : str, optional
        The W&B project of the sweeps' runs.
    metric, goal : str
        The sweeps' metric and whether it is maximized or minimized.
    wandb_dir : str or Path
        Where the offline runs are.
    title : str
        The report's title.

    Returns
    -------
    ReportContent

    Raises
    ------
    FileNotFoundError
        No ``series_results.json``: the message says which notebooks write it.
    ReportInputError
        A section, a sweep or a sweep's finished runs are missing; the message names which
        and the notebook that makes it.
    """
    check_goal(goal)
    results = read_results(results_path)
    recorded = _section(results, "sweeps", "03 to 05")
    verdicts = _section(results, "verdicts", "04")
    final = _section(results, "final", "05")
    _check_final(final)
    sweeps = []
    for label in SWEEPS:
        if label not in recorded:
            raise ReportInputError(f"{RESULTS_FILE} names no {label} sweep: notebook {SWEEPS[label]} "
                                   "records it; run it in this folder first")
        with _read_where_it_ran(str(recorded[label])):
            sweeps.append(_load_sweep(label, recorded[label], metric, goal, project, wandb_dir))
    artifact = ModelArtifact(final["artifact"]["name"], final["artifact"]["digest"], final["run_id"],
                             final["test_acc"])
    blocks = (
        Markdown(_summary(sweeps, verdicts, final)),
        Markdown("## The sweeps\n\nEach sweep's runs in W&B's three panels: parallel coordinates "
                 f"(one line per run), the importance of each parameter for {metric}, and {metric} "
                 "at each logged step (one per epoch). The random sweep (notebook 03) searched the "
                 "wide space; notebook 05 narrowed it around the best runs, searched the narrowed "
                 "space twice with the same budget, by random and by bayes, then ran a grid over "
                 "Net2's two hidden sizes with the rest fixed."),
        SweepGrids(tuple(sweeps)),
        Markdown("## The verdicts\n\n" + verdicts_markdown(verdicts) + "\n\n" + RULE),
        Markdown(_final_markdown(final)),
        artifact,
    )
    description = (f"{len(sweeps)} sweeps ({', '.join(f'{len(s.runs)} {s.label} runs' for s in sweeps)}), "
                   f"{len(verdicts)} verdicts, and a final model at {final['test_acc']:.2%} test accuracy.")
    return ReportContent(title=title, description=description, project=project or "", blocks=blocks)
