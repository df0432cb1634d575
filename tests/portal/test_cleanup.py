"""Expired portal sessions and sign-in links are deleted: by `northline portal cleanup` (cron)
and by the task that the first sign-in request of each hour queues for the worker."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from northline.insights.models import Customer
from northline.portal.models import PortalSession, SignInLink
from tests.conftest import Team, make_user, make_workspace
from tests.portal.helpers import make_portal, sign_in


def _rows(team: Team) -> list[int]:
    """In two workspaces: one live and one expired session, a live link, an expired unused one
    and an expired used one."""
    other = make_workspace(make_user("zed@example.com", "Zed"), "Elsewhere")
    now = timezone.now()
    for workspace in (team.workspace, other):
        customer = Customer.objects.create(workspace=workspace, email=f"c@{workspace.slug}.io")
        for n, delta in enumerate((timedelta(days=1), -timedelta(seconds=1))):
            PortalSession.objects.create(
                workspace=workspace, customer=customer, token_hash=f"{workspace.pk}s{n}",
                expires_at=now + delta,
            )  # fmt: skip
        for n, (delta, used) in enumerate(
            ((timedelta(minutes=10), None), (-timedelta(minutes=1), None),
             (-timedelta(minutes=1), now - timedelta(minutes=20)))
        ):  # fmt: skip
            SignInLink.objects.create(
                workspace=workspace, email=customer.email, token_hash=f"{workspace.pk}l{n}",
                expires_at=now + delta, used_at=used,
            )  # fmt: skip
    return [team.workspace.pk, other.pk]


@pytest.mark.django_db
def test_cleanup_command_deletes_only_expired_rows(team: Team) -> None:
    first, second = _rows(team)
    out = io.StringIO()
    call_command("portal", "cleanup", stdout=out)
    assert out.getvalue() == "Deleted 2 expired portal sessions and 4 sign-in links.\n"
    assert sorted(PortalSession.objects.values_list("token_hash", flat=True)) == [
        f"{first}s0", f"{second}s0",
    ]  # fmt: skip
    assert SignInLink.objects.count() == 2
    assert all(link.expires_at > timezone.now() for link in SignInLink.objects.all())
    call_command("portal", "cleanup", stdout=out)
    assert out.getvalue().endswith("Deleted 0 expired portal sessions and 0 sign-in links.\n")


@pytest.mark.django_db(transaction=True)  # the worker runs the queued purge for real
def test_first_sign_in_request_of_the_hour_queues_the_purge(team: Team) -> None:
    make_portal(team)
    _rows(team)
    client = sign_in(team.workspace, "ann@acme.com")  # queues the purge; a live session
    Client().post(f"/p/{team.workspace.slug}/sign-in/", {"email": "bo@acme.com"})  # not again
    assert DBTaskResult.objects.filter(task_path__endswith="purge_expired_sign_ins").count() == 1
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    result = DBTaskResult.objects.get(task_path__endswith="purge_expired_sign_ins")
    assert (result.status, result.return_value) == ("SUCCESSFUL", {"sessions": 2, "links": 4})
    assert PortalSession.objects.count() == 3  # two live ones made above, ann's new one
    assert client.get(f"/p/{team.workspace.slug}/").status_code == 200
