"""Dashboards: compose KPI tiles (a number with its change, or a chart), arrange them, and
share the dashboard read-only by a secret link. The link's secret is returned once; only its
SHA-256 is stored. Opening a link is rate-limited per client address and counted."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.safestring import SafeString

from northline.accounts.models import Workspace
from northline.accounts.services import digest
from northline.core import activity, ratelimit
from northline.core.access import Access
from northline.core.errors import Gone, Invalid, NotFound
from northline.core.roles import WRITE
from northline.insights.services import fields as check

from ..models import Dashboard, DashboardShare, Kpi, Tile
from ..timeseries import GRANULARITIES
from .kpi_charts import WINDOWS, Change, kpi_view
from .kpis import kpi_by_key

SHARE_PREFIX = "nld_"
VIEWS_PER_MINUTE = 60
MAX_TILES = 24
MAX_SHARE_DAYS = 366


def create_dashboard(access: Access, name: Any, description: Any = "") -> Dashboard:
    access.require(WRITE)
    errors = check.Errors()
    title = errors.check(check.text, name, "name", 200, required=True)
    about = errors.check(check.text, description, "description", 2000)
    errors.raise_any()
    with transaction.atomic():
        dashboard = Dashboard.objects.create(
            workspace=access.workspace,
            name=title or "",
            description=about or "",
            created_by=access.user,
        )
        activity.record(access.workspace, access.user, "dashboard.created", dashboard)
    return dashboard


def rename_dashboard(
    access: Access, dashboard: Dashboard, name: Any, description: Any = ""
) -> Dashboard:
    access.require(WRITE)
    errors = check.Errors()
    title = errors.check(check.text, name, "name", 200, required=True)
    about = errors.check(check.text, description, "description", 2000)
    errors.raise_any()
    with transaction.atomic():
        before = {"name": dashboard.name, "description": dashboard.description}
        dashboard.name, dashboard.description = title or "", about or ""
        dashboard.save()
        changes = activity.diff(
            before, {"name": dashboard.name, "description": dashboard.description}
        )
        activity.record(access.workspace, access.user, "dashboard.changed", dashboard, changes)
    return dashboard


def delete_dashboard(access: Access, dashboard: Dashboard) -> None:
    access.require(WRITE)
    with transaction.atomic():
        activity.record(access.workspace, access.user, "dashboard.deleted", dashboard)
        dashboard.delete()


def add_tile(
    access: Access, dashboard: Dashboard, kpi: Any, kind: Any = Tile.Kind.CHART,
    window: Any = "1y", granularity: Any = "",
) -> Tile:  # fmt: skip
    access.require(WRITE)
    errors = check.Errors()
    found = kpi if isinstance(kpi, Kpi) else errors.check(kpi_by_key, access, str(kpi or ""), "kpi")
    errors.check(check.choice, kind, "kind", Tile.Kind.values)
    errors.check(check.choice, window, "window", list(WINDOWS))
    if granularity:
        errors.check(check.choice, granularity, "granularity", GRANULARITIES)
    if dashboard.tiles.count() >= MAX_TILES:
        errors.messages.append(f"tiles: a dashboard holds at most {MAX_TILES} tiles")
    errors.raise_any()
    assert found is not None
    with transaction.atomic():
        last = dashboard.tiles.aggregate(last=Max("position"))["last"]
        tile = Tile.objects.create(
            workspace=access.workspace, dashboard=dashboard, kpi=found, kind=kind,
            window=window, granularity=granularity or "", position=(last or 0) + 1,
        )  # fmt: skip
        activity.record(
            access.workspace,
            access.user,
            "dashboard.tile_added",
            dashboard,
            {"kpi": found.key, "kind": kind},
        )
    return tile


def remove_tile(access: Access, tile: Tile) -> None:
    access.require(WRITE)
    with transaction.atomic():
        activity.record(
            access.workspace,
            access.user,
            "dashboard.tile_removed",
            tile.dashboard,
            {"kpi": tile.kpi.key},
        )
        tile.delete()


def move_tile(access: Access, tile: Tile, direction: str) -> None:
    """Swap the tile with its neighbour before ("up") or after ("down")."""
    access.require(WRITE)
    check.choice(direction, "direction", ("up", "down"))
    with transaction.atomic():
        tiles = list(tile.dashboard.tiles.select_for_update().order_by("position", "id"))
        index = next(i for i, t in enumerate(tiles) if t.pk == tile.pk)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(tiles):
            tiles[index], tiles[other] = tiles[other], tiles[index]
        for position, item in enumerate(tiles, start=1):
            if item.position != position:
                Tile.objects.filter(pk=item.pk).update(position=position)


# --- rendering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedTile:
    tile: Tile
    kpi: Kpi
    change: Change | None
    chart: SafeString | None
    granularity: str


def rendered(workspace: Workspace, dashboard: Dashboard) -> list[RenderedTile]:
    """Each tile with what it shows: the latest period and its change, or the chart."""
    result = []
    for tile in dashboard.tiles.select_related("kpi", "kpi__numerator", "kpi__denominator"):
        view = kpi_view(
            workspace, tile.kpi, tile.window, tile.granularity or None, with_breakdowns=False
        )
        chart = view.chart() if tile.kind == Tile.Kind.CHART else None
        result.append(RenderedTile(tile, tile.kpi, view.change, chart, view.series.granularity))
    return result


# --- share links -----------------------------------------------------------------------------


def create_share(
    access: Access, dashboard: Dashboard, label: Any = "", days: Any = None
) -> tuple[DashboardShare, str]:
    """A new read-only link; `days` until it expires (None: never). Returns the secret once."""
    access.require(WRITE)
    errors = check.Errors()
    name = errors.check(check.text, label, "label", 100)
    lifetime = errors.check(check.whole, days, "days", 1, MAX_SHARE_DAYS)
    errors.raise_any()
    secret = SHARE_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=lifetime) if lifetime else None
    with transaction.atomic():
        share = DashboardShare.objects.create(
            workspace=access.workspace, dashboard=dashboard, token_hash=digest(secret),
            label=name or "", expires_at=expires, created_by=access.user,
        )  # fmt: skip
        activity.record(
            access.workspace, access.user, "dashboard.shared", dashboard,
            {"expires_at": expires.isoformat() if expires else None},
        )  # fmt: skip
    return share, secret


def revoke_share(access: Access, share: DashboardShare) -> DashboardShare:
    access.require(WRITE)
    if share.revoked_at is not None:
        raise Invalid("share: this link is already revoked")
    with transaction.atomic():
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at", "updated_at"])
        activity.record(access.workspace, access.user, "dashboard.share_revoked", share.dashboard)
    return share


def open_share(secret: str, client: str) -> DashboardShare:
    """The share behind a link, for a visitor without an account; NotFound for an unknown
    secret, Gone for a revoked or expired one. Limited per client address."""
    ratelimit.hit(f"dashboard-share:client:{client}", VIEWS_PER_MINUTE, 60)
    share = (
        DashboardShare.objects.select_related("dashboard", "workspace")
        .filter(token_hash=digest(secret))
        .first()
    )
    if share is None:
        raise NotFound("This link is not valid.")
    if share.revoked_at is not None:
        raise Gone("This link was revoked.")
    if share.expires_at is not None and share.expires_at <= timezone.now():
        raise Gone("This link has expired.")
    DashboardShare.objects.filter(pk=share.pk).update(
        views=F("views") + 1, last_viewed_at=timezone.now()
    )
    return share
