"""Validate a W&B sweep configuration: W&B's keys, defaults, errors and warnings.

`local_sweeps` keeps W&B's sweep YAML as the one source of truth. Before any trial runs
it needs a clear error for every config W&B would reject, and for every config that W&B
accepts but whose sweep would then crash or draw values outside the declared range.

The reference is W&B's own sweep engine, the PyPI package ``sweeps`` 0.3.0 (its
``schema.json`` and ``params.py``); ``tests/test_wandb_reference.py`` checks the verdicts
against ones recorded from it. Where this module parts from W&B, it is on purpose:

- Launch-only keys (``job``, ``image_uri``, ``scheduler``), ``metrics`` and ``method:
  custom`` are refused: they need W&B's servers.
- W&B accepts, then crashes on (so refused here, naming the key): ``bayes`` without a
  ``metric``; ``early_terminate`` without a ``metric``; hyperband whose ``max_iter`` /
  ``s`` give no band, or whose ``s`` is a float (``s: 2.0``); a grid over a continuous
  distribution or over ``probabilities``; nested ranges with ``min >= max``.
- W&B accepts, then draws NaN (refused): ``sigma: 0`` for the normal family, ``a: 0``
  or ``b: 0`` for beta.
- W&B accepts, then draws outside ``[min, max]`` (warned, naming the key): ``q_uniform``
  or ``q_log_uniform_values`` whose ``min`` or ``max`` is not near a multiple of ``q``
  (``min: 0.05, q: 0.2`` draws 0.0).
- W&B rejects the deprecated ``log_uniform``, ``inv_log_uniform`` and ``q_log_uniform``
  at the top level but accepts them nested; both are the same here, and a nested one
  gets a warning, since ``min: 0.0001, max: 0.1`` means e**0.0001..e**0.1 there.
- ``values`` with ``probabilities`` runs under ``bayes`` here (W&B's engine crashes on it).
- ``controller`` is accepted and ignored: offline there is only the local controller.
"""

from __future__ import annotations

import difflib
import json
import math
import warnings
from pathlib import Path

import yaml

from .common import column_names, grid_total, is_number
from .hyperband import hyperband_brackets
from .schema import (
    ALL_PARAM_KEYS,
    DEPRECATED,
    DISTRIBUTIONS,
    EARLY_TERMINATE_KEYS,
    GOALS,
    GRID_DISTRIBUTIONS,
    IMPUTE,
    IMPUTE_WHILE_RUNNING,
    LAUNCH_KEYS,
    MAX_GRID_POINTS,
    METHODS,
    METRIC_KEYS,
    PARAM_NAME,
    STRING_KEYS,
    TOP_LEVEL_KEYS,
)
from .yamlfiles import AliasError, ConfigLoader


class SweepConfigError(ValueError):
    """A sweep configuration that the local controller cannot run."""


class SweepConfigWarning(UserWarning):
    """A sweep configuration that runs, but probably not as its author meant."""


def _fail(path, message):
    raise SweepConfigError(f"{path}: {message}" if path else message)


def _warn(path, message):
    warnings.warn(f"{path}: {message}", SweepConfigWarning, stacklevel=4)


def _suggest(word, choices):
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


def _check_keys(mapping, allowed, path):
    for key in mapping:
        if key not in allowed:
            _fail(_join(path, key), f"unknown key{_suggest(key, allowed)}; allowed here: "
                                    f"{', '.join(allowed)}")


def _number(spec, key, path):
    value = spec[key]
    if not is_number(value) or not math.isfinite(value):
        hint = ""
        if isinstance(value, str):
            # PyYAML reads `1e-4` (no dot) as a string; load_config() accepts it.
            hint = " (a YAML number like 1e-4 needs a dot, 1.0e-4, for plain yaml.safe_load)"
        _fail(_join(path, key), f"must be a finite number, got {value!r}{hint}")
    return value


def _whole(spec, key, path):
    """An integer, where W&B's schema also takes a whole float (``run_cap: 5.0``)."""
    value = spec[key]
    if not is_number(value) or not float(value).is_integer():
        _fail(_join(path, key), f"must be an integer, got {value!r}")
    return int(value)


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

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
                config = yaml.load(f, Loader=ConfigLoader)
            except AliasError as e:
                _fail("", f"{config}: {e}")
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
    """The distribution W&B infers when a parameter names none (schema.json's anyOf)."""
    if "values" in spec:
        return "categorical_w_probabilities" if "probabilities" in spec else "categorical"
    if "value" in spec:
        return "constant"
    if "min" in spec and "max" in spec:
        if "q" in spec:
            _fail(f"{path}.q", "needs an explicit distribution: q_uniform or q_log_uniform_values")
        low, high = spec["min"], spec["max"]
        if all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)):
            return "int_uniform"
        return "uniform"
    if "min" in spec or "max" in spec:
        missing = "max" if "min" in spec else "min"
        _fail(f"{path}.{missing}", "is missing: a range needs both min and max")
    for key in spec:
        if key not in ALL_PARAM_KEYS:
            _fail(f"{path}.{key}", f"unknown key{_suggest(key, ALL_PARAM_KEYS)}")
    _fail(path, "needs one of: values, value, min and max, parameters, or a distribution")


def _check_probabilities(spec, path):
    values, probs = spec["values"], spec["probabilities"]
    if not isinstance(probs, list) or not probs or not all(
            is_number(p) and p >= 0 for p in probs):
        _fail(f"{path}.probabilities", f"must be a non-empty list of numbers >= 0, got {probs!r}")
    if len(probs) != len(values):
        _fail(f"{path}.probabilities", f"has {len(probs)} entries for {len(values)} values")
    if abs(sum(probs) - 1.0) > 1e-8 + 1e-5:  # numpy.isclose's default tolerance, as W&B
        _fail(f"{path}.probabilities", f"must sum to 1, got {sum(probs)}")


def _check_q_range(filled, path):
    """Warn where W&B's rounding draws a multiple of q outside [min, max]."""
    low, high, q = filled["min"], filled["max"], filled["q"]
    lowest = math.floor(low / q + 0.5 + 1e-9) * q   # round(U/q)*q at U = min
    highest = math.ceil(high / q - 0.5 - 1e-9) * q  # and at U = max
    outside = [v for v, bad in ((lowest, lowest < low - 1e-12 * max(1.0, abs(low))),
                                (highest, highest > high + 1e-12 * max(1.0, abs(high)))) if bad]
    if outside:
        _warn(path, f"{filled['distribution']} rounds each draw to a multiple of q={q}, so W&B "
                    f"(and this engine) can draw {' and '.join(f'{v:.15g}' for v in outside)}, "
                    f"outside min={low}..max={high}; make min and max multiples of q")


def _distribution(spec, path):
    """The parameter's distribution: the one it names, or the one W&B infers."""
    dist = spec.get("distribution")
    if dist is None:
        return _infer_distribution(spec, path)
    if dist not in DISTRIBUTIONS:
        current = [d for d in DISTRIBUTIONS if d not in DEPRECATED]
        _fail(f"{path}.distribution", f"unknown distribution {dist!r}"
              f"{_suggest(dist, current)}; allowed: {', '.join(current)}")
    return dist


def _filled(spec, dist, path):
    """The spec with its distribution's keys checked and W&B's defaults filled in."""
    required, optional = DISTRIBUTIONS[dist]
    _check_keys(spec, ("distribution", *required, *optional), path)
    for key in required:
        if key not in spec:
            _fail(f"{path}.{key}", f"is required by distribution {dist}")
    return {**spec, "distribution": dist,
            **{key: spec.get(key, default) for key, default in optional.items()}}


def _check_deprecated(spec, dist, path, nested):
    why = (f"{dist} is deprecated by W&B: its min and max are natural-log exponents, so "
           f"min: {spec['min']}, max: {spec['max']} draws e**{spec['min']}..e**{spec['max']} = "
           f"{math.exp(min(spec['min'], 700)):.5g}..{math.exp(min(spec['max'], 700)):.5g}. "
           f"Use {DEPRECATED[dist]} to give the values themselves")
    if not nested:
        _fail(f"{path}.distribution", why)
    _warn(f"{path}.distribution", why + " (W&B accepts it nested only)")


def _check_values(spec, dist, path):
    values = spec["values"]
    if not isinstance(values, list) or not values:
        _fail(f"{path}.values", f"must be a non-empty list, got {values!r}")
    if dist == "categorical_w_probabilities":
        _check_probabilities(spec, path)


def _check_int_range(spec, path):
    for key in ("min", "max"):
        if not isinstance(spec[key], int):
            _fail(f"{path}.{key}", f"int_uniform takes integers, got {spec[key]!r} (W&B "
                                   f"refuses {spec[key]!r} here too: write it without '.0')")


# Numbers that must be above zero, and what to say when one is not.
_POSITIVE = (("q", "must be a number > 0, got {!r}"),
             ("sigma", "must be > 0, got {!r}"),   # W&B takes sigma: 0, then draws NaN
             ("a", "must be > 0, got {!r} (W&B takes 0, then draws NaN)"),
             ("b", "must be > 0, got {!r} (W&B takes 0, then draws NaN)"))


def _check_numbers(filled, dist, path):
    """Every numeric key a finite number, ranges the right way round, scales above 0."""
    for key in ("min", "max", "mu", "q", "sigma", "a", "b"):
        if key in filled:
            _number(filled, key, path)
    if dist == "int_uniform":
        _check_int_range(filled, path)
    if "min" in filled and filled["min"] >= filled["max"]:
        _fail(f"{path}.min", f"min ({filled['min']}) must be less than max ({filled['max']})")
    if dist.endswith("_values") and filled["min"] <= 0:
        _fail(f"{path}.min", f"{dist} takes the values themselves, so min must be > 0 "
                             f"(got {filled['min']})")
    for key, message in _POSITIVE:
        if key in filled and filled[key] <= 0:
            _fail(f"{path}.{key}", message.format(filled[key]))


def _validate_parameter(spec, path, method, nested):
    """Check one parameter spec and return it with W&B's defaults filled in."""
    if not isinstance(spec, dict):
        _fail(path, f"must be a mapping such as {{value: {spec!r}}} or {{values: [...]}}, "
                    f"got {spec!r}")
    if "parameters" in spec:
        _check_keys(spec, ("parameters",), path)
        return {"parameters": _validate_parameters(spec["parameters"], f"{path}.parameters",
                                                   method, nested=True)}
    dist = _distribution(spec, path)
    filled = _filled(spec, dist, path)
    if dist in DEPRECATED:
        _check_deprecated(spec, dist, path, nested)
    if dist in ("categorical", "categorical_w_probabilities"):
        _check_values(spec, dist, path)
    _check_numbers(filled, dist, path)
    if dist in ("q_uniform", "q_log_uniform_values") and method != "grid":
        _check_q_range(filled, path)   # a grid takes np.arange(min, max, q): inside
    if method == "grid" and dist not in GRID_DISTRIBUTIONS:
        _fail(path, f"grid search cannot enumerate {dist}; use values: [...], int_uniform, "
                    f"q_uniform, or method random/bayes")
    return filled


def _validate_parameters(params, path, method, nested=False):
    if not isinstance(params, dict) or not params:
        _fail(path, "must be a non-empty mapping of parameter names to specs")
    checked = {}
    for name, spec in params.items():
        if not isinstance(name, str) or not PARAM_NAME.match(name):
            _fail(f"{path}.{name}", "a parameter name must start with a letter or _ and hold "
                                    "only letters, digits, _ . -")
        checked[name] = _validate_parameter(spec, f"{path}.{name}", method, nested)
    return checked


def _declared(params, prefix=(), where="parameters"):
    """``(dotted key, where it is declared)`` of every (nested) parameter."""
    for name, spec in params.items():
        if "parameters" in spec:
            yield from _declared(spec["parameters"], (*prefix, name), f"{where}.{name}.parameters")
        else:
            yield ".".join((*prefix, name)), f"{where}.{name}"


def _check_columns(params, metric_name):
    """Refuse two parameters that would share one results column (and one flat key)."""
    declared = list(_declared(params))
    columns = column_names((key for key, _ in declared), metric_name)
    first = {}
    for key, where in declared:
        column = columns[key]
        if column in first:
            _fail(first[column], f"and {where} would both be the results column {column!r} "
                                 f"(nested names are joined by dots; a name taken by the "
                                 f"results table gets 'config.'), so one would hide the "
                                 f"other's values: rename one")
        first[column] = where


def _validate_metric(metric):
    if not isinstance(metric, dict):
        _fail("metric", f"must be a mapping with name and goal, got {metric!r}")
    _check_keys(metric, METRIC_KEYS, "metric")
    if "name" not in metric:
        _fail("metric.name", "is required: the name of a logged metric")
    if not isinstance(metric["name"], str):   # W&B accepts an empty name
        _fail("metric.name", f"must be the name of a logged metric, got {metric['name']!r}")
    goal = metric.get("goal", "minimize")  # W&B's default
    if goal not in GOALS:
        _fail("metric.goal", f"must be minimize or maximize, got {goal!r}{_suggest(goal, GOALS)}")
    for key, allowed in (("impute", IMPUTE), ("impute_while_running", IMPUTE_WHILE_RUNNING)):
        if key in metric and metric[key] not in allowed:
            _fail(f"metric.{key}", f"must be one of {', '.join(map(repr, allowed))}, got "
                                   f"{metric[key]!r}")
    if "target" in metric:
        _number(metric, "target", "metric")
    return {**metric, "goal": goal}


def _validate_early_terminate(et):
    if not isinstance(et, dict):
        _fail("early_terminate", f"must be a mapping with type: hyperband, got {et!r}")
    _check_keys(et, EARLY_TERMINATE_KEYS, "early_terminate")
    if et.get("type") != "hyperband":
        _fail("early_terminate.type", f"must be hyperband, got {et.get('type')!r}")
    filled = {**et, "eta": et.get("eta", 3), "strict": et.get("strict", True)}
    if "max_iter" in et and "s" not in et:
        # W&B reads s whenever max_iter is there, even beside min_iter.
        _fail("early_terminate.s", "is required with max_iter (the number of bands)")
    if "min_iter" in et:
        filled["min_iter"] = _whole(et, "min_iter", "early_terminate")
        if filled["min_iter"] < 1:
            _fail("early_terminate.min_iter", f"must be >= 1, got {et['min_iter']!r}")
    elif "max_iter" not in et:
        _fail("early_terminate.min_iter", "hyperband needs min_iter, or max_iter and s")
    if "max_iter" in et:
        filled["max_iter"] = _whole(et, "max_iter", "early_terminate")
        # W&B's schema takes any number for s, then its engine calls range(s).
        if isinstance(et["s"], bool) or not isinstance(et["s"], int):
            _fail("early_terminate.s", f"must be an integer (W&B's engine crashes on "
                                       f"{et['s']!r})")
    elif "s" in et and not is_number(et["s"]):
        _fail("early_terminate.s", f"must be a number, got {et['s']!r}")
    if not is_number(filled["eta"]) or filled["eta"] <= 1:
        _fail("early_terminate.eta", f"must be a number > 1, got {filled['eta']!r}")
    if not isinstance(filled["strict"], bool):
        _fail("early_terminate.strict", f"must be true or false, got {filled['strict']!r}")
    if not hyperband_brackets(filled):
        _fail("early_terminate.max_iter", f"max_iter={filled['max_iter']} with s={filled['s']} "
                                          f"and eta={filled['eta']} leaves no band to stop at "
                                          f"(W&B's engine would fail): raise max_iter or s")
    return filled


def _validate_top_level(config):
    for key in config:
        if key in LAUNCH_KEYS:
            _fail(key, "is a W&B Launch key (it launches jobs from W&B's servers); the local "
                       "controller runs your train function instead: remove it, or run with "
                       "WANDB_MODE=online")
        if key == "metrics":
            _fail(key, "multi-objective sweeps need W&B's custom method; give one metric: "
                       "{name: ..., goal: ...}")
        if key not in TOP_LEVEL_KEYS:
            _fail(key, f"unknown key{_suggest(key, TOP_LEVEL_KEYS)}; allowed: "
                       f"{', '.join(TOP_LEVEL_KEYS)}")
    for key in STRING_KEYS:
        if key in config and not isinstance(config[key], str):
            _fail(key, f"must be a string, got {config[key]!r}")
    if "kind" in config and config["kind"] != "sweep":
        _fail("kind", f"must be sweep, got {config['kind']!r}")
    if "command" in config and not isinstance(config["command"], list):
        _fail("command", f"must be a list such as [python, train.py, ${{args}}], got "
                         f"{config['command']!r}")
    if "controller" in config:
        controller = config["controller"]
        if not isinstance(controller, dict) or controller.get("type") not in ("local", "cloud"):
            _fail("controller.type", f"must be local or cloud, got {controller!r}")


def validate_config(config):
    """Check a W&B sweep config and return it normalised for the local controller.

    Verdicts follow W&B's own sweep engine (``sweeps`` 0.3.0), except where W&B accepts
    a config and then crashes or draws outside the declared range (see the module
    docstring for each case). ``kind``, ``apiVersion``, ``controller``, ``command`` and
    ``impute*`` are accepted and have no effect offline (there is only the local
    controller, which runs ``train()`` itself).

    Parameters
    ----------
    config : dict or str or Path
        A sweep configuration as W&B documents it, or a YAML file holding one.

    Returns
    -------
    dict
        The same config with W&B's defaults filled in: every parameter names its
        ``distribution`` (inferred as W&B does) and its defaults (``q: 1.0``, ``mu``,
        ``sigma``, ``a``, ``b``); ``metric.goal``, ``early_terminate.eta`` and
        ``strict`` are set; ``run_cap`` and ``min_iter`` are ints.

    Raises
    ------
    SweepConfigError
        With the offending key path (e.g. ``parameters.lr.min``) and what is allowed.

    Warns
    -----
    SweepConfigWarning
        For configs that run but likely not as meant (a nested deprecated ``log_uniform``,
        a ``q_uniform`` whose draws can fall outside ``[min, max]``), naming the key.
    """
    config = load_config(config)
    method = config.get("method")
    if method is None:
        _fail("method", f"is required: one of {', '.join(METHODS)}")
    if method not in METHODS:
        online = " (custom needs W&B's servers and a scheduler)" if method == "custom" else ""
        _fail("method", f"unknown method {method!r}{_suggest(method, METHODS)}; allowed: "
                        f"{', '.join(METHODS)}{online}")
    _validate_top_level(config)
    if "parameters" not in config:
        _fail("parameters", "is required: the hyperparameters to search")
    filled = {**config, "parameters": _validate_parameters(config["parameters"], "parameters",
                                                           method)}
    if "metric" in config:
        filled["metric"] = _validate_metric(config["metric"])
    elif method == "bayes":
        _fail("metric", "bayes search needs a metric to optimise: metric: {name: ..., goal: ...}")
    _check_columns(filled["parameters"], filled.get("metric", {}).get("name"))
    if "run_cap" in config:
        filled["run_cap"] = _whole(config, "run_cap", "")
        if filled["run_cap"] <= 0:
            _fail("run_cap", f"must be a positive integer, got {config['run_cap']!r}")
    if "early_terminate" in config:
        if "metric" not in config:
            _fail("metric", "early_terminate needs a metric to compare runs by")
        filled["early_terminate"] = _validate_early_terminate(config["early_terminate"])
    if method == "grid":
        size = grid_total(filled["parameters"], stop_above=MAX_GRID_POINTS)
        if size > MAX_GRID_POINTS:
            _fail("parameters", f"the grid has too many points ({size:.3g}, more than "
                                f"{MAX_GRID_POINTS}); use random or bayes search")
    return filled

