"""The shared kernel's records: the workspace-scoped base, the share-link base, the activity
log, task progress and rate-limit counters."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class WorkspaceScoped(models.Model):
    """Base of every domain row: it belongs to exactly one workspace.

    Rows are loaded for a user only through `northline.core.access`, which checks the role.
    """

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ShareLinkBase(WorkspaceScoped):
    """A read-only link to one record for people without an account (a product's vision, a
    dashboard). The secret is shown once; only its SHA-256 is stored. A revoked or expired link
    answers 410. `northline.core.share_links` issues, revokes and opens them."""

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
        abstract = True

    @property
    def active(self) -> bool:
        expired = self.expires_at is not None and self.expires_at <= timezone.now()
        return self.revoked_at is None and not expired


class Activity(models.Model):
    """Who did what to which object, and what changed: written by services only."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="activities"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verb = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["workspace", "-id"], name="activity_workspace_recent")]

    def __str__(self) -> str:
        return f"{self.by} {self.verb} {self.object_repr}"

    @property
    def by(self) -> str:
        """Who the feed names: the member, Northline for what it did by itself (`AUTOMATIC`),
        else someone without an account (a survey respondent, a member deleted since)."""
        if self.actor is not None:
            return str(self.actor)
        return "Northline" if self.verb in AUTOMATIC else "Someone"

    @property
    def change_lines(self) -> list[tuple[str, str]]:
        """Each recorded change as the feed reads it: `[old, new]` as "old → new" (the new
        value alone when there was none before), any other value as it is."""
        return [(key, _change_text(value)) for key, value in self.changes.items()]

    @property
    def phrase(self) -> str:
        """ "member.role_changed" → "changed the role of", for people reading the feed."""
        return PHRASES.get(self.verb, self.verb.replace(".", " ").replace("_", " "))


PHRASES = {
    "workspace.created": "created the workspace",
    "workspace.renamed": "renamed the workspace to",
    "workspace.export_started": "started an export of",
    "member.joined": "joined:",
    "member.left": "left:",
    "member.removed": "removed",
    "member.role_changed": "changed the role of",
    "invitation.created": "created an",
    "invitation.revoked": "revoked an",
    "token.created": "created the API token",
    "token.revoked": "revoked the API token",
}


def _change_text(value: Any) -> str:
    if isinstance(value, list) and len(value) == 2:
        before, after = (_value_text(v) for v in value)
        return after if value[0] is None else f"{before} → {after}"
    return _value_text(value)


def _value_text(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "none"
    if isinstance(value, list):
        return ", ".join(_value_text(v) for v in value)
    if isinstance(value, dict):  # a record (an option, a period): its name, else its fields
        for key in ("name", "title", "label"):
            if key in value:
                return str(value[key])
        return ", ".join(f"{key} {_value_text(v)}" for key, v in value.items())
    return str(value)


# Verbs Northline records of its own work, with no member acting (apps add theirs, as for PHRASES).
AUTOMATIC: set[str] = set()


class TaskProgress(models.Model):
    """Progress of a background task, as a page shows it. Keyed by the task result id."""

    task_id = models.CharField(max_length=64, unique=True)
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="task_progress"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    percent = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, default="queued")
    result: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.percent}%)"

    @property
    def finished(self) -> bool:
        return self.status in {"succeeded", "failed"}


class RateLimitHit(models.Model):
    """A counter per key and fixed window, in the database so that several servers share it."""

    key = models.CharField(max_length=200)
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="ratelimit_key_window")
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.window_start}: {self.count}"
