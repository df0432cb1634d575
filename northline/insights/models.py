"""Insights records: companies and their customers, feedback with tags, highlighted quotes, and
links from feedback (or a quote in it) to planning's features.

Feedback is the big table (a workspace may hold a million rows): the inbox reads it through the
(workspace, status, -received_at) index, and demand aggregates the links per feature in SQL.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from northline.core.models import WorkspaceScoped

NOT_BLANK_ID = ~Q(external_id="")


class Company(WorkspaceScoped):
    """A customer organisation. `revenue` is its annual revenue with us (ARR), the weight of its
    voice in demand; `attributes` holds the workspace's own fields (tier, region, ...)."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True)
    segment = models.CharField(max_length=80, blank=True)
    plan = models.CharField(max_length=80, blank=True)
    revenue = models.DecimalField(max_digits=15, decimal_places=2, default=0)
    attributes = models.JSONField(default=dict, blank=True)
    external_id = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"], condition=NOT_BLANK_ID,
                name="company_external_id_unique",
            ),
            models.UniqueConstraint(
                fields=["workspace", "domain"], condition=~Q(domain=""),
                name="company_domain_unique",
            ),
            models.CheckConstraint(condition=Q(revenue__gte=0), name="company_revenue_positive"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["workspace", "name"], name="company_name"),
            models.Index(fields=["workspace", "segment"], name="company_segment"),
            models.Index(fields=["workspace", "plan"], name="company_plan"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("insights:company", args=[self.workspace.slug, self.pk])


class Customer(WorkspaceScoped):
    """A person who gives feedback; known by e-mail and/or the id in another system."""

    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="customers"
    )

    class Meta:
        ordering = ["name", "email", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email"], condition=~Q(email=""),
                name="customer_email_unique",
            ),
            models.UniqueConstraint(
                fields=["workspace", "external_id"], condition=NOT_BLANK_ID,
                name="customer_external_id_unique",
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["workspace", "name", "email"], name="customer_name")]

    def __str__(self) -> str:
        return self.name or self.email or self.external_id

    def get_absolute_url(self) -> str:
        return reverse("insights:customer", args=[self.workspace.slug, self.pk])


class Tag(WorkspaceScoped):
    """A label on feedback; names are stored lower-case, so "Billing" and "billing" are one."""

    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="tag_unique")]

    def __str__(self) -> str:
        return self.name


class Feedback(WorkspaceScoped):
    """What a customer said, from one channel. `received_at` is when they said it (an import
    keeps the original time); `created_at` is when it reached Northline. (source,
    external_id) identifies an item of another system, so sending it again updates it."""

    class Source(models.TextChoices):
        APP = "app", "In the app"
        EMAIL = "email", "E-mail"
        API = "api", "API"
        IMPORT = "import", "Import"
        PORTAL = "portal", "Portal"
        SUPPORT = "support", "Support"
        SALES = "sales", "Sales"
        REVIEW = "review", "Review"
        SURVEY = "survey", "Survey"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        NEW = "new", "New"
        TRIAGED = "triaged", "Triaged"
        LINKED = "linked", "Linked"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.APP)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    received_at = models.DateTimeField(default=timezone.now)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    external_url = models.CharField(max_length=500, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    # What identifies a row of an imported file that has no id column (see services.imports).
    content_hash = models.CharField(max_length=40, blank=True, editable=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="feedback")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "feedback"
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source", "external_id"], condition=NOT_BLANK_ID,
                name="feedback_external_id_unique",
            ),
            models.UniqueConstraint(
                fields=["workspace", "source", "content_hash"], condition=~Q(content_hash=""),
                name="feedback_content_hash_unique",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="feedback_rating_range",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["workspace", "status", "-received_at"], name="feedback_inbox"),
            models.Index(fields=["workspace", "-received_at"], name="feedback_recent"),
        ]

    def __str__(self) -> str:
        label = self.title or " ".join(self.text.split())
        return label if len(label) <= 60 else label[:59] + "…"

    def get_absolute_url(self) -> str:
        return reverse("insights:feedback", args=[self.workspace.slug, self.pk])


class Highlight(WorkspaceScoped):
    """A quote within a feedback's text: `quote == feedback.text[start:end]` (offsets count
    Unicode code points)."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="highlights")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["start", "end", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="highlight_span"),
            models.UniqueConstraint(fields=["feedback", "start", "end"], name="highlight_unique"),
        ]

    def __str__(self) -> str:
        return self.quote if len(self.quote) <= 60 else self.quote[:59] + "…"


class FeedbackLink(WorkspaceScoped):
    """Evidence for a feature: this feedback (or one quote of it) asks for it, this much.

    `customer`, `company`, `source`, `received_at` and `archived` are copies of the feedback's,
    kept by the services whenever the feedback changes, so that demand per feature is one scan
    of the `feedback_link_demand` index instead of a million lookups into the feedback table.
    """

    class Importance(models.TextChoices):
        NICE_TO_HAVE = "nice_to_have", "Nice to have"
        IMPORTANT = "important", "Important"
        CRITICAL = "critical", "Critical"

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="links")
    feature = models.ForeignKey(
        "planning.Feature", on_delete=models.CASCADE, related_name="feedback_links"
    )
    highlight = models.ForeignKey(
        Highlight, on_delete=models.SET_NULL, null=True, blank=True, related_name="links"
    )
    importance = models.CharField(
        max_length=12, choices=Importance.choices, default=Importance.IMPORTANT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=12, choices=Feedback.Source.choices)
    received_at = models.DateTimeField()
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["feedback", "feature"], name="feedback_link_unique")
        ]
        indexes = [
            models.Index(
                fields=[
                    "workspace", "feature", "archived", "customer", "company", "received_at",
                    "importance", "source",
                ],
                name="feedback_link_demand",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.feature.ref}: {self.feedback}"


class FeedbackImport(WorkspaceScoped):
    """A file being imported as feedback: the uploaded file, how its columns map to feedback
    fields, what the dry run found and how far the import has come.

    `rows_done` is the checkpoint: every row up to it is committed, so an interrupted import
    resumes after it (see decisions/0008). Counts add up over the runs of one import."""

    class Kind(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel workbook"
        EML = "eml", "E-mail (.eml)"
        MBOX = "mbox", "Mailbox (.mbox)"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        CHECKED = "checked", "Checked"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    file_name = models.CharField(max_length=200)
    stored_name = models.CharField(max_length=100, editable=False)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, editable=False)
    encoding = models.CharField(max_length=8, default="auto")
    preset = models.CharField(max_length=20, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    date_format = models.CharField(max_length=40, default="auto")
    source = models.CharField(
        max_length=12, choices=Feedback.Source.choices, default=Feedback.Source.IMPORT
    )
    tag_separator = models.CharField(max_length=3, default=",")
    skip_empty = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    checked = models.BooleanField(default=False)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    progress = models.ForeignKey(
        "core.TaskProgress", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("insights:import", args=[self.workspace.slug, self.pk])
