"""Ready-made mappings for the exports people bring: which column holds which feedback field,
how dates are written, which channel the rows come from.

A mapping names a column by its header; "A|B" takes the first non-empty of A and B (tags take
all of them), and a name that the header repeats (Jira's several "Labels" columns) means every
column of that name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from northline.core.errors import Invalid


@dataclass(frozen=True)
class Preset:
    label: str
    mapping: dict[str, str]
    source: str = "import"
    date_format: str = "auto"
    tag_separator: str = ","
    skip_empty: bool = False
    note: str = ""
    optional: tuple[str, ...] = field(default=())


PRESETS: dict[str, Preset] = {
    "jira": Preset(
        "Jira CSV export",
        {
            "title": "Summary",
            "text": "Description|Summary",
            "external_id": "Issue key",
            "tags": "Labels|Component/s",
            "received_at": "Created",
            "customer_name": "Reporter",
        },
        date_format="%d/%b/%y %I:%M %p",
        note="Issues → Export → CSV (all fields); repeated Labels columns become tags.",
        optional=("tags", "customer_name", "received_at"),
    ),
    "zendesk": Preset(
        "Zendesk ticket export",
        {
            "external_id": "Id",
            "title": "Subject",
            "text": "Description",
            "customer_name": "Requester",
            "customer_email": "Requester email",
            "company_name": "Organization",
            "received_at": "Created at",
            "tags": "Tags",
        },
        source="support",
        tag_separator=" ",
        note="Views → Export as CSV; tags are separated by spaces.",
        optional=("customer_name", "customer_email", "company_name", "received_at", "tags"),
    ),
    "google-play": Preset(
        "Google Play review export",
        {
            "text": "Review Text|Review Title",
            "title": "Review Title",
            "rating": "Star Rating",
            "received_at": "Review Submit Date and Time",
            "external_url": "Review Link",
            "tags": "App Version Name",
        },
        source="review",
        skip_empty=True,
        note="Play Console → Download reports → Reviews (UTF-16 CSV); star-only reviews are skipped.",
        optional=("title", "external_url", "tags"),
    ),
    "app-store": Preset(
        "App Store review export",
        {
            "external_id": "Review ID",
            "title": "Title",
            "text": "Review|Title",
            "rating": "Rating",
            "received_at": "Date",
            "tags": "Version",
        },
        source="review",
        skip_empty=True,
        note="App Store Connect → Ratings and Reviews, exported as CSV.",
        optional=("title", "tags", "received_at"),
    ),
    "github": Preset(
        "GitHub issues (repo, created_at, label, title, body)",
        {"title": "title", "text": "body|title", "received_at": "created_at", "tags": "label|repo"},
        note="Issue data as in the NLBSE'24 set; the label and repository become tags.",
        optional=("tags", "received_at"),
    ),
    "email": Preset(
        "E-mail (.eml, .mbox)",
        {
            "customer_name": "From name",
            "customer_email": "From e-mail",
            "title": "Subject",
            "text": "Body",
            "external_id": "Message-ID",
            "received_at": "Date",
        },
        source="email",
        note="The sender becomes the customer; quoted replies and signatures are dropped.",
    ),
}


def preset(name: str) -> Preset:
    if name not in PRESETS:
        raise Invalid(f"preset: {name!r} is not one of {', '.join(PRESETS)}")
    return PRESETS[name]


def fitted(chosen: Preset, header: list[str]) -> tuple[dict[str, str], list[str]]:
    """The preset's mapping with the columns this file has; a field whose columns are all
    missing is left out (with a note) when the preset marks it optional."""
    present = set(header)
    mapping: dict[str, str] = {}
    notes: list[str] = []
    for target, spec in chosen.mapping.items():
        names = [name for name in spec.split("|") if name in present]
        if names:
            mapping[target] = "|".join(names)
        elif target in chosen.optional:
            notes.append(f"{target}: the file has no column {spec!r}; left unmapped")
        else:
            mapping[target] = spec  # the mapping check names the missing column
    return mapping, notes
