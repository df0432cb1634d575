"""The JSON API: every endpoint for each persona, bearer tokens, and the one error shape."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from northline.accounts import services
from northline.accounts.models import ApiToken, Invitation, Membership, Workspace
from northline.core.models import TaskProgress
from tests.conftest import Team
from tests.personas import EVERYONE, PERSONAS, call, error, expected

pytestmark = pytest.mark.django_db


MANAGERS = {"owner", "admin"}


def endpoints(team: Team) -> list[tuple[str, str, Any, set[str], int]]:
    slug = team.workspace.slug
    editor_membership = Membership.objects.get(workspace=team.workspace, user=team.editor).pk
    viewer_membership = Membership.objects.get(workspace=team.workspace, user=team.viewer).pk
    invitation, _ = services.invite(team.access("owner"), "viewer")
    task = TaskProgress.objects.create(task_id="t", workspace=team.workspace, title="Export")
    return [
        ("get", f"/api/v1/workspaces/{slug}", None, EVERYONE, 200),
        ("patch", f"/api/v1/workspaces/{slug}", {"name": "Renamed"}, MANAGERS, 200),
        ("get", f"/api/v1/workspaces/{slug}/members", None, EVERYONE, 200),
        ("patch", f"/api/v1/workspaces/{slug}/members/{editor_membership}", {"role": "viewer"}, MANAGERS, 200),
        ("get", f"/api/v1/workspaces/{slug}/invitations", None, MANAGERS, 200),
        ("post", f"/api/v1/workspaces/{slug}/invitations", {"role": "viewer"}, MANAGERS, 201),
        ("delete", f"/api/v1/workspaces/{slug}/invitations/{invitation.pk}", None, MANAGERS, 204),
        ("get", f"/api/v1/workspaces/{slug}/tokens", None, EVERYONE, 200),
        ("post", f"/api/v1/workspaces/{slug}/tokens", {"name": "t", "role": "viewer"}, EVERYONE, 201),
        ("get", f"/api/v1/workspaces/{slug}/activity", None, EVERYONE, 200),
        ("post", f"/api/v1/workspaces/{slug}/exports", None, MANAGERS, 202),
        ("get", f"/api/v1/workspaces/{slug}/tasks/{task.pk}", None, EVERYONE, 200),
        ("delete", f"/api/v1/workspaces/{slug}/members/{viewer_membership}", None, MANAGERS | {"viewer"}, 204),
    ]  # fmt: skip


ENDPOINTS = 13


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(ENDPOINTS))
def test_endpoint_for_each_persona(team: Team, persona: str, index: int) -> None:
    table = endpoints(team)
    assert len(table) == ENDPOINTS
    method, url, body, allowed, ok = table[index]
    response = call(team.client(persona), method, url, body)
    assert response.status_code == expected(persona, allowed, ok), response.content
    if response.status_code == 404:
        assert response.json() == error(404, "workspace not found")
    if response.status_code == 403:
        body = response.json()
        assert body["ok"] is False and body["status"] == 403
        assert body["error"].startswith("this needs the admin role or higher; your role is ")


@pytest.mark.parametrize("persona", PERSONAS)
def test_workspace_list_shows_only_own_workspaces(team: Team, persona: str) -> None:
    response = call(team.client(persona), "get", "/api/v1/workspaces")
    if persona == "anonymous":
        assert response.status_code == 401
        assert response.json() == error(
            401, "Authentication required: send 'Authorization: Bearer <token>'"
        )
        return
    slugs = [w["slug"] for w in response.json()]
    assert slugs == (["elsewhere"] if persona == "outsider" else ["acme"])


def test_create_workspace_through_the_api(team: Team) -> None:
    response = call(team.client("viewer"), "post", "/api/v1/workspaces", {"name": "Side project"})
    assert response.status_code == 201
    assert response.json() == {"slug": "side-project", "name": "Side project", "role": "owner"}


def test_bearer_token_acts_with_its_role_in_its_workspace_only(team: Team) -> None:
    _, secret = services.create_token(team.access("owner"), "read only", "viewer")
    auth = {"Authorization": f"Bearer {secret}"}
    client = Client()
    assert call(client, "get", "/api/v1/me", **auth).json()["email"] == "owner@example.com"
    assert call(client, "get", "/api/v1/workspaces/acme/members", **auth).status_code == 200
    refused = call(client, "patch", "/api/v1/workspaces/acme", {"name": "X"}, **auth)
    assert refused.json() == error(403, "this needs the admin role or higher; your role is viewer")
    other = make_other_workspace(team)
    assert call(client, "get", f"/api/v1/workspaces/{other}", **auth).status_code == 404
    assert [w["slug"] for w in call(client, "get", "/api/v1/workspaces", **auth).json()] == ["acme"]
    assert ApiToken.objects.get().last_used_at is not None


def make_other_workspace(team: Team) -> str:
    return services.create_workspace(team.owner, "Other").slug


def test_token_needs_no_csrf_but_the_session_does(team: Team) -> None:
    _, secret = services.create_token(team.access("owner"), "w", "admin")
    client = Client(enforce_csrf_checks=True)
    ok = call(
        client,
        "patch",
        "/api/v1/workspaces/acme",
        {"name": "By token"},
        Authorization=f"Bearer {secret}",
    )
    assert ok.status_code == 200
    client.force_login(team.owner)
    refused = call(client, "patch", "/api/v1/workspaces/acme", {"name": "By session"})
    assert refused.json() == error(403, "CSRF check failed; send the X-CSRFToken header")
    assert Workspace.objects.get(slug="acme").name == "By token"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer nl_not-a-token", "Invalid API token"),
        ("Token abc", "Authorization: expected 'Bearer <token>'"),
        ("Bearer ", "Authorization: expected 'Bearer <token>'"),
    ],
)
def test_bad_authorization_headers(team: Team, header: str, message: str) -> None:
    response = call(Client(), "get", "/api/v1/me", Authorization=header)
    assert response.status_code == 401 and response.json() == error(401, message)


def test_revoked_token_is_refused(team: Team) -> None:
    token, secret = services.create_token(team.access("owner"), "old", "viewer")
    response = call(team.client("owner"), "delete", f"/api/v1/workspaces/acme/tokens/{token.pk}")
    assert response.status_code == 204
    refused = call(Client(), "get", "/api/v1/me", Authorization=f"Bearer {secret}")
    assert refused.json() == error(401, "This API token was revoked")


def test_created_token_is_shown_once(team: Team) -> None:
    created = call(
        team.client("editor"),
        "post",
        "/api/v1/workspaces/acme/tokens",
        {"name": "ci", "role": "editor"},
    )
    secret = created.json()["token"]
    assert secret.startswith("nl_")
    listed = call(team.client("editor"), "get", "/api/v1/workspaces/acme/tokens").json()
    assert listed[0]["token"] is None and listed[0]["prefix"] == secret[:10]


BAD_INPUT = [
    ("post", "/api/v1/workspaces", {}, 422, "name: Field required", ["name: Field required"]),
    ("post", "/api/v1/workspaces", {"name": ""}, 422, "name: must not be empty", ["name: must not be empty"]),
    ("post", "/api/v1/workspaces", {"name": 5}, 422, "name: Input should be a valid string",
     ["name: Input should be a valid string"]),
    ("post", "/api/v1/workspaces/acme/invitations", {"role": "boss"}, 422,
     "role: 'boss' is not one of owner, admin, editor, viewer",
     ["role: 'boss' is not one of owner, admin, editor, viewer"]),
    ("post", "/api/v1/workspaces/acme/invitations", {"role": "viewer", "email": "editor@example.com"}, 409,
     "email: 'editor@example.com' is already a member of Acme",
     ["email: 'editor@example.com' is already a member of Acme"]),
    ("post", "/api/v1/workspaces/acme/invitations", {"role": "viewer", "email": "nope"}, 422,
     "email: 'nope' is not a valid e-mail address", ["email: 'nope' is not a valid e-mail address"]),
    ("patch", "/api/v1/workspaces/acme/members/999999", {"role": "viewer"}, 404, "member 999999 not found",
     ["member 999999 not found"]),
    ("delete", "/api/v1/workspaces/acme/tokens/999999", None, 404, "api token not found", ["api token not found"]),
    ("post", "/api/v1/workspaces/acme/tokens", {"name": "x", "role": "root"}, 422,
     "role: 'root' is not one of owner, admin, editor, viewer",
     ["role: 'root' is not one of owner, admin, editor, viewer"]),
]  # fmt: skip


@pytest.mark.parametrize(("method", "url", "body", "status", "message", "errors"), BAD_INPUT)
def test_bad_input_answers_the_error_shape_and_writes_nothing(
    team: Team, method: str, url: str, body: Any, status: int, message: str, errors: list[str]
) -> None:
    counts = (Workspace.objects.count(), Invitation.objects.count(), ApiToken.objects.count())
    response = call(team.client("owner"), method, url, body)
    assert response.status_code == status
    assert response.json() == error(status, message, errors)
    assert (
        Workspace.objects.count(),
        Invitation.objects.count(),
        ApiToken.objects.count(),
    ) == counts


def test_malformed_json(team: Team) -> None:
    response = team.client("owner").post(
        "/api/v1/workspaces", data="{name: ", content_type="application/json"
    )
    assert response.json() == error(
        400,
        "body: malformed JSON (Expecting property name enclosed in double quotes at line 1 column 2)",
    )
    assert Workspace.objects.count() == 2


def test_oversized_body(team: Team, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = call(team.client("owner"), "post", "/api/v1/workspaces", {"name": "x" * 2000})
    assert response.status_code == 413
    assert response.json() == error(413, "body: larger than the limit of 1000 bytes")
    assert Workspace.objects.count() == 2


def test_unknown_api_path_is_a_json_404(team: Team) -> None:
    response = team.client("owner").get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json() == error(404, "Not found")


def test_openapi_and_docs_are_served(db: None) -> None:
    schema = Client().get("/api/openapi.json").json()
    assert "/api/v1/workspaces/{slug}/tokens" in schema["paths"]
    assert Client().get("/api/docs").status_code == 200


def test_healthz_reports_the_database(db: None) -> None:
    body = Client().get("/healthz").json()
    assert body["ok"] is True and body["database"]["ok"] is True
    assert body["database"]["vendor"] in {"sqlite", "postgresql"}


def test_api_docs_load_their_assets_from_this_server(db: None) -> None:
    html = Client().get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn." not in html
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_a_token_cannot_create_workspaces(team: Team) -> None:
    _, secret = services.create_token(team.access("owner"), "t", "owner")
    response = call(
        Client(), "post", "/api/v1/workspaces", {"name": "New"}, Authorization=f"Bearer {secret}"
    )
    assert response.json() == error(
        403, "API tokens belong to one workspace and cannot create workspaces"
    )
    assert Workspace.objects.count() == 2


def test_a_started_task_answers_what_polling_it_answers(team: Team) -> None:
    client = Client()
    client.force_login(team.owner)
    started = call(client, "post", "/api/v1/workspaces/acme/exports")
    assert started.status_code == 202
    task = started.json()
    progress = TaskProgress.objects.get(pk=task["id"])
    assert task["url"] == f"http://testserver/w/acme/tasks/{progress.pk}/"
    reported = datetime.fromisoformat(task["updated_at"])
    assert abs(reported - progress.updated_at) < timedelta(milliseconds=1)  # JSON keeps ms
    polled = call(client, "get", f"/api/v1/workspaces/acme/tasks/{task['id']}").json()
    assert polled.keys() == task.keys() >= {"status", "percent", "message", "result", "created_at"}
    assert polled["title"] == task["title"] == progress.title
