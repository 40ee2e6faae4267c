"""The training benches: the FLOP count "% of matmul peak" rests on.

What the benches time as the book's layers, and the stand-ins' variants, are checked
against the MLP in tests/test_model.py, beside the stand-ins' own tests.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

import mnist_utils as mu
from multi_layer_net import MLP

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import bench_training  # noqa: E402


@pytest.mark.parametrize("hidden_sizes, batch_size", [([100], 100), ([256, 256], 64), ([30, 20, 10], 7)])
def test_step_flops_counts_the_matmuls_a_training_step_makes(hidden_sizes, batch_size):
    net = MLP(hidden_sizes=hidden_sizes, seed=0)
    x = np.random.default_rng(0).random((batch_size, 784), dtype=np.float32)
    net.gradient(x, np.arange(batch_size) % 10)
    flops = 0
    for layer in net.affine_layers:
        n_in, n_out = layer.W.shape
        one_product = 2 * batch_size * n_in * n_out
        # forward x @ W and backward x.T @ dout, plus dout @ W.T where backward
        # really computes a gradient for the layer below
        dx = layer.backward(np.ones((batch_size, n_out), dtype=np.float32))
        flops += one_product * (3 if dx is not None else 2)
    assert bench_training.step_flops(hidden_sizes, batch_size) == flops


@pytest.mark.parametrize("hidden_sizes, batch_size", [([100], 100), ([256, 256], 64), ([30, 20, 10], 7)])
def test_step_matmuls_are_the_products_step_flops_counts(hidden_sizes, batch_size):
    shapes = bench_training.step_matmuls(hidden_sizes, batch_size)
    assert sum(2 * m * k * n for m, k, n in shapes) == bench_training.step_flops(hidden_sizes, batch_size)
    # the first layer's products: x @ W1 and x.T @ dout, and no dx for the images
    assert shapes[:2] == [(batch_size, 784, hidden_sizes[0]), (784, batch_size, hidden_sizes[0])]
    assert len(shapes) == 2 + 3 * len(hidden_sizes)


def test_the_child_bench_gets_every_option_but_blas_env():
    argv = ["--repeats", "3", "--blas-env", "both", "--threads", "1", "--blas-env=unset", "--book-layers"]
    assert bench_training.strip_blas_env(argv) == ["--repeats", "3", "--threads", "1", "--book-layers"]


@pytest.mark.parametrize("fractions, verdict", [
    ([0.53, 0.55, 0.51, 0.56, 0.54], "met"),          # every epoch above the line
    ([0.44, 0.47, 0.41, 0.46, 0.48], "missed"),       # every epoch below it
    ([0.47, 0.52, 0.49, 0.51, 0.53], "cannot tell"),  # median above, but epochs on both sides
    ([0.70, 0.71, 0.72, 0.73], "cannot tell"),        # far above, but only 4 epochs
])
def test_a_config_meets_the_peak_target_only_when_its_whole_interval_is_above_it(fractions, verdict):
    interval, said = bench_training.target_verdict(fractions, 0.5)
    assert said == verdict
    assert interval.estimate == pytest.approx(float(np.median(fractions)) - 0.5)
    if len(fractions) == 5:
        # Of 5 epochs, a resample's median is the smallest (or largest) one with chance
        # 5.8%, more than the 2.5% each end leaves out: the interval spans the epochs.
        assert interval.low == pytest.approx(min(fractions) - 0.5)
        assert interval.high == pytest.approx(max(fractions) - 0.5)


def test_the_pytorch_target_asks_for_ratios_at_or_below_one():
    assert bench_training.target_verdict([0.31, 0.35, 0.30, 0.33, 0.36], 1.0, above=False)[1] == "met"
    assert bench_training.target_verdict([1.21, 1.35, 1.30, 1.23, 1.26], 1.0, above=False)[1] == "missed"


def test_the_report_counts_each_configs_verdict(capsys):
    peak, n_train = 2e11, 60_000

    def run(hidden, batch_size, *fractions):  # epochs that reach these fractions of the peak
        flops = bench_training.step_flops(hidden, batch_size) * (n_train // batch_size)
        seconds = [flops / f / peak for f in fractions]
        return {"numpy": seconds, "peak": [peak] * len(seconds), "torch": [2 * s for s in seconds],
                "book": [], "mm": [0.5] * len(seconds)}

    runs = {((100,), 100, "sgd"): run([100], 100, 0.53, 0.55, 0.51, 0.56, 0.54),
            ((512,), 128, "sgd"): run([512], 128, 0.44, 0.47, 0.41, 0.46, 0.48)}
    bench_training.report(runs, n_train, "SkylakeX")
    out = capsys.readouterr().out
    assert "target >= 50% of peak (SkylakeX kernel), sgd: met on 1, missed on 1 of 2 configs" in out
    assert "(lowest 46.0%, [512]/128 sgd)" in out
    assert "target numpy no slower than PyTorch: met on 2 of 2 configs (highest ratio 0.50" in out


@pytest.mark.parametrize("hidden_sizes, batch_size", [([100], 100), ([30, 20, 10], 7)])
def test_step_operands_are_the_counted_products_in_the_layers_layouts(hidden_sizes, batch_size):
    # their shapes are step_matmuls', which the test above checks against step_flops
    pairs = bench_training.step_operands(hidden_sizes, batch_size)
    net = MLP(hidden_sizes=hidden_sizes, seed=0)
    x_in = np.random.default_rng(0).random((batch_size, 784), dtype=np.float32)
    net.gradient(x_in, np.arange(batch_size) % 10)
    layer = net.affine_layers[0]
    x, W = pairs[0]
    x_t, _ = pairs[1]
    # as the input layer multiplies: x and W as stored, and x.T a transposed view of x
    assert x.flags.c_contiguous and W.flags.c_contiguous
    assert x_t.flags.f_contiguous == layer.x.T.flags.f_contiguous is True
    assert x_t.flags.c_contiguous == layer.x.T.flags.c_contiguous is False
    _, W_t = pairs[4]  # the second layer's dout @ W.T
    assert W_t.base is not None and W_t.flags.f_contiguous and not W_t.flags.c_contiguous


def test_the_step_bench_times_the_epoch_fit_runs_and_changes_nothing_in_it():
    """bench_step.py times fit's own loop through wrappers: the weights must come out as
    plain fit makes them, and the parts must be inside the epoch's seconds."""
    import bench_step

    rng = np.random.default_rng(1)
    x = rng.random((300, 784), dtype=np.float32)
    t = rng.integers(0, 10, 300)
    for optimizer in ("sgd", "adam"):
        seconds, parts, net = bench_step.timed_epoch(x, t, [30], 50, optimizer)
        plain = MLP(hidden_sizes=[30], seed=0)
        mu.fit(plain, (x, t), epochs=1, batch_size=50, optimizer=optimizer,
               lr=bench_training.LR[optimizer], seed=0, progress=False)
        for key, value in plain.params.items():
            assert np.array_equal(net.params[key], value), (optimizer, key)
        assert set(parts) == set(bench_step.PARTS)
        assert all(value > 0 for value in parts.values())
        assert sum(parts.values()) < seconds


def test_the_step_bench_without_gather_hands_every_step_the_same_minibatch():
    import bench_step

    x = np.arange(20 * 784, dtype=np.float32).reshape(20, 784)
    clock = bench_step.Clock()
    images = bench_step.Images(x, clock, fixed=4)
    assert len(images) == 20
    assert np.array_equal(images[np.array([7, 3, 19, 11])], x[:4])
    assert np.array_equal(images[np.array([12, 0, 5, 6])], x[:4])
    gathered = bench_step.Images(x, clock)[np.array([7, 3, 19, 11])]
    assert np.array_equal(gathered, x[[7, 3, 19, 11]])
    assert clock.seconds["gather"] > 0
