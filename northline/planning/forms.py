"""Forms of the feature and scoring pages. They only parse; services validate and decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from .models import Feature, ScoreInput, ScoringModel
from .services.scores import DriverInfo


def choice(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


class FeatureForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    kind = forms.ChoiceField(choices=Feature.Kind.choices, initial=Feature.Kind.FEATURE)
    status = forms.ChoiceField(choices=Feature.Status.choices, initial=Feature.Status.IDEA)
    parent = forms.CharField(required=False, help_text="e.g. F-3: an initiative or feature above")
    area = forms.ChoiceField(required=False)
    owner = forms.ChoiceField(required=False)
    team = forms.CharField(max_length=80, required=False, help_text="whose capacity it uses")

    def __init__(self, *args: Any, areas: list[str], members: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice(self, "area").choices = [("", "—"), *((a, a) for a in areas)]
        choice(self, "owner").choices = [("", "—"), *((m, m) for m in members)]


class AreaForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False)


class DependencyForm(forms.Form):
    requires = forms.CharField(label="Requires", help_text="a prerequisite, e.g. F-3")


class ModelForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=ScoringModel.Kind.choices)
    drivers = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "Weighted models only, one driver per line: name, weight, minimum, maximum, "
            "higher|lower — e.g. 'Revenue impact, 3, 0, 10, higher'"
        ),
    )
    is_default = forms.BooleanField(required=False, label="Make it the default")


def parse_drivers(text: str) -> list[dict[str, Any]]:
    """'Revenue, 3, 0, 10, higher' lines → driver dicts; the service validates the numbers."""
    drivers = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if not line.strip():
            continue
        keys = ("name", "weight", "minimum", "maximum", "direction")
        drivers.append(dict(zip(keys, parts, strict=False)))
    return drivers


def drivers_text(drivers: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{d['name']}, {d['weight']:g}, {d['minimum']:g}, {d['maximum']:g}, {d['direction']}"
        for d in drivers
    )


class EstimatesForm(forms.Form):
    """One row per driver: low, likely, high and the distribution. Likely alone is a number."""

    def __init__(
        self, *args: Any, drivers: list[DriverInfo], current: dict[str, ScoreInput], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.drivers = drivers
        self.current = current
        for d in drivers:
            row = current.get(d.name)
            for point in ("low", "likely", "high"):
                self.fields[f"{d.name}__{point}"] = forms.FloatField(
                    required=False,
                    label=f"{d.label} {point}",
                    initial=getattr(row, point) if row else None,
                    widget=forms.NumberInput(attrs={"step": "any", "class": "num"}),
                )
            self.fields[f"{d.name}__distribution"] = forms.ChoiceField(
                choices=ScoreInput.Distribution.choices,
                initial=row.distribution if row else "pert",
                label=f"{d.label} distribution",
            )

    def rows(self) -> list[tuple[DriverInfo, list[forms.BoundField], ScoreInput | None]]:
        """(driver, its four fields, its stored input) per driver."""
        return [
            (
                d,
                [self[f"{d.name}__{p}"] for p in ("low", "likely", "high", "distribution")],
                self.current.get(d.name),
            )
            for d in self.drivers
        ]

    def estimates(self) -> dict[str, dict[str, Any]]:
        """{driver: {low, likely, high, distribution}} for the rows with any value."""
        found = {}
        for d in self.drivers:
            low, likely, high = (
                self.cleaned_data[f"{d.name}__{p}"] for p in ("low", "likely", "high")
            )
            if low is None and likely is None and high is None:
                continue
            likely = likely if likely is not None else low if low is not None else high
            found[d.name] = {
                "low": low if low is not None else likely,
                "likely": likely,
                "high": high if high is not None else likely,
                "distribution": self.cleaned_data[f"{d.name}__distribution"],
            }
        return found


class VoteForm(forms.Form):
    low = forms.FloatField(widget=forms.NumberInput(attrs={"step": "any"}))
    likely = forms.FloatField(widget=forms.NumberInput(attrs={"step": "any"}))
    high = forms.FloatField(widget=forms.NumberInput(attrs={"step": "any"}))


class SettleForm(VoteForm):
    distribution = forms.ChoiceField(choices=ScoreInput.Distribution.choices)


class RoundForm(forms.Form):
    driver = forms.ChoiceField()

    def __init__(self, *args: Any, drivers: list[DriverInfo], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice(self, "driver").choices = [(d.name, d.label) for d in drivers]
