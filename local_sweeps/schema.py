"""What a W&B sweep config may contain: its keys, methods and distributions (W&B's schema.json).

The tables ``config.py`` validates against, kept apart from the checks themselves. The
reference is W&B's own sweep engine, the PyPI package ``sweeps`` 0.3.0.
"""

from __future__ import annotations

import re

METHODS = ("grid", "random", "bayes")
GOALS = ("minimize", "maximize")
IMPUTE = ("latest", "best", "worst")
IMPUTE_WHILE_RUNNING = ("latest", "best", "worst", "false")  # "false" is a string in W&B

STRING_KEYS = ("name", "description", "program", "project", "entity", "apiVersion")
TOP_LEVEL_KEYS = ("method", "metric", "parameters", "run_cap", "early_terminate",
                  "command", "kind", "controller") + STRING_KEYS
# W&B Launch keys: they name a job to launch, which only W&B's servers can do.
LAUNCH_KEYS = ("job", "image_uri", "scheduler")
METRIC_KEYS = ("name", "goal", "target", "impute", "impute_while_running")
EARLY_TERMINATE_KEYS = ("type", "min_iter", "max_iter", "s", "eta", "strict")

# Each distribution's keys besides `distribution`: required ones, then optional ones
# with W&B's defaults (schema.json, types kept: W&B fills q_normal's mu as 0, normal's as 0.0).
DISTRIBUTIONS = {
    "constant": (("value",), {}),
    "categorical": (("values",), {}),
    "categorical_w_probabilities": (("values", "probabilities"), {}),
    "int_uniform": (("min", "max"), {}),
    "uniform": (("min", "max"), {}),
    "q_uniform": (("min", "max"), {"q": 1.0}),
    "log_uniform_values": (("min", "max"), {}),
    "q_log_uniform_values": (("min", "max"), {"q": 1.0}),
    "inv_log_uniform_values": (("min", "max"), {}),
    "normal": ((), {"mu": 0.0, "sigma": 1.0}),
    "q_normal": ((), {"mu": 0, "sigma": 1, "q": 1.0}),
    "log_normal": ((), {"mu": 0.0, "sigma": 1.0}),
    "q_log_normal": ((), {"mu": 0, "sigma": 1, "q": 1.0}),
    "beta": ((), {"a": 1, "b": 1}),
    "q_beta": ((), {"a": 1, "b": 1, "q": 1.0}),
    # Deprecated by W&B (min/max are natural logs): refused at the top level as W&B does.
    "log_uniform": (("min", "max"), {}),
    "inv_log_uniform": (("min", "max"), {}),
    "q_log_uniform": (("min", "max"), {"q": 1.0}),
}
DEPRECATED = {"log_uniform": "log_uniform_values", "inv_log_uniform": "inv_log_uniform_values",
              "q_log_uniform": "q_log_uniform_values"}
# Grid search enumerates these only, as W&B's grid_search.py does.
GRID_DISTRIBUTIONS = ("constant", "categorical", "int_uniform", "q_uniform")
# A grid is enumerated up front; past this size it is surely a mistake.
MAX_GRID_POINTS = 100_000

PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")  # W&B's schema pattern
ALL_PARAM_KEYS = sorted({k for req, opt in DISTRIBUTIONS.values() for k in (*req, *opt)}
                         | {"distribution", "parameters"})
