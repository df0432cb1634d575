"""Strategy records: products with their vision board and its versions, read-only share
links, objectives with key results bound to KPIs, confidence check-ins, and the links from
objectives to planning's features (its initiatives; docs/decisions/0006-initiatives.md).

A board is one JSON document (`northline.strategy.board`); every edit stores the whole of it
as a new VisionVersion, so any two versions compare without replaying changes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from northline.core.models import ShareLinkBase, WorkspaceScoped


class Product(WorkspaceScoped):
    """A product of the workspace; it has one vision board (`content`, at `version`)."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    content: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="product_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("strategy:board", args=[self.workspace.slug, self.pk])


class VisionVersion(WorkspaceScoped):
    """The whole board as it was after one edit: who, when, and an optional note."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content: models.JSONField[Any, Any] = models.JSONField(default=dict)
    note = models.CharField(max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="vision_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product} v{self.number}"


class ShareLink(ShareLinkBase):
    """A read-only link to a product's vision for people without an account."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="share_links")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.label or f"Share link {self.pk}"


class Objective(WorkspaceScoped):
    """A qualitative goal of a product for a period ("2026-Q4", "2026-H2", "2026"), owned by
    a member; `parent` cascades it from a longer or higher objective."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    period = models.CharField(max_length=8)
    starts_on = models.DateField()
    ends_on = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["starts_on", "ends_on", "title", "id"]
        indexes = [models.Index(fields=["workspace", "starts_on"], name="objective_period")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("strategy:objective", args=[self.workspace.slug, self.pk])


class KeyResult(WorkspaceScoped):
    """A measurable result of an objective: the KPI moving from `start` to `target` by
    `due_on`. Its progress is read from the KPI's data, never typed in
    (northline.strategy.progress). A key result without a KPI is not measurable yet."""

    class Direction(models.TextChoices):
        INCREASE = "increase", "Increase"
        DECREASE = "decrease", "Decrease"

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    title = models.CharField(max_length=200)
    kpi = models.ForeignKey(  # a deleted KPI leaves the key result not measurable, and flagged
        "metrics.Kpi", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    start = models.FloatField()
    target = models.FloatField()
    direction = models.CharField(max_length=8, choices=Direction.choices)
    due_on = models.DateField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class CheckIn(WorkspaceScoped):
    """How confident the owner is that the key result will be met (0-10), and why."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="check_ins")
    confidence = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidence__lte=10), name="checkin_confidence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key_result}: {self.confidence}/10"


class ObjectiveLink(WorkspaceScoped):
    """Work that serves an objective: a planning feature, usually an initiative (its child
    features count as linked too). See docs/decisions/0006-initiatives.md."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="links")
    feature = models.ForeignKey(
        "planning.Feature", on_delete=models.CASCADE, related_name="objective_links"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["objective", "feature"], name="objective_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.objective} ← {self.feature}"
