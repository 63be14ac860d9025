"""The synthetic voice's speaker and channel options: off by default (the same audio as without them),
the style follows the voice's traits by one fixed law, and room noise does not scale with the speech."""
import numpy as np

from avemo.data.synthetic import clip_expressivity, clip_voice, plan_corpus
from avemo.data.synthetic_voice import PROSODY, Voice, actor_channel, actor_speaker, apply_channel
from conftest import tiny_spec


def test_spreads_of_zero_leave_the_voice_unchanged():
    spec = tiny_spec()
    clip = plan_corpus(spec)[5]
    a = clip_voice(spec, clip, np.random.default_rng(clip.seed), 0.8)[0]
    b = clip_voice(tiny_spec(speaker_spread=0.0, channel_spread=0.0), clip, np.random.default_rng(clip.seed), 0.8)[0]
    c = clip_voice(tiny_spec(speaker_spread=1.0), clip, np.random.default_rng(clip.seed), 0.8)[0]
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_the_style_is_a_function_of_the_voice():
    voice = Voice(f0=190.0, formant_scale=1.1, breath=0.08, tilt=0.6)
    one = actor_speaker(np.random.default_rng(1), 1.5, voice)
    two = actor_speaker(np.random.default_rng(2), 1.5, voice)  # another actor with the same voice
    other = actor_speaker(np.random.default_rng(1), 1.5, Voice(f0=110.0, formant_scale=1.0, breath=0.05, tilt=0.7))
    for e in PROSODY:
        assert np.allclose(one.style[e], two.style[e]) and not np.allclose(one.style[e], other.style[e])


def test_room_noise_is_absolute():
    """The noise level is the room's (dBFS), whatever the speech level: louder speech stands higher above it."""
    channel = actor_channel(np.random.default_rng(0), 1.0)
    level = 10 ** (channel.noise_dbfs / 20)
    silence = apply_channel(np.zeros(16000, np.float32), channel, 16000, np.random.default_rng(3))
    assert abs(silence.std() - level) < 0.05 * level
    tone = (0.05 * np.sin(np.arange(16000) / 5)).astype(np.float32)
    for gain in (1.0, 10.0):
        out = apply_channel(gain * tone, channel, 16000, np.random.default_rng(3))
        assert abs(np.abs(out).max() - 0.05 * gain) < 0.02 * gain + 5 * level


def test_widen_extends_the_edges_of_the_square_scene():
    import numpy as np

    from avemo.data.synthetic import widen

    frames = np.random.default_rng(0).integers(0, 255, size=(3, 8, 8, 3), dtype=np.uint8)
    wide = widen(frames, 13)
    assert wide.shape == (3, 8, 13, 3) and (wide[:, :, 2:10] == frames).all()
    assert (wide[:, :, :2] == frames[:, :, :1]).all() and (wide[:, :, 10:] == frames[:, :, -1:]).all()
    assert widen(frames, 0) is frames


def test_in_place_rendering_is_the_plain_formula_byte_for_byte():
    """render_frames builds its (T, S, S) tensors in place for speed; the corpus (and every hash after
    it) must stay what the plain out-of-place expression (kept in benchmarks/render.py) gives."""
    import sys

    import numpy as np

    from avemo.data.synthetic_face import render_frames
    from conftest import ROOT
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from render import plain_render_frames, random_clip

    for size, frames, seed in ((23, 7, 4), (40, 3, 5)):
        face, weights, expression, mouth, head = random_clip(size, frames, seed)
        got = render_frames(face, weights, expression, mouth, head, np.random.default_rng(seed), noise=6.0)
        want = plain_render_frames(face, weights, expression, mouth, head, np.random.default_rng(seed), noise=6.0)
        assert got.shape == (frames, size, size, 3) and (got == want).all() and got.std() > 10


def test_the_renderer_keeps_a_few_actors_and_rebuilds_an_evicted_one_identically():
    """The corpus keeps only the latest actors' faces (memory flat in the number of actors); an actor
    met again after eviction is rebuilt from its own seed, so its clips do not change."""

    import numpy as np

    from avemo.data.synthetic import CorpusSpec, _Renderer, plan_corpus, render_clip
    from conftest import from_params

    spec = from_params(CorpusSpec, "corpus", n_actors=7, frame_size=64, frame_width=0, sentences=("TIE",))
    renderer = _Renderer(spec)
    clips = plan_corpus(spec)
    first = clips[0]
    frames, audio = render_clip(renderer, first)
    others = [c for c in clips if c.actor.actor_id != first.actor.actor_id]
    seen = {first.actor.actor_id}
    for clip in others:
        render_clip(renderer, clip)
        seen.add(clip.actor.actor_id)
        assert len(renderer.faces) <= renderer.KEEP
    assert len(seen) > renderer.KEEP and first.actor.actor_id not in renderer.faces
    again, audio_again = render_clip(renderer, first)
    assert (again == frames).all() and (audio_again == audio).all() and frames.std() > 5
