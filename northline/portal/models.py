"""The public portal of a workspace: its settings, customers' sign-in links and sessions, and
the ideas they post, vote on, comment and follow.

A portal customer is an insights Customer (found or created by e-mail); every published idea
is also a Feedback item of the insights inbox (source "portal"), so the team links it to a
planning feature the way it links any evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from northline.core.models import WorkspaceScoped


class Portal(WorkspaceScoped):
    """One per workspace. Public: anyone reads, signed-in customers write. Private: only
    customers whose e-mail domain is allowed, or who were invited, see anything."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        PRIVATE = "private", "Private"

    enabled = models.BooleanField(default=False)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True)
    moderation = models.BooleanField(default=False)
    allowed_domains = models.JSONField(default=list, blank=True)
    invited_emails = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="portal_one_per_workspace")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:ideas", args=[self.workspace.slug])


class SignInLink(WorkspaceScoped):
    """A magic link e-mailed to a customer: single use, short-lived; only its hash is kept."""

    email = models.CharField(max_length=254)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["expires_at"], name="sign_in_link_expiry")]

    def __str__(self) -> str:
        return f"sign-in link for {self.email}"


class PortalSession(WorkspaceScoped):
    """A customer signed in to one workspace's portal, apart from team logins: its own cookie,
    whose hash is kept here, so signing out (or removing the row) ends it everywhere."""

    customer = models.ForeignKey(
        "insights.Customer", on_delete=models.CASCADE, related_name="portal_sessions"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="portal_session_expiry")]

    def __str__(self) -> str:
        return f"portal session of {self.customer}"


class Idea(WorkspaceScoped):
    """What a customer asks for. `state` is moderation (pending ideas are seen by the team
    only); `status` is what customers see of the team's plans. `votes` and `comments` are
    counts kept by the services, so lists sort by them through an index."""

    class Status(models.TextChoices):
        UNDER_REVIEW = "under_review", "Under review"
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        SHIPPED = "shipped", "Shipped"
        DECLINED = "declined", "Declined"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"
        MERGED = "merged", "Merged"

    title = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNDER_REVIEW)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PUBLISHED)
    author = models.ForeignKey(
        "insights.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    feedback = models.OneToOneField(
        "insights.Feedback", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="portal_idea",
    )  # fmt: skip
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    votes = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    edited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-votes", "-id"]
        indexes = [
            models.Index(fields=["workspace", "state", "-votes", "-id"], name="idea_top"),
            models.Index(fields=["workspace", "state", "-id"], name="idea_new"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:idea", args=[self.workspace.slug, self.pk])

    def get_team_url(self) -> str:
        return reverse("portal:team_idea", args=[self.workspace.slug, self.pk])


class Vote(WorkspaceScoped):
    """One customer's vote on an idea (at most one); `on_behalf_by` is the team member who
    cast it for them (from a sales call, a support ticket)."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="vote_rows")
    customer = models.ForeignKey("insights.Customer", on_delete=models.CASCADE, related_name="+")
    on_behalf_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["idea", "customer"], name="vote_once_per_customer")
        ]
        indexes = [models.Index(fields=["idea", "created_at"], name="vote_recent")]

    def __str__(self) -> str:
        return f"{self.customer} → {self.idea}"


class Comment(WorkspaceScoped):
    """A comment by a customer, or a reply by a team member (`official`: followers hear it)."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comment_rows")
    customer = models.ForeignKey(
        "insights.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    text = models.TextField()
    official = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PUBLISHED)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["workspace", "state", "id"], name="comment_queue")]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 60 else self.text[:59] + "…"


class Follow(WorkspaceScoped):
    """A customer who hears of the idea's status changes and the team's official replies."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="follows")
    customer = models.ForeignKey("insights.Customer", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idea", "customer"], name="follow_once_per_customer")
        ]

    def __str__(self) -> str:
        return f"{self.customer} follows {self.idea}"


class SimilarIndex(WorkspaceScoped):
    """The workspace's similar-ideas index as the background task last built it (the text
    engine's plain-array `.npz` form, zlib-compressed), and what it
    covers: `ideas` published ideas, the newest `latest` (their max `edited_at`). Every app
    server loads it instead of building its own, then adds ideas published since."""

    tier = models.CharField(max_length=20)
    ideas = models.PositiveIntegerField()
    latest = models.DateTimeField(null=True, blank=True)
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="similar_index_one_per_workspace")
        ]

    def __str__(self) -> str:
        return f"similar-ideas index of {self.ideas} ideas"
