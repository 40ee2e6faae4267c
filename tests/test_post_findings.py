"""The original post's findings (post_findings) on tables with planted structure.

Each verdict is asked of a table whose truth was planted (tests/results_tables.py draws
it from sweep_configs/random.yaml's space): the expected verdict follows from what was
planted and from the rule's documented bars, never from running the code under test.
"""

import numpy as np
import pandas as pd
import pytest
from results_tables import post_table

import post_findings as pf


def test_spearman_is_rank_based_and_nan_when_constant():
    x = [1, 2, 3, 4, 1000]
    assert pf.spearman(x, [1, 4, 9, 16, 25]) == pytest.approx(1.0)  # monotone, not linear
    assert pf.spearman(x, [5, 4, 3, 2, 1]) == pytest.approx(-1.0)
    assert np.isnan(pf.spearman([1, 1, 1, 1], [1, 2, 3, 4]))
    with pytest.raises(ValueError, match="one length"):
        pf.spearman([1, 2, 3], [1, 2])


def test_decide_is_the_one_three_way_rule():
    assert pf.decide(True, False) == pf.HOLDS
    assert pf.decide(False, True) == pf.FAILS
    assert pf.decide(False, False) == pf.UNSURE
    nan = float("nan")
    assert pf.decide(nan >= pf.STRONG, nan < pf.WEAK) == pf.UNSURE  # NaN evidence decides nothing
    with pytest.raises(ValueError, match="both hold and fail"):
        pf.decide(True, True)


def balanced_batch_sizes(table):
    """``table`` with batch sizes dealt along its ranking in blocks 64, 128, 256, 256, 128, 64.

    Each block gives every batch size two ranks summing to the same total, so batch size has
    no trend at all: Spearman exactly 0, and near 0 without any one run.
    """
    order = table["val_acc"].rank(method="first").astype(int) - 1
    pattern = np.array([64, 128, 256, 256, 128, 64])
    return table.assign(batch_size=pattern[order % len(pattern)])


def test_balanced_batch_sizes_have_no_trend():
    table = balanced_batch_sizes(post_table(score=lambda r: 0.02 * np.log10(r.lr)))
    assert pf.spearman(table["batch_size"], table["val_acc"]) == pytest.approx(0.0, abs=1e-12)


def test_rank_trend_holds_fails_and_cannot_tell():
    rising = post_table(score=lambda r: 0.02 * np.log10(r.lr))
    assert pf.rank_trend(rising, "lr", "val_acc").verdict == pf.HOLDS
    assert pf.rank_trend(rising, "lr", "val_acc", direction=-1).verdict == pf.FAILS
    flat = balanced_batch_sizes(rising)  # no trend in batch size, either way
    assert pf.rank_trend(flat, "batch_size", "val_acc").verdict == pf.FAILS
    assert pf.rank_trend(flat, "batch_size", "val_acc", direction=-1).verdict == pf.FAILS
    assert pf.rank_trend(rising.head(7), "lr", "val_acc").verdict == pf.UNSURE  # 7 < 8 runs
    assert "only 7" in pf.rank_trend(rising.head(7), "lr", "val_acc").evidence


def test_one_diverged_run_cannot_make_a_trend():
    # No effect of lr at all, except one run at the largest lr diverged to 10%:
    table = post_table(score=None, seed=3)
    top = table["lr"].idxmax()
    table.loc[top, "val_acc"] = 0.10
    # The Pearson correlation on log lr is pulled by that one run...
    assert np.corrcoef(np.log10(table["lr"]), table["val_acc"])[0, 1] < -0.2
    # ...the verdict is not: without it the rank correlation is near zero.
    verdict = pf.rank_trend(table, "lr", "val_acc", direction=-1)
    assert verdict.verdict != pf.HOLDS
    assert abs(verdict.numbers["rho_without"]) < 0.3


def test_rank_trend_names_an_inverted_u():
    peak = post_table(n=60, score=lambda r: -0.05 * (np.log10(r.lr) + 2.5) ** 2)
    verdict = pf.rank_trend(peak, "lr", "val_acc")
    assert "peaks in the middle" in verdict.numbers["shape"]


def test_compare_pair_needs_eight_a_side_and_reads_medians():
    table = post_table(score=lambda r: 0.05 * (r.optimizer == "adam"))
    verdict = pf.compare_pair(table, "optimizer", "adam", "sgd", "val_acc")
    assert verdict.verdict == pf.HOLDS
    adam = table.loc[table["optimizer"] == "adam", "val_acc"]
    assert verdict.numbers["median_better"] == pytest.approx(adam.median())
    assert pf.compare_pair(table, "optimizer", "sgd", "adam", "val_acc").verdict == pf.FAILS
    few = pd.concat([table[table["optimizer"] == "adam"], table[table["optimizer"] == "sgd"].head(5)])
    assert pf.compare_pair(few, "optimizer", "adam", "sgd", "val_acc").verdict == pf.UNSURE


def test_compare_pair_one_lucky_run_does_not_decide():
    # The groups are the same, but one SGD run is far better than everything: the
    # median without it must not show SGD ahead, and the verdict is not "holds".
    table = post_table(score=None, seed=5)
    sgd = table.index[table["optimizer"] == "sgd"][0]
    table.loc[sgd, "val_acc"] = 0.999
    assert pf.compare_pair(table, "optimizer", "sgd", "adam", "val_acc").verdict != pf.HOLDS


def test_stronger_than_compares_absolute_rank_correlations():
    table = post_table(score=lambda r: 0.0002 * r.hidden_size1)
    assert pf.stronger_than(table, "hidden_size1", "hidden_size2", "val_acc").verdict == pf.HOLDS
    assert pf.stronger_than(table, "hidden_size2", "hidden_size1", "val_acc").verdict == pf.FAILS
    with pytest.raises(ValueError, match="numeric"):
        pf.stronger_than(table, "optimizer", "hidden_size1", "val_acc")


def test_small_nets_score_high_uses_the_second_best():
    table = post_table(score=lambda r: 0.0002 * r.hidden_size1)
    small = table["hidden_size1"] <= 64
    assert pf.small_nets_score_high(table, small, "val_acc").verdict == pf.FAILS  # 0.03+ behind
    lucky = table.copy()
    lucky.loc[small[small].index[0], "val_acc"] = 1.0  # one lucky small net is not enough
    assert pf.small_nets_score_high(lucky, small, "val_acc").verdict == pf.FAILS
    flat = post_table(score=None)
    assert pf.small_nets_score_high(flat, flat["hidden_size1"] <= 64, "val_acc").verdict == pf.HOLDS


def test_post_findings_on_a_planted_sweep():
    # Planted: Adam beats SGD, larger lr helps, the first layer matters and the second not.
    def score(r):
        return 0.02 * (r.optimizer == "adam") + 0.01 * np.log10(r.lr) + 0.0002 * r.hidden_size1
    findings = dict(pf.post_findings(post_table(n=160, score=score)))
    assert list(findings) == ["1a", "1b", "1c", "2", "3", "4a", "4b", "4c", "4d", "4e"]
    for label in ("1a", "1b", "1c", "2", "3", "4d"):
        assert findings[label].verdict == pf.HOLDS, findings[label]
    # Network, batch size and epochs planted without effect. A pair comparison with no effect
    # has its 95% interval around zero: cannot tell. A rank trend with none has Spearman's
    # correlation near zero, under WEAK (0.1) with and without the extreme run: does not hold.
    assert findings["4a"].verdict == pf.UNSURE, findings["4a"]
    for label in ("4b", "4c"):
        assert findings[label].verdict == pf.FAILS, findings[label]
    for label in ("4a", "4b", "4c"):
        assert "Plausible why" in str(findings[label])
    assert findings["4e"].verdict == pf.FAILS  # width planted: small nets trail by 3+ points


def test_post_findings_names_missing_columns():
    with pytest.raises(ValueError, match="hidden_size2"):
        pf.post_findings(post_table().drop(columns="hidden_size2"))



def test_cut_cost_counts_cut_runs_on_course():
    histories = {"a": [0.90, 0.95, 0.97, 0.98], "b": [0.85, 0.93, 0.96, 0.97],
                 "c": [0.80, 0.90, 0.94, 0.95], "d": [0.70, 0.80, 0.85, 0.86],
                 "cut1": [0.60, 0.70], "cut2": [0.86, 0.94]}  # cut2 was ahead of "b" at epoch 2
    table = pf.cut_cost(histories, {"cut1", "cut2"}, "val_acc", top=2)
    row = table.set_index("epoch").loc[2]
    assert row["cut_runs"] == 2 and row["on_course"] == 1
    assert row["top_lowest"] == pytest.approx(0.93) and row["best_cut"] == pytest.approx(0.94)
    assert row["rho"] == pytest.approx(1.0)  # finishers keep their epoch-2 order
    with pytest.raises(ValueError, match="without a history"):
        pf.cut_cost(histories, {"zzz"}, "val_acc")


