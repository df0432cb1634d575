"""Accounts services: bad input tables with exact messages, and nothing written on failure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from northline.accounts import services
from northline.accounts.models import ApiToken, Invitation, Membership, User, Workspace
from northline.core.errors import Conflict, DomainError, Forbidden, Gone, Invalid, NotFound
from northline.core.models import Activity
from tests.conftest import PASSWORD, Team, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("email", "password", "error", "message"),
    [
        ("", PASSWORD, Invalid, "email: must not be empty"),
        ("   ", PASSWORD, Invalid, "email: must not be empty"),
        ("bob@", PASSWORD, Invalid, "email: 'bob@' is not a valid e-mail address"),
        ("ann@example.com", "short", Invalid,
         "password: This password is too short. It must contain at least 8 characters."),
        ("ann@example.com", "12345678901", Invalid, "password: This password is entirely numeric."),
        ("taken@example.com", PASSWORD, Conflict,
         "email: 'taken@example.com' is already registered; log in instead"),
    ],
)  # fmt: skip
def test_sign_up_rejects_bad_input(email: str, password: str, error: type, message: str) -> None:
    make_user("taken@example.com")
    with pytest.raises(error) as raised:
        services.sign_up(email, password)
    assert message in raised.value.errors
    assert User.objects.count() == 1


def test_sign_up_stores_an_argon2_hash() -> None:
    user = services.sign_up(" Ann@Example.COM ", PASSWORD, "Ann")
    assert user.email == "ann@example.com"
    assert user.password.startswith("argon2$")
    assert PASSWORD not in user.password


def test_log_in_is_rate_limited_per_email(settings: object) -> None:
    make_user("ann@example.com")
    for _ in range(10):
        with pytest.raises(Invalid, match="Incorrect e-mail or password"):
            services.log_in("ann@example.com", "wrong", "10.0.0.1")
    with pytest.raises(DomainError, match="Too many attempts; try again in"):
        services.log_in("ann@example.com", PASSWORD, "10.0.0.1")


def test_successful_log_in_resets_the_counter() -> None:
    make_user("ann@example.com")
    for _ in range(9):
        with pytest.raises(Invalid):
            services.log_in("ann@example.com", "wrong", "10.0.0.1")
    assert services.log_in("ann@example.com", PASSWORD, "10.0.0.1").email == "ann@example.com"
    for _ in range(9):
        with pytest.raises(Invalid):
            services.log_in("ann@example.com", "wrong", "10.0.0.1")


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "name: must not be empty"), ("x" * 101, "name: must be at most 100 characters, got 101")],
)
def test_create_workspace_rejects_bad_names(name: str, message: str) -> None:
    user = make_user()
    with pytest.raises(Invalid) as raised:
        services.create_workspace(user, name)
    assert raised.value.errors == [message]
    assert not Workspace.objects.exists()


def test_create_workspace_makes_the_creator_owner_with_a_unique_slug() -> None:
    user = make_user()
    first = services.create_workspace(user, "Acme Corp")
    second = services.create_workspace(user, "Acme Corp")
    assert (first.slug, second.slug) == ("acme-corp", "acme-corp-2")
    assert Membership.objects.get(workspace=first, user=user).role == "owner"
    assert Activity.objects.filter(workspace=first, verb="workspace.created").count() == 1


def test_invitation_is_single_use_and_grants_its_role(team: Team) -> None:
    invitation, secret = services.invite(team.access("owner"), "editor")
    newcomer = make_user("new@example.com")
    membership = services.accept_invitation(newcomer, secret)
    assert membership.role == "editor"
    assert len(secret) >= 40 and invitation.token_hash != secret
    with pytest.raises(Gone, match="this invitation was already used; ask for a new link"):
        services.accept_invitation(make_user("late@example.com"), secret)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ("expired", Gone, "this invitation expired on "),
        ("revoked", Gone, "this invitation was revoked; ask for a new link"),
        ("unknown", NotFound, "invitation not found; ask for a new link"),
        ("other_email", Forbidden, "this invitation is for someone@example.com; you are new@example.com"),
        ("member", Conflict, "you are already a member of Acme"),
    ],
)  # fmt: skip
def test_accepting_a_bad_invitation_writes_nothing(
    team: Team, change: str, error: type, message: str
) -> None:
    email = "someone@example.com" if change == "other_email" else ""
    invitation, secret = services.invite(team.access("owner"), "viewer", email)
    user = team.editor if change == "member" else make_user("new@example.com")
    if change == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(days=1)
        )
    if change == "revoked":
        services.revoke_invitation(team.access("owner"), invitation.pk)
    if change == "unknown":
        secret = "not-a-real-secret"
    members_before = Membership.objects.count()
    with pytest.raises(error) as raised:
        services.accept_invitation(user, secret)
    assert raised.value.message.startswith(message)
    assert Membership.objects.count() == members_before
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None


def test_inviting_an_existing_member_by_email_is_a_conflict(team: Team) -> None:
    with pytest.raises(Conflict) as raised:
        services.invite(team.access("owner"), "viewer", "Editor@Example.com")
    assert raised.value.errors == ["email: 'editor@example.com' is already a member of Acme"]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("persona", "role", "error", "message"),
    [
        ("admin", "owner", Forbidden, "role: you cannot grant owner, which is above your role"),
        ("editor", "viewer", Forbidden, "this needs the admin role or higher; your role is editor"),
        ("owner", "boss", Invalid, "role: 'boss' is not one of owner, admin, editor, viewer"),
    ],
)
def test_invite_checks_the_role_granted(
    team: Team, persona: str, role: str, error: type, message: str
) -> None:
    with pytest.raises(error) as raised:
        services.invite(team.access(persona), role)
    assert raised.value.message == message
    assert not Invitation.objects.exists()


def test_the_last_owner_cannot_leave_or_be_demoted(team: Team) -> None:
    owner_access = team.access("owner")
    with pytest.raises(
        Invalid, match=r"role: owner@example\.com is the last owner; make another owner first"
    ):
        services.leave_workspace(owner_access)
    with pytest.raises(Invalid, match="is the last owner"):
        services.change_role(owner_access, owner_access.membership_id, "viewer")
    assert Membership.objects.get(pk=owner_access.membership_id).role == "owner"


def test_admin_cannot_remove_or_demote_an_owner(team: Team) -> None:
    owner_membership = team.access("owner").membership_id
    with pytest.raises(Forbidden):
        services.remove_member(team.access("admin"), owner_membership)
    with pytest.raises(Forbidden):
        services.change_role(team.access("admin"), owner_membership, "viewer")
    assert Membership.objects.filter(pk=owner_membership, role="owner").exists()


def test_change_role_and_remove_member_are_logged(team: Team) -> None:
    owner = team.access("owner")
    editor_membership = team.access("editor").membership_id
    services.change_role(owner, editor_membership, "viewer")
    services.remove_member(owner, editor_membership)
    verbs = list(
        Activity.objects.filter(workspace=team.workspace).values_list("verb", flat=True)[:2]
    )
    assert verbs == ["member.removed", "member.role_changed"]
    changed = Activity.objects.get(verb="member.role_changed")
    assert changed.changes == {"role": ["editor", "viewer"]} and changed.actor == team.owner


def test_removing_a_member_revokes_their_tokens(team: Team) -> None:
    token, _ = services.create_token(team.access("editor"), "ci", "editor")
    services.remove_member(team.access("owner"), team.access("editor").membership_id)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_tokens_are_stored_hashed_and_capped_at_the_creators_role(team: Team) -> None:
    token, secret = services.create_token(team.access("editor"), "script", "editor")
    assert secret.startswith("nl_") and token.prefix == secret[:10]
    assert secret not in token.token_hash and len(token.token_hash) == 64
    assert services.authenticate_token(secret).pk == token.pk
    with pytest.raises(Forbidden, match="role: you cannot grant admin, which is above your role"):
        services.create_token(team.access("editor"), "too much", "admin")


@pytest.mark.parametrize(
    ("name", "message"), [("", "name: must not be empty"), ("  ", "name: must not be empty")]
)
def test_token_needs_a_name(team: Team, name: str, message: str) -> None:
    with pytest.raises(Invalid) as raised:
        services.create_token(team.access("owner"), name, "viewer")
    assert raised.value.errors == [message]
    assert not ApiToken.objects.exists()
