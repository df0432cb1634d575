"""Theme clustering of feedback texts: TF-IDF → truncated SVD (LSA) → k-means.

The number of themes is chosen by the silhouette score over a range of k (on a sample of at most
`SILHOUETTE_SAMPLE` texts, so that a million texts cost the same as a few thousand) up to
`most_themes(n)`: one theme per `TEXTS_PER_THEME` texts, between `FEWEST_CHOICES` and
`MAX_THEMES`; the LSA keeps as many dimensions (decision 0055: a range capped at 15 and 100
dimensions made a catch-all theme of texts that fit nowhere). Above
`FIT_SAMPLE` texts the vocabulary, the LSA and the k-means are fitted on a random sample of that
many, and every text then goes to its nearest centroid: a full re-clustering of a million items
costs about one pass over their words instead of ten minutes of k-means (decision 0028). Each theme
gets a readable label (its most distinctive terms: mean TF-IDF inside the theme minus the mean
over all texts; two of them written side by side in most of its texts join as a phrase), a representative text (the one closest to the centroid) and its size. New texts
join the nearest theme when their cosine to its centroid reaches the model's threshold, and found
a new theme otherwise (leader clustering), so themes grow between full re-clusterings.

The numerics run on one thread (`threadpool_limits`, decision 0047): k-means steps on batches
of 1,024 vectors are too short for OpenMP's and BLAS's threads, whose waiting then burns more
CPU than they save (a re-clustering of 20,000 texts on the shared 2-core machine: 26-42 s of
CPU with the default two threads, 3.5-4.3 s with one, the same themes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from northline.insights.text.preprocess import clean_text

LABEL_TERMS = 3
TEXTS_PER_THEME = 10
FEWEST_CHOICES = 15
MAX_THEMES = 40
COARSE_STEP = 5
SILHOUETTE_SAMPLE = 2000
FIT_SAMPLE = 20_000
ASSIGN_CHUNK = 50_000
MINIBATCH_ABOVE = 10_000
THRESHOLD_QUANTILE = 0.1
PHRASE_SHARE = 0.5


@dataclass
class Theme:
    """One cluster. `members` index the texts given to `cluster_themes` (or `assign`)."""

    label: str
    terms: tuple[str, ...]
    representative: int
    members: list[int] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class ThemeModel:
    """Themes with what is needed to place new texts among them."""

    themes: list[Theme]
    vectorizer: TfidfVectorizer
    svd: TruncatedSVD | None
    centroids: np.ndarray
    threshold: float
    n_texts: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length LSA vectors of `texts`."""
        matrix = self.vectorizer.transform([clean_text(t, markers=False) for t in texts])
        reduced = self.svd.transform(matrix) if self.svd is not None else matrix.toarray()
        return np.asarray(normalize(reduced))

    def assign(self, texts: Sequence[str]) -> list[int]:
        """Theme index of each new text; a text below `threshold` to every centroid founds a new
        theme (labelled by its own top terms) that later texts in the call may join. New texts
        are numbered after the texts already clustered (``n_texts``, ``n_texts + 1``, …)."""
        vectors = self.embed(texts)
        assigned = []
        for offset, vector in enumerate(vectors):
            similarities = self.centroids @ vector
            best = int(similarities.argmax()) if len(similarities) else -1
            position = self.n_texts + offset
            if best >= 0 and similarities[best] >= self.threshold:
                self._join(best, vector, position)
            else:
                best = self._found(vector, position, texts[offset])
            assigned.append(best)
        self.n_texts += len(texts)
        return assigned

    def _join(self, theme: int, vector: np.ndarray, position: int) -> None:
        size = self.themes[theme].size
        centroid = (self.centroids[theme] * size + vector) / (size + 1)
        self.centroids[theme] = centroid / max(float(np.linalg.norm(centroid)), 1e-12)
        self.themes[theme].members.append(position)

    def _found(self, vector: np.ndarray, position: int, text: str) -> int:
        terms = _top_terms(
            self.vectorizer, self.vectorizer.transform([clean_text(text)]).toarray()[0]
        )
        self.themes.append(Theme(", ".join(terms), terms, position, [position]))
        self.centroids = np.vstack([self.centroids, vector])
        return len(self.themes) - 1


def cluster_themes(
    texts: Sequence[str], *, k: int | None = None, k_range: tuple[int, int] | None = None,
    seed: int = 0,
) -> ThemeModel:  # fmt: skip
    """Cluster `texts` into themes; `k` fixes their number, otherwise the silhouette picks it
    from `k_range` (inclusive; by default 2 to `most_themes`). Themes come largest first."""
    if len(texts) < 2:
        raise ValueError(f"texts: need at least 2 texts to cluster, got {len(texts)}")
    with threadpool_limits(limits=1):
        return _cluster(texts, k, k_range or (2, most_themes(len(texts))), seed)


def most_themes(n_texts: int) -> int:
    """The most themes the silhouette may choose among `n_texts`, and the LSA's dimensions."""
    return min(MAX_THEMES, max(FEWEST_CHOICES, n_texts // TEXTS_PER_THEME))


def _cluster(
    texts: Sequence[str], k: int | None, k_range: tuple[int, int], seed: int
) -> ThemeModel:
    fit = _fit_sample(len(texts), seed)
    fitted = [
        clean_text(texts[i], markers=False) for i in (range(len(texts)) if fit is None else fit)
    ]
    vectorizer, matrix = _vectorize(fitted)
    svd = _fit_svd(matrix, most_themes(len(texts)), seed)
    vectors = _embed(matrix, svd)
    n_distinct = len(np.unique(vectors.round(6), axis=0))
    if k is None:
        k = _choose_k(vectors, k_range, n_distinct, seed)
    labels, centroids = _kmeans(vectors, min(k, n_distinct), seed)
    if fit is None:
        sums = _term_sums(matrix, labels, len(centroids))
    else:  # every text to its nearest centroid; clusters left empty go
        vectors, labels, sums = _assign_all(texts, vectorizer, svd, centroids)
        kept = np.flatnonzero(np.bincount(labels, minlength=len(centroids)))
        centroids, sums = centroids[kept], sums[kept]
        labels = np.searchsorted(kept, labels)
    themes = _themes(vectorizer, sums, vectors, labels, centroids)
    _phrase_labels(themes, fitted, labels if fit is None else labels[fit])
    order = sorted(range(len(themes)), key=lambda t: -themes[t].size)
    model = ThemeModel(
        [themes[t] for t in order], vectorizer, svd, centroids[order], 0.0, len(texts)
    )
    model.threshold = _threshold(vectors, labels, centroids)
    return model


def _assign_all(
    texts: Sequence[str], vectorizer: TfidfVectorizer, svd: TruncatedSVD | None,
    centroids: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Every text's LSA vector (float32) and nearest centroid, and each centroid's sum of its
    texts' TF-IDF rows, `ASSIGN_CHUNK` texts at a time: a million texts never exist at once as
    cleaned strings or as one TF-IDF matrix, only as their vectors."""
    vectors, labels = [], []
    sums = np.zeros((len(centroids), len(vectorizer.vocabulary_)))
    for first in range(0, len(texts), ASSIGN_CHUNK):
        part = texts[first : first + ASSIGN_CHUNK]
        matrix = vectorizer.transform([clean_text(t, markers=False) for t in part])
        vectors.append(_embed(matrix, svd, np.float32))
        labels.append((vectors[-1] @ centroids.T).argmax(axis=1))
        sums += _term_sums(matrix, labels[-1], len(centroids))
    return np.concatenate(vectors), np.concatenate(labels), sums


def _term_sums(matrix: sparse.csr_matrix, labels: np.ndarray, n_themes: int) -> np.ndarray:
    """Each theme's sum of its texts' rows of `matrix` (dense, one row per theme)."""
    members = sparse.csr_matrix(
        (np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(n_themes, len(labels))
    )
    return np.asarray((members @ matrix).todense())


def _fit_sample(n_texts: int, seed: int) -> np.ndarray | None:
    """Sorted positions of the texts the model is fitted on (None: all of them)."""
    if n_texts <= FIT_SAMPLE:
        return None
    return np.sort(np.random.default_rng(seed).choice(n_texts, FIT_SAMPLE, replace=False))


def _embed(
    matrix: sparse.csr_matrix, svd: TruncatedSVD | None, dtype: type = np.float64
) -> np.ndarray:
    """Unit-length LSA vectors (float32 for every text of a large set: a million of them
    take 400 MB, not 800)."""
    reduced = svd.transform(matrix) if svd is not None else matrix.toarray()
    return np.asarray(normalize(reduced), dtype=dtype)


def _vectorize(cleaned: Sequence[str]) -> tuple[TfidfVectorizer, sparse.csr_matrix]:
    """The TF-IDF vocabulary and matrix of texts already cleaned (`clean_text`)."""
    min_df = 2 if len(cleaned) >= 50 else 1
    vectorizer = TfidfVectorizer(
        sublinear_tf=True,
        stop_words="english",
        min_df=min_df,
        max_df=0.5 if len(cleaned) >= 50 else 1.0,
    )
    try:
        return vectorizer, vectorizer.fit_transform(cleaned)
    except ValueError:  # every word is in more than max_df of the texts (a narrow product)
        vectorizer.set_params(max_df=1.0)
        return vectorizer, vectorizer.fit_transform(cleaned)


def _fit_svd(matrix: sparse.csr_matrix, dimensions: int, seed: int) -> TruncatedSVD | None:
    """LSA to at most `dimensions`; None when the vocabulary is already smaller."""
    n_components = min(dimensions, matrix.shape[1] - 1, matrix.shape[0] - 1)
    if n_components < 2:
        return None
    return TruncatedSVD(n_components, random_state=seed).fit(matrix)


def _choose_k(vectors: np.ndarray, k_range: tuple[int, int], n_distinct: int, seed: int) -> int:
    low, high = k_range
    high = min(high, n_distinct - 1, len(vectors) - 1)
    if high < max(low, 2):
        return max(1, min(low, n_distinct))
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(vectors), min(SILHOUETTE_SAMPLE, len(vectors)), replace=False)
    best_k, best_score = low, -2.0
    for k in _candidates(max(low, 2), high):
        labels, _ = _kmeans(vectors, k, seed)
        if len(set(labels[sample])) < 2:
            continue
        score = float(silhouette_score(vectors[sample], labels[sample], metric="cosine"))
        if score > best_score:
            best_k, best_score = k, score
    return best_k


def _candidates(low: int, high: int) -> list[int]:
    """The numbers of themes the silhouette compares: each up to `FEWEST_CHOICES`, then every
    `COARSE_STEP` (and `high`): a silhouette this noisy does not tell 27 themes from 28, and
    each candidate costs a k-means."""
    fine = list(range(low, min(high, FEWEST_CHOICES) + 1))
    coarse = list(range(FEWEST_CHOICES + COARSE_STEP, high + 1, COARSE_STEP))
    return sorted({*fine, *coarse, high})


def _kmeans(vectors: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels and unit-length centroids (spherical k-means, approximately)."""
    if len(vectors) > MINIBATCH_ABOVE:
        model: KMeans | MiniBatchKMeans = MiniBatchKMeans(k, random_state=seed, n_init=3)
    else:
        model = KMeans(k, random_state=seed, n_init=3)
    labels = model.fit_predict(vectors)
    return labels, np.asarray(normalize(model.cluster_centers_))


def _themes(
    vectorizer: TfidfVectorizer,
    sums: np.ndarray,
    vectors: np.ndarray,
    labels: np.ndarray,
    centroids: np.ndarray,
) -> list[Theme]:
    """The themes of `labels`, labelled by their most distinctive terms (`sums`: each theme's
    sum of its texts' TF-IDF rows; every text is in one theme)."""
    overall = sums.sum(axis=0) / len(labels)
    themes = []
    for theme in range(len(centroids)):
        members = np.flatnonzero(labels == theme)
        distinct = sums[theme] / len(members) - overall
        terms = _top_terms(vectorizer, distinct)
        closest = members[int((vectors[members] @ centroids[theme]).argmax())]
        themes.append(Theme(", ".join(terms), terms, int(closest), members.tolist()))
    return themes


def _top_terms(
    vectorizer: TfidfVectorizer, weights: np.ndarray, n: int = LABEL_TERMS
) -> tuple[str, ...]:
    vocabulary = vectorizer.get_feature_names_out()
    top = np.argsort(-weights, kind="stable")[:n]
    return tuple(str(vocabulary[i]) for i in top if weights[i] > 0)


def _phrase_labels(themes: list[Theme], cleaned: Sequence[str], labels: np.ndarray) -> None:
    """Two top terms of a theme that its texts write side by side become one phrase of its
    label: "dark mode, theme", not "dark, mode, theme". `cleaned` are the texts the model was
    fitted on (at most FIT_SAMPLE) and `labels` their themes."""
    words = sorted({term for theme in themes for term in theme.terms})
    pairs = sorted({f"{a} {b}" for t in themes for a in t.terms for b in t.terms if a != b})
    if not pairs:
        return
    counter = CountVectorizer(ngram_range=(1, 2), vocabulary=[*words, *pairs], binary=True)
    counts = counter.transform(cleaned)
    for number, theme in enumerate(themes):
        members = np.flatnonzero(labels == number)
        if len(members):
            held = np.asarray(counts[members].sum(axis=0)).ravel()
            found = {term: int(held[i]) for term, i in counter.vocabulary_.items()}
            theme.terms = _phrased(theme.terms, found)
            theme.label = ", ".join(theme.terms)


def _phrased(terms: tuple[str, ...], held: dict[str, int]) -> tuple[str, ...]:
    """The terms in their order, each joined with the other term it forms a phrase with, if
    any: a pair written side by side in at least PHRASE_SHARE of the theme's texts that hold
    either word ("dark mode" in 4 of the 4 texts with "dark"; not "slack channel" when one of
    five texts about Slack names a channel). `held`: how many texts of the theme hold each word
    and each pair "a b"."""
    parts: list[str] = []
    used: set[str] = set()
    for term in terms:
        if term in used:
            continue
        found = [
            (held[pair], pair, other)
            for other in terms
            if other != term and other not in used
            for pair, (a, b) in ((f"{x} {y}", (x, y)) for x, y in ((term, other), (other, term)))
            if held[pair] > 0 and held[pair] >= PHRASE_SHARE * max(held[a], held[b])
        ]
        if found:
            _, phrase, partner = max(found)
            parts.append(phrase)
            used.update((term, partner))
        else:
            parts.append(term)
            used.add(term)
    return tuple(parts)


def _threshold(vectors: np.ndarray, labels: np.ndarray, centroids: np.ndarray) -> float:
    """A new text joins a theme when it is as close as most of the theme's own members were:
    the `THRESHOLD_QUANTILE` quantile of member-to-centroid cosines."""
    similarities = np.concatenate([
        np.einsum("ij,ij->i", vectors[first : first + ASSIGN_CHUNK],
                  centroids[labels[first : first + ASSIGN_CHUNK]])
        for first in range(0, len(vectors), ASSIGN_CHUNK)
    ])  # fmt: skip
    return float(np.quantile(similarities, THRESHOLD_QUANTILE))
