"""Insights records: companies and their customers, feedback with tags, highlighted quotes, and
links from feedback (or a quote in it) to planning's features.

Feedback is the big table (a workspace may hold a million rows): the inbox reads it through the
(workspace, status, -received_at) index, and demand aggregates the links per feature in SQL.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from northline.core.models import WorkspaceScoped

NOT_BLANK_ID = ~Q(external_id="")


def label_name(value: str) -> str:
    """A type or sentiment as people read it: "feature_request" → "Feature request"."""
    return value.replace("_", " ").capitalize()


def new_token() -> str:
    return uuid.uuid4().hex


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
    # What processing found (services/processing.py); `*_by_team` marks a correction, which
    # processing never overwrites and retraining learns from.
    kind = models.CharField("type", max_length=40, blank=True)
    kind_confidence = models.FloatField(null=True, blank=True)
    kind_by_team = models.BooleanField(default=False)
    sentiment = models.CharField(max_length=10, blank=True)
    sentiment_confidence = models.FloatField(null=True, blank=True)
    sentiment_by_team = models.BooleanField(default=False)
    language = models.CharField(max_length=8, blank=True)
    language_confidence = models.FloatField(null=True, blank=True)
    theme = models.ForeignKey(
        "insights.Theme", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="feedback",
    )  # fmt: skip
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    # The similarity index holds the text whose digest is `indexed_digest`; `indexed_seq`
    # orders the items as they joined it, so every server's copy catches up from its own mark.
    indexed_digest = models.CharField(max_length=32, blank=True)
    indexed_seq = models.BigIntegerField(null=True, blank=True)

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
            # The unfiltered list in its exact order (and the status to check): an ordering
            # index the planner prefers to any covering one it would have to sort.
            models.Index(
                fields=["workspace", "-received_at", "-id", "status"], name="feedback_recent_order"
            ),
            # The inbox's processing filters: in the list's order (newest first, then id), and
            # `status` last, so that both the page and the tab counts under a filter are read
            # from the index alone.
            models.Index(
                fields=["workspace", "kind", "-received_at", "-id", "status"],
                name="feedback_kind_order",
            ),
            models.Index(
                fields=["workspace", "sentiment", "-received_at", "-id", "status"],
                name="feedback_sentiment_order",
            ),
            models.Index(
                fields=["workspace", "language", "-received_at", "-id", "status"],
                name="feedback_language_order",
            ),
            # A theme is not in the tally (decision 0021): its index also carries the tally's
            # facets, so that a theme with type, sentiment, language or source is counted
            # from the index alone.
            models.Index(
                fields=[
                    "workspace",
                    "theme",
                    "-received_at",
                    "-id",
                    "status",
                    "kind",
                    "sentiment",
                    "language",
                    "source",
                ],
                name="feedback_theme_facets",
            ),
            # The source and assignee filters, in the list's order: without them the planner
            # walks the newest-first index and checks each row (a rare source, or "assigned
            # to me" with few such rows, read the whole workspace: 1.8 s at a million).
            models.Index(
                fields=["workspace", "source", "-received_at", "-id", "status"],
                name="feedback_source_order",
            ),
            models.Index(
                fields=["workspace", "assignee", "-received_at", "-id", "status"],
                name="feedback_assignee_order",
            ),
            models.Index(fields=["workspace", "indexed_seq"], name="feedback_indexed_seq"),
        ]

    def __str__(self) -> str:
        label = self.title or " ".join(self.text.split())
        return label if len(label) <= 60 else label[:59] + "…"

    def get_absolute_url(self) -> str:
        return reverse("insights:feedback", args=[self.workspace.slug, self.pk])

    @property
    def type_name(self) -> str:
        """ "feature_request" → "Feature request" (the team's own types read the same way)."""
        return label_name(self.kind)


class FeedbackTally(models.Model):
    """How many feedback items of a workspace share one (status, type, sentiment, language,
    source): the inbox's tab counts, with or without those filters, are a sum over a few
    hundred of these rows instead of a count over a million feedback rows.

    Kept by database triggers on the feedback table (migration 0006, decision 0021), in the
    transaction of every write, whichever code path writes (the ORM, an import's executemany,
    a cascade); `northline recount_feedback` rebuilds it from the feedback itself."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10)
    kind = models.CharField(max_length=40)
    sentiment = models.CharField(max_length=10)
    language = models.CharField(max_length=8)
    source = models.CharField(max_length=12)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "status", "kind", "sentiment", "language", "source"],
                name="feedback_tally_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.status}/{self.kind}/{self.sentiment}/{self.language}/{self.source}: {self.n}"


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


# --- processing: themes, similar items, the workspace's models -----------------------------


class Theme(WorkspaceScoped):
    """Feedback about the same need, found by clustering. A theme the team renamed, split or
    merged is `curated`: re-clustering keeps its label and its members."""

    label = models.CharField(max_length=200)
    terms = models.JSONField(default=list, blank=True)
    representative = models.ForeignKey(
        Feedback, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    curated = models.BooleanField(default=False)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-size", "label", "id"]
        indexes = [models.Index(fields=["workspace", "-size"], name="theme_size")]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("insights:theme", args=[self.workspace.slug, self.pk])

    @property
    def renamed(self) -> bool:
        """The label is not the top terms (the team named it), so the terms are worth showing."""
        return self.label != ", ".join(self.terms)


class SimilarFeedback(WorkspaceScoped):
    """`other` reads like `feedback` (cosine `score`), found when `feedback` was processed."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="similar")
    other = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="similar_to")
    score = models.FloatField()

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["feedback", "other"], name="similar_feedback_unique")
        ]


class SimilarFeature(WorkspaceScoped):
    """A planning feature whose title and description read like the feedback."""

    feedback = models.ForeignKey(
        Feedback, on_delete=models.CASCADE, related_name="similar_features"
    )
    feature = models.ForeignKey(
        "planning.Feature", on_delete=models.CASCADE, related_name="similar_feedback"
    )
    score = models.FloatField()

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["feedback", "feature"], name="similar_feature_unique")
        ]


class DuplicateVerdict(WorkspaceScoped):
    """The team's word on a pair: duplicates (merged) or not. The workspace's duplicate
    threshold is learnt from these pairs' scores."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="+")
    duplicate = models.BooleanField()
    score = models.FloatField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["feedback", "other"], name="duplicate_verdict_unique")
        ]


class TextModel(WorkspaceScoped):
    """One trained version of a workspace's classifier ("type" or "sentiment"); the newest
    version of the workspace's tier is the one in use. An "encoder" version is the semantic
    encoder tuned on the team's merged duplicates (`text.semantic.EncoderWeights`): stored with
    the index built by it, and in use from then on (`TextSettings.encoder_version`, decision
    0038); its `team_labels` are the merged items it learnt from, `clusters` their groups,
    `adapted` the workspace's own texts whose random crops it adapted to (decision 0057)."""

    class Task(models.TextChoices):
        TYPE = "type", "Type"
        SENTIMENT = "sentiment", "Sentiment"
        ENCODER = "encoder", "Encoder"

    task = models.CharField(max_length=10, choices=Task.choices)
    tier = models.CharField(max_length=10)
    version = models.PositiveIntegerField()
    data = models.BinaryField()
    labels = models.JSONField(default=list)
    team_labels = models.PositiveIntegerField()
    seed_labels = models.PositiveIntegerField()
    clusters = models.PositiveIntegerField(default=0)
    adapted = models.PositiveIntegerField(default=0)  # an encoder: own texts cropped (0057)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "task", "version"], name="text_model_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} model v{self.version}"


class TextSettings(WorkspaceScoped):
    """A workspace's processing: its tier, what it learnt, and the shared bookkeeping of its
    similarity index and theme model (one row per workspace, locked while changed)."""

    tier = models.CharField(max_length=10, default="lexical")
    # Names this row's similarity index: a new token (a new tier) makes every server reload.
    token = models.CharField(max_length=32, default=new_token)
    duplicate_threshold = models.FloatField(default=0.5)
    categories = models.JSONField(default=list, blank=True)  # the team's own types
    # Corrections of each task since its model's last training started (a retraining is due
    # at RETRAIN_AFTER of its own).
    type_corrections = models.PositiveIntegerField(default=0)
    sentiment_corrections = models.PositiveIntegerField(default=0)
    merges_since_training = models.PositiveIntegerField(default=0)
    adapted_items = models.PositiveIntegerField(default=0)  # indexed when it last adapted
    # The TextModel "encoder" version the similarity index was built with (0: the base model).
    encoder_version = models.PositiveIntegerField(default=0)
    next_seq = models.BigIntegerField(default=0)
    snapshot = models.CharField(max_length=200, blank=True)
    snapshot_seq = models.BigIntegerField(default=0)
    theme_model = models.BinaryField(null=True, blank=True)
    theme_ids = models.JSONField(default=list, blank=True)
    themes_clustered = models.PositiveIntegerField(default=0)
    themes_assigned = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace"], name="text_settings_unique")]


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
