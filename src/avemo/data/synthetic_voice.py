"""A source-filter voice with emotional prosody (docs/design.md, "The synthetic corpus").

Glottal pulse train on an f0 contour (with jitter and shimmer) plus aspiration noise, shaped by a
spectral-tilt filter and three formant resonators per syllable vowel, under syllable envelopes.
Emotion acts through prosody (f0 level and range, rate, energy, jitter, breathiness, tilt), scaled by
the clip's expressivity, on top of the actor's own voice. The syllable envelope is returned so the
face's mouth can follow it (lip sync).

What makes voice emotion take data to learn (the speaker-variability problem of real speech emotion
recognition): how an actor expresses each emotion depends on their voice (``Speaker``, scaled by
``speaker_spread``): a fixed, smooth law maps the voice's audible traits (pitch, vocal-tract length,
breathiness, tilt) to a personal prosody style per emotion, so one actor's anger can sound like
another's neutral. The law is the same for every actor, so it can be learnt, but only from many
voices: with the actors of one set a classifier sees a handful of points of it. Each actor also
records through their own channel (``Channel``, scaled by ``channel_spread``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter, sosfilt

# Vowel formants F1-F3 (Hz, adult male; Peterson & Barney style values).
VOWELS = {
    "a": (730, 1090, 2440), "e": (530, 1840, 2480), "i": (270, 2290, 3010),
    "o": (570, 840, 2410), "u": (300, 870, 2240), "ae": (660, 1720, 2410),
}

# Prosody profile per emotion, at full expressivity; every entry is an offset from the actor's
# neutral voice: f0 shift (semitones), f0 range (log factor), rate (log factor), energy (dB),
# jitter (share of period), breathiness (noise share), tilt (one-pole coefficient offset).
PROSODY_KEYS = ("f0_st", "range", "rate", "energy_db", "jitter", "breath", "tilt")
PROSODY = {
    "NEU": (0.0, 0.0, 0.0, 0.0, 0.000, 0.00, 0.00),
    "HAP": (3.0, 0.35, 0.10, 3.0, 0.004, 0.02, -0.12),
    "SAD": (-2.0, -0.45, -0.25, -5.0, 0.006, 0.12, 0.10),
    "ANG": (2.0, 0.25, 0.08, 6.0, 0.006, -0.02, -0.25),
    "FEA": (5.0, 0.15, 0.18, -1.0, 0.014, 0.10, -0.02),
    "DIS": (-1.0, 0.10, -0.15, 1.0, 0.010, 0.04, 0.05),
}
# Per-dimension scale of the clip's random prosody deviation (voice_confusion multiplies it).
PROSODY_SPREAD = np.array([2.2, 0.25, 0.10, 3.0, 0.005, 0.05, 0.10])


@dataclass(frozen=True)
class Voice:
    """An actor's neutral voice."""

    f0: float  # Hz
    formant_scale: float  # vocal-tract length factor (female ~1.15)
    breath: float
    tilt: float  # one-pole low-pass coefficient of the glottal source


# The population of neutral voices: pitch and vocal-tract length by sex (normal), breathiness and
# source tilt for everyone (uniform).
VOICE_BY_SEX = {"Female": {"f0": (205.0, 18.0), "formant_scale": (1.15, 0.03)},
                "Male": {"f0": (115.0, 12.0), "formant_scale": (1.0, 0.03)}}
BREATH, TILT = (0.04, 0.10), (0.55, 0.75)


def actor_voice(sex: str, rng: np.random.Generator) -> Voice:
    prior = VOICE_BY_SEX["Female" if sex == "Female" else "Male"]
    return Voice(
        f0=float(rng.normal(*prior["f0"])),
        formant_scale=float(rng.normal(*prior["formant_scale"])),
        breath=float(rng.uniform(*BREATH)),
        tilt=float(rng.uniform(*TILT)),
    )


def trait_scores(voice: Voice, sex: str) -> np.ndarray:
    """(4,) where the voice sits among voices of its sex, as standard-normal scores: pitch, vocal-tract
    length, breathiness, tilt (each trait's own prior mapped through its CDF). What sex alone does not
    say about a voice; the face-voice link shares these scores with the face."""
    from scipy.stats import norm

    prior = VOICE_BY_SEX["Female" if sex == "Female" else "Male"]
    return np.array([(voice.f0 - prior["f0"][0]) / prior["f0"][1],
                     (voice.formant_scale - prior["formant_scale"][0]) / prior["formant_scale"][1],
                     norm.ppf(np.clip((voice.breath - BREATH[0]) / (BREATH[1] - BREATH[0]), 1e-6, 1 - 1e-6)),
                     norm.ppf(np.clip((voice.tilt - TILT[0]) / (TILT[1] - TILT[0]), 1e-6, 1 - 1e-6))])


def voice_from_scores(scores: np.ndarray, sex: str) -> Voice:
    """The inverse of ``trait_scores``: the voice of ``sex`` at those scores."""
    from scipy.stats import norm

    prior = VOICE_BY_SEX["Female" if sex == "Female" else "Male"]
    u = norm.cdf(scores[2:])
    return Voice(f0=float(prior["f0"][0] + scores[0] * prior["f0"][1]),
                 formant_scale=float(prior["formant_scale"][0] + scores[1] * prior["formant_scale"][1]),
                 breath=float(BREATH[0] + u[0] * (BREATH[1] - BREATH[0])), tilt=float(TILT[0] + u[1] * (TILT[1] - TILT[0])))


def sentence_plan(code: str) -> list[str]:
    """A fixed vowel sequence per CREMA-D sentence code (5-9 syllables)."""
    seed = sum(ord(c) * 31**i for i, c in enumerate(code))
    rng = np.random.default_rng(seed)
    names = list(VOWELS)
    return [names[i] for i in rng.integers(0, len(names), size=5 + seed % 5)]


@dataclass(frozen=True)
class Speaker:
    """An actor's prosodic habits, as offsets in the units of PROSODY."""

    baseline: np.ndarray  # (7,) added to every clip of the actor
    style: dict  # emotion -> (7,) the actor's own deviation from the shared profile (times expressivity)


# The law of expression: per emotion, a (7 prosody x 4 traits) matrix, fixed for every corpus.
STYLE_LAW = {e: np.random.default_rng([7, k]).normal(size=(len(PROSODY_KEYS), 4)) for k, e in enumerate(PROSODY)}


def voice_traits(voice: "Voice") -> np.ndarray:
    """The audible traits of a voice, standardised: (4,) pitch, vocal-tract length, breath, tilt."""
    return np.array([(voice.f0 - 160) / 45, (voice.formant_scale - 1.07) / 0.08, (voice.breath - 0.07) / 0.018,
                     (voice.tilt - 0.65) / 0.058])


def actor_speaker(rng: np.random.Generator, spread: float, voice: "Voice | None" = None) -> Speaker:
    """The actor's prosody style per emotion from the law of expression applied to their voice's traits
    (``spread`` x PROSODY_SPREAD at most), and a small personal baseline (a fifth of that)."""
    baseline = 0.2 * spread * PROSODY_SPREAD * rng.normal(size=len(PROSODY_KEYS))
    traits = voice_traits(voice) if voice is not None else np.zeros(4)
    style = {e: spread * PROSODY_SPREAD * np.tanh(STYLE_LAW[e] @ traits / 2) for e in PROSODY}
    return Speaker(baseline, style)


def clip_prosody(emotion: str, expressivity: float, confusion: float, rng: np.random.Generator,
                 speaker: Speaker | None = None) -> dict:
    """The clip's prosody offsets: the emotion's profile (plus the speaker's style) times
    expressivity, plus the speaker's baseline, plus a random spread of ``confusion`` per clip."""
    base = np.array(PROSODY[emotion]) * expressivity
    if speaker is not None:
        base = base + speaker.baseline + speaker.style[emotion] * expressivity
    values = base + confusion * PROSODY_SPREAD * rng.normal(size=len(PROSODY_KEYS))
    return dict(zip(PROSODY_KEYS, values))


@dataclass(frozen=True)
class Channel:
    """A recording channel: a one-pole tilt, a peaking resonance, and background noise."""

    tilt: float  # coefficient of a one-pole filter (> 0 darker, < 0 brighter)
    resonance_hz: float
    resonance_gain: float  # linear gain of the resonant band added to the signal
    noise_dbfs: float  # room noise level, relative to full scale (so louder speech stands further above it)


def actor_channel(rng: np.random.Generator, spread: float) -> Channel:
    """An actor's microphone and room; ``spread`` 0 = a flat, quiet channel."""
    return Channel(tilt=float(np.clip(spread * rng.normal(0, 0.3), -0.7, 0.7)),
                   resonance_hz=float(rng.uniform(300, 3500)),
                   resonance_gain=float(spread * rng.uniform(0.0, 1.0)),
                   noise_dbfs=float(-60 + spread * rng.uniform(0, 25)))


def apply_channel(audio: np.ndarray, channel: Channel, sr: int, rng: np.random.Generator) -> np.ndarray:
    """The utterance as the channel records it (float32 in [-1, 1]); noise drawn from ``rng``."""
    out = lfilter([1.0 - abs(channel.tilt)], [1.0, -channel.tilt], audio.astype(np.float64))
    if channel.resonance_gain > 0:
        band = sosfilt(_resonator_sos(channel.resonance_hz, 0.3 * channel.resonance_hz, sr)[None], out)
        out = out + channel.resonance_gain * band
    out = out / (np.max(np.abs(out)) + 1e-9) * np.max(np.abs(audio))  # the speech keeps its level
    out = out + rng.normal(0, 10 ** (channel.noise_dbfs / 20), size=len(out))
    return np.clip(out, -1, 1).astype(np.float32)


def _resonator_sos(freq: float, bandwidth: float, sr: int) -> np.ndarray:
    """One second-order formant resonator with unit gain at DC, as an SOS row."""
    r = np.exp(-np.pi * bandwidth / sr)
    theta = 2 * np.pi * freq / sr
    a1, a2 = -2 * r * np.cos(theta), r * r
    return np.array([1 + a1 + a2, 0, 0, 1, a1, a2])


def synthesize(
    voice: Voice, vowels: list[str], prosody: dict, seconds: float, sr: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One utterance: -> (waveform (N,) float32 in [-1, 1], syllable envelope (N,) in [0, 1])."""
    n = int(round(seconds * sr))
    rate = np.exp(prosody["rate"])
    syl = 0.17 / rate
    speech = min(len(vowels) * syl, seconds * 0.8)
    syl = speech / len(vowels)
    start = rng.uniform(0.3, 0.7) * (seconds - speech)
    t = np.arange(n) / sr

    # Syllable envelopes: raised-cosine bumps; their sum drives amplitude and lip opening.
    env = np.zeros(n)
    bounds = []
    for k in range(len(vowels)):
        a, b = start + k * syl, start + (k + 0.88) * syl
        i, j = int(a * sr), min(n, int(b * sr))
        bounds.append((i, j))
        env[i:j] = np.sin(np.linspace(0, np.pi, j - i)) ** 0.7
    # f0 contour: level, declination, one accent per syllable scaled by range, slow jitter walk.
    f0 = voice.f0 * 2 ** (prosody["f0_st"] / 12)
    rel = np.clip((t - start) / speech, 0, 1)
    accents = np.zeros(n)
    for k, (i, j) in enumerate(bounds):
        accents[i:j] = rng.normal(0, 1) * np.sin(np.linspace(0, np.pi, j - i))
    contour = f0 * (1 - 0.12 * rel) * np.exp(0.12 * np.exp(prosody["range"]) * accents)
    jitter = max(prosody["jitter"], 0.0) + 0.003
    contour = contour * (1 + jitter * rng.normal(size=n).cumsum() / np.sqrt(sr / 50)).clip(0.7, 1.3)
    phase = np.cumsum(contour / sr)
    pulses = np.diff(np.floor(phase), prepend=0.0)  # one impulse per glottal period
    shimmer = 1 + (0.05 + 3 * jitter) * rng.normal(size=n)
    source = lfilter([1.0], [1.0, -np.clip(voice.tilt + prosody["tilt"], 0.2, 0.95)], pulses * shimmer)
    source = np.diff(source, prepend=0.0) * 4  # radiation at the lips
    breath = np.clip(voice.breath + prosody["breath"], 0.005, 0.5)
    source = source + breath * rng.normal(size=n) * 0.5

    out = np.zeros(n)
    for vowel, (i, j) in zip(vowels, bounds):
        formants = np.array(VOWELS[vowel]) * voice.formant_scale * rng.normal(1, 0.03, size=3)
        sos = np.stack([_resonator_sos(f, 60 + 0.06 * f, sr) for f in formants])
        lo = max(0, i - int(0.02 * sr))
        seg = sosfilt(sos, source[lo:j])[i - lo:]
        burst = rng.normal(size=min(int(0.015 * sr), j - i)) * 0.3  # consonant onset
        seg[: len(burst)] += burst
        out[i:j] += seg
    out *= env
    out /= np.max(np.abs(out)) + 1e-9
    out *= 10 ** ((prosody["energy_db"] - 12) / 20)
    out += rng.normal(0, 10 ** (-55 / 20), size=n)  # microphone noise floor
    return np.clip(out, -1, 1).astype(np.float32), env.astype(np.float32)
