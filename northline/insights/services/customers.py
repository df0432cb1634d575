"""Domain verbs of insights: companies and their customers, one by one and in bulk, and the
find-or-create that intake uses to attach incoming feedback to who said it.

A company is known by its external id, else its domain, else its name; a customer by their
external id, else their e-mail address. Importing the same list twice updates, never duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower

from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Conflict, DomainError, Invalid
from northline.core.roles import WRITE

from ..models import Company, Customer, Feedback
from . import bulk
from . import fields as check
from .fields import Errors, prefixed

COMPANY_FIELDS = ("name", "domain", "segment", "plan", "revenue", "attributes", "external_id")
CUSTOMER_FIELDS = ("name", "email", "external_id", "company")


_Row = TypeVar("_Row", Company, Customer)


def _clean(
    fields: Mapping[str, Any],
    known: Sequence[str],
    kind: str,
    checks: Mapping[str, Callable[[Any], Any]],
) -> dict[str, Any]:
    """The clean value of each field in `fields` that has a check; every error at once, an
    unknown field among them (a field in `known` without a check is the caller's to clean)."""
    errors = Errors()
    errors.check(check.unknown, fields, known, kind)
    values = {
        name: errors.check(checks[name], value) for name, value in fields.items() if name in checks
    }
    errors.raise_any()
    return values


def _first_match(
    rows: QuerySet[_Row], values: Mapping[str, Any], keys: Sequence[str]
) -> _Row | None:
    """The row whose `key` equals the given value, for the first key given that matches one."""
    for key in keys:
        if values.get(key):
            found = rows.filter(**{key: values[key]}).first()
            if found is not None:
                return found
    return None


# --- companies -------------------------------------------------------------------------------


_COMPANY_CHECKS: dict[str, Callable[[Any], Any]] = {
    "name": lambda v: check.text(v, "name", 200, required=True),
    "domain": check.domain,
    "segment": lambda v: check.text(v, "segment", 80),
    "plan": lambda v: check.text(v, "plan", 80),
    "revenue": lambda v: check.money(v, "revenue"),
    "attributes": check.attributes,
    "external_id": lambda v: check.text(v, "external_id", 200),
}


def _company_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The clean value of each company field in `fields`; every error at once."""
    return _clean(fields, COMPANY_FIELDS, "company", _COMPANY_CHECKS)


def _find_company(access: Access, values: Mapping[str, Any]) -> Company | None:
    rows = Company.objects.filter(workspace=access.workspace)
    found = _first_match(rows, values, ("external_id", "domain"))
    by_name = values.get("name") and not (values.get("external_id") or values.get("domain"))
    if found is None and by_name:
        found = rows.filter(name__iexact=values["name"]).order_by("id").first()
    return found


def _save_company(access: Access, company: Company, values: Mapping[str, Any]) -> Company:
    for name, value in values.items():
        setattr(company, name, value)
    if not company.name:
        company.name = company.domain
    if not company.name:
        raise Invalid("name: must not be empty")
    _refuse_clashes(company, (("domain", "domain"), ("external_id", "external id")))
    company.save()
    return company


def _company_snapshot(company: Company) -> dict[str, Any]:
    snapshot = {name: getattr(company, name) for name in COMPANY_FIELDS}
    return snapshot | {"revenue": float(company.revenue)}


def create_company(access: Access, name: str, **fields: Any) -> Company:
    access.require(WRITE)
    values = _company_values({"name": name, **fields})
    with transaction.atomic():
        company = _save_company(access, Company(workspace=access.workspace), values)
        activity.record(access.workspace, access.user, "company.created", company)
    return company


def update_company(access: Access, company: Company, **fields: Any) -> Company:
    access.require(WRITE)
    values = _company_values(fields)
    before = _company_snapshot(company)
    with transaction.atomic():
        _save_company(access, company, values)
        changes = activity.diff(before, _company_snapshot(company))
        if changes:
            activity.record(access.workspace, access.user, "company.updated", company, changes)
    return company


def delete_company(access: Access, company: Company) -> None:
    """Its customers and feedback stay, without a company."""
    access.require(WRITE)
    with transaction.atomic():
        activity.record(access.workspace, access.user, "company.deleted", company)
        company.delete()


def upsert_company(access: Access, fields: Mapping[str, Any]) -> tuple[Company, bool]:
    """Update the company that `fields` identify, or create it; returns it and whether it is
    new. Records no activity: the caller records the import as a whole."""
    access.require(WRITE)
    values = _company_values(fields)
    company = _find_company(access, values)
    created = company is None
    return _save_company(access, company or Company(workspace=access.workspace), values), created


def _company_key(item: Mapping[str, Any]) -> tuple[str, str, Hashable] | None:
    external_id = str(item.get("external_id") or "").strip()
    if external_id:
        return "external_id", external_id, ("external_id", external_id)
    try:
        domain = check.domain(item.get("domain"))
    except Invalid:
        return None
    return ("domain", domain, ("domain", domain)) if domain else None


def import_companies(access: Access, items: Sequence[Mapping[str, Any]]) -> bulk.BulkResult:
    """Create or update many companies at once, all or nothing."""
    return _import(access, items, upsert_company, _company_key, "company.imported")


def _import(
    access: Access,
    items: Sequence[Mapping[str, Any]],
    upsert: Callable[[Access, Mapping[str, Any]], tuple[Company | Customer, bool]],
    key: Callable[[Mapping[str, Any]], tuple[str, str, Hashable] | None],
    verb: str,
) -> bulk.BulkResult:
    """Upsert every item in one transaction, recorded as one import."""
    access.require(WRITE)
    with transaction.atomic():
        result = bulk.run(items, lambda item: _pk(upsert(access, item)), key)
        changes = {"created": result.created, "updated": result.updated}
        activity.record(access.workspace, access.user, verb, access.workspace, changes)
    return result


def _refuse_clashes(record: Company | Customer, keys: Sequence[tuple[str, str]]) -> None:
    """A Conflict naming the other record of the workspace that already has one of these
    unique values (field, noun) of `record`."""
    others = type(record).objects.filter(workspace_id=record.workspace_id).exclude(pk=record.pk)
    for key, noun in keys:
        value = getattr(record, key)
        clash = others.filter(**{key: value}).first() if value else None
        if clash is not None:
            raise Conflict(f"{key}: {value!r} is already the {noun} of {clash}")


def _pk(pair: tuple[Company | Customer, bool]) -> tuple[int, bool]:
    return pair[0].pk, pair[1]


def company_ref(ref: Any) -> dict[str, Any]:
    """The clean values of a company reference (see `company_for`), checked without the
    database; errors name the fields under "company."."""
    if ref is None or isinstance(ref, Company):
        return {}
    try:
        if not isinstance(ref, Mapping):
            raise Invalid(f'must be an object like {{"domain": "acme.com"}}, got {ref!r}')
        values = _company_values({k: v for k, v in ref.items() if k != "id"})
        if ref.get("id") is None and not any(
            values.get(k) for k in ("name", "domain", "external_id")
        ):
            raise Invalid("name: give a name, a domain or an external id")
        return values
    except DomainError as error:
        raise Invalid(*prefixed(error, "company")) from None


def company_for(access: Access, ref: Any) -> Company | None:
    """The company a reference names, for intake: a Company; {"id": 12}, which must exist; or
    the one with the given external id, domain or name, created from the reference if none
    matches."""
    if ref is None or isinstance(ref, Company):
        return _own(access, ref, "company")
    values = company_ref(ref)
    try:
        if ref.get("id") is not None:
            return check.record(access, Company, ref["id"], "id")
        found = _find_company(access, values)
        return found or _save_company(access, Company(workspace=access.workspace), values)
    except DomainError as error:
        raise type(error)(*prefixed(error, "company")) from None


def find_company(access: Access, name_or_domain: str, field: str = "company") -> Company | None:
    """An existing company by domain or name, as typed in a form; None for empty text."""
    text = check.text(name_or_domain, field, 253)
    if not text:
        return None
    rows = Company.objects.filter(workspace=access.workspace)
    found = rows.filter(Q(domain=text.lower()) | Q(name__iexact=text)).order_by("id").first()
    if found is None:
        raise Invalid(f"{field}: no company has the domain or name {text!r}")
    return found


def companies(
    access: Access, *, q: str = "", segment: str = "", plan: str = ""
) -> QuerySet[Company]:
    rows = Company.objects.filter(workspace=access.workspace)
    if q.strip():
        rows = rows.filter(Q(name__icontains=q.strip()) | Q(domain__icontains=q.strip()))
    if segment:
        rows = rows.filter(segment=segment)
    if plan:
        rows = rows.filter(plan=plan)
    return rows


def segments_and_plans(access: Access) -> tuple[list[str], list[str]]:
    """The segments and plans in use, for filter menus."""
    rows = Company.objects.filter(workspace=access.workspace).order_by()
    segments = rows.exclude(segment="").values_list("segment", flat=True).distinct()
    plans = rows.exclude(plan="").values_list("plan", flat=True).distinct()
    return sorted(segments), sorted(plans)


# --- customers -------------------------------------------------------------------------------


_CUSTOMER_CHECKS: dict[str, Callable[[Any], Any]] = {
    "name": lambda v: check.text(v, "name", 200),
    "email": check.email,
    "external_id": lambda v: check.text(v, "external_id", 200),
}


def _customer_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The clean value of each customer field in `fields` but "company"; every error at once."""
    return _clean(fields, CUSTOMER_FIELDS, "customer", _CUSTOMER_CHECKS)


def _find_customer(access: Access, values: Mapping[str, Any]) -> Customer | None:
    rows = Customer.objects.filter(workspace=access.workspace)
    return _first_match(rows, values, ("external_id", "email"))


def _save_customer(
    access: Access, customer: Customer, values: Mapping[str, Any], company: Any = "keep"
) -> Customer:
    """Apply values and `company` (a Company, a reference to find or create, None, or "keep")."""
    for name, value in values.items():
        setattr(customer, name, value)
    if not (customer.name or customer.email or customer.external_id):
        raise Invalid("name: a customer needs a name, an e-mail address or an external id")
    if company != "keep":
        customer.company = company_for(access, company)
    elif customer.pk is None and customer.email:
        domain = customer.email.rsplit("@", 1)[1]
        customer.company = Company.objects.filter(workspace=access.workspace, domain=domain).first()
    _refuse_clashes(customer, (("email", "e-mail address"), ("external_id", "external id")))
    customer.save()
    return customer


def _customer_snapshot(customer: Customer) -> dict[str, Any]:
    return {
        "name": customer.name, "email": customer.email, "external_id": customer.external_id,
        "company": customer.company.name if customer.company else None,
    }  # fmt: skip


def create_customer(access: Access, **fields: Any) -> Customer:
    """A new customer; `company` may be a Company or a reference (see `company_for`). Without
    one, a customer joins the company whose domain matches their e-mail address."""
    access.require(WRITE)
    company = fields.pop("company", "keep")
    values = _customer_values(fields)
    with transaction.atomic():
        customer = _save_customer(access, Customer(workspace=access.workspace), values, company)
        activity.record(access.workspace, access.user, "customer.created", customer)
    return customer


def update_customer(access: Access, customer: Customer, **fields: Any) -> Customer:
    access.require(WRITE)
    company = fields.pop("company", "keep")
    values = _customer_values(fields)
    before = _customer_snapshot(customer)
    with transaction.atomic():
        _save_customer(access, customer, values, company)
        changes = activity.diff(before, _customer_snapshot(customer))
        if changes:
            activity.record(access.workspace, access.user, "customer.updated", customer, changes)
    return customer


def delete_customer(access: Access, customer: Customer) -> None:
    """Their feedback stays, without a customer."""
    access.require(WRITE)
    with transaction.atomic():
        activity.record(access.workspace, access.user, "customer.deleted", customer)
        customer.delete()


def upsert_customer(access: Access, fields: Mapping[str, Any]) -> tuple[Customer, bool]:
    """Update the customer that `fields` identify, or create them; returns them and whether
    they are new. Records no activity: the caller records the import as a whole."""
    access.require(WRITE)
    fields = dict(fields)
    company = fields.pop("company", "keep")
    values = _customer_values(fields)
    customer = _find_customer(access, values)
    created = customer is None
    customer = customer or Customer(workspace=access.workspace)
    return _save_customer(access, customer, values, company), created


def _customer_key(item: Mapping[str, Any]) -> tuple[str, str, Hashable] | None:
    external_id = str(item.get("external_id") or "").strip()
    if external_id:
        return "external_id", external_id, ("external_id", external_id)
    email = str(item.get("email") or "").strip().lower()
    return ("email", email, ("email", email)) if email else None


def import_customers(access: Access, items: Sequence[Mapping[str, Any]]) -> bulk.BulkResult:
    """Create or update many customers (and the companies they name) at once, all or nothing."""
    return _import(access, items, upsert_customer, _customer_key, "customer.imported")


def customer_ref(ref: Any) -> dict[str, Any]:
    """The clean values of a customer reference (see `customer_for`), checked without the
    database; errors name the fields under "customer."."""
    if ref is None or isinstance(ref, Customer):
        return {}
    try:
        if not isinstance(ref, Mapping):
            raise Invalid(f'must be an object like {{"email": "ann@acme.com"}}, got {ref!r}')
        values = _customer_values({k: v for k, v in ref.items() if k not in ("id", "company")})
        company_ref(ref.get("company"))
        return values
    except DomainError as error:
        raise Invalid(*prefixed(error, "customer")) from None


def customer_for(access: Access, ref: Any, company: Company | None = None) -> Customer | None:
    """The customer a reference names, for intake: a Customer; {"id": 12}, which must exist;
    or the one with the given external id or e-mail, created if none matches. A found customer
    keeps what they have but gets a name or company (`company`, else the reference's) they
    lacked."""
    if ref is None or isinstance(ref, Customer):
        return _own(access, ref, "customer")
    values = customer_ref(ref)
    try:
        if ref.get("id") is not None:
            return check.record(access, Customer, ref["id"], "id")
        company = company or company_for(access, ref.get("company"))
        found = _find_customer(access, values)
        if found is None:
            new = Customer(workspace=access.workspace)
            return _save_customer(access, new, values, company or "keep")
        blanks = {"name": values.get("name")} if values.get("name") and not found.name else {}
        if blanks or (company is not None and found.company_id is None):
            return _save_customer(access, found, blanks, company or found.company)
        return found
    except DomainError as error:
        raise type(error)(*prefixed(error, "customer")) from None


# --- many at once (file imports) -------------------------------------------------------------


def _company_identity(values: Mapping[str, Any]) -> tuple[str, str]:
    """How `_find_company` knows a company: external id, else domain, else name (any case)."""
    for key in ("external_id", "domain"):
        if values.get(key):
            return key, values[key]
    return "name", str(values.get("name") or "").lower()


def companies_for(access: Access, refs: Sequence[Mapping[str, Any]]) -> list[Company]:
    """`company_for` of many clean references at once: the existing companies found with three
    queries, the missing ones created with one; the result is in the order of `refs`."""
    wanted = [_company_identity(ref) for ref in refs]
    rows = Company.objects.filter(workspace=access.workspace).order_by("id")
    found: dict[tuple[str, str], Company] = {}
    for key in ("external_id", "domain"):
        values = {v for k, v in wanted if k == key}
        if values:
            for company in rows.filter(**{f"{key}__in": values}):
                found.setdefault((key, getattr(company, key)), company)
    names = {v for k, v in wanted if k == "name"}
    if names:
        for company in rows.annotate(lower=Lower("name")).filter(lower__in=names):
            found.setdefault(("name", company.name.lower()), company)
    new: dict[tuple[str, str], Company] = {}
    for identity, ref in zip(wanted, refs, strict=True):
        if identity not in found and identity not in new:
            company = Company(workspace=access.workspace, **ref)
            company.name = company.name or company.domain
            new[identity] = company
    Company.objects.bulk_create(new.values())
    return [found.get(identity) or new[identity] for identity in wanted]


def customers_for(
    access: Access, refs: Sequence[tuple[Mapping[str, Any], Company | None]]
) -> list[Customer]:
    """`customer_for` of many (clean reference, company) pairs at once: customers found by
    external id or e-mail with two queries, the new ones created with one (joining the given
    company, else the one whose domain their e-mail has); a found customer who lacks a name or
    company that the reference gives goes through `customer_for`, which fills it in."""
    rows = Customer.objects.filter(workspace=access.workspace)
    found: dict[tuple[str, str], Customer] = {}
    for key in ("external_id", "email"):
        values = {ref[key] for ref, _ in refs if ref.get(key)}
        if values:
            for customer in rows.filter(**{f"{key}__in": values}).select_related("company"):
                found[(key, getattr(customer, key))] = customer
    domains = {ref["email"].rsplit("@", 1)[1] for ref, _ in refs if ref.get("email")}
    by_domain = {
        c.domain: c for c in Company.objects.filter(workspace=access.workspace, domain__in=domains)
    }
    result: list[Customer] = []
    new: dict[tuple[str, str], Customer] = {}
    for ref, company in refs:
        keys = [(k, ref[k]) for k in ("external_id", "email") if ref.get(k)]
        hit = next((found[k] for k in keys if k in found), None)
        if hit is not None and hit.pk is None:
            result.append(hit)  # created a few references earlier in this call
        elif hit is not None:
            lacks = (ref.get("name") and not hit.name) or (company and not hit.company_id)
            result.append((customer_for(access, dict(ref), company) if lacks else None) or hit)
            continue
        if not (ref.get("name") or keys):
            raise Invalid(
                "customer.name: a customer needs a name, an e-mail address or an external id"
            )
        identity = keys[0] if keys else ("name", str(id(ref)))
        if identity not in new:
            domain = ref["email"].rsplit("@", 1)[1] if ref.get("email") else ""
            new[identity] = Customer(
                workspace=access.workspace, company=company or by_domain.get(domain), **ref
            )
            for other in keys:
                found[other] = new[identity]
        result.append(new[identity])
    Customer.objects.bulk_create(new.values())
    return result


def customers(access: Access, *, q: str = "", company: Company | None = None) -> QuerySet[Customer]:
    rows = Customer.objects.filter(workspace=access.workspace).select_related("company")
    if q.strip():
        rows = rows.filter(Q(name__icontains=q.strip()) | Q(email__icontains=q.strip()))
    if company is not None:
        rows = rows.filter(company=company)
    return rows


# --- shared ----------------------------------------------------------------------------------


def _own(access: Access, obj: Company | Customer | None, field: str) -> Any:
    if obj is not None and obj.workspace_id != access.workspace.pk:
        raise Invalid(f"{field}: not found in this workspace")
    return obj


def feedback_counts(field: str, ids: Sequence[int]) -> dict[int, int]:
    """Feedback items (not archived) per customer or company id, for one page of a list."""
    rows = (
        Feedback.objects.filter(**{f"{field}_id__in": ids})
        .exclude(status=Feedback.Status.ARCHIVED)
        .order_by()
        .values_list(f"{field}_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)
