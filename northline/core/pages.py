"""What every HTML page shares: loading the workspace for the signed-in user, showing domain
errors beside form fields, and turning refusals into 403/404 pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from northline.accounts.models import User
from northline.core.access import Access, Actor, load_among, memberships_of
from northline.core.errors import DomainError
from northline.core.roles import READ, Role


def signed_in(request: HttpRequest) -> User:
    """The user of a page behind @login_required."""
    assert request.user.is_authenticated
    return request.user


def workspace_for(request: HttpRequest, slug: str, needed: Role = READ) -> Access:
    """The page's workspace; the user's memberships, read once, also fill the switcher."""
    user = signed_in(request)
    memberships = memberships_of(user)
    request.memberships = memberships  # type: ignore[attr-defined]
    access = load_among(Actor(user=user), memberships, slug, needed)
    if request.session.get("workspace") != access.workspace.slug:
        request.session["workspace"] = access.workspace.slug  # only write when it changes
    request.access = access  # type: ignore[attr-defined]
    return access


def show_errors(form: forms.Form, error: DomainError) -> None:
    """Put the service's "field: message" errors beside the form's fields."""
    for field, messages in error.field_errors().items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "error.html", {"error": error}, status=error.status)


class DomainErrorMiddleware:
    """A domain error that a page does not handle (NotFound, Forbidden, ...) becomes an error
    page with its status: 404, 403, ..."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, DomainError):
            return error_page(request, exception)
        return None
