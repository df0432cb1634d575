"""Metrics records: the KPI catalogue, its dimensions, the data points, targets and chart
annotations.

DataPoint is the big table (a workspace may hold tens of millions of rows): charts read it
through the (kpi, dimension_key, date) unique index, which is also what makes a push
idempotent — sending the same (kpi, date, dimension value) again replaces the value.
`dimension_key` mirrors the dimension value's id with 0 for "no dimension" (the KPI's total),
because a NULL in a unique constraint never conflicts, on SQLite or PostgreSQL, so an upsert
could not find the total's existing row (docs/decisions/0004-metrics-data-points.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from northline.core.models import ShareLinkBase, WorkspaceScoped

TOTAL = 0  # dimension_key of a point that belongs to no dimension value


class Kpi(WorkspaceScoped):
    """A measured indicator. `aggregation` says how points combine into a period: summed
    (sign-ups), averaged (response time), the period's last value (ARR), or the ratio of two
    other KPIs' aggregates (conversion = orders / visits)."""

    class Direction(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    class Aggregation(models.TextChoices):
        SUM = "sum", "Sum"
        MEAN = "mean", "Mean"
        LAST = "last", "Last value"
        RATIO = "ratio", "Ratio of two KPIs"

    class Granularity(models.TextChoices):
        DAY = "day", "Day"
        WEEK = "week", "Week"
        MONTH = "month", "Month"

    name = models.CharField(max_length=200)
    key = models.SlugField(max_length=80)
    definition = models.TextField(blank=True)
    unit = models.CharField(max_length=40, blank=True)
    direction = models.CharField(max_length=6, choices=Direction.choices, default=Direction.HIGHER)
    aggregation = models.CharField(
        max_length=5, choices=Aggregation.choices, default=Aggregation.SUM
    )
    numerator = models.ForeignKey(
        "self", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    denominator = models.ForeignKey(
        "self", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    granularity = models.CharField(
        max_length=5, choices=Granularity.choices, default=Granularity.DAY
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    tags = models.JSONField(default=list, blank=True)
    north_star = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-north_star", "name", "id"]
        verbose_name = "KPI"
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="kpi_key_unique"),
            models.CheckConstraint(
                condition=Q(aggregation="ratio", numerator__isnull=False,
                            denominator__isnull=False)
                | (~Q(aggregation="ratio") & Q(numerator__isnull=True, denominator__isnull=True)),
                name="kpi_ratio_parts",
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["workspace", "name"], name="kpi_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("metrics:kpi", args=[self.workspace.slug, self.key])

    @property
    def is_ratio(self) -> bool:
        return self.aggregation == self.Aggregation.RATIO


class Dimension(WorkspaceScoped):
    """A way to break a KPI down ("platform", "country"); its values are DimensionValues."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="dimensions")
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "name"], name="dimension_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class DimensionValue(WorkspaceScoped):
    """One value of a dimension ("ios" of "platform")."""

    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(max_length=120)

    class Meta:
        ordering = ["value", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "value"], name="dimension_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dimension.name}={self.value}"


class DataPoint(models.Model):
    """One measured value of a KPI on a day, for the total (dimension_key 0) or one dimension
    value. Not WorkspaceScoped on purpose: it is reached only through its KPI, and leaving out
    the workspace and timestamps keeps the biggest table narrow."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="points")
    date = models.DateField()
    value = models.FloatField()
    dimension_value = models.ForeignKey(
        DimensionValue, on_delete=models.CASCADE, null=True, blank=True, related_name="points"
    )
    dimension_key = models.PositiveBigIntegerField(default=TOTAL)

    class Meta:
        ordering = ["kpi", "dimension_key", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "dimension_key", "date"], name="datapoint_unique"
            ),
            models.CheckConstraint(
                condition=Q(dimension_value__isnull=True, dimension_key=TOTAL)
                | Q(dimension_value=F("dimension_key")),
                name="datapoint_dimension_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_id}@{self.date}: {self.value}"


class Target(WorkspaceScoped):
    """What the KPI should reach over a period: `value`, with an optional tolerance that the
    chart draws as a band (value ± tolerance)."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="targets")
    start = models.DateField()
    end = models.DateField()
    value = models.FloatField()
    tolerance = models.FloatField(default=0)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="target_period"),
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="target_tolerance"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.start}–{self.end}: {self.value}"


class Annotation(WorkspaceScoped):
    """A note on a KPI chart at a date ("pricing page redesign"); with no KPI it shows on all
    of the workspace's charts."""

    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, null=True, blank=True, related_name="annotations"
    )
    date = models.DateField()
    text = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["workspace", "date"], name="annotation_date")]

    def __str__(self) -> str:
        return f"{self.date}: {self.text}"


class Alert(WorkspaceScoped):
    """A day on which a KPI's total left its expected band (northline.metrics.anomaly): what
    was expected, the band, and what was observed. One per KPI and day; a later ingest that
    moves the value back inside the band resolves it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="alerts")
    date = models.DateField()
    observed = models.FloatField()
    expected = models.FloatField()
    low = models.FloatField()
    high = models.FloatField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [models.UniqueConstraint(fields=["kpi", "date"], name="alert_kpi_date")]
        indexes = [models.Index(fields=["workspace", "status", "-date"], name="alert_open")]

    def __str__(self) -> str:
        return f"{self.kpi} on {self.date}: {self.observed:g} outside {self.low:g}–{self.high:g}"

    @property
    def above(self) -> bool:
        return self.observed > self.high


class SqlSource(WorkspaceScoped):
    """A query that feeds a KPI, run every `interval_minutes` against the database at `url`
    (SQLAlchemy URL or duckdb:///file). A failing refresh is retried with exponential backoff
    (`failures` in a row; `next_run_at` the next try) and each failure is reported in the
    activity feed, so none is dropped silently. The URL may hold a password: pages and the API
    show it masked."""

    kpi = models.OneToOneField(Kpi, on_delete=models.CASCADE, related_name="sql_source")
    url = models.CharField(max_length=1000)
    query = models.TextField()
    interval_minutes = models.PositiveIntegerField(default=60)
    timeout_seconds = models.FloatField(default=30)
    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["kpi__name", "id"]
        verbose_name = "SQL source"
        indexes = [models.Index(fields=["enabled", "next_run_at"], name="sqlsource_due")]

    def __str__(self) -> str:
        return f"SQL source of {self.kpi}"


class SqlRefresh(models.Model):
    """One run of a SQL source: rows read, points stored, how long it took, and the error."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    source = models.ForeignKey(SqlSource, on_delete=models.CASCADE, related_name="refreshes")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    points_stored = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices)
    error = models.CharField(max_length=500, blank=True)
    attempt = models.PositiveIntegerField(default=1)  # 1 + failures before this run
    next_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} at {self.started_at}: {self.status}"


class Dashboard(WorkspaceScoped):
    """A page a user composes from KPI tiles: a number with its change, or a chart."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("metrics:dashboard", args=[self.workspace.slug, self.pk])


class Tile(WorkspaceScoped):
    class Kind(models.TextChoices):
        NUMBER = "number", "Number with change"
        CHART = "chart", "Chart"

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="tiles")
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="tiles")
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.CHART)
    window = models.CharField(max_length=4, default="1y")
    granularity = models.CharField(max_length=8, blank=True)  # empty: the KPI's own
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.kpi}"


class DashboardShare(ShareLinkBase):
    """A read-only link to a dashboard for people without an account."""

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="shares")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Share of {self.dashboard}" + (f" ({self.label})" if self.label else "")


class Survey(WorkspaceScoped):
    """A quality survey (NPS, CSAT or CES). Its answers feed a KPI of the same name: one point
    per day with that day's score, so the score sits in the catalogue, on charts and dashboards.
    """

    class Kind(models.TextChoices):
        NPS = "nps", "NPS (0–10)"
        CSAT = "csat", "CSAT (1–5)"
        CES = "ces", "CES (1–7)"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    question = models.CharField(max_length=300, blank=True)
    kpi = models.OneToOneField(Kpi, on_delete=models.RESTRICT, related_name="survey")
    # The public answer link: only the SHA-256 of its secret; empty when no link is open.
    link_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("metrics:survey", args=[self.workspace.slug, self.pk])


class SurveyResponse(WorkspaceScoped):
    """One answer: the score, an optional comment (sent on to the insights inbox), a segment
    for breakdowns and who answered. `external_id` makes a re-import update, not duplicate."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    segment = models.CharField(max_length=80, blank=True)
    email = models.CharField(max_length=254, blank=True)
    responded_on = models.DateField()
    external_id = models.CharField(max_length=200, blank=True)
    feedback = models.ForeignKey(
        "insights.Feedback", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-responded_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "external_id"], condition=~Q(external_id=""),
                name="surveyresponse_external_id",
            ),
            models.CheckConstraint(condition=Q(score__lte=10), name="surveyresponse_score"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["survey", "responded_on"], name="surveyresponse_day")]

    def __str__(self) -> str:
        return f"{self.survey}: {self.score}"
