import pandas as pd

from avemo.data.splits import SETS, SplitSpec, assign_sets

SPEC = SplitSpec(seed=0, units=10, s1_units=3, s2_units=2, s3_units=3, s4_units=2, pool_units=0, fold=0)


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
    assert set(sets["set"]) == set(SETS) - {"POOL"}  # no pool units, no pool
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
