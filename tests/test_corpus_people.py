"""The synthetic corpus's people: identities drawn per sex and rendered on a neutralised portrait; dlib's
descriptor counts them; the face-voice link ties the face's expression style to the voice by exactly
the share the params state; the face-to-voice ceiling measures it."""
import numpy as np
import pytest

from avemo.data import synthetic_identity as si
from avemo.data.face_voice import face_to_voice_ceiling
from avemo.data.faces import FaceModels
from avemo.data.synthetic import _Renderer, face_style, plan_actors
from avemo.data.synthetic_face import frame_portrait, portraits
from avemo.data.synthetic_voice import actor_voice, trait_scores, voice_from_scores
from conftest import tiny_spec


@pytest.fixture(scope="module")
def models():
    return FaceModels.load()


def test_men_and_women_are_drawn_with_their_sexs_traits():
    men = [si.draw_identity("Male", np.random.default_rng(k)) for k in range(200)]
    women = [si.draw_identity("Female", np.random.default_rng(k)) for k in range(200)]
    jaw = si.SHAPE_AXES.index("jaw_width")
    assert np.mean([m.shape[jaw] for m in men]) - np.mean([w.shape[jaw] for w in women]) > 0.5
    assert all(w.beard == 0 for w in women) and np.mean([m.beard > 0 for m in men]) > 0.7
    assert max(np.abs(w.shape).max() for w in women) <= si.SHAPE_LIMIT


def test_shape_axes_move_the_landmarks_they_name():
    _, lm = portraits(FaceModels.load())[1]
    width = lambda points: points[16, 0] - points[0, 0]  # noqa: E731
    wider = si.shape_landmarks(lm, np.eye(len(si.SHAPE_AXES))[si.SHAPE_AXES.index("face_width")])
    assert width(wider) > 1.03 * width(lm)
    spaced = si.shape_landmarks(lm, np.eye(len(si.SHAPE_AXES))[si.SHAPE_AXES.index("eye_spacing")])
    gap = lambda points: points[42:48, 0].mean() - points[36:42, 0].mean()  # noqa: E731
    assert gap(spaced) > gap(lm) and np.allclose(si.shape_landmarks(lm, np.zeros(len(si.SHAPE_AXES))), lm)


def test_the_astronauts_smile_is_neutralised(models):
    """The portrait smiles with its teeth: the neutral face's mouth corners sit no higher than its lips'
    middle, and no teeth show."""
    frame, lm = frame_portrait(portraits(models)[0], np.random.default_rng(0), 192)
    assert si.teeth_mask(frame, lm).sum() > 0.02 * si.inter_ocular(lm) ** 2  # the portrait does show teeth
    corners = lambda points: points[[48, 54], 1].mean() - points[[51, 57], 1].mean()  # noqa: E731  (y down)
    assert corners(lm) < -0.05 * si.inter_ocular(lm)  # a smile: corners well above the lips' middle
    face, neutral = si.render_identity(frame, lm, si.draw_identity("Female", np.random.default_rng(1)),
                                       np.random.default_rng(2))
    assert corners(neutral) >= 0
    assert si.teeth_mask(face, neutral).sum() < 0.1 * si.teeth_mask(frame, lm).sum()


def test_the_greedy_count_of_people_by_hand():
    base = np.zeros(128)
    step = np.eye(128)
    faces = np.stack([base, base + 0.3 * step[0], base + 0.7 * step[1], base + 0.7 * step[1] + 0.2 * step[2],
                      base + 0.7 * step[3], np.full(128, np.nan)])
    # 0 and 1 are one person (0.3); 2 is new; 3 is 2 (0.2); 4 is new (0.7 from 0, 0.99 from 2); the last has no face
    assert si.distinct_identities(faces) == 3


def test_every_actor_of_a_small_corpus_is_found_and_dlib_tells_the_two_portraits_apart(models):
    spec = tiny_spec(n_actors=4)
    renderer = _Renderer(spec)
    faces = [np.clip(renderer.face(a).image, 0, 255).astype(np.uint8) for a in plan_actors(spec)]
    d = si.identity_descriptors(models, si.descriptor_model(), faces)
    assert np.isfinite(d).all()  # dlib finds every actor's face
    portrait = [a.portrait for a in plan_actors(spec)]
    across = [np.linalg.norm(d[i] - d[j]) for i in range(4) for j in range(i) if portrait[i] != portrait[j]]
    assert min(across) > si.DISTINCT


@pytest.mark.parametrize("link", [0.0, 0.25, 1.0])
def test_the_face_shows_the_share_of_the_voice_the_link_states(link):
    """The expression style is sqrt(L) x the voice's scores within its sex + sqrt(1 - L) x noise: its
    correlation with those scores is sqrt(L) (1 at L = 1: the face shows them exactly; 0 at L = 0)."""
    spec = tiny_spec(n_actors=2000, face_voice_link=link)
    actors = plan_actors(spec)
    from avemo.data.synthetic import actor_voice_and_speaker

    scores = np.stack([trait_scores(actor_voice_and_speaker(spec, a)[0], a.sex) for a in actors])
    styles = np.stack([face_style(spec, a) for a in actors])
    r = np.mean([np.corrcoef(scores[:, k], styles[:, k])[0, 1] for k in range(scores.shape[1])])
    assert r == pytest.approx(np.sqrt(link), abs=0.05)  # 4 x 2000 pairs: sampling error about 0.02
    if link == 1.0:
        assert np.allclose(styles, scores)


def test_trait_scores_are_standard_normal_and_invert():
    rng = np.random.default_rng(0)
    for sex in ("Male", "Female"):
        scores = np.stack([trait_scores(actor_voice(sex, rng), sex) for _ in range(2000)])
        assert np.abs(scores.mean(0)).max() < 0.1 and np.abs(scores.std(0) - 1).max() < 0.1
        voice = actor_voice(sex, rng)
        back = voice_from_scores(trait_scores(voice, sex), sex)
        assert np.allclose([back.f0, back.formant_scale, back.breath, back.tilt],
                           [voice.f0, voice.formant_scale, voice.breath, voice.tilt], rtol=1e-9)


def test_the_face_to_voice_ceiling_grows_with_the_link_and_knows_the_traits_share():
    """The traits' share explained is the link itself (its theoretical value, R^2 = L for jointly
    normal scores); sex explains most of the neutral voice at any link; the offsets' share rises with
    the link; without per-actor offsets there is nothing to share."""
    out = {link: face_to_voice_ceiling(tiny_spec(speaker_spread=1.0, face_voice_link=link), 300, draws=32)
           for link in (0.0, 0.5, 1.0)}
    for link, r in out.items():
        assert r["face_to_voice_traits_ci95_low"] - 0.05 <= link <= r["face_to_voice_traits_ci95_high"] + 0.05
        assert r["face_to_voice_sex"] > 0.8
    assert out[0.0]["face_to_voice_offsets"] < out[0.5]["face_to_voice_offsets"] < out[1.0]["face_to_voice_offsets"]
    assert out[1.0]["face_to_voice_offsets"] > 0.9
    assert face_to_voice_ceiling(tiny_spec(speaker_spread=0.0, face_voice_link=1.0), 50)["face_to_voice_offsets"] is None
