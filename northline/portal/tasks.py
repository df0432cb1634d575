"""Background tasks of the portal: e-mail to an idea's followers."""

from __future__ import annotations

from django.core.mail import send_mass_mail
from django_tasks import task

from .models import Follow


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
