"""The report as a W&B Report, built with W&B's own library for it (``wandb-workspaces``).

``wandb_report`` turns a ``ReportContent`` into a ``wandb_workspaces.reports.v2.Report``:
Markdown blocks, one panel grid per sweep (its runs selected by the sweep), and the final
model's artifact. Building it sends nothing; ``report.save()`` is the one step that needs a
W&B account (it looks up the project of each run set, then uploads the report).
"""

from __future__ import annotations

from local_sweeps.tables import FIXED_COLUMNS
from sweep_tables import as_numbers, spans_decades

from .content import Markdown, ModelArtifact, SweepGrids


def config_key(column, metric):
    """The W&B config key behind a results-table column (``config.epochs`` -> ``epochs``)."""
    # local_sweeps names a parameter "config.<key>" where <key> is a fixed column or the metric.
    key = column.removeprefix("config.")
    return key if key != column and (key in FIXED_COLUMNS or key == metric) else column


def sweep_filter(sweep_id):
    """A run set's filter for one sweep's runs, as W&B's filter expressions write it.

    A W&B sweep's runs carry its id as ``Sweep``; a local sweep's runs, uploaded later by
    ``wandb sync``, carry no sweep but the group ``sweep-<id>`` (``local_sweeps`` sets it):
    either selects them.
    """
    return f"Sweep = '{sweep_id}' or Group = 'sweep-{sweep_id}'"


def _panel_grid(wr, sweep, entity, project):
    numeric = {p: as_numbers(sweep.runs[p]) for p in sweep.params}
    columns = [wr.ParallelCoordinatesPlotColumn(
        metric=wr.Config(config_key(p, sweep.metric)), display_name=p,
        log=True if numeric[p] is not None and spans_decades(numeric[p].dropna()) else None)
        for p in sweep.params]
    columns.append(wr.ParallelCoordinatesPlotColumn(metric=wr.SummaryMetric(sweep.metric)))
    runset = wr.Runset(entity=entity, project=project, name=f"{sweep.label} sweep {sweep.sweep_id}",
                       filters=sweep_filter(sweep.sweep_id))
    return wr.PanelGrid(runsets=[runset], panels=[
        wr.ParallelCoordinatesPlot(columns=columns, title=f"{sweep.label} sweep: parallel coordinates",
                                   layout=wr.Layout(x=0, y=0, w=24, h=8)),
        wr.ParameterImportancePlot(with_respect_to=sweep.metric, layout=wr.Layout(x=0, y=8, w=12, h=8)),
        wr.LinePlot(x="epoch", y=[sweep.metric], title=f"{sweep.metric} at each logged step (one per epoch)",
                    layout=wr.Layout(x=12, y=8, w=12, h=8)),
    ])


def wandb_report(content, entity, project=None):
    """The report as a W&B Report object, not saved: nothing is sent until ``report.save()``.

    Parameters
    ----------
    content : reports.ReportContent
        From ``report_content``.
    entity : str
        The W&B entity (user or team) the report and the runs belong to; with an account,
        ``wandb.Api().default_entity``.
    project : str, optional
        The W&B project; default: the content's.

    Returns
    -------
    wandb_workspaces.reports.v2.Report
        Its ``blocks`` follow the content's: a ``MarkdownBlock`` per Markdown block, an
        ``H2`` and a ``PanelGrid`` per sweep, and for the artifact a ``MarkdownBlock`` with
        its digest and a ``WeaveBlockArtifact``.
    """
    import wandb_workspaces.reports.v2 as wr  # W&B's library; imported here, as only 06 needs it

    project = project or content.project
    if not entity or not project:
        raise ValueError("a W&B Report needs an entity and a project: wandb_report(content, "
                         "entity=..., project=...)")
    blocks = []
    for block in content.blocks:
        if isinstance(block, Markdown):
            blocks.append(wr.MarkdownBlock(text=block.text))
        elif isinstance(block, SweepGrids):
            for sweep in block.sweeps:
                blocks += [wr.H2(text=sweep.title), _panel_grid(wr, sweep, entity, project)]
        elif isinstance(block, ModelArtifact):
            blocks += [wr.MarkdownBlock(text=block.text),
                       wr.WeaveBlockArtifact(entity=entity, project=project, artifact=block.name,
                                             tab="overview")]
        else:
            raise TypeError(f"no W&B block for {type(block).__name__}")
    return wr.Report(entity=entity, project=project, title=content.title,
                     description=content.description, blocks=blocks, width="fluid")
