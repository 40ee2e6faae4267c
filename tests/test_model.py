"""Unit tests of the numpy network: gradients, optimizers, building it from a config, the training loop."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import layers
from layers import Affine, Dropout, Relu, SoftmaxWithLoss
from multi_layer_net import MLP, evaluate, hidden_sizes, load_model, make_net, save_model
from optimizer import OPTIMIZERS, SGD, Adam, FusedAdam, FusedSGD, get_optimizer
from trainer import fit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import bench_layers  # noqa: E402  (the stand-ins' variants, as bench/bench_layers.py times them)
import bench_training  # noqa: E402


def rel_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def numerical(f, x, dout, eps=1e-6):
    """Central-difference gradient of ``sum(f(x) * dout)`` with respect to ``x``."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        saved = x[idx]
        x[idx] = saved + eps
        up = float((f(x.copy()) * dout).sum())
        x[idx] = saved - eps
        down = float((f(x.copy()) * dout).sum())
        x[idx] = saved
        grad[idx] = (up - down) / (2 * eps)
    return grad


@pytest.fixture
def rng():
    return np.random.default_rng(42)


def test_affine_gradients(rng):
    x = rng.standard_normal((4, 5))
    W = rng.standard_normal((5, 3))
    b = rng.standard_normal(3)
    dout = rng.standard_normal((4, 3))
    layer = Affine(W, b)
    layer.forward(x)
    dx = layer.backward(dout)
    assert rel_error(dx, numerical(lambda v: Affine(W, b).forward(v), x, dout)) < 1e-7
    assert rel_error(layer.dW, numerical(lambda v: Affine(v, b).forward(x), W.copy(), dout)) < 1e-7
    assert rel_error(layer.db, numerical(lambda v: Affine(W, v).forward(x), b.copy(), dout)) < 1e-7


def test_relu_gradient(rng):
    # Keep inputs away from the kink at 0, where the derivative is undefined.
    x = rng.standard_normal((6, 7))
    x[np.abs(x) < 0.05] = 0.5
    dout = rng.standard_normal((6, 7))
    layer = Relu()
    layer.forward(x.copy())
    dx = layer.backward(dout.copy())
    assert rel_error(dx, numerical(lambda v: Relu().forward(v), x, dout)) < 1e-7


def test_relu_forward_values():
    out = Relu().forward(np.array([[-2.0, 0.0, 3.0]]))
    np.testing.assert_array_equal(out, [[0.0, 0.0, 3.0]])


def test_softmax_with_loss_gradient(rng):
    x = rng.standard_normal((5, 10))
    t = rng.integers(0, 10, size=5)
    layer = SoftmaxWithLoss()
    layer.forward(x, t)
    dx = layer.backward()
    num = numerical(lambda v: np.array(SoftmaxWithLoss().forward(v, t)), x, np.array(1.0))
    # Not tighter: the loss takes log(y + 1e-7), which shifts the gradient by ~1e-6.
    assert rel_error(dx, num) < 1e-5


def test_softmax_loss_matches_definition():
    x = np.array([[1.0, 2.0, 3.0]])
    p = np.exp(x) / np.exp(x).sum()
    assert SoftmaxWithLoss().forward(x, np.array([2])) == pytest.approx(-np.log(p[0, 2]), rel=1e-6)
    # One-hot labels give the same loss as class indices.
    assert SoftmaxWithLoss().forward(x, np.array([[0, 0, 1]])) == pytest.approx(-np.log(p[0, 2]), rel=1e-6)


@pytest.mark.parametrize("hidden_sizes", [[6], [6, 5], [6, 5, 4]])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_mlp_gradient_check(hidden_sizes, weight_decay):
    net = MLP(input_size=8, hidden_sizes=hidden_sizes, output_size=3,
                 weight_decay=weight_decay, seed=1, dtype=np.float64)
    rng = np.random.default_rng(0)
    # Non-zero biases so a wrong db would show.
    for key in net.params:
        if key.startswith("b"):
            net.params[key] += rng.standard_normal(net.params[key].shape) * 0.1
    x = rng.standard_normal((7, 8))
    t = rng.integers(0, 3, size=7)
    _, grads = net.gradient(x, t)
    numeric = net.numerical_gradient(x, t)
    assert set(grads) == set(numeric) == {f"{p}{i}" for i in range(1, len(hidden_sizes) + 2) for p in "Wb"}
    for key in grads:
        assert rel_error(grads[key], numeric[key]) < 1e-5, key


def test_mlp_shapes_dtype_and_seed():
    a = MLP(hidden_sizes=[32, 16], seed=3)
    b = MLP(hidden_sizes=[32, 16], seed=3)
    c = MLP(hidden_sizes=[32, 16], seed=4)
    assert [a.params[k].shape for k in ("W1", "W2", "W3")] == [(784, 32), (32, 16), (16, 10)]
    assert all(p.dtype == np.float32 for p in a.params.values())
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])
    # He initialisation: std close to sqrt(2 / fan_in).
    assert a.params["W1"].std() == pytest.approx(np.sqrt(2 / 784), rel=0.05)


def test_make_net_builds_the_network_a_config_describes():
    # Net1 has one hidden layer: the hidden_size2 a sweep draws for it is not built.
    net1 = make_net({"network": "Net1", "hidden_size1": 50, "hidden_size2": 20, "optimizer": "sgd"})
    assert net1.hidden_sizes == [50] and set(net1.params) == {"W1", "b1", "W2", "b2"}
    config = {"network": "Net2", "hidden_size1": 50, "hidden_size2": 20, "seed": 3,
              "weight_decay": 0.1, "dropout": 0.2}
    net2 = make_net(config)
    assert net2.hidden_sizes == [50, 20] and net2.params["W3"].shape == (20, 10)
    assert (net2.weight_decay, net2.dropout) == (0.1, 0.2)
    # The config's seed is the network's: the same config builds the same weights.
    np.testing.assert_array_equal(net2.params["W1"], MLP(hidden_sizes=[50, 20], seed=3).params["W1"])
    assert not np.array_equal(net2.params["W1"], make_net({**config, "seed": 4}).params["W1"])
    np.testing.assert_array_equal(make_net({"network": "Net1", "hidden_size1": 8}).params["W1"],
                                  MLP(hidden_sizes=[8], seed=0).params["W1"])  # no seed: 0


def test_hidden_sizes_reads_a_results_table_row():
    # A row of a results table holds numpy numbers, and widths as floats in a column with NaN.
    row = pd.Series({"network": "Net2", "hidden_size1": np.int64(64), "hidden_size2": 32.0})
    assert hidden_sizes(row) == [64, 32] and all(type(h) is int for h in hidden_sizes(row))
    assert hidden_sizes(pd.Series({"network": "Net1", "hidden_size1": 64.0, "hidden_size2": np.nan})) == [64]


@pytest.mark.parametrize("config, match", [
    ({"network": "Net3", "hidden_size1": 8}, r"network'\] must be one of \['Net1', 'Net2'\], got 'Net3'"),
    ({"hidden_size1": 8}, "got None"),
    ({"network": "Net2", "hidden_size1": 8}, "needs hidden_size1 and hidden_size2; it has no hidden_size2"),
    ({"network": "Net1", "hidden_size1": 8.5}, "hidden_size1.*whole number of units, got 8.5"),
    ({"network": "Net1", "hidden_size1": True}, "whole number"),
    ({"network": "Net1", "hidden_size1": "64"}, "whole number"),
])
def test_make_net_names_what_is_wrong_with_a_config(config, match):
    with pytest.raises(ValueError, match=match):
        make_net(config)


@pytest.mark.parametrize("bad", [[], [0], [10, -1], ["a"]])
def test_mlp_rejects_bad_hidden_sizes(bad):
    with pytest.raises(ValueError, match="hidden_sizes"):
        MLP(hidden_sizes=bad)


def quadratic_steps(optimizer, steps=300):
    """Minimise sum((p - 3)^2) from 0; return the final parameters."""
    params = {"W1": np.zeros(4, dtype=np.float32)}
    for _ in range(steps):
        optimizer.update(params, {"W1": 2 * (params["W1"] - 3)})
    return params["W1"]


@pytest.mark.parametrize("name,lr", [("sgd", 0.1), ("momentum", 0.05), ("adagrad", 0.9),
                                     ("rmsprop", 0.05), ("adam", 0.1)])
def test_optimizers_minimise_a_quadratic(name, lr):
    np.testing.assert_allclose(quadratic_steps(get_optimizer(name, lr)), 3.0, atol=0.05)


def test_adam_first_step_is_lr_times_sign():
    # With bias correction, Adam's first step is lr * g / |g| whatever the gradient's scale.
    params = {"W1": np.zeros(3)}
    Adam(lr=0.01).update(params, {"W1": np.array([5.0, -0.2, 1e-2])})
    np.testing.assert_allclose(params["W1"], [-0.01, 0.01, -0.01], rtol=1e-3)


def test_get_optimizer_errors_name_allowed_values():
    with pytest.raises(ValueError, match="adam"):
        get_optimizer("adamw", 0.01)
    with pytest.raises(ValueError, match="lr"):
        get_optimizer("sgd", -1)
    assert isinstance(get_optimizer("Adam", 0.01), Adam)


def toy_data(n=600, seed=0):
    """Two well separated blobs per class in 20 dimensions: learnable in a few epochs."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((3, 20)) * 3
    t = rng.integers(0, 3, size=n)
    x = (centers[t] + rng.standard_normal((n, 20))).astype(np.float32)
    return x, t


def test_fit_learns_and_reports_every_epoch():
    x, t = toy_data()
    net = MLP(input_size=20, hidden_sizes=[16], output_size=3, seed=0)
    seen = []
    steps = []
    history = fit(net, (x[:500], t[:500]), (x[500:], t[500:]), epochs=4, batch_size=50,
                     optimizer="adam", lr=0.01, on_epoch_end=seen.append,
                     on_step_end=steps.append, progress=False)
    assert history.status == "completed"
    assert [m["epoch"] for m in seen] == [1, 2, 3, 4]
    assert set(seen[0]) == {"epoch", "train_loss", "train_acc", "val_loss", "val_acc"}
    assert len(steps) == 4 * 10 and steps[-1]["step"] == 40
    assert history["val_acc"][-1] > 0.9
    assert history["train_loss"][-1] < history["train_loss"][0]
    # val metrics really are the network's on the validation data.
    loss, acc = evaluate(net, x[500:], t[500:])
    assert history.last["val_acc"] == pytest.approx(acc)
    assert history.last["val_loss"] == pytest.approx(loss, rel=1e-5)


def test_fit_is_reproducible_from_seed():
    x, t = toy_data()
    runs = []
    for _ in range(2):
        net = MLP(input_size=20, hidden_sizes=[8], output_size=3, seed=5)
        runs.append(fit(net, (x, t), epochs=2, batch_size=32, optimizer="sgd", lr=0.1,
                           seed=7, progress=False)["train_loss"])
    np.testing.assert_array_equal(runs[0], runs[1])


def test_fit_stops_cleanly_when_diverging(capsys):
    x, t = toy_data()
    net = MLP(input_size=20, hidden_sizes=[16], output_size=3, seed=0)
    history = fit(net, (x, t), epochs=5, batch_size=50, optimizer="sgd", lr=1e6, progress=False)
    assert history.status == "diverged"
    assert "smaller learning rate" in history.message
    assert "(optimizer=sgd, lr=1000000.0)" in history.message  # the caller's name for it
    assert len(history) < 5
    assert "Training stopped" in capsys.readouterr().out


class RecordingSGD(SGD):
    """SGD that remembers the learning rate of every update it made."""

    def __init__(self, lr):
        super().__init__(lr)
        self.used = []

    def update(self, params, grads):
        self.used.append(self.lr)
        super().update(params, grads)


def test_cosine_schedule_falls_from_lr_to_nearly_zero_along_the_cosine():
    x, t = toy_data(n=400)
    opt = RecordingSGD(lr=0.2)
    net = MLP(input_size=20, hidden_sizes=[8], output_size=3, seed=0)
    fit(net, (x, t), epochs=2, batch_size=40, optimizer=opt, lr_schedule="cosine", progress=False)
    total = 2 * 10
    # Written out from the formula, not from cosine_lr: lr * (1 + cos(pi * k / total)) / 2.
    expected = [0.1 * (1 + np.cos(np.pi * k / total)) for k in range(total)]
    np.testing.assert_allclose(opt.used, expected, rtol=1e-12)
    assert opt.used[0] == 0.2 and opt.used[-1] < 0.2 * 0.01
    assert opt.lr == 0.2  # the caller's optimizer keeps its own learning rate afterwards


def test_constant_schedule_keeps_the_learning_rate():
    x, t = toy_data(n=400)
    opt = RecordingSGD(lr=0.2)
    net = MLP(input_size=20, hidden_sizes=[8], output_size=3, seed=0)
    fit(net, (x, t), epochs=2, batch_size=40, optimizer=opt, progress=False)
    assert opt.used == [0.2] * 20


@pytest.mark.parametrize("kwargs,match", [({"epochs": 0}, "epochs"), ({"batch_size": 0}, "batch_size"),
                                          ({"batch_size": 10_000}, "batch_size"),
                                          ({"optimizer": "lbfgs"}, "optimizer"),
                                          ({"lr_schedule": "linear"}, "lr_schedule.*constant, cosine")])
def test_fit_rejects_bad_arguments_before_training(kwargs, match):
    x, t = toy_data()
    net = MLP(input_size=20, hidden_sizes=[4], output_size=3)
    before = net.params["W1"].copy()
    with pytest.raises(ValueError, match=match):
        fit(net, (x, t), progress=False, **kwargs)
    np.testing.assert_array_equal(net.params["W1"], before)


def test_dropout_gradient_with_its_mask_fixed(rng):
    x = rng.standard_normal((6, 9))
    dout = rng.standard_normal((6, 9))
    layer = Dropout(0.4, np.random.default_rng(0))
    out = layer.forward(x, train=True)
    mask = layer.mask.copy()
    dx = layer.backward(dout)
    assert rel_error(dx, numerical(lambda v: v * mask / 0.6, x, dout)) < 1e-7
    # Inverted dropout: kept units are scaled by 1 / (1 - ratio), dropped ones are 0.
    kept = mask != 0
    np.testing.assert_allclose(out[kept], x[kept] / 0.6)
    assert np.all(out[~kept] == 0)


def test_dropout_is_off_for_prediction_and_drops_its_share_in_training():
    net = MLP(input_size=20, hidden_sizes=[400], output_size=3, dropout=0.3, seed=0)
    x = np.random.default_rng(1).standard_normal((50, 20)).astype(np.float32)
    np.testing.assert_array_equal(net.predict(x), net.predict(x))  # deterministic without train=True
    net.predict(x, train=True)
    dropout = next(layer for layer in net.layers if isinstance(layer, Dropout))
    assert (dropout.mask == 0).mean() == pytest.approx(0.3, abs=0.02)
    with pytest.raises(ValueError, match="dropout"):
        MLP(dropout=1.0)


def test_save_and_load_model_round_trip(tmp_path):
    net = MLP(input_size=20, hidden_sizes=[8, 6], output_size=3, seed=2)
    x, _ = toy_data(n=10)
    path = save_model(net, tmp_path / "model.npz")
    loaded = load_model(path)
    assert loaded.hidden_sizes == [8, 6]
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))


def test_load_model_rejects_a_file_that_is_not_a_saved_mlp(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, hidden_sizes=np.array([4]), W1=np.zeros((3, 4)))
    with pytest.raises(ValueError, match="not a saved MLP"):
        load_model(path)


# --------------------------------------------------------------------------
# Layers leave their callers' arrays alone; the MLP's stand-ins compute what the printed classes do
# --------------------------------------------------------------------------


def layer_cases(rng):
    """(name, layer, forward input, dout) for every layer that maps an array to an array."""
    W, b = rng.standard_normal((5, 3)), rng.standard_normal(3)
    return [("Affine", Affine(W, b), rng.standard_normal((4, 5)), rng.standard_normal((4, 3))),
            ("Relu", Relu(), rng.standard_normal((4, 5)), rng.standard_normal((4, 5))),
            ("Dropout", Dropout(0.5, np.random.default_rng(0)), rng.standard_normal((4, 5)),
             rng.standard_normal((4, 5))),
            ("MLP's first Affine", layers.InputAffine(W, b), rng.standard_normal((4, 5)),
             rng.standard_normal((4, 3))),
            ("MLP's Relu", layers.MaskRelu(), rng.standard_normal((4, 5)), rng.standard_normal((4, 5)))]


@pytest.mark.parametrize("case", range(5))
def test_layers_never_change_their_callers_arrays(case, rng):
    name, layer, x, dout = layer_cases(rng)[case]
    x_before, dout_before = x.copy(), dout.copy()
    if isinstance(layer, Dropout):  # prediction mode first: it passes x through
        layer.forward(x, train=False)[...] = 123.0
        np.testing.assert_array_equal(x, x_before, err_msg=f"{name}.forward returned its input")
        out = layer.forward(x, train=True)
    else:
        out = layer.forward(x)
    np.testing.assert_array_equal(x, x_before, err_msg=f"{name}.forward changed its input")
    out[...] = 123.0  # the caller owns the output: writing to it must not reach the layer's input
    np.testing.assert_array_equal(x, x_before, err_msg=f"{name}.forward returned its input")
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dout, dout_before, err_msg=f"{name}.backward changed dout")
    if dx is not None:
        dx[...] = 123.0
        np.testing.assert_array_equal(dout, dout_before, err_msg=f"{name}.backward returned dout")


@pytest.mark.parametrize("loss_layer", [SoftmaxWithLoss, layers.FusedSoftmaxWithLoss])
def test_softmax_with_loss_never_changes_scores_or_labels(loss_layer, rng):
    x, t = rng.standard_normal((5, 10)), rng.integers(0, 10, size=5)
    x_before, t_before = x.copy(), t.copy()
    layer = loss_layer()
    layer.forward(x, t)
    layer.backward()[...] = 123.0
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(t, t_before)
    assert not np.shares_memory(layer.y, x)


def test_training_step_leaves_the_batch_unchanged():
    net = MLP(input_size=20, hidden_sizes=[16, 8], output_size=3, seed=0, dropout=0.2)
    x, t = toy_data(n=50)
    x_before = x.copy()
    net.gradient(x, t)
    np.testing.assert_array_equal(x, x_before)


def test_mlp_relu_stand_in_matches_the_book_relu(rng):
    x = rng.standard_normal((6, 7)).astype(np.float32)
    x[0, :3] = 0.0  # the kink: both layers pass nothing back through an input of exactly 0
    dout = rng.standard_normal((6, 7)).astype(np.float32)
    book, fast = Relu(), layers.MaskRelu()
    np.testing.assert_array_equal(fast.forward(x), book.forward(x))
    np.testing.assert_array_equal(fast.mask, book.mask)  # the same meaning: True where zeroed
    np.testing.assert_array_equal(fast.backward(dout), book.backward(dout))
    assert fast.backward(dout).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mlp_loss_stand_in_matches_the_book_softmax_with_loss_bit_for_bit(dtype, rng):
    x = (5 * rng.standard_normal((7, 10))).astype(dtype)
    x[0] = 40.0  # a row of equal large scores: exp would overflow without the max subtracted
    for t in (rng.integers(0, 10, size=7), np.eye(10, dtype=dtype)[rng.integers(0, 10, size=7)]):
        book, fast = SoftmaxWithLoss(), layers.FusedSoftmaxWithLoss()
        assert fast.forward(x, t) == book.forward(x, t)
        np.testing.assert_array_equal(fast.y, book.y)
        for dout in (1, 0.5):
            np.testing.assert_array_equal(fast.backward(dout), book.backward(dout))
    assert fast.backward().dtype == dtype


def test_mlp_loss_and_relu_stand_ins_match_the_book_where_their_compiled_passes_step_aside(rng):
    """Strided scores, int32 labels, a NaN, an inf, a negative label (numpy counts it from the end):
    each takes the stand-in's other road, or none, and still gives the book's numbers."""
    wide = (5 * rng.standard_normal((6, 20))).astype(np.float32)
    nan_inf = (5 * rng.standard_normal((6, 10))).astype(np.float32)
    nan_inf[1, 3], nan_inf[2, 0] = np.nan, np.inf
    labels = rng.integers(0, 10, size=6)
    cases = [(wide[:, ::2], labels), (wide[:, :10].copy(), labels.astype(np.int32)),
             (nan_inf, labels), (wide[:, :10].copy(), np.where(labels == 0, -1, labels))]
    for x, t in cases:
        book, fast = SoftmaxWithLoss(), layers.FusedSoftmaxWithLoss()
        with np.errstate(invalid="ignore", over="ignore"):
            np.testing.assert_array_equal(fast.forward(x, t), book.forward(x, t))
            np.testing.assert_array_equal(fast.y, book.y)
            np.testing.assert_array_equal(fast.backward(), book.backward())
        book, fast = Relu(), layers.MaskRelu()
        np.testing.assert_array_equal(fast.forward(x), book.forward(x))
        np.testing.assert_array_equal(fast.backward(x), book.backward(x))
    with pytest.raises(IndexError):  # a label past the last class: the book's indexing error
        layers.FusedSoftmaxWithLoss().forward(wide[:, :10].copy(), np.full(6, 10))


def test_mlp_input_affine_matches_the_book_affine_but_skips_dx(rng):
    W, b = rng.standard_normal((5, 3)), rng.standard_normal(3)
    x, dout = rng.standard_normal((4, 5)), rng.standard_normal((4, 3))
    book, first = Affine(W, b), layers.InputAffine(W, b)
    np.testing.assert_allclose(first.forward(x), book.forward(x), rtol=1e-12)
    book.backward(dout)
    assert first.backward(dout) is None  # nothing uses the gradient w.r.t. the images
    np.testing.assert_allclose(first.dW, book.dW, rtol=1e-12)
    np.testing.assert_allclose(first.db, book.db, rtol=1e-12)


def test_mlp_computes_what_the_printed_classes_compute():
    """The MLP's stand-ins change speed, not results: with the printed classes in their place
    (``bench_training.book_layers``, what the benches time as "the book's code"), the same
    weights give the same scores, loss and gradients."""
    shape = {"input_size": 8, "hidden_sizes": [6, 5], "output_size": 3, "weight_decay": 0.1, "seed": 1}
    net = MLP(**shape, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((7, 8))
    t = np.arange(7) % 3
    book = bench_training.book_layers(MLP(**shape, dtype=np.float64))
    assert [type(layer) for layer in book.layers] == [Affine, Relu] * 2 + [Affine]
    assert type(book.last_layer) is SoftmaxWithLoss
    assert all(layer.W is book.params[f"W{i}"] for i, layer in enumerate(book.affine_layers, start=1))
    np.testing.assert_allclose(book.predict(x), net.predict(x), rtol=1e-12)
    loss, grads = net.gradient(x, t)
    book_loss, book_grads = book.gradient(x, t)
    assert loss == pytest.approx(book_loss, rel=1e-12)
    for key in grads:
        np.testing.assert_allclose(grads[key], book_grads[key], rtol=1e-10, err_msg=key)


@pytest.mark.parametrize("name", list(bench_layers.VARIANTS)[1:])
def test_each_layer_variant_puts_back_one_book_form_and_computes_the_same(name):
    x = np.random.default_rng(0).random((6, 784), dtype=np.float32)
    t = np.arange(6) % 10
    built = MLP(hidden_sizes=[12, 8], seed=0)
    variant = bench_layers.VARIANTS[name](MLP(hidden_sizes=[12, 8], seed=0))
    changed = [(type(a), type(b)) for a, b in zip([*built.layers, built.last_layer],
                                                  [*variant.layers, variant.last_layer], strict=True)
               if type(a) is not type(b)]
    assert changed, f"{name} runs the MLP as built"
    kinds = {next(k for k in (Relu, Affine, SoftmaxWithLoss) if issubclass(a, k)) for a, _ in changed}
    assert len(kinds) == 1, f"{name} changes more than one kind of layer: {changed}"
    assert all(b in (Relu, Affine, SoftmaxWithLoss) for _, b in changed), f"{name}: {changed}"
    if "dx" in name:
        assert changed == [(layers.InputAffine, Affine)]
    _, expected = built.gradient(x, t)
    _, grads = variant.gradient(x, t)
    for key in expected:
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-5, atol=1e-7, err_msg=key)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_update_params_in_place_and_leave_grads_alone(name):
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((3, 2)).astype(np.float32), "b1": np.zeros(2, dtype=np.float32)}
    held = dict(params)  # what the layers hold: the same array objects
    grads = {key: rng.standard_normal(p.shape).astype(np.float32) for key, p in params.items()}
    grads_before = {key: g.copy() for key, g in grads.items()}
    before = {key: p.copy() for key, p in params.items()}
    opt = get_optimizer(name, 0.1)
    for _ in range(2):
        opt.update(params, grads)
    for key in params:
        assert params[key] is held[key], f"{name} replaced {key} instead of updating it"
        assert params[key].dtype == np.float32
        assert not np.array_equal(params[key], before[key])
        np.testing.assert_array_equal(grads[key], grads_before[key], err_msg=f"{name} changed grads")


def test_adam_matches_its_definition_over_several_steps():
    """Kingma & Ba's Algorithm 1 (with the bias correction folded into the step size)."""
    rng = np.random.default_rng(3)
    lr, beta1, beta2, eps = 0.01, 0.9, 0.999, 1e-7
    p = rng.standard_normal(5)
    params = {"W1": p.copy()}
    opt = Adam(lr=lr, beta1=beta1, beta2=beta2)
    m = v = np.zeros(5)
    for step in range(1, 6):
        g = rng.standard_normal(5)
        opt.update(params, {"W1": g})
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        p = p - lr * np.sqrt(1 - beta2 ** step) / (1 - beta1 ** step) * m / (np.sqrt(v) + eps)
    np.testing.assert_allclose(params["W1"], p, rtol=1e-12)



STAND_INS = [(FusedSGD, SGD), (FusedAdam, Adam)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("fused", "book"), STAND_INS, ids=["SGD", "Adam"])
def test_fused_optimizers_compute_what_the_book_classes_do_bit_for_bit(fused, book, dtype):
    rng = np.random.default_rng(4)
    start = {"W1": rng.standard_normal((30, 20)), "b1": rng.standard_normal(20),
             # a column-major array and a strided view: a compiled pass cannot update them
             # through a flat view, so they take the book's lines, and must come out the same too
             "W2": np.asfortranarray(rng.standard_normal((20, 10))), "W3": rng.standard_normal((10, 4))}
    ours = {key: p.astype(dtype, order="K") for key, p in start.items()}
    ours["W3"] = np.zeros((10, 8), dtype)[:, ::2]
    ours["W3"][...] = start["W3"]
    assert not ours["W2"].flags.c_contiguous and not ours["W3"].flags.c_contiguous
    theirs = {key: p.copy(order="K") for key, p in ours.items()}
    held = dict(ours)
    fast, slow = fused(lr=0.01), book(lr=0.01)
    for step in range(8):
        grads = {key: rng.standard_normal(p.shape).astype(dtype) for key, p in ours.items()}
        grads["W1"] = np.asfortranarray(grads["W1"]) if step % 2 else grads["W1"]  # any layout of g
        grads_before = {key: g.copy() for key, g in grads.items()}
        fast.update(ours, grads)
        slow.update(theirs, grads)
        for key in grads:
            np.testing.assert_array_equal(grads[key], grads_before[key], err_msg=f"{key}: grads changed")
    for key in ours:
        assert ours[key] is held[key]
        assert not np.array_equal(ours[key], start[key].astype(dtype))
        np.testing.assert_array_equal(ours[key], theirs[key], err_msg=key)  # equal, not close
    if book is Adam:
        for key in ours:
            np.testing.assert_array_equal(fast.m[key], slow.m[key], err_msg=f"m[{key}]")
            np.testing.assert_array_equal(fast.v[key], slow.v[key], err_msg=f"v[{key}]")


@pytest.mark.parametrize(("fused", "book"), STAND_INS, ids=["SGD", "Adam"])
def test_fused_optimizers_take_a_gradient_of_another_precision_as_the_book_does(fused, book):
    # numpy computes a float64 gradient's step in float64, then stores it into the float32 weight
    params = {"W1": np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)}
    theirs = {"W1": params["W1"].copy()}
    grads = {"W1": np.linspace(0.3, -0.2, 12).reshape(3, 4)}
    fused(lr=0.1).update(params, grads)
    book(lr=0.1).update(theirs, grads)
    assert params["W1"].dtype == np.float32
    np.testing.assert_array_equal(params["W1"], theirs["W1"])


@pytest.mark.parametrize("fused", [FusedSGD, FusedAdam])
def test_fused_optimizers_reject_a_gradient_of_another_shape(fused):
    params = {"W1": np.zeros((3, 2), np.float32)}
    with pytest.raises(ValueError, match=r"grads\['W1'\] has shape \(6,\).*\(3, 2\)"):
        fused(lr=0.1).update(params, {"W1": np.ones(6, np.float32)})
    np.testing.assert_array_equal(params["W1"], 0)


def test_training_looks_sgd_and_adam_up_as_their_fused_stand_ins():
    assert type(get_optimizer("sgd", 0.1)) is FusedSGD and type(get_optimizer("adam", 0.1)) is FusedAdam
    # the other three are the printed classes themselves
    assert {name: type(get_optimizer(name, 0.1)).__module__ for name in OPTIMIZERS} == dict.fromkeys(
        OPTIMIZERS, "optimizer")


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_training_with_every_stand_in_gives_the_weights_the_book_classes_give(optimizer):
    """The whole of training's speed-ups, end to end: fit with the MLP as built and the optimizer
    looked up by name, against fit with the printed layers and the book's class, from the same
    start and batches. Every weight must come out equal, not just close."""
    x = np.random.default_rng(0).random((240, 784), dtype=np.float32)
    t = np.arange(240) % 10
    built = MLP(hidden_sizes=[32, 16], seed=0)
    book = bench_training.book_layers(MLP(hidden_sizes=[32, 16], seed=0))
    book_optimizer = {"sgd": SGD, "adam": Adam}[optimizer](lr=0.01)
    ours = fit(built, (x, t), epochs=2, batch_size=40, optimizer=optimizer, lr=0.01, progress=False)
    theirs = fit(book, (x, t), epochs=2, batch_size=40, optimizer=book_optimizer, progress=False)
    assert ours.records == theirs.records
    for key in built.params:
        np.testing.assert_array_equal(built.params[key], book.params[key], err_msg=key)


# --------------------------------------------------------------------------
# Losses with weight decay: train_loss and val_loss measure the same thing
# --------------------------------------------------------------------------


def test_train_loss_and_val_loss_agree_with_weight_decay():
    """On the same data, with weights that barely move, both losses must be the same number:
    the cross-entropy, without the penalty (which is large here, so including it would show)."""
    x, t = toy_data(n=200)
    net = MLP(input_size=20, hidden_sizes=[16], output_size=3, weight_decay=1.0, seed=0)
    assert net.penalty() > 1.0
    cross_entropy_before, _ = evaluate(net, x, t)
    steps = []
    history = fit(net, (x, t), (x, t), epochs=1, batch_size=len(x), optimizer="sgd", lr=1e-9,
                     on_step_end=steps.append, progress=False)
    assert history.last["train_loss"] == pytest.approx(cross_entropy_before, rel=1e-5)
    assert history.last["val_loss"] == pytest.approx(history.last["train_loss"], rel=1e-5)
    assert steps[0]["batch_loss"] == pytest.approx(cross_entropy_before, rel=1e-5)


def test_evaluate_loss_does_not_depend_on_weight_decay():
    x, t = toy_data(n=100)
    nets = [MLP(input_size=20, hidden_sizes=[8], output_size=3, weight_decay=wd, seed=0)
            for wd in (0.0, 0.5)]
    losses = [evaluate(net, x, t)[0] for net in nets]
    assert losses[0] == losses[1]
    # ... while the loss training minimises does include the penalty
    net = MLP(input_size=20, hidden_sizes=[8], output_size=3, weight_decay=0.5, seed=0)
    assert net.loss(x, t) == pytest.approx(losses[0] + net.penalty(), rel=1e-6)
    assert net.penalty() == pytest.approx(0.25 * sum(float((net.params[k].astype(np.float64) ** 2).sum())
                                                     for k in ("W1", "W2")), rel=1e-6)


# --------------------------------------------------------------------------
# The module: what `import mnist_utils` loads, and every exported name
# --------------------------------------------------------------------------


def test_the_model_modules_load_no_wandb_optuna_pandas_yaml_plots_or_tqdm():
    # The network and its training know nothing of W&B, sweeps or plotting: they run (and
    # import in a fraction of a second) wherever numpy does; tqdm loads when fit first trains.
    code = ("import sys, layers, optimizer, multi_layer_net, trainer; "
            "print(sorted(m for m in ('wandb', 'optuna', 'pandas', 'yaml', 'matplotlib', 'torch',"
            " 'tqdm', 'local_sweeps', 'sweep_tables', 'wandb_helpers') "
            "if m in sys.modules))")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(root)})
    assert out.stdout.strip() == "[]", out.stdout
