"""Plots for the notebooks: digits, learning curves, step losses, confusion matrices.

matplotlib only, imported lazily so that training code and tests never need a
display. Every function returns its Figure. ``mnist_utils`` re-exports them all.
"""

import math

import numpy as np


def plot_digits(x, t=None, pred=None, ncols=10, title=None):
    """A grid of digits, captioned with their label and, if given, the prediction.

    Wrong predictions are captioned in red, so mistakes stand out.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    n = len(x)
    nrows = max(1, math.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.1 * ncols, 1.3 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(np.asarray(x[i]).reshape(28, 28), cmap="gray_r")
        if pred is not None:
            ok = t is None or pred[i] == t[i]
            label = f"{pred[i]}" if t is None else f"{t[i]}→{pred[i]}"
            ax.set_title(label, fontsize=9, color="black" if ok else "red")
        elif t is not None:
            ax.set_title(str(t[i]), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_learning_curves(histories, metrics=("loss", "acc")):
    """Train (dashed) and validation (solid) curves per epoch, one panel per metric.

    Parameters
    ----------
    histories : dict of name -> History (or a list of per-epoch metric dicts)
    metrics : the metric stems to plot, e.g. ``("loss", "acc")``

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for (name, history), color in zip(histories.items(), plt.rcParams["axes.prop_cycle"].by_key()["color"] * 3):
        records = list(getattr(history, "records", history))
        epochs = [r["epoch"] for r in records]
        for ax, metric in zip(axes[0], metrics):
            for split, style in (("train", "--"), ("val", "-")):
                key = f"{split}_{metric}"
                if records and key in records[0]:
                    ax.plot(epochs, [r[key] for r in records], style, color=color, label=f"{name} {split}")
    for ax, metric in zip(axes[0], metrics):
        ax.set_xlabel("epoch")
        ax.set_ylabel({"acc": "accuracy"}.get(metric, metric))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_step_losses(losses, smooth=50):
    """Minibatch losses per training step, smoothed by a moving average, one line per name.

    Parameters
    ----------
    losses : dict of name -> sequence of float
    smooth : int
        Window of the moving average; minibatch losses are noisy.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    for name, values in losses.items():
        values = np.asarray(values, dtype=float)
        window = max(1, min(smooth, len(values)))
        ax.plot(np.arange(window, len(values) + 1), np.convolve(values, np.ones(window) / window, "valid"),
                label=name)
    ax.set(xlabel="step", ylabel=f"training loss (mean of {smooth} steps)", yscale="log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def confusion_matrix(t, pred, n_classes=10):
    """Counts of (true label, predicted label) pairs: rows are truths, columns predictions."""
    return np.bincount(np.asarray(t) * n_classes + np.asarray(pred),
                       minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def plot_confusion_matrix(t, pred, title=None):
    """The confusion matrix as a heat map with counts.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    cm = confusion_matrix(t, pred)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    # A log scale keeps the off-diagonal mistakes visible next to the large diagonal.
    ax.imshow(np.log1p(cm), cmap="Blues")
    for (i, j), count in np.ndenumerate(cm):
        ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                color="white" if cm[i, j] > cm.max() / 3 else "black")
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true",
           title=title or f"accuracy {np.trace(cm) / cm.sum():.2%}")
    fig.tight_layout()
    return fig


def plot_metric_curves(histories, metric, x="epoch", dashed=()):
    """One metric's curve for each of many runs, e.g. every run of a sweep.

    Parameters
    ----------
    histories : dict of name -> pandas.DataFrame
        Each run's logged history (rows without the metric are skipped).
    metric, x : str
        The metric to plot, against the column ``x``.
    dashed : collection of names
        Runs drawn dashed, e.g. the ones early termination stopped.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, history in histories.items():
        rows = history.dropna(subset=[metric])
        ax.plot(rows[x], rows[metric], "--" if name in dashed else "-", marker="o", markersize=3,
                alpha=0.6 if name in dashed else 0.9, label=name)
    ax.set(xlabel=x, ylabel=metric)
    ax.grid(alpha=0.3)
    if len(histories) <= 15:
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig
