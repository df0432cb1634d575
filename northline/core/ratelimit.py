"""Rate limits kept in the database (shared by every app server), as a sliding window.

Each key counts its attempts per fixed window; an attempt is refused when this window's count
plus the previous window's, weighted by how much of the previous window still lies within
`window_seconds` of now, exceeds the limit (the estimate Cloudflare describes for its limits).
A plain fixed window would let a burst of twice the limit through across a window boundary,
and would refuse or admit the same burst depending on where that boundary falls."""

from __future__ import annotations

import math
import time

from django.db import IntegrityError, transaction
from django.db.models import F

from northline.core.errors import RateLimited
from northline.core.models import RateLimitHit


def hit(key: str, limit: int, window_seconds: int) -> None:
    """Count one attempt for `key`; raise RateLimited once more than `limit` attempts fall
    within the last `window_seconds` (estimated as above)."""
    now = time.time()
    start = int(now) // window_seconds * window_seconds
    with transaction.atomic():
        count = _add(key, start)
        previous = (
            RateLimitHit.objects.filter(key=key, window_start=start - window_seconds)
            .values_list("count", flat=True)
            .first()
        ) or 0
        RateLimitHit.objects.filter(key=key, window_start__lt=start - window_seconds).delete()
    elapsed = (now - start) / window_seconds
    if count + previous * (1 - elapsed) > limit:
        wait = _wait(elapsed, previous, count, limit) * window_seconds
        raise RateLimited(f"Too many attempts; try again in {max(math.ceil(wait), 1)} seconds")


def _wait(elapsed: float, previous: int, count: int, limit: int) -> float:
    """In windows, how long until one more attempt would be admitted if none came meanwhile:
    later in this window while the previous window's weight fades, else in the next one,
    where this window's count becomes the previous and fades in turn."""
    if count + 1 <= limit:
        return max(1 - (limit - count - 1) / previous - elapsed, 0)
    return 1 - elapsed + max(1 - (limit - 1) / count, 0)


def first_in_window(key: str, window_seconds: int) -> bool:
    """Whether this is the first call for `key` in its fixed window of `window_seconds`
    (across all app servers): for work that should run once per window, not a limit."""
    start = int(time.time()) // window_seconds * window_seconds
    with transaction.atomic():
        count = _add(key, start)
        RateLimitHit.objects.filter(key=key, window_start__lt=start).delete()
    return count == 1


def _add(key: str, start: int) -> int:
    """Add one to the count of `key` in the window beginning at `start`; returns the count."""
    updated = RateLimitHit.objects.filter(key=key, window_start=start).update(count=F("count") + 1)
    if not updated:
        try:
            with transaction.atomic():
                RateLimitHit.objects.create(key=key, window_start=start, count=1)
        except IntegrityError:
            RateLimitHit.objects.filter(key=key, window_start=start).update(count=F("count") + 1)
    return RateLimitHit.objects.get(key=key, window_start=start).count


def reset(key: str) -> None:
    RateLimitHit.objects.filter(key=key).delete()
