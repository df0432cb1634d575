"""Every page checked for owner / admin / editor / viewer / outsider / anonymous."""

from __future__ import annotations

import pytest

from northline.accounts import services
from northline.accounts.models import ApiToken, Invitation, Membership, Workspace
from northline.core.models import TaskProgress
from tests.conftest import Team
from tests.personas import PERSONAS

pytestmark = pytest.mark.django_db

READ_PAGES = [
    "/w/{slug}/", "/w/{slug}/vision/", "/w/{slug}/insights/", "/w/{slug}/planning/",
    "/w/{slug}/roadmap/", "/w/{slug}/experiments/", "/w/{slug}/metrics/",
    "/w/{slug}/activity/", "/w/{slug}/members/", "/w/{slug}/tokens/", "/w/{slug}/settings/",
]  # fmt: skip
MEMBER = {"owner": 200, "admin": 200, "editor": 200, "viewer": 200, "outsider": 404}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", READ_PAGES)
def test_read_pages(team: Team, persona: str, page: str) -> None:
    response = team.client(persona).get(page.format(slug=team.workspace.slug))
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    else:
        assert response.status_code == MEMBER[persona]


def test_unknown_area_is_404(team: Team) -> None:
    assert team.client("owner").get(f"/w/{team.workspace.slug}/nonsense/").status_code == 404


ADMIN_WRITES = {"owner": 302, "admin": 302, "editor": 403, "viewer": 403, "outsider": 404}


@pytest.mark.parametrize("persona", PERSONAS)
def test_rename_workspace_page(team: Team, persona: str) -> None:
    response = team.client(persona).post(f"/w/{team.workspace.slug}/settings/", {"name": "Renamed"})
    renamed = Workspace.objects.filter(pk=team.workspace.pk, name="Renamed").exists()
    if persona == "anonymous":
        assert response.status_code == 302 and not renamed
    else:
        assert response.status_code == ADMIN_WRITES[persona]
        assert renamed == (ADMIN_WRITES[persona] == 302)


@pytest.mark.parametrize("persona", PERSONAS)
def test_invite_page(team: Team, persona: str) -> None:
    response = team.client(persona).post(f"/w/{team.workspace.slug}/members/", {"role": "viewer"})
    created = Invitation.objects.exists()
    if persona == "anonymous":
        assert response.status_code == 302 and not created
    elif ADMIN_WRITES[persona] == 302:
        assert response.status_code == 200 and created
        assert b"/invite/" in response.content
    else:
        assert response.status_code == ADMIN_WRITES[persona] and not created


@pytest.mark.parametrize("persona", PERSONAS)
def test_change_role_page(team: Team, persona: str) -> None:
    target = Membership.objects.get(workspace=team.workspace, user=team.editor)
    url = f"/w/{team.workspace.slug}/members/{target.pk}/role/"
    response = team.client(persona).post(url, {"role": "viewer"})
    target.refresh_from_db()
    if persona == "anonymous":
        assert response.status_code == 302 and target.role == "editor"
    else:
        assert response.status_code == (ADMIN_WRITES[persona] if persona != "editor" else 403)
        assert target.role == ("viewer" if persona in {"owner", "admin"} else "editor")


@pytest.mark.parametrize("persona", ["owner", "admin", "editor", "viewer", "outsider"])
def test_remove_member_page(team: Team, persona: str) -> None:
    target = Membership.objects.get(workspace=team.workspace, user=team.viewer)
    url = f"/w/{team.workspace.slug}/members/{target.pk}/remove/"
    response = team.client(persona).post(url)
    still_there = Membership.objects.filter(pk=target.pk).exists()
    if persona == "viewer":  # removing oneself is leaving
        assert response.status_code == 302 and not still_there
    else:
        assert response.status_code == ADMIN_WRITES[persona]
        assert still_there == (ADMIN_WRITES[persona] != 302)


@pytest.mark.parametrize("persona", ["admin", "editor", "viewer"])
def test_leave_page(team: Team, persona: str) -> None:
    response = team.client(persona).post(f"/w/{team.workspace.slug}/leave/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert not Membership.objects.filter(workspace=team.workspace, user=team.user(persona)).exists()


def test_last_owner_leaving_shows_why_and_stays(team: Team) -> None:
    response = team.client("owner").post(f"/w/{team.workspace.slug}/leave/", follow=True)
    assert b"is the last owner; make another owner first" in response.content
    assert Membership.objects.filter(workspace=team.workspace, user=team.owner).exists()


@pytest.mark.parametrize("persona", ["owner", "editor", "viewer", "outsider"])
def test_create_token_page(team: Team, persona: str) -> None:
    response = team.client(persona).post(
        f"/w/{team.workspace.slug}/tokens/", {"name": "script", "role": "viewer"}
    )
    if persona == "outsider":
        assert response.status_code == 404 and not ApiToken.objects.exists()
        return
    token = ApiToken.objects.get()
    assert response.status_code == 200 and token.user == team.user(persona)
    assert b"nl_" in response.content and b"will not be shown again" in response.content


def test_token_page_shows_the_services_message_beside_the_field(team: Team) -> None:
    response = team.client("viewer").post(
        f"/w/{team.workspace.slug}/tokens/", {"name": "", "role": "viewer"}
    )
    assert response.status_code == 200
    assert b'<p class="error">must not be empty</p>' in response.content
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "editor", "outsider"])
def test_revoke_someone_elses_token_page(team: Team, persona: str) -> None:
    token, _ = services.create_token(team.access("viewer"), "theirs", "viewer")
    response = team.client(persona).post(f"/w/{team.workspace.slug}/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    expected = {"owner": 302, "editor": 403, "outsider": 404}[persona]
    assert response.status_code == expected
    assert (token.revoked_at is not None) == (expected == 302)


@pytest.mark.parametrize("persona", ["owner", "editor", "outsider"])
def test_task_page(team: Team, persona: str) -> None:
    progress = TaskProgress.objects.create(
        task_id="t1", workspace=team.workspace, title="Export", percent=40
    )
    response = team.client(persona).get(f"/w/{team.workspace.slug}/tasks/{progress.pk}/")
    assert response.status_code == MEMBER[persona]
    if persona != "outsider":
        assert b'value="40"' in response.content


def test_pages_escape_user_content(team: Team) -> None:
    services.rename_workspace(team.access("owner"), "<script>alert(1)</script>")
    response = team.client("viewer").get(f"/w/{team.workspace.slug}/")
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


def test_forms_need_a_csrf_token(team: Team) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(team.owner)
    response = client.post(f"/w/{team.workspace.slug}/settings/", {"name": "Hijacked"})
    assert response.status_code == 403
    assert not Workspace.objects.filter(name="Hijacked").exists()


def test_invitation_with_an_email_is_mailed(team: Team, mailoutbox: list) -> None:
    response = team.client("admin").post(
        f"/w/{team.workspace.slug}/members/", {"role": "editor", "email": "new@example.com"}
    )
    assert response.status_code == 200
    assert [m.to for m in mailoutbox] == [["new@example.com"]]
    assert "/invite/" in mailoutbox[0].body and "as editor" in mailoutbox[0].body
    assert mailoutbox[0].subject == "You are invited to Acme on Northline"


def test_members_page_lists_only_pending_invitations(team: Team) -> None:
    from datetime import timedelta

    from django.utils import timezone

    access = team.access("owner")
    services.invite(access, "viewer", "pending@example.com")
    revoked, _ = services.invite(access, "viewer", "revoked@example.com")
    services.revoke_invitation(access, revoked.pk)
    expired, _ = services.invite(access, "viewer", "expired@example.com")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    html = team.client("owner").get(f"/w/{team.workspace.slug}/members/").content.decode()
    assert "pending@example.com" in html
    assert "revoked@example.com" not in html and "expired@example.com" not in html
