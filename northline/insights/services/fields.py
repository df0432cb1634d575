"""Checks of input values shared by the insights verbs. Each returns the clean value or raises
`Invalid` with a message that names the field and the bad value."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from northline.accounts.services import clean_email
from northline.core.access import Access
from northline.core.errors import DomainError, Invalid

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)
DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class Errors:
    """Collects the messages of several checks, so that a form or an import shows all of them."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def check(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return fn(*args, **kwargs)
        except Invalid as error:
            self.messages.extend(error.errors or [error.message])
            return None

    def raise_any(self) -> None:
        if self.messages:
            raise Invalid(*self.messages)


def prefixed(error: DomainError, prefix: str) -> list[str]:
    """'rating: ...' → 'items[3].rating: ...' for an error about one part of the input; a
    message that names no field is put under the prefix itself ('items[3]: ...')."""
    result = []
    for message in error.errors or [error.message]:
        field, sep, _ = message.partition(": ")
        named = sep and re.fullmatch(r"[\w.\[\]]+", field)
        result.append(f"{prefix}.{message}" if named else f"{prefix}: {message}")
    return result


def text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{field}: must be text, got {value!r}")
    value = value.strip()
    if required and not value:
        raise Invalid(f"{field}: must not be empty")
    if len(value) > max_length:
        raise Invalid(f"{field}: must be at most {max_length} characters, got {len(value)}")
    return value


def surely_texts(values: Sequence[Any], max_length: int) -> list[str | None]:
    """What `text` returns for each value it surely accepts, by column: text that is not
    blank and at most `max_length` long once stripped; None for any other value, which `text`
    itself must judge (and name in its message). A file import's column (decision 0051)."""
    return [
        (s if (s := v.strip()) and len(s) <= max_length else None) if v.__class__ is str else None
        for v in values
    ]


def choice(value: Any, field: str, choices: Iterable[str]) -> str:
    options = list(choices)
    if value not in options:
        raise Invalid(f"{field}: {value!r} is not one of {', '.join(options)}")
    return str(value)


def email(value: Any, field: str = "email") -> str:
    """A lower-case address, or "" for none."""
    value = text(value, field, 254)
    return clean_email(value, field) if value else ""


def domain(value: Any, field: str = "domain") -> str:
    """ "https://www.Acme.com/" → "acme.com"; "" for none."""
    value = text(value, field, 300).lower()
    value = re.sub(r"^[a-z]+://", "", value).split("/")[0].removeprefix("www.")
    if value and not DOMAIN.match(value):
        raise Invalid(f"{field}: {value!r} is not a domain like acme.com")
    return value


def url(value: Any, field: str) -> str:
    value = text(value, field, 500)
    if value and not re.match(r"^https?://[^\s/]+", value, re.IGNORECASE):
        raise Invalid(f"{field}: {value!r} is not an http(s) URL")
    return value


def money(value: Any, field: str) -> Decimal:
    """A non-negative amount with at most two decimals, from a number or text like "1200.50"."""
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise Invalid(f"{field}: must be a number, got {value!r}")
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise Invalid(f"{field}: {value!r} is not a number") from None
    if not amount.is_finite():
        raise Invalid(f"{field}: must be a finite number, got {value!r}")
    if amount < 0:
        raise Invalid(f"{field}: must be 0 or more, got {value}")
    if amount >= Decimal("1e13"):
        raise Invalid(f"{field}: must be less than 10000000000000, got {value}")
    return amount.quantize(Decimal("0.01"))


def whole(value: Any, field: str, low: int, high: int) -> int | None:
    """A whole number in [low, high], or None for none."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{field}: must be a whole number from {low} to {high}, got {value!r}")
    if not low <= value <= high:
        raise Invalid(f"{field}: must be between {low} and {high}, got {value}")
    return value


def moment(value: Any, field: str) -> datetime | None:
    """A time from a datetime or ISO text ("2024-05-01T14:30"); naive means the server's zone."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        parsed = _parsed(parse_datetime, value) or _parsed(parse_datetime, value + "T00:00")
        if parsed is None:
            raise Invalid(f"{field}: {value!r} is not a date and time like 2024-05-01T14:30")
        value = parsed
    if not isinstance(value, datetime):
        raise Invalid(f"{field}: must be a date and time, got {value!r}")
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def surely_moments(values: Sequence[Any]) -> list[datetime | None]:
    """What `moment` returns for each value it surely accepts, by column: ISO text that
    `datetime.fromisoformat` reads, as Django's `parse_datetime` first tries, with a time zone
    (or made aware in the server's); None for any other value, which `moment` must judge."""
    parsed: list[datetime | None]
    try:
        parsed = [datetime.fromisoformat(v.strip()) for v in values]
    except (ValueError, TypeError, AttributeError):  # one value that is not ISO text
        parsed = [_iso(v) for v in values]
    return [d if d is None or d.utcoffset() is not None else timezone.make_aware(d) for d in parsed]


def _iso(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value.strip())
    except (ValueError, TypeError, AttributeError):
        return None


def _parsed(parse: Callable[[str], T | None], text: str) -> T | None:
    """Django's parse_date/parse_datetime, with None for "2024-13-01" too."""
    try:
        return parse(text.strip())
    except ValueError:
        return None


def day(value: Any, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    parsed = _parsed(parse_date, value) if isinstance(value, str) else None
    if parsed is None:
        raise Invalid(f"{field}: {value!r} is not a date like 2024-05-01")
    return parsed


SCALARS = (str, int, float, bool, type(None))


def attributes(value: Any, field: str = "attributes") -> dict[str, Any]:
    """Custom attributes: an object of names to text, numbers, true/false or null."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise Invalid(f"{field}: must be an object of names to values, got {value!r}")
    if len(value) > 100:
        raise Invalid(f"{field}: at most 100 attributes, got {len(value)}")
    clean: dict[str, Any] = {}
    for key, item in value.items():
        name = text(key, field, 60, required=True)
        if not isinstance(item, SCALARS) or (isinstance(item, float) and not math.isfinite(item)):
            raise Invalid(
                f"{field}.{name}: must be text, a number, true/false or null, got {item!r}"
            )
        if isinstance(item, str) and len(item) > 500:
            raise Invalid(f"{field}.{name}: must be at most 500 characters, got {len(item)}")
        clean[name] = item
    return clean


def record(access: Access, model: type[M], pk: Any, field: str) -> M | None:
    """The workspace's `model` row with id `pk` named by input; None for none."""
    if pk is None or pk == "":
        return None
    rows = model._default_manager.filter(workspace=access.workspace)
    found = rows.filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise Invalid(f"{field}: {pk!r} not found")
    return found


def unknown(fields: Mapping[str, Any], allowed: Iterable[str], noun: str) -> None:
    extra = sorted(set(fields) - set(allowed))
    if extra:
        raise Invalid(*(f"{name}: not a {noun} field" for name in extra))
