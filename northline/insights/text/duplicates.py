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
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from northline.insights.text.preprocess import clean_text

TITLE_WEIGHT = 3
MIN_DF = 2
NORM_REFRESH_GROWTH = 0.05
COMMON_SHARE = 1.0
COMMON_FROM = 20_000
NORM_CHUNK_TERMS = 2**18
_FORMAT = "northline-duplicate-index-v2"
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
    """One feature space (words or character n-grams) of the index.

    Postings are term-major CSR segments holding raw term counts as uint8 (5 bytes a posting
    with the int32 text number); weights are computed when a query reads them.
    """

    vectorizer: HashingVectorizer
    df: np.ndarray
    segments: list[sparse.csr_matrix] = field(default_factory=list)
    norms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    def counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Text-major term counts, clipped to 255."""
        tf = self.vectorizer.transform(texts).tocsr()
        return sparse.csr_matrix(
            (np.minimum(tf.data, 255).astype(np.uint8), tf.indices, tf.indptr), shape=tf.shape
        )

    def idf(self, n_docs: int, common: float, terms: np.ndarray | None = None) -> np.ndarray:
        """Smoothed IDF (of `terms`, or of every feature); zero below `MIN_DF` texts and for
        terms in more than `common` texts (those are never read: see `DuplicateIndex`)."""
        df = self.df if terms is None else self.df[terms]
        idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
        return np.where((df < MIN_DF) | (df > common), 0.0, idf).astype(np.float32)

    def add(self, counts: sparse.csr_matrix, n_docs: int, common: float) -> None:
        """Append rows of term counts; `n_docs` counts them already."""
        self.df += np.bincount(counts.indices, minlength=self.df.shape[0]).astype(self.df.dtype)
        self.norms = np.concatenate([self.norms, _row_norms(counts, self.idf(n_docs, common))])
        self.segments.append(counts.T.tocsr())
        self.segments = _merge_segments(self.segments, self.df > common)

    def refresh_norms(self, idf: np.ndarray) -> None:
        self.norms = np.concatenate([_column_norms(s, idf) for s in self.segments])

    def scores(
        self, counts: sparse.csr_matrix, n_docs: int, common: float, max_terms: int | None
    ) -> np.ndarray:
        """Cosine of one query row of term counts against every indexed text."""
        idf = self.idf(n_docs, common, counts.indices)
        terms, weights = _top_terms(counts.indices, _sublinear(counts.data) * idf, max_terms)
        query_norm = float(np.sqrt(np.sum(weights.astype(np.float64) ** 2)))
        if query_norm == 0.0:
            return np.zeros(self.norms.shape[0], dtype=np.float32)
        weights = weights * self.idf(n_docs, common, terms)
        dots = np.concatenate([_dot(s, terms, weights) for s in self.segments])
        norms = np.where(self.norms > 0, self.norms, np.inf)
        return np.asarray(dots / (norms * query_norm), dtype=np.float32)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The block as plain arrays (one merged segment), for `DuplicateIndex.save`."""
        merged = _merged(self.segments, self.df.shape[0])
        return {
            f"{prefix}_df": self.df,
            f"{prefix}_norms": self.norms,
            f"{prefix}_indptr": merged.indptr,
            f"{prefix}_indices": merged.indices,
            f"{prefix}_data": merged.data,
        }

    def restore(self, data: Any, prefix: str, n_docs: int) -> None:
        df, norms = data[f"{prefix}_df"], data[f"{prefix}_norms"]
        if df.shape != self.df.shape or norms.shape != (n_docs,):
            raise ValueError(f"{prefix}: arrays do not fit this index (shape {df.shape})")
        self.df = np.asarray(df, dtype=self.df.dtype)
        self.norms = np.asarray(norms, dtype=np.float32)
        shape = (self.df.shape[0], n_docs)
        segment = sparse.csr_matrix(
            (data[f"{prefix}_data"], data[f"{prefix}_indices"], data[f"{prefix}_indptr"]),
            shape=shape,
        )
        self.segments = [segment] if n_docs else []


class DuplicateIndex:
    """add(ids, texts), then query(text, k) → [(id, score)], best first; score is a cosine.

    At scale the cost of a query is the length of the posting lists it reads. With
    `common_share` below 1, a term found in more than that share of the texts (once the index
    holds `common_from` texts) is treated as a stopword: queries skip it, norms leave it out and
    merged segments drop its postings, which shrinks the index and the query time. It is off by
    default because it costs recall: on the Firefox duplicates, Recall@5 falls from 0.723 to
    0.685 at 0.1 and 0.640 at 0.05 (frequent character n-grams carry real signal in short bug
    reports); see bench/RESULTS_text.md.
    """

    def __init__(
        self,
        *,
        max_query_terms: int | None = 256,
        common_share: float = COMMON_SHARE,
        common_from: int = COMMON_FROM,
    ) -> None:
        self.max_query_terms = max_query_terms
        self.common_share = common_share
        self.common_from = common_from
        self._ids: list[str] = []
        self._normed_at = 0
        self._word = _Block(_hashing("word", (1, 1), WORD_FEATURES), _zeros(WORD_FEATURES))
        self._char = _Block(_hashing("char_wb", (3, 5), CHAR_FEATURES), _zeros(CHAR_FEATURES))

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
        common = self._common()
        for block in (self._word, self._char):
            block.add(block.counts(prepared), len(self._ids), common)
        if len(self._ids) > (1 + NORM_REFRESH_GROWTH) * self._normed_at:
            self._refresh_norms()

    def similarities(self, text: str) -> np.ndarray:
        """Cosine similarity of `text` to every indexed text, in insertion order."""
        if not self._ids:
            return np.zeros(0, dtype=np.float32)
        prepared = [index_text(text)]
        n_docs, common = len(self._ids), self._common()
        total = np.zeros(n_docs, dtype=np.float32)
        for block in (self._word, self._char):
            total += block.scores(block.counts(prepared), n_docs, common, self.max_query_terms)
        return total / 2

    def query(
        self, text: str, k: int = 5, *, exclude: str | None = None
    ) -> list[tuple[str, float]]:
        """The `k` most similar indexed texts (score > 0), best first.

        `exclude` drops one id from the answer (the text itself, when it is indexed already).
        """
        scores = self.similarities(text)
        best = [(self._ids[i], float(scores[i])) for i in top_k(scores, k + 1) if scores[i] > 0]
        return [hit for hit in best if hit[0] != exclude][:k]

    def save(self, path: str | Path) -> None:
        """Write the index to one ``.npz`` file of plain arrays (no pickle); see `load`."""
        save_arrays(path, self.arrays())

    @classmethod
    def load(cls, path: str | Path) -> DuplicateIndex:
        """An index from what `save` wrote; answers exactly as the saved one did."""
        with np.load(Path(path), allow_pickle=False) as data:
            return cls.from_arrays(data, str(path))

    def arrays(self) -> dict[str, np.ndarray]:
        """The index as named plain arrays (what `save` writes)."""
        terms = -1 if self.max_query_terms is None else self.max_query_terms
        settings = [self.common_share, self.common_from, self._normed_at, terms]
        return {
            "format": np.array(_FORMAT),
            "settings": np.array(settings, dtype=np.float64),
            "ids": np.array(self._ids, dtype=np.str_),
            **self._word.arrays("word"),
            **self._char.arrays("char"),
        }

    @classmethod
    def from_arrays(cls, data: Any, source: str) -> DuplicateIndex:
        """The index `arrays` described; `source` names the file in errors."""
        if "format" not in data or str(data["format"]) != _FORMAT:
            raise ValueError(f"{source}: not a saved Northline duplicate index")
        share, common_from, normed_at, terms = data["settings"].tolist()
        index = cls(
            max_query_terms=None if terms < 0 else int(terms),
            common_share=float(share),
            common_from=int(common_from),
        )
        index._ids = [str(i) for i in data["ids"]]
        index._normed_at = int(normed_at)
        index._word.restore(data, "word", len(index._ids))
        index._char.restore(data, "char", len(index._ids))
        return index

    def _common(self) -> float:
        """Document frequency above which a term is a stopword (infinite for small indexes)."""
        n_docs = len(self._ids)
        return self.common_share * n_docs if n_docs >= self.common_from else np.inf

    def _refresh_norms(self) -> None:
        common = self._common()
        for block in (self._word, self._char):
            block.refresh_norms(block.idf(len(self._ids), common))
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


def save_arrays(path: str | Path, arrays: dict[str, Any]) -> None:
    """One uncompressed ``.npz`` of plain arrays (loaded with ``allow_pickle=False``)."""
    np.savez(Path(path), **arrays)


def _zeros(n_features: int) -> np.ndarray:
    return np.zeros(n_features, dtype=np.int32)


def _sublinear(counts: np.ndarray) -> np.ndarray:
    return (1.0 + np.log(counts.astype(np.float32))).astype(np.float32)


def _row_norms(counts: sparse.csr_matrix, idf: np.ndarray) -> np.ndarray:
    """L2 norm of each text-major row of sublinear tf·idf."""
    weights = _sublinear(counts.data) * idf[counts.indices]
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    squared = np.bincount(rows, weights=weights.astype(np.float64) ** 2, minlength=counts.shape[0])
    return np.sqrt(squared).astype(np.float32)


def _column_norms(segment: sparse.csr_matrix, idf: np.ndarray) -> np.ndarray:
    """L2 norm of each text (column) of a term-major segment, in chunks of terms."""
    squared = np.zeros(segment.shape[1], dtype=np.float64)
    for first in range(0, segment.shape[0], NORM_CHUNK_TERMS):
        part = segment[first : first + NORM_CHUNK_TERMS]
        terms = np.repeat(np.arange(part.shape[0]) + first, np.diff(part.indptr))
        weights = _sublinear(part.data) * idf[terms]
        squared += np.bincount(part.indices, weights=weights**2, minlength=segment.shape[1])
    return np.sqrt(squared).astype(np.float32)


def _dot(segment: sparse.csr_matrix, terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ over `terms` of weight × sublinear tf, for every text of a term-major segment: reads
    only those terms' posting lists."""
    starts, ends = segment.indptr[terms], segment.indptr[terms + 1]
    lengths = (ends - starts).astype(np.int64)
    if lengths.sum() == 0:
        return np.zeros(segment.shape[1], dtype=np.float32)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    values = _sublinear(segment.data[offsets]) * np.repeat(weights.astype(np.float32), lengths)
    return np.bincount(segment.indices[offsets], weights=values, minlength=segment.shape[1]).astype(
        np.float32
    )


def _merge_segments(
    segments: list[sparse.csr_matrix], common: np.ndarray
) -> list[sparse.csr_matrix]:
    """Merge the newest segments while the newest is at least half the size of the one before;
    a merged segment drops the postings of `common` terms."""
    merged = False
    while len(segments) > 1 and segments[-1].shape[1] * 2 >= segments[-2].shape[1]:
        newest = segments.pop()
        segments[-1] = sparse.hstack([segments[-1], newest], format="csr")
        merged = True
    if merged and common.any():
        segments[-1] = _drop_terms(segments[-1], common)
    return segments


def _drop_terms(segment: sparse.csr_matrix, terms: np.ndarray) -> sparse.csr_matrix:
    """The segment without the posting lists of the terms flagged in `terms`."""
    lengths = np.diff(segment.indptr)
    keep = np.repeat(~terms, lengths)
    indptr = np.concatenate([[0], np.cumsum(np.where(terms, 0, lengths))]).astype(
        segment.indptr.dtype
    )
    return sparse.csr_matrix(
        (segment.data[keep], segment.indices[keep], indptr), shape=segment.shape
    )


def _merged(segments: list[sparse.csr_matrix], n_terms: int) -> sparse.csr_matrix:
    if not segments:
        return sparse.csr_matrix((n_terms, 0), dtype=np.uint8)
    return segments[0] if len(segments) == 1 else sparse.hstack(segments, format="csr")


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


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` highest scores, best first (ties by position)."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k >= scores.shape[0]:
        return np.argsort(-scores, kind="stable")
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")]
