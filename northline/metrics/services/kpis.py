"""Domain verbs of the KPI catalogue: create, change and delete KPIs; targets and manual
annotations. Each verb validates every field at once (messages name the field and the value),
writes in one transaction and records activity."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError, Q, QuerySet, RestrictedError
from django.utils.text import slugify

from northline.accounts.models import User
from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Conflict, Invalid
from northline.core.roles import WRITE
from northline.insights.services import fields as check
from northline.insights.services.feedback import tag_names
from northline.insights.services.fields import Errors

from ..models import Annotation, Kpi, Survey, Target

FIELDS = (
    "name", "key", "definition", "unit", "direction", "aggregation", "numerator", "denominator",
    "granularity", "owner", "tags", "north_star",
)  # fmt: skip
KEY_LENGTH = 80


def kpis(access: Access, tag: str = "", q: str = "") -> QuerySet[Kpi]:
    """The workspace's catalogue, north star first; filtered by tag and by text in the name,
    key or definition."""
    rows = Kpi.objects.filter(workspace=access.workspace).select_related(
        "owner", "numerator", "denominator"
    )
    if q.strip():
        text = q.strip()
        rows = rows.filter(
            Q(name__icontains=text) | Q(key__icontains=text) | Q(definition__icontains=text)
        )
    if tag.strip():
        rows = rows.filter(pk__in=[k.pk for k in rows if tag.strip().lower() in k.tags])
    return rows


def kpi_by_key(access: Access, key: str, field: str = "kpi") -> Kpi:
    found = Kpi.objects.filter(workspace=access.workspace, key=key).first()
    if found is None:
        raise Invalid(f"{field}: no KPI with the key {key!r}")
    return found


def _key(value: Any) -> str:
    key = check.text(value, "key", KEY_LENGTH)
    if key and slugify(key) != key:
        raise Invalid(
            f"key: use lower-case letters, digits and dashes, like {slugify(key)!r} ({key!r})"
        )
    return key


def _flag(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("on", "true", "1", 1):
        return True
    if value in ("", "off", "false", "0", 0, None):
        return False
    raise Invalid(f"{field}: must be true or false, got {value!r}")


CHECKS: dict[str, Callable[[Any], Any]] = {
    "name": lambda v: check.text(v, "name", 200, required=True),
    "key": _key,
    "definition": lambda v: check.text(v, "definition", 5000),
    "unit": lambda v: check.text(v, "unit", 40),
    "direction": lambda v: check.choice(v, "direction", Kpi.Direction.values),
    "aggregation": lambda v: check.choice(v, "aggregation", Kpi.Aggregation.values),
    "granularity": lambda v: check.choice(v, "granularity", Kpi.Granularity.values),
    "tags": tag_names,
    "north_star": lambda v: _flag(v, "north_star"),
}


def _values(access: Access, fields: Mapping[str, Any], kpi: Kpi | None) -> dict[str, Any]:
    errors = Errors()
    errors.check(check.unknown, fields, FIELDS, "KPI")
    values: dict[str, Any] = {
        name: errors.check(CHECKS[name], value) for name, value in fields.items() if name in CHECKS
    }
    for part in ("numerator", "denominator"):
        if part in fields:
            values[part] = errors.check(_part, access, fields[part], part, kpi)
    if "owner" in fields:
        values["owner"] = errors.check(_member, access, fields["owner"])
    errors.raise_any()
    return values


def _part(access: Access, key: Any, field: str, kpi: Kpi | None) -> Kpi | None:
    """A ratio's numerator or denominator, by key; never the KPI itself."""
    if key is None or key == "":
        return None
    if isinstance(key, Kpi):
        key = key.key
    if not isinstance(key, str):
        raise Invalid(f"{field}: must be a KPI key, got {key!r}")
    part = kpi_by_key(access, key, field)
    if kpi is not None and part.pk == kpi.pk:
        raise Invalid(f"{field}: a ratio cannot divide by or into itself ({key!r})")
    if part.is_ratio:
        raise Invalid(f"{field}: {key!r} is itself a ratio; use KPIs that hold points")
    return part


def _member(access: Access, who: Any) -> User | None:
    if who is None or who == "":
        return None
    email = who.email if isinstance(who, User) else who
    if not isinstance(email, str):
        raise Invalid(f"owner: must be a member's e-mail address, got {who!r}")
    membership = access.workspace.memberships.filter(user__email__iexact=email.strip()).first()
    if membership is None:
        raise Invalid(f"owner: {email!r} is not a member of this workspace")
    return membership.user


def _consistent(kpi: Kpi) -> None:
    """A ratio names both parts; any other aggregation names none."""
    if kpi.is_ratio and (kpi.numerator is None or kpi.denominator is None):
        missing = [p for p in ("numerator", "denominator") if getattr(kpi, p) is None]
        raise Invalid(*(f"{p}: a ratio KPI needs a {p} KPI" for p in missing))
    if not kpi.is_ratio and (kpi.numerator or kpi.denominator):
        raise Invalid(
            f"aggregation: only a ratio has a numerator and denominator ({kpi.aggregation!r})"
        )
    if kpi.is_ratio and kpi.pk and kpi.points.exists():
        raise Invalid("aggregation: this KPI holds points; a ratio is computed from two other KPIs")


def _taken(access: Access, key: str, kpi: Kpi | None) -> None:
    rows = Kpi.objects.filter(workspace=access.workspace, key=key)
    if kpi is not None:
        rows = rows.exclude(pk=kpi.pk)
    if rows.exists():
        raise Conflict(f"key: {key!r} is already used by another KPI")


def _free_key(access: Access, name: str) -> str:
    base = slugify(name)[: KEY_LENGTH - 4] or "kpi"
    used = set(
        Kpi.objects.filter(workspace=access.workspace, key__startswith=base).values_list(
            "key", flat=True
        )
    )
    return next(
        k for n in range(1, len(used) + 2) if (k := base if n == 1 else f"{base}-{n}") not in used
    )


def create_kpi(access: Access, **fields: Any) -> Kpi:
    access.require(WRITE)
    values = _values(access, fields, None)
    with transaction.atomic():
        key = values.pop("key", "") or _free_key(access, values.get("name") or "")
        _taken(access, key, None)
        kpi = Kpi(workspace=access.workspace, key=key, created_by=access.user, **values)
        _consistent(kpi)
        kpi.save()
        activity.record(access.workspace, access.user, "kpi.created", kpi)
    return kpi


def snapshot(kpi: Kpi) -> dict[str, Any]:
    return {
        "name": kpi.name, "key": kpi.key, "definition": kpi.definition, "unit": kpi.unit,
        "direction": kpi.direction, "aggregation": kpi.aggregation,
        "numerator": kpi.numerator.key if kpi.numerator else None,
        "denominator": kpi.denominator.key if kpi.denominator else None,
        "granularity": kpi.granularity, "owner": kpi.owner.email if kpi.owner else None,
        "tags": kpi.tags, "north_star": kpi.north_star,
    }  # fmt: skip


def update_kpi(access: Access, kpi: Kpi, **fields: Any) -> Kpi:
    access.require(WRITE)
    values = _values(access, fields, kpi)
    with transaction.atomic():
        before = snapshot(kpi)
        if values.get("key") == "":
            values.pop("key")
        if "key" in values:
            _taken(access, values["key"], kpi)
        for name, value in values.items():
            setattr(kpi, name, value)
        _consistent(kpi)
        kpi.save()
        changes = activity.diff(before, snapshot(kpi))
        if changes:
            activity.record(access.workspace, access.user, "kpi.changed", kpi, changes)
    return kpi


def delete_kpi(access: Access, kpi: Kpi) -> None:
    access.require(WRITE)
    users = Kpi.objects.filter(Q(numerator=kpi) | Q(denominator=kpi)).values_list("key", flat=True)
    if users:
        raise Conflict(
            f"kpi: {kpi.key!r} is part of the ratio {', '.join(map(repr, users))}; delete that first"
        )
    survey = Survey.objects.filter(kpi=kpi).first()
    if survey is not None:
        raise Conflict(f"kpi: {kpi.key!r} holds the scores of the survey {survey.name!r}")
    try:
        with transaction.atomic():
            activity.record(access.workspace, access.user, "kpi.deleted", kpi, {"key": kpi.key})
            kpi.delete()
    except (ProtectedError, RestrictedError) as error:
        used = sorted({f"{o._meta.verbose_name} {o}" for o in error.args[1]})
        raise Conflict(f"kpi: {kpi.key!r} is still used by {', '.join(used)}") from None


# --- targets ---------------------------------------------------------------------------------


def _number(value: Any, field: str) -> float:
    from .points import number

    result = number(value, field)
    if result is None:
        raise Invalid(f"{field}: must be a number")
    return result


def _required_day(value: Any, field: str, example: str) -> date:
    found = check.day(value, field)
    if found is None:
        raise Invalid(f"{field}: must be a date like {example}")
    return found


def add_target(
    access: Access, kpi: Kpi, *, start: Any, end: Any, value: Any, tolerance: Any = 0
) -> Target:
    access.require(WRITE)
    errors = Errors()
    first = errors.check(_required_day, start, "start", "2026-01-01")
    last = errors.check(_required_day, end, "end", "2026-03-31")
    amount = errors.check(_number, value, "value")
    margin = errors.check(_number, 0 if tolerance in (None, "") else tolerance, "tolerance")
    if first and last and last < first:
        errors.messages.append(f"end: must not be before start ({last} < {first})")
    if margin is not None and margin < 0:
        errors.messages.append(f"tolerance: must be 0 or more, got {tolerance}")
    errors.raise_any()
    assert first and last and amount is not None and margin is not None
    with transaction.atomic():
        target = Target.objects.create(
            workspace=access.workspace, kpi=kpi, start=first, end=last, value=amount,
            tolerance=margin,
        )  # fmt: skip
        activity.record(
            access.workspace, access.user, "kpi.target_set", kpi,
            {"start": str(first), "end": str(last), "value": amount},
        )  # fmt: skip
    return target


def delete_target(access: Access, target: Target) -> None:
    access.require(WRITE)
    with transaction.atomic():
        activity.record(access.workspace, access.user, "kpi.target_removed", target.kpi)
        target.delete()


# --- manual annotations ----------------------------------------------------------------------


def add_annotation(access: Access, kpi: Kpi | None, *, day: Any, text: Any) -> Annotation:
    access.require(WRITE)
    errors = Errors()
    when = errors.check(_required_day, day, "date", "2026-01-01")
    note = errors.check(check.text, text, "text", 200, required=True)
    errors.raise_any()
    assert when is not None and note is not None
    with transaction.atomic():
        annotation = Annotation.objects.create(
            workspace=access.workspace, kpi=kpi, date=when, text=note, created_by=access.user
        )
        activity.record(access.workspace, access.user, "annotation.created", annotation)
    return annotation


def delete_annotation(access: Access, annotation: Annotation) -> None:
    access.require(WRITE)
    with transaction.atomic():
        activity.record(access.workspace, access.user, "annotation.deleted", annotation)
        annotation.delete()
