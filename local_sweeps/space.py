"""The search space: a validated W&B sweep config as Optuna distributions, and back.

Each parameter is searched through a variable Optuna can handle and mapped back to the
value W&B's engine would draw (``sweeps`` 0.3.0, ``params.py``):

- random search: every parameter is a unit-interval variable ``u``, mapped through the
  distribution's inverse CDF exactly as W&B maps its ``random.uniform(0, 1)``; so a
  uniform ``u`` gives W&B's distribution, including ``q_uniform``'s half-weight end
  values (``round(U(min, max) / q) * q``) and ``values`` with ``probabilities``;
- bayes search (Optuna's TPE): ``int_uniform`` an integer and ``values`` a categorical
  index, which TPE models as such; every other distribution the same ``u``, which TPE
  searches like any bounded float;
- grid search: one index per parameter into W&B's list of grid values.

Values are W&B's, with one deliberate difference: multiples of a float ``q`` are written
to 15 significant digits, so a run shows ``0.3`` where W&B shows ``0.30000000000000004``.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass
from statistics import NormalDist

import optuna

from .common import grid_size, grid_total, nest, unique_values
from .config import SweepConfigError, validate_config

# W&B draws u = random.uniform(0, 1); keep u off 0 and 1, where the normal family is infinite.
_U_EPS = 2.0 ** -53


def _clean(x):
    """A float multiple of q without float noise (0.30000000000000004 -> 0.3)."""
    return float(f"{x:.15g}")


def _quantise(x, q):
    """W&B's ``np.round(x / q) * q``: an int when q is an int (as W&B casts it)."""
    k = round(x / q)   # Python's round, like numpy's, sends halves to the even neighbour
    return int(k * q) if isinstance(q, int) else _clean(k * q)


@dataclass(frozen=True)
class Param:
    """One searched (or constant) parameter: its key path and its filled W&B spec."""

    path: tuple
    spec: dict

    @property
    def key(self):
        """Its column name in results: nested keys joined by dots, ``optimizer.lr``."""
        return ".".join(self.path)

    @property
    def kind(self):
        return self.spec["distribution"]

    def optuna_name(self, method):
        """Optuna's name for it: W&B names hold no '/' or '|', so both are unambiguous.

        The suffix names the encoding, so a journal written with another encoding never
        meets this one under the same name.
        """
        if method == "grid":
            encoding = "grid"
        elif method == "bayes" and self.kind == "int_uniform":
            encoding = "int"
        elif method == "bayes" and self.kind == "categorical":
            encoding = "index"
        else:
            encoding = "u"
        return "/".join(self.path) + "|" + encoding

    # -- grid ----------------------------------------------------------------

    def grid_size(self):
        return grid_size(self.spec)

    def grid_values(self):
        """The values a grid search takes, in W&B's order (grid_search.py)."""
        s = self.spec
        if self.kind == "constant":
            return [s["value"]]
        if self.kind == "categorical":
            return unique_values(s["values"])
        if self.kind == "int_uniform":
            return list(range(s["min"], s["max"] + 1))
        if self.kind == "q_uniform":
            n = self.grid_size()
            if all(isinstance(s[k], int) for k in ("min", "max", "q")):
                return list(range(s["min"], s["min"] + n * s["q"], s["q"]))
            # np.arange(min, max, q) fills min + i * delta with delta = (min + q) - min.
            delta = (s["min"] + s["q"]) - s["min"]
            return [_clean(s["min"] + i * delta) for i in range(n)]
        raise SweepConfigError(f"parameters.{self.key}: grid cannot enumerate {self.kind}")

    # -- random and bayes ----------------------------------------------------

    def from_unit(self, u):
        """The value W&B draws for the uniform variate ``u`` (its ``ppf(u)``)."""
        s, kind = self.spec, self.kind
        if kind == "constant":
            return s["value"]
        u = min(max(u, _U_EPS), 1.0 - _U_EPS)
        if kind == "categorical":
            values = s["values"]   # W&B: randint.ppf(u, 0, n) = ceil(u * n) - 1
            return values[min(max(math.ceil(u * len(values)) - 1, 0), len(values) - 1)]
        if kind == "categorical_w_probabilities":
            cdf = list(itertools.accumulate(s["probabilities"]))
            return s["values"][min(bisect.bisect_right(cdf, u), len(cdf) - 1)]
        if kind == "int_uniform":
            n = s["max"] - s["min"] + 1
            return s["min"] + min(max(math.ceil(u * n) - 1, 0), n - 1)
        if kind in ("uniform", "q_uniform"):
            x = s["min"] + u * (s["max"] - s["min"])
        elif kind in ("log_uniform_values", "q_log_uniform_values"):
            low, high = math.log(s["min"]), math.log(s["max"])
            x = math.exp(low + u * (high - low))
        elif kind == "inv_log_uniform_values":
            low, high = -math.log(s["max"]), -math.log(s["min"])
            x = math.exp(-(low + (1.0 - u) * (high - low)))
        elif kind in ("log_uniform", "q_log_uniform"):        # deprecated: natural-log bounds
            x = math.exp(s["min"] + u * (s["max"] - s["min"]))
        elif kind == "inv_log_uniform":
            x = math.exp(-(s["min"] + (1.0 - u) * (s["max"] - s["min"])))
        elif kind in ("normal", "q_normal"):
            x = NormalDist(s["mu"], s["sigma"]).inv_cdf(u)
        elif kind in ("log_normal", "q_log_normal"):
            x = math.exp(NormalDist(s["mu"], s["sigma"]).inv_cdf(u))
        elif kind in ("beta", "q_beta"):
            from scipy.special import betaincinv  # scipy comes with scikit-learn

            x = float(betaincinv(s["a"], s["b"], u))
        else:
            raise SweepConfigError(f"parameters.{self.key}: unknown distribution {kind}")
        return _quantise(x, s["q"]) if kind.startswith("q_") else float(x)

    def distribution(self, method):
        """The Optuna distribution to search, or None for a constant."""
        if self.kind == "constant":
            return None
        if method == "grid":
            return optuna.distributions.IntDistribution(0, self.grid_size() - 1)
        if method == "bayes" and self.kind == "int_uniform":
            return optuna.distributions.IntDistribution(self.spec["min"], self.spec["max"])
        if method == "bayes" and self.kind == "categorical":
            return optuna.distributions.CategoricalDistribution(
                list(range(len(self.spec["values"]))))
        return optuna.distributions.FloatDistribution(0.0, 1.0)

    def to_value(self, method, optuna_value=None):
        """The ``wandb.config`` value for an Optuna value."""
        if self.kind == "constant":
            return self.spec["value"]
        if method == "grid":
            return self.grid_values()[optuna_value]
        if method == "bayes" and self.kind == "int_uniform":
            return int(optuna_value)
        if method == "bayes" and self.kind == "categorical":
            return self.spec["values"][optuna_value]
        return self.from_unit(optuna_value)


def flatten_parameters(config):
    """All parameters of a validated config, nested ones included, in W&B's order.

    W&B sorts parameter names at each level (params.py), which fixes the grid order.
    """
    found = []

    def walk(params, prefix):
        for name in sorted(params):
            spec = params[name]
            if "parameters" in spec:
                walk(spec["parameters"], prefix + (name,))
            else:
                found.append(Param(prefix + (name,), spec))

    walk(config["parameters"], ())
    return found


def search_space(config):
    """Optuna distributions by Optuna name, constants left out."""
    method = config["method"]
    return {p.optuna_name(method): p.distribution(method) for p in flatten_parameters(config)
            if p.kind != "constant"}


def decode(config, optuna_params):
    """The nested ``wandb.config`` dict for a trial's Optuna params (constants included)."""
    method = config["method"]
    return nest((p.path, p.to_value(method, optuna_params.get(p.optuna_name(method))))
                 for p in flatten_parameters(config))


def grid_count(config):
    """How many points a validated grid config has (counted, not listed)."""
    return grid_total(config["parameters"])


def grid_trial_params(config, index):
    """The Optuna params of grid point number ``index`` in W&B's order (first name slowest)."""
    params = [p for p in flatten_parameters(config) if p.kind != "constant"]
    chosen = {}
    for p in reversed(params):
        index, chosen[p.optuna_name("grid")] = divmod(index, p.grid_size())
    return chosen


def grid_points(config):
    """Every point of a grid search as ``wandb.config`` values, in W&B's order.

    Parameters
    ----------
    config : dict or str or Path
        A sweep config with ``method: grid`` (validated here).

    Returns
    -------
    list of dict
        One nested dict per run, constants included: the product of each parameter's
        grid values, parameters sorted by name at each level with the first one varying
        slowest, as W&B's ``grid_search.py`` orders them. A ``values`` list keeps each
        value once (``1`` and ``1.0`` are one value, ``True`` another), as W&B does;
        ``q_uniform`` gives ``np.arange(min, max, q)`` (``max`` left out).
    """
    config = validate_config(config)  # it refuses a grid with too many points
    if config["method"] != "grid":
        raise SweepConfigError(f"method: grid_points needs method grid, got {config['method']!r}")
    params = flatten_parameters(config)
    return [nest(zip((p.path for p in params), point, strict=True))
            for point in itertools.product(*(p.grid_values() for p in params))]


def sample_value(spec, rng, size=None):
    """Random draws of one parameter, distributed as W&B's random search draws them.

    Parameters
    ----------
    spec : dict
        One parameter spec as a sweep config writes it (``{"distribution": "q_uniform",
        "min": 320, "max": 512, "q": 64}``, ``{"values": [...]}``, ...); validated here.
    rng : numpy.random.Generator
        The source of randomness, e.g. ``np.random.default_rng(0)``.
    size : int, optional
        How many draws; by default one.

    Returns
    -------
    object or list
        The value ``wandb.config`` would hold (W&B's inverse CDF of ``rng.random()``),
        or a list of ``size`` of them.
    """
    config = validate_config({"method": "random", "parameters": {"p": spec}})
    if "parameters" in config["parameters"]["p"]:
        raise SweepConfigError("parameters.p: sample_value takes one parameter, not a nested "
                               "group")
    param = Param(("p",), config["parameters"]["p"])
    if size is None:
        return param.from_unit(float(rng.random()))
    return [param.from_unit(u) for u in rng.random(size).tolist()]
