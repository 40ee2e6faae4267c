"""The search space: a validated W&B sweep config as Optuna distributions, and back."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass

import optuna

from .config import SweepConfigError, _q_range

# ---------------------------------------------------------------------------
# Translation to Optuna
# ---------------------------------------------------------------------------

def _clean(x, q):
    """k*q without float noise (0.30000000000000004 -> 0.3); an int when q is one."""
    if isinstance(q, int) and float(x).is_integer():
        return int(x)
    return float(f"{x:.15g}")


def _primitive(value):
    return value is None or isinstance(value, (bool, int, float, str))


def _encode_choices(values):
    """Optuna choices for `values`, and whether they are JSON-encoded.

    Optuna stores only None/bool/int/float/str choices and finds them by ``==``, so
    lists (``hidden_sizes: [[100], [256, 256]]``), dicts, and values equal across
    types (``0`` and ``False``, ``1`` and ``1.0``) are stored as JSON strings.
    """
    plain = all(_primitive(v) for v in values) and not any(
        a == b for a, b in itertools.combinations(values, 2)) and not any(
        isinstance(v, float) and math.isnan(v) for v in values)
    if plain:
        return list(values), False
    return [json.dumps(v, sort_keys=True) for v in values], True


@dataclass(frozen=True)
class Param:
    """One searched (or constant) parameter: its key path and its filled W&B spec."""

    path: tuple
    spec: dict

    @property
    def name(self):
        """Optuna's name for it; W&B names cannot contain '/', so nesting is unambiguous."""
        return "/".join(self.path)

    @property
    def key(self):
        """Its column name in results: nested keys joined by dots, ``optimizer.lr``."""
        return ".".join(self.path)

    @property
    def kind(self):
        return self.spec["distribution"]

    def grid_values(self):
        """The values a grid search takes, in W&B's order (grid_search.py)."""
        s = self.spec
        if self.kind == "constant":
            return [s["value"]]
        if self.kind == "categorical":
            # W&B's grid skips repeated values (it hashes them), so do the same.
            unique = []
            for v in s["values"]:
                if not any(json.dumps(v, sort_keys=True) == json.dumps(u, sort_keys=True)
                           for u in unique):
                    unique.append(v)
            return unique
        if self.kind == "int_uniform":
            return list(range(s["min"], s["max"] + 1))
        if self.kind == "q_uniform":
            # W&B enumerates np.arange(min, max, q): max itself is left out.
            n = math.ceil((s["max"] - s["min"]) / s["q"] - 1e-9)
            return [_clean(s["min"] + i * s["q"], s["q"]) for i in range(n)]
        raise SweepConfigError(f"parameters.{self.key}: grid cannot enumerate {self.kind}")

    def distribution(self, method):
        """The Optuna distribution to search, or None for a constant."""
        s = self.spec
        if self.kind == "constant":
            return None
        if method == "grid":
            return optuna.distributions.CategoricalDistribution(
                _encode_choices(self.grid_values())[0])
        if self.kind == "categorical":
            return optuna.distributions.CategoricalDistribution(
                _encode_choices(s["values"])[0])
        if self.kind == "int_uniform":
            return optuna.distributions.IntDistribution(s["min"], s["max"])
        if self.kind == "uniform":
            return optuna.distributions.FloatDistribution(s["min"], s["max"])
        if self.kind == "q_uniform":
            # Searched as the integer k of k*q, W&B's grid of values, so every
            # suggestion lies on it and TPE still sees an ordered quantity.
            return optuna.distributions.IntDistribution(*_q_range(s["min"], s["max"], s["q"]))
        if self.kind == "log_uniform":
            return optuna.distributions.FloatDistribution(
                math.exp(s["min"]), math.exp(s["max"]), log=True)
        # log_uniform_values, q_log_uniform_values and inv_log_uniform_values: W&B draws
        # exp(U(log min, log max)), or for inv_, exp(-U(-log max, -log min)), which is
        # the same log-uniform law on [min, max].
        return optuna.distributions.FloatDistribution(s["min"], s["max"], log=True)

    def to_value(self, method, optuna_value=None):
        """The ``wandb.config`` value for an Optuna value."""
        s = self.spec
        if self.kind == "constant":
            return s["value"]
        if method == "grid" or self.kind == "categorical":
            values = self.grid_values() if method == "grid" else s["values"]
            encoded = _encode_choices(values)[1]
            return json.loads(optuna_value) if encoded else optuna_value
        if self.kind == "q_uniform":
            return _clean(optuna_value * s["q"], s["q"])
        if self.kind == "q_log_uniform_values":
            lo, hi = _q_range(s["min"], s["max"], s["q"])
            k = min(max(round(optuna_value / s["q"]), lo), hi)
            return _clean(k * s["q"], s["q"])
        if self.kind == "int_uniform":
            return int(optuna_value)
        return float(optuna_value)


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
    """Optuna distributions by parameter name, constants left out."""
    method = config["method"]
    return {p.name: p.distribution(method) for p in flatten_parameters(config)
            if p.kind != "constant"}


def decode(config, optuna_params):
    """The nested ``wandb.config`` dict for a trial's Optuna params (constants included)."""
    method = config["method"]
    values = {}
    for p in flatten_parameters(config):
        node = values
        for part in p.path[:-1]:
            node = node.setdefault(part, {})
        node[p.path[-1]] = p.to_value(method, optuna_params.get(p.name))
    return values


def grid_points(config):
    """Every grid point as Optuna params, in W&B's order (product over sorted names)."""
    method = config["method"]
    params = [p for p in flatten_parameters(config) if p.kind != "constant"]
    choices = [p.distribution(method).choices for p in params]
    return [dict(zip((p.name for p in params), point))
            for point in itertools.product(*choices)]
