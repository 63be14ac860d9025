"""The headline numbers ``dvc exp show``, ``dvc metrics diff`` and ``dvc exp diff`` compare: a few per
stage, each name unique across the project, read from the stage's full results.

Every stage writes all it measured to ``results/<stage>/results.json`` (a DVC output that
``avemo report`` reads); the stages below also write these few numbers to ``metrics/<stage>.json``,
the only files declared as DVC metrics; short names, so that a study's table fits a terminal.
Augmented classification's numbers share the prefix ``aug_`` (the delta to the fair baseline, its
95% interval ``aug_lo``..``aug_hi``, the baseline's and the augmented arm's accuracy), so
``dvc exp show --only-changed --drop '.*/' --keep aug_`` keeps the whole interval even where it did
not change (``--drop '.*/'`` hides the columns of dependency hashes, whose names are paths).
"""
from __future__ import annotations

# stage -> {headline name: key in the stage's results}
HEADLINE: dict[str, dict[str, str]] = {
    "corpus": {"voice_ceiling": "voice_ceiling_one_clip"},
    "preprocess": {"kept": "kept"},
    "train_face_classifier": {"face_acc": "accuracy"},
    "train_audio_classifier": {"audio_acc": "accuracy"},
    "calibrate": {"icp_err10": "error_eps_0.1"},
    "train_temporal_encoder": {"temporal_acc": "accuracy"},
    "evaluate_generation": {"fid": "fid", "is": "is", "gan_test": "gan_test",
                            "copy_share": "copy_own_target_share", "copy_ratio": "copy_distance_ratio"},
    "evaluate_augmented": {"aug_delta": "delta", "aug_lo": "delta_ci95_low", "aug_hi": "delta_ci95_high",
                           "aug_base": "baseline_accuracy", "aug_acc": "augmented_accuracy"},
    "train_mrpn": {"n2_acc": "n2", "n2_gain": "n2_vs_best_unimodal_delta"},
}


def headline(stage: str, results: dict) -> dict:
    """The headline numbers of ``stage`` in ``results`` (one missing from a run, e.g. N2 left out of
    ``mrpn.variants``, is left out)."""
    return {name: results[key] for name, key in HEADLINE.get(stage, {}).items() if key in results}
