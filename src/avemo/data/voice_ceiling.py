"""How much emotion the synthetic voice can carry at most: the Bayes accuracy of a clip's emotion
given its exact prosody offsets, the actor's speaking habits and the clip's level.

The audio is made from these and from draws that do not depend on the emotion (voice, sentence,
channel, synthesis noise), so by the data-processing inequality no audio classifier, however much
audio it is trained on, can beat this accuracy on the corpus (it is an upper bound, not an estimate
of what a CNN reaches). A learning curve can only climb to it: an audio classifier that is near
the ceiling with S3's audio has no headroom left for more audio, real or generated.

The posterior integrates the clip's unknown expressivity s over its prior (Monte Carlo draws of
``clip_expressivity`` for the clip's level):
    p(x | e) = E_s N(x; (PROSODY[e] + style_e) s + baseline, diag(voice_confusion * PROSODY_SPREAD)^2)
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.special import logsumexp

from .synthetic import ClipPlan, CorpusSpec, actor_voice_and_speaker, clip_expressivity, plan_corpus
from .synthetic_face import EMOTIONS
from .synthetic_voice import PROSODY, PROSODY_KEYS, PROSODY_SPREAD, clip_prosody

PROFILES = np.array([PROSODY[e] for e in EMOTIONS])  # (6, 7), rows in EMOTIONS order

# Which prosody cues the ceiling may read: all of them, all but pitch (f0 level and range, jitter:
# the 28-band log-mel spectrogram hardly resolves a 115-205 Hz voice's pitch), loudness and tempo only.
CUES: dict[str, tuple[str, ...]] = {
    "all": PROSODY_KEYS,
    "no_pitch": ("rate", "energy_db", "breath", "tilt"),
    "energy_rate": ("rate", "energy_db"),
}


def clip_latent(spec: CorpusSpec, clip: ClipPlan) -> np.ndarray:
    """(7,) the clip's prosody offsets exactly as ``render_clip`` draws them (same generator, same order)."""
    rng = np.random.default_rng(clip.seed)
    expressivity = clip_expressivity(clip, rng)
    _, speaker = actor_voice_and_speaker(spec, clip.actor)
    prosody = clip_prosody(clip.emotion, expressivity, spec.voice_confusion, rng, speaker)
    return np.array([prosody[k] for k in PROSODY_KEYS])


def expressivity_draws(clips: list[ClipPlan], n: int, seed: int = 1) -> np.ndarray:
    """(n,) draws from the prior of the expressivity of a clip drawn at random from ``clips`` (their
    levels, as often as the design has each)."""
    rng = np.random.default_rng([seed, len(clips)])
    return np.array([clip_expressivity(clips[rng.integers(len(clips))], np.random.default_rng([seed, k]))
                     for k in range(n)])


def emotion_log_posterior(spec: CorpusSpec, clip: ClipPlan, x: np.ndarray, draws: np.ndarray,
                          log_prior: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """(6,) log p(emotion | prosody x[observed], actor, sentence) up to a constant, emotions in
    EMOTIONS order; ``draws`` (6, K) the expressivity prior of each emotion in this sentence. The
    per-clip deviations are independent across prosody dimensions, so leaving a dimension
    unobserved is dropping it."""
    _, speaker = actor_voice_and_speaker(spec, clip.actor)
    profiles = PROFILES + np.array([speaker.style[e] for e in EMOTIONS])  # (6, 7)
    means = profiles[:, None, :] * draws[:, :, None] + speaker.baseline  # (6, K, 7)
    sigma = max(spec.voice_confusion, 1e-6) * PROSODY_SPREAD
    z = ((x - means) / sigma)[..., observed]
    loglik = -0.5 * (z ** 2).sum(-1)  # (6, K): the Gaussian's constant is shared
    return logsumexp(loglik, axis=1) + log_prior


def ceiling_clips(spec: CorpusSpec, n_actors: int) -> list[ClipPlan]:
    """The corpus design with ``n_actors`` actors (more draws of the same distribution)."""
    return plan_corpus(replace(spec, n_actors=max(spec.n_actors, n_actors)))


def sentence_priors(clips: list[ClipPlan], draws: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """sentence -> (log p(emotion | sentence) (6,), expressivity draws (6, K) per emotion). The
    sentence is audible, the level is not: IEO's neutral clip has its own level, so an IEO clip said
    at that level would give its emotion away to a decision that knew the level."""
    out = {}
    for sentence in sorted({c.sentence for c in clips}):
        said = [c for c in clips if c.sentence == sentence]
        counts = np.array([sum(c.emotion == e for c in said) for e in EMOTIONS], float)
        per_emotion = np.stack([expressivity_draws([c for c in said if c.emotion == e] or said, draws)
                                for e in EMOTIONS])
        out[sentence] = (np.log(counts / counts.sum() + 1e-12), per_emotion)
    return out


def bayes_correct(spec: CorpusSpec, n_actors: int = 400, draws: int = 256,
                  observed: tuple[str, ...] = PROSODY_KEYS) -> np.ndarray:
    """(N,) bool: whether the Bayes-optimal decision from the ``observed`` prosody dimensions (with the
    actor's habits and the sentence known) is right, for each clip of the corpus design with
    ``n_actors`` actors. Its mean is the ceiling accuracy."""
    dims = np.array([PROSODY_KEYS.index(k) for k in observed])
    clips = ceiling_clips(spec, n_actors)
    priors = sentence_priors(clips, draws)
    correct = np.empty(len(clips), bool)
    for i, clip in enumerate(clips):
        log_prior, per_emotion = priors[clip.sentence]
        post = emotion_log_posterior(spec, clip, clip_latent(spec, clip), per_emotion, log_prior, dims)
        correct[i] = EMOTIONS[int(post.argmax())] == clip.emotion
    return correct
