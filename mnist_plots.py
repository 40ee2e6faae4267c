"""Plots for the notebooks: digits, learning curves, step losses, confusion matrices, a sweep's curves.

matplotlib only, imported lazily so that training code and tests never need a
display. Every plotting function returns its Figure; ``mnist_utils`` re-exports those the notebooks call.
Log axes are labelled in plain decimals (0.05, 0.1, 0.2) rather than matplotlib's
default ``6×10⁻¹``, and epoch axes carry whole epochs only.
"""

import math

import numpy as np


def _plain(x):
    """A tick value as a plain decimal: 0.06, not 6e-02 (six significant digits at most)."""
    return np.format_float_positional(float(f"{x:.6g}"), trim="-")


def plain_log_ticks(ax, axis="y"):
    """Label a log-scaled axis of ``ax`` in plain decimals (0.05, 0.1, 0.2), not ``5×10⁻²``.

    matplotlib picks which ticks get a label as usual (decades, and between them on a
    short axis); only how each label is written changes.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    axis : {"x", "y"}
        The log-scaled axis.
    """
    from matplotlib.ticker import LogFormatter

    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")

    class PlainLogFormatter(LogFormatter):
        """matplotlib's choice of labelled log ticks, written as plain decimals."""

        def _num_to_string(self, x, vmin, vmax):
            return _plain(x)

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(PlainLogFormatter(labelOnlyBase=False))
    # As matplotlib's own log scale does: minor ticks are labelled only when the axis
    # spans too few decades for the major ticks alone to be read.
    target.set_minor_formatter(PlainLogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.4)))


def integer_ticks(ax, axis="x"):
    """Put ticks of ``ax``'s ``axis`` on whole numbers only (epochs: 1, 2, 3, never 2.5)."""
    from matplotlib.ticker import MaxNLocator

    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_locator(MaxNLocator(integer=True))


def plot_digits(x, t=None, pred=None, ncols=10, title=None):
    """A grid of digits, captioned with their label and, if given, the prediction.

    Wrong predictions are captioned in red, so mistakes stand out. The digits are
    tiled into one image on one axes (a caption per tile), which draws in a tenth of
    the time of one axes per digit.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; its ``texts`` are the captions, in the order of ``x``.
    """
    import matplotlib.pyplot as plt

    images = np.asarray(x, dtype=float).reshape(-1, 28, 28)
    n = len(images)
    nrows = max(1, math.ceil(n / ncols))
    gap, top = 2, 9  # pixels between tiles, and above each tile for its caption
    cell_h, cell_w = 28 + top, 28 + gap
    canvas = np.full((nrows * cell_h, ncols * cell_w), np.nan)  # NaN draws as background
    for i, image in enumerate(images):
        row, col = divmod(i, ncols)
        canvas[row * cell_h + top:(row + 1) * cell_h, col * cell_w:col * cell_w + 28] = image
    fig, ax = plt.subplots(figsize=(1.1 * ncols, 1.3 * nrows))
    ax.imshow(canvas, cmap="gray_r", interpolation="nearest")
    ax.axis("off")
    for i in range(n):
        row, col = divmod(i, ncols)
        if pred is not None:
            ok = t is None or pred[i] == t[i]
            label, color = (f"{pred[i]}" if t is None else f"{t[i]}→{pred[i]}"), "black" if ok else "red"
        elif t is not None:
            label, color = str(t[i]), "black"
        else:
            continue
        ax.text(col * cell_w + 13.5, row * cell_h + top - 1.5, label, ha="center", va="bottom",
                fontsize=9, color=color)
    if title:
        ax.set_title(title)
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
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (name, history) in enumerate(histories.items()):
        color = colors[k % len(colors)]
        records = list(getattr(history, "records", history))
        epochs = [r["epoch"] for r in records]
        for ax, metric in zip(axes[0], metrics, strict=True):
            for split, style in (("train", "--"), ("val", "-")):
                key = f"{split}_{metric}"
                if records and key in records[0]:
                    ax.plot(epochs, [r[key] for r in records], style, color=color, label=f"{name} {split}")
    for ax, metric in zip(axes[0], metrics, strict=True):
        ax.set_xlabel("epoch")
        integer_ticks(ax, "x")
        ax.set_ylabel({"acc": "accuracy"}.get(metric, metric))
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:  # a metric no history holds leaves its panel empty
            ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_step_losses(losses, smooth=50):
    """Minibatch losses against the training step, smoothed by a moving average, one line per name.

    Parameters
    ----------
    losses : dict of name -> sequence of float, or name -> ``(steps, losses)``
        A plain sequence holds one loss per step, for steps 1, 2, 3, ... (what a
        per-step callback collects). A pair gives the step of each loss, for losses
        logged every few steps (e.g. a W&B history's ``step`` and ``batch_loss``).
    smooth : int
        Window of the moving average, in points; minibatch losses are noisy.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if not (isinstance(smooth, (int, np.integer)) and smooth >= 1):
        raise ValueError(f"smooth must be an int >= 1 (points in the moving average), got {smooth!r}")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    windows = set()
    for name, values in losses.items():
        if isinstance(values, tuple):
            if len(values) != 2:
                raise ValueError(f"{name}: give the losses, or a pair (steps, losses); "
                                 f"got a tuple of {len(values)}")
            steps, values = (np.asarray(v, dtype=float) for v in values)
            if steps.shape != values.shape:
                raise ValueError(f"{name}: {len(steps)} steps for {len(values)} losses; they must pair up")
        else:
            values = np.asarray(values, dtype=float)
            steps = np.arange(1, len(values) + 1)
        window = max(1, min(smooth, len(values)))
        windows.add(window)
        # Each average is drawn at the step of its window's last point: the loss up to that step.
        ax.plot(steps[window - 1:], np.convolve(values, np.ones(window) / window, "valid"), label=name)
    window = windows.pop() if len(windows) == 1 else smooth
    ax.set(xlabel="step", ylabel=f"minibatch loss\n(moving average of {window} points)", yscale="log")
    plain_log_ticks(ax, "y")
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


def plot_metric_curves(histories, metric, x="epoch", dashed=(), checks=(), winner=None,
                       dashed_label="stopped before its last epoch"):
    """One metric's curve for each of many runs, e.g. every run of a sweep.

    Runs in ``dashed`` (those early termination cut) are drawn dashed in red, the others
    solid in blue; ``winner`` is drawn last, thick and black, and named in the legend;
    ``checks`` are dotted vertical lines (where early termination compared the runs).

    Parameters
    ----------
    histories : dict of name -> sequence of float, or name -> pandas.DataFrame
        A sequence holds one value per epoch (epochs 1, 2, 3, ...); a DataFrame is a run's
        logged history, plotted against its column ``x`` (rows without the metric skipped).
    metric, x : str
        The metric to plot, and the x axis (a DataFrame's column; "epoch" for sequences).
    dashed : collection of names
        Runs drawn dashed, e.g. the ones early termination stopped.
    checks : sequence of numbers
        Where to draw the dotted vertical lines, in ``x``'s units.
    winner : str, optional
        The one run drawn thick in black and named in the legend.
    dashed_label : str
        The legend's name for the dashed runs (the solid ones are "trained every epoch").

    Returns
    -------
    matplotlib.figure.Figure
        One axes; its lines are the runs in order (``winner`` last), then the checks.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    if winner is not None and winner not in histories:
        raise ValueError(f"winner={winner!r} is not one of the runs: {', '.join(map(str, histories))}")
    curves = {}
    for name, values in histories.items():
        if hasattr(values, "dropna"):  # a logged history
            rows = values.dropna(subset=[metric])
            curves[name] = (rows[x].to_numpy(dtype=float), rows[metric].to_numpy(dtype=float))
        else:
            values = np.asarray(values, dtype=float)
            curves[name] = (np.arange(1, len(values) + 1), values)
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, (xs, ys) in curves.items():
        if name != winner:
            cut = name in dashed
            ax.plot(xs, ys, "--" if cut else "-", marker="o", markersize=3,
                    color="tab:red" if cut else "tab:blue", alpha=0.5)
    if winner is not None:
        ax.plot(*curves[winner], "-", marker="o", color="black", lw=2.5, label=f"winner: {winner}")
    for i, at in enumerate(checks):
        ax.axvline(at, color="0.4", ls=":", lw=1.2, label="check" if i == 0 else None)
    handles = ax.get_legend_handles_labels()[0]
    if any(name in dashed for name in curves):  # a legend entry for each style, not each run
        handles += [Line2D([], [], ls="--", color="tab:red", label=dashed_label),
                    Line2D([], [], ls="-", color="tab:blue", label="trained every epoch")]
    ax.set(xlabel=x, ylabel=metric)
    if x == "epoch":
        integer_ticks(ax, "x")
    ax.grid(alpha=0.3)
    if handles:
        ax.legend(handles=handles, fontsize=8)
    fig.tight_layout()
    return fig
