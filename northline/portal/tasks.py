"""Background tasks of the portal: e-mail to an idea's followers and invited customers, and
the hourly purge of expired sign-in links and sessions, and building a big portal's
similar-ideas index off the request path."""

from __future__ import annotations

from django.core.mail import send_mass_mail
from django_tasks import task

from northline.accounts.models import Workspace

from .models import Follow, Portal


@task()
def mail_followers(idea_id: int, subject: str, message: str, skip_customer_id: int = 0) -> int:
    """Mail every follower with an e-mail address (but `skip_customer_id`); returns how many.
    One message per follower, so that no one sees another's address."""
    emails = (
        Follow.objects.filter(idea_id=idea_id)
        .exclude(customer_id=skip_customer_id)
        .exclude(customer__email="")
        .values_list("customer__email", flat=True)
        .order_by("customer__email")
    )
    batch = [(subject, message, None, [email]) for email in emails]
    return send_mass_mail(batch, fail_silently=False) if batch else 0


@task()
def mail_invitations(portal_id: int, emails: list[str], url: str) -> int:
    """Tell newly invited customers of a private portal where to sign in; returns how many."""
    portal = Portal.objects.get(pk=portal_id)
    message = (
        f"You are invited to {portal.title}, where {portal.workspace.name} collects ideas and "
        f"plans.\n\nSign in with this address here:\n{url}\n"
    )
    batch = [(f"You are invited to {portal.title}", message, None, [email]) for email in emails]
    return send_mass_mail(batch, fail_silently=False) if batch else 0


@task()
def purge_expired_sign_ins() -> dict[str, int]:
    """Delete expired portal sessions and sign-in links (queued by the first sign-in request
    of each hour; `northline portal cleanup` does the same from cron)."""
    from .services.signin import purge_expired  # the service module queues this task

    sessions, links = purge_expired()
    return {"sessions": sessions, "links": links}


@task()
def warm_similar_index(workspace_id: int) -> str:
    """Bring the workspace's stored similar-ideas index up to date (queued when an idea is
    published or merged); returns what it did."""
    from .services.similar import warm  # the service module queues this task

    workspace = Workspace.objects.filter(pk=workspace_id).first()
    return warm(workspace) if workspace is not None else "gone"
