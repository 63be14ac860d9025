"""Classifiers of the features-vs-pixels study (MRPN thesis 4.1-4.2), from scikit-learn: each is a
standardiser and a model whose regularisation is chosen by cross-validation over actor groups
(so the choice is subject-independent, like the test), as the thesis chooses the SVMs' C.

``cnn`` is the pipeline's face CNN f_S (trained by ``train_face_classifier`` on pixels), so it has no
entry to fit here; the study reads its checkpoint.
"""
from __future__ import annotations

import numpy as np
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ..variants import FACE_MODELS as MODEL_NAMES, implemented

C_GRID = tuple(float(c) for c in 10.0 ** np.arange(-3, 4))  # the SVMs' C, searched on a log grid
ALPHA_GRID = (1e-4, 1e-2, 1.0)  # the MLP's L2 penalty


def _searched(model, grid: dict, cv_folds: int) -> GridSearchCV:
    return GridSearchCV(make_pipeline(StandardScaler(), model), grid, cv=GroupKFold(cv_folds))


def svm_linear(seed: int, cv_folds: int) -> GridSearchCV:
    return _searched(SVC(kernel="linear"), {"svc__C": C_GRID}, cv_folds)


def svm_poly(seed: int, cv_folds: int) -> GridSearchCV:
    return _searched(SVC(kernel="poly", degree=3, coef0=1.0), {"svc__C": C_GRID}, cv_folds)


def mlp(seed: int, cv_folds: int) -> GridSearchCV:
    net = MLPClassifier(hidden_layer_sizes=(64,), max_iter=2000, random_state=seed)
    return _searched(net, {"mlpclassifier__alpha": ALPHA_GRID}, cv_folds)


# model name -> (seed, cv folds) -> unfitted estimator with fit(X, y, groups=actors); None = f_S
FACE_MODELS = implemented(MODEL_NAMES, cnn=None, mlp=mlp, svm_linear=svm_linear, svm_poly=svm_poly)
