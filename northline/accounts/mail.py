"""E-mail that accounts sends."""

from __future__ import annotations

from django.core.mail import send_mail

from .models import Invitation


def send_invitation(invitation: Invitation, link: str) -> None:
    """Mail the link to the invited address (the link is shown to the inviter as well)."""
    inviter = invitation.created_by
    who = f"{inviter} ({inviter.email})" if inviter else "A member"
    send_mail(
        subject=f"You are invited to {invitation.workspace.name} on Northline",
        message=(
            f"{who} invited you to join {invitation.workspace.name} on Northline as "
            f"{invitation.role}.\n\nOpen this link to join (it works once, until "
            f"{invitation.expires_at:%Y-%m-%d}):\n{link}\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )
