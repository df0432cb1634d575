"""Domain verbs of planning: the decision log.

A decision records what was decided among which options, on what evidence (features, scenarios,
a simulation run, a portfolio plan), with which risks accepted, by whom, when, and when to look
at it again. A risk's exposure is probability (0..1) times impact (1..5), so 0..5; its level is
low below 1, medium below 2.5 and high from 2.5, and a decision's total exposure (the sum over
its risks) is labelled with the same bands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F, FloatField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from northline.accounts.models import User
from northline.accounts.services import clean_name
from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Invalid, NotFound
from northline.core.roles import MANAGE, WRITE

from .. import scoring
from ..models import Decision, DecisionRisk, Feature, PortfolioRun, Scenario, SimulationRun
from .analysis import checked_number
from .features import feature_by_ref, parse_ref
from .scenarios import scenario_by_name

# Activity verbs of this module, as the feed phrases them ("feature.created" → "created").
PHRASES: dict[str, str] = {
    "decision.created": "recorded the decision",
    "decision.updated": "changed the decision",
    "decision.revisited": "revisited the decision",
    "decision.reversed": "reversed the decision",
    "decision.deleted": "deleted the decision",
    "decision.risk_added": "accepted a risk on the decision",
    "decision.risk_removed": "removed a risk from the decision",
    "decision.evidence_linked": "linked evidence to the decision",
    "decision.evidence_unlinked": "unlinked evidence from the decision",
}

EDITABLE = (
    "title", "context", "options", "outcome", "status", "decided_by", "decided_on", "revisit_on",
    "features", "scenarios", "simulation", "portfolio",
)  # fmt: skip
MAX_OPTIONS = 20
# A standing decision still holds: it needs one chosen option and comes due on its revisit date.
STANDING = (Decision.Status.DECIDED, Decision.Status.REVISITED)
REVISIT_ENDS = (Decision.Status.REVISITED, Decision.Status.REVERSED)
PROBABILITY = scoring.UNIT
IMPACT = scoring.Domain(minimum=1.0, maximum=5.0)
LEVELS = ((1.0, "low"), (2.5, "medium"))  # exposure below the bound → the label; else "high"


def risk_level(exposure: float) -> str:
    """The level of an exposure: low below 1, medium below 2.5, high from 2.5."""
    return next((label for bound, label in LEVELS if exposure < bound), "high")


def total_exposure(decision: Decision) -> float:
    """The sum of probability times impact over the decision's risks (SQL-annotated in lists)."""
    annotated: float | None = getattr(decision, "exposure_total", None)
    if annotated is not None:
        return annotated
    return sum((risk.exposure for risk in decision.risks.all()), 0.0)


def is_due(decision: Decision, today: date | None = None) -> bool:
    """A standing decision whose revisit date has come (the row form of `due_filter`)."""
    today = today or timezone.localdate()
    return (
        decision.status in STANDING
        and decision.revisit_on is not None
        and decision.revisit_on <= today
    )


def due_filter(today: date | None = None) -> Q:
    return Q(status__in=STANDING, revisit_on__lte=today or timezone.localdate())


# --- queries ---------------------------------------------------------------------------------


def decisions(access: Access) -> QuerySet[Decision]:
    """The workspace's decisions with `exposure_total` summed in SQL; proposals (not decided
    yet, so without a date) first, then the most recently decided."""
    exposure = (
        DecisionRisk.objects.filter(decision=OuterRef("pk"))
        .values("decision")
        .annotate(total=Sum(F("probability") * F("impact")))
        .values("total")
    )
    return (
        Decision.objects.filter(workspace=access.workspace)
        .annotate(
            exposure_total=Coalesce(
                Subquery(exposure, output_field=FloatField()), Value(0.0), output_field=FloatField()
            )
        )
        .select_related("decided_by")
        .order_by(F("decided_on").desc(nulls_first=True), "-id")
    )


def decision_log(
    access: Access, *, status: str = "", feature: str = "", due: bool = False
) -> QuerySet[Decision]:
    """Decisions filtered by status, by a linked feature ("F-12") and to those due for revisit
    (a standing decision whose revisit date is today or past)."""
    rows = decisions(access)
    if status:
        rows = rows.filter(status=_choice(status, "status", Decision.Status.values))
    if feature:
        rows = rows.filter(features__number=parse_ref(feature, "feature"))
    if due:
        rows = rows.filter(due_filter())
    return rows


def decisions_for_feature(access: Access, feature: Feature) -> QuerySet[Decision]:
    """The decisions that cite `feature` as evidence, for the feature's page."""
    return decisions(access).filter(features=feature)


# --- validation ------------------------------------------------------------------------------


def _choice(value: str, field: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise Invalid(f"{field}: {value!r} is not one of {', '.join(choices)}")
    return value


def clean_options(raw: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """[{"name", "notes", "chosen"}] with names present, unique and at most 200 characters."""
    if len(raw) > MAX_OPTIONS:
        raise Invalid(f"options: at most {MAX_OPTIONS} options, got {len(raw)}")
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, option in enumerate(raw, start=1):
        name = str(option.get("name") or "").strip()
        if not name:
            raise Invalid(f"options: option {number} has no name")
        if len(name) > 200:
            raise Invalid(
                f"options: option {number} must be at most 200 characters, got {len(name)}"
            )
        if name.lower() in seen:
            raise Invalid(f"options: {name!r} is listed twice")
        seen.add(name.lower())
        notes = str(option.get("notes") or "").strip()
        cleaned.append({"name": name, "notes": notes, "chosen": bool(option.get("chosen"))})
    return cleaned


def _decider(access: Access, decision: Decision, who: User | str | None) -> User | None:
    """A workspace member given as a user or an e-mail address; None or "" for nobody. The
    current decider stays valid after leaving the workspace, so old entries remain editable."""
    if not who:
        return None
    email = who if isinstance(who, str) else who.email
    current = decision.decided_by
    if current is not None and current.email.lower() == email.strip().lower():
        return current
    membership = access.workspace.memberships.filter(user__email__iexact=email.strip()).first()
    if membership is None:
        raise Invalid(f"decided_by: {email!r} is not a member of this workspace")
    return membership.user


def _scenario(access: Access, value: str | int, field: str = "scenarios") -> Scenario:
    """A scenario by id (a number) or by name (text; digits fall back to the id)."""
    if isinstance(value, str) and not value.strip().isdigit():
        return scenario_by_name(access, value, field)
    if isinstance(value, str):
        found = Scenario.objects.filter(workspace=access.workspace, name__iexact=value.strip())
        if found.exists():
            return found.get()
    scenario = Scenario.objects.filter(workspace=access.workspace, pk=int(value)).first()
    if scenario is None:
        raise Invalid(f"{field}: scenario {value} not found")
    return scenario


def _run(access: Access, model: type[SimulationRun | PortfolioRun], run_id: int | None) -> Any:
    """The workspace's simulation or portfolio run `run_id`; None clears the link."""
    if run_id is None:
        return None
    run = model._default_manager.filter(workspace=access.workspace, pk=run_id).first()
    if run is None:
        field = "simulation" if model is SimulationRun else "portfolio"
        raise Invalid(f"{field}: run {run_id} not found")
    return run


def _day(value: date | str | None, field: str) -> date | None:
    """A date, an ISO date text ("2025-03-31") or None/"" for no date."""
    if not value or isinstance(value, date):
        return value or None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(f"{field}: {value!r} is not a date like 2025-03-31") from None


def _unique(items: Sequence[Any]) -> list[Any]:
    return list({getattr(item, "pk", item): item for item in items}.values())


def _apply(access: Access, decision: Decision, fields: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set the given fields on `decision` (unsaved); returns the new M2M links to set."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise Invalid(f"{sorted(unknown)[0]}: not a decision field")
    if "title" in fields:
        decision.title = clean_name(fields["title"], "title", 200)
    for text in ("context", "outcome"):
        if text in fields:
            setattr(decision, text, (fields[text] or "").strip())
    if "options" in fields:
        decision.options = clean_options(fields["options"] or [])
    if "status" in fields:
        decision.status = _choice(fields["status"], "status", Decision.Status.values)
    if "decided_by" in fields:
        decision.decided_by = _decider(access, decision, fields["decided_by"])
    for day in ("decided_on", "revisit_on"):
        if day in fields:
            setattr(decision, day, _day(fields[day], day))
    if "simulation" in fields:
        decision.simulation = _run(access, SimulationRun, fields["simulation"])
    if "portfolio" in fields:
        decision.portfolio = _run(access, PortfolioRun, fields["portfolio"])
    links: dict[str, list[Any]] = {}
    if "features" in fields:
        refs = fields["features"] or []
        links["features"] = _unique([feature_by_ref(access, ref, "features") for ref in refs])
    if "scenarios" in fields:
        links["scenarios"] = _unique([_scenario(access, s) for s in fields["scenarios"] or []])
    _settle(access, decision)
    return links


def _settle(access: Access, decision: Decision) -> None:
    """Fill who and when for a decided decision, then check the rules across fields."""
    if decision.status == Decision.Status.DECIDED:
        decision.decided_on = decision.decided_on or timezone.localdate()
        decision.decided_by = decision.decided_by or access.user
    chosen = sum(1 for option in decision.options if option["chosen"])
    if decision.status in STANDING and not decision.options:
        raise Invalid(f"options: a {decision.status} decision needs at least one option")
    if chosen > 1 or (decision.status in STANDING and chosen != 1):
        raise Invalid(f"options: choose one option, got {chosen} chosen")
    if decision.decided_on and decision.revisit_on and decision.revisit_on < decision.decided_on:
        raise Invalid(
            f"revisit_on: {decision.revisit_on.isoformat()} is before decided_on "
            f"{decision.decided_on.isoformat()}"
        )


def _snapshot(decision: Decision, links: Mapping[str, list[Any]] | None = None) -> dict[str, Any]:
    """The decision's fields as plain values for the activity diff; `links` overrides the
    stored features and scenarios with ones about to be set."""
    links = links or {}
    features = links.get("features", decision.features.all())
    scenarios = links.get("scenarios", decision.scenarios.all())
    return {
        "title": decision.title,
        "context": decision.context,
        "options": decision.options,
        "outcome": decision.outcome,
        "status": decision.status,
        "decided_by": decision.decided_by.email if decision.decided_by else None,
        "decided_on": decision.decided_on.isoformat() if decision.decided_on else None,
        "revisit_on": decision.revisit_on.isoformat() if decision.revisit_on else None,
        "features": sorted(f.ref for f in features),
        "scenarios": sorted(s.name for s in scenarios),
        "simulation": decision.simulation_id,
        "portfolio": decision.portfolio_id,
    }


def _save(decision: Decision, links: Mapping[str, list[Any]]) -> None:
    decision.save()
    if "features" in links:
        decision.features.set(links["features"])
    if "scenarios" in links:
        decision.scenarios.set(links["scenarios"])


# --- decisions -------------------------------------------------------------------------------


def create_decision(access: Access, title: str, **fields: Any) -> Decision:
    """A new log entry; `fields` as in EDITABLE. A decided one gets today and the caller as
    its date and decider unless given."""
    access.require(WRITE)
    decision = Decision(workspace=access.workspace)
    links = _apply(access, decision, {"title": title, **fields})
    with transaction.atomic():
        _save(decision, links)
        activity.record(
            access.workspace, access.user, "decision.created", decision,
            {"status": [None, decision.status]},
        )  # fmt: skip
    return decision


def update_decision(access: Access, decision: Decision, **fields: Any) -> Decision:
    """Change the given fields; the activity records what changed."""
    access.require(WRITE)
    before = _snapshot(decision)
    links = _apply(access, decision, fields)
    changes = activity.diff(before, _snapshot(decision, links))
    if changes:
        with transaction.atomic():
            _save(decision, links)
            activity.record(access.workspace, access.user, "decision.updated", decision, changes)
    return decision


def revisit(
    access: Access,
    decision: Decision,
    *,
    note: str,
    status: str = Decision.Status.REVISITED,
    revisit_on: date | None = None,
) -> Decision:
    """Look at a decision again: it still stands (revisited) or is reversed. The dated note is
    appended to the outcome; `revisit_on` is the next date to look again (None: no date)."""
    access.require(WRITE)
    status = _choice(status, "status", REVISIT_ENDS)
    note = (note or "").strip()
    if not note:
        raise Invalid("note: must not be empty; say what was learned")
    if decision.status == Decision.Status.PROPOSED:
        raise Invalid("status: a proposed decision cannot be revisited; decide it first")
    before = _snapshot(decision)
    today = timezone.localdate()
    label = Decision.Status(status).label.lower()
    entry = f"{today.isoformat()} · {label} by {access.user}: {note}"
    decision.outcome = f"{decision.outcome}\n\n{entry}".strip()
    decision.status, decision.revisit_on = status, revisit_on
    _settle(access, decision)
    changes = activity.diff(before, _snapshot(decision))
    with transaction.atomic():
        decision.save()
        activity.record(access.workspace, access.user, f"decision.{status}", decision, changes)
    return decision


def delete_decision(access: Access, decision: Decision) -> None:
    """Remove a log entry with its risks (admins: the log is a record, not a scratchpad)."""
    access.require(MANAGE)
    with transaction.atomic():
        activity.record(access.workspace, access.user, "decision.deleted", decision)
        decision.delete()


# --- risks -----------------------------------------------------------------------------------


def add_risk(
    access: Access,
    decision: Decision,
    description: str,
    probability: float,
    impact: float,
    mitigation: str = "",
) -> DecisionRisk:
    """Accept a risk with the decision: probability 0..1, impact 1..5."""
    access.require(WRITE)
    risk = DecisionRisk(
        decision=decision,
        description=clean_name(description, "description", 300),
        probability=checked_number(PROBABILITY, "probability", probability),
        impact=checked_number(IMPACT, "impact", impact),
        mitigation=(mitigation or "").strip(),
    )
    with transaction.atomic():
        risk.save()
        decision.save(update_fields=["updated_at"])
        activity.record(
            access.workspace, access.user, "decision.risk_added", decision,
            {"risk": [None, f"{risk.description} (p={risk.probability:g}, impact={risk.impact:g})"]},
        )  # fmt: skip
    return risk


def remove_risk(access: Access, decision: Decision, risk_id: int) -> None:
    access.require(WRITE)
    risk = decision.risks.filter(pk=risk_id).first()
    if risk is None:
        raise NotFound(f"risk {risk_id} not found")
    with transaction.atomic():
        risk.delete()
        decision.save(update_fields=["updated_at"])
        activity.record(
            access.workspace, access.user, "decision.risk_removed", decision,
            {"risk": [risk.description, None]},
        )  # fmt: skip


# --- evidence --------------------------------------------------------------------------------


def _evidence(access: Access, decision: Decision, verb: str, changes: dict[str, list[Any]]) -> None:
    decision.save(update_fields=["updated_at"])
    activity.record(access.workspace, access.user, f"decision.evidence_{verb}", decision, changes)


def link_feature(access: Access, decision: Decision, ref: str | int) -> Feature:
    """Cite a feature (by number: "F-12") as evidence; linking it twice is harmless."""
    access.require(WRITE)
    feature = feature_by_ref(access, ref, "features")
    if not decision.features.filter(pk=feature.pk).exists():
        with transaction.atomic():
            decision.features.add(feature)
            _evidence(access, decision, "linked", {"features": [None, feature.ref]})
    return feature


def unlink_feature(access: Access, decision: Decision, ref: str | int) -> None:
    access.require(WRITE)
    number = parse_ref(ref, "features")
    feature = decision.features.filter(number=number).first()
    if feature is None:
        raise NotFound(f"features: F-{number} is not linked to this decision")
    with transaction.atomic():
        decision.features.remove(feature)
        _evidence(access, decision, "unlinked", {"features": [feature.ref, None]})


def link_scenario(access: Access, decision: Decision, scenario: str | int) -> Scenario:
    """Cite a scenario (by id or name) as evidence; linking it twice is harmless."""
    access.require(WRITE)
    found = _scenario(access, scenario)
    if not decision.scenarios.filter(pk=found.pk).exists():
        with transaction.atomic():
            decision.scenarios.add(found)
            _evidence(access, decision, "linked", {"scenarios": [None, found.name]})
    return found


def unlink_scenario(access: Access, decision: Decision, scenario_id: int) -> None:
    access.require(WRITE)
    found = decision.scenarios.filter(pk=scenario_id).first()
    if found is None:
        raise NotFound(f"scenarios: scenario {scenario_id} is not linked to this decision")
    with transaction.atomic():
        decision.scenarios.remove(found)
        _evidence(access, decision, "unlinked", {"scenarios": [found.name, None]})
