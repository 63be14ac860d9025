"""How much of an unseen actor's voice their face tells: the face-to-voice ceiling of the synthetic corpus.

An ideal observer of a face sees the actor's sex and their expression style exactly (the corpus draws
both; ``synthetic.face_style``). From those it predicts the actor's voice as well as anything can
(the conditional mean, by Monte Carlo over what the face does not show). Three shares of variance
explained (R^2 over Monte Carlo actors, each with a bootstrap 95% interval over those actors):

- ``sex``: the neutral voice's pitch (semitones) and vocal-tract length, from the sex alone (what
  life gives any observer of a face: Nagrani et al. 2018 match faces to voices well across sexes);
- ``traits``: where the voice sits among its sex's voices (``trait_scores``), from the expression
  style: ``corpus.face_voice_link`` by construction (a check of the corpus);
- ``offsets``: the actor's own prosody offsets (``Speaker``: the baseline and the style of each
  emotion, in units of ``PROSODY_SPREAD``, the clips' own spread), from sex and expression style: the
  part of the actor's way of voicing emotions that a generator shown the face could know. None when
  ``corpus.speaker_spread`` is 0 (no actor has offsets of their own).

Like the voice's Bayes ceiling, this bounds what a model reading faces can know of the voice; it is
not an estimate of what a GAN learns.
"""
from __future__ import annotations

import numpy as np

from .synthetic import CorpusSpec
from .synthetic_face import EMOTIONS
from .synthetic_voice import PROSODY_SPREAD, actor_speaker, actor_voice, trait_scores, voice_from_scores

SEXES = ("Male", "Female")


def offsets(speaker) -> np.ndarray:
    """(7 x 7,) an actor's prosody offsets (baseline, then each emotion's style) in units of PROSODY_SPREAD."""
    return np.concatenate([speaker.baseline, *(speaker.style[e] for e in EMOTIONS)]) / np.tile(PROSODY_SPREAD, 7)


def neutral(voice) -> np.ndarray:
    """(2,) the neutral voice's pitch in semitones and its vocal-tract length factor in hundredths."""
    return np.array([12 * np.log2(voice.f0), 100 * voice.formant_scale])


def draw_actors(spec: CorpusSpec, n: int, seed: int) -> list[dict]:
    """``n`` Monte Carlo actors (sexes alternating) as the corpus draws them: sex, voice, offsets and
    the expression style their face shows."""
    link, out = spec.face_voice_link, []
    for i in range(n):
        sex = SEXES[i % 2]
        voice = actor_voice(sex, np.random.default_rng([seed, i, 3]))
        scores = trait_scores(voice, sex)
        style = np.sqrt(link) * scores + np.sqrt(1 - link) * np.random.default_rng([seed, i, 17]).normal(size=len(scores))
        speaker = actor_speaker(np.random.default_rng([seed, i, 5]), spec.speaker_spread, voice)
        out.append({"sex": sex, "neutral": neutral(voice), "scores": scores, "style": style, "offsets": offsets(speaker)})
    return out


def predicted_offsets(spec: CorpusSpec, sex: str, style: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """E[offsets | sex, style]: the voice's trait scores given the style are normal, mean sqrt(L) style
    and variance 1 - L per coordinate; each draw's voice sets its style of voicing by the law of
    expression; its baseline has mean zero whatever the face shows."""
    link = spec.face_voice_link
    scores = np.sqrt(link) * style + np.sqrt(1 - link) * rng.normal(size=(draws, len(style)))
    means = [offsets(actor_speaker(np.random.default_rng(0), spec.speaker_spread, voice_from_scores(z, sex)))
             for z in scores]
    mean = np.mean(means, axis=0)
    mean[: len(PROSODY_SPREAD)] = 0.0  # the baseline: drawn apart from the voice, unseen by the face
    return mean


def explained(truth: np.ndarray, guess: np.ndarray, rng: np.random.Generator, resamples: int = 2000
              ) -> tuple[float, float, float]:
    """R^2 = 1 - sum |truth - guess|^2 / sum |truth - mean|^2 over actors (rows), with a 95% percentile
    bootstrap interval over actors."""
    def share(rows):
        t, g = truth[rows], guess[rows]
        return 1 - ((t - g) ** 2).sum() / max(((t - t.mean(0)) ** 2).sum(), 1e-300)

    n = len(truth)
    boots = [share(rng.integers(0, n, n)) for _ in range(resamples)]
    low, high = np.quantile(boots, [0.025, 0.975])
    return float(share(np.arange(n))), float(low), float(high)


def face_to_voice_ceiling(spec: CorpusSpec, n_actors: int, draws: int = 64, seed: int = 4) -> dict:
    """The three shares (module docstring) with their intervals, as flat results."""
    rng = np.random.default_rng([seed, 1])
    actors = draw_actors(spec, n_actors, seed)
    sexes = np.array([a["sex"] for a in actors])
    out = {"face_voice_link": spec.face_voice_link, "face_to_voice_actors": n_actors}
    pitch = np.stack([a["neutral"] for a in actors])
    by_sex = {s: pitch[sexes == s].mean(0) for s in SEXES}
    rows = {"sex": (pitch, np.stack([by_sex[s] for s in sexes])),
            "traits": (np.stack([a["scores"] for a in actors]),
                       np.sqrt(spec.face_voice_link) * np.stack([a["style"] for a in actors]))}
    if spec.speaker_spread > 0:
        truth = np.stack([a["offsets"] for a in actors])
        guess = np.stack([predicted_offsets(spec, a["sex"], a["style"], draws, rng) for a in actors])
        rows["offsets"] = (truth, guess)
    for name, (truth, guess) in rows.items():
        share, low, high = explained(truth, guess, rng)
        out.update({f"face_to_voice_{name}": round(share, 4), f"face_to_voice_{name}_ci95_low": round(low, 4),
                    f"face_to_voice_{name}_ci95_high": round(high, 4)})
    if "offsets" not in rows:
        out["face_to_voice_offsets"] = None
    return out
