"""Strategy pages for owner / admin / editor / viewer / outsider / anonymous: the board, its
editing, history and diff, print, share links and the public page; objectives, key results,
check-ins, links; the alignment map. CSRF, escaping and the rate limit of the public page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from northline.core import ratelimit, share_links
from northline.strategy.models import (
    CheckIn,
    KeyResult,
    Objective,
    ObjectiveLink,
    Product,
    ShareLink,
    VisionVersion,
)
from northline.strategy.services import sharing, vision
from tests.conftest import Team
from tests.personas import PERSONAS
from tests.strategy.conftest import Strategy

pytestmark = pytest.mark.django_db

READ = {"owner": 200, "admin": 200, "editor": 200, "viewer": 200, "outsider": 404}
WRITE = {"owner": 302, "admin": 302, "editor": 302, "viewer": 403, "outsider": 404}


def read_pages(team: Team, s: Strategy) -> list[str]:
    w = f"/w/{team.workspace.slug}"
    p, o = f"{w}/vision/{s.product.pk}", f"{w}/objectives/{s.objective.pk}"
    return [
        f"{w}/vision/?all", f"{p}/", f"{p}/history/", f"{p}/history/1/", f"{p}/diff/",
        f"{p}/diff/?old=0&new=2&mode=inline&all", f"{p}/print/", f"{p}/share/",
        f"{w}/objectives/", f"{w}/objectives/?period=2020-Q1", f"{o}/", f"{w}/alignment/",
        f"{w}/alignment/?period=all",
    ]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
def test_product_settings(team: Team, s: Strategy, persona: str) -> None:
    url = f"/w/{team.workspace.slug}/vision/{s.product.pk}/settings/"
    response = team.client(persona).get(url)
    expected = {"viewer": 403, "outsider": 404, "anonymous": 302}.get(persona, 200)
    assert response.status_code == expected
    deleting = team.client(persona).post(f"/w/{team.workspace.slug}/vision/{s.product.pk}/delete/")
    allowed = {
        "owner": 302,
        "admin": 302,
        "editor": 403,
        "viewer": 403,
        "outsider": 404,
        "anonymous": 302,
    }
    assert deleting.status_code == allowed[persona]
    assert Product.objects.exists() == (persona not in ("owner", "admin"))


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(13))
def test_read_pages(team: Team, s: Strategy, persona: str, index: int) -> None:
    page = read_pages(team, s)[index]
    response = team.client(persona).get(page)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    else:
        assert response.status_code == READ[persona], page


def write_posts(team: Team, s: Strategy) -> list[tuple[str, dict[str, Any]]]:
    w = f"/w/{team.workspace.slug}"
    p, o = f"{w}/vision/{s.product.pk}", f"{w}/objectives/{s.objective.pk}"
    k = f"{o}/key-results/{s.kr.pk}"
    board = {
        "purpose": "New purpose", "vision": "v", "value_proposition": "", "problems": "", "differentiators": "",
        "business_goals": "", "trends": "", "north_star": "", "note": "", "base_version": "2",
        "persona-TOTAL_FORMS": "1", "persona-INITIAL_FORMS": "0", "competitor-TOTAL_FORMS": "1",
        "competitor-INITIAL_FORMS": "0",
    }  # fmt: skip
    return [
        (f"{w}/vision/new/", {"name": "Mobile app"}),
        (f"{p}/edit/", board),
        (f"{p}/history/1/restore/", {}),
        (f"{p}/share/{ShareLink.objects.get().pk}/revoke/", {}),
        (f"{w}/objectives/new/", {"product": str(s.product.pk), "title": "Retain", "period": "2026-H2"}),
        (f"{o}/edit/", {"title": "Grow activation fast", "period": s.objective.period}),
        (f"{o}/key-results/", {"title": "Churn", "start": "5", "target": "3"}),
        (f"{k}/edit/", {"title": "More teams", "start": "100", "target": "250"}),
        (f"{k}/check-ins/", {"confidence": "4", "comment": "Slower"}),
        (f"{o}/links/", {"feature_ref": s.feature.ref}),
        (f"{o}/links/{s.initiative.number}/remove/", {}),
        (f"{o}/initiatives/", {"title": "Onboarding revamp"}),
        (f"{k}/delete/", {}),
        (f"{o}/delete/", {}),
    ]  # fmt: skip


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (Product, VisionVersion, ShareLink, Objective, KeyResult, CheckIn, ObjectiveLink)
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(14))
def test_write_pages(team: Team, s: Strategy, persona: str, index: int) -> None:
    sharing.create_link(team.access("editor"), s.product)
    url, data = write_posts(team, s)[index]
    before = counts()
    response = team.client(persona).post(url, data)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    else:
        assert response.status_code == WRITE[persona], (url, response.content[:2000])
    if response.status_code != 302 or persona == "anonymous":
        assert counts() == before


def test_writes_need_csrf(team: Team, s: Strategy) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.editor)
    response = client.post(
        f"/w/{team.workspace.slug}/objectives/{s.objective.pk}/key-results/{s.kr.pk}/check-ins/",
        {"confidence": "5"},
    )
    assert response.status_code == 403
    assert CheckIn.objects.count() == 1


def test_edit_board_with_personas_then_diff(team: Team, s: Strategy) -> None:
    client, p = team.client("editor"), f"/w/{team.workspace.slug}/vision/{s.product.pk}"
    page = client.get(f"{p}/edit/").content.decode()
    assert 'name="base_version" value="2"' in page
    data = {
        "purpose": "Answers, fast", "vision": "Every team decides with data", "value_proposition": "One place",
        "problems": "Slow reports\nGuesswork", "differentiators": "", "business_goals": "", "trends": "",
        "north_star": str(s.kpi.pk), "note": "Added Pat", "base_version": "2",
        "persona-TOTAL_FORMS": "2", "persona-INITIAL_FORMS": "0",
        "persona-0-name": "Pat <PM>", "persona-0-goals": "Ship\nLearn", "persona-0-pains": "", "persona-0-jobs": "",
        "persona-0-description": "", "persona-1-name": "",
        "competitor-TOTAL_FORMS": "1", "competitor-INITIAL_FORMS": "0",
        "competitor-0-name": "Rival", "competitor-0-url": "https://rival.example", "competitor-0-notes": "Cheap",
    }  # fmt: skip
    response = client.post(f"{p}/edit/", data)
    assert response.status_code == 302
    product = Product.objects.get()
    assert product.version == 3 and product.content["audiences"][0]["goals"] == ["Ship", "Learn"]
    board = client.get(f"{p}/").content.decode()
    assert "Pat &lt;PM&gt;" in board and "<PM>" not in board  # escaped
    assert "Active teams" in board and "Added Pat" in board
    diff = client.get(f"{p}/diff/?old=2&new=3").content.decode()
    assert '<td class="ins">### Pat &lt;PM&gt;</td>' in diff
    inline = client.get(f"{p}/diff/?old=2&new=3&mode=inline").content.decode()
    assert '<span class="ins">+ Goals: Ship</span>' in inline


def test_bad_board_input_shows_the_message_and_saves_nothing(team: Team, s: Strategy) -> None:
    client, p = team.client("editor"), f"/w/{team.workspace.slug}/vision/{s.product.pk}"
    data = {
        "purpose": "x", "base_version": "1", "persona-TOTAL_FORMS": "0", "persona-INITIAL_FORMS": "0",
        "competitor-TOTAL_FORMS": "0", "competitor-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = client.post(f"{p}/edit/", data)
    assert response.status_code == 422
    assert (
        "the board changed since version 1 (now version 2); reload and edit again"
        in response.content.decode()
    )
    assert VisionVersion.objects.count() == 2


def test_share_link_is_shown_once_and_opens_anonymously(team: Team, s: Strategy) -> None:
    client, p = team.client("editor"), f"/w/{team.workspace.slug}/vision/{s.product.pk}"
    response = client.post(f"{p}/share/new/", {"label": "Board <b>", "expires_on": ""})
    assert response.status_code == 201
    url = re.search(r'id="new-link" readonly value="([^"]+)"', response.content.decode()).group(1)
    secret = url.rstrip("/").rsplit("/", 1)[1]
    assert ShareLink.objects.get().secret_hash != secret and secret not in str(
        ShareLink.objects.values_list()
    )
    assert secret not in client.get(f"{p}/share/").content.decode()
    public = Client().get(f"/vision/{secret}/")
    assert public.status_code == 200 and public["X-Robots-Tag"] == "noindex, nofollow"
    body = public.content.decode()
    assert "Every team decides with data" in body and "Shared read-only" in body
    assert "sidebar" not in body and "Objectives" not in body  # nothing else of the workspace
    assert ShareLink.objects.get().views == 1
    link = ShareLink.objects.get()
    client.post(f"{p}/share/{link.pk}/revoke/")
    gone = Client().get(f"/vision/{secret}/")
    assert (
        gone.status_code == 410
        and "this link was revoked; ask for a new one" in gone.content.decode()
    )
    assert Client().get("/vision/not-a-secret/").status_code == 404


def test_expired_share_link_is_gone(team: Team, s: Strategy) -> None:
    link, secret = sharing.create_link(
        team.access("editor"), s.product, expires_at=timezone.now() + timedelta(days=1)
    )
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().get(f"/vision/{secret}/")
    assert (
        response.status_code == 410
        and "this link has expired; ask for a new one" in response.content.decode()
    )


def test_public_page_is_rate_limited(team: Team, s: Strategy) -> None:
    _, secret = sharing.create_link(team.access("editor"), s.product)
    ratelimit.reset("vision-share:127.0.0.1")
    client = Client()
    for _ in range(share_links.VIEWS_PER_MINUTE):
        assert client.get(f"/vision/{secret}/").status_code == 200
    response = client.get(f"/vision/{secret}/")
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()


def test_objectives_page_shows_progress_and_the_rule(team: Team, s: Strategy) -> None:
    page = team.client("viewer").get(f"/w/{team.workspace.slug}/objectives/").content.decode()
    assert "Grow activation" in page and "More active teams" in page
    assert "60%" in page  # (160 − 100) / (200 − 100)
    assert "Progress = (current − start) ÷ (target − start)" in page
    detail = team.client("viewer").get(s.objective.get_absolute_url()).content.decode()
    assert "<svg" in detail and "Good momentum" in detail and s.initiative.ref in detail
    assert "Check in" not in detail  # a viewer sees no write forms


def test_key_result_form_errors_name_field_and_value(team: Team, s: Strategy) -> None:
    url = f"/w/{team.workspace.slug}/objectives/{s.objective.pk}/key-results/"
    response = team.client("editor").post(url, {"title": "Flat", "start": "10", "target": "10"})
    assert response.status_code == 422
    assert "must differ from start (10)" in response.content.decode()
    bad = team.client("editor").post(url, {"title": "Typo", "start": "ten", "target": "10"})
    assert "must be a number, got &#x27;ten&#x27;" in bad.content.decode()
    assert KeyResult.objects.count() == 1


def test_check_in_with_a_bad_confidence(team: Team, s: Strategy) -> None:
    url = f"/w/{team.workspace.slug}/objectives/{s.objective.pk}/key-results/{s.kr.pk}/check-ins/"
    response = team.client("editor").post(url, {"confidence": "12"})
    assert response.status_code == 422 and CheckIn.objects.count() == 1


def test_alignment_page_shows_the_tree_and_gaps(team: Team, s: Strategy) -> None:
    from northline.planning.services import features

    features.create_feature(team.access("editor"), "Stray <work>", status="in_progress")
    page = team.client("viewer").get(f"/w/{team.workspace.slug}/alignment/").content.decode()
    tree = page.split('id="alignment-map"')[1].split('id="gaps"')[0]
    assert (
        tree.index("Acme Analytics")
        < tree.index("Grow activation")
        < tree.index("Self-serve analytics")
        < tree.index("Funnel reports")
    )
    gaps = page.split('id="gaps"')[1]
    assert "Stray &lt;work&gt;" in gaps


def test_vision_home_goes_to_the_only_board(team: Team, s: Strategy) -> None:
    response = team.client("viewer").get(f"/w/{team.workspace.slug}/vision/")
    assert response.status_code == 302 and response["Location"] == s.product.get_absolute_url()
    vision.create_product(team.access("editor"), "Mobile")
    listing = team.client("viewer").get(f"/w/{team.workspace.slug}/vision/")
    assert listing.status_code == 200 and "Mobile" in listing.content.decode()


def test_planning_feature_page_lists_the_objectives_it_serves(team: Team, s: Strategy) -> None:
    page = team.client("viewer").get(s.feature.get_absolute_url()).content.decode()
    section = page.split('id="objectives"')[1].split("</section>")[0]
    assert "Grow activation" in section  # through its initiative


def test_a_version_page_shows_that_version(team: Team, s: Strategy) -> None:
    page = team.client("viewer").get(f"/w/{team.workspace.slug}/vision/{s.product.pk}/history/1/")
    text = page.content.decode()
    assert "Answers for every team" in text and "Answers, fast" not in text
    assert "the current version is 2" in text
