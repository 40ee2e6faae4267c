"""Direct tests of the plotting functions in mnist_plots (Agg backend, no display)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import mnist_plots as mp  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def tick_labels(ax, axis="y"):
    """Every non-empty tick label (major and minor) of a drawn axis."""
    ax.figure.canvas.draw()
    get = ax.get_yticklabels if axis == "y" else ax.get_xticklabels
    return [t.get_text() for t in get() + get(minor=True) if t.get_text()]


def visible_ticks(ax, axis="x"):
    lo, hi = ax.get_xlim() if axis == "x" else ax.get_ylim()
    ticks = ax.get_xticks() if axis == "x" else ax.get_yticks()
    return [t for t in ticks if lo <= t <= hi]


def epoch_records(n, scale=1.0):
    return [{"epoch": e, "train_loss": scale / e, "val_loss": 1.2 * scale / e,
             "train_acc": 1 - 0.1 / e, "val_acc": 1 - 0.12 / e} for e in range(1, n + 1)]


# --- learning curves -------------------------------------------------------------------

def test_learning_curves_label_their_axes_and_draw_train_dashed_val_solid():
    fig = mp.plot_learning_curves({"Net1": epoch_records(3)})
    loss_ax, acc_ax = fig.axes
    assert (loss_ax.get_xlabel(), loss_ax.get_ylabel()) == ("epoch", "loss")
    assert (acc_ax.get_xlabel(), acc_ax.get_ylabel()) == ("epoch", "accuracy")
    styles = {line.get_label(): line.get_linestyle() for line in loss_ax.lines}
    assert styles == {"Net1 train": "--", "Net1 val": "-"}
    val = next(line for line in acc_ax.lines if line.get_label() == "Net1 val")
    assert list(val.get_xdata()) == [1, 2, 3]
    assert np.allclose(val.get_ydata(), [1 - 0.12, 1 - 0.06, 1 - 0.04])


@pytest.mark.parametrize("epochs", [2, 3, 7, 30])
def test_learning_curve_epoch_ticks_are_whole_numbers(epochs):
    fig = mp.plot_learning_curves({"a": epoch_records(epochs)})
    for ax in fig.axes:
        fig.canvas.draw()
        ticks = visible_ticks(ax)
        assert ticks, "no epoch ticks drawn"
        assert all(float(t).is_integer() for t in ticks), ticks


def test_learning_curves_take_a_history_object_with_records():
    class History:
        records = epoch_records(2)

    fig = mp.plot_learning_curves({"h": History()}, metrics=("loss",))
    assert [line.get_label() for line in fig.axes[0].lines] == ["h train", "h val"]


def test_metric_curves_plot_against_epoch_with_integer_ticks_and_dash_the_stopped_runs():
    histories = {"kept": pd.DataFrame({"epoch": [1, 2, 3], "val_acc": [0.9, 0.92, 0.93]}),
                 "cut": pd.DataFrame({"epoch": [1, 2, 3], "val_acc": [0.5, np.nan, np.nan]})}
    fig = mp.plot_metric_curves(histories, "val_acc", dashed={"cut"})
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "val_acc")
    kept, cut = ax.lines
    assert cut.get_linestyle() == "--" and kept.get_linestyle() == "-"
    assert list(cut.get_xdata()) == [1]  # the rows without the metric are skipped
    fig.canvas.draw()
    assert all(float(t).is_integer() for t in visible_ticks(ax))


def test_metric_curves_mark_the_checks_and_draw_the_winner_last():
    # One value per epoch, as notebook 05 collects them for a bayes sweep's runs.
    histories = {"a": [0.90, 0.95, 0.97], "b": [0.85, 0.93, 0.96], "cut": [0.60]}
    fig = mp.plot_metric_curves(histories, "val_acc", dashed={"cut"}, checks=[1], winner="a")
    ax = fig.axes[0]
    b, cut, a, check = ax.lines  # the winner after the others, then the check line
    assert list(a.get_ydata()) == [0.90, 0.95, 0.97] and list(a.get_xdata()) == [1, 2, 3]
    assert a.get_linewidth() > b.get_linewidth() and a.get_color() == "black"
    assert cut.get_linestyle() == "--" and b.get_linestyle() == "-"
    assert list(check.get_xdata()) == [1, 1]  # a vertical line at epoch 1
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["winner: a", "check", "stopped before its last epoch", "trained every epoch"]
    with pytest.raises(ValueError, match="winner='z' is not one of the runs: a, b, cut"):
        mp.plot_metric_curves(histories, "val_acc", winner="z")


# --- step losses -----------------------------------------------------------------------

def test_step_losses_are_plotted_against_the_logged_steps():
    # W&B logged the batch loss every 50 steps: the x-axis must read 50..1000, not 0..19.
    steps = np.arange(50, 1001, 50)
    losses = np.linspace(1.0, 0.1, len(steps))
    fig = mp.plot_step_losses({"run": (steps, losses)}, smooth=1)
    ax = fig.axes[0]
    (line,) = ax.lines
    assert ax.get_xlabel() == "step"
    assert list(line.get_xdata()) == list(steps)
    assert np.allclose(line.get_ydata(), losses)


def test_step_losses_smoothing_draws_each_average_at_its_last_step():
    steps, losses = [10, 20, 30, 40], [4.0, 2.0, 1.0, 3.0]
    fig = mp.plot_step_losses({"run": (steps, losses)}, smooth=2)
    (line,) = fig.axes[0].lines
    assert list(line.get_xdata()) == [20, 30, 40]
    assert np.allclose(line.get_ydata(), [3.0, 1.5, 2.0])
    assert "2 points" in fig.axes[0].get_ylabel()


def test_a_plain_sequence_of_losses_is_one_per_step_from_step_1():
    fig = mp.plot_step_losses({"a": [1.0, 0.5, 0.25]}, smooth=1)
    assert list(fig.axes[0].lines[0].get_xdata()) == [1, 2, 3]


@pytest.mark.parametrize("low, high", [(0.05, 0.6), (0.03, 0.05), (0.2, 0.9), (0.001, 2.0), (1.5, 40.0)])
def test_log_axis_labels_are_plain_decimals(low, high):
    fig = mp.plot_step_losses({"a": np.geomspace(high, low, 200)}, smooth=1)
    labels = tick_labels(fig.axes[0], "y")
    assert labels, "no labelled ticks on the loss axis"
    for label in labels:
        assert "10^" not in label and "times" not in label and "mathdefault" not in label, labels
        assert "e" not in label.lower(), labels  # nor 1e-02
        float(label.replace("\N{MINUS SIGN}", "-"))  # every label reads as a number


def test_plain_log_ticks_write_the_value_itself():
    fig, ax = plt.subplots()
    ax.plot([1, 2], [0.02, 0.6])
    ax.set_yscale("log")
    mp.plain_log_ticks(ax, "y")
    labels = tick_labels(ax, "y")
    assert {"0.1", "0.2", "0.03"} <= set(labels), labels
    with pytest.raises(ValueError, match="axis must be 'x' or 'y'"):
        mp.plain_log_ticks(ax, "z")


def test_step_losses_reject_bad_input_with_a_clear_error():
    with pytest.raises(ValueError, match="smooth must be an int >= 1"):
        mp.plot_step_losses({"a": [1.0, 0.5]}, smooth=0)
    with pytest.raises(ValueError, match="3 steps for 2 losses"):
        mp.plot_step_losses({"a": ([1, 2, 3], [1.0, 0.5])})
    with pytest.raises(ValueError, match="pair"):
        mp.plot_step_losses({"a": ([1, 2], [1.0, 0.5], [0, 0])})


# --- confusion matrix ------------------------------------------------------------------

def test_confusion_matrix_counts_a_hand_made_example():
    t = [0, 0, 1, 2, 2, 2]
    pred = [0, 1, 1, 2, 0, 2]
    expected = np.array([[1, 1, 0],
                         [0, 1, 0],
                         [1, 0, 2]])
    assert np.array_equal(mp.confusion_matrix(t, pred, n_classes=3), expected)


def test_confusion_matrix_plot_shows_the_counts_with_truth_down_and_prediction_across():
    t = np.array([3, 3, 3, 8, 9])
    pred = np.array([3, 8, 8, 8, 4])
    fig = mp.plot_confusion_matrix(t, pred)
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted", "true")
    counts = {(round(txt.get_position()[1]), round(txt.get_position()[0])): int(txt.get_text())
              for txt in ax.texts}
    assert counts[(3, 3)] == 1 and counts[(3, 8)] == 2 and counts[(8, 8)] == 1 and counts[(9, 4)] == 1
    assert sum(counts.values()) == 5
    assert ax.get_title() == "accuracy 40.00%"


# --- digits ----------------------------------------------------------------------------

def test_digits_caption_mistakes_in_red():
    x = np.zeros((3, 784), dtype=np.float32)
    fig = mp.plot_digits(x, t=[1, 2, 3], pred=[1, 7, 3], ncols=3)
    (ax,) = fig.axes
    captions = [(txt.get_text(), txt.get_color()) for txt in ax.texts]
    assert captions == [("1→1", "black"), ("2→7", "red"), ("3→3", "black")]
    # each caption sits above its own digit, left to right
    xs = [txt.get_position()[0] for txt in ax.texts]
    assert xs == sorted(xs) and len(set(xs)) == 3


def test_digits_tiles_each_image_in_its_place():
    x = np.zeros((12, 784), dtype=np.float32)
    x[11] = 1.0  # the last digit, alone on the second row
    fig = mp.plot_digits(x, t=list(range(12)), ncols=10)
    canvas = fig.axes[0].images[0].get_array()
    height, width = canvas.shape[0] / 2, canvas.shape[1] / 10  # two rows of ten tiles
    assert height == int(height) and width == int(width) and min(height, width) >= 28
    rows, cols = np.nonzero(np.asarray(canvas.filled(0)) == 1.0)
    assert len(rows) == 28 * 28  # one whole digit, in one piece
    assert rows.max() - rows.min() == 27 and cols.max() - cols.min() == 27
    assert height <= rows.min() and rows.max() < 2 * height  # second row
    assert width <= cols.min() and cols.max() < 2 * width  # second column
    assert [txt.get_text() for txt in fig.axes[0].texts] == [str(i) for i in range(12)]
