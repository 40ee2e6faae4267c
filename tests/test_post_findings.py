"""The original post's findings (post_findings) on tables with planted structure.

Each check kind gets three planted tables of 20 runs, built here from a known rule: no
effect (the verdict must be "cannot tell"), a clear effect in the claimed direction
("holds") and a clear effect the other way ("does not hold"). The expected verdict follows
from what was planted, never from running the code under test.
"""

import numpy as np
import pandas as pd
import pytest
from results_tables import post_table

import post_findings as pf

N = 20
RUNS = np.arange(N)


def runs(**columns):
    """A finished-runs table of N rows with these columns (val_acc among them)."""
    return pd.DataFrame({"trial": RUNS, "run_id": [f"r{i}" for i in RUNS], "state": "finished",
                         **columns})


def noise(sd=0.003, seed=0):
    return np.random.default_rng(seed).normal(0, sd, N)


def test_spearman_is_rank_based_and_nan_when_constant():
    x = [1, 2, 3, 4, 1000]
    assert pf.spearman(x, [1, 4, 9, 16, 25]) == pytest.approx(1.0)  # monotone, not linear
    assert pf.spearman(x, [5, 4, 3, 2, 1]) == pytest.approx(-1.0)
    assert np.isnan(pf.spearman([1, 1, 1, 1], [1, 2, 3, 4]))
    with pytest.raises(ValueError, match="one length"):
        pf.spearman([1, 2, 3], [1, 2])


# --- rank_trend: a trend along a parameter -----------------------------------------------

LR = 1e-4 * 1000 ** (RUNS / (N - 1))  # 1e-4 .. 1e-1, one run per step


def test_rank_trend_null_clear_and_opposite():
    # No trend: a V along lr, symmetric about the middle run, so the rank correlation is 0.
    null = runs(lr=LR, val_acc=0.9 + 0.002 * np.abs(RUNS - (N - 1) / 2))
    verdict = pf.rank_trend(null, "lr", "val_acc")
    assert verdict.verdict == pf.UNSURE and verdict.interval.estimate == pytest.approx(0, abs=1e-12)
    assert "peaks in the middle" in verdict.numbers["shape"] or "dips" in verdict.numbers["shape"]
    rising = runs(lr=LR, val_acc=0.9 + 0.002 * RUNS + noise())  # 0.002 a step, noise 0.003
    assert pf.rank_trend(rising, "lr", "val_acc").verdict == pf.HOLDS
    assert pf.rank_trend(rising, "lr", "val_acc", direction=-1).verdict == pf.FAILS
    # The goal flips what "better" means: for a metric to minimize, rising is worse.
    assert pf.rank_trend(rising, "lr", "val_acc", goal="minimize").verdict == pf.FAILS


def test_rank_trend_calls_lined_up_medians_no_trend_when_rho_interval_holds_zero():
    # Three batch sizes whose medians fall (0.70, 0.65, 0.60) in runs spread over 0.2 to 0.95:
    # the medians line up, but rank correlation over 20 runs cannot tell that from noise.
    batch = np.repeat([64, 128, 256], [7, 7, 6])
    acc = np.array([0.95, 0.50, 0.90, 0.20, 0.80, 0.60, 0.70,
                    0.93, 0.30, 0.85, 0.65, 0.40, 0.90, 0.55,
                    0.94, 0.25, 0.60, 0.88, 0.35, 0.60])
    verdict = pf.rank_trend(runs(batch_size=batch, val_acc=acc), "batch_size", "val_acc")
    assert verdict.interval.low < 0 < verdict.interval.high  # the planted table is what it says
    assert verdict.numbers["medians"] == pytest.approx([0.70, 0.65, 0.60])
    assert verdict.numbers["shape"] == "falls"
    assert verdict.evidence.endswith("(falls); rho's 95% interval includes 0, so the runs do not "
                                     "confirm that trend")
    rising = pf.rank_trend(runs(lr=LR, val_acc=0.9 + 0.002 * RUNS + noise()), "lr", "val_acc")
    assert rising.evidence.endswith("(rises)")  # a trend the interval confirms carries no warning


def test_rank_trend_cannot_tell_says_how_many_runs_would_decide():
    weak = runs(lr=LR, val_acc=0.9 + 0.0004 * RUNS + noise(seed=1))  # a trend drowned in noise
    verdict = pf.rank_trend(weak, "lr", "val_acc")
    if verdict.verdict == pf.UNSURE:
        assert verdict.runs_needed > N and f"about {verdict.runs_needed} runs" in str(verdict)
    few = runs(lr=LR, val_acc=0.9 + 0.002 * RUNS).head(4)  # perfect, but 4 runs decide nothing
    assert pf.rank_trend(few, "lr", "val_acc").verdict == pf.UNSURE


def test_one_diverged_run_cannot_make_a_trend():
    # No effect of lr at all, except the run at the largest lr diverged to 10%:
    table = runs(lr=LR, val_acc=0.9 + noise(seed=3))
    table.loc[N - 1, "val_acc"] = 0.10
    # The Pearson correlation on log lr is pulled by that one run...
    assert np.corrcoef(np.log10(table["lr"]), table["val_acc"])[0, 1] < -0.3
    # ...the rank-based verdict is not "holds" for smaller lr.
    assert pf.rank_trend(table, "lr", "val_acc", direction=-1).verdict != pf.HOLDS


def test_rank_trend_rejects_a_categorical_parameter():
    with pytest.raises(ValueError, match="categorical"):
        pf.rank_trend(runs(optimizer=["sgd", "adam"] * 10, val_acc=0.9 + noise()), "optimizer",
                      "val_acc")


# --- compare_pair: one group against another ---------------------------------------------

OPTIMIZER = np.array(["adam", "sgd"] * (N // 2))
BASE = 0.9 + 0.004 * (RUNS // 2)  # each adam run and the sgd run beside it share a base score


def test_compare_pair_null_clear_and_opposite():
    null = runs(optimizer=OPTIMIZER, val_acc=BASE)  # the two groups hold the same scores
    verdict = pf.compare_pair(null, "optimizer", "adam", "sgd", "val_acc")
    assert verdict.verdict == pf.UNSURE and verdict.interval.estimate == 0
    assert "no number of runs" in str(verdict)
    clear = runs(optimizer=OPTIMIZER, val_acc=BASE + 0.05 * (OPTIMIZER == "adam"))
    verdict = pf.compare_pair(clear, "optimizer", "adam", "sgd", "val_acc")
    assert verdict.verdict == pf.HOLDS
    assert verdict.interval.estimate == pytest.approx(0.05)  # medians 0.05 apart, by construction
    assert pf.compare_pair(clear, "optimizer", "sgd", "adam", "val_acc").verdict == pf.FAILS


def test_compare_pair_needs_five_a_side():
    clear = runs(optimizer=OPTIMIZER, val_acc=BASE + 0.05 * (OPTIMIZER == "adam"))
    few = pd.concat([clear[clear["optimizer"] == "adam"], clear[clear["optimizer"] == "sgd"].head(4)])
    assert pf.compare_pair(few, "optimizer", "adam", "sgd", "val_acc").verdict == pf.UNSURE


def test_compare_pair_one_lucky_run_does_not_decide():
    table = runs(optimizer=OPTIMIZER, val_acc=BASE)
    table.loc[1, "val_acc"] = 0.999  # one SGD run far above everything
    assert pf.compare_pair(table, "optimizer", "sgd", "adam", "val_acc").verdict != pf.HOLDS


# --- stronger_than: one parameter against another ----------------------------------------

WIDTHS = np.array([64, 128, 256, 512, 1024])
FIRST = np.repeat(WIDTHS, 4)            # each width 4 times...
SECOND = np.tile(WIDTHS[:4], 5)         # ...against the second layer's widths, evenly crossed


def test_stronger_than_null_clear_and_opposite():
    # No difference: every (first, second) pair also appears swapped, and the score depends
    # on their sum, so both correlate with it exactly alike.
    pairs = [(a, b) for a in WIDTHS for b in WIDTHS if a != b]  # 20 ordered pairs
    x1, x2 = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    null = runs(hidden_size1=x1, hidden_size2=x2, val_acc=0.9 + 1e-5 * (x1 + x2))
    verdict = pf.stronger_than(null, "hidden_size1", "hidden_size2", "val_acc")
    assert verdict.verdict == pf.UNSURE and verdict.interval.estimate == pytest.approx(0, abs=1e-12)
    clear = runs(hidden_size1=FIRST, hidden_size2=SECOND,
                 val_acc=0.9 + 0.00003 * FIRST + noise(0.002))  # only the first layer matters
    assert pf.stronger_than(clear, "hidden_size1", "hidden_size2", "val_acc").verdict == pf.HOLDS
    assert pf.stronger_than(clear, "hidden_size2", "hidden_size1", "val_acc").verdict == pf.FAILS
    with pytest.raises(ValueError, match="numeric"):
        pf.stronger_than(clear.assign(optimizer="adam"), "optimizer", "hidden_size1", "val_acc")


# --- small_nets_score_high: within a tolerance of the others ------------------------------

SMALL = RUNS % 2 == 0


def test_small_nets_score_high_null_clear_and_opposite():
    base = 0.95 + noise(0.004, seed=2)
    # No evidence either way: small nets trail by exactly the 1-point tolerance.
    null = runs(val_acc=base - 0.01 * SMALL)
    assert pf.small_nets_score_high(null, pd.Series(SMALL), "val_acc").verdict == pf.UNSURE
    same = runs(val_acc=0.95 + 0.0005 * (RUNS // 2))  # small and others hold the same scores
    assert pf.small_nets_score_high(same, pd.Series(SMALL), "val_acc").verdict == pf.HOLDS
    behind = runs(val_acc=base - 0.05 * SMALL)  # small nets 5 points behind
    assert pf.small_nets_score_high(behind, pd.Series(SMALL), "val_acc").verdict == pf.FAILS
    lucky = behind.copy()
    lucky.loc[0, "val_acc"] = 1.0  # one lucky small net does not make them score high
    assert pf.small_nets_score_high(lucky, pd.Series(SMALL), "val_acc").verdict == pf.FAILS
    with pytest.raises(ValueError, match="entries"):
        pf.small_nets_score_high(same, pd.Series(SMALL[:5]), "val_acc")


# --- the post's findings on a planted sweep -----------------------------------------------

def test_post_findings_on_a_planted_sweep():
    # Planted: Adam beats SGD, larger lr helps, the first layer's width helps (0.1 over
    # 64..1024, so small nets trail by points) and the second's does not.
    def score(r):
        return 0.05 * (r.optimizer == "adam") + 0.03 * np.log10(r.lr) + 0.0001 * r.hidden_size1
    findings = dict(pf.post_findings(post_table(n=400, score=score)))
    assert list(findings) == ["1a", "1b", "1c", "2", "3", "4a", "4b", "4c", "4d", "4e"]
    for label in ("1a", "1b", "1c", "2", "3", "4d"):
        assert findings[label].verdict == pf.HOLDS, findings[label]
    # Network, batch size and epochs planted without effect: a pair comparison's and a rank
    # trend's 95% intervals then lie around zero, and no effect is "cannot tell", never
    # "does not hold" (that needs an interval on the wrong side).
    for label in ("4a", "4b", "4c"):
        assert findings[label].verdict == pf.UNSURE, findings[label]
    for label in ("4a", "4b", "4c"):
        assert "Plausible why" in str(findings[label])
    assert findings["4e"].verdict == pf.FAILS, findings["4e"]


def test_post_findings_names_missing_columns():
    with pytest.raises(ValueError, match="hidden_size2"):
        pf.post_findings(post_table().drop(columns="hidden_size2"))


def test_stronger_than_on_a_few_runs_still_has_an_interval():
    # Eight runs, only the first layer matters: many resamples repeat one width, which
    # must count as "no association", not leave the interval undefined.
    few = runs(hidden_size1=FIRST, hidden_size2=SECOND, val_acc=0.9 + 0.00003 * FIRST).head(8)
    verdict = pf.stronger_than(few, "hidden_size1", "hidden_size2", "val_acc")
    assert np.isfinite(verdict.interval.low) and np.isfinite(verdict.interval.high)
    assert "too few runs for an interval" not in str(verdict)
