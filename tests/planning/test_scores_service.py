"""Scoring models, inputs, stored scores, ranks, history and team estimates (services)."""

from __future__ import annotations

import pytest

from northline.core.access import Access
from northline.core.errors import Conflict, Invalid
from northline.planning.models import (
    EstimationRound,
    Feature,
    FeatureScore,
    ScoreChange,
    ScoreInput,
    ScoringModel,
)
from northline.planning.services import estimation, features, scores
from tests.conftest import Team, access_for


@pytest.fixture
def access(team: Team) -> Access:
    return access_for(team.editor, team.workspace)


@pytest.fixture
def rice(access: Access) -> ScoringModel:
    return scores.create_model(access, "RICE", "rice")


def estimate(access: Access, f: Feature, model: ScoringModel, **values: float) -> None:
    for driver, value in values.items():
        scores.set_input(access, f, model, driver, low=value)


def test_first_model_becomes_the_default(access: Access, rice: ScoringModel) -> None:
    ice = scores.create_model(access, "ICE", "ice")
    assert rice.is_default and not ice.is_default
    scores.update_model(access, ice, is_default=True)
    rice.refresh_from_db()
    assert not rice.is_default and scores.default_model(access) == ice


def test_score_is_the_formula_at_the_likely_values(access: Access, rice: ScoringModel) -> None:
    f = features.create_feature(access, "Bulk export")
    estimate(access, f, rice, reach=1000, impact=2, confidence=0.8)
    assert FeatureScore.objects.get(feature=f).score is None  # effort still missing
    scores.set_input(access, f, rice, "effort", low=2, likely=4, high=10)
    stored = FeatureScore.objects.get(feature=f, model=rice, scenario=None)
    assert stored.score == pytest.approx(1000 * 2 * 0.8 / 4)
    last = ScoreChange.objects.filter(feature=f).last()
    assert last is not None and last.driver == "effort" and last.rank == 1
    assert last.after is not None and last.after["high"] == 10


def test_ranks_and_absolute_scores(access: Access, rice: ScoringModel) -> None:
    a = features.create_feature(access, "A")
    b = features.create_feature(access, "B")
    c = features.create_feature(access, "C")
    estimate(access, a, rice, reach=100, impact=1, confidence=1, effort=1)
    estimate(access, b, rice, reach=300, impact=1, confidence=1, effort=1)
    estimate(access, c, rice, reach=100, impact=1, confidence=1, effort=1)
    page = scores.ranked(access, rice)
    assert [(r.feature.title, r.rank) for r in page.rows] == [("B", 1), ("A", 2), ("C", 2)]
    before = FeatureScore.objects.get(feature=a).score
    scores.set_input(access, b, rice, "reach", low=5)
    assert FeatureScore.objects.get(feature=a).score == before  # unchanged by B's change
    assert scores.ranked(access, rice).rows[0].feature.title == "A"


def test_unscored_features_come_last_with_what_they_miss(
    access: Access, rice: ScoringModel
) -> None:
    done = features.create_feature(access, "Scored")
    features.create_feature(access, "Not yet")
    estimate(access, done, rice, reach=1, impact=1, confidence=1, effort=1)
    rows = scores.ranked(access, rice).rows
    assert [r.feature.title for r in rows] == ["Scored", "Not yet"]
    assert rows[1].rank is None and rows[1].missing == ["reach", "impact", "confidence", "effort"]


def test_pagination_covers_every_feature_once(access: Access, rice: ScoringModel) -> None:
    made = [features.create_feature(access, f"F{i}") for i in range(7)]
    for i, f in enumerate(made[:4]):
        estimate(access, f, rice, reach=i + 1, impact=1, confidence=1, effort=1)
    seen = []
    for page in (1, 2, 3):
        seen += [r.feature.pk for r in scores.ranked(access, rice, page=page, per_page=3).rows]
    assert sorted(seen) == sorted(f.pk for f in made)


@pytest.mark.parametrize(
    ("driver", "values", "message"),
    [
        ("effort", {"low": -1}, "F-1.effort: must be positive, got -1"),
        (
            "reach",
            {"low": 10, "likely": 5, "high": 1},
            "F-1.reach: low (10) is greater than high (1)",
        ),
        ("confidence", {"low": 1.5}, "F-1.confidence: must be between 0 and 1, got 1.5"),
        ("speed", {"low": 1}, "driver: 'speed' is not one of reach, impact, confidence, effort"),
        (
            "reach",
            {"low": 1, "likely": 2, "high": 3, "distribution": "normal"},
            "F-1.reach: distribution must be 'pert' or 'triangular', got 'normal'",
        ),
    ],
)
def test_bad_estimates_are_refused_and_nothing_is_written(
    access: Access, rice: ScoringModel, driver: str, values: dict[str, float], message: str
) -> None:
    f = features.create_feature(access, "X")
    with pytest.raises(Invalid) as error:
        scores.set_input(access, f, rice, driver, **values)  # type: ignore[arg-type]
    assert error.value.errors[0].startswith(message)
    assert not ScoreInput.objects.exists() and not ScoreChange.objects.exists()


def test_weighted_model_rescores_everything_when_weights_change(access: Access) -> None:
    drivers = [
        {"name": "Revenue", "weight": 2, "minimum": 0, "maximum": 10},
        {"name": "Cost", "weight": 1, "minimum": 0, "maximum": 10, "direction": "lower"},
    ]
    model = scores.create_model(access, "Custom", "weighted", drivers=drivers)
    f = features.create_feature(access, "X")
    estimate(access, f, model, revenue=5, cost=2)
    assert FeatureScore.objects.get(feature=f).score == pytest.approx(2 * 0.5 + 1 * 0.8)
    drivers[0]["weight"] = 4
    scores.update_model(access, model, drivers=drivers)
    assert FeatureScore.objects.get(feature=f).score == pytest.approx(4 * 0.5 + 1 * 0.8)
    assert ScoreChange.objects.filter(feature=f, driver="").count() == 1


def test_bad_weighted_drivers(access: Access) -> None:
    bad = [{"name": "a", "weight": 1, "minimum": 5, "maximum": 1}]
    with pytest.raises(Invalid, match=r"a.scale: minimum \(5\) must be less than maximum \(1\)"):
        scores.create_model(access, "Custom", "weighted", drivers=bad)
    with pytest.raises(Invalid, match="kind: 'magic' is not one of"):
        scores.create_model(access, "M", "magic")
    assert not ScoringModel.objects.exists()


def test_viewer_cannot_estimate(team: Team, rice: ScoringModel, access: Access) -> None:
    from northline.core.errors import Forbidden

    f = features.create_feature(access, "X")
    with pytest.raises(Forbidden):
        scores.set_input(access_for(team.viewer, team.workspace), f, rice, "reach", low=1)


def test_team_estimate_round(team: Team, access: Access, rice: ScoringModel) -> None:
    f = features.create_feature(access, "X")
    r = estimation.open_round(access, f, rice, "effort")
    with pytest.raises(Conflict, match="already open"):
        estimation.open_round(access, f, rice, "effort")
    with pytest.raises(Invalid, match="nobody has voted"):
        estimation.reveal(access, r)
    estimation.vote(access, r, low=2, likely=3, high=8)
    estimation.vote(access_for(team.admin, team.workspace), r, low=1, likely=5, high=6)
    estimation.vote(access_for(team.owner, team.workspace), r, low=3, likely=4, high=9)
    with pytest.raises(Invalid, match=r"F-1\.effort: low"):
        estimation.vote(access, r, low=9, likely=3, high=1)
    with pytest.raises(Conflict, match="reveal the votes"):
        estimation.settle(access, r, low=1, likely=2, high=3)
    estimation.reveal(access, r)
    spread = estimation.spread(r)
    assert spread is not None
    assert (spread.votes, spread.low, spread.likely, spread.high) == (3, 2, 4, 8)
    assert (spread.likely_min, spread.likely_max, spread.agreement) == (3, 5, "wide")
    settled = estimation.settle(access, r, low=2, likely=4, high=8)
    assert settled.source == ScoreInput.Source.TEAM and settled.likely == 4
    r.refresh_from_db()
    assert r.status == EstimationRound.Status.SETTLED
    estimation.open_round(access, f, rice, "effort")  # a new round may start after settling


def test_export_holds_planning_rows_and_their_children(
    team: Team, access: Access, rice: ScoringModel
) -> None:
    from northline.accounts import export

    f = features.create_feature(access, "X")
    scores.set_input(access, f, rice, "reach", low=3)
    r = estimation.open_round(access, f, rice, "effort")
    estimation.vote(access, r, low=1, likely=2, high=3)
    other = features.create_feature(
        access_for(team.outsider, team.outsider.memberships.get().workspace), "Theirs"
    )
    sections = dict(export.sections(team.workspace))
    assert [row["fields"]["title"] for row in sections["planning.feature"]] == ["X"]
    assert other.title not in str(sections)
    assert len(sections["planning.scoreinput"]) == 1
    assert [row["fields"]["likely"] for row in sections["planning.estimatevote"]] == [2.0]
