"""Fixed-window rate limits kept in the database (shared by every app server)."""

from __future__ import annotations

import time

from django.db import IntegrityError, transaction
from django.db.models import F

from northline.core.errors import RateLimited
from northline.core.models import RateLimitHit


def hit(key: str, limit: int, window_seconds: int) -> None:
    """Count one attempt for `key`; raise RateLimited once `limit` is exceeded in the window."""
    window_start = int(time.time()) // window_seconds * window_seconds
    with transaction.atomic():
        updated = RateLimitHit.objects.filter(key=key, window_start=window_start).update(
            count=F("count") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    RateLimitHit.objects.create(key=key, window_start=window_start, count=1)
            except IntegrityError:
                RateLimitHit.objects.filter(key=key, window_start=window_start).update(
                    count=F("count") + 1
                )
        count = RateLimitHit.objects.get(key=key, window_start=window_start).count
        RateLimitHit.objects.filter(key=key, window_start__lt=window_start).delete()
    if count > limit:
        retry = window_start + window_seconds - int(time.time())
        raise RateLimited(f"Too many attempts; try again in {max(retry, 1)} seconds")


def reset(key: str) -> None:
    RateLimitHit.objects.filter(key=key).delete()
