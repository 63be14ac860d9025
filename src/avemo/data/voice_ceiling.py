"""How much emotion the synthetic voice can carry at most: the accuracy of an ideal listener, the
Bayes decision on a clip's emotion from its exact prosody.

The audio is made from the prosody and from draws that do not depend on the emotion (sentence,
channel, synthesis noise), so by the data-processing inequality no classifier that hears what the
listener hears, however much audio it is trained on, beats the listener on the corpus: each ceiling
is an upper bound, not an estimate of what a CNN reaches. A learning curve can only climb to it.

Listeners differ in what they know (``LISTENERS``): the actor's neutral voice and habits, or only
their sex (one clip of an unseen actor: pitch, breathiness and tilt are then heard on top of the
actor's own); and which prosody cues they hear (the pipeline's spectrograms are in dB relative to
each clip's peak, so the clip's loudness is gone). The posterior integrates what the listener does
not know (the clip's expressivity s; the actor) by Monte Carlo over their priors:
    p(x | e) = E_{s, actor} N(x; (PROSODY[e] + style_e) s + baseline + neutral, diag(voice_confusion * PROSODY_SPREAD)^2)
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.special import logsumexp

from .synthetic import Actor, ClipPlan, CorpusSpec, actor_voice_and_speaker, clip_expressivity, plan_corpus
from .synthetic_face import EMOTIONS
from .synthetic_voice import PROSODY, PROSODY_KEYS, PROSODY_SPREAD, clip_prosody

PROFILES = np.array([PROSODY[e] for e in EMOTIONS])  # (6, 7), rows in EMOTIONS order
PITCH = ("f0_st", "range", "jitter")


@dataclass(frozen=True)
class Listener:
    """What an ideal listener hears (prosody cues) and knows (the actor, or only their sex)."""
    cues: tuple[str, ...]
    knows_actor: bool


LISTENERS: dict[str, Listener] = {
    "exact": Listener(PROSODY_KEYS, knows_actor=True),  # the prosody offsets themselves
    "one_clip": Listener(PROSODY_KEYS, knows_actor=False),  # one clip of an unseen actor
    "spectrogram": Listener(tuple(k for k in PROSODY_KEYS if k != "energy_db"), knows_actor=False),
    "spectrogram_no_pitch": Listener(tuple(k for k in PROSODY_KEYS if k not in (*PITCH, "energy_db")),
                                     knows_actor=False),
}


def neutral(voice) -> np.ndarray:
    """(7,) what the actor's neutral voice adds to the heard prosody: pitch (semitones re 100 Hz),
    breathiness and tilt (``synthesize`` adds the clip's offsets to these)."""
    return np.array([12 * np.log2(voice.f0 / 100), 0, 0, 0, 0, voice.breath, voice.tilt])


def clip_latent(spec: CorpusSpec, clip: ClipPlan) -> np.ndarray:
    """(7,) the clip's prosody offsets exactly as ``render_clip`` draws them (same generator, same order)."""
    rng = np.random.default_rng(clip.seed)
    expressivity = clip_expressivity(clip, rng)
    _, speaker = actor_voice_and_speaker(spec, clip.actor)
    prosody = clip_prosody(clip.emotion, expressivity, spec.voice_confusion, rng, speaker)
    return np.array([prosody[k] for k in PROSODY_KEYS])


def heard(spec: CorpusSpec, clip: ClipPlan, listener: Listener) -> np.ndarray:
    """(7,) the clip's prosody as the listener hears it (on top of the actor's neutral voice unless
    the listener knows the actor)."""
    return _heard(clip_latent(spec, clip), actor_voice_and_speaker(spec, clip.actor)[0], listener)


def _heard(latent: np.ndarray, voice, listener: Listener) -> np.ndarray:
    return latent if listener.knows_actor else latent + neutral(voice)


@dataclass(frozen=True)
class Actors:
    """K actors the listener weighs: (K, 7) neutral voices, (K, 6, 7) styles, (K, 7) baselines."""
    neutral: np.ndarray
    style: np.ndarray
    baseline: np.ndarray


def actors_of(spec: CorpusSpec, actors: list[Actor], knows_actor: bool) -> Actors:
    voices = [actor_voice_and_speaker(spec, a) for a in actors]
    return Actors(np.stack([neutral(v) if not knows_actor else np.zeros(7) for v, _ in voices]),
                  np.stack([[s.style[e] for e in EMOTIONS] for _, s in voices]),
                  np.stack([s.baseline for _, s in voices]))


def unseen_actors(spec: CorpusSpec, sex: str, n: int, seed: int = 2) -> list[Actor]:
    """``n`` actors of ``sex`` drawn as the corpus draws its actors (their voices and habits)."""
    seeds = np.random.default_rng([seed, sex == "Male"]).integers(0, 2**31, size=n)
    return [Actor(0, sex, 0, "", "", 0, int(s)) for s in seeds]


def expressivity_draws(clips: list[ClipPlan], n: int, seed: int = 1) -> np.ndarray:
    """(n,) draws from the prior of the expressivity of a clip drawn at random from ``clips`` (their
    levels, as often as the design has each)."""
    rng = np.random.default_rng([seed, len(clips)])
    return np.array([clip_expressivity(clips[rng.integers(len(clips))], np.random.default_rng([seed, k]))
                     for k in range(n)])


def emotion_log_posterior(x: np.ndarray, actors: Actors, draws: np.ndarray, log_prior: np.ndarray,
                          sigma: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """(6,) log p(emotion | x[observed]) up to a constant, emotions in EMOTIONS order; ``draws`` (6, K)
    the expressivity prior of each emotion in the clip's sentence, paired with the K ``actors`` (or
    one known actor). The per-clip deviations are independent across prosody dimensions, so leaving
    a dimension unheard is dropping it."""
    profiles = PROFILES[:, None, :] + actors.style.transpose(1, 0, 2)  # (6, K or 1, 7)
    means = profiles * draws[:, :, None] + actors.baseline + actors.neutral  # (6, K, 7)
    z = ((x - means) / sigma)[..., observed]
    return logsumexp(-0.5 * (z ** 2).sum(-1), axis=1) + log_prior  # the Gaussian's constant is shared


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


def bayes_correct(spec: CorpusSpec, listener: Listener = LISTENERS["exact"], n_actors: int = 400,
                  draws: int = 1024) -> np.ndarray:
    """(N,) bool: whether the listener's Bayes decision is right, for each clip of the corpus design
    with ``n_actors`` actors (the listener knows the sentence, and the actor or their sex). Its mean
    is the ceiling accuracy."""
    return bayes_correct_each(spec, {"one": listener}, n_actors, draws)["one"]


def bayes_correct_each(spec: CorpusSpec, listeners: dict[str, Listener], n_actors: int = 400,
                       draws: int = 1024) -> dict[str, np.ndarray]:
    """``bayes_correct`` for several listeners in one pass: the clips, their prosody, the priors and
    the unseen actors are drawn once and shared."""
    sigma = max(spec.voice_confusion, 1e-6) * PROSODY_SPREAD
    clips = ceiling_clips(spec, n_actors)
    priors = sentence_priors(clips, draws)
    unseen = {sex: actors_of(spec, unseen_actors(spec, sex, draws), False) for sex in ("Male", "Female")}
    observed = {name: np.array([PROSODY_KEYS.index(k) for k in ln.cues]) for name, ln in listeners.items()}
    correct = {name: np.empty(len(clips), bool) for name in listeners}
    for i, clip in enumerate(clips):
        latent, voice = clip_latent(spec, clip), actor_voice_and_speaker(spec, clip.actor)[0]
        known = actors_of(spec, [clip.actor], True)
        log_prior, per_emotion = priors[clip.sentence]
        for name, listener in listeners.items():
            actors = known if listener.knows_actor else unseen[clip.actor.sex]
            post = emotion_log_posterior(_heard(latent, voice, listener), actors, per_emotion, log_prior, sigma,
                                         observed[name])
            correct[name][i] = EMOTIONS[int(post.argmax())] == clip.emotion
    return correct
