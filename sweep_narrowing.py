"""Narrowing a search space from a sweep's best runs: the next sweep's config, with reasons.

``narrow_config`` is the rule (keep the categorical values the best runs used; shrink each
range around theirs, within the original range); ``narrow_for_bayes`` applies it to the
random sweep for notebook 05's bayes sweep. Both return the sentences that say what was
narrowed and from which numbers, so a notebook prints the rule with the config.
"""

from __future__ import annotations

import math

import numpy as np

from local_sweeps.config import load_config, validate_config
from local_sweeps.space import flatten_parameters
from local_sweeps.tables import FIXED_COLUMNS
from sweep_tables import ranked_runs, without_unused_layer

__all__ = ["narrow_config", "narrow_for_bayes"]

# Range distributions narrow_config can narrow; the log ones are narrowed in log space.
_LOG_RANGES = ("log_uniform", "log_uniform_values", "q_log_uniform_values",
               "inv_log_uniform_values")
_RANGES = ("int_uniform", "uniform", "q_uniform") + _LOG_RANGES


def _fmt(values):
    return ", ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in values)


def _round_out(x, down, digits=2):
    """x rounded to ``digits`` significant figures away from the range's middle."""
    if x == 0:
        return 0.0
    scale = 10.0 ** (math.floor(math.log10(abs(x))) - digits + 1)
    return float(f"{(math.floor if down else math.ceil)(x / scale) * scale:.{digits}g}")


def _same(a, b):
    """Config value equality, as the table stores it (128 == 128.0), but True != 1."""
    if isinstance(a, (bool, np.bool_)) != isinstance(b, (bool, np.bool_)):
        return False
    return bool(np.all(a == b)) if not isinstance(a, (list, dict)) else a == b


def _narrow_range(param, values, margin):
    """A range spec around ``values`` (of the best runs), and the sentence saying so."""
    spec, kind = param.spec, param.kind
    log = kind in _LOG_RANGES
    # Work where the distribution is uniform: log space for log distributions.
    to_space = math.log if log else float
    low_b, high_b = ((spec["min"], spec["max"]) if kind == "log_uniform"
                     else (to_space(spec["min"]), to_space(spec["max"])))
    seen = [to_space(v) for v in values]
    # A floor on the margin, so best runs that agree on one value still leave room to search.
    floor = 0.1 * (high_b - low_b)
    pad = max(margin * (max(seen) - min(seen)), floor)
    low, high = max(low_b, min(seen) - pad), min(high_b, max(seen) + pad)
    if kind != "log_uniform":  # log_uniform's min and max are natural logs; the rest values
        low, high = (math.exp(low), math.exp(high)) if log else (low, high)
    if kind == "int_uniform":
        low, high = math.floor(low), math.ceil(high)
    elif kind.startswith("q_"):
        q = spec.get("q", 1.0)
        low, high = math.floor(low / q) * q, math.ceil(high / q) * q
        if isinstance(q, int):
            low, high = int(low), int(high)
        else:
            low, high = float(f"{low:.12g}"), float(f"{high:.12g}")
    else:
        low, high = _round_out(low, down=True), _round_out(high, down=False)
    low, high = max(low, spec["min"]), min(high, spec["max"])
    new = {"distribution": kind, "min": low, "max": high}
    if "q" in spec:
        new["q"] = spec["q"]
    shown = (lambda v: math.exp(v)) if kind == "log_uniform" else (lambda v: v)
    was = f"{_fmt([shown(spec['min'])])} to {_fmt([shown(spec['max'])])}"
    used = f"{_fmt([min(values)])} to {_fmt([max(values)])}"
    if (low, high) == (spec["min"], spec["max"]):
        return None, f"{param.key}: kept {was}; the best runs used {used}."
    return new, (f"{param.key}: {was} narrowed to {_fmt([shown(low)])} to {_fmt([shown(high)])}"
                 f"; the best runs used {used} (widened by "
                 f"{f'{margin:.0%} of that span' if pad > floor else 'a tenth of the original range'}"
                 f"{' in log space' if log else ''}, within the original range).")


def narrow_config(config, df, goal=None, top=5, method="bayes", margin=0.25, min_runs=3):
    """A narrower sweep config around the best trials, and the reasons, in sentences.

    Categorical parameters keep only the values the ``top`` best finished trials used (a
    single one becomes ``value:``); ranges shrink to the span of the best trials' values,
    widened by ``margin`` of that span (in log space for log distributions; at least a
    tenth of the original range), kept inside the original range, with the original
    distribution (ints and multiples of ``q`` stay so). A parameter that fewer than
    ``min_runs`` of the best trials have a value for (Net1's blanked second layer, see
    ``without_unused_layer``) is kept as it was: one or two runs are too few to narrow
    on. Constants, the metric, ``early_terminate`` and ``run_cap`` are kept; ``method``
    is replaced and ``name`` gets ``-narrowed``.

    Parameters
    ----------
    config : dict or str or Path
        The sweep config that produced ``df`` (W&B's format), or its YAML file. Not modified.
    df : pandas.DataFrame
        Its results table.
    goal : str, optional
        ``"maximize"`` or ``"minimize"``; by default the config's ``metric.goal``.
    top : int
        How many of the best finished trials define the new space.
    method : str
        The new search method.
    margin : float
        Widening on each side, as a share of the best runs' span.
    min_runs : int
        The fewest best trials with a value for a parameter that may narrow it.

    Returns
    -------
    new_config : dict
        Valid for ``wandb.sweep`` and the local controller (checked before returning).
    reasons : list of str
        What was narrowed and why, from the data.

    Raises
    ------
    ValueError
        With no finished trial to rank; ``SweepConfigError`` (a ValueError)
        if the result is not a valid config, e.g. ``method="grid"`` with a continuous range.
    """
    new = load_config(config)  # a deep copy: the caller's dict stays as it was
    filled = validate_config(new)
    metric = (filled.get("metric") or {}).get("name")
    if metric is None:
        raise ValueError("narrow_config ranks trials by the config's metric, and it has none")
    goal = goal or filled["metric"]["goal"]
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    finished = ranked_runs(df, metric, goal)
    best = finished.head(top)
    if best.empty:
        raise ValueError(f"no finished trial with a {metric!r} value to narrow the search from")
    scores = best[metric].astype(float)
    reasons = [f"From the {len(best)} best of {len(finished)} finished trials by {metric} "
               f"({goal}), which scored {_fmt([scores.min()])} to {_fmt([scores.max()])}.",
               f"method: {filled['method']} -> {method}."]
    new["method"] = method
    new["name"] = f"{new.get('name', 'sweep')}-narrowed"
    taken = set(FIXED_COLUMNS) | {metric}  # results_frame renames these parameter columns
    for param in flatten_parameters(filled):
        column = f"config.{param.key}" if param.key in taken else param.key
        spec = None
        if param.kind == "constant":
            continue
        have = int(best[column].notna().sum()) if column in best.columns else 0  # runs with a value
        if column not in best.columns:
            reasons.append(f"{param.key}: not in the results table; kept as it was.")
        elif have < min_runs:
            reasons.append(f"{param.key}: kept as it was; only {have} of the "
                           f"{len(best)} best runs have a value for it, too few to narrow on "
                           f"(at least {min_runs}).")
        elif param.kind == "categorical":
            values = param.spec["values"]
            chosen = [any(_same(v, s) for s in best[column]) for v in values]
            used = [v for v, c in zip(values, chosen, strict=True) if c]
            dropped = [v for v, c in zip(values, chosen, strict=True) if not c]
            if not used or not dropped:
                reasons.append(f"{param.key}: kept {_fmt(values)}; the best runs used "
                               f"{'all of them' if used else 'none of them'}.")
            else:
                spec = {"value": used[0]} if len(used) == 1 else {"values": used}
                whose = ("the best runs" if have == len(best)
                         else f"the {have} of the best runs that have one")
                reasons.append(f"{param.key}: {'fixed to' if len(used) == 1 else 'kept'} "
                               f"{_fmt(used)}, the values of {whose}; dropped "
                               f"{_fmt(dropped)}.")
        elif param.kind in _RANGES:
            values = best[column].dropna().astype(float).tolist()
            spec, reason = (_narrow_range(param, values, margin) if values else
                            (None, f"{param.key}: no values among the best runs; kept."))
            reasons.append(reason)
        if spec is not None:
            node = new["parameters"]
            for part in param.path[:-1]:
                node = node[part]["parameters"]
            node[param.path[-1]] = spec
    constants = [f"{p.key}={p.spec['value']}" for p in flatten_parameters(filled)
                 if p.kind == "constant"]
    if constants:
        reasons.append(f"Constants kept: {', '.join(constants)}.")
    validate_config(new)  # fail here rather than at wandb.sweep
    return new, reasons



def narrow_for_bayes(config, df, template, top=5, margin=0.25):
    """The bayes sweep's config: ``template`` with a space narrowed around the ``top`` best runs.

    The rule is ``narrow_config``'s (keep the categorical values the best runs used;
    shrink ranges around theirs), applied after blanking Net1's unused ``hidden_size2``
    (``without_unused_layer``). Then ``epochs`` is fixed at the narrowed range's
    largest value: every run may train that long, and the template's early termination
    decides how long each really does. Name, method, metric, ``early_terminate`` and
    ``run_cap`` come from ``template``.

    Parameters
    ----------
    config : dict or str or Path
        The random sweep's config (or YAML file).
    df : pandas.DataFrame
        Its results table.
    template : dict or str or Path
        The bayes config (or YAML file) whose parameters are replaced.

    Returns
    -------
    new_config : dict
        A valid sweep config.
    reasons : list of str
        The rule, parameter by parameter, with the numbers it came from.
    """
    template = load_config(template)
    narrowed, reasons = narrow_config(config, without_unused_layer(df), top=top,
                                      method=template["method"], margin=margin)
    epochs = narrowed["parameters"].get("epochs")
    if epochs is not None and "max" in epochs:
        narrowed["parameters"]["epochs"] = {"value": int(epochs["max"])}
        reasons.append(f"epochs: fixed at {int(epochs['max'])}, the narrowed range's largest value; "
                       "early termination decides how many each run really trains.")
    new = {k: v for k, v in template.items() if k != "parameters"}
    new["parameters"] = narrowed["parameters"]
    validate_config(new)
    return new, reasons


