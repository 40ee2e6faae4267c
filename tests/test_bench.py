"""The training benches: the FLOP count "% of matmul peak" rests on.

What the benches time as the book's layers, and the stand-ins' variants, are checked
against the MLP in tests/test_model.py, beside the stand-ins' own tests.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

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
