import numpy as np
import pytest

from avemo.conformal.prediction import (calibration_scores, credibility_confidence, full_conformal_pvalues, nonconformity,
                             pvalues, validity)

pytestmark = pytest.mark.numerics  # compares floats: `make test` re-runs it under other CPUs' kernels


def test_nonconformity_hand_example():
    s = np.array([[0.5, 0.3, 0.2], [0.4, 0.4, 0.2]])
    a = nonconformity(s)
    # class 0: max other 0.3 - 0.5; class 1: 0.5 - 0.3; class 2: 0.5 - 0.2
    assert a[0] == pytest.approx([-0.2, 0.2, 0.3])
    assert a[1] == pytest.approx([0.0, 0.0, 0.2])  # a tie at the top: margin 0 for both
    assert calibration_scores(s, np.array([1, 2])) == pytest.approx([0.2, 0.2])


def _brute(cal, test, cal_labels=None):
    out = np.empty(test.shape)
    for i in range(test.shape[0]):
        for p in range(test.shape[1]):
            c = cal if cal_labels is None else cal[cal_labels == p]
            out[i, p] = (np.sum(c >= test[i, p]) + 1) / (len(c) + 1)
    return out


def test_pvalues_match_brute_force_with_ties_and_mondrian():
    rng = np.random.default_rng(0)
    cal = rng.integers(-3, 4, size=200) / 4.0  # many ties
    labels = rng.integers(0, 4, size=200)
    test = rng.integers(-3, 4, size=(50, 4)) / 4.0
    assert pvalues(cal, test) == pytest.approx(_brute(cal, test))
    assert pvalues(cal, test, labels) == pytest.approx(_brute(cal, test, labels))


def test_pvalues_match_crepes():
    crepes_base = pytest.importorskip("crepes.base")
    rng = np.random.default_rng(1)
    alphas_cal = rng.normal(size=300)
    alphas_test = rng.normal(size=(40, 5))
    expected = crepes_base.ConformalClassifier().fit(alphas_cal).predict_p(alphas_test, smoothing=False)
    assert pvalues(alphas_cal, alphas_test) == pytest.approx(expected)


def test_validity_on_exchangeable_scores_within_binomial_slack():
    rng = np.random.default_rng(2)
    n_classes, errors = 5, {0.05: [], 0.1: [], 0.2: []}
    for _ in range(200):
        logits = rng.normal(size=(600, n_classes))
        labels = rng.integers(0, n_classes, size=600)
        logits[np.arange(600), labels] += 1.0
        s = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        cal = calibration_scores(s[:300], labels[:300])
        pv = pvalues(cal, nonconformity(s[300:]), rng=rng)
        for eps in errors:
            errors[eps].append(validity(pv, labels[300:], eps)[0])
    for eps, errs in errors.items():
        # mean over 200 x 300 test points: standard error ~ sqrt(eps(1-eps)/60000) plus the
        # calibration-set variation; smoothed ICP is exactly valid, so the mean sits at eps.
        assert np.mean(errs) == pytest.approx(eps, abs=0.01)


def test_credibility_confidence():
    cred, conf = credibility_confidence(np.array([[0.9, 0.2, 0.05]]))
    assert cred[0] == pytest.approx(0.9) and conf[0] == pytest.approx(0.8)


def test_full_cp_agrees_with_icp_on_a_fixed_model():
    """With a model that ignores its training data, full CP reduces to ICP whose calibration set is
    the training set (plus the test point itself): the paper's statement that ICP approximates full CP."""
    rng = np.random.default_rng(3)
    w = rng.normal(size=(4, 3))

    def fixed(x, y):
        z = x @ w
        return np.exp(z) / np.exp(z).sum(1, keepdims=True)

    x_train, y_train = rng.normal(size=(60, 4)), rng.integers(0, 3, 60)
    x_test = rng.normal(size=(10, 4))
    full = full_conformal_pvalues(fixed, x_train, y_train, x_test, 3)
    icp = pvalues(calibration_scores(fixed(x_train, None), y_train), nonconformity(fixed(x_test, None)))
    assert full == pytest.approx(icp)
