"""Forms of accounts pages. They only shape input: the services validate it, so a page shows
the same messages as the API. `required` is a browser hint here, not a Django check."""

from __future__ import annotations

from django import forms

from northline.core.roles import Role

REQUIRED = {"required": True}


class LoginForm(forms.Form):
    email = forms.CharField(
        required=False, widget=forms.EmailInput(attrs={**REQUIRED, "autofocus": True})
    )
    password = forms.CharField(required=False, widget=forms.PasswordInput(attrs=REQUIRED))


class SignupForm(forms.Form):
    name = forms.CharField(required=False, label="Your name")
    email = forms.CharField(required=False, widget=forms.EmailInput(attrs=REQUIRED))
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(attrs=REQUIRED),
        help_text="At least 8 characters.",
    )


class WorkspaceForm(forms.Form):
    name = forms.CharField(
        required=False, label="Workspace name", widget=forms.TextInput(attrs=REQUIRED)
    )


class InviteForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, initial=Role.EDITOR)
    email = forms.CharField(
        required=False, label="E-mail (optional)",
        help_text="Leave empty for a link that anyone signed in can use once.",
    )  # fmt: skip


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class TokenForm(forms.Form):
    name = forms.CharField(required=False, widget=forms.TextInput(attrs=REQUIRED))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)
