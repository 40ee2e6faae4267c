"""The training benches: the FLOP count "% of matmul peak" rests on, and the layer variants they time."""

import sys
from pathlib import Path

import numpy as np
import pytest

import layers
import mnist_utils as mu

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import bench_layers  # noqa: E402
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


@pytest.mark.parametrize("hidden_sizes, batch_size", [([100], 100), ([256, 256], 64), ([30, 20, 10], 7)])
def test_step_matmuls_are_the_products_step_flops_counts(hidden_sizes, batch_size):
    shapes = bench_training.step_matmuls(hidden_sizes, batch_size)
    assert sum(2 * m * k * n for m, k, n in shapes) == bench_training.step_flops(hidden_sizes, batch_size)
    # the first layer's products: x @ W1 and x.T @ dout, and no dx for the images
    assert shapes[:2] == [(batch_size, 784, hidden_sizes[0]), (784, batch_size, hidden_sizes[0])]
    assert len(shapes) == 2 + 3 * len(hidden_sizes)


def test_book_layers_runs_the_printed_classes_with_the_same_weights():
    net = mu.MLP(hidden_sizes=[12, 8], seed=0)
    x = np.random.default_rng(0).random((5, 784), dtype=np.float32)
    scores = net.predict(x)
    book = bench_training.book_layers(net)
    assert [type(layer) for layer in book.layers] == [mu.Affine, mu.Relu] * 2 + [mu.Affine]
    assert all(layer.W is book.params[f"W{i}"] for i, layer in enumerate(book.affine_layers, start=1))
    np.testing.assert_allclose(book.predict(x), scores, rtol=1e-6)


@pytest.mark.parametrize("name", list(bench_layers.VARIANTS)[1:])
def test_each_layer_variant_puts_back_one_book_form_and_computes_the_same(name):
    x = np.random.default_rng(0).random((6, 784), dtype=np.float32)
    t = np.arange(6) % 10
    built = mu.MLP(hidden_sizes=[12, 8], seed=0)
    variant = bench_layers.VARIANTS[name](mu.MLP(hidden_sizes=[12, 8], seed=0))
    changed = [(type(a), type(b)) for a, b in zip(built.layers, variant.layers, strict=True)
               if type(a) is not type(b)]
    assert changed, f"{name} runs the MLP as built"
    kinds = {mu.Relu if issubclass(a, mu.Relu) else mu.Affine for a, _ in changed}
    assert len(kinds) == 1, f"{name} changes both the Affine and the Relu layers: {changed}"
    if "dx" in name:
        assert changed == [(layers.InputAffine, mu.Affine)]
    _, expected = built.gradient(x, t)
    _, grads = variant.gradient(x, t)
    for key in expected:
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-5, atol=1e-7, err_msg=key)
