"""Server-rendered SVG charts: plain data in, one escaped `<svg>` element out.

No models, no database, no JavaScript. A page calls a chart function and puts the result in its
template (`{{ chart }}`). Every chart scales to its container (a viewBox, width 100%), carries a
`<title>` and an `aria-label` describing it, gives each data mark a `<title>` tooltip with its exact
values, and leaves colours to the stylesheet (the `/* charts */` rules in northline.css).

Values that are not finite (NaN, ±inf, None) or lie beyond ±1e250 (where the scale arithmetic
would overflow) are skipped, and the chart's title says how many. Every text is escaped here;
`_tag` is the only place that marks a string safe.
"""

from __future__ import annotations

import html
import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Literal, NamedTuple, Protocol
from urllib.parse import urlsplit

from django.utils.safestring import SafeString, mark_safe

__all__ = [
    "PointLike",
    "QuadrantPoint",
    "Value",
    "XValue",
    "bar_chart",
    "capacity_chart",
    "interval_chart",
    "line_chart",
    "quadrant_chart",
    "tornado_chart",
]

Value = float | Decimal | None
XValue = float | Decimal | date  # a datetime is a date

WIDTH = 640.0
_GLYPH = 6.6  # average width of a 12px glyph in viewBox units: enough to keep labels apart
_LIMIT = 1e250
_SERIES_COLOURS = 8  # .s0 … .s7 in the stylesheet
_DENSE = 60  # more points than this in a series: dots show on hover only
_SVG_NS = "http://www.w3.org/2000/svg"
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPOCH = datetime(1970, 1, 1)
_SECONDS = {"hour": 3600.0, "day": 86400.0, "week": 604800.0, "month": 2629746.0}
_SECONDS["year"] = 12 * _SECONDS["month"]
_TIME_STEPS = (
    *(("hour", n) for n in (1, 3, 6, 12)),
    *(("day", n) for n in (1, 2)),
    *(("week", n) for n in (1, 2)),
    *(("month", n) for n in (1, 3, 6)),
    *(("year", n) for n in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)),
)
_MAX_TIME_TICKS = 6  # intervals; the largest year step keeps 9,999 years within it
_SUFFIXES = ((1e12, 1e12, "T"), (1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k"))


# --- text and markup -------------------------------------------------------------------------


def _escape(text: object) -> str:
    """Text as XML character data or attribute value: & < > " ' escaped, invalid characters gone."""
    return html.escape(_NOT_XML.sub("", str(text)))


def _tag(
    name: str, attrs: Mapping[str, object] | None = None, *children: SafeString, text: str = ""
) -> SafeString:
    """One element with escaped `text` then `children`; in attributes, floats are written to 0.1
    unit, None is left out and everything else is escaped.
    """
    attributes = "".join(
        f' {key}="{_px(value) if isinstance(value, float) else _escape(value)}"'
        for key, value in (attrs or {}).items()
        if value is not None
    )
    content = _escape(text) + "".join(children)
    markup = f"<{name}{attributes}>{content}</{name}>" if content else f"<{name}{attributes}/>"
    return mark_safe(markup)  # noqa: S308 - text and attributes escaped here, children are _tags


def _px(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _clean(text: object) -> str:
    """One line of text that XML accepts: invalid characters dropped, whitespace collapsed."""
    return " ".join(_NOT_XML.sub("", str(text)).split())


def _truncate(text: object, limit: int) -> str:
    cleaned = _clean(text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def _title(text: str) -> SafeString:
    return _tag("title", text=_clean(text))


def _text(
    x: float, y: float, text: str, cls: str, anchor: str = "start", **attrs: object
) -> SafeString:
    return _tag(
        "text",
        {"x": x, "y": y, "class": cls, "text-anchor": anchor, **attrs},
        text=_clean(text),
    )


def _line(x1: float, y1: float, x2: float, y2: float, cls: str) -> SafeString:
    return _tag("line", {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "class": cls})


def _rect(x1: float, x2: float, middle: float, height: float, cls: str) -> SafeString:
    """A horizontal bar between two pixel positions, centred on `middle`."""
    left, right = sorted((x1, x2))
    return _tag(
        "rect",
        {
            "x": left,
            "y": middle - height / 2,
            "width": right - left,
            "height": height,
            "class": cls,
        },
    )


def _href(value: object) -> str | None:
    """A link target for a mark; only relative, http and https URLs (never `javascript:`)."""
    if value is None or value == "":
        return None
    href = _clean(value)
    if urlsplit(href).scheme.lower() not in ("", "http", "https"):
        raise ValueError(f"href: only relative, http and https links are allowed, got {href!r}")
    return href


def _link(mark: SafeString, href: str | None) -> SafeString:
    return _tag("a", {"href": href}, mark) if href else mark


def _extra(row: tuple[object, ...], index: int) -> object:
    """The optional trailing element `index` of a data row, or None when the row is shorter."""
    return row[index] if len(row) > index else None


# --- numbers ---------------------------------------------------------------------------------


def _finite(value: object) -> float | None:
    """The value as a float, or None when it is missing, not finite or beyond ±1e250."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):  # Decimal("sNaN"), an int too large for a float
        return None
    return number if math.isfinite(number) and abs(number) <= _LIMIT else None


def _number(value: float) -> str:
    """A value for a tooltip: six significant digits, thousands separated."""
    if value == 0:
        return "0"
    if not 1e-4 <= abs(value) < 1e15:
        return f"{value:.6g}"
    decimals = max(0, 5 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _signed(value: float) -> str:
    return ("+" if value >= 0 else "") + _number(value)


def _skipped(count: int) -> str:
    """The title's note on skipped values ("; 2 non-finite values skipped"), or nothing."""
    return f"; {_plural(count, 'non-finite value')} skipped" if count else ""


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# --- scales ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scale:
    """A linear map from the data interval [lo, hi] onto the pixel interval [start, end]."""

    lo: float
    hi: float
    start: float
    end: float
    ticks: tuple[tuple[float, str], ...] = ()

    def __call__(self, value: float) -> float:
        """The pixel for `value`, kept inside the pixel interval against rounding."""
        pixel = self.start + (value - self.lo) / (self.hi - self.lo) * (self.end - self.start)
        low, high = (self.start, self.end) if self.start < self.end else (self.end, self.start)
        return low if pixel < low else high if pixel > high else pixel

    def covers(self, value: float) -> bool:
        return self.lo <= value <= self.hi

    @classmethod
    def nice(
        cls,
        values: Sequence[float],
        start: float,
        end: float,
        *,
        count: int = 5,
        integer: bool = False,
    ) -> _Scale:
        """A scale over `values`, widened to about `count` ticks at 1, 2 or 5 times 10^k."""
        lo, hi = _spread(min(values), max(values))
        step = _nice_step((hi - lo) / count, integer)
        first, last = math.floor(lo / step), math.ceil(hi / step)
        ticks = [i * step for i in range(first, last + 1)]
        largest = max(abs(ticks[0]), abs(ticks[-1]))
        labelled = tuple((tick, _tick_label(tick, step, largest)) for tick in ticks)
        return cls(ticks[0], ticks[-1], start, end, labelled)


def _spread(lo: float, hi: float) -> tuple[float, float]:
    """Widen an empty or vanishing interval (one value, all values equal) around its middle."""
    if hi - lo > max(1e-9 * max(abs(lo), abs(hi)), 1e-200):
        return lo, hi
    middle = (lo + hi) / 2
    pad = abs(middle) / 10 if abs(middle) > 1e-190 else 1.0
    return middle - pad, middle + pad


def _nice_step(raw: float, integer: bool) -> float:
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    return max(step, 1.0) if integer else step


def _tick_label(value: float, step: float, largest: float) -> str:
    """2,500 · 40k · 1.5M: decimals follow the step, so that neighbouring ticks differ."""
    if value == 0:
        return "0"
    factor, suffix = next(((f, s) for t, f, s in _SUFFIXES if largest >= t), (1.0, ""))
    decimals = max(0, -math.floor(math.log10(step / factor) + 1e-9))
    if largest >= 1e15 or decimals > 6:
        return f"{value:.3g}"
    return f"{value / factor + 0.0:,.{decimals}f}{suffix}"


def _seconds(moment: datetime) -> float:
    return (moment - _EPOCH).total_seconds()


def _moment(seconds: float) -> datetime:
    low, high = _seconds(datetime.min), _seconds(datetime.max)
    return _EPOCH + timedelta(seconds=min(max(seconds, low), high))


def _time_scale(values: Sequence[float], start: float, end: float, hours: bool) -> _Scale:
    """A scale over moments (seconds since 1970) with ticks on hours, days, weeks, months…"""
    lo, hi = min(values), max(values)
    shortest = 2 * _SECONDS["hour" if hours else "day"]  # so that at least two ticks fall inside
    if hi - lo < shortest:
        middle = (lo + hi) / 2
        lo = max(middle - shortest / 2, _seconds(datetime.min))
        hi = min(middle + shortest / 2, _seconds(datetime.max))
    unit, n = next(
        (unit, n)
        for unit, n in _TIME_STEPS
        if (hours or unit != "hour") and (hi - lo) / (n * _SECONDS[unit]) <= _MAX_TIME_TICKS
    )
    moments = _time_ticks(_moment(lo), _moment(hi), unit, n)
    labels = [
        _time_label(m, unit, n, i == 0 or m.year != moments[i - 1].year)
        for i, m in enumerate(moments)
    ]
    return _Scale(lo, hi, start, end, tuple(zip(map(_seconds, moments), labels, strict=True)))


def _time_ticks(lo: datetime, hi: datetime, unit: str, n: int) -> list[datetime]:
    ticks: list[datetime] = []
    try:
        tick = _first_tick(lo, unit, n)
        while tick <= hi:
            ticks.append(tick)
            tick = _advance(tick, unit, n)
    except (ValueError, OverflowError):  # the calendar ends at year 9999
        pass
    return ticks


def _first_tick(lo: datetime, unit: str, n: int) -> datetime:
    """The first calendar boundary of the step (unit, n) at or after `lo`."""
    midnight = lo.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "hour":
        tick = lo.replace(hour=lo.hour - lo.hour % n, minute=0, second=0, microsecond=0)
    elif unit == "day":
        tick = midnight
    elif unit == "week":
        tick = midnight - timedelta(days=midnight.weekday())
    elif unit == "month":
        tick = midnight.replace(day=1, month=lo.month - (lo.month - 1) % n)
    else:
        tick = midnight.replace(day=1, month=1, year=max(n, lo.year - lo.year % n))
    while tick < lo:  # days and weeks start at the first one inside; the rest stay aligned
        tick = _advance(tick, unit, 1 if unit in ("day", "week") else n)
    return tick


def _advance(moment: datetime, unit: str, n: int) -> datetime:
    if unit in ("hour", "day", "week"):
        return moment + timedelta(seconds=n * _SECONDS[unit])
    months = moment.month - 1 + (n if unit == "month" else 12 * n)
    return moment.replace(year=moment.year + months // 12, month=months % 12 + 1)


def _time_label(moment: datetime, unit: str, n: int, new_year: bool) -> str:
    month = _MONTHS[moment.month - 1]
    if unit == "hour":
        return f"{month} {moment.day}" if moment.hour == 0 else f"{moment:%H:%M}"
    if unit in ("day", "week"):
        return f"{month} {moment.day}, {moment.year}" if new_year else f"{month} {moment.day}"
    if unit == "month" and n == 3:
        return f"Q{(moment.month + 2) // 3} {moment.year}"
    if unit == "month" and n == 6:
        return f"H{(moment.month + 5) // 6} {moment.year}"
    if unit == "month":
        return f"{month} {moment.year}" if new_year or moment.month == 1 else month
    return str(moment.year)


@dataclass(frozen=True)
class _XAxis:
    """How a line chart reads its x values: numbers, dates, or datetimes (shown in one zone)."""

    kind: Literal["number", "date", "datetime"]
    zone: tzinfo | None = None

    @classmethod
    def of(cls, xs: Iterable[object]) -> _XAxis:
        kinds: set[str] = set()
        zone: tzinfo | None = None
        for x in xs:
            if isinstance(x, datetime):
                kinds.add("datetime")
                zone = zone or (x.tzinfo if x.utcoffset() is not None else None)
            else:
                kinds.add("date" if isinstance(x, date) else "number")
        if "number" in kinds and len(kinds) > 1:
            raise ValueError("x: values mix dates and numbers; use one kind on an axis")
        if "datetime" in kinds:
            return cls("datetime", zone)
        return cls("date" if "date" in kinds else "number")

    def local(self, x: date) -> datetime:
        """A date or datetime as a naive wall-clock datetime in the axis's zone."""
        if not isinstance(x, datetime):
            return datetime(x.year, x.month, x.day)
        if x.utcoffset() is not None and self.zone is not None:
            x = x.astimezone(self.zone)
        return x.replace(tzinfo=None)

    def value(self, x: object) -> float | None:
        if isinstance(x, date):
            return _seconds(self.local(x))
        return _finite(x)

    def show(self, raw: object, value: float) -> str:
        """An x value for a tooltip, from the value as given and as `value()` read it."""
        if isinstance(raw, datetime):
            return self.local(raw).isoformat(sep=" ", timespec="minutes")
        if isinstance(raw, date):
            return raw.isoformat()
        return _number(value)

    def scale(self, values: Sequence[float], start: float, end: float) -> _Scale:
        if self.kind == "number":
            return _Scale.nice(values, start, end, count=6)
        return _time_scale(values, start, end, hours=self.kind == "datetime")


# --- shared chart parts ----------------------------------------------------------------------


def _svg(
    kind: str, height: float, title: str, *body: SafeString, dense: bool = False
) -> SafeString:
    attrs = {
        "xmlns": _SVG_NS,
        "class": f"chart {kind}" + (" dense" if dense else ""),
        "viewBox": f"0 0 {_px(WIDTH)} {_px(height)}",
        "width": "100%",
        "role": "img",
        "aria-label": _clean(title),
        "font-size": 12,
    }
    return _tag("svg", attrs, _title(title), *body)


def _empty(kind: str, title: str, skipped: int) -> SafeString:
    message = (
        f"No data yet ({_plural(skipped, 'non-finite value')} skipped)"
        if skipped
        else "No data yet"
    )
    return _svg(
        kind,
        80,
        f"{title}: no data yet{_skipped(skipped)}",
        _text(WIDTH / 2, 44, message, "empty", anchor="middle"),
    )


def _x_axis(scale: _Scale, top: float, bottom: float, label: str) -> SafeString:
    """Vertical grid lines, tick labels under the plot, and the axis label below them."""
    right = max(scale.start, scale.end)
    parts = [
        _tag(
            "g",
            {"class": "tick"},
            _line(scale(value), top, scale(value), bottom, "grid"),
            _text(
                scale(value),
                bottom + 16,
                text,
                "tick-label",
                "end" if scale(value) > right - 24 else "middle",
            ),
        )
        for value, text in scale.ticks
    ]
    parts.append(_line(scale.start, bottom, scale.end, bottom, "axis"))
    if label:
        middle = (scale.start + scale.end) / 2
        parts.append(_text(middle, bottom + 34, _truncate(label, 80), "axis-label", "middle"))
    return _tag("g", {"class": "x-axis"}, *parts)


def _y_axis(scale: _Scale, left: float, right: float, label: str) -> SafeString:
    """Horizontal grid lines, tick labels left of the plot, and the axis label turned upright."""
    parts = [
        _tag(
            "g",
            {"class": "tick"},
            _line(left, scale(value), right, scale(value), "grid"),
            _text(left - 8, scale(value) + 4, text, "tick-label", "end"),
        )
        for value, text in scale.ticks
    ]
    middle = (scale.start + scale.end) / 2
    parts.append(_line(left, scale.start, left, scale.end, "axis"))
    parts.append(
        _text(
            14,
            middle,
            _truncate(label, 40),
            "axis-label",
            "middle",
            transform=f"rotate(-90 14 {_px(middle)})",
        )
    )
    return _tag("g", {"class": "y-axis"}, *parts)


class _Rows:
    """Geometry of a one-row-per-item chart: labels on the left, marks right, value axis below."""

    ROW = 26.0
    LABEL = 180.0  # x where the plot starts; labels end 8 units before it
    LABEL_CHARS = 26

    def __init__(self, count: int, *, top: float = 12, right: float = 24) -> None:
        self.top = top
        self.bottom = top + count * self.ROW
        self.height = self.bottom + 44
        self.right = WIDTH - right

    def middle(self, index: int) -> float:
        return self.top + (index + 0.5) * self.ROW

    def scale(self, values: Sequence[float]) -> _Scale:
        return _Scale.nice(values, self.LABEL, self.right)

    def row(
        self, index: int, label: str, tooltip: str, cls: str, href: str | None, *marks: SafeString
    ) -> SafeString:
        """One row: its tooltip, its label and its marks, all inside the link when there is one."""
        text = _text(
            self.LABEL - 8,
            self.middle(index) + 4,
            _truncate(label, self.LABEL_CHARS),
            "row-label",
            "end",
        )
        return _link(_tag("g", {"class": cls}, _title(tooltip), text, *marks), href)


# --- 1. line chart ---------------------------------------------------------------------------


class _Datum(NamedTuple):
    x: float
    y: float
    shown_x: str
    href: str | None


class _Span(NamedTuple):
    x: float
    low: float
    high: float
    shown_x: str


@dataclass(frozen=True)
class _Series:
    name: str
    segments: list[list[_Datum]]  # split where a value is missing, so the line shows the gap
    skipped: int

    @classmethod
    def read(cls, name: str, points: Iterable[tuple[Any, ...]], axis: _XAxis) -> _Series:
        placed: list[tuple[float, float | None, tuple[Any, ...]]] = []
        skipped = 0
        for point in points:
            x = axis.value(point[0])
            if x is None:
                skipped += 1
            else:
                placed.append((x, _finite(point[1]), point))
        placed.sort(key=lambda item: item[0])
        segments: list[list[_Datum]] = [[]]
        for x, y, point in placed:
            if y is None:
                skipped += 1
                segments.append([])
            else:
                segments[-1].append(_Datum(x, y, axis.show(point[0], x), _href(_extra(point, 2))))
        return cls(_clean(name), [s for s in segments if s], skipped)

    @property
    def data(self) -> list[_Datum]:
        return [datum for segment in self.segments for datum in segment]


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[XValue, Value] | tuple[XValue, Value, str | None]]]],
    *,
    y_label: str,
    x_label: str = "",
    invert_y: bool = False,
    band: Iterable[tuple[XValue, Value, Value]] | None = None,
    band_label: str = "Target range",
    annotations: Iterable[tuple[XValue, str]] = (),
) -> SafeString:
    """Lines over time or a number: one per series, with a legend when there are several.

    `series` is [(name, [(x, y) or (x, y, href)])]; x is a date, a datetime or a number (one kind
    per chart). `invert_y` puts the smallest value on top (ranks). `band` is [(x, low, high)],
    drawn as a shaded area named `band_label`; `annotations` [(x, label)] are vertical markers,
    drawn when they fall inside the data's x range.
    """
    band_rows = list(band or ())
    notes = list(annotations)
    axis = _XAxis.of(
        [p[0] for _, points in series for p in points]
        + [b[0] for b in band_rows]
        + [n[0] for n in notes]
    )
    lines = [_Series.read(name, points, axis) for name, points in series]
    shaded = sorted(
        (
            _Span(x, low, high, axis.show(b[0], x))
            for b in band_rows
            if (x := axis.value(b[0])) is not None
            and (low := _finite(b[1])) is not None
            and (high := _finite(b[2])) is not None
        ),
        key=lambda d: d.x,
    )
    skipped = sum(line.skipped for line in lines) + len(band_rows) - len(shaded)
    about = ", ".join(f"{line.name} ({_plural(len(line.data), 'point')})" for line in lines)
    title = f"Line chart of {_clean(y_label)}" + (f" by {_clean(x_label)}" if x_label else "")
    title += f": {about}" if about else ""
    title += f"; {band_label} shaded" if shaded else ""
    title += "; rank 1 at the top" if invert_y else ""
    title += _skipped(skipped)
    if not any(line.segments for line in lines):
        return _empty("line-chart", title, skipped)

    legend, legend_height = _legend(lines, band_label if shaded else None)
    top, left, right = 12 + legend_height, 64.0, WIDTH - 24
    bottom = top + 240
    xs = [d.x for line in lines for d in line.data] + [s.x for s in shaded]
    ys = [d.y for line in lines for d in line.data] + [v for s in shaded for v in (s.low, s.high)]
    x_scale = axis.scale(xs, left, right)
    y_scale = (
        _Scale.nice(ys, top, bottom, integer=True) if invert_y else _Scale.nice(ys, bottom, top)
    )
    body = [
        _y_axis(y_scale, left, right, y_label),
        _x_axis(x_scale, top, bottom, x_label),
        *legend,
    ]
    if shaded:
        body.append(_band(shaded, x_scale, y_scale, band_label))
    body.append(_annotations(notes, axis, x_scale, top, bottom))
    for index, line in enumerate(lines):
        body.append(_series_marks(line, index, x_scale, y_scale, y_label))
    dense = any(len(line.data) > _DENSE for line in lines)
    return _svg("line-chart", bottom + (50 if x_label else 32), title, *body, dense=dense)


def _legend(lines: Sequence[_Series], band_label: str | None) -> tuple[list[SafeString], float]:
    """Legend items in rows above the plot; the second value is the height they take."""
    if len(lines) < 2 and band_label is None:
        return [], 0.0
    items = [
        (_truncate(line.name, 28), f"swatch s{i % _SERIES_COLOURS}") for i, line in enumerate(lines)
    ]
    if band_label is not None:
        items.append((_truncate(band_label, 28), "swatch band"))
    parts: list[SafeString] = []
    x, y = 64.0, 12.0
    for name, cls in items:
        width = 26 + len(name) * _GLYPH + 16
        if x + width > WIDTH - 16 and x > 64:
            x, y = 64.0, y + 18
        parts.append(
            _tag(
                "g",
                {"class": "legend-item"},
                _rect(x, x + 18, y, 4 if "band" not in cls else 10, cls),
                _text(x + 24, y + 4, name, "legend-label"),
            )
        )
        x += width
    return [_tag("g", {"class": "legend"}, *parts)], y + 12


def _band(shaded: Sequence[_Span], x_scale: _Scale, y_scale: _Scale, label: str) -> SafeString:
    """The band as one closed area: along the highs left to right, back along the lows."""
    xs = [x_scale(s.x) for s in shaded]
    if len(shaded) == 1:  # one point: a narrow area, so that it still shows
        shaded, xs = [shaded[0], shaded[0]], [xs[0] - 4, xs[0] + 4]
    upper = [f"{_px(x)} {_px(y_scale(s.high))}" for x, s in zip(xs, shaded, strict=True)]
    lower = [f"{_px(x)} {_px(y_scale(s.low))}" for x, s in zip(xs, shaded, strict=True)]
    listed = "; ".join(f"{s.shown_x}: {_number(s.low)} to {_number(s.high)}" for s in shaded[:12])
    more = f"; … {len(shaded) - 12} more" if len(shaded) > 12 else ""
    path = "M" + " L".join(upper + lower[::-1]) + " Z"
    return _tag("path", {"d": path, "class": "band"}, _title(f"{label}: {listed}{more}"))


def _annotations(
    notes: Sequence[tuple[XValue, str]], axis: _XAxis, x_scale: _Scale, top: float, bottom: float
) -> SafeString:
    placed = sorted(
        (
            (x, note)
            for note in notes
            if (x := axis.value(note[0])) is not None and x_scale.covers(x)
        ),
        key=lambda item: item[0],
    )
    parts = []
    for i, (x, (raw_x, label)) in enumerate(placed):
        px = x_scale(x)
        at_right = px > (x_scale.start + x_scale.end) / 2 + 160
        text = _text(
            px + (-4 if at_right else 4),
            top + 11 + (i % 3) * 13,
            _truncate(label, 24),
            "annotation-label",
            "end" if at_right else "start",
        )
        parts.append(
            _tag(
                "g",
                {"class": "annotation"},
                _title(f"{_clean(label)} — {axis.show(raw_x, x)}"),
                _line(px, top, px, bottom, "marker"),
                text,
            )
        )
    return _tag("g", {"class": "annotations"}, *parts)


def _series_marks(
    line: _Series, index: int, x_scale: _Scale, y_scale: _Scale, y_label: str
) -> SafeString:
    colour = f"s{index % _SERIES_COLOURS}"
    parts = [
        _tag(
            "path",
            {
                "d": "M" + " L".join(f"{_px(x_scale(d.x))} {_px(y_scale(d.y))}" for d in segment),
                "class": f"line {colour}",
            },
            _title(f"{line.name}: {_plural(len(segment), 'point')}"),
        )
        for segment in line.segments
        if len(segment) > 1
    ]
    for d in line.data:
        tooltip = f"{line.name} — {d.shown_x}: {_clean(y_label)} {_number(d.y)}"
        dot = _tag(
            "circle",
            {"cx": x_scale(d.x), "cy": y_scale(d.y), "r": 3, "class": f"point {colour}"},
            _title(tooltip),
        )
        parts.append(_link(dot, d.href))
    return _tag("g", {"class": "series"}, *parts)


# --- 2. quadrant chart -----------------------------------------------------------------------


class PointLike(Protocol):
    """Any object with a label and x, y values (a model instance, a dataclass) can be a point."""

    @property
    def label(self) -> str: ...
    @property
    def x(self) -> Value: ...
    @property
    def y(self) -> Value: ...


@dataclass(frozen=True)
class QuadrantPoint:
    """A point on a quadrant chart; the optional lows and highs draw uncertainty whiskers."""

    label: str
    x: Value
    y: Value
    x_low: Value = None
    x_high: Value = None
    y_low: Value = None
    y_high: Value = None
    href: str | None = None

    @classmethod
    def of(cls, point: PointLike | tuple[Any, ...]) -> QuadrantPoint:
        """From a tuple in field order, or from an object's attributes (the optional ones too)."""
        if isinstance(point, tuple):
            return cls(*point)
        optional = ("x_low", "x_high", "y_low", "y_high", "href")
        return cls(
            point.label, point.x, point.y, *(getattr(point, name, None) for name in optional)
        )


_Box = tuple[float, float, float, float]


def quadrant_chart(
    points: Iterable[PointLike | tuple[Any, ...]],
    *,
    x_label: str,
    y_label: str,
    x_split: float | None = None,
    y_split: float | None = None,
    quadrant_labels: tuple[str, str, str, str] = (
        "Quick wins",
        "Big bets",
        "Fill-ins",
        "Time sinks",
    ),
) -> SafeString:
    """A two-by-two such as value (y) against effort (x), with whiskers where a point has a range.

    Points are `QuadrantPoint`s, tuples in its field order (label, x, y, x_low, x_high, y_low,
    y_high, href) or objects with those attributes. The splits default to the medians;
    `quadrant_labels` are (top left, top right, bottom left, bottom right). A point's label is
    written beside it where it fits without overlapping; its tooltip always has it in full.
    """
    given = [QuadrantPoint.of(p) for p in points]
    placed = [
        (p, x, y)
        for p in given
        if (x := _finite(p.x)) is not None and (y := _finite(p.y)) is not None
    ]
    skipped = len(given) - len(placed)
    x_cut = _finite(x_split)
    y_cut = _finite(y_split)
    if placed:
        x_cut = statistics.median(x for _, x, _ in placed) if x_cut is None else x_cut
        y_cut = statistics.median(y for _, _, y in placed) if y_cut is None else y_cut
    title = f"Quadrant chart of {_clean(y_label)} against {_clean(x_label)}: {_plural(len(placed), 'item')}"
    if x_cut is not None and y_cut is not None:
        title += (
            f", split at {_clean(x_label)} {_number(x_cut)} and {_clean(y_label)} {_number(y_cut)}"
        )
    title += _skipped(skipped)
    if not placed or x_cut is None or y_cut is None:
        return _empty("quadrant-chart", title, skipped)

    plot = _Quadrants(
        x_label,
        y_label,
        x_cut,
        y_cut,
        *_quadrant_scales(placed, x_cut, y_cut, 64, 12, WIDTH - 24, 392),
    )
    body = [*plot.background(quadrant_labels)]
    taken = [
        _text_box(x, y, label, anchor)
        for x, y, label, anchor in plot.corner_labels(quadrant_labels)
    ]
    taken += [box for point, x, y in placed for box in plot.obstacles(point, x, y)]
    body += [plot.mark(point, x, y, taken) for point, x, y in placed]
    return _svg("quadrant-chart", plot.bottom + 50, title, *body)


def _quadrant_scales(
    placed: Sequence[tuple[QuadrantPoint, float, float]],
    x_cut: float,
    y_cut: float,
    left: float,
    top: float,
    right: float,
    bottom: float,
) -> tuple[_Scale, _Scale]:
    """Scales that hold every point, every finite whisker end and both splits."""
    x_ends = [v for p, _, _ in placed for v in map(_finite, (p.x_low, p.x_high)) if v is not None]
    y_ends = [v for p, _, _ in placed for v in map(_finite, (p.y_low, p.y_high)) if v is not None]
    return (
        _Scale.nice([*(x for _, x, _ in placed), *x_ends, x_cut], left, right),
        _Scale.nice([*(y for _, _, y in placed), *y_ends, y_cut], bottom, top),
    )


@dataclass(frozen=True)
class _Quadrants:
    """The plot of a quadrant chart: its scales, splits and axis names."""

    x_label: str
    y_label: str
    x_cut: float
    y_cut: float
    x_scale: _Scale
    y_scale: _Scale

    @property
    def left(self) -> float:
        return self.x_scale.start

    @property
    def right(self) -> float:
        return self.x_scale.end

    @property
    def top(self) -> float:
        return self.y_scale.end

    @property
    def bottom(self) -> float:
        return self.y_scale.start

    def background(self, labels: Sequence[str]) -> list[SafeString]:
        """The four shaded quadrants, the axes, the split lines and the quadrant names."""
        sx, sy = self.x_scale(self.x_cut), self.y_scale(self.y_cut)
        corners = {
            "tl": (self.left, self.top, sx, sy),
            "tr": (sx, self.top, self.right, sy),
            "bl": (self.left, sy, sx, self.bottom),
            "br": (sx, sy, self.right, self.bottom),
        }
        parts = [
            _tag(
                "rect",
                {
                    "x": x0,
                    "y": y0,
                    "width": x1 - x0,
                    "height": y1 - y0,
                    "class": f"quadrant q-{name}",
                },
            )
            for name, (x0, y0, x1, y1) in corners.items()
        ]
        parts += [
            _y_axis(self.y_scale, self.left, self.right, self.y_label),
            _x_axis(self.x_scale, self.top, self.bottom, self.x_label),
            _line(sx, self.top, sx, self.bottom, "split"),
            _line(self.left, sy, self.right, sy, "split"),
        ]
        parts += [
            _text(x, y, label, "quadrant-label", anchor)
            for x, y, label, anchor in self.corner_labels(labels)
        ]
        return parts

    def corner_labels(self, labels: Sequence[str]) -> list[tuple[float, float, str, str]]:
        """(x, y, text, anchor) of each quadrant's name, in its outer corner."""
        return [
            (
                self.right - 8 if at_right else self.left + 8,
                self.bottom - 8 if at_bottom else self.top + 16,
                _truncate(label, 30),
                "end" if at_right else "start",
            )
            for (at_bottom, at_right), label in zip(
                ((False, False), (False, True), (True, False), (True, True)), labels, strict=True
            )
        ]

    def mark(self, point: QuadrantPoint, x: float, y: float, taken: list[_Box]) -> SafeString:
        """One point: whiskers, dot and (where it fits) its label, grouped under one tooltip."""
        cx, cy = self.x_scale(x), self.y_scale(y)
        x_low, x_high, y_low, y_high = map(
            _finite, (point.x_low, point.x_high, point.y_low, point.y_high)
        )
        parts = [
            _title(
                f"{_clean(point.label)}: {_clean(self.x_label)} {_number(x)}{_range(x_low, x_high, x)}, "
                f"{_clean(self.y_label)} {_number(y)}{_range(y_low, y_high, y)}"
            )
        ]
        across, upright = self.whiskers(point, x, y)
        if across:
            parts += [
                _line(across[0], cy, across[1], cy, "whisker"),
                *(_line(end, cy - 3, end, cy + 3, "whisker") for end in across),
            ]
        if upright:
            parts += [
                _line(cx, upright[0], cx, upright[1], "whisker"),
                *(_line(cx - 3, end, cx + 3, end, "whisker") for end in upright),
            ]
        quadrant = ("t" if y >= self.y_cut else "b") + ("r" if x >= self.x_cut else "l")
        parts.append(_tag("circle", {"cx": cx, "cy": cy, "r": 5, "class": f"point q-{quadrant}"}))
        parts += self.point_label(_truncate(point.label, 22), cx, cy, taken)
        return _link(_tag("g", {"class": "item"}, *parts), _href(point.href))

    def whiskers(
        self, point: QuadrantPoint, x: float, y: float
    ) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
        """The pixel ends of the point's x range and y range (None where it has none); a missing
        end is the point itself."""
        x_low, x_high, y_low, y_high = map(
            _finite, (point.x_low, point.x_high, point.y_low, point.y_high)
        )
        across = upright = None
        if x_low is not None or x_high is not None:
            across = (
                self.x_scale(x if x_low is None else x_low),
                self.x_scale(x if x_high is None else x_high),
            )
        if y_low is not None or y_high is not None:
            upright = (
                self.y_scale(y if y_low is None else y_low),
                self.y_scale(y if y_high is None else y_high),
            )
        return across, upright

    def obstacles(self, point: QuadrantPoint, x: float, y: float) -> list[_Box]:
        """What a label must not cover: the dot and its whiskers."""
        cx, cy = self.x_scale(x), self.y_scale(y)
        across, upright = self.whiskers(point, x, y)
        boxes = [(cx - 5, cy - 5, cx + 5, cy + 5)]
        if across:
            boxes.append((min(across), cy - 3, max(across), cy + 3))
        if upright:
            boxes.append((cx - 3, min(upright), cx + 3, max(upright)))
        return boxes

    def point_label(self, label: str, cx: float, cy: float, taken: list[_Box]) -> list[SafeString]:
        """The label beside its dot: the first place inside the plot that overlaps nothing
        `taken` (which it then joins); no label when there is none."""
        plot = (self.left, self.top, self.right, self.bottom)
        for x, y, anchor in (
            (cx + 8, cy + 4, "start"),
            (cx - 8, cy + 4, "end"),
            (cx + 6, cy - 6, "start"),  # the corners clear the point's own whiskers
            (cx - 6, cy - 6, "end"),
            (cx + 6, cy + 14, "start"),
            (cx - 6, cy + 14, "end"),
            (cx, cy - 9, "middle"),
            (cx, cy + 17, "middle"),
        ):
            box = _text_box(x, y, label, anchor)
            if _within(box, plot) and not any(_overlap(box, other) for other in taken):
                taken.append(box)
                return [_text(x, y, label, "point-label", anchor)]
        return []


def _range(low: float | None, high: float | None, value: float) -> str:
    if low is None and high is None:
        return ""
    return f" (range {_number(value if low is None else low)} to {_number(value if high is None else high)})"


def _text_box(x: float, y: float, text: str, anchor: str) -> _Box:
    width = len(text) * _GLYPH
    left = x - {"start": 0.0, "middle": width / 2, "end": width}[anchor]
    return (left, y - 10, left + width, y + 3)


def _within(box: _Box, outer: _Box) -> bool:
    return outer[0] <= box[0] and box[2] <= outer[2] and outer[1] <= box[1] and box[3] <= outer[3]


def _overlap(a: _Box, b: _Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# --- 3. tornado chart ------------------------------------------------------------------------


def tornado_chart(
    rows: Iterable[tuple[str, Value, Value] | tuple[str, Value, Value, str | None]],
    *,
    base: float,
    value_label: str,
) -> SafeString:
    """Sensitivity: for each input, bars from `base` to the result at its low and high value.

    Rows are (label, at_low, at_high) or (label, at_low, at_high, href); the widest swing is
    drawn on top.
    """
    given = list(rows)
    centre = _finite(base)
    kept = sorted(
        (
            (row[0], low, high, _href(_extra(row, 3)))
            for row in given
            if (low := _finite(row[1])) is not None and (high := _finite(row[2])) is not None
        ),
        key=lambda row: -abs(row[2] - row[1]),
    )
    skipped = len(given) - len(kept)
    title = f"Tornado chart of {_clean(value_label)}"
    if centre is None:
        return _empty("tornado-chart", f"{title}: the base is not a finite number", skipped)
    title += f" around base {_number(centre)}: {_plural(len(kept), 'input')}, widest swing first"
    title += _skipped(skipped)
    if not kept:
        return _empty("tornado-chart", title, skipped)

    layout = _Rows(len(kept), top=28)
    scale = layout.scale([centre, *(v for _, low, high, _ in kept for v in (low, high))])
    marker_x = min(max(scale(centre), layout.LABEL + 32), layout.right - 32)
    body = [
        _x_axis(scale, layout.top, layout.bottom, value_label),
        _line(scale(centre), layout.top - 4, scale(centre), layout.bottom, "base"),
        _text(marker_x, layout.top - 10, f"Base {_number(centre)}", "base-label", "middle"),
    ]
    for i, (label, low, high, href) in enumerate(kept):
        tooltip = (
            f"{_clean(label)}: at its low value {_number(low)} ({_signed(low - centre)}), "
            f"at its high value {_number(high)} ({_signed(high - centre)}); swing {_number(abs(high - low))}"
        )
        y = layout.middle(i)
        body.append(
            layout.row(
                i,
                label,
                tooltip,
                "row",
                href,
                _rect(scale(centre), scale(low), y, 16, "bar low"),
                _rect(scale(centre), scale(high), y, 16, "bar high"),
            )
        )
    return _svg("tornado-chart", layout.height, title, *body)


# --- 4. interval chart -----------------------------------------------------------------------


def interval_chart(
    rows: Iterable[
        tuple[str, Value, Value, Value]
        | tuple[str, Value, Value, Value, str | None]
        | tuple[str, Value, Value, Value, str | None, bool]
    ],
    *,
    value_label: str,
) -> SafeString:
    """Ranges such as Monte Carlo scores: a line from P10 to P90 with a dot at P50, one per row.

    Rows are (label, p10, p50, p90) with an optional href and an optional highlight flag; a
    highlighted row gets the class `highlight`. Rows keep their order.
    """
    given = list(rows)
    kept = [
        (row[0], p10, p50, p90, _href(_extra(row, 4)), bool(_extra(row, 5)))
        for row in given
        if (p10 := _finite(row[1])) is not None
        and (p50 := _finite(row[2])) is not None
        and (p90 := _finite(row[3])) is not None
    ]
    skipped = len(given) - len(kept)
    title = (
        f"Interval chart of {_clean(value_label)}: P10 to P90 range and P50 for "
        f"{_plural(len(kept), 'item')}{_skipped(skipped)}"
    )
    if not kept:
        return _empty("interval-chart", title, skipped)

    layout = _Rows(len(kept))
    scale = layout.scale([v for _, p10, p50, p90, _, _ in kept for v in (p10, p50, p90)])
    body = [_x_axis(scale, layout.top, layout.bottom, value_label)]
    for i, (label, p10, p50, p90, href, highlight) in enumerate(kept):
        y = layout.middle(i)
        tooltip = f"{_clean(label)}: P50 {_number(p50)}, P10 {_number(p10)} to P90 {_number(p90)}"
        body.append(
            layout.row(
                i,
                label,
                tooltip,
                "row highlight" if highlight else "row",
                href,
                _line(scale(p10), y, scale(p90), y, "range"),
                _line(scale(p10), y - 5, scale(p10), y + 5, "range"),
                _line(scale(p90), y - 5, scale(p90), y + 5, "range"),
                _tag("circle", {"cx": scale(p50), "cy": y, "r": 5, "class": "p50"}),
            )
        )
    return _svg("interval-chart", layout.height, title, *body)


# --- 5. capacity chart -----------------------------------------------------------------------


def capacity_chart(
    periods: Iterable[tuple[str, Value, Value] | tuple[str, Value, Value, str | None]],
    *,
    unit: str = "person-weeks",
) -> SafeString:
    """Per period (name, used, capacity) or (name, used, capacity, href): the used bar inside the
    capacity bar.

    A period that uses more than its capacity gets the class `over`, a bar segment beyond the
    capacity line and "over" beside its percentage.
    """
    given = list(periods)
    kept = [
        (row[0], used, capacity, _href(_extra(row, 3)))
        for row in given
        if (used := _finite(row[1])) is not None and (capacity := _finite(row[2])) is not None
    ]
    skipped = len(given) - len(kept)
    over = sum(used > max(capacity, 0.0) for _, used, capacity, _ in kept)
    title = (
        f"Capacity chart in {_clean(unit)}: {_plural(len(kept), 'period')}, "
        f"{over} over capacity{_skipped(skipped)}"
    )
    if not kept:
        return _empty("capacity-chart", title, skipped)

    layout = _Rows(len(kept), right=80)
    scale = layout.scale([0.0, *(v for _, used, capacity, _ in kept for v in (used, capacity))])
    body = [_x_axis(scale, layout.top, layout.bottom, unit)]
    for i, (name, used, capacity, href) in enumerate(kept):
        y, limit = layout.middle(i), max(capacity, 0.0)
        share = _share(used, capacity)
        tooltip = (
            f"{_clean(name)}: {_number(used)} of {_number(capacity)} {_clean(unit)} used ({share})"
        )
        marks = [
            _rect(scale(0), scale(capacity), y, 18, "capacity"),
            _rect(scale(0), scale(min(used, limit)), y, 10, "used"),
        ]
        if used > limit:
            tooltip += f"; over capacity by {_number(used - capacity)}"
            marks.append(_rect(scale(limit), scale(used), y, 10, "excess"))
            marks.append(_line(scale(capacity), y - 12, scale(capacity), y + 12, "limit"))
        end = scale(max(used, capacity, 0.0))
        marks.append(_text(end + 6, y + 4, share + (" over" if used > limit else ""), "share"))
        body.append(
            layout.row(i, name, tooltip, "row over" if used > limit else "row", href, *marks)
        )
    return _svg("capacity-chart", layout.height, title, *body)


def _share(used: float, capacity: float) -> str:
    if capacity <= 0:
        return "no capacity"
    ratio = used / capacity
    return f"{ratio:,.0%}" if abs(ratio) < 100 else f"{'over' if ratio > 0 else 'under'} 10,000%"


# --- 6. bar chart ----------------------------------------------------------------------------


def bar_chart(
    rows: Iterable[tuple[str, Value] | tuple[str, Value, str | None]], *, value_label: str
) -> SafeString:
    """Horizontal bars from zero, (label, value) or (label, value, href); negatives go left."""
    given = list(rows)
    kept = [
        (row[0], value, _href(_extra(row, 2)))
        for row in given
        if (value := _finite(row[1])) is not None
    ]
    skipped = len(given) - len(kept)
    title = f"Bar chart of {_clean(value_label)}: {_plural(len(kept), 'item')}{_skipped(skipped)}"
    if not kept:
        return _empty("bar-chart", title, skipped)

    layout = _Rows(len(kept))
    scale = layout.scale([0.0, *(value for _, value, _ in kept)])
    zero = scale(0)
    body = [_x_axis(scale, layout.top, layout.bottom, value_label)]
    for i, (label, value, href) in enumerate(kept):
        y, end, shown = layout.middle(i), scale(value), _number(value)
        width = len(shown) * _GLYPH
        outside = end + 4 + width <= WIDTH - 4 if value >= 0 else end - 4 - width >= layout.LABEL
        forward = (value >= 0) == outside  # text runs right of its anchor
        text = _text(
            end + (4 if forward else -4),
            y + 4,
            shown,
            "value" if outside else "value inside",
            "start" if forward else "end",
        )
        bar = _rect(zero, end, y, 16, "bar negative" if value < 0 else "bar")
        body.append(
            layout.row(
                i, label, f"{_clean(label)}: {_clean(value_label)} {shown}", "row", href, bar, text
            )
        )
    body.append(_line(zero, layout.top, zero, layout.bottom, "zero"))
    return _svg("bar-chart", layout.height, title, *body)
