"""The vision board's content: its sections, their clean form and the text a diff compares.

Pure: plain dicts in and out, no Django. A board is one JSON document, so that every version
can store the whole of it and two versions compare section by section.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from northline.core.errors import Invalid

# Single texts and lists of short texts, in the order the board shows them.
TEXTS = {
    "purpose": "Purpose",
    "vision": "Vision statement",
    "value_proposition": "Value proposition",
}
LISTS = {
    "problems": "Problems we solve",
    "differentiators": "Differentiators",
    "business_goals": "Business goals",
    "trends": "Market trends",
}
PERSONA_LISTS = {"goals": "Goals", "pains": "Pains", "jobs": "Jobs to be done"}
SECTIONS = (*TEXTS, "audiences", *LISTS, "competitors", "north_star")
MAX_TEXT = 5000
MAX_ITEM = 500
MAX_ITEMS = 50


def empty() -> dict[str, Any]:
    return clean({})


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{field}: must be text, got {value!r}")
    value = value.strip()
    if required and not value:
        raise Invalid(f"{field}: must not be empty")
    if len(value) > limit:
        raise Invalid(f"{field}: must be at most {limit} characters, got {len(value)}")
    return value


def _items(value: Any, field: str) -> list[str]:
    """A list of short texts, given as a list or as text with one item a line; blanks dropped."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list):
        raise Invalid(f"{field}: must be a list of texts, got {value!r}")
    items = [_text(item, f"{field}[{n}]", MAX_ITEM) for n, item in enumerate(value)]
    items = [item for item in items if item]
    if len(items) > MAX_ITEMS:
        raise Invalid(f"{field}: at most {MAX_ITEMS} items, got {len(items)}")
    return items


def _records(value: Any, field: str) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise Invalid(f"{field}: must be a list of objects, got {value!r}")
    if len(value) > MAX_ITEMS:
        raise Invalid(f"{field}: at most {MAX_ITEMS} items, got {len(value)}")
    return value


def _unknown(record: Mapping[str, Any], allowed: set[str], field: str) -> None:
    extra = sorted(set(record) - allowed)
    if extra:
        raise Invalid(f"{field}.{extra[0]}: not a field here")


def _persona(record: Mapping[str, Any], field: str) -> dict[str, Any]:
    _unknown(record, {"name", "description", *PERSONA_LISTS}, field)
    persona: dict[str, Any] = {
        "name": _text(record.get("name"), f"{field}.name", 120, required=True),
        "description": _text(record.get("description"), f"{field}.description", MAX_TEXT),
    }
    for key in PERSONA_LISTS:
        persona[key] = _items(record.get(key), f"{field}.{key}")
    return persona


def _competitor(record: Mapping[str, Any], field: str) -> dict[str, str]:
    _unknown(record, {"name", "url", "notes"}, field)
    url = _text(record.get("url"), f"{field}.url", 500)
    if url and not re.match(r"^https?://[^\s/]+", url, re.IGNORECASE):
        raise Invalid(f"{field}.url: {url!r} is not an http(s) URL")
    return {
        "name": _text(record.get("name"), f"{field}.name", 120, required=True),
        "url": url,
        "notes": _text(record.get("notes"), f"{field}.notes", MAX_TEXT),
    }


def _north_star(value: Any) -> dict[str, Any] | None:
    """{"kpi": id, "name": "..."}: the name is kept so that old versions still read well."""
    if value is None or value == {}:
        return None
    if not isinstance(value, Mapping) or not isinstance(value.get("kpi"), int):
        raise Invalid(f"north_star: must be a KPI, got {value!r}")
    return {"kpi": value["kpi"], "name": _text(value.get("name"), "north_star.name", 200)}


def clean(content: Mapping[str, Any]) -> dict[str, Any]:
    """The board in its clean form, every section present; Invalid names the first bad field."""
    _unknown(content, set(SECTIONS), "board")
    board: dict[str, Any] = {key: _text(content.get(key), key, MAX_TEXT) for key in TEXTS}
    board["audiences"] = [
        _persona(p, f"audiences[{n}]")
        for n, p in enumerate(_records(content.get("audiences"), "audiences"))
    ]
    board |= {key: _items(content.get(key), key) for key in LISTS}
    board["competitors"] = [
        _competitor(c, f"competitors[{n}]")
        for n, c in enumerate(_records(content.get("competitors"), "competitors"))
    ]
    board["north_star"] = _north_star(content.get("north_star"))
    return board


def is_blank(board: Mapping[str, Any]) -> bool:
    return not any(board.get(key) for key in SECTIONS)


def lines(board: Mapping[str, Any]) -> list[str]:
    """The board as text, one line per item under section headings: what a diff compares."""
    out: list[str] = []
    for key, label in TEXTS.items():
        out += [f"## {label}", *(board.get(key) or "").splitlines(), ""]
    out.append("## Target audiences")
    for persona in board.get("audiences", []):
        out.append(f"### {persona['name']}")
        out += persona.get("description", "").splitlines()
        for key, label in PERSONA_LISTS.items():
            out += [f"{label}: {item}" for item in persona.get(key, [])]
    out.append("")
    for key, label in LISTS.items():
        out += [f"## {label}", *(f"- {item}" for item in board.get(key, [])), ""]
    out.append("## Competitors")
    for rival in board.get("competitors", []):
        out.append(f"- {rival['name']}" + (f" <{rival['url']}>" if rival["url"] else ""))
        out += [f"  {line}" for line in rival.get("notes", "").splitlines()]
    north = board.get("north_star")
    out += ["", "## North-star metric", north["name"] if north else "(none)"]
    return out
