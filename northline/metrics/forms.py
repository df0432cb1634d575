"""Forms of metrics pages. They only shape input: the services validate it, so a page shows the
same messages as the API."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import Kpi
from .services.csv_import import DATE_FORMATS

REQUIRED = {"required": True}
DATE = forms.DateInput(attrs={"type": "date"})


class KpiForm(forms.Form):
    name = forms.CharField(required=False, widget=forms.TextInput(attrs=REQUIRED))
    key = forms.CharField(required=False, help_text="Used by the API; empty: made from the name.")
    definition = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    unit = forms.CharField(required=False, help_text="users, €, %, ms …")
    direction = forms.ChoiceField(choices=Kpi.Direction.choices)
    aggregation = forms.ChoiceField(choices=Kpi.Aggregation.choices)
    numerator = forms.ChoiceField(required=False, help_text="For a ratio only.")
    denominator = forms.ChoiceField(required=False, help_text="For a ratio only.")
    granularity = forms.ChoiceField(choices=Kpi.Granularity.choices)
    owner = forms.ChoiceField(required=False)
    tags = forms.CharField(required=False, help_text="Separated by commas.")
    north_star = forms.BooleanField(required=False, label="North-star metric")

    def __init__(
        self, *args: Any, kpis: list[tuple[str, str]] = (), members: list[tuple[str, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        for name in ("numerator", "denominator"):
            self.fields[name].choices = [("", "—"), *kpis]  # type: ignore[attr-defined]
        self.fields["owner"].choices = [("", "Nobody"), *members]  # type: ignore[attr-defined]

    @staticmethod
    def initial_of(kpi: Kpi) -> dict[str, Any]:
        return {
            "name": kpi.name, "key": kpi.key, "definition": kpi.definition, "unit": kpi.unit,
            "direction": kpi.direction, "aggregation": kpi.aggregation,
            "numerator": kpi.numerator.key if kpi.numerator else "",
            "denominator": kpi.denominator.key if kpi.denominator else "",
            "granularity": kpi.granularity, "owner": kpi.owner.email if kpi.owner else "",
            "tags": ", ".join(kpi.tags), "north_star": kpi.north_star,
        }  # fmt: skip


class PointForm(forms.Form):
    date = forms.CharField(required=False, widget=DATE)
    value = forms.CharField(required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    dimension = forms.CharField(
        required=False, help_text="Optional, name:value like platform:ios; empty for the total."
    )

    def point(self) -> dict[str, Any]:
        data = self.cleaned_data
        item: dict[str, Any] = {"date": data["date"], "value": data["value"]}
        name, sep, value = data["dimension"].partition(":")
        if data["dimension"].strip():
            item["dimension"] = {name: value} if sep else data["dimension"]
        return item


class CsvForm(forms.Form):
    file = forms.FileField(
        required=False, help_text="Header date,value and optionally a dimension column."
    )
    date_format = forms.ChoiceField(
        required=False, choices=[("", "Detect"), *((v, v) for v in DATE_FORMATS.values())]
    )
    dry_run = forms.BooleanField(required=False, label="Check only (dry run)")


class TargetForm(forms.Form):
    start = forms.CharField(required=False, widget=DATE)
    end = forms.CharField(required=False, widget=DATE)
    value = forms.CharField(required=False)
    tolerance = forms.CharField(required=False, help_text="The band drawn around the target.")


class AnnotationForm(forms.Form):
    date = forms.CharField(required=False, widget=DATE)
    text = forms.CharField(required=False, widget=forms.TextInput(attrs=REQUIRED))


class SqlSourceForm(forms.Form):
    url = forms.CharField(
        required=False, label="Database URL", widget=forms.TextInput(attrs=REQUIRED),
        help_text="A SQLAlchemy URL (postgresql://user:password@host/db, sqlite:////path/app.db) or duckdb:///path/file.duckdb. Opened read-only.",
    )  # fmt: skip
    query = forms.CharField(
        required=False, widget=forms.Textarea(attrs={**REQUIRED, "rows": 4}),
        help_text="One SELECT returning (time, value) or (time, value, dimension), one row per date.",
    )  # fmt: skip
    interval_minutes = forms.IntegerField(required=False, initial=60, label="Every (minutes)")
    timeout_seconds = forms.FloatField(required=False, initial=30, label="Timeout (seconds)")
    enabled = forms.BooleanField(required=False, initial=True)

    def fields_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        return {k: v for k, v in data.items() if v is not None}


class DashboardForm(forms.Form):
    name = forms.CharField(required=False, widget=forms.TextInput(attrs=REQUIRED))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TileForm(forms.Form):
    kpi = forms.ChoiceField(required=False, label="KPI")
    kind = forms.ChoiceField(choices=[("chart", "Chart"), ("number", "Number with change")])
    window = forms.ChoiceField(
        choices=[(w, w) for w in ("90d", "1y", "2y", "5y", "all")], initial="1y"
    )
    granularity = forms.ChoiceField(
        required=False,
        choices=[
            ("", "The KPI's own"),
            *((g, g) for g in ("day", "week", "month", "quarter", "year")),
        ],
    )

    def __init__(self, *args: Any, kpis: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = kpis  # type: ignore[attr-defined]


class ShareForm(forms.Form):
    label = forms.CharField(required=False, help_text="Who the link is for (optional).")
    days = forms.CharField(required=False, label="Expires after (days)", help_text="Empty: never.")


class SurveyForm(forms.Form):
    name = forms.CharField(required=False, widget=forms.TextInput(attrs=REQUIRED))
    kind = forms.ChoiceField(
        choices=[("nps", "NPS (0–10)"), ("csat", "CSAT (1–5)"), ("ces", "CES (1–7)")]
    )
    question = forms.CharField(required=False)


class ResponseForm(forms.Form):
    score = forms.CharField(required=False, widget=forms.NumberInput(attrs=REQUIRED))
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    segment = forms.CharField(required=False)
    email = forms.CharField(required=False, label="E-mail")
    date = forms.CharField(required=False, widget=DATE, help_text="Empty: today.")


class SurveyCsvForm(forms.Form):
    file = forms.FileField(
        required=False,
        help_text="Columns score and optionally comment, segment, email, date, external_id.",
    )
    dry_run = forms.BooleanField(required=False, label="Check only (dry run)")
