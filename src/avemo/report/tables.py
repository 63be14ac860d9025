"""Group experiments into variants (every param except ``split.fold`` and seeds) and summarise each
over its actor folds: fold means with t intervals, folds won, and paired differences pooled over all
test actors with cluster-bootstrap intervals (each actor is in S4 once over the folds)."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control

from ..evaluation.stats import PairedDelta, cluster_bootstrap, clopper_pearson, paired_delta, t_interval
from .variance import VarianceComponents, variance_components
from .experiments import Experiment, clip_table

# per-clip tables: where the current layout writes them, then where older experiments did
CLIPS_PLACES = ("results/evaluate_augmented/clips.csv", "plots/evaluate_augmented/clips.csv")
CURVE_PLACES = ("results/learning_curve/clips.csv", "plots/learning_curve/clips.csv")
CLIPS, CURVE = CLIPS_PLACES[0], CURVE_PLACES[0]
OLD_SIZES = ("1x", "2x", "all")  # the learning curve's points before it became the budget curve (actors_<k>)


def curve_points(table: pd.DataFrame) -> tuple[list[str], str, str]:
    """(the curve's columns in a per-clip table, in order; the one of all actors; the one the gain is
    measured from: S3's before the audio budget, the budget's size since)."""
    if "1x" in table:
        return list(OLD_SIZES), "all", "1x"
    points = sorted((c for c in table if c.startswith("actors_")), key=lambda c: int(c.removeprefix("actors_")))
    return points, points[-1], points[-1]
ARMS = ("augmented", "oracle", "shuffled")  # each compared with the fair baseline
OPTIONAL_ARMS = ("pseudo",)  # only when generating from the face-only pool: its real audio under f_S's labels
FOLD_METRICS = ("augmented.augmented_accuracy", "augmented.baseline_accuracy", "augmented.oracle_accuracy",
                "augmented.shuffled_accuracy", "augmented.delta", "generation.fid", "generation.kid",
                "generation.is", "generation.ssim", "generation.gan_test", "generation.copy_share",
                "generation.copy_ratio", "audio_classifier.accuracy", "face_classifier.accuracy")
POOL_METRICS = ("generate.pool_selected_share", "generate.pool_label_accuracy_all",
                "generate.pool_label_accuracy_selected")  # only runs that generate from the face-only pool
EPSILONS = ("0.05", "0.1", "0.2")


def ignored(key: str) -> bool:
    """Params that do not define a variant: the actor fold and every seed."""
    return key == "split.fold" or key.endswith(".seed")


def variant_key(exp: Experiment) -> tuple:
    return tuple(sorted((k, v) for k, v in exp.params.items() if not ignored(k)))


@dataclass
class Variant:
    label: str  # the params that set it apart from the other variants ("default" when none)
    experiments: list[Experiment]
    folds: list[int]
    fold_means: dict = field(default_factory=dict)  # metric -> (mean, low, high) over folds
    folds_won: dict = field(default_factory=dict)  # metric -> folds where it is > 0
    pooled: dict = field(default_factory=dict)  # name -> PairedDelta over all test actors
    validity: dict = field(default_factory=dict)  # eps -> (pooled error, low, high, clips)
    curve: dict = field(default_factory=dict)  # point -> (accuracy, low, high, actors) pooled over folds; "gain": delta
    curve_base: str = ""  # the point the gain is measured from (the budget, or S3 before budgets)
    missing: dict = field(default_factory=dict)  # what -> experiments that lack it
    components: VarianceComponents | None = None  # of the per-clip augmented-minus-baseline difference
    max_folds: int | None = None  # folds the split allows (split.units / split.s4_units)
    superseded: list = field(default_factory=list)  # older runs of a fold this variant ran again (not pooled)


def fill_added_params(experiments: list[Experiment], reference: dict) -> dict[str, int]:
    """Give experiments of older commits the committed value of every param added since (a param is
    added with the default that keeps the old behaviour, so the old run did what that value does).
    Without this an experiment from before ``mrpn.image_augment`` existed would form its own variant.
    Returns param -> number of experiments filled, for the report to say."""
    filled: dict[str, int] = Counter()
    for exp in experiments:
        for key, value in reference.items():
            if key not in exp.params:
                exp.params[key] = value
                filled[key] += 1
    return dict(filled)


def parse_settings(text: str) -> dict:
    """``"key=value key=value"`` (as ``--set`` takes them) as flat params, each value read as YAML the
    way ``dvc exp run -S`` reads it (``3`` an int, ``[1,2]`` a list, kept as a tuple like ``flatten``)."""
    import yaml

    out = {}
    for item in text.split():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"avemo report: '{item}' is not key=value")
        parsed = yaml.safe_load(value)
        out[key] = tuple(parsed) if isinstance(parsed, list) else parsed
    return out


def matching(experiments: list[Experiment], where: dict) -> list[Experiment]:
    """The experiments that set every ``where`` param to its value: one study's, when the commits read
    also hold another study's (the audio-budget study and the papers' table queued on the same commit).
    A param no experiment has is a typo, not an empty study."""
    unknown = [k for k in where if not any(k in e.params for e in experiments)]
    if unknown:
        raise SystemExit(f"avemo report: no experiment has the param {', '.join(unknown)}")
    return [e for e in experiments if all(e.params.get(k) == v for k, v in where.items())]


def study_settings(keys: list[dict], modal: dict) -> dict:
    """Params that every variant of a study of several sets alike, away from the committed value
    (``--set eval.seeds=3``): said once for the study, not in every row's label."""
    if len(keys) < 2:
        return {}
    return {k: keys[0].get(k) for k in modal
            if len({repr(key.get(k)) for key in keys}) == 1 and repr(keys[0].get(k)) != modal[k]}


def reference_values(keys: list[dict], reference: dict | None) -> dict:
    """repr of each param's reference value: the committed one, or the most common among ``keys``."""
    names = sorted({k for key in keys for k in key})
    return {k: repr(reference[k]) if reference and k in reference else
            Counter(repr(key.get(k)) for key in keys).most_common(1)[0][0] for k in names}


def common_settings(experiments: list[Experiment], reference: dict | None = None) -> dict:
    """The study-wide settings that ``group`` leaves out of the labels, for the report's notes."""
    keys = [dict(k) for k in dict.fromkeys(variant_key(e) for e in experiments)]
    return study_settings(keys, reference_values(keys, reference))


def group(experiments: list[Experiment], reference: dict | None = None) -> list[Variant]:
    """One Variant per distinct set of params (ignoring fold and seeds), in order of first
    appearance, labelled by the params where it differs from ``reference`` (the committed params;
    without one, the most common value among the variants); "default" when it differs in none, and
    then listed first."""
    groups: dict[tuple, list[Experiment]] = defaultdict(list)
    for exp in experiments:
        groups[variant_key(exp)].append(exp)
    keys = [dict(k) for k in groups]
    modal = reference_values(keys, reference)
    names = list(modal)
    shared = study_settings(keys, modal)
    out = []
    for key, exps in groups.items():
        values = dict(key)
        label = ", ".join(f"{k}={values.get(k)}" for k in names
                          if repr(values.get(k)) != modal[k] and k not in shared) or "default"
        newest = {e.params.get("split.fold", 0): e for e in exps}  # oldest first: a re-run replaces its fold
        kept = sorted(newest.values(), key=lambda e: e.params.get("split.fold", 0))
        variant = Variant(label, kept, [e.params.get("split.fold", 0) for e in kept])
        variant.superseded = [e.name for e in exps if e not in kept]
        out.append(variant)
    return sorted(out, key=lambda v: v.label != "default")  # the committed params first: the rows compare to it


def summarise(variant: Variant, metrics: tuple = FOLD_METRICS, seed: int = 0) -> Variant:
    """Fold means and intervals of ``metrics``, folds won by the deltas, pooled paired deltas from
    the per-clip tables, and conformal validity pooled over folds. Anything absent from an
    experiment is listed in ``variant.missing``, never dropped silently."""
    pool = tuple(m for m in POOL_METRICS if any(m in e.metrics for e in variant.experiments))
    for metric in (*metrics, *pool):
        values = [e.metrics.get(metric) for e in variant.experiments]
        lacking = [e.name for e, v in zip(variant.experiments, values) if v is None]
        if lacking:
            variant.missing[metric] = lacking
        present = np.array([v for v in values if v is not None], float)
        if len(present):
            variant.fold_means[metric] = t_interval(present)
            if metric.endswith("delta"):
                variant.folds_won[metric] = int((present > 0).sum())
    clips = pooled_clips(variant)
    curve = pooled_clips(variant, CURVE)
    if curve is not None:
        points, top, base = curve_points(curve)
        budget = variant.experiments[0].metrics.get("learning_curve.budget_actors")
        if budget is not None and f"actors_{budget}" in curve:
            base = f"actors_{budget}"
        for point in points:
            variant.curve[point] = (*cluster_bootstrap(curve[point], curve["actor"], seed=seed), curve["actor"].nunique())
        variant.curve["gain"] = paired_delta(curve[top], curve[base], curve["actor"], seed)
        variant.curve_base = base
    if clips is not None:
        present = tuple(a for a in OPTIONAL_ARMS if a in clips and clips[a].notna().all())
        for arm in ARMS + present:
            variant.pooled[arm] = paired_delta(clips[arm], clips["baseline"], clips["actor"], seed)
        variant.components = variance_components(clips["augmented"] - clips["baseline"], clips["fold"], clips["actor"])
    params = variant.experiments[0].params
    if params.get("split.units") and params.get("split.s4_units"):
        variant.max_folds = int(params["split.units"]) // int(params["split.s4_units"])
    variant.validity = pooled_validity(variant)
    return variant


def pooled_clips(variant: Variant, path: str = CLIPS) -> pd.DataFrame | None:
    """The per-clip tables at ``path`` of every fold, one after the other (column ``fold`` added)."""
    tables = []
    for exp, fold in zip(variant.experiments, variant.folds):
        table = clip_table(exp, path)
        if table is None:
            variant.missing.setdefault(path, []).append(exp.name)
        else:
            tables.append(table.assign(fold=fold))
    return pd.concat(tables, ignore_index=True) if tables else None


def pooled_validity(variant: Variant) -> dict:
    """ICP error at each eps over all folds' S4 clips, with an exact binomial interval."""
    out = {}
    for eps in EPSILONS:
        errors = n = 0
        for exp in variant.experiments:
            rate, size = exp.metrics.get(f"conformal.error_eps_{eps}"), exp.metrics.get("split.S4_clips")
            if rate is None or size is None:
                continue
            errors, n = errors + round(rate * size), n + size
        if n:
            out[eps] = (errors / n, *clopper_pearson(errors, n), n)
    return out


def paired_clips(variant: Variant, reference: Variant) -> pd.DataFrame | None:
    """Both variants' per-clip tables side by side on the folds both ran (the reference's columns
    suffixed ``_ref``), or None when they share no fold."""
    a, b = pooled_clips(variant), pooled_clips(reference)
    if a is None or b is None:
        return None
    both = a.merge(b, on=("fold", "clip"), suffixes=("", "_ref"))
    return None if both.empty else both


def compare_to(variant: Variant, reference: Variant, seed: int = 0):
    """Paired difference of augmented accuracy between two variants on the same folds' test clips
    (pooled over actors), or None when they share no fold."""
    both = paired_clips(variant, reference)
    return None if both is None else augmented_change(both, seed)


def augmented_change(both: pd.DataFrame, seed: int = 0) -> PairedDelta:
    """augmented - augmented_ref per clip of ``paired_clips``, pooled over actors."""
    return paired_delta(both["augmented"], both["augmented_ref"], both["actor"], seed)


def gain_change(both: pd.DataFrame, seed: int = 0) -> PairedDelta:
    """How much a variant changes the augmented arm's gain over its own fair baseline, against the
    reference of ``paired_clips``: per clip (augmented - baseline) - (augmented_ref - baseline_ref),
    pooled over actors. Where both variants share their fair baseline (a GAN param) it equals the
    augmented difference; where the param changes the baseline too (the classifier's precision, the
    audio budget) it is the question "does the GAN help as much", which the augmented accuracies
    alone do not answer."""
    return paired_delta(both["augmented"] - both["baseline"], both["augmented_ref"] - both["baseline_ref"],
                        both["actor"], seed)


@dataclass(frozen=True)
class Contrast:
    """The effect of one param: two variants that differ in it alone, on the folds both ran."""
    param: str
    before: object  # its committed value when one side has it
    after: object
    context: str  # the other params both variants set apart from the committed ones ("default": none)
    folds: tuple
    delta: PairedDelta  # augmented accuracy, after minus before, paired on the same test clips
    p_adjusted: float = float("nan")  # Benjamini-Hochberg over all contrasts of the report
    gain_change: PairedDelta | None = None  # the delta vs fair baseline, after minus before (``gain_change``)


def bh_adjust(p_values) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, in the input's order: p_(i) n / i, made non-decreasing in
    p by the step-up (the cumulative minimum from the largest p down), capped at 1 (scipy's)."""
    return false_discovery_control(np.asarray(p_values, float), method="bh")


def _sets(variant: Variant, param: str) -> bool:
    """Whether ``variant``'s label names ``param``, i.e. it differs there from the committed params."""
    return any(part.startswith(f"{param}=") for part in variant.label.split(", "))


def one_param_contrasts(variants: list[Variant], seed: int = 0) -> list[Contrast]:
    """Every pair of variants whose params (fold and seeds aside) differ in exactly one and that share
    a fold: e.g. the mode-seeking term on vs off, or conformal selection on vs off, with everything
    else the same. Their fair baselines are the same models, so the paired difference of their
    augmented accuracy is the param's effect. p-values are adjusted for the number of contrasts
    (Benjamini-Hochberg): with a dozen contrasts one p below 0.05 is expected by chance."""
    out = []
    for i, one in enumerate(variants):
        for other in variants[i + 1:]:
            a, b = dict(variant_key(one.experiments[0])), dict(variant_key(other.experiments[0]))
            differ = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
            shared = tuple(sorted(set(one.folds) & set(other.folds)))
            if len(differ) != 1 or not shared:
                continue
            param = differ[0]
            before, after = (other, one) if _sets(one, param) and not _sets(other, param) else (one, other)
            both = paired_clips(after, before)  # "before" holds the committed value where one side does
            if both is not None:
                delta = augmented_change(both, seed)
                values = {id(one): a.get(param), id(other): b.get(param)}
                context = ", ".join(p for p in before.label.split(", ") if not p.startswith(f"{param}=")) or "default"
                out.append(Contrast(param, values[id(before)], values[id(after)], context, shared, delta,
                                    gain_change=gain_change(both, seed)))
    if not out:
        return out
    adjusted = bh_adjust([c.delta.p_value for c in out])
    return [replace(c, p_adjusted=float(p)) for c, p in zip(out, adjusted)]
