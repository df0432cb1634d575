"""What keeps spam out of a public portal: rate limits per client address and per customer on
every write a visitor can make, and a honeypot field that people leave empty and bots fill.

Limits are (attempts, window in seconds), counted in the shared database counters of
`northline.core.ratelimit`, so that every app server enforces the same budget.
"""

from __future__ import annotations

from northline.core import ratelimit
from northline.core.errors import Invalid

HOUR = 3600
# action: (per client address, per customer or e-mail address), each (limit, window seconds)
LIMITS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "sign_in": ((10, HOUR), (5, HOUR)),
    "idea": ((20, HOUR), (10, HOUR)),
    "comment": ((60, HOUR), (30, HOUR)),
    "vote": ((200, HOUR), (100, HOUR)),
    "similar": ((1200, HOUR), (1200, HOUR)),
}
HONEYPOT = "website"


def limit(action: str, workspace_id: int, client: str, who: str | None = None) -> None:
    """Count one `action`; RateLimited once the client or the person (`who`: a customer id or
    an e-mail address; None for an anonymous read) has done it too often in its window."""
    (client_limit, client_window), (own_limit, own_window) = LIMITS[action]
    ratelimit.hit(f"portal:{action}:{workspace_id}:client:{client}", client_limit, client_window)
    if who is not None:
        ratelimit.hit(f"portal:{action}:{workspace_id}:who:{who}", own_limit, own_window)


def check_honeypot(value: str | None) -> None:
    """A filled-in honeypot (a field hidden from people) marks a bot: refuse, save nothing."""
    if value:
        raise Invalid(f"{HONEYPOT}: leave this field empty")
