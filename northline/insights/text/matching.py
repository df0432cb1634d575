"""Match texts against a small set of candidates (planning features: tens to thousands).

The near-duplicate index weighs terms by how many indexed texts hold them and ignores terms
found in only one, which is right for a million feedback items and wrong for a few features,
where nearly every word is found once. Here TF-IDF (words and character 3-5-grams, the
candidates and the queries together as the corpus) is fitted per call, and each query gets
its best candidates by cosine, in one sparse product. The character block is counted once per
distinct word (`features.char_wb_fit_transform`: the same matrix as scikit-learn's, several
times faster; it was most of a processing batch's feature match).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from northline.insights.text.features import char_wb_fit_transform
from northline.insights.text.preprocess import clean_text


def best_matches(
    queries: Sequence[str], candidates: Sequence[str], k: int = 3, min_score: float = 0.0
) -> list[list[tuple[int, float]]]:
    """For each query, [(candidate position, cosine)] of its `k` best candidates whose score
    reaches `min_score`, best first."""
    if not queries or not candidates:
        return [[] for _ in queries]
    cleaned = [clean_text(t, markers=False) for t in [*candidates, *queries]]
    words = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    try:
        blocks = [words.fit_transform(cleaned), char_wb_fit_transform(chars, cleaned)]
    except ValueError:  # nothing but stop words and punctuation
        return [[] for _ in queries]
    matrix = sparse.hstack(blocks).tocsr()
    # each block is L2-normalised; their mean cosine is half the product of the union
    scores = (matrix[len(candidates) :] @ matrix[: len(candidates)].T).toarray() / 2
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return [
        [(int(c), round(float(row[c]), 4)) for c in best if row[c] >= min_score and row[c] > 0]
        for row, best in zip(scores, order, strict=True)
    ]
