"""Forms of portal pages. They only shape input: the services validate it, so a page shows the
same messages as the API. The honeypot field is hidden from people by CSS and `aria-hidden`."""

from __future__ import annotations

from django import forms

from northline.insights.models import FeedbackLink

from .models import Idea, Portal

REQUIRED = {"required": True}


class HoneypotForm(forms.Form):
    website = forms.CharField(
        required=False, label="Leave this empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )  # fmt: skip


class SignInForm(HoneypotForm):
    email = forms.CharField(
        required=False, label="Your e-mail address",
        widget=forms.EmailInput(attrs={**REQUIRED, "autocomplete": "email"}),
    )  # fmt: skip


class IdeaForm(HoneypotForm):
    title = forms.CharField(
        required=False, label="Your idea",
        widget=forms.TextInput(attrs={**REQUIRED, "autocomplete": "off", "maxlength": 200,
                                      "placeholder": "A short title, e.g. “Export to Excel”"}),
    )  # fmt: skip
    details = forms.CharField(
        required=False, label="Details (optional)",
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "What would it help you do?"}),
    )  # fmt: skip


class CommentForm(HoneypotForm):
    text = forms.CharField(
        required=False, label="Add a comment", widget=forms.Textarea(attrs={**REQUIRED, "rows": 3})
    )


class PortalForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Portal is on")
    visibility = forms.ChoiceField(
        choices=Portal.Visibility.choices,
        help_text="Private: only customers of the allowed domains and invited addresses.",
    )
    title = forms.CharField(required=False, widget=forms.TextInput(attrs=REQUIRED))
    intro = forms.CharField(
        required=False, label="Intro text", widget=forms.Textarea(attrs={"rows": 3})
    )
    moderation = forms.BooleanField(
        required=False, label="Moderate new ideas and comments before they are public"
    )
    allowed_domains = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Private portals: e-mail domains that may sign in, one per line (acme.com).",
    )  # fmt: skip
    invited_emails = forms.CharField(
        required=False, label="Invited e-mail addresses", widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Private portals: single addresses that may sign in, one per line.",
    )  # fmt: skip


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Idea.Status.choices)


class ReplyForm(forms.Form):
    text = forms.CharField(
        required=False, label="Official reply", widget=forms.Textarea(attrs={**REQUIRED, "rows": 3}),
        help_text="Shown as the team's answer; followers are e-mailed.",
    )  # fmt: skip


class OnBehalfForm(forms.Form):
    """A new customer to vote for (an existing one is found with the search above the form)."""

    email = forms.CharField(required=False, label="A new customer's e-mail")
    name = forms.CharField(required=False, label="Their name")
    company = forms.CharField(required=False, label="Company domain", help_text="e.g. acme.com")


class LinkForm(forms.Form):
    feature = forms.CharField(required=False, label="Feature", help_text="F-12 or 12")
    importance = forms.ChoiceField(
        choices=FeedbackLink.Importance.choices, initial=FeedbackLink.Importance.IMPORTANT
    )


class MergeForm(forms.Form):
    into = forms.ChoiceField(label="Merge into")

    def __init__(self, *args: object, ideas: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["into"].choices = ideas  # type: ignore[attr-defined]
