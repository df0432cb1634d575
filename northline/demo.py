"""The demo workspace: loaded on first start so that a newcomer sees a populated app."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from northline.accounts import services as accounts
from northline.accounts.models import User, Workspace
from northline.core.access import Actor, load
from northline.core.roles import Role
from northline.insights import demo as insights_demo
from northline.metrics import demo as metrics_demo
from northline.planning import demo as planning_demo
from northline.portal import demo as portal_demo
from northline.strategy import demo as strategy_demo

DEMO_SLUG = "acme"
DEMO_PASSWORD = "northline-demo"  # noqa: S105 — the documented demo login, shown on start
DEMO_PEOPLE = (
    ("demo@northline.local", "Dana Demo", Role.OWNER),
    ("priya@northline.local", "Priya Product", Role.ADMIN),
    ("eli@northline.local", "Eli Engineer", Role.EDITOR),
    ("sam@northline.local", "Sam Stakeholder", Role.VIEWER),
)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    workspace: Workspace


def demo_exists() -> bool:
    return Workspace.objects.filter(slug=DEMO_SLUG).exists()


def remove_demo() -> None:
    with transaction.atomic():
        Workspace.objects.filter(slug=DEMO_SLUG).delete()
        User.objects.filter(email__in=[email for email, _, _ in DEMO_PEOPLE]).delete()


def person(email: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    return user or User.objects.create_user(email, DEMO_PASSWORD, name=name)


@transaction.atomic
def load_demo() -> DemoLogin:
    """Create the demo people and the "Acme Analytics" workspace (idempotent)."""
    owner_email, owner_name, _ = DEMO_PEOPLE[0]
    owner = person(owner_email, owner_name)
    workspace = Workspace.objects.filter(slug=DEMO_SLUG).first()
    if workspace is None:
        workspace = accounts.create_workspace(owner, "Acme Analytics")
        Workspace.objects.filter(pk=workspace.pk).update(slug=DEMO_SLUG)
        workspace.refresh_from_db()
        access = load(Actor(owner), DEMO_SLUG, Role.OWNER)
        for email, name, role in DEMO_PEOPLE[1:]:
            _, secret = accounts.invite(access, role.value, email)
            accounts.accept_invitation(person(email, name), secret)
        accounts.create_token(access, "Demo reporting script", Role.VIEWER.value)
        made = planning_demo.load(access)
        metrics_demo.load(access)
        strategy_demo.load(access, made)  # after the metrics demo: it binds to its KPIs
        portal_demo.load(access)
        insights_demo.load(access, made)  # after the portal demo: it enriches its companies
    return DemoLogin(owner_email, DEMO_PASSWORD, workspace)
