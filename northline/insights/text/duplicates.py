"""A near-duplicate index over feedback texts: TF-IDF cosine on words and character n-grams.

Built for a million items in bounded memory and query time. Terms are hashed (no vocabulary to
refit). Each text's raw term counts are kept text-major, packed four bytes a posting (hashed
feature << 8 | count clipped to 255), in chunks of at most `CHUNK_TEXTS` texts that are merged
log-structured as texts arrive (adding one text at a time costs O(log n) copies per text, and
no merge ever copies more than a chunk). IDF is applied at query time from live document
frequencies, so an added text is searchable at once; only the per-text norms are recomputed,
cheaply, when the collection has grown by `NORM_REFRESH_GROWTH` (and a text's own at once when
a term only it held is found in a second text; decision 0054).

A query runs in two stages. Candidates come from an inverted index of word stems (each word's
first `KEY_CHARS` characters, so that inflections and compounds meet): the query's rarest stems
are read, up to `candidate_postings` postings in all (frequent stems, whose lists are long and
barely move the score, are skipped here only), and the `pool` texts with the best partial
score go on. Those candidates are then scored exactly on the full word and
character vectors, so the work of a query grows with the pool, not with the collection. When
the index holds no more than `pool` texts every text is a candidate and the answer is exactly
that of a full scan (`similarities`). Hits are ranked hubness-corrected (`hubness.py`).

Similarity is the mean of the word cosine and the character 3-5-gram cosine. The first line of a
text (a title, a summary) is counted `TITLE_WEIGHT` times. Terms found in fewer than `MIN_DF`
indexed texts carry no weight: one-off tokens (typos, ids) only inflate norms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from northline.insights.text.features import char_wb_counts
from northline.insights.text.hubness import Densities
from northline.insights.text.preprocess import clean_text

TITLE_WEIGHT = 3
MIN_DF = 2
NORM_REFRESH_GROWTH = 0.05
CHUNK_TEXTS = 2**16
ADD_BATCH = 8192
SCORE_BATCH = 4096
QUERY_BATCH = 2048
POOL = 1000
CANDIDATE_POSTINGS = 200_000
BULK_POOL = 32
BULK_POSTINGS = 4096
BULK_ROWS = 256
POOL_ROWS = 64
_FORMAT = "northline-duplicate-index-v6"
_OLD_FORMATS = tuple(f"northline-duplicate-index-v{v}" for v in (2, 3, 4, 5))
KEY_CHARS = 5
WORD_FEATURES = 2**20
CHAR_FEATURES = 2**21
_COUNT_BITS = 8
_COUNT_MASK = np.uint32(2**_COUNT_BITS - 1)
_BUCKET_BITS = 5
_WORD = re.compile(r"\w+")
_Weights = tuple[np.ndarray, np.ndarray, float]  # a query's terms, weights and norm
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


@dataclass(frozen=True)
class IndexCounts:
    """What indexing texts computes from the texts alone: the term counts of their
    `index_text`, one row per text, in the three spaces the index keeps (word stems, words,
    character n-grams). `index_counts` makes them, and `DuplicateIndex.add` takes them instead
    of hashing the texts itself, so that another process can do that part (decision 0053)."""

    stems: sparse.csr_matrix
    words: sparse.csr_matrix
    chars: sparse.csr_matrix

    @property
    def size(self) -> int:
        return int(self.stems.shape[0])

    def rows(self, rows: Sequence[int] | slice) -> IndexCounts:
        """The counts of these texts (itself when that is every text, in order)."""
        chosen = range(self.size)[rows] if isinstance(rows, slice) else rows
        if list(chosen) == list(range(self.size)):
            return self
        picked = np.asarray(chosen, dtype=np.int64)
        return IndexCounts(self.stems[picked], self.words[picked], self.chars[picked])


def index_counts(texts: Sequence[str]) -> IndexCounts:
    """The term counts `DuplicateIndex.add` indexes `texts` with (each text's `index_text`;
    character n-grams counted once per distinct word of the texts, `char_wb_counts`)."""
    prepared = [index_text(t) for t in texts]
    return IndexCounts(
        _STEMS.transform(prepared).tocsr(),
        _WORDS.transform(prepared).tocsr(),
        char_wb_counts(_CHARS, prepared),
    )


@dataclass
class _Chunk:
    """Consecutive texts' term counts, text-major: `packed[indptr[i]:indptr[i + 1]]` holds text
    i's postings as feature << 8 | count."""

    indptr: np.ndarray
    packed: np.ndarray

    @property
    def n_texts(self) -> int:
        return self.indptr.shape[0] - 1

    @classmethod
    def of(cls, counts: sparse.csr_matrix) -> _Chunk:
        packed = counts.indices.astype(np.uint32) << _COUNT_BITS
        packed |= np.minimum(counts.data, 255).astype(np.uint32)
        return cls(counts.indptr.astype(np.int64), packed)

    def rows(self, local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The postings of texts `local` (sorted, distinct positions in this chunk),
        concatenated, and where each text's run starts in them (one more entry than texts)."""
        if local.shape[0] and local[-1] - local[0] + 1 == local.shape[0]:
            # a run of consecutive texts (a full scan): one slice, no gather
            first, last = self.indptr[local[0]], self.indptr[local[-1] + 1]
            return self.packed[first:last], self.indptr[local[0] : local[-1] + 2] - first
        starts, ends = self.indptr[local], self.indptr[local + 1]
        lengths = ends - starts
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        offsets = np.repeat(starts - bounds[:-1], lengths) + np.arange(bounds[-1])
        return self.packed[offsets], bounds


def _merge(first: _Chunk, second: _Chunk) -> _Chunk:
    indptr = np.concatenate([first.indptr, second.indptr[1:] + first.indptr[-1]])
    return _Chunk(indptr, np.concatenate([first.packed, second.packed]))


@dataclass
class _Block:
    """One feature space (words or character n-grams) of the index: document frequencies,
    per-text norms and the text-major chunks of raw counts (weights are computed when a
    query reads them)."""

    vectorizer: HashingVectorizer
    df: np.ndarray
    chunks: list[_Chunk] = field(default_factory=list)
    norms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    # per feature, the position of the one text holding it (meaningful where df is 1)
    holders: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.holders = np.full(self.df.shape, -1, dtype=np.int32)

    def counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Text-major term counts (float32 as the vectorizer gives them); character n-grams
        are counted once per distinct word of the batch (`char_wb_counts`)."""
        if self.vectorizer.analyzer == "char_wb":
            return char_wb_counts(self.vectorizer, texts)
        return self.vectorizer.transform(texts).tocsr()

    def idf(self, n_docs: int, terms: np.ndarray | None = None) -> np.ndarray:
        """Smoothed IDF (of `terms`, or of every feature); zero below `MIN_DF` texts."""
        df = self.df if terms is None else self.df[terms]
        idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
        return np.where(df < MIN_DF, 0.0, idf).astype(np.float32)

    def add(self, counts: sparse.csr_matrix, n_docs: int) -> None:
        """Append rows of term counts; `n_docs` counts them already.

        A term held by one text weighs nothing in that text's norm (`MIN_DF` is 2); when a
        new text shares it, the holder's norm is recomputed at once, or the pair would score
        far above 1 until the next refresh, and a pair sharing a rare term is the likeliest
        duplicate."""
        features = counts.indices
        added = np.bincount(features, minlength=self.df.shape[0])
        before = self.df[features]
        promoted = np.unique(self.holders[features[before == 1]])
        first = (before == 0) & (added[features] == 1)
        rows = np.repeat(np.arange(counts.shape[0], dtype=np.int32), np.diff(counts.indptr))
        self.holders[features[first]] = n_docs - counts.shape[0] + rows[first]
        self.df += added.astype(self.df.dtype)
        chunk = _Chunk.of(counts)
        # the idf of the new texts' terms only: a whole table per add would cost more than
        # the norms of a part of a batch
        norms = _norms(chunk, lambda terms: self.idf(n_docs, terms))
        self.norms = np.concatenate([self.norms, norms])
        self.chunks.append(chunk)
        if promoted.shape[0]:
            tf = self.tf_rows(promoted.astype(np.int64))
            self.norms[promoted] = _lengths(tf.data * self.idf(n_docs, tf.indices), tf.indptr)
        while (
            len(self.chunks) > 1
            and self.chunks[-1].n_texts * 2 >= self.chunks[-2].n_texts
            and self.chunks[-1].n_texts + self.chunks[-2].n_texts <= CHUNK_TEXTS
        ):
            newest = self.chunks.pop()
            self.chunks[-1] = _merge(self.chunks[-1], newest)

    def refresh_norms(self, idf: np.ndarray) -> None:
        self.norms = np.concatenate([_norms(chunk, idf.__getitem__) for chunk in self.chunks])

    def query_weights(
        self, text: str, n_docs: int, max_terms: int | None
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """The query's terms, their weights against raw document counts (sublinear tf · idf ·
        idf: the documents' idf is folded in here) and the query's norm."""
        return self.row_weights(self.counts([text]), 0, n_docs, max_terms)

    def row_weights(
        self, counts: sparse.csr_matrix, row: int, n_docs: int, max_terms: int | None
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """`query_weights` of row `row` of texts hashed together (`counts`)."""
        span = slice(counts.indptr[row], counts.indptr[row + 1])
        indices, data = counts.indices[span], counts.data[span]
        idf = self.idf(n_docs, indices)
        terms, weights = _top_terms(indices, _sublinear(data) * idf, max_terms)
        query_norm = float(np.sqrt(np.sum(weights.astype(np.float64) ** 2)))
        return terms, (weights * self.idf(n_docs, terms)).astype(np.float32), query_norm

    def batch_weights(
        self, tf: sparse.csr_matrix, n_docs: int, max_terms: int | None
    ) -> tuple[sparse.csr_matrix, np.ndarray]:
        """`row_weights` of every row of `tf` (sublinear term frequencies) at once: the rows'
        kept terms and weights (float64, the documents' idf folded in) as a CSR matrix, and
        each row's norm. The heaviest `max_terms` of a row are kept by one sort of the batch."""
        lengths = np.diff(tf.indptr)
        rows = np.repeat(np.arange(tf.shape[0]), lengths)
        idf = self.idf(n_docs, tf.indices)
        weights = tf.data.astype(np.float32) * idf
        keep = weights > 0
        if max_terms is not None and (lengths > max_terms).any():
            # only rows longer than `max_terms` lose terms: only theirs are ranked
            long = np.flatnonzero(np.repeat(lengths > max_terms, lengths))
            order = np.lexsort((-weights[long], rows[long]))  # by row, heaviest first
            starts = np.searchsorted(rows[long], rows[long])
            rank = np.empty(long.shape[0], dtype=np.int64)
            rank[order] = np.arange(long.shape[0]) - starts[order]
            keep[long] &= rank < max_terms
        kept_rows = rows[keep]
        squares = weights[keep].astype(np.float64) ** 2
        norms = np.sqrt(np.bincount(kept_rows, weights=squares, minlength=tf.shape[0]))
        sizes = np.bincount(kept_rows, minlength=tf.shape[0])
        matrix = sparse.csr_matrix(
            (
                (weights[keep] * idf[keep]).astype(np.float64),
                tf.indices[keep],
                np.concatenate([[0], np.cumsum(sizes)]),
            ),
            shape=tf.shape,
        )
        return matrix, norms

    def tf_rows(self, docs: np.ndarray) -> sparse.csr_matrix:
        """Sublinear term frequencies of texts `docs` (sorted, distinct positions), one CSR row
        each, as the cosines read them."""
        starts = np.cumsum([0] + [chunk.n_texts for chunk in self.chunks])
        cuts = np.searchsorted(docs, starts)
        features, values, lengths = [], [], []
        for number, chunk in enumerate(self.chunks):
            local = docs[cuts[number] : cuts[number + 1]] - starts[number]
            if local.shape[0] == 0:
                continue
            packed, bounds = chunk.rows(local)
            features.append((packed >> _COUNT_BITS).astype(np.int32))
            values.append(_TF[packed & _COUNT_MASK].astype(np.float64))
            lengths.append(np.diff(bounds))
        if not features:
            return sparse.csr_matrix((docs.shape[0], self.df.shape[0]), dtype=np.float64)
        indptr = np.concatenate([[0], np.cumsum(np.concatenate(lengths))])
        return sparse.csr_matrix(
            (np.concatenate(values), np.concatenate(features), indptr),
            shape=(docs.shape[0], self.df.shape[0]),
        )

    def cosines(
        self, terms: np.ndarray, weights: np.ndarray, query_norm: float, docs: np.ndarray,
        scratch: np.ndarray | None = None,
    ) -> np.ndarray:  # fmt: skip
        """Cosine of the query to each of `docs` (sorted text positions), reading only their
        postings. `scratch`, a zeroed array of one float32 per feature, saves allocating the
        query's lookup table; it is zeroed again before returning (`DuplicateIndex.query_many`
        reuses one across a batch)."""
        if query_norm == 0.0 or docs.shape[0] == 0:
            return np.zeros(docs.shape[0], dtype=np.float32)
        lookup = np.zeros(self.df.shape[0], dtype=np.float32) if scratch is None else scratch
        lookup[terms] = weights
        buckets = np.zeros(self.df.shape[0] >> _BUCKET_BITS, dtype=bool)
        buckets[terms >> _BUCKET_BITS] = True
        dots = np.concatenate(list(self._dots(lookup, buckets, docs)))
        lookup[terms] = 0.0
        norms = self.norms[docs]
        norms = np.where(norms > 0, norms, np.inf)
        return np.asarray(dots / (norms * query_norm), dtype=np.float32)

    def _dots(
        self, lookup: np.ndarray, buckets: np.ndarray, docs: np.ndarray
    ) -> Iterator[np.ndarray]:
        """Each doc's dot product with the query: `buckets` (one flag per `2**_BUCKET_BITS`
        features, a table small enough to stay in cache) keeps the few postings that may be
        query terms, and only those are weighed and summed."""
        starts = np.cumsum([0] + [chunk.n_texts for chunk in self.chunks])
        cuts = np.searchsorted(docs, starts)
        for number, chunk in enumerate(self.chunks):
            local = docs[cuts[number] : cuts[number + 1]] - starts[number]
            for first in range(0, local.shape[0], SCORE_BATCH):
                packed, bounds = chunk.rows(local[first : first + SCORE_BATCH])
                hits = np.flatnonzero(buckets[packed >> (_COUNT_BITS + _BUCKET_BITS)])
                found = packed[hits]
                values = lookup[found >> _COUNT_BITS] * _TF[found & _COUNT_MASK]
                rows = np.searchsorted(bounds, hits, side="right") - 1
                sums = np.bincount(rows, weights=values, minlength=bounds.shape[0] - 1)
                yield sums.astype(np.float32)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The block as plain arrays, one pair per chunk, for `DuplicateIndex.save`."""
        arrays = {f"{prefix}_df": self.df, f"{prefix}_norms": self.norms}
        arrays[f"{prefix}_holders"] = self.holders
        arrays[f"{prefix}_chunks"] = np.array(len(self.chunks))
        for number, chunk in enumerate(self.chunks):
            arrays[f"{prefix}_indptr_{number}"] = chunk.indptr
            arrays[f"{prefix}_packed_{number}"] = chunk.packed
        return arrays

    def restore(self, data: Any, prefix: str, n_docs: int) -> None:
        df, norms, holders = (data[f"{prefix}_{name}"] for name in ("df", "norms", "holders"))
        if df.shape != self.df.shape or holders.shape != df.shape or norms.shape != (n_docs,):
            raise ValueError(f"{prefix}: arrays do not fit this index (shape {df.shape})")
        self.df = np.asarray(df, dtype=self.df.dtype)
        self.holders = np.asarray(holders, dtype=np.int32)
        self.norms = np.asarray(norms, dtype=np.float32)
        self.chunks = [
            _Chunk(
                np.asarray(data[f"{prefix}_indptr_{number}"], dtype=np.int64),
                np.asarray(data[f"{prefix}_packed_{number}"], dtype=np.uint32),
            )
            for number in range(int(data[f"{prefix}_chunks"]))
        ]
        if sum(chunk.n_texts for chunk in self.chunks) != n_docs:
            raise ValueError(f"{prefix}: chunks do not hold {n_docs} texts")


@dataclass
class _KeyPostings:
    """The inverted index that proposes candidates, keyed on word stems: each word's first
    `KEY_CHARS` characters (a truncation stemmer: "crashes", "crashed" and "crashing" share
    "crash", "addressbar" meets "address bar"), so that a text sharing only inflections or
    compounds with the query, no exact word, is still found. Term-major CSR segments of raw
    counts as uint8 (5 bytes a posting), merged log-structured like the chunks, and the keys'
    document frequencies."""

    vectorizer: HashingVectorizer = field(default_factory=lambda: _STEMS)
    df: np.ndarray = field(default_factory=lambda: _zeros(WORD_FEATURES))
    segments: list[sparse.csr_matrix] = field(default_factory=list)
    # the last `add`'s texts' counts and the position of the first: a processing batch's join
    # reads its texts' stems from here instead of hashing them again (not saved)
    recent: tuple[int, sparse.csr_matrix] | None = None

    def add(self, counts: sparse.csr_matrix, start: int) -> None:
        """Add texts' key counts (`IndexCounts.stems`), indexed from position `start` on."""
        self.recent = (start, counts)
        self.df += np.bincount(counts.indices, minlength=self.df.shape[0]).astype(self.df.dtype)
        clipped = sparse.csr_matrix(
            (np.minimum(counts.data, 255).astype(np.uint8), counts.indices, counts.indptr),
            shape=counts.shape,
        )
        self.segments.append(clipped.T.tocsr())
        while (
            len(self.segments) > 1 and self.segments[-1].shape[1] * 2 >= self.segments[-2].shape[1]
        ):
            newest = self.segments.pop()
            self.segments[-1] = sparse.hstack([self.segments[-1], newest], format="csr")

    def query_weights(self, text: str, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
        """The query's keys and their weights against raw counts (sublinear tf · idf · idf).
        Unlike the scoring blocks, a key held by one text weighs: it may be the one match."""
        counts = self.vectorizer.transform([text]).tocsr()
        df = self.df[counts.indices]
        idf = (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)
        return counts.indices, (_sublinear(counts.data) * idf * idf).astype(np.float32)

    def dots(self, terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return np.concatenate([_dot(segment, terms, weights) for segment in self.segments])

    def batch_dots(self, counts: sparse.csr_matrix, n_docs: int, budget: int) -> sparse.csr_matrix:
        """The candidate stage of a batch as two sparse products: a (texts × indexed texts)
        matrix of partial scores over each text's rarest keys (weights as `query_weights`);
        `counts`: the texts' key counts (`recent_rows`, or hashed).

        A text reads its keys rarest first while the postings read stay within `budget`, and
        a key's list is read from its newest postings, at most `budget` of them, so the work
        per text is bounded whatever the size of the index (a text of common words only
        meets the newest texts that share its rarest word)."""
        lengths = np.diff(counts.indptr)
        rows = np.repeat(np.arange(counts.shape[0]), lengths)
        df = self.df[counts.indices].astype(np.int64)
        read = np.minimum(df, budget)
        order = np.lexsort((counts.indices, df, rows))  # by row, rarest key first
        spent = np.cumsum(read[order])
        spent -= np.repeat(np.concatenate([[0], spent])[counts.indptr[:-1]], lengths)
        chosen = order[(spent <= budget) & (df[order] > 0)]
        keys, inverse = np.unique(counts.indices[chosen], return_inverse=True)
        idf = (np.log((1.0 + n_docs) / (1.0 + df[chosen])) + 1.0).astype(np.float32)
        weights = _sublinear(counts.data[chosen]) * idf * idf
        query = sparse.csr_matrix(
            (weights, (rows[chosen], inverse)), shape=(counts.shape[0], keys.shape[0])
        )
        return (query @ self.newest_postings(keys, n_docs, budget)).tocsr()

    def recent_rows(self, positions: np.ndarray | None) -> sparse.csr_matrix | None:
        """The key counts of the texts indexed at `positions` when the last `add` holds them
        all (a batch the join runs right after adding it: the same texts, so the same rows);
        None when it does not (they must be hashed)."""
        if positions is not None and positions.shape[0] and self.recent is not None:
            start, counts = self.recent
            local = positions - start
            if local.min() >= 0 and local.max() < counts.shape[0]:
                return counts[local]
        return None

    def newest_postings(self, keys: np.ndarray, n_docs: int, budget: int) -> sparse.csr_matrix:
        """(keys × indexed texts) sublinear counts of `keys`, each cut to its newest `budget`
        postings (the segments are read newest first). Each key's row is written in place,
        oldest segment first, so the rows come out sorted with no sort of their own."""
        left = np.full(keys.shape[0], budget, dtype=np.int64)
        runs: list[tuple[sparse.csr_matrix, int, np.ndarray, np.ndarray]] = []
        offset = n_docs
        for segment in reversed(self.segments):
            offset -= segment.shape[1]
            ends = segment.indptr[keys + 1].astype(np.int64)
            take = np.minimum(ends - segment.indptr[keys], left)
            left -= take
            runs.append((segment, offset, ends, take))
        sizes = budget - left
        indptr = np.concatenate([[0], np.cumsum(sizes)])
        docs = np.empty(indptr[-1], dtype=np.int64)
        values = np.empty(indptr[-1], dtype=np.float32)
        start = indptr[:-1].copy()  # where each key's next (newer) run goes
        for segment, offset, ends, take in reversed(runs):  # oldest first
            total = int(take.sum())
            if total == 0:
                continue
            before = np.cumsum(take) - take
            positions = np.repeat(ends - take - before, take) + np.arange(total)
            written = np.repeat(start - before, take) + np.arange(total)
            docs[written] = segment.indices[positions] + offset
            values[written] = _TF[segment.data[positions]]
            start += take
        return sparse.csr_matrix((values, docs, indptr), shape=(keys.shape[0], n_docs))

    def arrays(self) -> dict[str, np.ndarray]:
        arrays: dict[str, np.ndarray] = {
            "postings_segments": np.array(len(self.segments)),
            "postings_df": self.df,
        }
        for number, segment in enumerate(self.segments):
            arrays[f"postings_indptr_{number}"] = segment.indptr
            arrays[f"postings_indices_{number}"] = segment.indices
            arrays[f"postings_data_{number}"] = segment.data
            arrays[f"postings_texts_{number}"] = np.array(segment.shape[1])
        return arrays

    def restore(self, data: Any, n_terms: int) -> None:
        self.df = np.asarray(data["postings_df"], dtype=self.df.dtype)
        self.segments = [
            sparse.csr_matrix(
                (
                    data[f"postings_data_{number}"],
                    data[f"postings_indices_{number}"],
                    data[f"postings_indptr_{number}"],
                ),
                shape=(n_terms, int(data[f"postings_texts_{number}"])),
            )
            for number in range(int(data["postings_segments"]))
        ]


class DuplicateIndex:
    """add(ids, texts), then query(text, k) → [(id, score)], best first; score is a cosine.

    "Best first" is by the cosine less half the hit's density (`hubness`; decision 0031), so a
    generic text near everything does not top every list; densities are learnt by the
    searches of `similar_indexed(..., learn=True)` (processing, for every new item) and
    `query_many(..., learn=True)` (the portal).
    `pool` is how many candidates a query scores exactly and `candidate_postings` how many
    word postings it reads to find them (see the module docstring); `max_query_terms` keeps
    the heaviest query terms of each feature space (None: all of them).
    """

    def __init__(
        self,
        *,
        max_query_terms: int | None = 256,
        pool: int = POOL,
        candidate_postings: int = CANDIDATE_POSTINGS,
        bulk_pool: int = BULK_POOL,
        bulk_postings: int = BULK_POSTINGS,
    ) -> None:
        self.max_query_terms = max_query_terms
        self.pool = pool
        self.candidate_postings = candidate_postings
        self.bulk_pool = bulk_pool
        self.bulk_postings = bulk_postings
        self._ids: list[str] = []
        self._positions: dict[str, int] | None = None  # id → newest position, built on use
        self._shared: set[str] = set()  # ids held at more than one position (with _positions)
        self._normed_at = 0
        self._word = _Block(_WORDS, _zeros(WORD_FEATURES))
        self._char = _Block(_CHARS, _zeros(CHAR_FEATURES))
        self._postings = _KeyPostings()
        self.hubness = Densities()

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    def add(
        self, ids: Sequence[str], texts: Sequence[str], counts: IndexCounts | None = None
    ) -> None:
        """Index `texts` under `ids` (ids need not be unique, but usually are); texts are
        vectorised `ADD_BATCH` at a time so that memory stays bounded. `counts`: the texts'
        `index_counts` when they were computed already (in the helper process): the same
        index, without hashing the texts here."""
        if len(ids) != len(texts):
            raise ValueError(f"duplicates: {len(ids)} ids but {len(texts)} texts")
        if counts is not None and counts.size != len(texts):
            raise ValueError(f"duplicates: {len(texts)} texts but counts of {counts.size}")
        for first in range(0, len(texts), ADD_BATCH):
            part = slice(first, first + ADD_BATCH)
            added = [str(i) for i in ids[part]]
            found = index_counts(texts[part]) if counts is None else counts.rows(part)
            if self._positions is not None:
                self._note_positions(added, len(self._ids))
            self._ids.extend(added)
            self.hubness.extend(len(added))
            self._postings.add(found.stems, len(self._ids) - len(added))
            self._word.add(found.words, len(self._ids))
            self._char.add(found.chars, len(self._ids))
        if len(self._ids) > (1 + NORM_REFRESH_GROWTH) * self._normed_at:
            self._refresh_norms()

    def _note_positions(self, ids: Sequence[str], start: int) -> None:
        """Record `ids`, indexed from position `start` on, as their ids' newest positions, and
        the ids now held more than once."""
        assert self._positions is not None
        for number, doc in enumerate(ids):
            if doc in self._positions:
                self._shared.add(doc)
            self._positions[doc] = start + number

    def similarities(self, text: str) -> np.ndarray:
        """Cosine similarity of `text` to every indexed text, in insertion order (a full scan:
        cost grows with the collection; `query` does not)."""
        return self._scores(text, np.arange(len(self._ids)))[1]

    def query(
        self, text: str, k: int = 5, *, exclude: str | None = None
    ) -> list[tuple[str, float]]:
        """The `k` most similar indexed texts (score > 0), best first.

        `exclude` drops one id from the answer (the text itself, when it is indexed already).
        """
        docs, scores = self._scores(text, None)
        return self._best(docs, scores, k, exclude)

    def query_many(
        self, texts: Sequence[str], k: int = 5, *, excludes: Sequence[str | None] | None = None,
        learn: bool = False,
    ) -> list[list[tuple[str, float]]]:  # fmt: skip
        """`query` of each text (`excludes[i]` for text i), with the same answers: for a batch
        being processed. The texts are hashed in one call per feature space, `QUERY_BATCH` at
        a time, and the queries share one lookup table per space instead of allocating one
        each; candidates and exact scores are those of `query`.

        With `learn`, a text whose `excludes[i]` names a text just indexed (whose neighbours
        were never searched) is taken to be that text: this search sets its density and raises
        its neighbours' (`hubness`), then the next texts are ranked with them."""
        if excludes is not None and len(excludes) != len(texts):
            raise ValueError(f"duplicates: {len(texts)} texts but {len(excludes)} excludes")
        n_docs = len(self._ids)
        if n_docs == 0:
            return [[] for _ in texts]
        wanted: list[str | None] = [None] * len(texts)
        if excludes is not None and learn:
            wanted = list(excludes)
        positions = self.hubness.pending(self._ids, wanted)
        scratch = (
            np.zeros(self._word.df.shape[0], dtype=np.float32),
            np.zeros(self._char.df.shape[0], dtype=np.float32),
        )
        terms = self.max_query_terms
        found: list[list[tuple[str, float]]] = []
        for first in range(0, len(texts), QUERY_BATCH):
            prepared = [index_text(t) for t in texts[first : first + QUERY_BATCH]]
            words, chars = self._word.counts(prepared), self._char.counts(prepared)
            for row in range(len(prepared)):
                word = self._word.row_weights(words, row, n_docs, terms)
                char = self._char.row_weights(chars, row, n_docs, terms)
                docs, scores = self._scored(prepared[row], word, char, None, scratch=scratch)
                exclude = None if excludes is None else excludes[first + row]
                found.append(self._best(docs, scores, k, exclude))
                if (position := positions[first + row]) is not None:
                    self.hubness.learn(self._ids, position, docs, scores)
        return found

    def similar_many(
        self, texts: Sequence[str], k: int = 5, *, min_score: float = 0.0,
        excludes: Sequence[str | None] | None = None,
    ) -> list[list[tuple[str, float]]]:  # fmt: skip
        """The `k` most similar indexed texts of each text with a score of at least
        `min_score` (and above 0), best first: what bulk processing stores. A similarity join
        rather than one ranked query per text, so that its cost per text does not grow with
        the index: `BULK_ROWS` texts at a time, the candidates come from one sparse product
        of their rarest word stems against the newest postings (`_KeyPostings.batch_dots`),
        the `bulk_pool` best of each text are scored exactly (the score of `query`, computed
        pair by pair in one sparse element-wise product per feature space), and the best are
        kept. With no more than `bulk_pool` texts indexed every text is a candidate and the
        answers are those of `query`; on a larger index they agree with it on most pairs
        (measured in docs/benchmarks.md)."""
        if excludes is not None and len(excludes) != len(texts):
            raise ValueError(f"duplicates: {len(texts)} texts but {len(excludes)} excludes")
        return self._join(texts, None, k, min_score, excludes)

    def similar_indexed(
        self, ids: Sequence[str], texts: Sequence[str], k: int = 5, *, min_score: float = 0.0,
        learn: bool = False,
    ) -> list[list[tuple[str, float]]]:  # fmt: skip
        """`similar_many` of texts that are indexed already, `texts[i]` as the newest text
        under `ids[i]` (a batch being processed has just been added), each id left out of its
        own answer. Their word and character counts are read from the index instead of being
        hashed again (the character n-grams are most of the hashing); the counts it keeps are
        clipped at 255, so a term repeated more often in one text weighs a little less. When
        an id is not indexed the batch is hashed as by `similar_many`.

        With `learn`, each text's scored candidates are its neighbour search for the hubness
        correction (decision 0031), as in `query_many(learn=True)`."""
        if len(ids) != len(texts):
            raise ValueError(f"duplicates: {len(ids)} ids but {len(texts)} texts")
        if self._positions is None:
            self._positions = {}
            self._note_positions(self._ids, 0)
        excludes = [str(doc) for doc in ids]
        if any(doc not in self._positions for doc in excludes):
            return self._join(texts, None, k, min_score, excludes)
        positions = np.array([self._positions[doc] for doc in excludes], dtype=np.int64)
        return self._join(texts, positions, k, min_score, excludes, learn=learn)

    def _join(
        self, texts: Sequence[str], positions: np.ndarray | None, k: int, min_score: float,
        excludes: Sequence[str | None] | None, *, learn: bool = False,
    ) -> list[list[tuple[str, float]]]:  # fmt: skip
        if len(self._ids) == 0:
            return [[] for _ in texts]
        found: list[list[tuple[str, float]]] = []
        divisors = np.where(self._char.norms > 0, self._char.norms, np.inf)
        for first in range(0, len(texts), BULK_ROWS):
            part = texts[first : first + BULK_ROWS]
            held = None if positions is None else positions[first : first + BULK_ROWS]
            stems = self._postings.recent_rows(held)
            # texts just added need no cleaning here: their counts are the index's own
            prepared = None if stems is not None else [index_text(t) for t in part]
            rows, docs = self._bulk_candidates(len(part), prepared, stems, divisors)
            scores = self._pair_scores(len(part), prepared, held, rows, docs)
            fit = (scores >= min_score) & (scores > 0)
            searched = rows, docs, scores
            rows, docs, scores = rows[fit], docs[fit], scores[fit]
            rank = self.hubness.corrected(docs, scores)  # decision 0031; scores stay cosines
            order = np.lexsort((docs, -rank, rows))  # by text, best first, ties by position
            rows, docs, scores = rows[order], docs[order], scores[order]
            starts = np.searchsorted(rows, np.arange(len(part) + 1))
            keep = np.arange(rows.shape[0]) - np.repeat(starts[:-1], np.diff(starts)) <= k
            cuts = np.searchsorted(rows[keep], np.arange(1, len(part)))
            for number, (hits, values) in enumerate(
                zip(np.split(docs[keep], cuts), np.split(scores[keep], cuts), strict=True)
            ):
                exclude = None if excludes is None else excludes[first + number]
                pairs = zip(hits.tolist(), values.tolist(), strict=True)  # Python numbers
                best = [(self._ids[d], v) for d, v in pairs]
                found.append([hit for hit in best if hit[0] != exclude][:k])
            if learn and held is not None:
                self._learn_pairs(held, *searched)
        return found

    def _learn_pairs(
        self, held: np.ndarray, rows: np.ndarray, docs: np.ndarray, scores: np.ndarray
    ) -> None:
        """Each text's scored candidates (`rows` sorted by text) are its neighbour search:
        they set its density and raise its neighbours' (`hubness.learn`), as
        `query_many(learn=True)` does; the texts of this part of the batch were ranked with
        the densities from before it."""
        bounds = np.searchsorted(rows, np.arange(held.shape[0] + 1))
        alone = self._shared.isdisjoint(self._ids[position] for position in held.tolist())
        self.hubness.learn_many(self._ids, held, bounds, docs, scores, alone=alone)

    def _bulk_candidates(
        self, count: int, prepared: list[str] | None, stems: sparse.csr_matrix | None,
        divisors: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """(text, position) pairs to score exactly, sorted by text, for `count` texts: the
        `bulk_pool` texts with the best partial score over each text's rarest stems, divided
        by the character norm as in `_candidates` (every indexed text when there are no more
        than `bulk_pool`; `stems`: the texts' key counts, or None to hash their `prepared`
        texts; `divisors`: the character norms, infinite where zero).

        The pool is cut without sorting: partial scores are binned in 1,024 levels of the
        text's best one, the level that fills the pool is found from the bins' counts, and
        ties on that level are taken in the product's order."""
        n_docs = len(self._ids)
        if n_docs <= self.bulk_pool:
            return np.repeat(np.arange(count), n_docs), np.tile(np.arange(n_docs), count)
        if stems is None:
            assert prepared is not None
            stems = self._postings.vectorizer.transform(prepared).tocsr()
        partial = self._postings.batch_dots(stems, n_docs, self.bulk_postings)
        rows, docs = [], []
        for first in range(0, count, POOL_ROWS):  # a few texts at a time: arrays stay in cache
            part_rows, part_docs = self._pool(
                partial.indptr[first : first + POOL_ROWS + 1], partial, divisors
            )
            rows.append(part_rows + first)
            docs.append(part_docs)
        return np.concatenate(rows).astype(np.int64), np.concatenate(docs).astype(np.int64)

    def _pool(
        self, indptr: np.ndarray, partial: sparse.csr_matrix, divisors: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """`_bulk_candidates`' pool of the rows of `partial` that `indptr` (a slice of its
        row pointers) spans: their (row within the slice, position) pairs."""
        count = indptr.shape[0] - 1
        span = slice(indptr[0], indptr[-1])
        lengths = np.diff(indptr)
        rows = np.repeat(np.arange(count, dtype=np.int32), lengths)
        docs = partial.indices[span]
        values = partial.data[span] / divisors[docs]
        touched = lengths > 0
        best = np.zeros(count, dtype=np.float64)
        best[touched] = np.maximum.reduceat(values, (indptr[:-1] - indptr[0])[touched])
        # No value exceeds its text's best, so no level exceeds 1023.
        levels = values / np.where(best > 0, best, 1.0)[rows]
        levels *= 1023
        levels = levels.astype(np.int32)
        bins = np.bincount(rows * 1024 + levels, minlength=count * 1024).reshape(count, 1024)
        from_top = np.cumsum(bins[:, ::-1], axis=1)
        filled = from_top >= self.bulk_pool
        cut = np.where(filled.any(axis=1), 1023 - filled.argmax(axis=1), 0)[rows]
        keep = levels > cut
        room = self.bulk_pool - np.bincount(rows[keep], minlength=count)
        at = np.flatnonzero(levels == cut)  # ties on the cut level, in the product's order
        at_rows = rows[at]
        taken = np.arange(at.shape[0]) - np.searchsorted(at_rows, at_rows) < room[at_rows]
        keep[at[taken]] = True
        return rows[keep], docs[keep]

    def _pair_scores(
        self, count: int, prepared: list[str] | None, positions: np.ndarray | None,
        rows: np.ndarray, docs: np.ndarray,
    ) -> np.ndarray:  # fmt: skip
        """The exact score of `query` (mean of the word and character cosines) of each pair
        (text `rows[i]` of the `count` texts, `rows` sorted, indexed text `docs[i]`); the
        texts' own counts are read from the index at `positions` when they are indexed there,
        else hashed from their `prepared` texts. Each pair's score is its own: they are
        computed `POOL_ROWS` texts at a time, so that the arrays stay in the cache."""
        bounds = np.searchsorted(rows, np.arange(0, count + POOL_ROWS, POOL_ROWS))
        parts = [
            self._block_scores(
                None if prepared is None else prepared[first : first + POOL_ROWS],
                None if positions is None else positions[first : first + POOL_ROWS],
                rows[bounds[number] : bounds[number + 1]] - first,
                docs[bounds[number] : bounds[number + 1]],
            )
            for number, first in enumerate(range(0, count, POOL_ROWS))
        ]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def _block_scores(
        self, prepared: list[str] | None, positions: np.ndarray | None, rows: np.ndarray,
        docs: np.ndarray,
    ) -> np.ndarray:  # fmt: skip
        """`_pair_scores` of a few texts."""
        n_docs = len(self._ids)
        distinct, where = np.unique(docs, return_inverse=True)
        total = np.zeros(rows.shape[0], dtype=np.float64)
        for block in (self._word, self._char):
            if positions is None:
                assert prepared is not None
                tf = block.counts(prepared)
                tf.data = _sublinear(tf.data)
            else:
                held, back = np.unique(positions, return_inverse=True)
                tf = block.tf_rows(held)[back]
            weights, query_norms = block.batch_weights(tf, n_docs, self.max_query_terms)
            dots = np.asarray(weights[rows].multiply(block.tf_rows(distinct)[where]).sum(axis=1))
            norms = block.norms[docs].astype(np.float64) * query_norms[rows]
            total += np.where(norms > 0, dots.ravel() / np.where(norms > 0, norms, 1.0), 0.0)
        return _cosine(total / 2)

    def _best(
        self, docs: np.ndarray, scores: np.ndarray, k: int, exclude: str | None
    ) -> list[tuple[str, float]]:
        return ranked(self._ids, self.hubness, docs, scores, k, exclude)

    def candidate_scores(self, text: str, also: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact scores of the query's candidates and of the positions `also` (another stage's
        candidates: `SemanticIndex` passes the texts nearest in embedding), with the sorted
        positions scored."""
        return self._scores(text, None, also)

    def _scores(
        self, text: str, docs: np.ndarray | None, also: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Exact scores of `docs` (None: the candidates, with `also`), with the positions
        scored."""
        n_docs = len(self._ids)
        if n_docs == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        prepared = index_text(text)
        word = self._word.query_weights(prepared, n_docs, self.max_query_terms)
        char = self._char.query_weights(prepared, n_docs, self.max_query_terms)
        return self._scored(prepared, word, char, docs, also)

    def _scored(
        self, prepared: str, word: _Weights, char: _Weights, docs: np.ndarray | None,
        also: np.ndarray | None = None,
        scratch: tuple[np.ndarray | None, np.ndarray | None] = (None, None),
    ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """`_scores` of a query already weighted in both feature spaces (`prepared`, its
        `index_text`, finds the candidates)."""
        if docs is None:
            docs = self._candidates(prepared)
            docs = docs if also is None else np.union1d(docs, also)
        total = self._word.cosines(*word, docs, scratch[0])
        total += self._char.cosines(*char, docs, scratch[1])
        return docs, _cosine(total / 2)

    def _candidates(self, prepared: str) -> np.ndarray:
        """Sorted positions of the `pool` texts with the best partial score over the query's
        rarest word stems, divided by the texts' character norms (a length that is never zero,
        unlike the word norm of a text whose words are all rare; every text when the index
        holds no more than `pool`)."""
        n_docs = len(self._ids)
        if n_docs <= self.pool:
            return np.arange(n_docs)
        terms, weights = self._postings.query_weights(prepared, n_docs)
        df = self._postings.df[terms]
        order = np.argsort(df, kind="stable")
        read = order[np.cumsum(df[order]) <= self.candidate_postings]
        read = read if read.shape[0] else order[:1]
        partial = self._postings.dots(terms[read], weights[read])
        partial /= np.where(self._char.norms > 0, self._char.norms, np.inf)
        touched = np.flatnonzero(partial > 0)
        if touched.shape[0] > self.pool:
            touched = touched[np.argpartition(-partial[touched], self.pool - 1)[: self.pool]]
        return np.sort(touched)

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
        settings = [self.pool, self.candidate_postings, self._normed_at, terms]
        return {
            "format": np.array(_FORMAT),
            "settings": np.array(settings, dtype=np.float64),
            "ids": np.array(self._ids, dtype=np.str_),
            **self._word.arrays("word"),
            **self._char.arrays("char"),
            **self._postings.arrays(),
            **self.hubness.arrays("hub"),
        }

    @classmethod
    def from_arrays(cls, data: Any, source: str) -> DuplicateIndex:
        """The index `arrays` described; `source` names the file in errors. An index saved in
        an older layout is refused (rebuild it from the texts), never read as this one."""
        found = str(data["format"]) if "format" in data else None
        if found in _OLD_FORMATS:
            raise ValueError(
                f"{source}: saved in an older layout ({found}); rebuild the index from the texts"
            )
        if found != _FORMAT:
            raise ValueError(f"{source}: not a saved Northline duplicate index")
        pool, postings, normed_at, terms = data["settings"].tolist()
        index = cls(
            max_query_terms=None if terms < 0 else int(terms),
            pool=int(pool),
            candidate_postings=int(postings),
        )
        index._ids = [str(i) for i in data["ids"]]
        index._normed_at = int(normed_at)
        index._word.restore(data, "word", len(index._ids))
        index._char.restore(data, "char", len(index._ids))
        index._postings.restore(data, WORD_FEATURES)
        index.hubness = Densities.restore(data, "hub", len(index._ids))
        return index

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


# Hashing needs no fitting: every index, and `index_counts` in any process, count alike.
_WORDS = _hashing("word", (1, 1), WORD_FEATURES)
_CHARS = _hashing("char_wb", (3, 5), CHAR_FEATURES)
_STEMS: HashingVectorizer = HashingVectorizer(
    token_pattern=rf"(?u)\b\w{{1,{KEY_CHARS}}}",
    n_features=WORD_FEATURES,
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


_TF = np.concatenate([[0.0], _sublinear(np.arange(1, 256))]).astype(np.float32)


def _norms(chunk: _Chunk, idf: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """L2 norm of each text of a chunk in sublinear tf·idf (`idf` of an array of terms),
    `SCORE_BATCH` texts at a time."""
    parts = []
    for first in range(0, chunk.n_texts, SCORE_BATCH):
        packed, bounds = chunk.rows(np.arange(first, min(first + SCORE_BATCH, chunk.n_texts)))
        parts.append(_lengths(_TF[packed & _COUNT_MASK] * idf(packed >> _COUNT_BITS), bounds))
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, dtype=np.float32)


def _cosine(scores: np.ndarray) -> np.ndarray:
    """Scores as cosines, at most 1: between refreshes a text's norm is that of slightly
    older document frequencies, which can put a near-copy a little above 1 (by at most
    0.5 % measured, `bench/norm_refresh_bench.py`)."""
    return np.minimum(scores, 1.0).astype(np.float32)


def _lengths(weights: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The L2 norm of each run `weights[bounds[i]:bounds[i + 1]]`."""
    return np.sqrt(_row_sums(weights.astype(np.float64) ** 2, bounds))


def _row_sums(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Sum of each run `values[bounds[i]:bounds[i + 1]]` (0 for an empty run)."""
    sums = np.add.reduceat(np.append(values, values.dtype.type(0)), bounds[:-1])
    return np.where(bounds[1:] > bounds[:-1], sums, 0.0).astype(np.float32)


def _dot(segment: sparse.csr_matrix, terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ over `terms` of weight × sublinear tf, for every text of a term-major segment: reads
    only those terms' posting lists."""
    starts, ends = segment.indptr[terms], segment.indptr[terms + 1]
    lengths = (ends - starts).astype(np.int64)
    if lengths.sum() == 0:
        return np.zeros(segment.shape[1], dtype=np.float32)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    values = _TF[segment.data[offsets]] * np.repeat(weights.astype(np.float32), lengths)
    return np.bincount(segment.indices[offsets], weights=values, minlength=segment.shape[1]).astype(
        np.float32
    )


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


def ranked(
    ids: Sequence[str], hubness: Densities, docs: np.ndarray, scores: np.ndarray, k: int,
    exclude: str | None,
) -> list[tuple[str, float]]:  # fmt: skip
    """[(id, score)] of the `k` best of `docs` (positions in `ids`) with a score above 0,
    ordered by the hubness-corrected score but reporting the score itself (decision 0031);
    `exclude` drops one id."""
    found = np.flatnonzero(scores > 0)
    docs, scores = docs[found], scores[found]
    best = [(ids[docs[i]], float(scores[i])) for i in top_k(hubness.corrected(docs, scores), k + 1)]
    return [hit for hit in best if hit[0] != exclude][:k]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` highest scores, best first (ties by position)."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k >= scores.shape[0]:
        return np.argsort(-scores, kind="stable")
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")]
