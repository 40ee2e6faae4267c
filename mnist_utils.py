"""The one face the notebooks import: ``import mnist_utils as mu``.

It defines nothing of its own. Each concern lives in a module named for it, and what the
notebooks use of each is re-exported below, one name per idea:

- ``mnist_data``: finding, downloading and verifying MNIST; the train/validation split;
- ``layers``, ``optimizer``, ``multi_layer_net``: the numpy network in the shape of
  "Deep Learning from Scratch" (its layers, its optimizers, the multi-layer net and
  ``make_net``, the one function that turns a config into a network);
- ``trainer``: the minibatch training loop and its ``History``;
- ``mnist_plots``: digits, learning curves, confusion matrices, a sweep's curves;
- ``wandb_helpers``: choosing the W&B mode, reading offline runs and artifacts back;
- ``sweep_checks``: what a sweep run really trained with, against what the sweep chose;
- ``sweep_tables``, ``sweep_panels``, ``sweep_narrowing``, ``post_findings``: reading a
  sweep's results table, the dashboard's panels, narrowing a search space, and the
  original post's findings checked with one verdict rule;
- ``series_results``, ``reports``: what 04 and 05 found, and notebook 06's report of it.

The rule for notebooks: everything they need that is not W&B's own API (``wandb.*``) or
the sweep engine's (``local_sweeps.*``) comes through this module; those two are the
lesson, so notebooks call them by their own names. ``tests/test_notebook_imports.py``
holds every notebook to it, and checks that each name below is used by one.
"""

from layers import Relu, softmax
from mnist_data import load_mnist, load_splits, train_val_split
from mnist_plots import (
    confusion_matrix,
    plot_confusion_matrix,
    plot_digits,
    plot_learning_curves,
    plot_metric_curves,
    plot_step_losses,
)
from multi_layer_net import (
    MLP,
    evaluate,
    hidden_sizes,
    load_model,
    make_net,
    predict_labels,
    save_model,
)
from optimizer import Adam, get_optimizer
from post_findings import SMALL_MAX, compare_pair, is_small_net, post_findings, rank_trend
from reports import report_content, wandb_report, write_report_html
from series_results import read_results, record_results, verdict_record
from sweep_checks import TrainingWatch, config_mismatches
from sweep_narrowing import narrow_for_bayes
from sweep_panels import (
    parameter_importance,
    plot_metric_over_time,
    plot_metric_vs_lr,
    plot_metric_vs_params,
    plot_parallel_coordinates,
    plot_parameter_importance,
)
from sweep_tables import (
    best_runs,
    compare_groups,
    param_columns,
    shared_traits,
    sweep_line,
    weak_runs,
)
from trainer import fit
from verdicts import (
    RULE,
    Interval,
    accuracy_interval,
    bootstrap_interval,
    decide,
    median_gap_interval,
    paired_gap,
    runs_to_decide,
    spearman_interval,
)
from wandb_helpers import logged_runs, read_offline_artifact, setup_wandb

__all__ = [
    # data
    "load_mnist", "train_val_split", "load_splits",
    # the network: two of its printed pieces, the multi-layer net, building it from a config, training
    "Relu", "softmax", "Adam",
    "MLP", "make_net", "hidden_sizes", "save_model", "load_model", "evaluate", "predict_labels",
    "fit", "get_optimizer",
    # plotting
    "confusion_matrix", "plot_confusion_matrix", "plot_digits", "plot_learning_curves",
    "plot_step_losses", "plot_metric_curves",
    # W&B: the mode, reading runs and artifacts back
    "setup_wandb", "logged_runs", "read_offline_artifact",
    # reading a sweep's table
    "sweep_line", "param_columns", "weak_runs", "shared_traits", "compare_groups", "best_runs",
    # did each sweep run train with its sweep's values?
    "TrainingWatch", "config_mismatches",
    # the dashboard's panels
    "parameter_importance", "plot_parameter_importance", "plot_parallel_coordinates",
    "plot_metric_vs_params", "plot_metric_vs_lr", "plot_metric_over_time",
    # the post's findings, and narrowing the space
    "rank_trend", "compare_pair", "post_findings", "SMALL_MAX", "is_small_net",
    "narrow_for_bayes",
    # verdicts: one rule, an estimate and its 95% interval
    "RULE", "Interval", "decide", "runs_to_decide", "spearman_interval", "median_gap_interval",
    "bootstrap_interval", "accuracy_interval", "paired_gap",
    # what 04 and 05 found, kept for 06
    "verdict_record", "record_results", "read_results",
    # 06's report: its content, drawn as a W&B Report and as one HTML page
    "report_content", "wandb_report", "write_report_html",
]
