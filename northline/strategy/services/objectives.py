"""Domain verbs of OKRs: objectives per product and period, key results bound to KPIs,
confidence check-ins, and the progress of each read from its KPI's data.

Progress is never typed in: `readings` takes each key result's latest KPI value in its window
(from the period's start to today or the due date) and hands the numbers to the pure
`northline.strategy.progress`, which states the rule the pages show.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from northline.accounts.models import User
from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Invalid
from northline.core.roles import WRITE
from northline.insights.services import fields as check
from northline.metrics.models import Kpi
from northline.metrics.services import Point, series

from .. import periods, progress
from ..models import CheckIn, KeyResult, Objective, Product

OBJECTIVE_FIELDS = ("title", "description", "period", "owner", "parent")
KEY_RESULT_FIELDS = ("title", "kpi", "start", "target", "direction", "due_on")
# Confidence words map onto the 0-10 scale at these points, and back by these bands.
CONFIDENCE_WORDS = {"low": 3, "medium": 6, "high": 9}


def confidence_label(value: int) -> str:
    return "low" if value <= 3 else "medium" if value <= 6 else "high"


# --- checks ----------------------------------------------------------------------------------


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or value is None or value == "":
        raise Invalid(f"{field}: must be a number, got {value!r}")
    try:
        number = (
            float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
        )
    except (TypeError, ValueError):
        raise Invalid(f"{field}: must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise Invalid(f"{field}: must be a finite number, got {value!r}")
    return number


def _day(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(f"{field}: {value!r} is not a date like 2026-12-31") from None


def _member(access: Access, value: User | str | None, field: str = "owner") -> User | None:
    if not value:
        return None
    email = value if isinstance(value, str) else value.email
    membership = access.workspace.memberships.filter(user__email__iexact=email.strip()).first()
    if membership is None:
        raise Invalid(f"{field}: {email!r} is not a member of this workspace")
    return membership.user


def kpi_by_ref(access: Access, value: Kpi | int | str | None, field: str = "kpi") -> Kpi | None:
    """A KPI of the workspace by id or key; None or "" for none."""
    if value is None or value == "":
        return None
    if isinstance(value, Kpi):
        value = value.pk
    rows = Kpi.objects.filter(workspace=access.workspace)
    text = str(value).strip()
    found = rows.filter(pk=int(text)).first() if text.isdigit() else rows.filter(key=text).first()
    if found is None:
        raise Invalid(f"{field}: KPI {value!r} not found")
    return found


def _unknown(fields: Mapping[str, Any], allowed: Iterable[str], noun: str) -> None:
    extra = sorted(set(fields) - set(allowed))
    if extra:
        raise Invalid(*(f"{name}: not a {noun} field" for name in extra))


def parse_confidence(value: Any) -> int:
    """0-10, or one of the words low / medium / high (3, 6 and 9)."""
    text = "" if value is None else str(value).strip().lower()
    if text in CONFIDENCE_WORDS:
        return CONFIDENCE_WORDS[text]
    if text.isdigit() and 0 <= int(text) <= 10 and not isinstance(value, (bool, float)):
        return int(text)
    raise Invalid(f"confidence: must be 0 to 10 or low, medium, high, got {value!r}")


# --- objectives ------------------------------------------------------------------------------


def objectives(
    access: Access, *, product: Product | None = None, period: str = ""
) -> QuerySet[Objective]:
    """The workspace's objectives, optionally of one product and those overlapping `period`."""
    rows = Objective.objects.filter(workspace=access.workspace)
    if product is not None:
        rows = rows.filter(product=product)
    if period:
        span = periods.parse(period)
        rows = rows.filter(starts_on__lte=span.end, ends_on__gte=span.start)
    return rows.select_related("owner", "product", "parent").prefetch_related(
        Prefetch("key_results", KeyResult.objects.select_related("kpi").prefetch_related(
            Prefetch("check_ins", CheckIn.objects.select_related("author"))
        ))
    )  # fmt: skip


def _check_parent(objective: Objective, parent: Objective | None) -> None:
    node = parent
    while node is not None:
        if objective.pk is not None and node.pk == objective.pk:
            raise Invalid(
                f"parent: {parent} is {objective} or sits under it; that would make a loop"
            )
        node = node.parent


def _apply_objective(access: Access, objective: Objective, fields: Mapping[str, Any]) -> None:
    _unknown(fields, OBJECTIVE_FIELDS, "objective")
    if "title" in fields:
        objective.title = check.text(fields["title"], "title", 200, required=True)
    if "description" in fields:
        objective.description = check.text(fields["description"], "description", 5000)
    if "period" in fields:
        span = periods.parse(str(fields["period"] or ""))
        objective.period, objective.starts_on, objective.ends_on = span.label, span.start, span.end
    if "owner" in fields:
        objective.owner = _member(access, fields["owner"])
    if "parent" in fields:
        parent = fields["parent"]
        if parent not in (None, "") and not isinstance(parent, Objective):
            text = str(parent).strip()
            parent = Objective.objects.filter(
                workspace=access.workspace, pk=int(text) if text.isdigit() else 0
            ).first()
            if parent is None:
                raise Invalid(f"parent: objective {fields['parent']!r} not found")
        _check_parent(objective, parent or None)
        objective.parent = parent or None


def _snapshot(objective: Objective) -> dict[str, Any]:
    return {
        "title": objective.title, "description": objective.description,
        "period": objective.period, "owner": objective.owner.email if objective.owner else None,
        "parent": objective.parent_id,
    }  # fmt: skip


def create_objective(
    access: Access, product: Product, title: str, period: str, **fields: Any
) -> Objective:
    access.require(WRITE)
    objective = Objective(workspace=access.workspace, product=product)
    _apply_objective(access, objective, {"title": title, "period": period, **fields})
    with transaction.atomic():
        objective.save()
        activity.record(access.workspace, access.user, "objective.created", objective)
    return objective


def update_objective(access: Access, objective: Objective, **fields: Any) -> Objective:
    access.require(WRITE)
    before = _snapshot(objective)
    _apply_objective(access, objective, fields)
    changes = activity.diff(before, _snapshot(objective))
    if changes:
        with transaction.atomic():
            objective.save()
            activity.record(access.workspace, access.user, "objective.updated", objective, changes)
    return objective


def delete_objective(access: Access, objective: Objective) -> None:
    """Delete the objective with its key results and check-ins; its children move up."""
    access.require(WRITE)
    with transaction.atomic():
        activity.record(access.workspace, access.user, "objective.deleted", objective)
        objective.children.update(parent=objective.parent)
        objective.delete()


# --- key results -----------------------------------------------------------------------------


def _check_key_result(kr: KeyResult) -> None:
    """Start, target and direction agree; the due date falls in or after the period."""
    if kr.target == kr.start:
        raise Invalid(f"target: must differ from start ({kr.start:g})")
    if kr.direction == KeyResult.Direction.INCREASE and kr.target < kr.start:
        raise Invalid(
            f"target: an increase needs a target above the start ({kr.start:g}), got {kr.target:g}"
        )
    if kr.direction == KeyResult.Direction.DECREASE and kr.target > kr.start:
        raise Invalid(
            f"target: a decrease needs a target below the start ({kr.start:g}), got {kr.target:g}"
        )
    if kr.due_on < kr.objective.starts_on:
        raise Invalid(
            f"due_on: must not be before the period starts ({kr.objective.starts_on.isoformat()}), "
            f"got {kr.due_on.isoformat()}"
        )


def _apply_key_result(access: Access, kr: KeyResult, fields: Mapping[str, Any]) -> None:
    _unknown(fields, KEY_RESULT_FIELDS, "key result")
    if "title" in fields:
        kr.title = check.text(fields["title"], "title", 200, required=True)
    if "kpi" in fields:
        kr.kpi = kpi_by_ref(access, fields["kpi"])
    for name in ("start", "target"):
        if name in fields:
            setattr(kr, name, _number(fields[name], name))
    if "due_on" in fields:
        value = fields["due_on"]
        kr.due_on = kr.objective.ends_on if value in (None, "") else _day(value, "due_on")
    if fields.get("direction") not in (None, ""):
        direction = str(fields["direction"])
        if direction not in KeyResult.Direction.values:
            raise Invalid(f"direction: {direction!r} is not one of increase, decrease")
        kr.direction = direction
    elif not kr.direction or "direction" in fields:
        kr.direction = "decrease" if kr.target < kr.start else "increase"
    _check_key_result(kr)


def create_key_result(access: Access, objective: Objective, title: str, **fields: Any) -> KeyResult:
    """A key result; `direction` follows from start and target when not given, and `due_on`
    defaults to the end of the objective's period."""
    access.require(WRITE)
    missing = [name for name in ("start", "target") if name not in fields]
    if missing:
        raise Invalid(*(f"{name}: must be a number, got None" for name in missing))
    kr = KeyResult(workspace=access.workspace, objective=objective, due_on=objective.ends_on)
    _apply_key_result(access, kr, {"title": title, **fields})
    with transaction.atomic():
        kr.save()
        activity.record(access.workspace, access.user, "key_result.created", kr)
    return kr


def _kr_snapshot(kr: KeyResult) -> dict[str, Any]:
    return {
        "title": kr.title, "kpi": kr.kpi_id, "start": kr.start, "target": kr.target,
        "direction": kr.direction, "due_on": kr.due_on.isoformat(),
    }  # fmt: skip


def update_key_result(access: Access, kr: KeyResult, **fields: Any) -> KeyResult:
    access.require(WRITE)
    before = _kr_snapshot(kr)
    _apply_key_result(access, kr, fields)
    changes = activity.diff(before, _kr_snapshot(kr))
    if changes:
        with transaction.atomic():
            kr.save()
            activity.record(access.workspace, access.user, "key_result.updated", kr, changes)
    return kr


def delete_key_result(access: Access, kr: KeyResult) -> None:
    access.require(WRITE)
    with transaction.atomic():
        activity.record(access.workspace, access.user, "key_result.deleted", kr)
        kr.delete()


def check_in(access: Access, kr: KeyResult, confidence: Any, comment: str = "") -> CheckIn:
    """Record how confident the team is now; earlier check-ins stay as the history."""
    access.require(WRITE)
    level = parse_confidence(confidence)
    text = check.text(comment, "comment", 5000)
    with transaction.atomic():
        made = CheckIn.objects.create(
            workspace=access.workspace, key_result=kr, confidence=level, comment=text,
            author=access.user,
        )  # fmt: skip
        activity.record(
            access.workspace, access.user, "key_result.checked_in", kr, {"confidence": level}
        )
    return made


# --- progress --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """A key result as measured: the KPI's latest value in its window and what it means."""

    key_result: KeyResult
    current: float | None
    as_of: date | None
    points: list[Point]
    assessment: progress.Assessment

    @property
    def confidence(self) -> CheckIn | None:
        check_ins = list(self.key_result.check_ins.all())
        return check_ins[0] if check_ins else None


def window_end(kr: KeyResult, today: date) -> date:
    return min(today, kr.due_on)


def _measure(kr: KeyResult, today: date) -> tuple[float | None, date | None, list[Point]]:
    if kr.kpi is None or today < kr.objective.starts_on:
        return None, None, []
    points = series(kr.kpi, kr.objective.starts_on, window_end(kr, today)).points
    measured = [p for p in points if p.value is not None]
    if not measured:
        return None, None, points
    return measured[-1].value, measured[-1].time, points


def readings(key_results: Iterable[KeyResult], today: date | None = None) -> list[Reading]:
    """Each key result's current KPI value, progress and status, in one vectorised pass."""
    today = today or timezone.localdate()
    rows = list(key_results)
    measured = [_measure(kr, today) for kr in rows]
    assessments = progress.assess(
        np.array([kr.start for kr in rows], dtype=np.float64),
        np.array([kr.target for kr in rows], dtype=np.float64),
        np.array([np.nan if m[0] is None else m[0] for m in measured], dtype=np.float64),
        np.array([progress.elapsed(kr.objective.starts_on, kr.due_on, today) for kr in rows]),
    )
    return [
        Reading(kr, value, as_of, points, assessment)
        for kr, (value, as_of, points), assessment in zip(rows, measured, assessments, strict=True)
    ]


@dataclass(frozen=True)
class ObjectiveProgress:
    objective: Objective
    readings: list[Reading]
    assessment: progress.Assessment


def objective_progress(objective: Objective, today: date | None = None) -> ObjectiveProgress:
    today = today or timezone.localdate()
    found = readings(objective.key_results.all(), today)
    expected = progress.elapsed(objective.starts_on, objective.ends_on, today)
    rolled = progress.roll_up([r.assessment.progress for r in found], expected)
    return ObjectiveProgress(objective, found, rolled)
