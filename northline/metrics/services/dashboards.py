"""Dashboards: compose KPI tiles (a number with its change, or a chart), arrange them, and
share the dashboard read-only by a secret link. The link's secret is returned once; only its
SHA-256 is stored. Opening a link is rate-limited per client address and counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.safestring import SafeString

from northline.accounts.models import Workspace
from northline.core import activity, share_links
from northline.core.access import Access
from northline.core.roles import WRITE
from northline.insights.services import fields as check

from ..models import Dashboard, DashboardShare, Kpi, Tile
from ..timeseries import GRANULARITIES
from .kpi_charts import WINDOWS, Change, kpi_view
from .kpis import kpi_by_key

SHARE_PREFIX = "nld_"
SHARE_SCOPE = "dashboard-share:client"  # the rate limit's key, per client address
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
    name = errors.check(check.text, label, "label", share_links.LABEL_MAX)
    lifetime = errors.check(check.whole, days, "days", 1, MAX_SHARE_DAYS)
    errors.raise_any()
    expires = timezone.now() + timedelta(days=lifetime) if lifetime else None
    return share_links.issue(
        access, DashboardShare, dashboard, verb="dashboard.shared", label=name, expires_at=expires,
        prefix=SHARE_PREFIX, dashboard=dashboard,
    )  # fmt: skip


def revoke_share(access: Access, share: DashboardShare) -> DashboardShare:
    return share_links.revoke(access, share, share.dashboard, verb="dashboard.share_revoked")


def open_share(secret: str, client: str) -> DashboardShare:
    """The share behind a link, for a visitor without an account (`core.share_links`)."""
    return share_links.open_link(
        DashboardShare, secret, client=client, scope=SHARE_SCOPE, subject="dashboard"
    )
