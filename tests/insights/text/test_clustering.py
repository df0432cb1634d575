from __future__ import annotations

import random

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from northline.insights.text import clustering
from northline.insights.text.clustering import cluster_themes

TOPICS = {
    "export": [
        "export to excel is broken",
        "excel export produces an empty file",
        "please fix the excel export",
        "the csv and excel export fail",
        "excel export loses columns",
    ],
    "mode": [
        "please add a dark mode",
        "dark mode for the editor",
        "a dark theme would help at night",
        "dark mode on mobile",
        "support dark mode in reports",
    ],
    "slack": [
        "send a slack message on release",
        "slack integration for comments",
        "notify our slack channel",
        "post updates to slack",
        "slack notifications are missing",
    ],
}
TEXTS = [text for texts in TOPICS.values() for text in texts]


def theme_of(model_members: list[list[int]], position: int) -> int:
    return next(t for t, members in enumerate(model_members) if position in members)


def test_finds_the_three_topics() -> None:
    model = cluster_themes(TEXTS, k_range=(2, 6))
    assert len(model.themes) == 3
    groups = sorted(sorted(theme.members) for theme in model.themes)
    assert groups == [list(range(0, 5)), list(range(5, 10)), list(range(10, 15))]
    labels = {theme.terms[0] for theme in model.themes}
    assert labels == {"excel export", "dark mode", "slack"}  # words written side by side
    for theme in model.themes:
        assert theme.representative in theme.members
        assert theme.size == 5
        assert theme.label.startswith(theme.terms[0])


def test_assign_joins_the_nearest_theme_or_founds_a_new_one() -> None:
    model = cluster_themes(TEXTS, k=3)
    members = [theme.members for theme in model.themes]
    slack = theme_of(members, 10)
    assigned = model.assign(["slack message for every release", "gantt chart with milestones"])
    assert assigned[0] == slack
    assert assigned[1] == 3
    assert model.themes[3].members == [16]
    assert model.themes[slack].size == 6
    assert model.n_texts == 17


def test_needs_two_texts() -> None:
    with pytest.raises(ValueError, match="texts: need at least 2 texts to cluster, got 1"):
        cluster_themes(["only one"])


def test_identical_texts_make_one_theme() -> None:
    model = cluster_themes(["same text here"] * 4)
    assert [theme.size for theme in model.themes] == [4]


def test_texts_sharing_every_word_still_cluster() -> None:
    # 60 texts over four words, each word in most texts: max_df would prune the whole vocabulary
    words = ["export", "slow", "login", "dashboard"]
    texts = [" ".join(words[(i + j) % 4] for j in range(3)) for i in range(60)]
    model = cluster_themes(texts, seed=0)
    assert model.n_texts == 60
    assert sum(theme.size for theme in model.themes) == 60
    assert all(set(" ".join(theme.terms).split()) <= set(words) for theme in model.themes)


def test_a_large_set_is_fitted_on_a_sample_and_every_text_placed(monkeypatch) -> None:
    # above FIT_SAMPLE texts the model is fitted on a sample of that many; every text still
    # goes to a theme, the three topics stay apart, and the model counts every text
    monkeypatch.setattr(clustering, "FIT_SAMPLE", 12)
    monkeypatch.setattr(clustering, "ASSIGN_CHUNK", 7)
    texts = TEXTS * 4
    model = cluster_themes(texts, k=3, seed=0)
    assert model.n_texts == 60
    assert sorted(m for theme in model.themes for m in theme.members) == list(range(60))
    topic = {t: position // 5 for position, t in enumerate(TEXTS)}
    for theme in model.themes:
        assert len({topic[texts[m]] for m in theme.members}) == 1
        assert theme.representative in theme.members
    assert model.vectorizer.transform(["slack"]).nnz == 1
    assert clustering._fit_sample(60, 0) is not None and clustering._fit_sample(12, 0) is None
    assert len(clustering._fit_sample(60, 0)) == 12


def test_clusters_on_one_thread_and_gives_the_threads_back(monkeypatch) -> None:
    """The k-means and the LSA run with every thread pool at one thread (decision 0047); the
    process's own limits are back afterwards, and the themes are those of two threads."""
    seen: list[set[int]] = []
    kmeans = clustering._kmeans

    def counting(*args, **kwargs):
        seen.append({pool["num_threads"] for pool in threadpool_info()})
        return kmeans(*args, **kwargs)

    monkeypatch.setattr(clustering, "_kmeans", counting)
    with threadpool_limits(limits=2):
        before = [pool["num_threads"] for pool in threadpool_info()]
        model = cluster_themes(TEXTS, k_range=(2, 6))
        assert [pool["num_threads"] for pool in threadpool_info()] == before
    assert seen and all(threads == {1} for threads in seen)
    monkeypatch.setattr(clustering, "threadpool_limits", lambda limits: threadpool_limits(2))
    assert [t.members for t in cluster_themes(TEXTS, k_range=(2, 6)).themes] == [
        t.members for t in model.themes
    ]


def test_a_pair_of_top_terms_written_side_by_side_is_one_phrase() -> None:
    held = {"mode": 4, "dark": 5, "theme": 2, "dark mode": 4, "mode dark": 0, "dark theme": 1,
            "theme dark": 0, "mode theme": 0, "theme mode": 0}  # fmt: skip
    # in the texts' order ("dark mode"), in the place of the theme's first term of the two
    assert clustering._phrased(("mode", "dark", "theme"), held) == ("dark mode", "theme")
    # "dark theme" in 1 of the 5 texts with "dark": not a phrase
    assert clustering._phrased(("dark", "theme"), held) == ("dark", "theme")


def test_more_needs_than_the_old_cap_of_fifteen_each_get_their_theme() -> None:
    # 24 needs of 12 texts each, every need with words of its own: with at most 15 themes
    # (the old range) at least nine needs would share a theme with another
    rng = random.Random(3)
    common = [
        "please",
        "the",
        "app",
        "would",
        "really",
        "help",
        "us",
        "when",
        "we",
        "use",
        "it",
        "every",
        "day",
    ]
    needs = [[f"{stem}{i}" for stem in ("alpha", "bravo", "charlie", "delta")] for i in range(24)]
    texts, truth = [], []
    for number, words in enumerate(needs):
        for _ in range(12):
            texts.append(" ".join(rng.sample(words, 3) + rng.sample(common, 4)))
            truth.append(number)
    assert clustering.most_themes(len(texts)) == 28
    model = cluster_themes(texts)
    assert len(model.themes) >= 24
    mixed = [t for t in model.themes if len({truth[i] for i in t.members}) > 1]
    assert mixed == []


def test_the_silhouette_compares_every_k_up_to_fifteen_then_every_fifth() -> None:
    assert clustering._candidates(2, 28) == [*range(2, 16), 20, 25, 28]
    assert clustering._candidates(2, 40) == [*range(2, 16), 20, 25, 30, 35, 40]
    assert clustering._candidates(3, 9) == list(range(3, 10))
