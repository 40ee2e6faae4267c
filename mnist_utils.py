"""The one face the notebooks import: ``import mnist_utils as mu``.

It defines nothing of its own. Each concern lives in a module named for it, and what the
notebooks use of each is re-exported below, one name per idea:

- ``mnist_data``: finding, downloading and verifying MNIST; the train/validation split;
- ``layers``, ``optimizer``, ``multi_layer_net``: the numpy network in the shape of
  "Deep Learning from Scratch" (its layers, its optimizers, the multi-layer net);
- ``trainer``: the minibatch training loop and its ``History``;
- ``mnist_plots``: digits, learning curves, confusion matrices;
- ``wandb_helpers``: choosing the W&B mode, reading offline runs and artifacts back;
- ``sweep_analysis``: the sweep dashboard's panels from a results table.

W&B's own API (``wandb.*``) and the sweep engine's (``local_sweeps.*``) are the lesson, so
notebooks call them by their own names, not through this module.
"""

from layers import Affine, Dropout, Relu, SoftmaxWithLoss, cross_entropy_error, softmax
from mnist_data import MnistDataError, load_mnist, load_splits, train_val_split
from mnist_plots import (
    confusion_matrix,
    plot_confusion_matrix,
    plot_digits,
    plot_learning_curves,
    plot_step_losses,
)
from multi_layer_net import (
    MLP,
    NETWORKS,
    evaluate,
    load_model,
    make_net,
    predict_labels,
    save_model,
)
from optimizer import OPTIMIZERS, SGD, AdaGrad, Adam, Momentum, RMSprop, get_optimizer
from sweep_analysis import (
    best_runs,
    compare_groups,
    param_columns,
    parameter_importance,
    plot_metric_over_time,
    plot_metric_vs_params,
    plot_parameter_importance,
    shared_traits,
    weak_runs,
)
from trainer import History, fit
from wandb_helpers import list_offline_runs, logged_runs, read_offline_artifact, setup_wandb

__all__ = [
    # data
    "MnistDataError", "load_mnist", "train_val_split", "load_splits",
    # the network: layers, optimizers, the multi-layer net, training
    "Affine", "Relu", "Dropout", "softmax", "cross_entropy_error", "SoftmaxWithLoss",
    "SGD", "Momentum", "AdaGrad", "RMSprop", "Adam", "OPTIMIZERS", "get_optimizer",
    "MLP", "NETWORKS", "make_net", "save_model", "load_model", "evaluate", "predict_labels",
    "History", "fit",
    # plotting
    "confusion_matrix", "plot_confusion_matrix", "plot_digits", "plot_learning_curves",
    "plot_step_losses",
    # W&B: the mode, reading runs and artifacts back
    "setup_wandb", "logged_runs", "list_offline_runs", "read_offline_artifact",
    # reading a sweep
    "best_runs", "compare_groups", "param_columns", "parameter_importance",
    "plot_metric_over_time", "plot_metric_vs_params", "plot_parameter_importance",
    "shared_traits", "weak_runs",
]
