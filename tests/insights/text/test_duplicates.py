from __future__ import annotations

import pickle

import numpy as np
import pytest

from northline.insights.text import duplicates
from northline.insights.text.duplicates import (
    DuplicateIndex,
    StrictWordIndex,
    index_counts,
    index_text,
    strict_word_match,
)

FEEDBACK = {
    "f1": "Export to Excel is broken\nThe xlsx file is empty after exporting the roadmap",
    "f2": "Dark mode please\nMy eyes hurt at night, a dark theme would help",
    "f3": "Slack integration\nSend a Slack message when a feature ships",
    "f4": "Login with Google fails\nAfter the redirect I land on an error page",
    "f5": "Invite colleagues by email\nI cannot find where to invite my team",
    "f6": "Calendar view for releases\nShow the release dates in a calendar",
}


FEEDBACK_TARGET = "Bookmarking flickers constantly\nthe sidebar redrawing"


def make_index(**kwargs: int | None) -> DuplicateIndex:
    index = DuplicateIndex(**kwargs)  # type: ignore[arg-type]
    index.add(list(FEEDBACK), list(FEEDBACK.values()))
    return index


def test_retrieves_the_duplicate_at_rank_one() -> None:
    index = make_index()
    hits = index.query("Excel export broken\nthe exported xlsx is an empty file", k=3)
    assert hits[0][0] == "f1"
    assert 0.0 < hits[0][1] <= 1.0
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)


def test_an_indexed_text_is_most_similar_to_itself_and_can_be_excluded() -> None:
    index = make_index()
    assert index.query(FEEDBACK["f2"], k=1)[0] == ("f2", pytest.approx(1.0, abs=1e-5))
    assert "f2" not in [doc for doc, _ in index.query(FEEDBACK["f2"], k=3, exclude="f2")]


def test_unrelated_text_finds_nothing() -> None:
    assert make_index().query("zzzz qqqq", k=5) == []
    assert DuplicateIndex().query("anything") == []


def test_adding_one_at_a_time_equals_adding_at_once() -> None:
    at_once = make_index()
    one_by_one = DuplicateIndex()
    for doc, text in FEEDBACK.items():
        one_by_one.add([doc], [text])
    query = "dark theme at night please"
    assert np.allclose(one_by_one.similarities(query), at_once.similarities(query), atol=1e-5)
    assert len(one_by_one) == len(FEEDBACK)


def test_segments_merge_log_structured() -> None:
    index = DuplicateIndex()
    for i in range(7):
        index.add([str(i)], [f"text number {i}"])
    assert [chunk.n_texts for chunk in index._char.chunks] == [5, 2]
    assert [segment.shape[1] for segment in index._postings.segments] == [5, 2]


def test_query_pruning_keeps_the_heaviest_terms() -> None:
    terms, weights = duplicates._top_terms(np.arange(5), np.array([0.1, 0.0, 0.5, 0.3, 0.2]), 2)
    assert sorted(terms.tolist()) == [2, 3]
    assert sorted(weights.tolist()) == [0.3, 0.5]


def test_ids_and_texts_must_match() -> None:
    with pytest.raises(ValueError, match="duplicates: 2 ids but 1 texts"):
        DuplicateIndex().add(["a", "b"], ["x"])


def test_strict_word_match_needs_every_title_word() -> None:
    texts = ["dark mode for the editor", "a dark theme", "mode switch in dark places, editor"]
    assert strict_word_match("dark mode\nfor the editor", texts) == [(0, 5), (2, 3)]
    assert strict_word_match("the a", texts) == []


def test_strict_word_index_excludes_an_id() -> None:
    index = StrictWordIndex()
    index.add(["a", "b"], ["dark mode", "dark mode please"])
    assert index.query("dark mode", k=5, exclude="a") == [("b", 2)]


def test_save_and_load_roundtrip(tmp_path) -> None:
    index = make_index(max_query_terms=64)
    index.save(tmp_path / "index.npz")
    loaded = DuplicateIndex.load(tmp_path / "index.npz")
    query = "dark theme at night please"
    assert loaded.ids == index.ids and loaded.max_query_terms == 64
    assert np.allclose(loaded.similarities(query), index.similarities(query), atol=1e-6)
    loaded.add(["f7"], ["Dark theme for the night"])
    assert loaded.query(query, k=1)[0][0] in {"f2", "f7"} and len(loaded) == 7


def test_an_empty_index_saves_and_loads(tmp_path) -> None:
    DuplicateIndex().save(tmp_path / "empty.npz")
    assert len(DuplicateIndex.load(tmp_path / "empty.npz")) == 0


def test_a_foreign_file_is_refused(tmp_path) -> None:
    np.savez(tmp_path / "other.npz", ids=np.array(["a"]))
    with pytest.raises(ValueError, match=r"other\.npz: not a saved Northline duplicate index"):
        DuplicateIndex.load(tmp_path / "other.npz")


def test_two_stage_query_equals_a_full_scan_when_the_pool_covers_everything() -> None:
    index = make_index(pool=len(FEEDBACK))
    query = "dark theme at night please, and export to excel"
    exact = index.similarities(query)
    order = [i for i in np.argsort(-exact, kind="stable") if exact[i] > 0]
    hits = index.query(query, k=6)
    assert [doc for doc, _ in hits] == [index.ids[i] for i in order]
    assert [score for _, score in hits] == pytest.approx(exact[order].tolist())
    assert len(hits) >= 2


def test_a_smaller_pool_scores_its_candidates_exactly() -> None:
    index = make_index(pool=2)
    query = "dark theme at night please, and export to excel"
    exact = dict(zip(index.ids, index.similarities(query).tolist(), strict=True))
    hits = index.query(query, k=5)
    assert len(hits) == 2
    assert all(score == pytest.approx(exact[doc]) for doc, score in hits)


def test_candidates_come_from_the_rarest_query_words_within_the_budget() -> None:
    index = DuplicateIndex(pool=1, candidate_postings=2)
    index.add(list("abcd"), ["shared rare", "shared rare", "shared common", "shared common"])
    # "shared" is in 4 texts, over the budget of 2 postings: only "rare" finds candidates.
    assert index.query("shared rare", k=5)[0][0] in {"a", "b"}
    assert len(index.query("shared rare", k=5)) == 1


def test_chunks_never_exceed_their_cap(monkeypatch) -> None:
    monkeypatch.setattr(duplicates, "CHUNK_TEXTS", 4)
    monkeypatch.setattr(duplicates, "ADD_BATCH", 2)
    index = make_index()
    index.add(["f7", "f8"], ["Dark theme for the night", "Export to Excel fails"])
    assert [chunk.n_texts for chunk in index._char.chunks] == [4, 4]
    exact = make_index()
    exact.add(["f7", "f8"], ["Dark theme for the night", "Export to Excel fails"])
    query = "dark theme at night please"
    assert np.allclose(index.similarities(query), exact.similarities(query), atol=1e-5)


@pytest.mark.parametrize("version", ["v2", "v3", "v4", "v5"])
def test_an_index_saved_in_an_old_layout_is_refused(tmp_path, version: str) -> None:
    np.savez(tmp_path / "old.npz", format=np.array(f"northline-duplicate-index-{version}"))
    with pytest.raises(
        ValueError,
        match=rf"old\.npz: saved in an older layout \(northline-duplicate-index-{version}\); "
        r"rebuild the index from the texts",
    ):
        DuplicateIndex.load(tmp_path / "old.npz")


def filler(count: int) -> list[str]:
    """Texts that share no word or stem with each other's queries below (made-up tokens)."""
    return [f"Zq{i}vx note\nkw{i}pl jj{i}mm" for i in range(count)]


def test_a_text_sharing_only_inflections_is_found_among_more_texts_than_the_pool() -> None:
    index = DuplicateIndex(pool=50)
    index.add([str(i) for i in range(1200)], filler(1200))
    # two copies, so that their n-grams are held by MIN_DF texts and weigh
    index.add(["target", "copy"], [FEEDBACK_TARGET, FEEDBACK_TARGET])
    query = "Bookmarked flickering constant\nsidebars redraws"
    shared_words = set(index_text(query).lower().split()) & set(
        index_text(FEEDBACK_TARGET).lower().split()
    )
    assert shared_words == set()
    assert {doc for doc, _ in index.query(query, k=3)} == {"target", "copy"}


def test_a_term_held_by_one_text_counts_in_its_norm_once_another_text_shares_it() -> None:
    index = DuplicateIndex()
    index.add([str(i) for i in range(1000)], filler(1000))
    # far below the norms' refresh: only the sharing of "Qwyxl" can correct the first norm
    index.add(["first"], ["Qwyxl crashes on start"])
    index.add(["second"], ["Qwyxl crashes on start"])
    assert index._normed_at == 1000
    hits = dict(index.query("Qwyxl crashes on start", k=2))
    assert hits == {"first": pytest.approx(1.0, abs=1e-4), "second": pytest.approx(1.0, abs=1e-4)}
    stale = index._char.norms.copy()
    index._refresh_norms()
    assert np.allclose(index._char.norms, stale, rtol=1e-3)


def test_a_score_stays_a_cosine_between_norm_refreshes() -> None:
    index = DuplicateIndex()
    index.add([str(i) for i in range(1000)], filler(1000))
    index.add(["f1", "f1 again"], [FEEDBACK["f1"]] * 2)
    for i in range(1000, 1040):  # every idf grows; below the refresh
        index.add([str(i)], filler(i + 1)[-1:])
    assert index._normed_at == 1000
    word = index._word.query_weights(index_text(FEEDBACK["f1"]), len(index), None)
    stale = index._word.cosines(*word, np.array([1000]))[0]
    assert stale > 1.0  # the norm of f1 is from 40 texts ago
    hits = index.query(FEEDBACK["f1"], k=2)
    assert dict(hits) == {"f1": pytest.approx(1.0, abs=1e-5), "f1 again": pytest.approx(1.0)}
    assert max(score for _, score in hits) <= 1.0


def test_a_stem_held_by_one_text_still_proposes_it() -> None:
    index = DuplicateIndex(pool=10)
    index.add([str(i) for i in range(30)], [f"{text} signed" for text in filler(30)])
    index.add(["target"], ["Pinned tabs vanish"])
    # "pinne" is in one text only; the fillers share the n-grams of "ned" with it
    assert index._postings.df[index._postings.query_weights("pinned", 31)[0]].tolist() == [1]
    assert index.query("pinned", k=1)[0][0] == "target"


def test_counts_computed_elsewhere_index_exactly_as_the_texts_do() -> None:
    # what the helper process sends (`index_counts`, pickled) builds the same index, array for
    # array, as hashing the texts in the index; a subset of the rows indexes those texts only
    ids, texts = list(FEEDBACK), list(FEEDBACK.values())
    hashed, given = DuplicateIndex(), DuplicateIndex()
    hashed.add(ids[:2], texts[:2])
    hashed.add(ids[3:], texts[3:])
    counts = pickle.loads(pickle.dumps(index_counts(texts)))  # noqa: S301 - our own bytes
    assert counts.size == len(texts) and counts.rows(slice(0, None)) is counts
    given.add(ids[:2], texts[:2], counts.rows([0, 1]))
    given.add(ids[3:], texts[3:], counts.rows([3, 4, 5]))
    want, got = hashed.arrays(), given.arrays()
    assert want.keys() == got.keys()
    for name, array in want.items():
        assert np.array_equal(array, got[name]), name
    assert given.query(texts[4], 2) == hashed.query(texts[4], 2)
    with pytest.raises(ValueError, match="2 texts but counts of 6"):
        DuplicateIndex().add(ids[:2], texts[:2], counts)
