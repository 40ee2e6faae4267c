"""Direct tests for the split every notebook tunes on (``load_splits``) and for ``predict_labels``.

They run on whatever MNIST the loader finds: the full 60,000/10,000 digits, or the
offline sample of 4,000/1,000. Expected sizes are computed from what ``load_mnist``
returns, never written down from a run.
"""

import hashlib

import numpy as np
import pytest

import mnist_utils as mu


@pytest.fixture(scope="module")
def mnist():
    """The training and test sets as load_splits starts from them."""
    return mu.load_mnist(verbose=False)


@pytest.fixture(scope="module")
def splits():
    return mu.load_splits(verbose=False)


def rows(x, t):
    """Each example (its pixels and its label) as a digest, sorted: equal lists mean the same examples."""
    return sorted(hashlib.blake2b(image.tobytes() + bytes([label]), digest_size=16).digest()
                  for image, label in zip(x, t, strict=True))


# ----------------------------------------------------------------------------- load_splits
def test_splits_have_the_loader_shapes_and_types(mnist, splits):
    (x_all, _), (x_test, t_test) = mnist
    (x_train, t_train), (x_val, t_val), (x_test2, t_test2) = splits
    for x, t in [(x_train, t_train), (x_val, t_val), (x_test2, t_test2)]:
        assert x.ndim == 2 and x.shape[1] == 784 and x.dtype == np.float32
        assert t.shape == (len(x),) and np.issubdtype(t.dtype, np.integer)
        assert x.min() >= 0.0 and x.max() <= 1.0
        assert set(np.unique(t)) <= set(range(10))
    assert len(x_train) + len(x_val) == len(x_all)
    assert len(x_val) == round(len(x_all) / 6)  # the default val_size is a sixth: 10,000 of 60,000


def test_test_set_is_the_loaders_own(mnist, splits):
    _, (x_test, t_test) = mnist
    _, _, (x_test2, t_test2) = splits
    np.testing.assert_array_equal(x_test2, x_test)
    np.testing.assert_array_equal(t_test2, t_test)


def test_train_and_val_partition_the_training_set(mnist, splits):
    """Every training example lands in exactly one of the two parts, with its own label."""
    (x_all, t_all), _ = mnist
    (x_train, t_train), (x_val, t_val), _ = splits
    assert sorted(rows(x_train, t_train) + rows(x_val, t_val)) == rows(x_all, t_all)


@pytest.mark.parametrize("val_size, seed", [(1000, 0), (0.25, 1), (1 / 6, 1)])
def test_load_splits_is_train_val_split_of_the_training_set(mnist, val_size, seed):
    """load_splits hands its val_size and seed to train_val_split, on the loader's training set.

    What a split holds (sizes, each digit's share, the seed's effect, bad sizes refused) is
    tested once, on train_val_split, in tests/test_data.py.
    """
    (x_all, t_all), _ = mnist
    want_train, want_val = mu.train_val_split(x_all, t_all, val_size=val_size, seed=seed)
    train, val, _ = mu.load_splits(val_size=val_size, seed=seed, verbose=False)
    for got, want in zip((*train, *val), (*want_train, *want_val), strict=True):
        np.testing.assert_array_equal(got, want)


def test_splits_are_the_callers_to_modify(splits):
    """Fresh arrays on every call: a notebook that changes its copy in place changes no other."""
    (x_train, t_train), (x_val, _), (x_test, _) = mu.load_splits(verbose=False)
    for a in (x_train, x_val, x_test):
        a[:] = -1.0
    t_train[:] = -1
    (x_kept, t_kept), (x_val_kept, _), (x_test_kept, _) = splits
    assert x_kept.min() >= 0 and x_val_kept.min() >= 0 and x_test_kept.min() >= 0 and t_kept.min() >= 0
    assert mu.load_mnist(verbose=False)[0][0].min() >= 0


# ----------------------------------------------------------------------------- predict_labels
def one_hot_identity_net():
    """A net whose answer is known without running it: W1 and W2 are identities, so the
    scores of a one-hot input are the input itself and its label is where its 1 is."""
    net = mu.MLP(input_size=10, hidden_sizes=[10], output_size=10, seed=0)
    for key, value in net.params.items():
        value[...] = np.eye(10) if key.startswith("W") else 0.0  # in place: the layers share these arrays
    return net


@pytest.mark.parametrize("batch_size", [1, 3, 7, 10, 37, 2000])
def test_predict_labels_keeps_order_across_batch_boundaries(batch_size):
    t = np.random.default_rng(0).integers(0, 10, size=37)
    x = np.eye(10, dtype=np.float32)[t]
    labels = mu.predict_labels(one_hot_identity_net(), x, batch_size=batch_size)
    assert labels.shape == (37,) and np.issubdtype(labels.dtype, np.integer)
    np.testing.assert_array_equal(labels, t)


def forward(params, x):
    """The forward pass written out for a two-layer net: affine, ReLU, affine."""
    hidden = np.maximum(x @ params["W1"] + params["b1"], 0)
    return hidden @ params["W2"] + params["b2"]


@pytest.mark.parametrize("n, batch_size", [(1, 2000), (999, 100), (1000, 100), (2001, 2000), (500, 499)])
def test_predict_labels_is_the_argmax_of_the_forward_pass(n, batch_size):
    rng = np.random.default_rng(n)
    net = mu.MLP(input_size=20, hidden_sizes=[16], output_size=10, seed=1, dtype=np.float64)
    for key in net.params:
        if key.startswith("b"):  # non-zero biases, so a batch that dropped them would show
            net.params[key][...] = rng.standard_normal(net.params[key].shape)
    x = rng.standard_normal((n, 20))
    expected = forward(net.params, x).argmax(axis=1)
    np.testing.assert_array_equal(mu.predict_labels(net, x, batch_size=batch_size), expected)


def test_predict_labels_on_real_digits_matches_evaluate(splits):
    """On MNIST itself, the share of labels predicted right is the accuracy ``evaluate`` reports."""
    _, (x_val, t_val), _ = splits
    net = mu.make_net({"network": "Net1", "hidden_size1": 32, "seed": 0})
    labels = mu.predict_labels(net, x_val, batch_size=333)
    assert labels.shape == t_val.shape
    assert np.mean(labels == t_val) == pytest.approx(mu.evaluate(net, x_val, t_val)[1])


def test_predict_labels_ignores_dropout():
    """Prediction never drops units: the same labels on every call."""
    net = mu.MLP(input_size=20, hidden_sizes=[64], output_size=10, dropout=0.5, seed=0)
    x = np.random.default_rng(0).standard_normal((300, 20)).astype(np.float32)
    first = mu.predict_labels(net, x, batch_size=64)
    np.testing.assert_array_equal(first, mu.predict_labels(net, x, batch_size=64))
    np.testing.assert_array_equal(first, net.predict(x).argmax(axis=1))


def test_predict_labels_of_no_images_is_an_empty_array():
    net = mu.MLP(hidden_sizes=[4], input_size=3, output_size=2, seed=0)
    labels = mu.predict_labels(net, np.zeros((0, 3), dtype=np.float32))
    assert labels.shape == (0,) and labels.dtype.kind == "i"
