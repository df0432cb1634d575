"""Language detection counts each batch's character n-grams once per distinct word
(`features.char_wb_counts`); the counts, and so every guess and confidence, are exactly those
of the vectoriser's own `transform` over every occurrence."""

from __future__ import annotations

import numpy as np

from northline.insights.text.features import char_wb_counts
from northline.insights.text.language import _joined_words, _scorer, detect_languages

from .test_batched import corpus
from .test_language import SENTENCES

TEXTS = [s for _, s in SENTENCES] + corpus(60, 5) + [
    "", "1234 !!! 56", "x", "Ça va? très bien, merci", "Straße und Übergrößen", "日本語のテキスト",
    "tabs\tand\nnew  lines", "the the the the", "l'application n'est pas là",
]  # fmt: skip


def test_the_counts_per_distinct_word_are_those_of_transform() -> None:
    grams = _scorer().grams
    joined = [_joined_words(text) for text in TEXTS]
    fast, full = char_wb_counts(grams, joined), grams.transform(joined)
    assert fast.shape == full.shape and fast.dtype == full.dtype
    assert np.array_equal(fast.indptr, full.indptr)
    assert np.array_equal(fast.indices, full.indices)
    assert np.array_equal(fast.data, full.data)


def test_a_batch_without_any_word() -> None:
    guesses = detect_languages(["", "123 456", "!!!"])
    assert [(g.code, g.confidence) for g in guesses] == [("und", 0.0)] * 3
