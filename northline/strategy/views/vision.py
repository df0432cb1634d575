"""Pages of the vision board under /w/<slug>/vision/: products, the board, editing it, its
history and diffs, the print page, share links, and the public page a share link opens."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from northline.core.access import Access
from northline.core.errors import Conflict, DomainError
from northline.core.pages import show_errors, workspace_for
from northline.core.roles import MANAGE, WRITE

from .. import board as board_content
from ..forms import BoardForm, CompetitorFormSet, PersonaFormSet, ProductForm, ShareForm, filled
from ..models import Product, ShareLink
from ..services import sharing
from ..services import vision as service
from .common import kpi_choices, page_context


def _load(request: HttpRequest, slug: str, pk: int, write: bool = False) -> tuple[Access, Product]:
    access = workspace_for(request, slug, WRITE) if write else workspace_for(request, slug)
    return access, access.get(Product, pk=pk)


def _board_context(product: Product, content: dict[str, Any] | None = None) -> dict[str, Any]:
    """What _board.html shows: the product's current board, or `content` (an old version)."""
    content = board_content.clean(product.content if content is None else content)
    return {
        "product": product, "board": content, "blank": board_content.is_blank(content),
        "texts": [(board_content.TEXTS[k], content[k]) for k in board_content.TEXTS],
        "lists": [(board_content.LISTS[k], content[k]) for k in board_content.LISTS],
        "personas": [
            (p, [(label, p[key]) for key, label in board_content.PERSONA_LISTS.items()])
            for p in content["audiences"]
        ],
    }  # fmt: skip


@login_required
def home(request: HttpRequest, slug: str) -> HttpResponse:
    """The vision area: straight to the board when the workspace has one product."""
    access = workspace_for(request, slug)
    products = list(service.products(access))
    if len(products) == 1 and "all" not in request.GET:
        return redirect(products[0])
    form = ProductForm()
    return render(
        request,
        "strategy/products.html",
        page_context(access, "vision", products=products, form=form),
    )


@login_required
@require_POST
def product_new(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    form = ProductForm(request.POST)
    if form.is_valid():
        try:
            product = service.create_product(access, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Added {product.name}; write its vision next.")
            return redirect("strategy:board_edit", slug, product.pk)
    context = page_context(access, "vision", products=list(service.products(access)), form=form)
    return render(request, "strategy/products.html", context, status=422)


@login_required
def product_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Rename or describe the product; admins may delete it (with its board and objectives)."""
    access, product = _load(request, slug, pk, write=True)
    initial = {"name": product.name, "description": product.description}
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            service.update_product(access, product, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Product saved.")
            return redirect(product)
    context = page_context(
        access, "vision", product=product, form=form, can_delete=access.can(MANAGE)
    )
    status = 422 if request.method == "POST" else 200
    return render(request, "strategy/product_edit.html", context, status=status)


@login_required
@require_POST
def product_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, product = _load(request, slug, pk, write=True)
    service.delete_product(access, product)
    messages.success(request, f"Deleted {product.name} with its vision, objectives and links.")
    return redirect(reverse("strategy:home", args=[slug]) + "?all")


@login_required
def board_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, product = _load(request, slug, pk)
    latest = service.versions(product).first()
    others = service.products(access).exclude(pk=product.pk)
    context = page_context(
        access, "vision", latest=latest, others=others, **_board_context(product)
    )
    return render(request, "strategy/board.html", context)


def _forms(request: HttpRequest, access: Access, product: Product) -> tuple[Any, Any, Any]:
    content = board_content.clean(product.content or {})
    data = request.POST if request.method == "POST" else None
    personas = [
        {**p, **{k: "\n".join(p[k]) for k in board_content.PERSONA_LISTS}}
        for p in content["audiences"]
    ]
    return (
        BoardForm(
            data, initial=BoardForm.initial_of(content, product.version), kpis=kpi_choices(access)
        ),
        PersonaFormSet(data, initial=personas, prefix="persona"),
        CompetitorFormSet(data, initial=content["competitors"], prefix="competitor"),
    )


@login_required
def board_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, product = _load(request, slug, pk, write=True)
    form, personas, competitors = _forms(request, access, product)
    if request.method == "POST" and all(f.is_valid() for f in (form, personas, competitors)):
        fields = dict(form.cleaned_data)
        note, base = fields.pop("note"), fields.pop("base_version")
        fields |= {"audiences": filled(personas), "competitors": filled(competitors)}
        try:
            saved = service.edit_board(access, product, fields, note=note, base_version=base)
        except Conflict as error:  # someone saved in between: the hidden base_version's error
            form.add_error(None, error.message)
        except DomainError as error:
            show_errors(form, error)
        else:
            text = f"Saved as version {saved.number}." if saved else "Nothing changed."
            messages.success(request, text)
            return redirect(product)
    context = page_context(
        access, "vision", product=product, form=form, personas=personas, competitors=competitors
    )
    status = 422 if request.method == "POST" else 200
    return render(request, "strategy/board_edit.html", context, status=status)


@login_required
def history(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, product = _load(request, slug, pk)
    rows = list(service.versions(product)[:200])
    context = page_context(access, "vision", product=product, versions=rows)
    return render(request, "strategy/history.html", context)


@login_required
def version_page(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    access, product = _load(request, slug, pk)
    version = service.version_of(product, number)
    context = page_context(
        access, "vision", version=version, current=product,
        **_board_context(product, version.content),
    )  # fmt: skip
    return render(request, "strategy/version.html", context)


@login_required
@require_POST
def version_restore(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    access, product = _load(request, slug, pk, write=True)
    try:
        saved = service.restore(access, product, number)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("strategy:version", slug, pk, number)
    messages.success(request, f"Version {number} restored as version {saved.number}.")
    return redirect(product)


@login_required
def diff_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Two versions side by side (or inline, ?mode=inline); defaults to the last change."""
    access, product = _load(request, slug, pk)
    new = request.GET.get("new") or str(product.version)
    old = request.GET.get("old") or str(max(int(new) - 1, 0) if new.isdigit() else 0)
    mode = "inline" if request.GET.get("mode") == "inline" else "side"
    comparison = service.compare(product, old, new)
    context = page_context(
        access, "vision", product=product, comparison=comparison, mode=mode, old=old, new=new,
        numbers=list(range(product.version, -1, -1)), show_all="all" in request.GET,
    )  # fmt: skip
    return render(request, "strategy/diff.html", context)


@login_required
def print_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, product = _load(request, slug, pk)
    context = {
        "access": access,
        "shared": False,
        "printed": timezone.now(),
        **_board_context(product),
    }
    return render(request, "strategy/print.html", context)


def _share_context(
    access: Access, product: Product, form: ShareForm, **extra: Any
) -> dict[str, Any]:
    links = sharing.links(product)
    return page_context(access, "vision", product=product, links=links, form=form, **extra)


@login_required
def share_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, product = _load(request, slug, pk)
    context = _share_context(access, product, ShareForm())
    return render(request, "strategy/share.html", context)


@login_required
@require_POST
def share_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A new link; its address (with the secret) is shown on this answer only."""
    access, product = _load(request, slug, pk, write=True)
    form = ShareForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["expires_on"]
        expires = timezone.make_aware(datetime.combine(day, time.max)) if day else None
        try:
            _, secret = sharing.create_link(
                access, product, label=form.cleaned_data["label"], expires_at=expires
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            url = request.build_absolute_uri(reverse("strategy:shared", args=[secret]))
            context = _share_context(access, product, ShareForm(), new_link=url)
            return render(request, "strategy/share.html", context, status=201)
    return render(request, "strategy/share.html", _share_context(access, product, form), status=422)


@login_required
@require_POST
def share_revoke(request: HttpRequest, slug: str, pk: int, link_id: int) -> HttpResponse:
    access, product = _load(request, slug, pk, write=True)
    link = access.get(ShareLink, pk=link_id, product=product)
    try:
        sharing.revoke(access, link)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Revoked {link}; its address no longer opens the vision.")
    return redirect("strategy:share", slug, pk)


def shared(request: HttpRequest, secret: str) -> HttpResponse:
    """The vision behind a share link, for anyone holding it: read-only, printable, no login;
    404 unknown, 410 revoked or expired, 429 past the per-address limit (the error page)."""
    client = str(request.META.get("REMOTE_ADDR", "unknown"))
    link = sharing.open_link(secret, client=client)
    context = {
        "shared": True,
        "link": link,
        "printed": timezone.now(),
        **_board_context(link.product),
    }
    response = render(request, "strategy/print.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


_P = "w/<slug:slug>/vision/<int:pk>/"
urlpatterns = [
    path("w/<slug:slug>/vision/", home, name="home"),
    path("w/<slug:slug>/vision/new/", product_new, name="product_new"),
    path(_P, board_page, name="board"),
    path(_P + "edit/", board_edit, name="board_edit"),
    path(_P + "settings/", product_edit, name="product_edit"),
    path(_P + "delete/", product_delete, name="product_delete"),
    path(_P + "history/", history, name="history"),
    path(_P + "history/<int:number>/", version_page, name="version"),
    path(_P + "history/<int:number>/restore/", version_restore, name="version_restore"),
    path(_P + "diff/", diff_page, name="diff"),
    path(_P + "print/", print_page, name="print"),
    path(_P + "share/", share_page, name="share"),
    path(_P + "share/new/", share_create, name="share_create"),
    path(_P + "share/<int:link_id>/revoke/", share_revoke, name="share_revoke"),
    path("vision/<str:secret>/", shared, name="shared"),
]
