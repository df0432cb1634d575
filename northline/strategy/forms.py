"""Forms of the strategy pages. Lists are typed one item a line; personas and competitors are
small formsets with blank rows to add more (no JavaScript needed)."""

from __future__ import annotations

from typing import Any

from django import forms

from . import board

LINES = "One a line."


def _lines(label: str, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, help_text=LINES,
        widget=forms.Textarea(attrs={"rows": rows}),
    )  # fmt: skip


class BoardForm(forms.Form):
    purpose = forms.CharField(
        label="Purpose", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    vision = forms.CharField(
        label="Vision statement", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    value_proposition = forms.CharField(
        label="Value proposition", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    problems = _lines("Problems we solve")
    differentiators = _lines("Differentiators")
    business_goals = _lines("Business goals")
    trends = _lines("Market trends")
    north_star = forms.ChoiceField(label="North-star metric", required=False)
    note = forms.CharField(label="What changed (optional)", required=False, max_length=300)
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, kpis: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["north_star"].choices = [("", "(none)"), *kpis]  # type: ignore[attr-defined]

    @staticmethod
    def initial_of(content: dict[str, Any], version: int) -> dict[str, Any]:
        initial: dict[str, Any] = {key: content.get(key, "") for key in board.TEXTS}
        initial |= {key: "\n".join(content.get(key, [])) for key in board.LISTS}
        north = content.get("north_star")
        return initial | {"north_star": str(north["kpi"]) if north else "", "base_version": version}


class PersonaForm(forms.Form):
    name = forms.CharField(label="Persona", required=False, max_length=120)
    description = forms.CharField(
        label="Who they are", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    goals = _lines("Goals", 2)
    pains = _lines("Pains", 2)
    jobs = _lines("Jobs to be done", 2)


class CompetitorForm(forms.Form):
    name = forms.CharField(label="Competitor", required=False, max_length=120)
    url = forms.CharField(label="Link", required=False, max_length=500)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))


PersonaFormSet = forms.formset_factory(PersonaForm, extra=1, max_num=board.MAX_ITEMS)
CompetitorFormSet = forms.formset_factory(CompetitorForm, extra=1, max_num=board.MAX_ITEMS)


def filled(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """The rows of a valid formset that have a name; blank rows are the 'add another' slots."""
    return [f.cleaned_data for f in formset.forms if f.cleaned_data.get("name", "").strip()]


class ProductForm(forms.Form):
    name = forms.CharField(label="Product name", max_length=120)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ShareForm(forms.Form):
    label = forms.CharField(label="Label (who it is for)", required=False, max_length=120)
    expires_on = forms.DateField(
        label="Expires on (optional)", required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip


class ObjectiveForm(forms.Form):
    """Values go to the service as typed, so that its messages (naming field and value) show."""

    title = forms.CharField(label="Objective", max_length=200)
    period = forms.CharField(
        label="Period",
        max_length=20,
        help_text="A quarter (2026-Q4), a half (2026-H2) or a year (2026).",
    )
    description = forms.CharField(
        label="Why it matters", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ChoiceField(label="Owner", required=False)
    parent = forms.ChoiceField(label="Parent objective (cascades from)", required=False)

    def __init__(
        self,
        *args: Any,
        members: list[tuple[str, str]],
        parents: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "(nobody)"), *members]  # type: ignore[attr-defined]
        self.fields["parent"].choices = [("", "(none)"), *parents]  # type: ignore[attr-defined]


class KeyResultForm(forms.Form):
    title = forms.CharField(label="Key result", max_length=200)
    kpi = forms.ChoiceField(label="Measured by KPI", required=False)
    start = forms.CharField(label="Start value", max_length=40)
    target = forms.CharField(label="Target", max_length=40)
    direction = forms.ChoiceField(
        label="Direction", required=False,
        choices=[("", "from start and target"), ("increase", "Increase"), ("decrease", "Decrease")],
    )  # fmt: skip
    due_on = forms.CharField(
        label="Due on", required=False, help_text="Defaults to the end of the period.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip

    def __init__(self, *args: Any, kpis: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [("", "(no KPI yet: not measurable)"), *kpis]  # type: ignore[attr-defined]


class CheckInForm(forms.Form):
    confidence = forms.ChoiceField(
        label="Confidence (0–10)",
        choices=[("", "—")] + [(str(n), str(n)) for n in range(10, -1, -1)],
    )
    comment = forms.CharField(
        label="Comment", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LinkForm(forms.Form):
    feature_ref = forms.CharField(
        label="Feature or initiative", max_length=20, help_text="Its reference, like F-12."
    )


class InitiativeForm(forms.Form):
    title = forms.CharField(label="New initiative", max_length=200)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
