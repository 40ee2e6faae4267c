"""What the series found, kept between notebooks: the verdicts of 04 and 05, the final model.

Notebooks 04 and 05 record their results here as they compute them; notebook 06 reads
them back to write the report, so the report says exactly what the notebooks printed.
The file is plain JSON beside the notebooks (``series_results.json``, not committed:
every run of the series writes its own).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

RESULTS_FILE = "series_results.json"
SECTIONS = ("sweeps", "verdicts", "final")


SOURCES = {"post": "the original post", "series": "this series"}  # whose claim a verdict tests


def verdict_record(claim, interval, verdict, notebook, *, source):
    """One verdict as a plain dict: the claim, its signed estimate, 95% interval and verdict.

    Parameters
    ----------
    claim : str
        The claim as the notebook prints it.
    interval : verdicts.Interval
    verdict : str
        What ``verdicts.decide`` said.
    notebook : str
        Where it was printed, such as ``"04"``.
    source : {"post", "series"}
        Whose claim it is: one of the original post's findings, or a question this series
        asks of its own (a second hidden layer, bayes against random, the payoff).
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(map(repr, SOURCES))} (whose claim it is), "
                         f"got {source!r}")

    def number(v):
        return None if not math.isfinite(v) else float(v)

    return {"notebook": notebook, "claim": claim, "what": interval.what,
            "estimate": number(interval.estimate), "low": number(interval.low),
            "high": number(interval.high), "n": int(interval.n), "scale": interval.scale,
            "unit": interval.unit, "verdict": verdict, "source": source}


def record_results(section, value, path=RESULTS_FILE):
    """Store ``value`` under ``section``, keeping the other sections; written atomically.

    For ``"verdicts"``, ``value`` is a list of ``verdict_record`` dicts from one notebook:
    they replace that notebook's earlier verdicts and keep the others'.

    Parameters
    ----------
    section : {"sweeps", "verdicts", "final"}
    value : dict or list
        Anything JSON can hold.
    path : str or Path
    """
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}: the sections are {', '.join(SECTIONS)}")
    path = Path(path)
    results = read_results(path) if path.exists() else {}
    if section == "verdicts":
        notebooks = {v["notebook"] for v in value}
        value = [v for v in results.get("verdicts", []) if v["notebook"] not in notebooks] + list(value)
    elif section == "sweeps":
        value = {**results.get("sweeps", {}), **value}
    results[section] = value
    text = json.dumps(results, indent=2, allow_nan=False)  # NaN is not JSON: record None instead
    # A temporary file renamed over the old one: a crash never leaves half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_results(path=RESULTS_FILE):
    """The recorded results as a dict, or an error saying which notebooks write them.

    Raises
    ------
    FileNotFoundError
        No results yet: run notebooks 04 and 05 first.
    ValueError
        The file is not the JSON this module writes.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no {path.name} here: notebooks 04 and 05 write it as they run; "
                                "run them first (in this folder)")
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path.name} is damaged ({err}); "
                         "run notebooks 04 and 05 again to rewrite it") from None
    if not isinstance(results, dict) or not set(results) <= set(SECTIONS):
        raise ValueError(f"{path.name} is not a series results file: its top level must hold only "
                         f"{', '.join(SECTIONS)}")
    return results
