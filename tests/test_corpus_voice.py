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
    # the hand-filled copy is np.pad's edge mode, byte for byte, for odd and even margins
    for width in (13, 14, 17):
        extra = width - 8
        assert (widen(frames, width) == np.pad(frames, ((0, 0), (0, 0), (extra // 2, extra - extra // 2), (0, 0)),
                                               mode="edge")).all()


def test_in_place_rendering_is_the_plain_formula_byte_for_byte():
    """render_frames builds its (T, S, S) tensors in place for speed; the corpus (and every hash after
    it) must stay what the plain out-of-place expression gives."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    from avemo.data.synthetic_face import ActorFace, render_frames

    rng = np.random.default_rng(4)
    size, frames = 23, 7
    fields = {name: rng.normal(0, 2, (2, size, size)).astype(np.float32) for name in ("HAP", "SAD", "MOUTH")}
    face = ActorFace(rng.uniform(0, 255, (size, size, 3)).astype(np.float32), rng.uniform(0, size, (68, 2)), fields)
    weights, expression = {"HAP": 0.7, "SAD": 0.2}, rng.uniform(0, 1, frames)
    mouth, head = rng.uniform(0, 1, frames), rng.normal(0, 1, (frames, 2))
    seed = int(np.random.default_rng(9).integers(0, 2**62))
    got = render_frames(face, weights, expression, mouth, head, np.random.default_rng(9), noise=6.0)

    f32 = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float32))  # noqa: E731
    static = 0.7 * fields["HAP"] + 0.2 * fields["SAD"]
    disp = (f32(expression)[:, None, None, None] * f32(static)[None]
            + f32(mouth)[:, None, None, None] * f32(fields["MOUTH"])[None] + f32(head)[:, :, None, None])
    ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32),
                            indexing="ij")
    grid = torch.stack([xs[None] - disp[:, 1], ys[None] - disp[:, 0]], -1) * (2.0 / (size - 1)) - 1.0
    image = f32(face.image).permute(2, 0, 1)[None].expand(frames, -1, -1, -1)
    out = F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=True)
    out = out + 6.0 * torch.randn(out.shape, generator=torch.Generator().manual_seed(seed))
    want = out.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
    assert got.shape == (frames, size, size, 3) and (got == want).all()
