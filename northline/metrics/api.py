"""JSON API of metrics: the KPI catalogue, its series, targets and annotations; data in by push
(one point or a batch, idempotent) and CSV upload; anomaly alerts."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema, Status

from northline.core.access import Access
from northline.core.api import workspace_access
from northline.core.errors import Invalid
from northline.core.roles import MANAGE, READ, WRITE, Role

from .models import (
    Alert,
    Annotation,
    Dashboard,
    DashboardShare,
    Kpi,
    SqlRefresh,
    SqlSource,
    Survey,
    Target,
    Tile,
)
from .services import alerts as alert_service
from .services import csv_import, kpis, points, readings, sql_sources
from .services import dashboards as dashboard_service
from .services import surveys as survey_service
from .services.annotations import annotations_for

router = Router(tags=["metrics"])
W = "/workspaces/{slug}"
K = W + "/kpis/{key}"


# --- schemas ---------------------------------------------------------------------------------


class KpiPatch(Schema):
    name: str | None = None
    key: str | None = None
    definition: str | None = None
    unit: str | None = None
    direction: str | None = None
    aggregation: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    granularity: str | None = None
    owner: str | None = None
    tags: list[str] | None = None
    north_star: bool | None = None


class KpiIn(KpiPatch):
    name: str


class LatestOut(Schema):
    time: date
    value: float | None


class KpiOut(Schema):
    key: str
    name: str
    definition: str
    unit: str
    direction: str
    aggregation: str
    numerator: str | None
    denominator: str | None
    granularity: str
    owner: str | None
    tags: list[str]
    north_star: bool
    dimensions: dict[str, list[str]]
    latest: LatestOut | None
    url: str


class PointOut(Schema):
    time: date
    value: float | None


class SeriesOut(Schema):
    kpi: str
    granularity: str
    dimension: dict[str, str] | None
    points: list[PointOut]
    zero_denominators: list[date]


class StoredOut(Schema):
    stored: int
    kpis: list[str]
    dry_run: bool
    first_date: date | None
    last_date: date | None


class TargetIn(Schema):
    start: date
    end: date
    value: float
    tolerance: float = 0


class TargetOut(Schema):
    id: int
    start: date
    end: date
    value: float
    tolerance: float


class AnnotationIn(Schema):
    date: date
    text: str


class AnnotationOut(Schema):
    date: date
    text: str
    kind: str
    url: str | None


class AlertOut(Schema):
    id: int
    kpi: str
    date: date
    observed: float
    expected: float
    low: float
    high: float
    status: str


POINTS_BODY = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "date": {"type": "string", "format": "date"},
                        "value": {"type": "number"},
                        "dimension": {"type": "object", "additionalProperties": {"type": "string"}},
                        "points": {"type": "array", "items": {"type": "object"}},
                    },
                }
            }
        }
    }
}


# --- shaping ---------------------------------------------------------------------------------


def kpi_out(request: HttpRequest, kpi: Kpi) -> KpiOut:
    found = readings.latest(kpi)
    dimensions = {d.name: [v.value for v in d.values.all()] for d in kpi.dimensions.all()}
    return KpiOut(
        key=kpi.key, name=kpi.name, definition=kpi.definition, unit=kpi.unit,
        direction=kpi.direction, aggregation=kpi.aggregation,
        numerator=kpi.numerator.key if kpi.numerator else None,
        denominator=kpi.denominator.key if kpi.denominator else None,
        granularity=kpi.granularity, owner=kpi.owner.email if kpi.owner else None,
        tags=kpi.tags, north_star=kpi.north_star, dimensions=dimensions,
        latest=LatestOut(time=found.time, value=found.value) if found else None,
        url=request.build_absolute_uri(kpi.get_absolute_url()),
    )  # fmt: skip


def one_kpi(request: HttpRequest, slug: str, key: str, needed: Role = READ) -> tuple[Access, Kpi]:
    access = workspace_access(request, slug, needed)
    return access, access.get(Kpi, key=key)


def stored_out(result: points.Stored) -> StoredOut:
    first, last = result.dates or (None, None)
    return StoredOut(
        stored=result.points, kpis=result.kpis, dry_run=result.dry_run, first_date=first,
        last_date=last,
    )  # fmt: skip


def json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise Invalid(f"body: malformed JSON ({error})") from None


def sent(payload: Schema) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True)


# --- catalogue -------------------------------------------------------------------------------


@router.get(W + "/kpis", response=list[KpiOut], summary="The KPI catalogue, north star first")
def list_kpis(request: HttpRequest, slug: str, tag: str = "", q: str = "") -> list[KpiOut]:
    access = workspace_access(request, slug)
    rows = kpis.kpis(access, tag=tag, q=q).prefetch_related("dimensions__values")
    return [kpi_out(request, kpi) for kpi in rows]


@router.post(W + "/kpis", response={201: KpiOut}, summary="Add a KPI")
def create_kpi(request: HttpRequest, slug: str, payload: KpiIn) -> Status[KpiOut]:
    access = workspace_access(request, slug, WRITE)
    return Status(201, kpi_out(request, kpis.create_kpi(access, **sent(payload))))


@router.get(K, response=KpiOut, summary="One KPI with its latest value")
def get_kpi(request: HttpRequest, slug: str, key: str) -> KpiOut:
    _, kpi = one_kpi(request, slug, key)
    return kpi_out(request, kpi)


@router.patch(K, response=KpiOut, summary="Change a KPI")
def update_kpi(request: HttpRequest, slug: str, key: str, payload: KpiPatch) -> KpiOut:
    access, kpi = one_kpi(request, slug, key, WRITE)
    return kpi_out(request, kpis.update_kpi(access, kpi, **sent(payload)))


@router.delete(K, response={204: None}, summary="Delete a KPI and its data")
def delete_kpi(request: HttpRequest, slug: str, key: str) -> Status[None]:
    access, kpi = one_kpi(request, slug, key, WRITE)
    kpis.delete_kpi(access, kpi)
    return Status(204, None)


@router.get(K + "/series", response=SeriesOut, summary="Values per period")
def get_series(
    request: HttpRequest, slug: str, key: str, start: date | None = None,
    end: date | None = None, granularity: str = "", dimension: str = "",
) -> SeriesOut:  # fmt: skip
    """`dimension=platform:ios` reads one dimension value; without it, the KPI's total."""
    _, kpi = one_kpi(request, slug, key)
    chosen = readings.dimension_named(kpi, dimension) if dimension else None
    found = readings.series(kpi, start, end, granularity or None, chosen)
    return SeriesOut(
        kpi=kpi.key, granularity=found.granularity,
        dimension={chosen.dimension.name: chosen.value} if chosen else None,
        points=[PointOut(time=p.time, value=p.value) for p in found],
        zero_denominators=found.zero_denominators,
    )  # fmt: skip


# --- data in ---------------------------------------------------------------------------------


@router.post(K + "/points", response=StoredOut, openapi_extra=POINTS_BODY,
             summary="Push one point, or a batch as {\"points\": [...]}; idempotent")  # fmt: skip
def push_kpi_points(request: HttpRequest, slug: str, key: str, dry_run: bool = False) -> StoredOut:
    """One point `{"date": "2026-01-31", "value": 12, "dimension": {"platform": "ios"}}` or
    `{"points": [...]}`. Sending a point again (same date and dimension value) replaces its
    value. All or nothing: one bad point and nothing is stored; the errors name each point."""
    access, kpi = one_kpi(request, slug, key, WRITE)
    body = json_body(request)
    if isinstance(body, dict) and "points" in body:
        items = body["points"]
        if not isinstance(items, list):
            raise Invalid(f"points: must be a list of points, got {type(items).__name__}")
        return stored_out(points.push(access, items, kpi, dry_run=dry_run))
    result = points.store(
        access, points.check_points(access, [body], kpi, prefix="point"), dry_run=dry_run
    )
    return stored_out(result)


@router.post(W + "/points", response=StoredOut, openapi_extra=POINTS_BODY,
             summary="Push a batch of points for several KPIs; idempotent")  # fmt: skip
def push_points(request: HttpRequest, slug: str, dry_run: bool = False) -> StoredOut:
    """`{"points": [{"kpi": "signups", "date": "2026-01-31", "value": 12}, ...]}`, up to
    100,000 points; all or nothing."""
    access = workspace_access(request, slug, WRITE)
    body = json_body(request)
    items = body.get("points") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise Invalid('points: send {"points": [...]}, a list of points')
    return stored_out(points.push(access, items, dry_run=dry_run))


@router.post(K + "/points/csv", response=StoredOut, summary="Upload a CSV file of points")
def upload_csv(
    request: HttpRequest, slug: str, key: str, dry_run: bool = False, date_format: str = ""
) -> StoredOut:
    """The multipart field `file`: header `date,value` and optionally a dimension column
    (`date,value,platform`). One date format per file; with `?dry_run=true` nothing is stored."""
    access, kpi = one_kpi(request, slug, key, WRITE)
    upload = request.FILES.get("file")
    if upload is None:
        raise Invalid("file: attach the CSV file as the form field 'file'")
    content = upload.read(csv_import.MAX_BYTES + 1)
    return stored_out(
        csv_import.upload(access, kpi, content, dry_run=dry_run, chosen_format=date_format)
    )


# --- targets, annotations, alerts ------------------------------------------------------------


def target_out(t: Target) -> TargetOut:
    return TargetOut(id=t.pk, start=t.start, end=t.end, value=t.value, tolerance=t.tolerance)


@router.get(K + "/targets", response=list[TargetOut], summary="The KPI's targets per period")
def list_targets(request: HttpRequest, slug: str, key: str) -> list[TargetOut]:
    _, kpi = one_kpi(request, slug, key)
    return [target_out(t) for t in kpi.targets.all()]


@router.post(K + "/targets", response={201: TargetOut}, summary="Set a target for a period")
def add_target(request: HttpRequest, slug: str, key: str, payload: TargetIn) -> Status[TargetOut]:
    access, kpi = one_kpi(request, slug, key, WRITE)
    return Status(201, target_out(kpis.add_target(access, kpi, **payload.model_dump())))


@router.delete(K + "/targets/{target_id}", response={204: None}, summary="Remove a target")
def delete_target(request: HttpRequest, slug: str, key: str, target_id: int) -> Status[None]:
    access, kpi = one_kpi(request, slug, key, WRITE)
    kpis.delete_target(access, access.get(Target, pk=target_id, kpi=kpi))
    return Status(204, None)


@router.get(K + "/annotations", response=list[AnnotationOut],
            summary="Notes on the KPI's chart: manual ones, decisions and shipped features")  # fmt: skip
def list_annotations(
    request: HttpRequest, slug: str, key: str, start: date | None = None, end: date | None = None
) -> list[AnnotationOut]:
    access, kpi = one_kpi(request, slug, key)
    return [
        AnnotationOut(date=a.date, text=a.text, kind=a.kind, url=a.url)
        for a in annotations_for(access.workspace, kpi, start, end)
    ]


@router.post(K + "/annotations", response={201: AnnotationOut}, summary="Add a note to the chart")
def add_annotation(
    request: HttpRequest, slug: str, key: str, payload: AnnotationIn
) -> Status[AnnotationOut]:
    access, kpi = one_kpi(request, slug, key, WRITE)
    note = kpis.add_annotation(access, kpi, day=payload.date, text=payload.text)
    return Status(201, AnnotationOut(date=note.date, text=note.text, kind="note", url=None))


@router.delete(K + "/annotations/{annotation_id}", response={204: None}, summary="Remove a note")
def delete_annotation(
    request: HttpRequest, slug: str, key: str, annotation_id: int
) -> Status[None]:
    access, kpi = one_kpi(request, slug, key, WRITE)
    kpis.delete_annotation(access, access.get(Annotation, pk=annotation_id, kpi=kpi))
    return Status(204, None)


def alert_out(a: Alert) -> AlertOut:
    return AlertOut(
        id=a.pk, kpi=a.kpi.key, date=a.date, observed=a.observed, expected=a.expected,
        low=a.low, high=a.high, status=a.status,
    )  # fmt: skip


@router.get(W + "/alerts", response=list[AlertOut], summary="Anomaly alerts, newest first")
def list_alerts(request: HttpRequest, slug: str, status: str = "open") -> list[AlertOut]:
    """`status` is open (default), acknowledged, resolved or all."""
    access = workspace_access(request, slug)
    return [alert_out(a) for a in alert_service.alerts(access, status=status)[:500]]


@router.post(W + "/alerts/{alert_id}/acknowledge", response=AlertOut, summary="Acknowledge")
def acknowledge_alert(request: HttpRequest, slug: str, alert_id: int) -> AlertOut:
    access = workspace_access(request, slug, WRITE)
    return alert_out(alert_service.acknowledge(access, access.get(Alert, pk=alert_id)))


# --- SQL sources -----------------------------------------------------------------------------


class SqlSourceIn(Schema):
    url: str | None = None
    query: str | None = None
    interval_minutes: int | None = None
    timeout_seconds: float | None = None
    enabled: bool | None = None


class SqlRefreshOut(Schema):
    started_at: datetime
    status: str
    rows_read: int
    points_stored: int
    duration_ms: int
    error: str
    attempt: int
    next_run_at: datetime | None


class SqlSourceOut(Schema):
    kpi: str
    url: str
    query: str
    interval_minutes: int
    timeout_seconds: float
    enabled: bool
    failures: int
    next_run_at: datetime | None
    refreshes: list[SqlRefreshOut]


def refresh_out(r: SqlRefresh) -> SqlRefreshOut:
    return SqlRefreshOut(
        started_at=r.started_at, status=r.status, rows_read=r.rows_read,
        points_stored=r.points_stored, duration_ms=r.duration_ms, error=r.error,
        attempt=r.attempt, next_run_at=r.next_run_at,
    )  # fmt: skip


def source_out(s: SqlSource) -> SqlSourceOut:
    return SqlSourceOut(
        kpi=s.kpi.key, url=sql_sources.masked(s.url), query=s.query,
        interval_minutes=s.interval_minutes, timeout_seconds=s.timeout_seconds,
        enabled=s.enabled, failures=s.failures, next_run_at=s.next_run_at,
        refreshes=[refresh_out(r) for r in s.refreshes.all()[:20]],
    )  # fmt: skip


def one_source(request: HttpRequest, slug: str, key: str) -> tuple[Access, SqlSource]:
    access, kpi = one_kpi(request, slug, key, MANAGE)
    return access, access.get(SqlSource, kpi=kpi)


@router.get(K + "/sql-source", response=SqlSourceOut, summary="The KPI's SQL source and its log")
def get_source(request: HttpRequest, slug: str, key: str) -> SqlSourceOut:
    """Admins only: the URL reaches another database (its password is shown masked)."""
    return source_out(one_source(request, slug, key)[1])


@router.put(K + "/sql-source", response=SqlSourceOut, summary="Feed the KPI from a SQL query")
def put_source(request: HttpRequest, slug: str, key: str, payload: SqlSourceIn) -> SqlSourceOut:
    """The query returns (time, value[, dimension]) rows, read-only; it runs next at once
    (`northline metrics refresh`) and then every `interval_minutes`."""
    access, kpi = one_kpi(request, slug, key, MANAGE)
    return source_out(sql_sources.save_source(access, kpi, **sent(payload)))


@router.delete(K + "/sql-source", response={204: None}, summary="Stop feeding the KPI from SQL")
def delete_source(request: HttpRequest, slug: str, key: str) -> Status[None]:
    access, source = one_source(request, slug, key)
    sql_sources.delete_source(access, source)
    return Status(204, None)


@router.post(K + "/sql-source/refresh", response=SqlRefreshOut, summary="Run the query now")
def refresh_source(request: HttpRequest, slug: str, key: str) -> SqlRefreshOut:
    """Runs in the request (bounded by the source's timeout) and answers the logged run."""
    _, source = one_source(request, slug, key)
    return refresh_out(sql_sources.refresh(source))


# --- dashboards ------------------------------------------------------------------------------


class DashboardIn(Schema):
    name: str
    description: str = ""


class TileIn(Schema):
    kpi: str
    kind: str = "chart"
    window: str = "1y"
    granularity: str = ""


class TileOut(Schema):
    id: int
    kpi: str
    kind: str
    window: str
    granularity: str
    position: int


class ShareIn(Schema):
    label: str = ""
    days: int | None = None


class ShareOut(Schema):
    id: int
    label: str
    expires_at: datetime | None
    revoked_at: datetime | None
    views: int


class NewShareOut(ShareOut):
    secret: str
    url: str


class DashboardOut(Schema):
    id: int
    name: str
    description: str
    tiles: list[TileOut]
    shares: list[ShareOut]
    url: str


def share_out(s: DashboardShare) -> ShareOut:
    return ShareOut(
        id=s.pk, label=s.label, expires_at=s.expires_at, revoked_at=s.revoked_at, views=s.views
    )


def dashboard_out(request: HttpRequest, access: Access, d: Dashboard) -> DashboardOut:
    tiles = [
        TileOut(
            id=t.pk,
            kpi=t.kpi.key,
            kind=t.kind,
            window=t.window,
            granularity=t.granularity,
            position=t.position,
        )
        for t in d.tiles.select_related("kpi")
    ]
    shares = [share_out(s) for s in d.shares.all()] if access.can(WRITE) else []
    return DashboardOut(
        id=d.pk, name=d.name, description=d.description, tiles=tiles, shares=shares,
        url=request.build_absolute_uri(d.get_absolute_url()),
    )  # fmt: skip


def one_dashboard(
    request: HttpRequest, slug: str, dashboard_id: int, needed: Role = READ
) -> tuple[Access, Dashboard]:
    access = workspace_access(request, slug, needed)
    return access, access.get(Dashboard, pk=dashboard_id)


D = W + "/dashboards/{dashboard_id}"


@router.get(W + "/dashboards", response=list[DashboardOut], summary="Dashboards")
def list_dashboards(request: HttpRequest, slug: str) -> list[DashboardOut]:
    access = workspace_access(request, slug)
    return [
        dashboard_out(request, access, d)
        for d in Dashboard.objects.filter(workspace=access.workspace)
    ]


@router.post(W + "/dashboards", response={201: DashboardOut}, summary="Create a dashboard")
def create_dashboard(request: HttpRequest, slug: str, payload: DashboardIn) -> Status[DashboardOut]:
    access = workspace_access(request, slug, WRITE)
    dashboard = dashboard_service.create_dashboard(access, payload.name, payload.description)
    return Status(201, dashboard_out(request, access, dashboard))


@router.get(D, response=DashboardOut, summary="One dashboard with its tiles")
def get_dashboard(request: HttpRequest, slug: str, dashboard_id: int) -> DashboardOut:
    access, dashboard = one_dashboard(request, slug, dashboard_id)
    return dashboard_out(request, access, dashboard)


@router.delete(D, response={204: None}, summary="Delete a dashboard")
def delete_dashboard(request: HttpRequest, slug: str, dashboard_id: int) -> Status[None]:
    access, dashboard = one_dashboard(request, slug, dashboard_id, WRITE)
    dashboard_service.delete_dashboard(access, dashboard)
    return Status(204, None)


@router.post(D + "/tiles", response={201: TileOut}, summary="Add a KPI tile")
def add_tile(
    request: HttpRequest, slug: str, dashboard_id: int, payload: TileIn
) -> Status[TileOut]:
    access, dashboard = one_dashboard(request, slug, dashboard_id, WRITE)
    t = dashboard_service.add_tile(access, dashboard, **payload.model_dump())
    return Status(
        201,
        TileOut(
            id=t.pk,
            kpi=t.kpi.key,
            kind=t.kind,
            window=t.window,
            granularity=t.granularity,
            position=t.position,
        ),
    )


@router.delete(D + "/tiles/{tile_id}", response={204: None}, summary="Remove a tile")
def remove_tile(request: HttpRequest, slug: str, dashboard_id: int, tile_id: int) -> Status[None]:
    access, dashboard = one_dashboard(request, slug, dashboard_id, WRITE)
    dashboard_service.remove_tile(access, access.get(Tile, pk=tile_id, dashboard=dashboard))
    return Status(204, None)


@router.post(D + "/shares", response={201: NewShareOut}, summary="Create a read-only share link")
def create_share(
    request: HttpRequest, slug: str, dashboard_id: int, payload: ShareIn
) -> Status[NewShareOut]:
    """The secret and the link are in this answer only; Northline keeps only a hash."""
    access, dashboard = one_dashboard(request, slug, dashboard_id, WRITE)
    share, secret = dashboard_service.create_share(access, dashboard, payload.label, payload.days)
    url = request.build_absolute_uri(reverse("metrics:dashboard_public", args=[secret]))
    return Status(201, NewShareOut(**share_out(share).model_dump(), secret=secret, url=url))


@router.delete(D + "/shares/{share_id}", response=ShareOut, summary="Revoke a share link")
def revoke_share(request: HttpRequest, slug: str, dashboard_id: int, share_id: int) -> ShareOut:
    access, dashboard = one_dashboard(request, slug, dashboard_id, WRITE)
    return share_out(
        dashboard_service.revoke_share(
            access, access.get(DashboardShare, pk=share_id, dashboard=dashboard)
        )
    )


# --- surveys ---------------------------------------------------------------------------------


class SurveyIn(Schema):
    name: str
    kind: str
    question: str = ""


class ScoreOut(Schema):
    n: int
    score: float | None
    low: float | None
    high: float | None


class SegmentOut(ScoreOut):
    segment: str


class SurveyOut(Schema):
    id: int
    name: str
    kind: str
    question: str
    kpi: str
    score: ScoreOut
    segments: list[SegmentOut]


class AddedOut(Schema):
    responses: int
    comments: int
    dry_run: bool


def survey_out(s: Survey) -> SurveyOut:
    found = survey_service.results(s)
    o = found.overall
    return SurveyOut(
        id=s.pk, name=s.name, kind=s.kind, question=s.question, kpi=s.kpi.key,
        score=ScoreOut(n=o.n, score=o.score, low=o.low, high=o.high),
        segments=[SegmentOut(segment=name, n=x.n, score=x.score, low=x.low, high=x.high) for name, x in found.segments],
    )  # fmt: skip


@router.get(W + "/surveys", response=list[SurveyOut], summary="Quality surveys with their scores")
def list_surveys(request: HttpRequest, slug: str) -> list[SurveyOut]:
    access = workspace_access(request, slug)
    return [
        survey_out(s)
        for s in Survey.objects.filter(workspace=access.workspace).select_related("kpi")
    ]


@router.post(W + "/surveys", response={201: SurveyOut}, summary="Create an NPS, CSAT or CES survey")
def create_survey(request: HttpRequest, slug: str, payload: SurveyIn) -> Status[SurveyOut]:
    access = workspace_access(request, slug, WRITE)
    return Status(
        201,
        survey_out(
            survey_service.create_survey(access, payload.name, payload.kind, payload.question)
        ),
    )


@router.get(W + "/surveys/{survey_id}", response=SurveyOut, summary="Score, interval and segments")
def get_survey(request: HttpRequest, slug: str, survey_id: int) -> SurveyOut:
    access = workspace_access(request, slug)
    return survey_out(access.get(Survey, pk=survey_id))


@router.post(W + "/surveys/{survey_id}/responses", response=AddedOut, summary="Collect answers")
def add_responses(
    request: HttpRequest, slug: str, survey_id: int, dry_run: bool = False
) -> AddedOut:
    """`{"responses": [{"score": 9, "comment": "...", "segment": "pro", "email": "...",
    "date": "2026-01-31", "external_id": "..."}]}`, or a CSV file as the multipart field
    `file`. All or nothing; comments go to the insights inbox (source survey)."""
    access = workspace_access(request, slug, WRITE)
    survey = access.get(Survey, pk=survey_id)
    if request.content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise Invalid("file: attach the CSV file as the form field 'file'")
        added = survey_service.import_csv(
            access, survey, upload.read(csv_import.MAX_BYTES + 1), dry_run=dry_run
        )
    else:
        body = json_body(request)
        items = body.get("responses") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise Invalid('responses: send {"responses": [...]}, a list of answers')
        added = survey_service.add_responses(access, survey, items, dry_run=dry_run)
    return AddedOut(responses=added.responses, comments=added.comments, dry_run=added.dry_run)
