"""``corpus``: the synthetic audio-visual corpus (ignored for real datasets)."""
from __future__ import annotations

from .core import ParamsError, bounded, listed, section

SENTENCES = ("IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI")


@section("corpus")
class CorpusParams:
    seed: int = bounded(0)
    n_actors: int = bounded(4, 91)
    sentences: tuple = listed(SENTENCES)
    levels: tuple = listed("LO", "MD", "HI")  # levels of the sentence IEO
    clip_seconds: float = bounded(1.0, 10.0)
    fps: int = bounded(10, 60)
    frame_size: int = bounded(128, 720)
    frame_width: int = bounded(0, 1280)  # 0: square frames; CREMA-D's 480 x 360: frame_size 360, frame_width 480
    sample_rate: int = bounded(8000, 48000)
    expression_gain: float = bounded(0.0, 5.0)  # pixels of landmark motion per unit of template
    face_confusion: float = bounded(0.0, 5.0)  # weight of random other-emotion templates
    voice_confusion: float = bounded(0.0, 5.0)  # spread of per-clip prosody around the emotion's
    speaker_spread: float = bounded(0.0, 5.0)  # voice-dependent prosody styles (the law of expression)
    channel_spread: float = bounded(0.0, 3.0)  # per-actor microphone tilt, resonance and room noise
    face_voice_link: float = bounded(0.0, 1.0)  # share of the voice's place within its sex that the face's style shows
    image_noise: float = bounded(0.0, 50.0)  # std of per-frame pixel noise (0-255 scale)
    workers: int = bounded(1, 64)
    ceiling_actors: int = bounded(10, 100_000)  # Monte Carlo actors (each with the corpus's clip plan) for the voice ceiling

    def validate(self) -> None:
        if 0 < self.frame_width < self.frame_size:
            raise ParamsError(f"corpus.frame_width = {self.frame_width} is narrower than corpus.frame_size = "
                              f"{self.frame_size}; use 0 for square frames or a width >= the height")
