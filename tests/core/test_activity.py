"""How the activity feed reads a record: who acted and what changed."""

from __future__ import annotations

import pytest

from northline.core.models import AUTOMATIC, Activity
from tests.conftest import Team


def test_changes_read_as_before_and_after() -> None:
    entry = Activity(verb="feature.updated", changes={
        "status": ["idea", "planned"], "owner": [None, "ana@example.com"],
        "requires": ["F-3", None], "points": 5, "sections": ["Vision", "Goals", "Risks"],
        "options": [[], [{"name": "Build", "chosen": True}, {"name": "Buy"}]],
        "period": {"start": "2026-01-01", "end": None},
    })  # fmt: skip
    assert entry.change_lines == [
        ("status", "idea → planned"), ("owner", "ana@example.com"), ("requires", "F-3 → none"),
        ("points", "5"), ("sections", "Vision, Goals, Risks"), ("options", "none → Build, Buy"),
        ("period", "start 2026-01-01, end none"),
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_feed_names_the_member_northline_or_someone(team: Team) -> None:
    assert "kpi.anomaly" in AUTOMATIC and "kano_survey.answered" not in AUTOMATIC
    assert Activity(verb="kpi.anomaly").by == "Northline"
    assert Activity(verb="kano_survey.answered").by == "Someone"  # a respondent, no account
    assert Activity(verb="kpi.anomaly", actor=team.editor).by == str(team.editor)
    Activity.objects.create(
        workspace=team.workspace, actor=None, verb="kpi.anomaly", object_type="metrics.kpi",
        object_repr="<b>Sign-ups</b>", changes={"observed": ["<i>", 400.0]},
    )  # fmt: skip
    feed = team.client("viewer").get(f"/w/{team.workspace.slug}/activity/").content.decode()
    assert "<strong>Northline</strong>" in feed and "found an anomaly in" in feed
    assert "&lt;b&gt;Sign-ups&lt;/b&gt;" in feed and "observed: &lt;i&gt; → 400.0" in feed
