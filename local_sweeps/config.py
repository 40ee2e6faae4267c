"""Validate a W&B sweep configuration: W&B's keys, defaults and errors.

`local_sweeps` builds on this module: it keeps W&B's sweep YAML as the one source of
truth and needs, before any trial runs, (1) a clear error for every config that W&B
would reject or that only W&B's own servers can run, and (2) for each parameter, the
Optuna distribution to search and the way back from an Optuna value to the value that
``wandb.config`` shows.

Semantics follow W&B's open-source sweeps library (``wandb/sweeps``: ``schema.json``,
``params.py``, ``grid_search.py``) so that one YAML means the same search online and
offline.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from pathlib import Path

import yaml

from .hyperband import hyperband_brackets

# ---------------------------------------------------------------------------
# What a config may contain
# ---------------------------------------------------------------------------

METHODS = ("grid", "random", "bayes")
GOALS = ("minimize", "maximize")

# Top-level keys: the ones the local controller uses, then the ones W&B defines
# that only matter to W&B's servers or CLI (kept, ignored here).
TOP_LEVEL_KEYS = ("method", "metric", "parameters", "run_cap", "early_terminate",
                  "name", "description", "program", "command", "project", "entity")
# W&B keys that need W&B's servers (Launch, custom schedulers, multi-objective).
ONLINE_ONLY_KEYS = ("metrics", "scheduler", "controller", "job", "image_uri",
                    "apiVersion", "kind")

# `impute` and `impute_while_running` only steer W&B's own Bayesian search.
METRIC_KEYS = ("name", "goal", "target", "impute", "impute_while_running")
EARLY_TERMINATE_KEYS = ("type", "min_iter", "max_iter", "s", "eta", "strict")

# The keys each distribution takes besides `distribution` (W&B's schema.json).
DISTRIBUTION_KEYS = {
    "constant": ("value",),
    "categorical": ("values",),
    "int_uniform": ("min", "max"),
    "uniform": ("min", "max"),
    "q_uniform": ("min", "max", "q"),
    "log_uniform": ("min", "max"),             # min/max are natural logs
    "log_uniform_values": ("min", "max"),
    "q_log_uniform_values": ("min", "max", "q"),
    "inv_log_uniform_values": ("min", "max"),
}
# W&B distributions this controller does not sample; online mode runs them.
ONLINE_ONLY_DISTRIBUTIONS = ("normal", "q_normal", "log_normal", "q_log_normal", "beta",
                             "q_beta", "categorical_w_probabilities", "q_log_uniform",
                             "inv_log_uniform")
# Grid search enumerates these only, as W&B's grid_search.py does.
GRID_DISTRIBUTIONS = ("constant", "categorical", "int_uniform", "q_uniform")
# A grid is enumerated up front; past this size it is surely a mistake.
MAX_GRID_POINTS = 100_000

_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")  # W&B's schema pattern
_ALL_PARAM_KEYS = sorted({k for keys in DISTRIBUTION_KEYS.values() for k in keys}
                         | {"distribution", "parameters", "probabilities", "mu", "sigma",
                            "a", "b"})


class SweepConfigError(ValueError):
    """A sweep configuration that the local controller cannot run."""


def _fail(path, message):
    raise SweepConfigError(f"{path}: {message}" if path else message)


def _suggest(word, choices):
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_keys(mapping, allowed, path, online_only=()):
    for key in mapping:
        if key in allowed:
            continue
        where = _join(path, key)
        if key in online_only:
            _fail(where, "is a W&B key that needs W&B's servers; run with WANDB_MODE=online")
        _fail(where, f"unknown key{_suggest(key, allowed)}; allowed here: {', '.join(allowed)}")


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


def _number(spec, key, path, integer=False):
    value = spec[key]
    if integer and not (isinstance(value, int) and not isinstance(value, bool)):
        _fail(_join(path, key), f"must be an integer, got {value!r}")
    if not _is_number(value) or not math.isfinite(value):
        hint = ""
        if isinstance(value, str):
            # PyYAML reads `1e-4` (no dot) as a string; load_config() accepts it.
            hint = " (a YAML number like 1e-4 needs a dot, 1.0e-4, for plain yaml.safe_load)"
        _fail(_join(path, key), f"must be a finite number, got {value!r}{hint}")
    return value


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """YAML 1.1 loader that also reads `1e-4` as a float, as YAML 1.2 and W&B do."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


def _q_range(low, high, q):
    """Indices k of the multiples k*q inside [low, high] (tolerant of float error)."""
    return math.ceil(low / q - 1e-9), math.floor(high / q + 1e-9)


def load_config(config):
    """Return a sweep config as a dict, reading it from YAML when given a path.

    Parameters
    ----------
    config : dict or str or Path
        A sweep configuration, or the path of a YAML file holding one.

    Returns
    -------
    dict
        A deep copy, so validation never alters the caller's dict.
    """
    if isinstance(config, (str, Path)):
        path = Path(config)
        if not path.is_file():
            _fail("", f"no sweep config file at {config}")
        with open(path) as f:
            try:
                config = yaml.load(f, Loader=_Loader)
            except yaml.YAMLError as e:
                _fail("", f"{config} is not valid YAML: {e}")
    if not isinstance(config, dict):
        _fail("", f"a sweep config must be a mapping (dict), got {type(config).__name__}")
    # A JSON round trip copies it and rejects values W&B could not store either.
    try:
        return json.loads(json.dumps(config))
    except (TypeError, ValueError) as e:
        _fail("", f"the sweep config holds a value that is not YAML/JSON data: {e}")


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------

def _infer_distribution(spec, path):
    """The distribution W&B infers when a parameter names none (schema.json order)."""
    if "values" in spec:
        return "categorical"
    if "value" in spec:
        return "constant"
    if "min" in spec and "max" in spec:
        if "q" in spec:
            _fail(f"{path}.q", "needs an explicit distribution: q_uniform or q_log_uniform_values")
        ints = all(isinstance(spec[k], int) and not isinstance(spec[k], bool)
                   for k in ("min", "max"))
        return "int_uniform" if ints else "uniform"
    if "min" in spec or "max" in spec:
        missing = "max" if "min" in spec else "min"
        _fail(f"{path}.{missing}", "is missing: a range needs both min and max")
    for key in spec:
        if key not in _ALL_PARAM_KEYS:
            _fail(f"{path}.{key}", f"unknown key{_suggest(key, _ALL_PARAM_KEYS)}")
    _fail(path, "needs one of: values, value, min and max, parameters, or a distribution")


def _validate_parameter(spec, path, method):
    """Check one parameter spec and return it with `distribution` filled in."""
    if not isinstance(spec, dict):
        _fail(path, f"must be a mapping such as {{value: {spec!r}}} or {{values: [...]}}, "
                    f"got {spec!r}")
    if "parameters" in spec:
        _check_keys(spec, ("parameters",), path)
        return {"parameters": _validate_parameters(spec["parameters"], f"{path}.parameters",
                                                   method)}
    dist = spec.get("distribution")
    if "probabilities" in spec:
        _fail(f"{path}.probabilities", "categorical values with probabilities are supported by "
              "W&B's servers only; run with WANDB_MODE=online")
    if dist is None:
        dist = _infer_distribution(spec, path)
    elif dist in ONLINE_ONLY_DISTRIBUTIONS:
        _fail(f"{path}.distribution", f"{dist!r} is supported by W&B's servers only; run with "
              f"WANDB_MODE=online, or use one of {', '.join(DISTRIBUTION_KEYS)}")
    elif dist not in DISTRIBUTION_KEYS:
        _fail(f"{path}.distribution", f"unknown distribution {dist!r}"
              f"{_suggest(dist, DISTRIBUTION_KEYS)}; allowed: {', '.join(DISTRIBUTION_KEYS)}")
    keys = DISTRIBUTION_KEYS[dist]
    _check_keys(spec, ("distribution",) + keys, path)
    for key in keys:
        if key not in spec and key != "q":
            _fail(f"{path}.{key}", f"is required by distribution {dist}")
    filled = {"distribution": dist, **{k: spec[k] for k in keys if k in spec}}

    if dist == "categorical":
        values = spec["values"]
        if not isinstance(values, list) or not values:
            _fail(f"{path}.values", f"must be a non-empty list, got {values!r}")
    elif dist != "constant":
        low = _number(spec, "min", path, integer=dist == "int_uniform")
        high = _number(spec, "max", path, integer=dist == "int_uniform")
        if low >= high:
            _fail(f"{path}.min", f"min ({low}) must be less than max ({high})")
        if dist.endswith("_values") and low <= 0:
            _fail(f"{path}.min", f"{dist} takes the values themselves, so min must be > 0 "
                  f"(got {low}); log_uniform takes natural logs instead")
        if dist.startswith("q_"):
            filled["q"] = q = spec.get("q", 1.0)  # W&B's default
            if not _is_number(q) or q <= 0:
                _fail(f"{path}.q", f"must be a number > 0, got {q!r}")
            if _q_range(low, high, q)[0] > _q_range(low, high, q)[1]:
                _fail(f"{path}.q", f"no multiple of q={q} lies between min and max")

    if method == "grid" and dist not in GRID_DISTRIBUTIONS:
        _fail(path, f"grid search cannot enumerate a continuous {dist} range; use values: "
                    f"[...], int_uniform, q_uniform, or method random/bayes")
    return filled


def _validate_parameters(params, path, method):
    if not isinstance(params, dict) or not params:
        _fail(path, "must be a non-empty mapping of parameter names to specs")
    checked = {}
    for name, spec in params.items():
        if not isinstance(name, str) or not _PARAM_NAME.match(name):
            _fail(f"{path}.{name}", "a parameter name must start with a letter or _ and hold "
                                    "only letters, digits, _ . -")
        checked[name] = _validate_parameter(spec, f"{path}.{name}", method)
    return checked


def _validate_metric(metric):
    if not isinstance(metric, dict):
        _fail("metric", f"must be a mapping with name and goal, got {metric!r}")
    _check_keys(metric, METRIC_KEYS, "metric")
    name = metric.get("name")
    if not isinstance(name, str) or not name:
        _fail("metric.name", f"must be the name of a logged metric, got {name!r}")
    goal = metric.get("goal", "minimize")  # W&B's default
    if goal not in GOALS:
        _fail("metric.goal", f"must be minimize or maximize, got {goal!r}{_suggest(goal, GOALS)}")
    filled = {**metric, "goal": goal}
    if "target" in metric:
        _number(metric, "target", "metric")
    return filled


def _validate_early_terminate(et):
    if not isinstance(et, dict):
        _fail("early_terminate", f"must be a mapping with type: hyperband, got {et!r}")
    _check_keys(et, EARLY_TERMINATE_KEYS, "early_terminate")
    if et.get("type") != "hyperband":
        _fail("early_terminate.type", f"must be hyperband, got {et.get('type')!r}")
    filled = {"type": "hyperband", "eta": et.get("eta", 3), "strict": et.get("strict", True)}
    if "min_iter" in et:
        filled["min_iter"] = _number(et, "min_iter", "early_terminate", integer=True)
        if filled["min_iter"] < 1:
            _fail("early_terminate.min_iter", "must be >= 1")
    elif "max_iter" in et:
        filled["max_iter"] = _number(et, "max_iter", "early_terminate", integer=True)
        if "s" not in et:
            _fail("early_terminate.s", "is required with max_iter (the number of brackets)")
        filled["s"] = _number(et, "s", "early_terminate", integer=True)
        if filled["max_iter"] < 1 or filled["s"] < 1:
            _fail("early_terminate.max_iter", "max_iter and s must be >= 1")
    else:
        _fail("early_terminate.min_iter", "hyperband needs min_iter, or max_iter and s")
    if not _is_number(filled["eta"]) or filled["eta"] <= 1:
        _fail("early_terminate.eta", f"must be a number > 1, got {filled['eta']!r}")
    if not isinstance(filled["strict"], bool):
        _fail("early_terminate.strict", f"must be true or false, got {filled['strict']!r}")
    if "max_iter" in filled and not hyperband_brackets(filled):
        _fail("early_terminate.max_iter", "max_iter / eta is below 1: no bracket to stop at")
    return filled


def validate_config(config):
    """Check a W&B sweep config and return it normalised for the local controller.

    Parameters
    ----------
    config : dict or str or Path
        A sweep configuration as W&B documents it, or a YAML file holding one.

    Returns
    -------
    dict
        The same config with W&B's defaults filled in: every parameter names its
        ``distribution`` (inferred as W&B does), ``metric.goal`` and the
        ``early_terminate`` defaults are set.

    Raises
    ------
    SweepConfigError
        With the offending key path (e.g. ``parameters.lr.min``) and what is allowed.
    """
    config = load_config(config)
    _check_keys(config, TOP_LEVEL_KEYS, "", online_only=ONLINE_ONLY_KEYS)
    method = config.get("method")
    if method is None:
        _fail("method", f"is required: one of {', '.join(METHODS)}")
    if method not in METHODS:
        online = " (custom needs WANDB_MODE=online)" if method == "custom" else ""
        _fail("method", f"unknown method {method!r}{_suggest(method, METHODS)}; allowed: "
                        f"{', '.join(METHODS)}{online}")
    if "parameters" not in config:
        _fail("parameters", "is required: the hyperparameters to search")
    filled = {**config, "parameters": _validate_parameters(config["parameters"], "parameters",
                                                           method)}
    if "metric" in config:
        filled["metric"] = _validate_metric(config["metric"])
    elif method == "bayes":
        _fail("metric", "bayes search needs a metric to optimise: metric: {name: ..., goal: ...}")
    for key in ("name", "description", "program", "project", "entity"):
        if key in config and not isinstance(config[key], str):
            _fail(key, f"must be a string, got {config[key]!r}")
    if "run_cap" in config:
        cap = _number(config, "run_cap", "", integer=True)
        if cap <= 0:
            _fail("run_cap", f"must be a positive integer, got {cap}")
    if "early_terminate" in config:
        if "metric" not in config:
            _fail("metric", "early_terminate needs a metric to compare runs by")
        filled["early_terminate"] = _validate_early_terminate(config["early_terminate"])
    if method == "grid":
        from .space import flatten_parameters  # space builds on this module

        size = math.prod(len(p.grid_values()) for p in flatten_parameters(filled))
        if size > MAX_GRID_POINTS:
            _fail("parameters", f"the grid has {size} points, more than {MAX_GRID_POINTS}; "
                                "use random or bayes search")
    return filled
