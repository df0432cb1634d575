"""What every page shares: the workspace's access check and the switcher read together."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from northline.accounts.models import Membership
from northline.accounts.services import create_workspace
from northline.core.access import intake_access
from northline.core.errors import Forbidden
from northline.core.roles import MANAGE, WRITE
from tests.conftest import Team


def membership_queries(team: Team, persona: str, path: str, **post: str) -> tuple[int, int]:
    client = team.client(persona)
    with CaptureQueriesContext(connection) as queries:
        status = (client.post(path, post) if post else client.get(path)).status_code
    table = Membership._meta.db_table
    return status, sum(f'"{table}"' in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("path", ["/w/{slug}/insights/", "/w/{slug}/planning/"])
def test_a_page_reads_the_memberships_once(team: Team, path: str) -> None:
    other = create_workspace(team.viewer, "Zeta Labs")
    status, count = membership_queries(team, "viewer", path.format(slug=team.workspace.slug))
    assert (status, count) == (200, 1)
    page = team.client("viewer").get(f"/w/{team.workspace.slug}/insights/")
    assert [w.name for w in page.context["my_workspaces"]] == [team.workspace.name, other.name]


@pytest.mark.parametrize(
    ("persona", "status"), [("owner", 302), ("viewer", 403), ("outsider", 404)]
)
def test_the_shared_read_still_checks_the_role(team: Team, persona: str, status: int) -> None:
    path = f"/w/{team.workspace.slug}/settings/"
    assert membership_queries(team, persona, path, name="Renamed")[0] == status


def test_a_deactivated_member_is_an_outsider(team: Team) -> None:
    client = team.client("viewer")
    team.viewer.is_active = False
    team.viewer.save(update_fields=["is_active"])
    assert client.get(f"/w/{team.workspace.slug}/insights/").status_code == 302  # to log in


def test_intake_access_writes_for_no_team_member(team: Team) -> None:
    """The portal's way into insights: editor rights, no user, so no team actor is shown."""
    access = intake_access(team.workspace)
    access.require(WRITE)
    with pytest.raises(Forbidden, match="this needs the admin role or higher; your role is editor"):
        access.require(MANAGE)
    assert access.user is None and access.workspace == team.workspace
