"""The narrative model: the level of need read from the referral's own words.

Indicator matching sees one sentence against one guidance row; annotated cases show that
the level also lives in how the whole referral is written ("no explanation given", "mum
acted to protect", "CAMHS engaged"). A TF-IDF representation of character and word
n-grams (robust to typos and abbreviations) feeds cumulative logistic regressions over the
ordered levels (or, on request, one multinomial logistic regression).
Its probabilities are case features of the level model (which calibrates them) and
corroborate affirmed matches (nlp.verifier.corroborate). One binary classifier per
screening tool reads the same n-grams ("older boyfriend", "gifts", "going country") for
the learned tool triggers (nlp.tool_model), which can only add a tool the rules missed.

A scikit-learn estimator over lists of texts. Training gives train cases out-of-fold
probabilities (nlp.held_out), so models stacked on top learn how far to trust it on
narratives it has not seen.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union
from sklearn.utils.validation import check_is_fitted

from nlp.suggestion import SCREENING_TOOLS

LEVELS = np.array([1, 2, 3, 4])
TOOLS = SCREENING_TOOLS
PROBABILITY_FLOOR = 1e-4  # log-probabilities as features stay finite


def ngram_features(min_df: int):
    """Character n-grams within words (typos, abbreviations) and word uni/bigrams."""
    return make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=min_df, sublinear_tf=True),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=min_df, sublinear_tf=True),
    )


class CumulativeLogistic(BaseEstimator, ClassifierMixin):
    """Ordered classes as cumulative binary logistic regressions (Frank & Hall, 2001).

    Levels of need are ordered: one binary model per cut, P(y > c) for each class c but the
    top, learns what moves a referral above that level, and class probabilities are the
    differences between cuts (made monotone). A multinomial model treats level 4 and level 1
    as no more alike than level 4 and level 3; this one shares evidence along the scale.
    """

    top_cut_cost_weights = False  # models pickled before the parameter existed were fitted without it

    def __init__(self, C: float = 1.0, class_weight=None, max_iter: int = 3000, random_state: int = 0, top_cut_cost_weights: bool = False):
        """
        Args:
            top_cut_cost_weights: weigh each case below the top class, in the top cut's regression,
                by the squared distance of its class from the top (levels 1, 2, 3 against level 4:
                9, 4, 1), as a quadratic weighted kappa counts the disagreement. The top cut then
                learns most from what separates child protection from universal need.
        """
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state
        self.top_cut_cost_weights = top_cut_cost_weights

    def fit(self, X, y):
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("CumulativeLogistic needs at least two classes")
        self.cuts_ = [
            LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter, random_state=self.random_state)
            .fit(X, (y > cut).astype(int), sample_weight=self._weights(y, cut))
            for cut in self.classes_[:-1]
        ]
        return self

    def _weights(self, y: np.ndarray, cut) -> np.ndarray | None:
        top = self.classes_[-1]
        if not self.top_cut_cost_weights or cut != self.classes_[-2]:
            return None
        return np.where(y < top, (top - y).astype(float) ** 2, 1.0)

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "cuts_")
        above = np.stack([model.predict_proba(X)[:, 1] for model in self.cuts_], axis=1)
        above = np.minimum.accumulate(above, axis=1)  # P(y > c) cannot rise with c
        ones = np.ones((above.shape[0], 1))
        zeros = np.zeros((above.shape[0], 1))
        return np.hstack([ones, above]) - np.hstack([above, zeros])

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class _NgramClassifier(BaseEstimator, ClassifierMixin):
    """A classifier over ngram_features; subclasses say which and how classes are weighted."""

    class_weight: str | None = None

    def __init__(self, C: float = 10.0, min_df: int = 2, random_state: int = 0):
        """
        Args:
            C: inverse regularisation strength of the logistic regression (default 10: the
                n-gram features are many and individually weak).
            min_df: an n-gram must occur in this many training narratives to be a feature.
            random_state: seed of the solver.
        """
        self.C = C
        self.min_df = min_df
        self.random_state = random_state

    def _classifier(self):
        return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=3000, random_state=self.random_state)

    def fit(self, texts, y):
        self.model_ = make_pipeline(ngram_features(self.min_df), self._classifier()).fit(list(texts), np.asarray(y, dtype=int))
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, texts) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.probabilities_from_ngrams(self.model_[0].transform(list(texts)))

    def probabilities_from_ngrams(self, X) -> np.ndarray:
        """predict_proba from texts already turned into this model's n-gram features."""
        return self.model_[-1].predict_proba(X)


class NarrativeClassifier(_NgramClassifier):
    """The level of need (1-4) of a narrative, from its n-grams: ordinal (cumulative
    logistic) by default, multinomial with ordinal=False."""

    cost_weighted_level4 = False  # models pickled before the parameter existed were fitted without it

    def __init__(self, C: float = 30.0, min_df: int = 2, random_state: int = 0, ordinal: bool = True, cost_weighted_level4: bool = False):
        """
        Args:
            C: as for every n-gram classifier; 30 by default (held-out cases, ordinal model).
            ordinal: cumulative logistic regressions over the ordered levels (True) or one
                multinomial logistic regression (False).
            cost_weighted_level4: the ordinal model's level-4 cut weighs level-1, 2 and 3
                referrals 9, 4 and 1 (CumulativeLogistic.top_cut_cost_weights). Off: held out
                (1926 cases), the narrative model alone gained at the level-4 recall bar (kappa
                0.794 to 0.813 over three fold seeds), but the whole tuned system did not (0.805
                to 0.808 with fold seed 0, 0.781 to 0.762 with seed 1).
        """
        super().__init__(C=C, min_df=min_df, random_state=random_state)
        self.ordinal = ordinal
        self.cost_weighted_level4 = cost_weighted_level4

    def _classifier(self):
        if self.ordinal:
            return CumulativeLogistic(C=self.C, random_state=self.random_state, top_cut_cost_weights=self.cost_weighted_level4)
        return super()._classifier()

    def probabilities_from_ngrams(self, X) -> np.ndarray:
        """Probabilities over levels 1-4 (columns always 1, 2, 3, 4)."""
        return _full_columns(super().probabilities_from_ngrams(X), self.classes_)

    def predict(self, texts) -> np.ndarray:
        return LEVELS[np.argmax(self.predict_proba(texts), axis=1)]


class NarrativeToolClassifier(_NgramClassifier):
    """Whether a narrative needs a screening tool (y: 1 = required), from its n-grams."""

    # balanced: a tool is needed in a small share of referrals, and missing it is the costly error
    class_weight = "balanced"


def fit_sharing_ngrams(models: dict[str, _NgramClassifier], texts, targets: dict[str, list]) -> dict[str, _NgramClassifier]:
    """Fit several n-gram classifiers on the same texts with one n-gram vocabulary: one pass over
    the texts for all of them. Each comes out as `model.fit(texts, targets[name])` would make it
    (the vocabulary and weights depend only on the texts and min_df), sharing one fitted
    vectoriser, as NarrativeReader then reads them."""
    if len({model.min_df for model in models.values()}) > 1:
        raise ValueError("models sharing n-grams need the same min_df")
    texts = list(texts)
    features = ngram_features(next(iter(models.values())).min_df)
    X = features.fit_transform(texts)
    fitted = {}
    for name, model in models.items():
        model = clone(model)
        model.model_ = make_pipeline(features, model._classifier().fit(X, np.asarray(targets[name], dtype=int)))
        model.classes_ = model.model_.classes_
        fitted[name] = model
    return fitted


def predict_sharing_ngrams(models: dict[str, _NgramClassifier], texts) -> dict[str, np.ndarray]:
    """predict_proba of each of fit_sharing_ngrams' models, the texts transformed once."""
    X = next(iter(models.values())).model_[0].transform(list(texts))
    return {name: model.probabilities_from_ngrams(X) for name, model in models.items()}


class NarrativeReader:
    """The level classifier and the tool classifiers, read together: one row per narrative
    of P(level = 1..4) then P(tool required) per tool in TOOLS (0 for a tool without a model)."""

    def __init__(self, level: NarrativeClassifier, tools: dict[str, NarrativeToolClassifier]):
        self.level = level
        self.tools = dict(tools)

    def probabilities(self, texts) -> np.ndarray:
        texts = list(texts)
        shared = self._shared_features()
        features = shared.transform(texts) if shared is not None else None

        def read(model):  # the n-grams once for every model when they all learned the same ones
            return model.probabilities_from_ngrams(features) if features is not None else model.predict_proba(texts)

        columns = [read(self.level)]
        for tool in TOOLS:
            model = self.tools.get(tool)
            columns.append((read(model)[:, 1] if model is not None else np.zeros(len(texts)))[:, None])
        return np.hstack(columns)

    def _shared_features(self):
        """The fitted n-gram features if every model fitted identical ones (same texts and
        settings, as in training), else None. Checked once: vocabularies and IDF weights."""
        if not hasattr(self, "_shared"):
            first = self.level.model_[0]
            same = all(_same_ngrams(first, model.model_[0]) for model in self.tools.values())
            self._shared = first if same else None
        return self._shared


def _same_ngrams(a, b) -> bool:
    pairs = list(zip(a.transformer_list, b.transformer_list))
    return len(a.transformer_list) == len(b.transformer_list) and all(
        x.vocabulary_ == y.vocabulary_ and np.array_equal(x.idf_, y.idf_) for (_, x), (_, y) in pairs
    )


def _full_columns(raw: np.ndarray, classes) -> np.ndarray:
    full = np.zeros((raw.shape[0], len(LEVELS)))
    for column, level in enumerate(classes):
        full[:, int(level) - 1] = raw[:, column]
    return full


def at_least(probabilities: np.ndarray) -> np.ndarray:
    """P(level >= k) for k = 1..4, per row (from the first four columns: the level's)."""
    levels = np.asarray(probabilities)[:, : len(LEVELS)]
    return np.cumsum(levels[:, ::-1], axis=1)[:, ::-1]


def log_probabilities(probabilities: np.ndarray) -> np.ndarray:
    return np.log(np.clip(np.asarray(probabilities, dtype=float), PROBABILITY_FLOOR, 1.0))
