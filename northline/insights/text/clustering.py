"""Theme clustering of feedback texts: TF-IDF → truncated SVD (LSA) → k-means.

The number of themes is chosen by the silhouette score over a range of k (on a sample of at most
`SILHOUETTE_SAMPLE` texts, so that a million texts cost the same as a few thousand). Above
`FIT_SAMPLE` texts the vocabulary, the LSA and the k-means are fitted on a random sample of that
many, and every text then goes to its nearest centroid: a full re-clustering of a million items
costs about one pass over their words instead of ten minutes of k-means (decision 0028). Each theme
gets a readable label (its most distinctive terms: mean TF-IDF inside the theme minus the mean
over all texts), a representative text (the one closest to the centroid) and its size. New texts
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
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from northline.insights.text.preprocess import clean_text

LABEL_TERMS = 3
MAX_COMPONENTS = 100
SILHOUETTE_SAMPLE = 2000
FIT_SAMPLE = 20_000
ASSIGN_CHUNK = 50_000
MINIBATCH_ABOVE = 10_000
THRESHOLD_QUANTILE = 0.1


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
    texts: Sequence[str], *, k: int | None = None, k_range: tuple[int, int] = (2, 15), seed: int = 0
) -> ThemeModel:
    """Cluster `texts` into themes; `k` fixes their number, otherwise the silhouette picks it
    from `k_range` (inclusive). Themes come largest first."""
    if len(texts) < 2:
        raise ValueError(f"texts: need at least 2 texts to cluster, got {len(texts)}")
    with threadpool_limits(limits=1):
        return _cluster(texts, k, k_range, seed)


def _cluster(
    texts: Sequence[str], k: int | None, k_range: tuple[int, int], seed: int
) -> ThemeModel:
    fit = _fit_sample(len(texts), seed)
    vectorizer, matrix = _vectorize(texts if fit is None else [texts[i] for i in fit])
    svd = _fit_svd(matrix, seed)
    vectors = _embed(matrix, svd)
    n_distinct = len(np.unique(vectors.round(6), axis=0))
    if k is None:
        k = _choose_k(vectors, k_range, n_distinct, seed)
    labels, centroids = _kmeans(vectors, min(k, n_distinct), seed)
    if fit is not None:  # every text to its nearest centroid; clusters left empty go
        matrix = vectorizer.transform([clean_text(t, markers=False) for t in texts])
        vectors = _embed(matrix, svd, np.float32)
        labels = np.concatenate([
            (vectors[first : first + ASSIGN_CHUNK] @ centroids.T).argmax(axis=1)
            for first in range(0, len(texts), ASSIGN_CHUNK)
        ])  # fmt: skip
        kept = np.flatnonzero(np.bincount(labels, minlength=len(centroids)))
        centroids = centroids[kept]
        labels = np.searchsorted(kept, labels)
    themes = _themes(vectorizer, matrix, vectors, labels, centroids)
    order = sorted(range(len(themes)), key=lambda t: -themes[t].size)
    model = ThemeModel(
        [themes[t] for t in order], vectorizer, svd, centroids[order], 0.0, len(texts)
    )
    model.threshold = _threshold(vectors, labels, centroids)
    return model


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


def _vectorize(texts: Sequence[str]) -> tuple[TfidfVectorizer, sparse.csr_matrix]:
    cleaned = [clean_text(t, markers=False) for t in texts]
    min_df = 2 if len(texts) >= 50 else 1
    vectorizer = TfidfVectorizer(
        sublinear_tf=True,
        stop_words="english",
        min_df=min_df,
        max_df=0.5 if len(texts) >= 50 else 1.0,
    )
    try:
        return vectorizer, vectorizer.fit_transform(cleaned)
    except ValueError:  # every word is in more than max_df of the texts (a narrow product)
        vectorizer.set_params(max_df=1.0)
        return vectorizer, vectorizer.fit_transform(cleaned)


def _fit_svd(matrix: sparse.csr_matrix, seed: int) -> TruncatedSVD | None:
    """LSA to at most `MAX_COMPONENTS` dimensions; None when the vocabulary is already small."""
    n_components = min(MAX_COMPONENTS, matrix.shape[1] - 1, matrix.shape[0] - 1)
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
    for k in range(max(low, 2), high + 1):
        labels, _ = _kmeans(vectors, k, seed)
        if len(set(labels[sample])) < 2:
            continue
        score = float(silhouette_score(vectors[sample], labels[sample], metric="cosine"))
        if score > best_score:
            best_k, best_score = k, score
    return best_k


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
    matrix: sparse.csr_matrix,
    vectors: np.ndarray,
    labels: np.ndarray,
    centroids: np.ndarray,
) -> list[Theme]:
    overall = np.asarray(matrix.mean(axis=0)).ravel()
    themes = []
    for theme in range(len(centroids)):
        members = np.flatnonzero(labels == theme)
        distinct = np.asarray(matrix[members].mean(axis=0)).ravel() - overall
        terms = _top_terms(vectorizer, distinct)
        closest = members[int((vectors[members] @ centroids[theme]).argmax())]
        themes.append(Theme(", ".join(terms), terms, int(closest), members.tolist()))
    return themes


def _top_terms(vectorizer: TfidfVectorizer, weights: np.ndarray) -> tuple[str, ...]:
    vocabulary = vectorizer.get_feature_names_out()
    top = np.argsort(-weights, kind="stable")[:LABEL_TERMS]
    return tuple(str(vocabulary[i]) for i in top if weights[i] > 0)


def _threshold(vectors: np.ndarray, labels: np.ndarray, centroids: np.ndarray) -> float:
    """A new text joins a theme when it is as close as most of the theme's own members were:
    the `THRESHOLD_QUANTILE` quantile of member-to-centroid cosines."""
    similarities = np.concatenate([
        np.einsum("ij,ij->i", vectors[first : first + ASSIGN_CHUNK],
                  centroids[labels[first : first + ASSIGN_CHUNK]])
        for first in range(0, len(vectors), ASSIGN_CHUNK)
    ])  # fmt: skip
    return float(np.quantile(similarities, THRESHOLD_QUANTILE))
