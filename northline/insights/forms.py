"""Forms of insights pages. They only shape input: the services validate it, so a page shows
the same messages as the API. `required` is a browser hint here, not a Django check."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone

from .models import Feedback, FeedbackLink, Highlight
from .services.fields import DOMAIN

REQUIRED = {"required": True}
RATINGS = [("", "—"), *((str(n), f"{n} of 5") for n in range(1, 6))]


class FeedbackForm(forms.Form):
    text = forms.CharField(
        required=False, label="What the customer said",
        widget=forms.Textarea(attrs={**REQUIRED, "rows": 8}),
    )  # fmt: skip
    title = forms.CharField(required=False, label="Title (optional)")
    source = forms.ChoiceField(choices=Feedback.Source.choices, initial=Feedback.Source.APP)
    customer_email = forms.CharField(
        required=False, label="Customer e-mail", widget=forms.EmailInput()
    )
    customer_name = forms.CharField(required=False, label="Customer name")
    company = forms.CharField(
        required=False, help_text="Domain (acme.com) or name; added if new. Empty: the customer's."
    )
    received_at = forms.CharField(
        required=False, label="Received",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="When the customer said it; empty for now.",
    )  # fmt: skip
    rating = forms.ChoiceField(choices=RATINGS, required=False)
    tags = forms.CharField(required=False, help_text="Separated by commas.")
    external_url = forms.CharField(required=False, label="Link (optional)", widget=forms.URLInput())

    def fields_for_service(self, only: Iterable[str] | None = None) -> dict[str, Any]:
        """The cleaned data as `add_feedback`/`update_feedback` take it; with `only` (names of
        form fields, such as `changed_data`), just what those fields set."""
        data = self.cleaned_data
        fields: dict[str, Any] = {
            name: data[name]
            for name in ("text", "title", "source", "received_at", "rating", "tags", "external_url")
        }
        email, name = data["customer_email"].strip(), data["customer_name"].strip()
        fields["customer"] = {"email": email, "name": name} if email or name else None
        company = data["company"].strip()
        if company:
            key = "domain" if DOMAIN.match(company.lower().removeprefix("www.")) else "name"
            fields["company"] = {key: company}
        if only is None:
            return fields
        keys = {"customer" if name.startswith("customer_") else name for name in only}
        if "company" in keys:  # emptied on purpose: no company
            fields.setdefault("company", None)
        return {name: value for name, value in fields.items() if name in keys}

    @staticmethod
    def initial_of(feedback: Feedback) -> dict[str, Any]:
        company = feedback.company
        return {
            "text": feedback.text, "title": feedback.title, "source": feedback.source,
            "customer_email": feedback.customer.email if feedback.customer else "",
            "customer_name": feedback.customer.name if feedback.customer else "",
            "company": (company.domain or company.name) if company else "",
            "received_at": timezone.localtime(feedback.received_at).strftime("%Y-%m-%dT%H:%M"),
            "rating": str(feedback.rating or ""),
            "tags": ", ".join(t.name for t in feedback.tags.all()),
            "external_url": feedback.external_url,
        }  # fmt: skip


class TriageForm(forms.Form):
    status = forms.ChoiceField(choices=Feedback.Status.choices)
    assignee = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, members: Iterable[tuple[str, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Nobody"), *members]  # type: ignore[attr-defined]


class HighlightForm(forms.Form):
    quote = forms.CharField(
        required=False, widget=forms.Textarea(attrs={**REQUIRED, "rows": 2}),
        help_text="Paste the words to highlight, exactly as they are in the text.",
    )  # fmt: skip


class LinkForm(forms.Form):
    feature = forms.CharField(
        required=False, widget=forms.TextInput(attrs={**REQUIRED, "placeholder": "F-12"})
    )
    importance = forms.ChoiceField(
        choices=FeedbackLink.Importance.choices, initial=FeedbackLink.Importance.IMPORTANT
    )
    highlight = forms.ChoiceField(required=False, label="Quote")

    def __init__(self, *args: Any, highlights: Iterable[Highlight] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", "The whole feedback"), *((str(h.pk), str(h)) for h in highlights)]
        self.fields["highlight"].choices = choices  # type: ignore[attr-defined]


class CustomerForm(forms.Form):
    name = forms.CharField(required=False)
    email = forms.CharField(required=False, label="E-mail", widget=forms.EmailInput())
    external_id = forms.CharField(required=False, label="External id (optional)")
    company = forms.CharField(required=False, help_text="Domain or name of a company.")


class CompanyForm(forms.Form):
    name = forms.CharField(required=False, widget=forms.TextInput(attrs=REQUIRED))
    domain = forms.CharField(required=False, help_text="acme.com")
    segment = forms.CharField(required=False)
    plan = forms.CharField(required=False)
    revenue = forms.CharField(
        required=False, label="Revenue (ARR)", help_text="Annual revenue from this company.",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )  # fmt: skip
    external_id = forms.CharField(required=False, label="External id (optional)")
    attributes = forms.CharField(
        required=False, label="Custom attributes", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: name = value.",
    )  # fmt: skip

    def clean_attributes(self) -> dict[str, Any]:
        """ "tier = 3" → {"tier": 3}; numbers, true/false and null are read as such."""
        result: dict[str, Any] = {}
        for number, line in enumerate(self.cleaned_data["attributes"].splitlines(), 1):
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            if not sep or not name.strip():
                raise forms.ValidationError(f"line {number}: {line.strip()!r} is not name = value")
            result[name.strip()] = _scalar(value.strip())
        return result

    @staticmethod
    def attributes_text(attributes: dict[str, Any]) -> str:
        return "\n".join(
            f"{k} = {v if isinstance(v, str) else json.dumps(v)}" for k, v in attributes.items()
        )


def _scalar(text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (int, float, bool)) or value is None else text
