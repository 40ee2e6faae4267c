"""The training bench's FLOP count, the figure its "% of matmul peak" rests on."""

import sys
from pathlib import Path

import numpy as np
import pytest

import mnist_utils as mu

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import bench_training  # noqa: E402


@pytest.mark.parametrize("hidden_sizes, batch_size", [([100], 100), ([256, 256], 64), ([30, 20, 10], 7)])
def test_step_flops_counts_the_matmuls_a_training_step_makes(hidden_sizes, batch_size):
    net = mu.MLP(hidden_sizes=hidden_sizes, seed=0)
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


def test_book_layers_runs_the_printed_classes_with_the_same_weights():
    net = mu.MLP(hidden_sizes=[12, 8], seed=0)
    x = np.random.default_rng(0).random((5, 784), dtype=np.float32)
    scores = net.predict(x)
    book = bench_training.book_layers(net)
    assert [type(layer) for layer in book.layers] == [mu.Affine, mu.Relu] * 2 + [mu.Affine]
    assert all(layer.W is book.params[f"W{i}"] for i, layer in enumerate(book.affine_layers, start=1))
    np.testing.assert_allclose(book.predict(x), scores, rtol=1e-6)
