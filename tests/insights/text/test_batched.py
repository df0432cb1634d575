"""Batch paths of the text engine used by bulk processing: each must answer exactly what the
one-text path answers."""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from northline.insights.text import duplicates
from northline.insights.text.classifier import ISSUE_TYPE, SENTIMENT, TextClassifier
from northline.insights.text.clustering import cluster_themes
from northline.insights.text.duplicates import DuplicateIndex
from northline.insights.text.features import (
    char_wb_counts,
    char_wb_fit_transform,
    union_transform,
)
from northline.insights.text.language import (
    _WORD,
    PROFILES,
    STOPWORD_WEIGHT,
    TEMPERATURE,
    _ngrams,
    detect_languages,
)
from northline.insights.text.matching import best_matches
from northline.insights.text.preprocess import clean_text, cleaning_once

from .test_language import SENTENCES
from .text_data import read_csv

WORDS = str.split(
    "export excel pdf dark mode theme login sso google slack invite team calendar release "
    "report chart slow crash error sync mobile offline search filter tag billing invoice"
)


def corpus(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        " ".join(rng.choices(WORDS, k=3))
        + "\n"
        + " ".join(rng.choices(WORDS, k=rng.randrange(4, 12)))
        for _ in range(n)
    ]


def test_query_many_answers_exactly_what_query_answers(monkeypatch) -> None:
    # small chunks, pool and budget so that both stages and several chunks are exercised, and
    # small query batches so that the answer spans more than one of them
    monkeypatch.setattr(duplicates, "CHUNK_TEXTS", 64)
    monkeypatch.setattr(duplicates, "ADD_BATCH", 50)
    monkeypatch.setattr(duplicates, "QUERY_BATCH", 7)
    index = DuplicateIndex(pool=30, candidate_postings=120)
    texts = corpus(300, 1)
    index.add([f"d{i}" for i in range(len(texts))], texts)
    assert len(index._char.chunks) > 1
    queries = texts[:20] + corpus(20, 2) + ["", "zzzz qqqq"]
    excludes = [f"d{i}" if i < 20 else None for i in range(len(queries))]
    many = index.query_many(queries, 11, excludes=excludes)
    single = [index.query(q, 11, exclude=e) for q, e in zip(queries, excludes, strict=True)]
    assert many == single
    assert all(len(hits) == 11 for hits in many[:40])
    assert many[-2:] == [[], []]
    assert "d0" not in [doc for doc, _ in many[0]]


def test_query_many_without_excludes_and_on_an_empty_index() -> None:
    index = DuplicateIndex()
    assert index.query_many(["anything", "else"]) == [[], []]
    index.add(["a", "b", "c"], ["Dark mode please", "Export to Excel", "Excel export, dark"])
    assert index.query_many(["dark mode"], 1) == [index.query("dark mode", 1)]
    assert index.query_many(["dark mode"], 1)[0][0][0] == "a"


def test_query_many_needs_one_exclude_per_text() -> None:
    with pytest.raises(ValueError, match=r"^duplicates: 2 texts but 1 excludes$"):
        DuplicateIndex().query_many(["a", "b"], excludes=["x"])


def close(found: list[list[tuple[str, float]]], want: list[list[tuple[str, float]]]) -> bool:
    """The same ids in the same order, scores equal to float32 precision (the join sums its
    products in another order than `query`)."""
    return all(
        [d for d, _ in f] == [d for d, _ in w]
        and all(math.isclose(a, b, abs_tol=1e-5) for (_, a), (_, b) in zip(f, w, strict=True))
        for f, w in zip(found, want, strict=True)
    ) and len(found) == len(want)


def test_the_join_answers_what_query_answers_on_a_small_index(monkeypatch) -> None:
    # no more than `bulk_pool` texts: every text is a candidate of every text, so the
    # thresholded top-k is exactly that of `query` (three texts per join batch, several chunks)
    monkeypatch.setattr(duplicates, "CHUNK_TEXTS", 8)
    monkeypatch.setattr(duplicates, "ADD_BATCH", 5)
    monkeypatch.setattr(duplicates, "BULK_ROWS", 3)
    index = DuplicateIndex()
    texts = corpus(duplicates.BULK_POOL, 3)
    index.add([f"d{i}" for i in range(len(texts))], texts)
    queries = texts[:10] + corpus(5, 4) + ["", "zzzz qqqq"]
    excludes = [f"d{i}" if i < 10 else None for i in range(len(queries))]
    for minimum in (0.0, 0.3, 0.6):
        want = [
            [hit for hit in index.query(q, 5, exclude=e) if hit[1] >= minimum]
            for q, e in zip(queries, excludes, strict=True)
        ]
        found = index.similar_many(queries, 5, min_score=minimum, excludes=excludes)
        assert close(found, want), minimum
    assert sum(map(len, want)) > 0 and found[-2:] == [[], []]
    # the indexed texts' own counts, read from the index, give the same answers
    want = [index.query(text, 5, exclude=f"d{i}") for i, text in enumerate(texts[:10])]
    assert close(index.similar_indexed([f"d{i}" for i in range(10)], texts[:10], 5), want)


def test_the_join_finds_a_planted_duplicate_in_a_large_index(monkeypatch) -> None:
    monkeypatch.setattr(duplicates, "ADD_BATCH", 500)
    index = DuplicateIndex(bulk_pool=8, bulk_postings=200)
    texts = corpus(3000, 5)
    planted = "Invoices exported to PDF lose the company logo\nthe logo vanishes from the PDF"
    index.add([f"d{i}" for i in range(len(texts))], texts)
    index.add(["original"], [planted])
    index.add([f"e{i}" for i in range(500)], corpus(500, 6))
    copy = "PDF export of invoices loses the logo\nour company logo vanishes in the exported PDF"
    index.add(["copy"], [copy])
    found = index.similar_indexed(["copy", "d7"], [copy, texts[7]], 3, min_score=0.3)
    assert found[0][0][0] == "original"
    assert math.isclose(found[0][0][1], index.query(copy, 1, exclude="copy")[0][1], abs_tol=1e-5)
    assert "d7" not in [doc for doc, _ in found[1]]
    assert all(score >= 0.3 for hits in found for _, score in hits)
    assert found == index.similar_many([copy, texts[7]], 3, min_score=0.3, excludes=["copy", "d7"])
    # each score is the exact score of `query` for that pair
    scores = index.similarities(texts[7])
    position = {doc: n for n, doc in enumerate(index.ids)}
    assert all(math.isclose(score, scores[position[doc]], abs_tol=1e-5) for doc, score in found[1])


def test_a_text_of_common_words_reads_the_newest_postings_only() -> None:
    # every text holds "export": its list is longer than the budget, so the join reads its
    # newest 10 postings and the candidates are among the newest texts
    index = DuplicateIndex(bulk_pool=5, bulk_postings=10)
    index.add([f"d{i}" for i in range(200)], [f"export number{i} item{i}" for i in range(200)])
    found = index.similar_many(["export"], 5)[0]
    assert len(found) == 5
    assert all(int(doc[1:]) >= 190 for doc, _ in found)


def test_the_join_hashes_texts_that_are_not_indexed_and_follows_new_texts() -> None:
    index = DuplicateIndex()
    base = ["Dark mode please", "Export to Excel", "Excel export fails", "Slack alerts, please"]
    index.add(["a", "b", "c", "d"], base)
    new = "dark mode for the app please"
    assert index.similar_indexed(["x"], [new], 1) == index.similar_many([new], 1, excludes=["x"])
    assert index.similar_indexed(["x"], [new], 1)[0][0][0] == "a"
    index.add(["e", "b"], ["Dark mode in the app, please", "Slack alerts for exports"])  # b edited
    found = index.similar_indexed(["e"], ["Dark mode in the app, please"], 3)[0]
    assert [doc for doc, _ in found][:1] == ["a"]
    edited = index.similar_indexed(["b"], ["Slack alerts for exports"], 3)
    assert edited == index.similar_many(["Slack alerts for exports"], 3, excludes=["b"])
    assert edited[0][0][0] == "d"


def test_the_join_needs_one_exclude_and_one_text_per_id() -> None:
    with pytest.raises(ValueError, match=r"^duplicates: 2 texts but 1 excludes$"):
        DuplicateIndex().similar_many(["a", "b"], excludes=["x"])
    with pytest.raises(ValueError, match=r"^duplicates: 1 ids but 2 texts$"):
        DuplicateIndex().similar_indexed(["x"], ["a", "b"])
    assert DuplicateIndex().similar_many(["a"]) == [[]]


def reference_guess(text: str) -> tuple[str, float]:
    """The language model written out per text, n-gram by n-gram (the module's docstring)."""
    words = _WORD.findall(text.lower())
    grams = _ngrams(words)
    if not grams:
        return "und", 0.0
    scores = {
        code: sum(p.log_probs.get(g, p.unseen) for g in grams) / len(grams)
        + STOPWORD_WEIGHT * sum(w in p.stopwords for w in words) / len(words)
        for code, p in PROFILES.items()
    }
    top = max(scores.values())
    weights = {code: math.exp(TEMPERATURE * (s - top)) for code, s in scores.items()}
    best = max(weights, key=lambda code: weights[code])
    return best, weights[best] / sum(weights.values())


def test_batched_language_detection_equals_the_per_text_model() -> None:
    texts = [s for _, s in SENTENCES] + corpus(30, 3) + [
        "", "1234 !!! 56", "x", "Ça va? très bien, merci", "Straße und Übergrößen",
        "日本語のテキスト", "tabs\tand\nnew  lines", "l'application n'est pas là",
    ]  # fmt: skip
    guesses = detect_languages(texts)
    assert len(guesses) == len(texts)
    for text, guess in zip(texts, guesses, strict=True):
        code, confidence = reference_guess(text)
        assert guess.code == code, text
        assert guess.confidence == pytest.approx(confidence, abs=1e-9), text
    assert [g.code for g in guesses[: len(SENTENCES)]] == [code for code, _ in SENTENCES]
    assert detect_languages([]) == []


SEED = (
    Path(__file__).resolve().parents[3]
    / "northline"
    / "insights"
    / "fixtures"
    / "seed_feedback.csv"
)
ODD = ["", "   ", "İstanbul ÇAĞ\u00a0nbsp\ttab\n\nnew line", "a", "x" * 3000, "dark  dark\tdark"]


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_char_n_grams_counted_per_word_are_the_vectorizers_counts() -> None:
    texts = [row["text"] for row in seed_rows()] + ODD
    index = DuplicateIndex()
    hashing = index._char.vectorizer
    assert (char_wb_counts(hashing, texts) != hashing.transform(texts)).nnz == 0
    fitted = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(texts[:180])
    counted = char_wb_counts(fitted, texts)
    assert (counted != fitted.transform(texts).astype(bool)).nnz > 0  # counts, not weights
    assert counted.sum() > 0 and counted.shape == (len(texts), len(fitted.vocabulary_))
    assert char_wb_counts(hashing, ["", " "]).nnz == 0
    with pytest.raises(ValueError, match=r"^char_wb_counts: the analyzer is 'word'$"):
        char_wb_counts(index._word.vectorizer, texts)


def same_bits(got, want) -> bool:
    """The same CSR matrix entry for entry, in the same stored order (sums follow it)."""
    return all(
        np.array_equal(getattr(got, a), getattr(want, a)) for a in ("indptr", "indices", "data")
    )


@pytest.mark.parametrize(
    "options",
    [{"ngram_range": (3, 5), "sublinear_tf": True}, {"ngram_range": (2, 4), "norm": None},
     {"ngram_range": (1, 3), "use_idf": False, "lowercase": False}],
    ids=["matching", "no norm", "no idf, cased"],
)  # fmt: skip
def test_char_n_grams_fitted_per_word_are_the_vectorizers_matrix(options) -> None:
    texts = [r["text"] for r in seed_rows()] + ODD + ["Dark DARK dark", "straße STRASSE"]
    want = TfidfVectorizer(analyzer="char_wb", **options).fit_transform(texts)
    got = char_wb_fit_transform(TfidfVectorizer(analyzer="char_wb", **options), texts)
    assert same_bits(got, want) and not want.has_sorted_indices  # the rows' order matters
    assert got.shape == want.shape


def test_the_per_word_fit_refuses_what_it_cannot_reproduce() -> None:
    with pytest.raises(ValueError, match=r"^empty vocabulary; perhaps the documents only"):
        char_wb_fit_transform(TfidfVectorizer(analyzer="char_wb"), ["", "  \t"])
    for vectorizer in (
        TfidfVectorizer(analyzer="char_wb", min_df=2), TfidfVectorizer(analyzer="char_wb", max_df=0.9),
        TfidfVectorizer(analyzer="char"), TfidfVectorizer(analyzer="char_wb", vocabulary=["ab"]),
    ):  # fmt: skip
        with pytest.raises(ValueError, match=r"^char_wb_fit_transform: a char_wb vectorizer"):
            char_wb_fit_transform(vectorizer, ["dark mode"])


def test_feature_matches_are_those_of_the_feature_union() -> None:
    """`best_matches` (processing's similar planning features) with its character block
    counted per word gives what the scikit-learn union fitted on the same texts gives."""
    issues = read_csv("nlbse24_issues_train.csv")[:300]
    queries = [f"{r['title']}\n{r['body']}" for r in issues] + ODD
    candidates = [r["title"] for r in issues[:40:3]] + ["Dark mode", "Export to Excel"]
    cleaned = [clean_text(t, markers=False) for t in [*candidates, *queries]]
    union = FeatureUnion([
        ("words", TfidfVectorizer(sublinear_tf=True, stop_words="english")),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)),
    ]).fit_transform(cleaned)  # fmt: skip
    scores = (union[len(candidates) :] @ union[: len(candidates)].T).toarray() / 2
    order = np.argsort(-scores, axis=1, kind="stable")[:, :3]
    want = [
        [(int(c), round(float(row[c]), 4)) for c in best if row[c] >= 0.15 and row[c] > 0]
        for row, best in zip(scores, order, strict=True)
    ]
    found = best_matches(queries, candidates, 3, 0.15)
    assert found == want and sum(map(len, found)) > 20
    assert best_matches(["the of and"], ["to be"], 3) == [[]]  # stop words only


@pytest.mark.parametrize("config", [ISSUE_TYPE, SENTIMENT], ids=["type", "sentiment"])
def test_predictions_are_those_of_the_feature_union(config) -> None:
    rows = seed_rows()
    task = "type" if config is ISSUE_TYPE else "sentiment"
    model = TextClassifier(config).fit([r["text"] for r in rows[::2]], [r[task] for r in rows[::2]])
    texts = [r["text"] for r in rows[1::2]] + ODD
    cleaned = model._clean(texts)
    assert model._features is not None and model._model is not None
    want = model._features.transform(cleaned)
    assert (union_transform(model._features, cleaned) != want).nnz == 0
    before = model._model.predict_proba(want)
    assert np.array_equal(model.predict_proba(texts), before)
    labels = [p.label for p in model.predict(texts)]
    assert labels == [model.labels[i] for i in before.argmax(axis=1)]
    assert len(set(labels)) > 1


def test_every_stage_answers_the_same_when_each_text_is_cleaned_once() -> None:
    """Processing runs its stages inside `cleaning_once` (decision 0039): the classifiers, the
    index, the join, the language and the themes must give exactly what they give when every
    stage cleans for itself; the sample is GitHub issues (code, traces, links, markup)."""
    issues = read_csv("nlbse24_issues_train.csv")[:240]
    texts = [f"{r['title']}\n{r['body']}" for r in issues] + ODD
    labels = [r["label"] for r in issues]
    rows = seed_rows()
    kinds = TextClassifier(ISSUE_TYPE).fit(texts[:180], labels[:180])  # fitting is not a stage
    moods = TextClassifier(SENTIMENT).fit([r["text"] for r in rows], [r["sentiment"] for r in rows])

    def stages() -> tuple[object, ...]:
        index = DuplicateIndex()
        index.add([str(i) for i in range(len(texts))], texts)
        themes = cluster_themes(texts[:180], seed=1)
        placed = themes.assign(texts[180:])
        return (
            kinds.predict_proba(texts[180:]).tolist(), moods.predict_proba(texts).tolist(),
            index.similar_indexed([str(i) for i in range(180, len(texts))], texts[180:], 5),
            detect_languages(texts), [t.label for t in themes.themes], placed,
        )  # fmt: skip

    apart = stages()
    with cleaning_once():
        once = stages()
    assert once == apart
    assert len({row.index(max(row)) for row in apart[0]}) > 1  # not one answer for all


def test_only_rows_longer_than_the_term_cap_are_ranked() -> None:
    """`batch_weights` ranks only the rows that have more terms than it keeps; what it keeps
    must be what ranking every row keeps (heaviest first, ties by position)."""
    issues = read_csv("nlbse24_issues_train.csv")[:120]
    texts = [f"{r['title']}\n{r['body']}" for r in issues] + ODD + ["dark mode"] * 3
    index = DuplicateIndex()
    index.add([str(i) for i in range(len(texts))], texts)
    for block in (index._word, index._char):
        tf = block.tf_rows(np.arange(len(texts)))
        lengths = np.diff(tf.indptr)
        assert (lengths > 64).any() and (lengths <= 64).any()
        matrix, norms = block.batch_weights(tf, len(texts), 64)
        rows = np.repeat(np.arange(tf.shape[0]), lengths)
        idf = block.idf(len(texts), tf.indices)
        weights = tf.data.astype(np.float32) * idf
        order = np.lexsort((-weights, rows))
        rank = np.empty(order.shape[0], dtype=np.int64)
        rank[order] = np.arange(order.shape[0]) - np.repeat(tf.indptr[:-1], lengths)
        keep = (weights > 0) & (rank < 64)
        assert np.array_equal(matrix.indices, tf.indices[keep])
        assert np.array_equal(matrix.data, (weights[keep] * idf[keep]).astype(np.float64))
        kept = np.bincount(rows[keep], weights=weights[keep].astype(np.float64) ** 2)
        assert np.array_equal(norms, np.sqrt(np.pad(kept, (0, tf.shape[0] - kept.shape[0]))))


def test_the_join_answers_the_same_whatever_texts_it_scores_together(monkeypatch) -> None:
    """The pool and the exact scores are computed `POOL_ROWS` texts at a time (arrays that
    stay in the cache): each text's answer, and the densities learnt, must not depend on it."""
    texts = corpus(3000, 8)
    ids = [f"d{i}" for i in range(len(texts))]

    def joined(rows: int) -> tuple[object, ...]:
        monkeypatch.setattr(duplicates, "POOL_ROWS", rows)
        index = DuplicateIndex(bulk_pool=16, bulk_postings=300)
        index.add(ids[:2700], texts[:2700])
        index.similar_indexed(ids[2400:2700], texts[2400:2700], 11, min_score=0.3, learn=True)
        index.add(ids[2700:], texts[2700:])
        found = index.similar_indexed(ids[2700:], texts[2700:], 11, min_score=0.3, learn=True)
        hashed = index.similar_many(texts[2900:], 5, min_score=0.2, excludes=ids[2900:])
        hubs = index.hubness
        return found, hashed, hubs.top.tobytes(), hubs.seen.tobytes(), hubs.prior

    alone = joined(256)  # one block per part of the batch: as before
    assert joined(7) == alone and joined(64) == alone
    assert sum(map(len, alone[0])) > 300


def test_the_join_reads_a_caught_up_batchs_stems_or_hashes_them_alike() -> None:
    """Right after the catch-up the join reads the batch's stem counts from the last `add`
    instead of hashing the texts again: the same answers as hashing them."""
    texts = corpus(3000, 9)
    ids = [f"d{i}" for i in range(len(texts))]

    def joined(reuse: bool) -> list[list[tuple[str, float]]]:
        index = DuplicateIndex(bulk_pool=16, bulk_postings=300)
        index.add(ids[:2500], texts[:2500])
        index.add(ids[2500:], texts[2500:])
        if not reuse:
            index._postings.recent = None
        assert (index._postings.recent is not None) is reuse
        return index.similar_indexed(ids[2500:], texts[2500:], 11, min_score=0.3, learn=True)

    found = joined(True)
    assert found == joined(False) and sum(map(len, found)) > 400
