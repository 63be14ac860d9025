"""The tables of one `dvc repro`, read from each stage's ``results/<stage>/results.json`` so that the
docs show the files' numbers, not typed copies: each stage's main results (the README's block) and
the detail tables of MRPN's robustness and the face study (the block in docs/results.md).

    avemo report summary [--source results] [--readme README.md] [--results docs/results.md]

MRPN variants are told apart by what ``train_mrpn`` wrote for them (a fusion variant has a comparison
with the best unimodal model), so a new registry entry reaches these tables without being named here.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

BEGIN, END = "<!-- avemo summary: begin -->", "<!-- avemo summary: end -->"
DETAILS_BEGIN, DETAILS_END = "<!-- avemo summary details: begin -->", "<!-- avemo summary details: end -->"


def mrpn_variants(m: dict, prefix: str = "") -> tuple[list[str], list[str]]:
    """(unimodal, fusion) variant names in MRPN metrics ``m`` (keys optionally prefixed, as in a
    report's flat ``mrpn.`` metrics), each sorted by name."""
    names = sorted(k.removeprefix(prefix).removesuffix("_std") for k in m
                   if k.startswith(prefix) and k.endswith("_std") and k.removesuffix("_std") in m)
    fusion = [v for v in names if f"{prefix}{v}_inferior" in m or f"{prefix}{v}_vs_best_unimodal_delta" in m]
    return [v for v in names if v not in fusion], fusion


def _split(m: dict) -> str:
    sets = [f"{name} {m[f'{name}_actors']} actors/{m[f'{name}_clips']} clips" for name in ("S1", "S2", "S3", "S4")]
    if m.get("POOL_actors"):
        sets.append(f"face-only pool {m['POOL_actors']}/{m['POOL_clips']}")
    return ", ".join(sets)


def _conformal(m: dict) -> str:
    errors = ", ".join(f"{m[f'error_eps_{e}']:.3f} [{m[f'error_eps_{e}_ci95_low']:.3f}, {m[f'error_eps_{e}_ci95_high']:.3f}]"
                       for e in ("0.05", "0.1", "0.2"))
    return f"argmax accuracy {m['accuracy']:.3f}; S4 error at eps 0.05 / 0.1 / 0.2 [95% CI]: {errors}"


def _delta(m: dict, key: str) -> str:
    return f"{100 * m[key]:+.1f} [{100 * m[key + '_ci95_low']:+.1f}, {100 * m[key + '_ci95_high']:+.1f}]"


def _augmented(m: dict) -> str:
    return (f"augmented {m['augmented_accuracy']:.3f} vs fair baseline {m['baseline_accuracy']:.3f}: "
            f"{_delta(m, 'delta')} points [95% CI over {m['test_actors']} actors]; oracle "
            f"{m['oracle_accuracy']:.3f}, shuffled labels {m['shuffled_accuracy']:.3f}")


def _mrpn(m: dict) -> str:
    unimodal, fusion = mrpn_variants(m)
    parts = [", ".join(f"{v} {m[v]:.3f}" for v in unimodal)] if unimodal else []
    best = max(unimodal, key=lambda v: m[v]) if unimodal else None
    for v in fusion:
        key = f"{v}_vs_best_unimodal_delta"
        parts.append(f"{v} {m[v]:.3f}" + (f" ({_delta(m, key)} vs {best})" if key in m else ""))
    return "; ".join(parts)


def _ceiling(m: dict) -> str:
    if "voice_ceiling_exact" not in m:
        return ""
    return (f"; the voice's Bayes ceiling {_ci(m, 'voice_ceiling_exact')} from its exact prosody, "
            f"{_ci(m, 'voice_ceiling_one_clip')} from one clip of an unseen actor, "
            f"{_ci(m, 'voice_ceiling_spectrogram')} without loudness (peak-normalised spectrograms), "
            f"{_ci(m, 'voice_ceiling_spectrogram_no_pitch')} without loudness and pitch")


def _people(m: dict) -> str:
    """The actors as people: distinct by dlib's descriptor, and what their faces tell of their voices."""
    text = ""
    if "identity_distinct" in m:
        text += f"; {m['identity_distinct']} distinct people by dlib's face descriptor"
    if "face_to_voice_sex" in m:
        text += (f"; a face tells {_ci(m, 'face_to_voice_sex')} of the neutral voice (sex) and "
                 + (f"{_ci(m, 'face_to_voice_offsets')} of the actor's prosody offsets" if m.get("face_to_voice_offsets")
                    is not None else "nothing of prosody offsets (none drawn)")
                 + f" (face-voice link {m['face_voice_link']:g})")
    return text


def _curve(m: dict) -> str:
    points = sorted(int(k.removeprefix("actors_").removesuffix("_accuracy")) for k in m
                    if k.startswith("actors_") and k.endswith("_accuracy"))
    text = ", ".join(f"{k} actor{'s' * (k != 1)} {m[f'actors_{k}_accuracy']:.3f}" for k in points)
    if "all_vs_budget_delta" in m:
        text += (f"; all {m['all_actors']} vs the budget's {m['budget_actors']}: "
                 f"{_delta(m, 'all_vs_budget_delta')} points")
    return text


def _copies(m: dict) -> str:
    if "copy_distance_ratio" not in m:
        return ""
    own = m.get("copy_own_target_share")
    return ((f"; nearest training clip its own target for {own:.2f} of the training faces' samples" if own is not None
             else "") + f", distance to it {m['copy_distance_ratio']:.2f} of the real clips' spacing")


# stage -> what its results say; a stage whose results are absent is left out of the table
ROWS: dict[str, Callable[[dict], str]] = {
    "corpus": lambda m: f"{m['clips']} clips of {m['actors']} actors" + _people(m) + _ceiling(m),
    "preprocess": lambda m: f"{m['kept']} kept, {m['rejected']} rejected, face detection rate {m['face_detect_rate']:.2f}",
    "split": _split,
    "train_face_classifier": lambda m: f"S4 accuracy {m['accuracy']:.3f}",
    "train_audio_classifier": lambda m: (f"S4 accuracy {m['accuracy']:.3f} real only, "
                                         f"{m['accuracy_specaugment']:.3f} with SpecAugment copies"),
    "calibrate": _conformal,
    "train_temporal_encoder": lambda m: f"{m['encoder']}, S4 accuracy {m['accuracy']:.3f}",
    "train_gan": lambda m: f"{m['epochs']} epochs on {m['pairs']} pairs",
    "generate": lambda m: f"{m['generated']} samples from {m['sources']}",
    "evaluate_generation": lambda m: (f"FID {m['fid']:.1f}, KID {m['kid']:.2f}, IS {m['is']:.2f} (real {m['is_real']:.2f}), "
                                      f"SSIM {m['ssim']:.3f}, GAN-test {m['gan_test']:.2f} (real {m['gan_test_real']:.2f})"
                                      + _copies(m)),
    "evaluate_augmented": _augmented,
    "learning_curve": _curve,
    "train_mrpn": _mrpn,
}


def robustness_table(m: dict) -> str:
    """MRPN variants with one stream corrupted at test time (``mrpn.corruptions``), and N2 against
    each other fusion model under each condition, paired, with 95% intervals over actors."""
    unimodal, fusion = mrpn_variants(m)
    variants = unimodal + fusion
    if not variants:
        return ""
    conditions = sorted({k.removeprefix(f"{variants[0]}_").removesuffix("_drop") for k in m
                         if k.startswith(f"{variants[0]}_") and k.endswith("_drop")})
    if not conditions:
        return ""
    lines = ["| variant | clean | " + " | ".join(conditions) + " |", "|---|---|" + "---|" * len(conditions)]
    for v in variants:
        lines.append(f"| {v} | {m[v]:.3f} | " + " | ".join(f"{m[f'{v}_{c}']:.3f}" for c in conditions) + " |")
    for other in (v for v in variants if f"n2_vs_{v}_{conditions[0]}_delta" in m):
        lines.append(f"| n2 vs {other} | {_delta(m, f'n2_vs_{other}_delta') if f'n2_vs_{other}_delta' in m else ''} | "
                     + " | ".join(_delta(m, f"n2_vs_{other}_{c}_delta") for c in conditions) + " |")
    return "\n".join(lines) + "\n"


def _ci(m: dict, key: str) -> str:
    return f"{m[key]:.3f} [{m[key + '_ci95_low']:.3f}, {m[key + '_ci95_high']:.3f}]"


def face_study_table(m: dict) -> str:
    """Each face input x model row of ``face_study`` (thesis Tables 4.1-4.2 and 4.3's transfer):
    S4 accuracy upright and turned, and the paired difference to the pixel CNN f_S."""
    rows = [k for k in m if f"{k}_turned" in m and f"{k}_turned_delta" in m]
    if not rows:
        return ""
    lines = [f"| input, model | S4 accuracy [95% CI] | turned +-{m['rotation_degrees']:g} deg | change when turned "
             f"(points) | vs pixels + cnn (points) |", "|---|---|---|---|---|"]
    for k in rows:
        versus = _delta(m, f"{k}_vs_pixels_cnn_delta") if f"{k}_vs_pixels_cnn_delta" in m else ""
        lines.append(f"| {k.replace('_', ' ', 1)} | {_ci(m, k)} | {_ci(m, k + '_turned')} | "
                     f"{_delta(m, k + '_turned_delta')} | {versus} |")
    return "\n".join(lines) + "\n"


def _read(source: Path, stage: str) -> dict | None:
    path = source / stage / "results.json"
    return json.loads(path.read_text()) if path.exists() else None


def summary_table(source: Path) -> str:
    """One row per stage whose results are there (``source``: the results folder of a `dvc repro`)."""
    lines = ["| stage | result (`results/<stage>/results.json`) |", "|---|---|"]
    for stage, say in ROWS.items():
        m = _read(source, stage)
        if m is not None:
            lines.append(f"| `{stage}` | {say(m)} |")
    return "\n".join(lines) + "\n"


def detail_tables(source: Path) -> str:
    """MRPN with a corrupted stream and the face study, each with the sentence that says what it is."""
    parts = []
    mrpn = _read(source, "train_mrpn")
    robust = robustness_table(mrpn) if mrpn is not None else ""
    if robust:
        parts.append("MRPN with one stream corrupted at test time (`mrpn.corruptions`; accuracy, every clip tested "
                     "once; the n2 rows are paired differences in points [95% CI over actors]):\n\n" + robust)
    m = _read(source, "face_study")
    faces = face_study_table(m) if m is not None else ""
    if faces:
        parts.append(f"Facial emotion from pixels, landmarks or geometry features and from identity pre-training "
                     f"(`face_study`; trained on S1's {m['train_clips']} clips, tested on S4's {m['test_clips']} clips of "
                     f"{m['test_actors']} actors; intervals over actors; identity pre-training on "
                     f"{m['identity_actors']} actors outside S4):\n\n" + faces)
    return "\n".join(parts)
