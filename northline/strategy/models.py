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

from northline.core.models import WorkspaceScoped


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


class ShareLink(WorkspaceScoped):
    """A read-only link to a product's vision for people without an account. The secret is
    shown once; only its hash is stored. Revoked or expired links answer 410."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="share_links")
    label = models.CharField(max_length=120, blank=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    views = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.label or f"Share link {self.pk}"
