"""series_results: what 04 and 05 record for 06, kept per section, written atomically."""

import json
import math

import pytest

from series_results import read_results, record_results, verdict_record
from verdicts import Interval


def test_sections_are_kept_and_verdicts_replaced_per_notebook(tmp_path):
    path = tmp_path / "series_results.json"
    gap = Interval("median gap", 0.01, 0.002, 0.02, 30, 100, " points")
    record_results("sweeps", {"random": "abc12345"}, path)
    record_results("verdicts", [verdict_record("a", gap, "holds", "04", source="post"),
                                verdict_record("b", gap, "holds", "04", source="post")], path)
    record_results("verdicts", [verdict_record("c", gap, "cannot tell", "05", source="series")], path)
    record_results("verdicts", [verdict_record("a2", gap, "does not hold", "04", source="post")], path)
    record_results("sweeps", {"bayes": "xyz98765"}, path)
    results = read_results(path)
    assert results["sweeps"] == {"random": "abc12345", "bayes": "xyz98765"}
    assert [(v["notebook"], v["claim"]) for v in results["verdicts"]] == [("05", "c"), ("04", "a2")]
    assert results["verdicts"][1]["low"] == 0.002 and results["verdicts"][1]["verdict"] == "does not hold"
    assert [v["source"] for v in results["verdicts"]] == ["series", "post"]


def test_a_verdict_says_whose_claim_it_tests():
    gap = Interval("median gap", 0.01, 0.002, 0.02, 30, 100, " points")
    with pytest.raises(ValueError, match="source must be one of 'post', 'series'.*got 'blog'"):
        verdict_record("a", gap, "holds", "04", source="blog")


def test_a_constant_sample_records_its_missing_interval_as_null(tmp_path):
    path = tmp_path / "r.json"
    record_results("verdicts", [verdict_record("x", Interval("rho", math.nan, math.nan, math.nan, 4),
                                               "cannot tell", "04", source="post")], path)
    assert json.loads(path.read_text())["verdicts"][0]["low"] is None


def test_unknown_section_missing_or_damaged_file_are_named(tmp_path):
    with pytest.raises(ValueError, match="unknown section 'plots'.*sweeps, verdicts, final"):
        record_results("plots", {}, tmp_path / "r.json")
    with pytest.raises(FileNotFoundError, match="notebooks 04 and 05 write it"):
        read_results(tmp_path / "r.json")
    (tmp_path / "r.json").write_text("{not json")
    with pytest.raises(ValueError, match="damaged"):
        read_results(tmp_path / "r.json")
    (tmp_path / "r.json").write_text('{"final": {}, "other": 1}')
    with pytest.raises(ValueError, match="not a series results file"):
        read_results(tmp_path / "r.json")


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "r.json"
    record_results("final", {"test_acc": 0.98}, path)
    with pytest.raises(TypeError):
        record_results("final", {"test_acc": object()}, path)  # not JSON: fails before writing
    assert read_results(path)["final"] == {"test_acc": 0.98}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
