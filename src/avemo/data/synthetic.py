"""The embedded synthetic audio-visual emotion corpus, written in the CREMA-D layout (docs/design.md, "The synthetic corpus").

``plan_corpus`` decides every clip (actor, sentence, emotion, level, seed) from the corpus seed;
``render_clip`` draws one clip's shared latent expressivity and makes its voice and its face from it
(lip sync and onset-apex-offset dynamics included); ``write_corpus`` writes the files with a process
pool. Every random draw comes from a generator seeded per clip (or per actor), so the bytes do not
depend on the number of workers.

Each actor is a person of their own (``synthetic_identity``): a face drawn for their sex, and a voice
whose pitch and formants follow that sex. Beyond sex, the face shows the voice only through the
face-voice link (``corpus.face_voice_link`` = L): the actor's expression style is sqrt(L) times where
their voice sits among voices of their sex (``trait_scores``, which also set their way of voicing
each emotion through the law of expression) plus sqrt(1 - L) times a draw of its own (``face_style``).
"""
from __future__ import annotations

import csv
from collections import OrderedDict
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..atomic import atomic_dir
from ..workers import one_thread_per_worker
from .faces import FaceModels
from .media import write_video, write_wav
from .synthetic_face import EMOTIONS, REST_TEMPLATES, actor_face, portraits, render_frames, style_gains
from .synthetic_identity import draw_identity
from .synthetic_voice import (Speaker, Voice, actor_channel, actor_speaker, actor_voice, apply_channel, clip_prosody,
                              sentence_plan, synthesize, trait_scores)

LEVEL_EXPRESSIVITY = {"LO": 0.5, "MD": 0.75, "HI": 1.0}
LEVELED_SENTENCE = "IEO"  # as in CREMA-D, only this sentence is recorded at three levels


@dataclass(frozen=True)
class CorpusSpec:
    """Everything that determines the corpus (built from the ``corpus`` params section)."""

    seed: int
    n_actors: int
    sentences: tuple
    clip_seconds: float
    fps: int
    frame_size: int  # frame height (and width when frame_width is 0)
    frame_width: int  # 0: square; wider frames show the square face scene with its edges extended
    sample_rate: int
    expression_gain: float
    face_confusion: float
    voice_confusion: float
    image_noise: float
    levels: tuple  # levels of the sentence IEO (CREMA-D records all three)
    speaker_spread: float  # actors' own prosodic baselines and emotion styles
    channel_spread: float  # actors' own microphones and rooms
    face_voice_link: float  # share of the voice's place among its sex's voices that the face's expression style shows


@dataclass(frozen=True)
class Actor:
    actor_id: int
    sex: str
    age: int
    race: str
    ethnicity: str
    portrait: int
    seed: int


@dataclass(frozen=True)
class ClipPlan:
    name: str
    actor: Actor
    sentence: str
    emotion: str
    level: str
    seed: int


def plan_actors(spec: CorpusSpec) -> list[Actor]:
    """Actors 1001.. alternating sex (balanced), ages 20-74, each tied to one portrait."""
    rng = np.random.default_rng([spec.seed, 1])
    races = ["Caucasian", "African American", "Asian", "Unknown"]
    actors = []
    for k in range(spec.n_actors):
        actors.append(
            Actor(
                actor_id=1001 + k,
                sex="Male" if k % 2 == 0 else "Female",
                age=int(rng.integers(20, 75)),
                race=races[int(rng.integers(0, len(races)))],
                ethnicity="Hispanic" if rng.random() < 0.15 else "Not Hispanic",
                portrait=(k // 2) % 2,
                seed=int(rng.integers(0, 2**31)),
            )
        )
    return actors


def plan_corpus(spec: CorpusSpec) -> list[ClipPlan]:
    """CREMA-D's design: each actor says each sentence in six emotions (level XX); the sentence IEO
    is said neutral once and in the five other emotions at each of ``spec.levels`` (CREMA-D: LO, MD
    and HI, so NEU has fewer clips; one level keeps the classes balanced)."""
    clips = []
    for actor in plan_actors(spec):
        for sentence in spec.sentences:
            for emotion in EMOTIONS:
                if sentence == LEVELED_SENTENCE and emotion != "NEU":
                    levels = list(spec.levels)
                else:
                    levels = ["XX"]
                for level in levels:
                    name = f"{actor.actor_id}_{sentence}_{emotion}_{level}"
                    seed = int(np.random.default_rng([spec.seed, actor.actor_id, len(clips)]).integers(0, 2**31))
                    clips.append(ClipPlan(name, actor, sentence, emotion, level, seed))
    return clips


def onset_apex_offset(n: int, onset: int, offset: int) -> np.ndarray:
    """Expression level per frame: 0 before ``onset``, smooth rise to 1 (apex), fall after ``offset``."""
    t = np.arange(n, dtype=np.float64)
    rise = np.clip((t - onset) / max(1, 0.25 * (offset - onset)), 0, 1)
    fall = np.clip((offset + 0.2 * n - t) / max(1, 0.2 * n), 0, 1)
    level = np.minimum(rise, fall)
    return 0.5 - 0.5 * np.cos(np.pi * level)


class _Renderer:
    """Per-process cache of the portraits and the latest actors' faces (built lazily, deterministically).

    Clips come actor by actor, so a few faces suffice; keeping every actor's (its displacement fields
    are ~8 MB at 360 px) grew each worker by about 0.8 GB at CREMA-D's 91 actors."""

    KEEP = 4  # actors; a worker meets them in order, a chunk of clips at a time

    def __init__(self, spec: CorpusSpec):
        self.spec = spec
        self.portraits = portraits(FaceModels.load())
        self.faces: OrderedDict[int, object] = OrderedDict()

    def face(self, actor: Actor):
        if actor.actor_id not in self.faces:
            identity = draw_identity(actor.sex, np.random.default_rng([actor.seed, 13]))
            self.faces[actor.actor_id] = actor_face(self.portraits[actor.portrait], identity, face_style(self.spec, actor),
                                                    np.random.default_rng([actor.seed, 7]), self.spec.frame_size)
            while len(self.faces) > self.KEEP:
                self.faces.popitem(last=False)
        self.faces.move_to_end(actor.actor_id)
        return self.faces[actor.actor_id]


def actor_voice_and_speaker(spec: CorpusSpec, actor: Actor) -> tuple[Voice, Speaker]:
    """The actor's neutral voice and speaking habits, each from the actor's own seed."""
    voice = actor_voice(actor.sex, np.random.default_rng([actor.seed, 3]))
    return voice, actor_speaker(np.random.default_rng([actor.seed, 5]), spec.speaker_spread, voice)


def face_style(spec: CorpusSpec, actor: Actor) -> np.ndarray:
    """(len(REST_TEMPLATES),) the actor's expression style: sqrt(L) x their voice's trait scores within
    their sex + sqrt(1 - L) x a standard-normal draw of its own, L = ``spec.face_voice_link`` (so each
    coordinate is standard normal, correlated sqrt(L) with the voice's)."""
    voice = actor_voice_and_speaker(spec, actor)[0]
    own = np.random.default_rng([actor.seed, 17]).normal(size=len(REST_TEMPLATES))
    link = spec.face_voice_link
    return np.sqrt(link) * trait_scores(voice, actor.sex) + np.sqrt(1 - link) * own


def clip_voice(spec: CorpusSpec, clip: ClipPlan, rng: np.random.Generator, expressivity: float):
    """The clip's recorded audio (N,) float32 and syllable envelope (N,): the actor's voice, speaker
    habits and channel (each from the actor's own seed) with the clip's prosody."""
    voice, speaker = actor_voice_and_speaker(spec, clip.actor)
    prosody = clip_prosody(clip.emotion, expressivity, spec.voice_confusion, rng, speaker)
    audio, envelope = synthesize(voice, sentence_plan(clip.sentence), prosody, spec.clip_seconds, spec.sample_rate, rng)
    if spec.channel_spread > 0:
        channel = actor_channel(np.random.default_rng([clip.actor.seed, 9]), spec.channel_spread)
        audio = apply_channel(audio, channel, spec.sample_rate, np.random.default_rng([clip.seed, 11]))
    return audio, envelope


def clip_expressivity(clip: ClipPlan, rng: np.random.Generator) -> float:
    """One latent expressivity per clip; it drives both the voice and the face."""
    base = LEVEL_EXPRESSIVITY.get(clip.level, rng.uniform(0.55, 0.95))
    return float(np.clip(base * rng.lognormal(0, 0.2), 0.15, 1.5))


def widen(frames: np.ndarray, width: int) -> np.ndarray:
    """(T, S, S, 3) -> (T, S, width, 3): the scene's left and right edges extended to a recording's
    aspect (CREMA-D: 480 x 360), so face detection searches a frame of the real size. 0: unchanged."""
    extra = width - frames.shape[2]
    if width == 0 or extra == 0:
        return frames
    if extra < 0:
        raise ValueError(f"corpus.frame_width {width} is narrower than frame_size {frames.shape[2]}")
    return np.pad(frames, ((0, 0), (0, 0), (extra // 2, extra - extra // 2), (0, 0)), mode="edge")


def render_clip(renderer: _Renderer, clip: ClipPlan) -> tuple[np.ndarray, np.ndarray]:
    """One clip -> (frames (T, S, W, 3) uint8, W = frame_width or S, audio (N,) float32)."""
    spec = renderer.spec
    rng = np.random.default_rng(clip.seed)
    expressivity = clip_expressivity(clip, rng)
    audio, envelope = clip_voice(spec, clip, rng, expressivity)

    n_frames = int(round(spec.clip_seconds * spec.fps))
    idx = np.minimum((np.arange(n_frames) + 0.5) / spec.fps * spec.sample_rate, len(envelope) - 1).astype(int)
    mouth = envelope[idx]  # lip sync: jaw follows the syllable envelope
    speaking = np.nonzero(mouth > 0.05)[0]
    onset, offset = (speaking[0], speaking[-1]) if len(speaking) else (0, n_frames - 1)
    level = onset_apex_offset(n_frames, max(0, onset - 4), offset)

    # The displayed expression: the intended template, plus a random blend of the other
    # templates (people's expressions are ambiguous), all scaled by the shared expressivity.
    others = [e for e in EMOTIONS if e != "NEU"]
    weights = {e: spec.face_confusion * abs(rng.normal(0, 0.5)) for e in others}
    if clip.emotion != "NEU":
        weights[clip.emotion] += 1.0
    gains = style_gains(face_style(spec, clip.actor))  # how strongly this actor shows each emotion
    weights = {e: w * gains[e] * expressivity * spec.expression_gain for e, w in weights.items()}
    head = np.cumsum(rng.normal(0, 0.25, size=(n_frames, 2)), axis=0).clip(-3, 3)
    frames = render_frames(renderer.face(clip.actor), weights, level, mouth * (0.6 + 0.4 * expressivity),
                           head, rng, spec.image_noise)
    return widen(frames, spec.frame_width), audio


_WORKER: dict = {}


def _init_worker(spec: CorpusSpec, root: str) -> None:
    _WORKER["renderer"] = _Renderer(spec)
    _WORKER["root"] = Path(root)


def _init_pool_worker(spec: CorpusSpec, root: str) -> None:
    one_thread_per_worker()
    _init_worker(spec, root)


def _write_one(clip: ClipPlan) -> str:
    renderer, root = _WORKER["renderer"], _WORKER["root"]
    frames, audio = render_clip(renderer, clip)
    write_wav(root / "AudioWAV" / f"{clip.name}.wav", audio, renderer.spec.sample_rate)
    write_video(root / "VideoFlash" / f"{clip.name}.flv", frames, renderer.spec.fps)
    return clip.name


def write_demographics(path: Path, actors: list[Actor]) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(["ActorID", "Age", "Sex", "Race", "Ethnicity"])
        for a in actors:
            writer.writerow([a.actor_id, a.age, a.sex, a.race, a.ethnicity])


def write_corpus(spec: CorpusSpec, root: str | Path, workers: int = 1) -> list[ClipPlan]:
    """Write the whole corpus under ``root`` (replaced atomically). Returns the clip plan."""
    clips = plan_corpus(spec)
    with atomic_dir(root) as tmp:
        (tmp / "AudioWAV").mkdir()
        (tmp / "VideoFlash").mkdir()
        write_demographics(tmp / "VideoDemographics.csv", plan_actors(spec))
        # Actors in contiguous chunks so each worker renders each actor's fields once.
        if workers > 1:
            with get_context("spawn").Pool(workers, _init_pool_worker, (spec, str(tmp))) as pool:
                list(tqdm(pool.imap(_write_one, clips, chunksize=8), total=len(clips), desc="corpus"))
        else:
            _init_worker(spec, str(tmp))
            for clip in tqdm(clips, desc="corpus"):
                _write_one(clip)
    return clips
