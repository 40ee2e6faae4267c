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
