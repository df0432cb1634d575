"""What the portal e-mails: sign-in links to customers, and news of an idea to its followers
(status changes, official team replies), sent by a background task once the change commits."""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import transaction

from ..models import Idea, Portal, SignInLink
from ..tasks import mail_followers
from .signin import LINK_MINUTES


def send_sign_in_link(portal: Portal, link: SignInLink, url: str) -> None:
    send_mail(
        subject=f"Sign in to {portal.title}",
        message=(
            f"Open this link to sign in to {portal.title} (it works once, for {LINK_MINUTES} "
            f"minutes):\n{url}\n\nIf you did not ask for it, ignore this e-mail."
        ),
        from_email=None,
        recipient_list=[link.email],
    )


def tell_followers(idea: Idea, subject: str, news: str, url: str) -> None:
    """Queue the e-mail to the idea's followers for when the current transaction commits."""
    message = f"{news}\n\n{idea.title}\n{url}\n\nYou get this because you follow the idea."
    transaction.on_commit(lambda: mail_followers.enqueue(idea.pk, subject, message))
