"""Domain verbs of insights: feedback. Intake of one item or many (idempotent by source and
external id: sending an item again updates it), changes, triage (status, assignee), archiving;
and the inbox's queries, whose counts come from the tally or are aggregated in SQL.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from northline.accounts.models import User
from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Conflict, Invalid
from northline.core.roles import WRITE
from northline.planning.models import Feature

from ..models import Company, Customer, Feedback, FeedbackLink, Tag, Theme
from . import bulk, processing, search, tally
from . import customers as people
from . import fields as check
from .fields import Errors
from .links import copied_fields, feature_of, relocate, save_moved

Source = Feedback.Source
Status = Feedback.Status
FIELDS = (
    "text", "title", "source", "received_at", "rating", "external_url", "external_id", "tags",
    "customer", "company", "status", "assignee",
)  # fmt: skip
MAX_TEXT = 50_000
MAX_TAGS = 20
MAX_QUERY = 1000  # a pasted sentence or two; search.words keeps its first words
CLOCK_SKEW = timedelta(minutes=5)
TABS = ("open", "new", "triaged", "linked", "archived", "all")


def tag_names(value: Any, field: str = "tags") -> list[str]:
    """Tags from a list or comma-separated text: trimmed, lower-case, without repeats."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise Invalid(f"{field}: must be a list of names, got {value!r}")
    names: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise Invalid(f"{field}[{index}]: must be text, got {item!r}")
        name = " ".join(item.split()).lower()
        if not name and not isinstance(value, str):
            raise Invalid(f"{field}[{index}]: must not be empty")
        if len(name) > 50:
            raise Invalid(f"{field}[{index}]: must be at most 50 characters, got {len(name)}")
        if name and name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise Invalid(f"{field}: at most {MAX_TAGS} tags, got {len(names)}")
    return names


def _received_at(value: Any) -> Any:
    moment = check.moment(value, "received_at")
    if moment is not None and moment > timezone.now() + CLOCK_SKEW:
        raise Invalid(f"received_at: {moment.isoformat()} is in the future")
    return moment


def _lines(text: str) -> str:
    """A browser's line breaks as plain ones."""
    return text.replace("\r\n", "\n")


CHECKS: dict[str, Callable[[Any], Any]] = {
    "text": lambda v: _lines(check.text(v, "text", MAX_TEXT, required=True)),
    "title": lambda v: check.text(v, "title", 200),
    "source": lambda v: check.choice(v, "source", Source.values),
    "received_at": _received_at,
    "rating": lambda v: check.whole(v, "rating", 1, 5),
    "external_url": lambda v: check.url(v, "external_url"),
    "external_id": lambda v: check.text(v, "external_id", 200),
    "tags": tag_names,
    "status": lambda v: check.choice(v, "status", Status.values),
}


TEXTS = {"text": MAX_TEXT, "title": 200, "external_id": 200}  # the fields CHECKS takes as text


def clean_column(name: str, values: Sequence[Any]) -> list[Any]:
    """CHECKS[name] of each of `values`, a file import's column (decision 0051): the clean
    value, or the Invalid it raised, returned. A value that the column's own test surely
    accepts (`fields.surely_texts`, `fields.surely_moments`) is taken by column, and every other
    goes through CHECKS[name] itself, so the result is the same as one value at a time (a test
    compares them)."""
    scalar = CHECKS[name]
    sure: list[Any]
    if name in TEXTS:
        sure = check.surely_texts(values, TEXTS[name])
        if name == "text":
            sure = [_lines(s) if s is not None else None for s in sure]
    elif name == "received_at":
        limit = timezone.now() + CLOCK_SKEW
        sure = [d if d is not None and d <= limit else None for d in check.surely_moments(values)]
    else:
        sure = [None] * len(values)
    return [_checked(scalar, v) if s is None else s for v, s in zip(values, sure, strict=True)]


def _checked(scalar: Callable[[Any], Any], value: Any) -> Any:
    try:
        return scalar(value)
    except Invalid as error:
        return error


def clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Clean values of the fields given (references pass as they are); every error at once.
    The one check of feedback input: the form, the API and file imports all go through it."""
    try:  # the common case, clean input, without collecting (a file import checks every row)
        check.unknown(fields, FIELDS, "feedback")
        values = {
            name: CHECKS[name](value) if name in CHECKS else value
            for name, value in fields.items()
            if name in FIELDS
        }
        people.customer_ref(fields.get("customer"))
        people.company_ref(fields.get("company"))
        return values
    except Invalid:
        pass  # checked again below, to say everything that is wrong
    errors = Errors()
    errors.check(check.unknown, fields, FIELDS, "feedback")
    values = {
        name: errors.check(CHECKS[name], value) if name in CHECKS else value
        for name, value in fields.items()
        if name in FIELDS
    }
    errors.check(people.customer_ref, fields.get("customer"))
    errors.check(people.company_ref, fields.get("company"))
    errors.raise_any()
    return values


def _member(access: Access, who: User | str | None) -> User | None:
    """A workspace member given as a user or an e-mail address; None or "" for nobody."""
    if not who:
        return None
    email = who if isinstance(who, str) else who.email
    membership = access.workspace.memberships.filter(user__email__iexact=email.strip()).first()
    if membership is None:
        raise Invalid(f"assignee: {email!r} is not a member of this workspace")
    return membership.user


def tags_named(access: Access, names: list[str]) -> list[Tag]:
    """The workspace's tags of these names, created where missing."""
    rows = Tag.objects.filter(workspace=access.workspace)
    missing = set(names) - set(rows.filter(name__in=names).values_list("name", flat=True))
    Tag.objects.bulk_create(
        [Tag(workspace=access.workspace, name=name) for name in sorted(missing)],
        ignore_conflicts=True,
    )
    return list(rows.filter(name__in=names))


SCALARS = ("text", "title", "source", "rating", "external_url", "external_id", "status")


def _write(access: Access, feedback: Feedback, values: Mapping[str, Any]) -> None:
    """Apply clean values and save the feedback with its tags, highlights and the copies its
    links keep; runs inside the caller's transaction, so an error undoes it all."""
    existed = feedback.pk is not None
    if "assignee" in values:
        feedback.assignee = _member(access, values["assignee"])
    for name in SCALARS:
        if name in values:
            setattr(feedback, name, values[name])
    if "received_at" in values:
        feedback.received_at = values["received_at"] or timezone.now()
    chosen_linked = "status" in values and feedback.status == Status.LINKED
    if chosen_linked and not (existed and feedback.links.exists()):
        raise Invalid(NEEDS_LINK)
    moved = relocate(feedback, feedback.text) if existed and "text" in values else []
    attach_people(access, feedback, values)
    _check_unique(feedback)
    feedback.save()
    save_moved(moved)
    if "tags" in values:
        feedback.tags.set(tags_named(access, values["tags"]))
    if existed:
        FeedbackLink.objects.filter(feedback=feedback).update(**copied_fields(feedback))


NEEDS_LINK = "status: 'linked' needs a link to a feature; link one first"
People = dict[tuple[str, Any, int | None], Any]


def named_people(
    access: Access, values: Mapping[str, Any], known: People | None = None
) -> tuple[Customer | None, Company | None]:
    """The customer and company that `values` name (either may be absent); without a named
    company, the customer's. `known` remembers the record found for each reference, so that a
    file import looks up (or creates) each customer and company once, not once per row."""

    def found(kind: str, ref: Any, given: Company | None = None) -> Any:
        if known is None or not isinstance(ref, Mapping):
            return lookup(kind, ref, given)
        key = _ref_key(kind, ref, given)
        if key not in known:
            known[key] = lookup(kind, ref, given)
        return known[key]

    def lookup(kind: str, ref: Any, given: Company | None) -> Any:
        if kind == "company":
            return people.company_for(access, ref)
        return people.customer_for(access, ref, given)

    company = found("company", values["company"]) if "company" in values else None
    customer = None
    if "customer" in values:
        customer = found("customer", values["customer"], company)
        if "company" not in values and customer and customer.company_id:
            company = customer.company
    return customer, company


def attach_people(access: Access, feedback: Feedback, values: Mapping[str, Any]) -> None:
    """Set the customer and company that `values` name; a customer named without a company
    brings theirs."""
    customer, company = named_people(access, values)
    if "customer" in values:
        feedback.customer = customer
    if "company" in values or company is not None:
        feedback.company = company


def _ref_key(kind: str, ref: Any, given: Company | None) -> tuple[str, Any, int | None]:
    """What tells two references apart: their fields (text, as imports send them)."""
    items: Any = tuple(sorted(ref.items()))
    try:
        hash(items)
    except TypeError:
        items = json.dumps(ref, sort_keys=True, default=str)
    return kind, items, given.pk if given else None


def people_of(
    access: Access, items: Sequence[Mapping[str, Any]], known: People
) -> list[tuple[Customer | None, Company | None] | None]:
    """`named_people` of many clean values at once (a file import's batch): the customers and
    companies they name are found or created in bulk, each distinct reference once, and kept
    in `known` for the next batch; each item's references are keyed once. None for an item
    that names a record or an id instead of plain fields: `named_people` answers for it."""
    plain = [all(_plain(values[k]) for k in ("customer", "company") if k in values)
             for values in items]  # fmt: skip
    company_keys = [
        _ref_key("company", values["company"], None) if ok and "company" in values else None
        for values, ok in zip(items, plain, strict=True)
    ]
    wanted: dict[tuple[str, Any, int | None], Any] = {}
    for values, key in zip(items, company_keys, strict=True):
        if key is not None and key not in known and key not in wanted:
            wanted[key] = people.company_ref(values["company"])
    known.update(zip(wanted, people.companies_for(access, list(wanted.values())), strict=True))
    companies = [known[key] if key is not None else None for key in company_keys]
    customer_keys = [
        _ref_key("customer", values["customer"], company) if ok and "customer" in values else None
        for values, ok, company in zip(items, plain, companies, strict=True)
    ]
    wanted = {}
    for values, key, company in zip(items, customer_keys, companies, strict=True):
        if key is not None and key not in known and key not in wanted:
            wanted[key] = (people.customer_ref(values["customer"]), company)
    known.update(zip(wanted, people.customers_for(access, list(wanted.values())), strict=True))
    result: list[tuple[Customer | None, Company | None] | None] = []
    for values, ok, key, company in zip(items, plain, customer_keys, companies, strict=True):
        customer = known[key] if key is not None else None
        if "company" not in values and customer and customer.company_id:
            company = customer.company
        result.append((customer, company) if ok else None)
    return result


def _plain(ref: Any) -> bool:
    """A reference by its fields (not a record, not an id, no nested company)."""
    mapping = ref.__class__ is dict or isinstance(ref, Mapping)  # a dict, as imports give
    return mapping and "id" not in ref and "company" not in ref


def _check_unique(feedback: Feedback) -> None:
    if not feedback.external_id:
        return
    clash = (
        Feedback.objects.filter(
            workspace_id=feedback.workspace_id,
            source=feedback.source,
            external_id=feedback.external_id,
        )
        .exclude(pk=feedback.pk)
        .first()
    )
    if clash is not None:
        raise Conflict(
            f"external_id: {feedback.external_id!r} from {feedback.source} is already "
            f"feedback {clash.pk}"
        )


def _snapshot(feedback: Feedback) -> dict[str, Any]:
    return {
        "title": feedback.title, "text": feedback.text, "source": feedback.source,
        "received_at": feedback.received_at.isoformat(), "rating": feedback.rating,
        "external_url": feedback.external_url, "external_id": feedback.external_id,
        "customer": str(feedback.customer) if feedback.customer else None,
        "company": str(feedback.company) if feedback.company else None,
        "status": feedback.status,
        "assignee": feedback.assignee.email if feedback.assignee else None,
        "tags": sorted(t.name for t in feedback.tags.all()) if feedback.pk else [],
    }  # fmt: skip


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """What changed, with long texts shortened for the feed."""
    changes = activity.diff(before, after)
    if "text" in changes:
        changes["text"] = [t if len(t) <= 80 else t[:79] + "…" for t in changes["text"]]
    return changes


def _verb(changes: Mapping[str, list[Any]]) -> str:
    if set(changes) == {"status"}:
        archived = changes["status"][1] == Status.ARCHIVED
        return "feedback.archived" if archived else "feedback.status_changed"
    return "feedback.assigned" if set(changes) == {"assignee"} else "feedback.updated"


def upsert(
    access: Access, fields: Mapping[str, Any], default_source: str
) -> tuple[Feedback, bool, dict[str, list[Any]]]:
    """Create or update one item without recording activity (the caller records it)."""
    values = clean_fields(fields)
    source = values.get("source") or default_source
    feedback = None
    if values.get("external_id"):
        feedback = Feedback.objects.filter(
            workspace=access.workspace, source=source, external_id=values["external_id"]
        ).first()
    if feedback is None:
        if "text" not in values:
            raise Invalid("text: must not be empty")
        feedback = Feedback(workspace=access.workspace, source=source, created_by=access.user)
        _write(access, feedback, values)
        return feedback, True, {}
    before = _snapshot(feedback)
    _write(access, feedback, values)
    return feedback, False, _changes(before, _snapshot(feedback))


def add_feedback(
    access: Access, fields: Mapping[str, Any], *, default_source: str = Source.APP
) -> tuple[Feedback, bool]:
    """Intake of one item: `fields` as in FIELDS, with `customer` and `company` as records or
    references (see `customer_for`, `company_for`); the company defaults to the customer's.
    An item whose (source, external_id) exists updates it. Returns it and whether it is new."""
    access.require(WRITE)
    with transaction.atomic():
        feedback, created, changes = upsert(access, fields, default_source)
        verb = "feedback.created" if created else "feedback.updated"
        if created or changes:
            activity.record(access.workspace, access.user, verb, feedback, changes)
        if created or _reads_differently(changes):
            processing.queue(access.workspace, [feedback.pk])
    return feedback, created


def _feedback_key(default_source: str) -> Any:
    def key(item: Mapping[str, Any]) -> tuple[str, str, Hashable] | None:
        external_id = str(item.get("external_id") or "").strip()
        source = item.get("source") or default_source
        return ("external_id", external_id, (str(source), external_id)) if external_id else None

    return key


def import_feedback(
    access: Access, items: Sequence[Mapping[str, Any]], *, default_source: str = Source.IMPORT
) -> bulk.BulkResult:
    """Intake of many items, all or nothing: errors name the item ("items[3].rating: ...").
    Sending the same items again updates them: created once, updated afterwards."""
    access.require(WRITE)
    with transaction.atomic():
        result = bulk.run(
            items,
            lambda item: _id(upsert(access, item, default_source)),
            _feedback_key(default_source),
        )
        changes = {"created": result.created, "updated": result.updated}
        activity.record(
            access.workspace, access.user, "feedback.imported", access.workspace, changes
        )
        processing.queue(access.workspace, result.ids)
    return result


def _id(upserted: tuple[Feedback, bool, Any]) -> tuple[int, bool]:
    return upserted[0].pk, upserted[1]


def update_feedback(access: Access, feedback: Feedback, **fields: Any) -> Feedback:
    """Change the fields given; a new text keeps each highlight on its quote (or refuses)."""
    access.require(WRITE)
    values = clean_fields(fields)
    before = _snapshot(feedback)
    with transaction.atomic():
        _write(access, feedback, values)
        changes = _changes(before, _snapshot(feedback))
        if changes:
            activity.record(access.workspace, access.user, _verb(changes), feedback, changes)
        if _reads_differently(changes):
            processing.queue(access.workspace, [feedback.pk])
    return feedback


def _reads_differently(changes: Mapping[str, Any]) -> bool:
    """A new title or text is processed again (type, sentiment, similar items)."""
    return "text" in changes or "title" in changes


def set_status(access: Access, feedback: Feedback, status: str) -> Feedback:
    return update_feedback(access, feedback, status=status)


def assign(access: Access, feedback: Feedback, assignee: User | str | None) -> Feedback:
    return update_feedback(access, feedback, assignee=assignee)


def archive_feedback(access: Access, feedback: Feedback) -> Feedback:
    """Archived feedback leaves the inbox and demand; setting another status brings it back."""
    return set_status(access, feedback, Status.ARCHIVED)


# --- the inbox -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the inbox (and the API's list) narrows feedback by, besides the status."""

    source: str = ""
    tag: str = ""
    customer: Customer | None = None
    company: Company | None = None
    feature: Feature | None = None
    assignee: User | None = None
    q: str = ""
    kind: str = ""
    sentiment: str = ""
    language: str = ""
    theme: Theme | None = None
    # q as the text index reads it, once per request (`search.parse`); None without words
    terms: search.Search | None = dataclasses.field(default=None, compare=False, repr=False)


def filters(
    access: Access,
    *,
    source: str = "",
    tag: str = "",
    customer: str | int | None = None,
    company: str | int | None = None,
    feature: str = "",
    assignee: str = "",
    q: str = "",
    kind: str = "",
    sentiment: str = "",
    language: str = "",
    theme: str | int | None = None,
) -> Filters:
    """Filters from query parameters: ids of a customer and company, F-12, an e-mail or "me"."""
    errors = Errors()
    if isinstance(theme, str) and theme.isdigit():
        theme = int(theme)
    if source:
        errors.check(check.choice, source, "source", Source.values)
    names = errors.check(tag_names, tag, "tag") or [""]
    result = Filters(
        source=source,
        tag=names[0],
        customer=errors.check(check.record, access, Customer, customer, "customer"),
        company=errors.check(check.record, access, Company, company, "company"),
        feature=errors.check(feature_of, access, feature) if feature else None,
        assignee=errors.check(_member, access, access.user if assignee == "me" else assignee),
        q=errors.check(check.text, q, "q", MAX_QUERY) or "",
        kind=errors.check(_slug, kind, "type") or "",
        sentiment=errors.check(_sentiment, sentiment) or "",
        language=errors.check(_slug, language, "language") or "",
        theme=errors.check(check.record, access, Theme, theme, "theme"),
    )
    errors.raise_any()
    return dataclasses.replace(result, terms=_parsed(access, result.q))


def _parsed(access: Access, query: str) -> search.Search | None:
    return search.parse(query, _here(access) if search.words(query) else 0)


def _here(access: Access) -> int:
    """The workspace's items, from the tally."""
    return sum(tally.counts(access.workspace, {}).values())


def _terms(access: Access, chosen: Filters) -> search.Search | None:
    """The search of `chosen`, read once by `filters` (or here, for Filters made directly)."""
    return chosen.terms if chosen.terms is not None else _parsed(access, chosen.q)


def _filtered(
    access: Access,
    chosen: Filters,
    newest_first: bool = False,
    matches: int | None = None,
    until: int | None = None,
) -> QuerySet[Feedback]:
    rows = Feedback.objects.filter(workspace=access.workspace)
    if chosen.source:
        rows = rows.filter(source=chosen.source)
    if chosen.tag:
        tag = Tag.objects.filter(workspace=access.workspace, name=chosen.tag).first()
        rows = rows.filter(tags=tag) if tag else rows.none()
    for name in ("customer", "company", "assignee"):
        if getattr(chosen, name) is not None:
            rows = rows.filter(**{name: getattr(chosen, name)})
    if chosen.feature is not None:
        rows = rows.filter(links__feature=chosen.feature)
    found = _terms(access, chosen)
    if found is not None:
        probe = (
            until is not None and bool(found.least) and search.probes(found, until, _here(access))
        )
        rows = search.matching(rows, found, newest_first=newest_first, matches=matches, probe=probe)
    for name in ("kind", "sentiment", "language", "theme"):
        if getattr(chosen, name):
            rows = rows.filter(**{name: getattr(chosen, name)})
    return rows


SENTIMENTS = ("positive", "neutral", "negative")


def _sentiment(value: str) -> str:
    return check.choice(value, "sentiment", SENTIMENTS) if value else ""


def _slug(value: str, field: str) -> str:
    """A type or language code to filter by: lower-case letters, digits and underscores."""
    clean = value.strip().lower()
    if clean and (len(clean) > 40 or not clean.replace("_", "").isalnum()):
        raise Invalid(f"{field}: must be a code such as bug or en, got {value!r}")
    return clean


def feedback_list(
    access: Access,
    chosen: Filters,
    status: str = "open",
    counts: TabCounts | None = None,
    until: int | None = None,
) -> QuerySet[Feedback]:
    """Newest first; status is one of TABS ("open": all but archived). `counts`, the tabs'
    counts when the caller has them, choose the search's plan without counting again;
    `until`, how far the caller reads (its offset and page size), lets a search for words in
    most items test the first rows one by one (`search.probes`)."""
    check.choice(status, "status", TABS)
    matches = counts[status] if counts else None
    rows = _filtered(access, chosen, newest_first=True, matches=matches, until=until)
    if status == "open":
        rows = rows.exclude(status=Status.ARCHIVED)
    elif status != "all":
        rows = rows.filter(status=status)
    return (
        rows.select_related("customer", "company", "assignee")
        .prefetch_related("tags")
        .order_by(*search.newest_first(_terms(access, chosen), matches))
    )


class TabCounts(dict[str, int]):
    """Items per tab (TABS). A tab in `capped` holds more items than its number, the cap: a
    search counts no further (decision 0033), and the page shows "10,000+"."""

    def __init__(self, counts: Mapping[str, int], capped: frozenset[str] = frozenset()) -> None:
        super().__init__(counts)
        self.capped = capped


def status_counts(access: Access, chosen: Filters, cap: int | None = None) -> TabCounts:
    """Items per tab under the filters. Filters the tally keeps (type, sentiment, language,
    source, or none) are summed from it: a few hundred rows whatever the workspace's size.
    Others are counted with one filtered aggregate per status rather than GROUP BY status,
    which would lead the planner to the status index and a scan of the whole workspace
    instead of the filter's own index. A search counts each status up to `cap` only
    (search.COUNT_CAP unless given)."""
    cap = search.COUNT_CAP if cap is None else cap
    given = {f.name for f in dataclasses.fields(chosen) if getattr(chosen, f.name)} - {"terms"}
    found = _terms(access, chosen)
    if given <= set(tally.FACETS):
        counts = tally.counts(access.workspace, {name: getattr(chosen, name) for name in given})
    elif found is not None:
        return _searched_counts(access, chosen, found, given - {"q"}, cap)
    else:
        counts = _per_status(_filtered(access, chosen), Status.values)
    return _tabs(counts, cap, frozenset())


def _per_status(rows: QuerySet[Feedback], statuses: Sequence[str]) -> dict[str, int]:
    found = rows.order_by().aggregate(**{s: Count("id", filter=Q(status=s)) for s in statuses})
    return {status: int(n) for status, n in found.items()}


def _searched_counts(
    access: Access, chosen: Filters, found: search.Search, others: set[str], cap: int
) -> TabCounts:
    """A search's tab counts, capped. Each status's items under the other filters, without
    the search (from the tally, or aggregated through the filter's own index), bound its
    matches: a status with no more items than `cap` is counted exactly, in one aggregate that
    tests the statuses' own rows against the set of matches; a bigger one joins it or is
    counted by `search.capped_count`, which stops after cap + 1 matches, as
    `search.count_plan` finds cheaper. Some need no count (decision 0041): with a word in no
    item every count is 0; with every word in every item each is its bound; a status with
    more items than the cap plus those the index says lack a word has more matches than the
    cap."""
    if found.nothing:
        return _tabs(dict.fromkeys(Status.values, 0), cap, frozenset())
    plain = _filtered(access, dataclasses.replace(chosen, q="", terms=None))
    if others <= set(tally.FACETS):
        bounds = tally.counts(access.workspace, {name: getattr(chosen, name) for name in others})
    else:
        bounds = _per_status(plain, Status.values)
    if not found.expression:
        return _tabs(bounds, cap, frozenset(s for s, n in bounds.items() if n > cap))
    items = _here(access)
    surely = {s for s in Status.values if found.surely_more(bounds[s], cap, items)}
    exact = [s for s in Status.values if 0 < bounds[s] <= cap]
    plans = {}
    big = [s for s in Status.values if bounds[s] > cap and s not in surely]
    if big:
        matches = search.index_matches(found)
        for status in sorted(big, key=lambda s: bounds[s]):
            plan = search.count_plan(matches, bounds[status], items, cap, shared=bool(exact))
            if plan == "exact":
                exact.append(status)
            else:
                plans[status] = plan
    counts = dict.fromkeys(Status.values, 0) | {s: bounds[s] for s in surely}
    if exact:
        rows = search.matching(plain.filter(status__in=exact), found, walk=True)
        counts |= _per_status(rows, exact)
    for status, plan in plans.items():
        counts[status] = search.capped_count(
            plain.filter(status=status), found, cap, stream=plan == "stream"
        )
    return _tabs(counts, cap, frozenset(s for s, n in counts.items() if n > cap))


def _tabs(counts: Mapping[str, int], cap: int, capped: frozenset[str]) -> TabCounts:
    """Each status's count and "open" (all but archived) and "all"; a sum with a capped
    status in it is capped too, and every capped number reads as the cap."""
    open_ = [s for s in Status.values if s != Status.ARCHIVED]
    if capped & set(open_):
        capped |= {"open", "all"}
    elif Status.ARCHIVED in capped:
        capped |= {"all"}
    tabs = {s: counts[s] for s in Status.values}
    tabs["open"] = sum(counts[s] for s in open_)
    tabs["all"] = tabs["open"] + counts[Status.ARCHIVED]
    return TabCounts({tab: cap if tab in capped else n for tab, n in tabs.items()}, capped)
