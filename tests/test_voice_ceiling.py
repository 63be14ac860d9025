"""The voice's Bayes ceiling: it reads the prosody the corpus really draws, no trained classifier
beats it (an independent QDA on many clips comes close from below), and it moves the right way
with the per-clip noise and with the cues it may read."""
from dataclasses import replace

import numpy as np
import pytest
from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import avemo.data.synthetic as synthetic
from avemo.data.synthetic import clip_expressivity, plan_corpus
from avemo.data.synthetic_face import EMOTIONS
from avemo.data.voice_ceiling import LISTENERS, bayes_correct, ceiling_clips, clip_latent, heard
from conftest import tiny_spec


def test_latent_is_the_prosody_the_clip_is_rendered_with(monkeypatch):
    spec = tiny_spec(speaker_spread=0.7, voice_confusion=0.8)
    seen = []
    real = synthetic.clip_prosody
    monkeypatch.setattr(synthetic, "clip_prosody", lambda *a, **k: seen.append(real(*a, **k)) or seen[-1])
    monkeypatch.setattr(synthetic, "synthesize", lambda *a, **k: (np.zeros(10, np.float32), np.zeros(10)))
    for clip in plan_corpus(spec)[:8]:
        rng = np.random.default_rng(clip.seed)  # what render_clip does
        synthetic.clip_voice(spec, clip, rng, clip_expressivity(clip, rng))
        assert np.allclose(clip_latent(spec, clip), list(seen[-1].values()))


@pytest.mark.parametrize("listener", ["exact", "one_clip"])
def test_no_classifier_trained_on_many_clips_beats_the_ceiling(listener):
    """QDA per sentence and sex (an independent, nearly right model of what the listener hears:
    Gaussian noise around expressivity-scaled profiles, on top of a neutral voice when the actor is
    unseen), trained on half of 12,000 clips, against the listener's decision on the other half."""
    spec = tiny_spec(voice_confusion=0.8, sentences=("IEO", "TIE"), levels=("HI",))
    clips = ceiling_clips(spec, 1000)
    x = np.array([heard(spec, c, LISTENERS[listener]) for c in clips])
    y = np.array([EMOTIONS.index(c.emotion) for c in clips])
    group = np.array([f"{c.sentence} {c.actor.sex}" for c in clips])
    test = np.random.default_rng(0).permutation(len(x)) >= len(x) // 2
    qda_right = np.zeros(len(x), bool)
    for g in np.unique(group):
        fit, held = ~test & (group == g), test & (group == g)
        qda = make_pipeline(StandardScaler(), QuadraticDiscriminantAnalysis()).fit(x[fit], y[fit])
        qda_right[held] = qda.predict(x[held]) == y[held]
    qda_right, bayes_right = qda_right[test], bayes_correct(spec, LISTENERS[listener], n_actors=1000)[test]
    discordant = (qda_right != bayes_right).mean()
    assert qda_right.mean() <= bayes_right.mean() + 2 * np.sqrt(discordant / len(qda_right))  # an upper bound ...
    assert qda_right.mean() >= bayes_right.mean() - 0.05  # ... that a flexible classifier nearly reaches


@pytest.mark.parametrize("confusion, low, high", [(0.02, 0.97, 1.0), (8.0, 0.10, 0.30)])
def test_ceiling_goes_from_certain_to_chance_with_the_per_clip_noise(confusion, low, high):
    assert low <= bayes_correct(tiny_spec(voice_confusion=confusion), n_actors=100, draws=256).mean() <= high


def test_knowing_less_and_hearing_less_lower_the_ceiling():
    spec = tiny_spec(voice_confusion=0.8)
    accuracy = {name: bayes_correct(spec, listener, n_actors=300, draws=512).mean() for name, listener in LISTENERS.items()}
    assert (accuracy["exact"] > accuracy["one_clip"] + 0.01 > accuracy["spectrogram"] + 0.02
            > accuracy["spectrogram_no_pitch"] + 0.05)


def test_log_posterior_averages_the_likelihood_over_actors_and_expressivity():
    """emotion_log_posterior against the posterior computed directly, clip by clip: p(e | x) is the
    prior times the likelihood averaged over the K (actor, expressivity) draws, each a product of
    independent Gaussians over the heard cues (scipy's density). A decision made at the mean actor or
    expressivity, or from the mean log-likelihood, gives other posteriors."""
    from scipy.stats import norm

    from avemo.data.voice_ceiling import PROFILES, Actors, emotion_log_posterior

    rng = np.random.default_rng(7)
    k, dims = 5, PROFILES.shape[1]
    actors = Actors(rng.normal(0, 1, (k, dims)), rng.normal(0, 0.5, (k, 6, dims)), rng.normal(0, 0.3, (k, dims)))
    draws = rng.uniform(0.3, 1.5, (6, k))
    log_prior = np.log(rng.dirichlet(np.ones(6)))
    sigma = rng.uniform(0.5, 1.5, dims)
    observed = np.array([0, 2, 3, 5])
    for _ in range(4):
        x = rng.normal(0, 2, dims)
        direct = np.empty(6)
        for e in range(6):
            likelihood = [np.prod(norm.pdf(x[observed], loc=((PROFILES[e] + actors.style[j, e]) * draws[e, j]
                                                              + actors.baseline[j] + actors.neutral[j])[observed],
                                           scale=sigma[observed])) for j in range(k)]
            direct[e] = np.exp(log_prior[e]) * np.mean(likelihood)
        got = emotion_log_posterior(x, actors, draws, log_prior, sigma, observed)
        assert np.exp(got - got.max()) / np.exp(got - got.max()).sum() == pytest.approx(direct / direct.sum(), rel=1e-6)
