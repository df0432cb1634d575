"""A linear text classifier for any label set: issue type, sentiment, or a team's own categories.

Word and character TF-IDF feed a linear SVM; its scores are turned into probabilities by Platt
scaling fitted on internal cross-validation (when every class has at least 3 examples) or by a
softmax otherwise. Chosen by 5-fold cross-validation on NLBSE'24 issues and Senti4SD: see
bench/RESULTS_text.md.

`fit` can also take background examples from related domains (other repositories' issues) and
learns from both with feature augmentation (Daumé III, "Frustratingly easy domain adaptation",
2007): every feature gets a second copy that only the model's own domain sets, so shared
weights carry what all domains agree on and the copy what is particular to this one
(decision 0036).
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from northline.insights.text.features import text_features, union_transform
from northline.insights.text.preprocess import clean_text, titled_text

_MAGIC = b"northline-text-classifier-v1\n"
CALIBRATION_FOLDS = 3


@dataclass(frozen=True)
class ClassifierConfig:
    """Hyper-parameters of the word + character TF-IDF and the SVM; `ISSUE_TYPE` and `SENTIMENT`
    are the settings chosen by cross-validation (bench/RESULTS_text.md).

    `title_weight` > 0 adds a block of features read from the title line alone (the first line of
    a multi-line text, see `preprocess.titled_text`), scaled by that weight.

    `structure_weight` > 0 adds the block of writing cues (`features.StructureFeatures`: does
    the title ask, how much code, trace and text the body has), scaled by that weight.

    `domain_weight` scales the own-domain copy of the features when `fit` has background
    examples (no effect without them).

    `pool_groups`: when labelled rows come in groups (repositories) with one model per group,
    each group's lexical model also learns from the other groups' rows as background examples
    (`evaluation.evaluate_classifier`, decisions 0036 and 0044). A single model, such as a
    workspace's, has no groups and is unaffected."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    char_min_df: int = 2
    c: float = 0.5
    negation: bool = False
    lexicon_weight: float = 0.0
    title_weight: float = 0.0
    max_chars: int = 4000
    domain_weight: float = 1.0
    structure_weight: float = 0.0
    pool_groups: bool = False

    def clean(self, text: str) -> str:
        """The text as the features read it: with a title block, the title line stays apart."""
        if self.title_weight > 0:
            return titled_text(text, max_chars=self.max_chars)
        return clean_text(text, max_chars=self.max_chars)

    def features(self, n_texts: int) -> FeatureUnion:
        """The unfitted feature union for a training set of `n_texts` cleaned texts."""
        return text_features(
            self.word_ngrams,
            self.char_ngrams,
            n_texts=n_texts,
            char_min_df=self.char_min_df,
            negation=self.negation,
            lexicon_weight=self.lexicon_weight,
            title_weight=self.title_weight,
            structure_weight=self.structure_weight,
        )


ISSUE_TYPE = ClassifierConfig(c=0.3, title_weight=0.5, structure_weight=0.6, pool_groups=True)
SENTIMENT = ClassifierConfig(c=0.2, negation=True, lexicon_weight=1.0)


class Prediction(NamedTuple):
    label: str
    confidence: float


class TextClassifier:
    """fit(texts, labels) → predict(texts) → [Prediction(label, confidence)].

    Texts are cleaned (code, URLs, markup removed) before vectorising, so callers pass raw text;
    for issues, combine title and body first with `preprocess.issue_text`.
    """

    def __init__(self, config: ClassifierConfig = ISSUE_TYPE) -> None:
        self.config = config
        self._features: FeatureUnion | None = None
        self._model: CalibratedClassifierCV | LinearSVC | None = None
        self._labels: tuple[str, ...] = ()

    _domain_weight: float = 0.0
    """Scale of the own-domain feature copy; 0 when fitted without background examples (and in
    models stored before background training existed, which lack the attribute)."""

    @property
    def labels(self) -> tuple[str, ...]:
        """The known labels, in the column order of `predict_proba`."""
        return self._labels

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        background_texts: Sequence[str] = (),
        background_labels: Sequence[str] = (),
    ) -> TextClassifier:
        """Learn from `texts` and their `labels` (at least two distinct labels between them and
        the background), the domain the model will predict for, and from background examples
        of related domains, which count through the shared features only."""
        if len(background_texts) != len(background_labels):
            raise ValueError(
                f"classifier: {len(background_texts)} background texts "
                f"but {len(background_labels)} background labels"
            )
        own_rows = len(texts)
        texts = [*texts, *background_texts]
        labels = [*labels, *background_labels]
        check_training_data(texts, labels)
        cleaned = self._clean(texts)
        self._features = self.config.features(len(cleaned))
        matrix = self._features.fit_transform(cleaned)
        self._domain_weight = self.config.domain_weight if background_texts else 0.0
        matrix = self._with_domain_copy(matrix, own_rows)
        self._model = linear_model(self.config.c, labels)
        self._model.fit(matrix, np.asarray(labels, dtype=object))
        self._labels = tuple(str(label) for label in self._model.classes_)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """An (n_texts, n_labels) array of probabilities; columns follow `labels`."""
        if self._features is None or self._model is None:
            raise RuntimeError("classifier: call fit() before predicting")
        matrix = union_transform(self._features, self._clean(texts))
        matrix = self._with_domain_copy(matrix, matrix.shape[0])
        if isinstance(self._model, CalibratedClassifierCV):
            return np.asarray(self._model.predict_proba(matrix))
        return softmax(scores_2d(self._model.decision_function(matrix)))

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """The most probable label of each text and its probability."""
        if len(texts) == 0:
            return []
        proba = self.predict_proba(texts)
        best = proba.argmax(axis=1)
        return [Prediction(self._labels[i], float(proba[row, i])) for row, i in enumerate(best)]

    def to_bytes(self) -> bytes:
        """Serialise the fitted classifier (pickle of scikit-learn objects, with a header)."""
        return _MAGIC + pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def from_bytes(cls, data: bytes) -> TextClassifier:
        """Load what `to_bytes` wrote. Only for bytes Northline wrote itself: pickle runs code."""
        if not data.startswith(_MAGIC):
            raise ValueError("classifier: data is not a serialised Northline text classifier")
        loaded = pickle.loads(data[len(_MAGIC) :])  # noqa: S301 - our own bytes, see docstring
        if not isinstance(loaded, cls):
            raise ValueError(
                f"classifier: data holds a {type(loaded).__name__}, not {cls.__name__}"
            )
        return loaded

    def _clean(self, texts: Sequence[str]) -> list[str]:
        return [self.config.clean(text) for text in texts]

    def _with_domain_copy(self, matrix: sparse.csr_matrix, own_rows: int) -> sparse.csr_matrix:
        """`matrix` with the own-domain copy of its columns appended (its first `own_rows`
        rows scaled by the domain weight, zeros below); unchanged without background."""
        if self._domain_weight == 0:
            return matrix
        scale = np.zeros(matrix.shape[0])
        scale[:own_rows] = self._domain_weight
        return sparse.hstack([matrix, sparse.diags(scale) @ matrix], format="csr")


def check_training_data(texts: Sequence[str], labels: Sequence[str]) -> None:
    if len(texts) != len(labels):
        raise ValueError(f"classifier: {len(texts)} texts but {len(labels)} labels")
    if len(set(labels)) < 2:
        raise ValueError(f"classifier: need at least 2 distinct labels, got {sorted(set(labels))}")


def linear_model(c: float, labels: Sequence[str]) -> CalibratedClassifierCV | LinearSVC:
    """Platt-calibrated SVM when each class has enough examples for internal folds. A fixed
    `random_state` (the solver's coordinate order) makes two fits on the same labels the same
    model, so a worker that fits the seed models afresh stores the same confidences."""
    svm = LinearSVC(C=c, random_state=0)
    if min(Counter(labels).values()) < CALIBRATION_FOLDS:
        return svm
    return CalibratedClassifierCV(svm, method="sigmoid", cv=CALIBRATION_FOLDS, ensemble=False)


def scores_2d(scores: np.ndarray) -> np.ndarray:
    """Binary SVMs return one score column; make it two (negative class first)."""
    return np.column_stack([-scores, scores]) if scores.ndim == 1 else scores


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))
