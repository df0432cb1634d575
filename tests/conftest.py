"""Shared fixtures: an isolated data directory, factories and the four personas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client

from northline.accounts import services
from northline.accounts.models import Membership, User, Workspace
from northline.core.access import Access, Actor, load
from northline.core.roles import Role

PASSWORD = "correct horse battery staple"


def make_user(email: str = "ann@example.com", name: str = "Ann") -> User:
    return User.objects.create_user(email, PASSWORD, name=name)


def make_workspace(owner: User, name: str = "Acme") -> Workspace:
    return services.create_workspace(owner, name)


def add_member(workspace: Workspace, user: User, role: Role) -> Membership:
    return Membership.objects.create(workspace=workspace, user=user, role=role)


def access_for(user: User, workspace: Workspace) -> Access:
    return load(Actor(user), workspace.slug, Role.VIEWER)


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Real Argon2 with cheap parameters, so that tests that log in many times stay fast."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


@pytest.fixture(autouse=True)
def quick_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["tests.conftest.QuickArgon2PasswordHasher"]


@dataclass
class Team:
    workspace: Workspace
    owner: User
    admin: User
    editor: User
    viewer: User
    outsider: User

    def user(self, persona: str) -> User | None:
        return None if persona == "anonymous" else getattr(self, persona)

    def client(self, persona: str) -> Client:
        client = Client()
        user = self.user(persona)
        if user is not None:
            client.force_login(user)
        return client

    def access(self, persona: str) -> Access:
        user = self.user(persona)
        assert user is not None
        return access_for(user, self.workspace)


@pytest.fixture
def team(db: None) -> Team:
    owner = make_user("owner@example.com", "Olivia Owner")
    workspace = make_workspace(owner, "Acme")
    people = {}
    for role in (Role.ADMIN, Role.EDITOR, Role.VIEWER):
        people[role.value] = make_user(f"{role.value}@example.com", role.label)
        add_member(workspace, people[role.value], role)
    outsider = make_user("outsider@example.com", "Otto Outsider")
    make_workspace(outsider, "Elsewhere")
    return Team(workspace, owner, people["admin"], people["editor"], people["viewer"], outsider)
