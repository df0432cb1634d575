"""Feature extractors shared by the classifier: word and character TF-IDF, lexicon counts.

Everything here is a module-level class or function so that fitted models pickle.
"""

from __future__ import annotations

from collections.abc import Iterable

from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from northline.insights.text.lexicon import lexicon_matrix, mark_negation

WORD_PATTERN = r"(?u)\b\w[\w']*\b"
SMALL_CORPUS = 50


class LexiconFeatures(BaseEstimator, TransformerMixin):
    """Scaled sentiment-lexicon counts as a sparse block (stateless)."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, texts: Iterable[str], labels: object = None) -> LexiconFeatures:
        return self

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        return lexicon_matrix(texts) * self.weight


def word_vectorizer(ngrams: tuple[int, int], *, negation: bool = False) -> TfidfVectorizer:
    """Sublinear word TF-IDF; with `negation`, words after "not", "never", … get a ``_neg`` tag."""
    return TfidfVectorizer(
        sublinear_tf=True,
        ngram_range=ngrams,
        token_pattern=WORD_PATTERN,
        preprocessor=mark_negation if negation else None,
    )


def char_vectorizer(ngrams: tuple[int, int], *, min_df: int = 2) -> TfidfVectorizer:
    """Sublinear character n-grams inside word boundaries: robust to typos and inflection."""
    return TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=ngrams, min_df=min_df)


def text_features(
    word_ngrams: tuple[int, int],
    char_ngrams: tuple[int, int],
    *,
    n_texts: int,
    char_min_df: int = 2,
    negation: bool = False,
    lexicon_weight: float = 0.0,
) -> FeatureUnion:
    """The union of word, character and (when `lexicon_weight` > 0) lexicon features.

    Below `SMALL_CORPUS` texts the character `min_df` drops to 1, so that a handful of examples
    (a new category, a test) still yields a vocabulary.
    """
    min_df = char_min_df if n_texts >= SMALL_CORPUS else 1
    parts: list[tuple[str, object]] = [
        ("word", word_vectorizer(word_ngrams, negation=negation)),
        ("char", char_vectorizer(char_ngrams, min_df=min_df)),
    ]
    if lexicon_weight > 0:
        parts.append(("lexicon", LexiconFeatures(lexicon_weight)))
    return FeatureUnion(parts)
