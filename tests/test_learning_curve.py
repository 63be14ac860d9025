"""The budget curve's pieces on their own: the order actors join in, the points, and the metrics."""
import numpy as np
import pandas as pd
import pytest

from avemo.evaluation.learning_curve import ORDER, actor_order, curve_metrics, curve_points


def splits_table() -> pd.DataFrame:
    """Actors 0-29: 6 per set of ORDER plus S4, alternating sexes, 2 clips each."""
    rows = []
    for s, name in enumerate((*ORDER, "S4")):
        for k in range(6):
            actor = 10 * s + k
            rows += [{"clip": f"{actor}_{c}", "actor": actor, "sex": "Male" if k % 2 else "Female", "set": name}
                     for c in range(2)]
    return pd.DataFrame(rows)


def test_actors_join_set_by_set_in_order_alternating_the_sexes():
    table = splits_table()
    order = actor_order(table, seed=3)
    sets = table.drop_duplicates("actor").set_index("actor")
    assert len(order) == len(set(order)) == 6 * len(ORDER)  # every actor outside S4, once
    assert [sets.loc[a, "set"] for a in order] == [name for name in ORDER for _ in range(6)]
    sexes = [sets.loc[a, "sex"] for a in order]
    assert all(sexes[i] != sexes[i + 1] for i in range(0, len(sexes) - 1, 2))  # in turn within each set
    assert actor_order(table, seed=3) == order  # the same seed, the same order


def test_curve_points_add_the_budget_and_all_and_cap_at_all():
    assert curve_points((1, 2, 4, 6), budget=12, total=42) == [1, 2, 4, 6, 12, 42]
    assert curve_points((1, 50), budget=4, total=30) == [1, 4, 30]  # 50 actors do not exist: all of them
    assert curve_points((4,), budget=4, total=4) == [4]


def test_curve_metrics_give_each_point_and_the_paired_gain_of_all_over_the_budget():
    rng = np.random.default_rng(0)
    actors = np.repeat(np.arange(12), 10)
    small = (rng.uniform(size=120) < 0.4).astype(float)
    large = np.maximum(small, (rng.uniform(size=120) < 0.5).astype(float))  # right wherever small was, and more
    curve = {2: {"clips": 24, "correct": small}, 30: {"clips": 360, "correct": large}}
    metrics, rows = curve_metrics(curve, actors, budget=2, seed=0)
    assert metrics["budget_actors"] == 2 and metrics["all_actors"] == 30
    assert metrics["actors_2_accuracy"] == pytest.approx(small.mean(), abs=1e-4)
    assert metrics["actors_30_accuracy"] == pytest.approx(large.mean(), abs=1e-4)
    assert metrics["actors_30_clips"] == 360 and [r["actors"] for r in rows] == [2, 30]
    gain = metrics["all_vs_budget_delta"]
    assert gain == pytest.approx(large.mean() - small.mean(), abs=1e-4)
    assert 0 < metrics["all_vs_budget_delta_ci95_low"] <= gain <= metrics["all_vs_budget_delta_ci95_high"]
    for k in (2, 30):  # each point's interval holds its accuracy
        assert metrics[f"actors_{k}_ci95_low"] <= metrics[f"actors_{k}_accuracy"] <= metrics[f"actors_{k}_ci95_high"]
