"""Factories for portal tests: a portal with settings, and customers signed in through the
real magic-link flow over the test client."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail
from django.test import Client

from northline.accounts.models import Workspace
from northline.insights.models import Customer
from northline.portal.models import Idea, Portal
from northline.portal.services import ideas
from northline.portal.services.portal import Visit, open_portal, update_portal
from tests.conftest import Team

LINK = re.compile(r"https?://\S+/sign-in/[\w-]+/")


def make_portal(team: Team, **settings: Any) -> Portal:
    fields = {"enabled": True, "title": "Acme ideas"} | settings
    return update_portal(team.access("admin"), fields)


def link_in_outbox(email: str) -> str:
    """The sign-in link of the last e-mail to `email`."""
    message = [m for m in mail.outbox if email in m.to][-1]
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(0)


def sign_in(workspace: Workspace, email: str, client: Client | None = None) -> Client:
    """A client signed in to the portal as `email`, by the e-mailed link."""
    client = client or Client()
    base = f"/p/{workspace.slug}"
    response = client.post(f"{base}/sign-in/", {"email": email})
    assert response.status_code == 200, response.content
    link = link_in_outbox(email)
    response = client.post(link)
    assert response.status_code == 302, response.content
    return client


def visit(workspace: Workspace, email: str | None = None, client: str = "10.0.0.1") -> Visit:
    """A service-level visit as the customer with `email` (created if new)."""
    customer = None
    if email:
        customer, _ = Customer.objects.get_or_create(workspace=workspace, email=email)
    return open_portal(workspace.slug, customer, client)


def make_idea(
    workspace: Workspace, title: str, email: str = "ann@acme.com", details: str = ""
) -> Idea:
    return ideas.submit_idea(visit(workspace, email), title, details)
