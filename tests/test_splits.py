import pytest
import pandas as pd

from avemo.data.splits import SETS, SplitSpec, assign_sets

SPEC = SplitSpec(seed=0, units=10, s1_units=3, s2_units=2, s3_units=3, s4_units=2, pool_units=0, fold=0,
                 audio_share=1.0)


def _table(n_actors=40):
    rows = []
    for a in range(n_actors):
        for emo in ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD"):
            for k in range(3):
                rows.append({"clip": f"{1001 + a}_{emo}_{k}", "actor": 1001 + a, "sex": "Male" if a % 2 else "Female",
                             "emotion": emo})
    return pd.DataFrame(rows)


def test_sets_are_actor_disjoint_and_sized_by_units():
    sets = assign_sets(_table(), SPEC)
    owners = sets.groupby("actor")["set"].nunique()
    assert (owners == 1).all()
    actors = sets.groupby("set")["actor"].nunique()
    assert actors.to_dict() == {"S1": 12, "S2": 8, "S3": 12, "S4": 8}


def test_sets_are_sex_and_class_balanced():
    sets = assign_sets(_table(), SPEC)
    assert set(sets["set"]) == set(SETS) - {"POOL", "S3U"}  # no pool units, no pool; no audio budget, no S3U
    for name in sorted(set(sets["set"])):
        part = sets[sets["set"] == name].drop_duplicates("actor")
        counts = part["sex"].value_counts()
        assert abs(counts.get("Male", 0) - counts.get("Female", 0)) <= 1
        per_class = sets[sets["set"] == name]["emotion"].value_counts()
        assert per_class.nunique() == 1


def test_same_seed_same_split_and_folds_rotate_s4():
    a, b = assign_sets(_table(), SPEC), assign_sets(_table(), SPEC)
    assert a.equals(b)
    test_actors = [set(assign_sets(_table(), SplitSpec(**{**SPEC.__dict__, "fold": f})).query("set == 'S4'")["actor"])
                   for f in range(5)]
    assert set().union(*test_actors) == set(range(1001, 1041))  # every actor is tested once
    assert sum(len(s) for s in test_actors) == 40


@pytest.mark.parametrize("share, kept", [(1.0, None), (0.5, None), (0.2, None), (0.01, 1)])
def test_the_audio_budget_keeps_a_share_of_s3s_actors_and_the_rest_become_faces_only(share, kept):
    """Only the budget's share of S3's actors (at least one) stays in S3; the others move to S3U with
    all their clips; every other set and fold is untouched; the budget alternates the sexes."""
    full = assign_sets(_table(), SPEC)
    budget = assign_sets(_table(), SplitSpec(**{**SPEC.__dict__, "audio_share": share}))
    s3_actors = full.query("set == 'S3'")["actor"].nunique()
    expected = kept or max(1, round(share * s3_actors))
    assert budget.query("set == 'S3'")["actor"].nunique() == expected
    moved = full["set"].eq("S3") & budget["set"].ne("S3")
    assert budget.loc[moved, "set"].eq("S3U").all() and budget.loc[~moved, "set"].equals(full.loc[~moved, "set"])
    assert budget.groupby("actor")["set"].nunique().max() == 1  # an actor's clips stay together
    sexes = budget.query("set == 'S3'").drop_duplicates("actor")["sex"].value_counts()
    if expected >= 2:  # both sexes, in turn (S3 has as many of each as the budget needs)
        assert len(sexes) == 2 and sexes.max() - sexes.min() <= 1, sexes.to_dict()
    else:
        assert len(sexes) == 1
