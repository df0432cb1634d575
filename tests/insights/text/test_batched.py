"""Batch paths of the text engine used by bulk processing: each must answer exactly what the
one-text path answers."""

from __future__ import annotations

import math
import random

import pytest

from northline.insights.text import duplicates
from northline.insights.text.duplicates import DuplicateIndex
from northline.insights.text.language import (
    _WORD,
    PROFILES,
    STOPWORD_WEIGHT,
    TEMPERATURE,
    _ngrams,
    detect_languages,
)

from .test_language import SENTENCES

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
