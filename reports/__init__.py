"""Notebook 06's report, from one definition of its content, drawn two ways.

- ``content``: ``report_content`` reads what notebooks 03 to 05 recorded and ran and
  returns the report's blocks (``ReportContent``): the one definition;
- ``online``: ``wandb_report`` draws them as a W&B Report with ``wandb-workspaces``
  (saved only by its ``save()``, with an account);
- ``page``: ``write_report_html`` draws them as one self-contained HTML file.
"""

from .content import ReportContent, ReportInputError, report_content, verdicts_markdown
from .online import wandb_report
from .page import ReportPage, render_report_html, write_report_html

__all__ = ["report_content", "ReportContent", "ReportInputError", "verdicts_markdown",
           "wandb_report", "write_report_html", "render_report_html", "ReportPage"]
