"""`{{ moment|ago }}`: how long ago, as a person says it ("just now", "5 minutes ago")."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(moment: datetime | None) -> str:
    """Under a minute "just now" (Django's `timesince` says "0 minutes"), else its words and
    "ago"; empty for no moment."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"
