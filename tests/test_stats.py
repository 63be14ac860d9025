"""Intervals and tests on simulated data where the truth is known: the cluster bootstrap covers the
true paired difference about 95% of the time, the sign-flip test rejects about 5% of true nulls,
and the exact binomial and t intervals match their textbook formulas."""
import numpy as np
import pytest
from scipy import stats

from avemo.evaluation.stats import clopper_pearson, cluster_bootstrap, paired_delta, sign_flip_p, t_interval
from avemo.report.variance import variance_components

pytestmark = pytest.mark.numerics  # compares floats: `make test` re-runs it under other CPUs' kernels


ACTOR_EFFECT_SD = 0.1


def simulated_pairs(rng, true_delta: float, actors: int = 36, clips: int = 12):
    """Per-clip correctness of two models on the same clips; each actor has its own difficulty
    (shared by both models) and its own effect of model a, so clips of an actor are correlated."""
    actor = np.repeat(np.arange(actors), clips)
    ease = rng.normal(0.0, 1.0, actors)[actor]
    effect = (true_delta + rng.normal(0.0, ACTOR_EFFECT_SD, actors))[actor]
    p_b = 1 / (1 + np.exp(-ease))
    p_a = np.clip(p_b + effect, 0, 1)
    u = rng.uniform(size=len(actor))  # common randomness: paired outcomes
    return (u < p_a).astype(float), (u < p_b).astype(float), actor


def population_delta(true_delta: float) -> float:
    """E[p_a - p_b] over the population of actors (Monte Carlo with two million actors)."""
    rng = np.random.default_rng(99)
    p_b = 1 / (1 + np.exp(-rng.normal(0.0, 1.0, 2_000_000)))
    return float((np.clip(p_b + true_delta + rng.normal(0.0, ACTOR_EFFECT_SD, len(p_b)), 0, 1) - p_b).mean())


def coverage(true_delta: float, by_actor: bool, runs: int = 300) -> float:
    truth, rng, hits = population_delta(true_delta), np.random.default_rng(0), 0
    for k in range(runs):
        a, b, actor = simulated_pairs(rng, true_delta)
        _, low, high = cluster_bootstrap(a - b, actor if by_actor else np.arange(len(a)), n_boot=1000, seed=k)
        hits += low <= truth <= high
    return hits / runs


def test_cluster_bootstrap_covers_the_truth_about_95_percent_of_the_time():
    assert 0.90 <= coverage(0.04, by_actor=True) <= 0.98  # measured 0.93 (36 actors, percentile interval)


def test_an_iid_bootstrap_would_undercover_clustered_data():
    """Why clusters: resampling clips as if independent gives intervals that are too narrow."""
    assert coverage(0.04, by_actor=False) < 0.85  # measured 0.76


def test_sign_flip_test_rejects_about_five_percent_of_true_nulls_and_finds_real_effects():
    rng = np.random.default_rng(2)
    null = []
    for k in range(200):
        a, b, actor = simulated_pairs(rng, 0.0)
        null.append(sign_flip_p(a - b, actor, n_perm=500, seed=k))
    assert 0.01 <= np.mean(np.array(null) < 0.05) <= 0.10
    a, b, actor = simulated_pairs(rng, 0.15)
    result = paired_delta(a, b, actor)
    assert result.p_value < 0.01 and result.low > 0 and result.clusters == 36


def test_clopper_pearson_matches_the_beta_quantiles():
    for k, n in ((0, 72), (8, 72), (72, 72), (13, 50)):
        low = stats.beta.ppf(0.025, k, n - k + 1) if k else 0.0
        high = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
        assert clopper_pearson(k, n) == pytest.approx((low, high), abs=1e-9)


def test_t_interval_by_hand():
    v = np.array([0.50, 0.55, 0.47, 0.60, 0.52])
    half = stats.t.ppf(0.975, 4) * v.std(ddof=1) / np.sqrt(5)
    assert t_interval(v) == pytest.approx((v.mean(), v.mean() - half, v.mean() + half))


def nested_study(rng, folds: int, actors: int = 6, clips: int = 12, sd=(0.06, 0.1, 0.5)):
    """Values with known fold, actor and clip standard deviations; every fold has its own actors."""
    fold = np.repeat(np.arange(folds), actors * clips)
    actor = np.repeat(np.arange(folds * actors), clips)
    values = (rng.normal(0, sd[0], folds)[fold] + rng.normal(0, sd[1], folds * actors)[actor]
              + rng.normal(0, sd[2], len(fold)))
    return values, fold, actor


def test_variance_components_recover_known_fold_actor_and_clip_variances():
    values, fold, actor = nested_study(np.random.default_rng(1), folds=400)
    vc = variance_components(values, fold, actor)
    assert vc.fold == pytest.approx(0.06 ** 2, rel=0.3)
    assert vc.actor == pytest.approx(0.1 ** 2, rel=0.15)
    assert vc.clip == pytest.approx(0.5 ** 2, rel=0.02)
    assert (vc.folds, vc.actors_per_fold, vc.clips_per_actor) == (400, 6, 12)


def test_projected_half_width_matches_the_spread_of_simulated_studies():
    """1.96 x the standard deviation of the grand mean over many 8-fold studies is the projection
    made from one large study's components; so is the fold count it says a target needs."""
    rng = np.random.default_rng(2)
    vc = variance_components(*nested_study(rng, folds=400))
    means = [nested_study(rng, folds=8)[0].mean() for _ in range(2000)]
    assert vc.half_width(8) == pytest.approx(1.96 * np.std(means), rel=0.1)
    target = vc.half_width(8)
    assert vc.folds_for(target) in (8, 9)
    assert vc.half_width(8, clips_per_actor=24) < vc.half_width(8)


def test_variance_components_floor_negative_estimates_at_zero():
    """No actor or fold effect: the moment estimates scatter around zero and are floored there."""
    values, fold, actor = nested_study(np.random.default_rng(3), folds=5, sd=(0.0, 0.0, 0.5))
    vc = variance_components(values, fold, actor)
    assert vc.fold >= 0 and vc.actor >= 0 and vc.clip == pytest.approx(0.25, rel=0.15)
