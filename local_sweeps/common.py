"""The small pieces several modules of the engine share: numbers, key paths, grid counts.

A number here is what W&B's engine, reading JSON, takes for one: a real number that is
not a bool, in whatever type ``train()`` logged it (``float``, ``np.float32``,
``np.int64``, a 0-d array). A key path is a parameter's place in a nested config,
``("optimizer", "lr")``; its results column joins it with dots, ``optimizer.lr``.
"""

from __future__ import annotations

import json
import math
import numbers

# The results table's own columns, besides the metric and one column per parameter.
FIXED_COLUMNS = ("trial", "run_id", "state", "epochs", "steps", "runtime", "start", "end",
                 "error")


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------

def as_number(value):
    """``value`` as a Python int or float if it is a real number (not a bool), else None.

    numpy scalars and 0-d arrays count, as W&B counts them once they are logged.
    """
    if getattr(value, "shape", None) == () and hasattr(value, "item"):
        value = value.item()   # np.float32(0.5), np.array(0.5) -> 0.5; np.bool_ -> bool
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return value if isinstance(value, (int, float)) else float(value)


def is_number(value):
    """Whether ``value`` is a real number, not a bool (a config's ``min``, a run's metric)."""
    return as_number(value) is not None


def finite_number(value):
    """``value`` as a float if it is a finite real number (what hyperband counts), else None."""
    number = as_number(value)
    return float(number) if number is not None and math.isfinite(number) else None


# ---------------------------------------------------------------------------
# Key paths: nested configs and their flat, dotted form
# ---------------------------------------------------------------------------

def nest(pairs):
    """A nested dict from ``(key path, value)`` pairs: ``(("a", "b"), 1)`` -> ``{"a": {"b": 1}}``."""
    values = {}
    for path, value in pairs:
        node = values
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return values


def flatten(config, prefix=()):
    """``(key path, value)`` pairs of a nested dict's leaves, in its order."""
    for key, value in config.items():
        if isinstance(value, dict):
            yield from flatten(value, (*prefix, key))
        else:
            yield (*prefix, key), value


def pull(config, path):
    """The value at a key path in a nested config, or None where the path is missing."""
    for part in path:
        if not isinstance(config, dict) or part not in config:
            return None
        config = config[part]
    return config


def column_names(keys, metric_name):
    """Each parameter's results column: its dotted key, or ``config.<key>`` where that
    key is already a fixed column or the metric's name (``epochs`` -> ``config.epochs``)."""
    taken = set(FIXED_COLUMNS) | {metric_name}
    return {key: f"config.{key}" if key in taken else key for key in keys}


# ---------------------------------------------------------------------------
# Grid arithmetic (config.py refuses huge grids, space.py lists them: one count)
# ---------------------------------------------------------------------------

_ENCODER = json.JSONEncoder(sort_keys=True)   # one encoder: json.dumps(sort_keys=) builds one a call


def value_key(value):
    """The identity W&B's grid gives a value (grid_search.py's ``yaml_hash``).

    A whole float at the top counts as its int (``1.0`` is ``1``), but ``True`` is not
    ``1`` and ``[1.0]`` is not ``[1]``.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return ("number", value)
    if isinstance(value, str):
        return ("str", value)
    return ("json", _ENCODER.encode(value))


def unique_values(values):
    """A values list as W&B's grid takes it: first position of each value, last spelling.

    W&B hashes every value and maps a hash to the last value that had it, so
    ``[1, 1.0, True]`` gives the points ``1.0`` and ``True``. Linear in the list length.
    """
    last = {}
    for v in values:
        last[value_key(v)] = v   # dicts keep first-insertion order, the value updates
    return list(last.values())


def q_grid_size(spec):
    """How many points W&B's grid takes from a q_uniform: ``len(np.arange(min, max, q))``."""
    low, high, q = spec["min"], spec["max"], spec["q"]
    if all(isinstance(v, int) for v in (low, high, q)):
        return max(0, -((low - high) // q))
    return max(0, math.ceil((high - low) / q))


def grid_size(spec):
    """The number of grid values of one validated parameter spec, counted, not listed."""
    kind = spec["distribution"]
    if kind == "constant":
        return 1
    if kind == "categorical":
        return len({value_key(v) for v in spec["values"]})
    if kind == "int_uniform":
        return spec["max"] - spec["min"] + 1
    return q_grid_size(spec)


def grid_total(params, stop_above=math.inf):
    """A grid's size over validated (possibly nested) parameters, multiplied out.

    Stops as soon as the product passes ``stop_above``, so a huge grid costs nothing.
    """
    size = 1
    for spec in params.values():
        size *= (grid_total(spec["parameters"], stop_above) if "parameters" in spec
                 else grid_size(spec))
        if size > stop_above:
            return size
    return size
