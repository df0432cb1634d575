"""A near-duplicate index over feedback texts: TF-IDF cosine on words and character n-grams.

Built for a million items. Terms are hashed (no vocabulary to refit), and the index stores each
text's sublinear term frequencies in an inverted layout (one row per term, one column per text),
so a query touches only the posting lists of its own terms. IDF is applied at query time from
live document frequencies, so an added text is searchable at once and no stored weight goes
stale; only the per-text norms are recomputed, cheaply, when the collection has grown by
`NORM_REFRESH_GROWTH`. New texts go into small segments that are merged log-structured (like a
binary counter), so adding one text at a time costs O(log n) copies per text, not O(n).

Similarity is the mean of the word cosine and the character 3-5-gram cosine. The first line of a
text (a title, a summary) is counted `TITLE_WEIGHT` times. Terms found in fewer than `MIN_DF`
indexed texts carry no weight: one-off tokens (typos, ids) only inflate norms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from northline.insights.text.preprocess import clean_text

TITLE_WEIGHT = 3
MIN_DF = 2
NORM_REFRESH_GROWTH = 0.05
WORD_FEATURES = 2**20
CHAR_FEATURES = 2**21
_WORD = re.compile(r"\w+")
_STOPWORDS = frozenset(
    str.split(
        "a an and are as at be but by do for from has have i if in is it its me my no not of on or "
        "so that the this to was we were when with you your"
    )
)


def index_text(text: str) -> str:
    """The text as the index sees it: cleaned, first line repeated `TITLE_WEIGHT` times."""
    first, _, rest = text.strip().partition("\n")
    title = clean_text(first, markers=False)
    return " ".join([title] * TITLE_WEIGHT + [clean_text(rest, markers=False)]).strip()


@dataclass
class _Block:
    """One feature space (words or character n-grams) of the index."""

    vectorizer: HashingVectorizer
    df: np.ndarray
    segments: list[sparse.csr_matrix] = field(default_factory=list)
    norms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    def term_frequencies(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Sublinear tf (1 + log tf) rows, float32."""
        tf = self.vectorizer.transform(texts).tocsr().astype(np.float32)
        tf.data = 1.0 + np.log(tf.data)
        return tf

    def idf(self, n_docs: int, terms: np.ndarray | None = None) -> np.ndarray:
        """Smoothed IDF (of `terms`, or of every feature); zero below `MIN_DF` texts."""
        df = self.df if terms is None else self.df[terms]
        idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
        return np.where(df < MIN_DF, 0.0, idf)

    def add(self, tf: sparse.csr_matrix, n_docs: int) -> None:
        """Append rows of term frequencies; `n_docs` counts them already."""
        self.df += np.bincount(tf.indices, minlength=self.df.shape[0])
        self.segments.append(tf.T.tocsr())
        self.norms = np.concatenate([self.norms, _row_norms(tf, self.idf(n_docs))])
        self.segments = _merge_segments(self.segments)

    def refresh_norms(self, idf: np.ndarray) -> None:
        self.norms = np.concatenate([_row_norms(s.T, idf) for s in self.segments])

    def scores(self, tf: sparse.csr_matrix, n_docs: int, max_terms: int | None) -> np.ndarray:
        """Cosine of one query row of term frequencies against every indexed text."""
        idf = self.idf(n_docs, tf.indices)
        terms, weights = _top_terms(tf.indices, tf.data * idf, max_terms)
        query_norm = float(np.sqrt(np.sum(weights**2)))
        if query_norm == 0.0:
            return np.zeros(self.norms.shape[0], dtype=np.float32)
        weights = weights * self.idf(n_docs, terms)
        dots = np.concatenate([s[terms].T @ weights for s in self.segments])
        norms = np.where(self.norms > 0, self.norms, np.inf)
        return np.asarray(dots / (norms * query_norm), dtype=np.float32)


class DuplicateIndex:
    """add(ids, texts), then query(text, k) → [(id, score)], best first; score is a cosine."""

    def __init__(self, *, max_query_terms: int | None = 256) -> None:
        self.max_query_terms = max_query_terms
        self._ids: list[str] = []
        self._normed_at = 0
        self._word = _Block(_hashing("word", (1, 1), WORD_FEATURES), np.zeros(WORD_FEATURES))
        self._char = _Block(_hashing("char_wb", (3, 5), CHAR_FEATURES), np.zeros(CHAR_FEATURES))

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    def add(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        """Index `texts` under `ids` (ids need not be unique, but usually are)."""
        if len(ids) != len(texts):
            raise ValueError(f"duplicates: {len(ids)} ids but {len(texts)} texts")
        if len(texts) == 0:
            return
        prepared = [index_text(t) for t in texts]
        self._ids.extend(str(i) for i in ids)
        for block in (self._word, self._char):
            block.add(block.term_frequencies(prepared), len(self._ids))
        if len(self._ids) > (1 + NORM_REFRESH_GROWTH) * self._normed_at:
            self._refresh_norms()

    def similarities(self, text: str) -> np.ndarray:
        """Cosine similarity of `text` to every indexed text, in insertion order."""
        if not self._ids:
            return np.zeros(0, dtype=np.float32)
        prepared = [index_text(text)]
        n_docs = len(self._ids)
        total = np.zeros(n_docs, dtype=np.float32)
        for block in (self._word, self._char):
            tf = block.term_frequencies(prepared)
            total += block.scores(tf, n_docs, self.max_query_terms)
        return total / 2

    def query(
        self, text: str, k: int = 5, *, exclude: str | None = None
    ) -> list[tuple[str, float]]:
        """The `k` most similar indexed texts (score > 0), best first.

        `exclude` drops one id from the answer (the text itself, when it is indexed already).
        """
        scores = self.similarities(text)
        best = [(self._ids[i], float(scores[i])) for i in _top_k(scores, k + 1) if scores[i] > 0]
        return [hit for hit in best if hit[0] != exclude][:k]

    def _refresh_norms(self) -> None:
        for block in (self._word, self._char):
            block.refresh_norms(block.idf(len(self._ids)))
        self._normed_at = len(self._ids)


class StrictWordIndex:
    """Baseline the way Fider suggests similar posts: every query word must be present.

    Query words are the first line's words less a few English stopwords (a title, as typed in a
    "new post" box); candidates are the texts containing all of them, ranked by how many distinct
    words they share with the whole query, ties by insertion order.
    """

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._words: list[frozenset[str]] = []

    def add(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        if len(ids) != len(texts):
            raise ValueError(f"duplicates: {len(ids)} ids but {len(texts)} texts")
        self._ids.extend(str(i) for i in ids)
        self._words.extend(frozenset(_words(t)) for t in texts)

    def query(self, text: str, k: int = 5, *, exclude: str | None = None) -> list[tuple[str, int]]:
        """[(id, shared word count)] of the texts holding every title word, best first."""
        title_words = _words(text.strip().partition("\n")[0]) - _STOPWORDS
        if not title_words or k <= 0:
            return []
        query_words = _words(text)
        matches = [
            (doc, len(query_words & words))
            for doc, words in zip(self._ids, self._words, strict=True)
            if title_words <= words and doc != exclude
        ]
        matches.sort(key=lambda match: -match[1])
        return matches[:k]


def strict_word_match(query: str, texts: Sequence[str], k: int = 5) -> list[tuple[int, int]]:
    """`StrictWordIndex` over `texts` in one call: [(position in texts, shared word count)]."""
    index = StrictWordIndex()
    index.add([str(i) for i in range(len(texts))], texts)
    return [(int(doc), shared) for doc, shared in index.query(query, k)]


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _hashing(analyzer: str, ngrams: tuple[int, int], n_features: int) -> HashingVectorizer:
    return HashingVectorizer(
        analyzer=analyzer,
        ngram_range=ngrams,
        n_features=n_features,
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )


def _row_norms(tf: sparse.spmatrix, idf: np.ndarray) -> np.ndarray:
    """L2 norm of each row of tf·idf."""
    squared = tf.multiply(tf) @ (idf.astype(np.float64) ** 2)
    return np.sqrt(np.asarray(squared).ravel()).astype(np.float32)


def _merge_segments(segments: list[sparse.csr_matrix]) -> list[sparse.csr_matrix]:
    """Merge the newest segments while the newest is at least half the size of the one before."""
    while len(segments) > 1 and segments[-1].shape[1] * 2 >= segments[-2].shape[1]:
        newest = segments.pop()
        segments[-1] = sparse.hstack([segments[-1], newest], format="csr")
    return segments


def _top_terms(
    terms: np.ndarray, weights: np.ndarray, max_terms: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """The query's non-zero terms, at most `max_terms` of the heaviest.

    Heavy terms are rare ones with short posting lists; the light ones left out are common
    n-grams that would touch most of a large index and barely move a cosine.
    """
    nonzero = weights > 0
    terms, weights = terms[nonzero], weights[nonzero]
    if max_terms is None or len(terms) <= max_terms:
        return terms, weights
    keep = np.argpartition(-weights, max_terms - 1)[:max_terms]
    return terms[keep], weights[keep]


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k >= scores.shape[0]:
        return np.argsort(-scores, kind="stable")
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")]
