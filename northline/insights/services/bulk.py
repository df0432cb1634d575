"""All-or-nothing bulk writes: every item is tried, every error is reported with the item's
index ("items[3].rating: ..."), and one error leaves nothing written."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from northline.core.errors import DomainError, Invalid

from .fields import prefixed

MAX_ITEMS = 1000
MAX_ERRORS = 50


@dataclass
class BulkResult:
    created: int = 0
    updated: int = 0
    ids: list[int] = field(default_factory=list)


def run(
    items: Sequence[Mapping[str, Any]],
    upsert: Callable[[Mapping[str, Any]], tuple[int, bool]],
    key: Callable[[Mapping[str, Any]], tuple[str, str, Hashable] | None],
) -> BulkResult:
    """Apply `upsert` (→ id, created) to each item inside one transaction. `key` gives the
    identity of an item as (field, value shown, identity): two items with one are refused."""
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise Invalid(f"items: must be a list, got {items!r}")
    if not items:
        raise Invalid("items: must not be empty")
    if len(items) > MAX_ITEMS:
        raise Invalid(f"items: at most {MAX_ITEMS} per request, got {len(items)}")
    result = BulkResult()
    errors: list[str] = []
    seen: dict[Hashable, int] = {}
    with transaction.atomic():
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                errors.append(f"items[{index}]: must be an object, got {item!r}")
                continue
            identity = key(item)
            if identity is not None:
                name, shown, ident = identity
                if ident in seen:
                    errors.append(f"items[{index}].{name}: {shown!r} repeats items[{seen[ident]}]")
                    continue
                seen[ident] = index
            try:
                with transaction.atomic():
                    pk, created = upsert(item)
            except DomainError as error:
                errors.extend(prefixed(error, f"items[{index}]"))
            except IntegrityError:
                errors.append(f"items[{index}]: clashes with a record saved at the same time")
            else:
                result.ids.append(pk)
                result.created += created
                result.updated += not created
            if len(errors) >= MAX_ERRORS:
                errors.append(f"items: stopped after {MAX_ERRORS} errors at items[{index}]")
                break
        if errors:
            raise Invalid(*errors)
    return result
