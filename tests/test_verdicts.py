"""The one verdict rule and its intervals, on planted data whose answer is known."""

import math

import numpy as np
import pytest

import verdicts as v


def planted(rng, n, slope):
    """n runs whose metric moves with x by ``slope`` plus noise of unit size."""
    x = rng.uniform(0, 1, n)
    return x, slope * x + rng.normal(0, 0.3, n)


@pytest.mark.parametrize(("slope", "expected"), [(0.0, v.UNSURE), (2.0, v.HOLDS), (-2.0, v.FAILS)])
def test_a_planted_trend_over_20_runs_gets_its_verdict(slope, expected):
    x, y = planted(np.random.default_rng(1), 20, slope)
    assert v.decide(v.spearman_interval(x, y)) == expected


@pytest.mark.parametrize(("shift", "expected"), [(0.0, v.UNSURE), (0.05, v.HOLDS), (-0.05, v.FAILS)])
def test_a_planted_gap_between_two_groups_of_10_gets_its_verdict(shift, expected):
    rng = np.random.default_rng(2)
    a, b = 0.9 + shift + rng.normal(0, 0.01, 10), 0.9 + rng.normal(0, 0.01, 10)
    gap = v.median_gap_interval(a, b)
    assert v.decide(gap) == expected
    assert gap.low <= gap.estimate <= gap.high


def test_a_claim_for_smaller_values_is_the_same_rule_with_the_sign_flipped():
    x, y = planted(np.random.default_rng(3), 20, -2.0)
    flipped = v.spearman_interval(x, y, sign=-1)
    assert v.decide(flipped) == v.HOLDS
    assert flipped.estimate == pytest.approx(-v.spearman_interval(x, y).estimate)


def test_the_spearman_interval_is_fisher_z_on_the_ranks():
    x, y = planted(np.random.default_rng(4), 21, 0.3)
    ci = v.spearman_interval(x, y)
    r = np.corrcoef(np.argsort(np.argsort(x)), np.argsort(np.argsort(y)))[0, 1]
    half = 1.959964 / math.sqrt(21 - 3)
    assert ci.estimate == pytest.approx(r)
    z = math.atanh(r)
    assert (ci.low, ci.high) == pytest.approx((math.tanh(z - half), math.tanh(z + half)))


def test_the_issue_example_minus_0_18_over_21_runs_is_cannot_tell():
    # A Spearman of -0.18 over 21 runs spans about -0.58 to +0.29: it cannot say "does not hold".
    rng = np.random.default_rng(0)
    for _ in range(200):
        x, y = rng.permutation(21), rng.permutation(21)
        ci = v.spearman_interval(x, y)
        if abs(ci.estimate + 0.18) < 0.01:
            break
    assert ci.low == pytest.approx(-0.58, abs=0.03) and ci.high == pytest.approx(0.29, abs=0.03)
    assert v.decide(ci) == v.UNSURE


def test_too_few_runs_cannot_tell_whatever_the_interval():
    narrow = v.Interval("x", 1.0, 0.9, 1.1, n=4)
    assert v.decide(narrow) == v.UNSURE
    assert v.decide(narrow, min_runs=3) == v.HOLDS
    assert v.decide(v.Interval("x", 1.0, 0.9, 1.1, n=40), n_smallest=2) == v.UNSURE


def test_runs_to_decide_scales_with_the_squared_ratio_of_half_width_to_estimate():
    assert v.runs_to_decide(v.Interval("x", 0.1, -0.1, 0.3, n=20)) == 80
    assert v.runs_to_decide(v.Interval("x", 0.0, -0.1, 0.1, n=20)) is None


def test_no_printed_end_contradicts_the_verdict():
    # one number of decimals for all three, as many as the end nearest zero needs
    assert v.format_interval(0.01, 0.0004, 0.02) == ("+0.0100", "+0.0004", "+0.0200")
    assert v.format_interval(0.2977, 0.1, 0.5) == ("+0.30", "+0.10", "+0.50")
    assert v.format_interval(0.2977, -0.003, 0.5) == ("+0.298", "-0.003", "+0.500")
    assert v.format_interval(-0.001, -0.00002, 0.0, scale=100) == ("-0.100", "-0.002", "+0.000")


def test_paired_gap_counts_the_digits_the_models_disagree_on():
    truth_a = np.array([True] * 9_850 + [False] * 150)
    truth_b = truth_a.copy()
    truth_b[:100] = False  # b misses 100 digits that a gets right ...
    truth_b[9_850:9_870] = True  # ... and gets 20 right that a misses
    gap = v.paired_gap(truth_a, truth_b)
    assert (gap.only_first, gap.only_second, gap.total) == (100, 20, 10_000)
    assert gap.interval.estimate == pytest.approx(0.008)
    assert 0 < gap.interval.low < 0.008 < gap.interval.high
    assert gap.p_value < 1e-10
    assert v.decide(gap.interval) == v.HOLDS
    even = v.paired_gap(truth_a, truth_a)
    assert even.interval.estimate == 0 and v.decide(even.interval) == v.UNSURE


def test_paired_gap_refuses_arrays_of_different_lengths():
    with pytest.raises(ValueError, match="one length"):
        v.paired_gap(np.ones(3, bool), np.ones(4, bool))


def test_accuracy_interval_is_exact_binomial():
    acc, low, high = v.accuracy_interval(9_840, 10_000)
    assert acc == 0.984 and 0.981 < low < 0.984 < high < 0.987
