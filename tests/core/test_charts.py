"""SVG charts: well-formed, one mark per datum, positions follow values, every text escaped."""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString
from hypothesis import given, settings
from hypothesis import strategies as st

from northline.core.charts import (
    QuadrantPoint,
    bar_chart,
    capacity_chart,
    interval_chart,
    line_chart,
    quadrant_chart,
    tornado_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
NAN, INF = math.nan, math.inf
SCRIPT = "<script>alert('x')</script>"


def parse(svg: str) -> ET.Element:
    """The chart as an element tree, tags without the SVG namespace."""
    root = ET.fromstring(str(svg))  # noqa: S314 - our own output, and no DTD or entities
    assert root.tag == f"{SVG}svg"
    for element in root.iter():
        element.tag = element.tag.removeprefix(SVG)
    return root


def marks(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(tag) if cls in e.get("class", "").split()]


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return marks(root, "g", cls)


def tooltip(element: ET.Element) -> str:
    title = element.find("title")
    assert title is not None and title.text
    return title.text


def texts(root: ET.Element, cls: str) -> list[str]:
    return [e.text or "" for e in marks(root, "text", cls)]


def number(element: ET.Element, name: str) -> float:
    return float(element.get(name, "nan"))


def parent_of(root: ET.Element, child: ET.Element) -> ET.Element:
    return next(p for p in root.iter() if child in list(p))


SUFFIXES = {"k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def tick_values(root: ET.Element, axis: str) -> list[float]:
    """The numbers an axis's tick labels say ("2,500" → 2500, "1.5M" → 1500000)."""
    (group,) = groups(root, axis)
    values = []
    for label in texts(group, "tick-label"):
        plain = label.replace(",", "")
        factor = SUFFIXES.get(plain[-1], 1.0)
        values.append(float(plain.rstrip("kMBT")) * factor)
    return values


def assert_nice(ticks: list[float]) -> None:
    """Evenly spaced at 1, 2 or 5 times a power of ten."""
    steps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) >= 2
    assert all(s == pytest.approx(steps[0], rel=1e-6) for s in steps)
    mantissa = steps[0] / 10 ** math.floor(math.log10(steps[0]))
    assert any(mantissa == pytest.approx(m) for m in (1, 2, 5))


def viewbox(root: ET.Element) -> tuple[float, float]:
    x, y, width, height = map(float, root.get("viewBox", "").split())
    assert (x, y) == (0, 0)
    return width, height


def assert_inside(root: ET.Element) -> None:
    """Every coordinate of every element lies inside the viewBox."""
    width, height = viewbox(root)
    eps = 0.06  # coordinates are written to 0.1 unit

    def check(x: float, y: float) -> None:
        assert -eps <= x <= width + eps and -eps <= y <= height + eps, (x, y)

    for e in root.iter():
        for xs, ys in (("x", "y"), ("cx", "cy"), ("x1", "y1"), ("x2", "y2")):
            if xs in e.attrib and e.tag != "svg":
                check(number(e, xs), number(e, ys))
        if e.tag == "rect":
            assert number(e, "width") >= 0 and number(e, "height") >= 0
            check(number(e, "x") + number(e, "width"), number(e, "y") + number(e, "height"))
        if e.tag == "path":
            coordinates = [float(v) for v in re.findall(r"-?[\d.]+", e.get("d", ""))]
            for x, y in zip(coordinates[::2], coordinates[1::2], strict=True):
                check(x, y)


# --- every chart -----------------------------------------------------------------------------

CHARTS: dict[str, Callable[[str], str]] = {
    "line": lambda label: line_chart([(label, [(1, 2), (2, 3)])], y_label="Users"),
    "quadrant": lambda label: quadrant_chart([(label, 1, 2)], x_label="Effort", y_label="Value"),
    "tornado": lambda label: tornado_chart([(label, 1, 3)], base=2, value_label="Score"),
    "interval": lambda label: interval_chart([(label, 1, 2, 3)], value_label="Score"),
    "capacity": lambda label: capacity_chart([(label, 3, 4)]),
    "bar": lambda label: bar_chart([(label, 3)], value_label="Votes"),
}
EMPTY: dict[str, Callable[[], str]] = {
    "line": lambda: line_chart([], y_label="Users"),
    "line-no-points": lambda: line_chart([("A", [])], y_label="Users"),
    "quadrant": lambda: quadrant_chart([], x_label="Effort", y_label="Value"),
    "tornado": lambda: tornado_chart([], base=2, value_label="Score"),
    "interval": lambda: interval_chart([], value_label="Score"),
    "capacity": lambda: capacity_chart([]),
    "bar": lambda: bar_chart([], value_label="Votes"),
}
ALL_NON_FINITE: dict[str, Callable[[], str]] = {
    "line": lambda: line_chart([("A", [(1, NAN), (NAN, 2)])], y_label="Users"),
    "quadrant": lambda: quadrant_chart([("a", INF, 1), ("b", 1, None)], x_label="x", y_label="y"),
    "tornado": lambda: tornado_chart([("a", NAN, 1), ("b", 1, -INF)], base=0, value_label="v"),
    "interval": lambda: interval_chart([("a", 1, NAN, 3), ("b", None, 2, 3)], value_label="v"),
    "capacity": lambda: capacity_chart([("Q1", NAN, 3), ("Q2", 1, INF)]),
    "bar": lambda: bar_chart([("a", NAN), ("b", Decimal("NaN"))], value_label="v"),
}


@pytest.mark.parametrize("kind", CHARTS)
def test_a_chart_is_one_accessible_scalable_svg(kind: str) -> None:
    svg = CHARTS[kind]("Export")
    root = parse(svg)
    assert str(svg).startswith("<svg ") and str(svg).endswith("</svg>")
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert "chart" in root.get("class", "").split()
    assert root.get("aria-label") == tooltip(root)
    assert "style" not in {key for e in root.iter() for key in e.attrib}
    assert not {"fill", "stroke"} & {key for e in root.iter() for key in e.attrib}
    assert_inside(root)


@pytest.mark.parametrize("kind", CHARTS)
def test_labels_are_escaped(kind: str) -> None:
    svg = str(CHARTS[kind](SCRIPT))
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    assert any(SCRIPT in (e.text or "") for e in root.iter())


@pytest.mark.parametrize("kind", EMPTY)
def test_empty_data_says_no_data_yet(kind: str) -> None:
    root = parse(EMPTY[kind]())
    assert texts(root, "empty") == ["No data yet"]
    assert tooltip(root).endswith("no data yet")
    assert_inside(root)


@pytest.mark.parametrize("kind", ALL_NON_FINITE)
def test_only_non_finite_values_is_empty_and_counts_them(kind: str) -> None:
    root = parse(ALL_NON_FINITE[kind]())
    assert texts(root, "empty") == ["No data yet (2 non-finite values skipped)"]
    assert "2 non-finite values skipped" in tooltip(root)


@pytest.mark.parametrize("kind", CHARTS)
def test_labels_lose_characters_xml_forbids(kind: str) -> None:
    root = parse(CHARTS[kind]("Ex\x00port\x1b\nnow"))
    assert any("Export now" in (e.text or "") for e in root.iter())


def test_every_other_text_is_escaped_too() -> None:
    charts = [
        line_chart(
            [(SCRIPT, [(1, 1)]), ("B", [(2, 2)])],
            y_label=SCRIPT,
            x_label=SCRIPT,
            band=[(1, 0, 2)],
            band_label=SCRIPT,
            annotations=[(1, SCRIPT)],
        ),
        quadrant_chart(
            [(SCRIPT, 1, 1)], x_label=SCRIPT, y_label=SCRIPT, quadrant_labels=(SCRIPT,) * 4
        ),
        tornado_chart([("a", 1, 2)], base=1, value_label=SCRIPT),
        interval_chart([("a", 1, 2, 3)], value_label=SCRIPT),
        capacity_chart([("a", 1, 2)], unit=SCRIPT),
        bar_chart([("a", 1)], value_label=SCRIPT),
    ]
    for svg in charts:
        assert "<script" not in svg
        root = parse(svg)
        assert SCRIPT in tooltip(root)


def test_links_are_escaped_and_the_chart_drops_into_a_template_unescaped() -> None:
    svg = bar_chart([("a", 1, "/f?a=1&b=<2>")], value_label="v")
    assert 'href="/f?a=1&amp;b=&lt;2&gt;"' in svg
    (link,) = parse(svg).iter("a")
    assert link.get("href") == "/f?a=1&b=<2>"
    assert isinstance(svg, SafeString)
    assert Template("{{ chart }}").render(Context({"chart": svg})) == svg


def test_a_javascript_link_is_refused() -> None:
    with pytest.raises(ValueError, match="href: only relative, http and https links"):
        bar_chart([("a", 1, " javascript:alert(1)")], value_label="v")


# --- 1. line chart ---------------------------------------------------------------------------


def points(root: ET.Element, series: int = 0) -> list[ET.Element]:
    return marks(root, "circle", f"s{series}")


def test_line_chart_draws_a_dot_per_point_in_each_series() -> None:
    root = parse(
        line_chart(
            [("Active", [(1, 10), (2, 12), (3, 11)]), ("Paying", [(1, 4), (3, 5)])], y_label="Users"
        )
    )
    assert len(marks(root, "circle", "point")) == 5
    assert (len(points(root, 0)), len(points(root, 1))) == (3, 2)
    assert len(marks(root, "path", "line")) == 2
    assert texts(root, "legend-label") == ["Active", "Paying"]
    assert tooltip(points(root, 1)[1]) == "Paying — 3: Users 5"
    assert "Active (3 points), Paying (2 points)" in tooltip(root)


def test_line_chart_with_one_series_has_no_legend() -> None:
    assert not groups(parse(line_chart([("A", [(1, 1), (2, 2)])], y_label="v")), "legend")


def test_line_chart_positions_follow_the_values() -> None:
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(5)]
    values = [3, 9, 1, 7, 5]
    dots = points(parse(line_chart([("A", list(zip(days, values, strict=True)))], y_label="v")))
    by_value = sorted(zip(values, dots, strict=True), key=lambda pair: pair[0])
    heights = [number(dot, "cy") for _, dot in by_value]
    assert heights == sorted(heights, reverse=True)  # a larger value is drawn higher
    xs = [number(dot, "cx") for dot in dots]
    assert xs == sorted(xs) and len(set(xs)) == 5  # a later day is drawn further right


def test_line_chart_sorts_points_by_x() -> None:
    root = parse(line_chart([("A", [(3, 1), (1, 2), (2, 3)])], y_label="v"))
    assert [tooltip(dot) for dot in points(root)] == ["A — 1: v 2", "A — 2: v 3", "A — 3: v 1"]


def test_inverted_axis_puts_rank_one_on_top() -> None:
    ranks = [(1, 4), (2, 1), (3, 2), (4, 3)]
    root = parse(line_chart([("F-1", ranks)], y_label="Rank", invert_y=True))
    dots = points(root)
    top = min(dots, key=lambda dot: number(dot, "cy"))
    bottom = max(dots, key=lambda dot: number(dot, "cy"))
    assert tooltip(top).endswith("Rank 1") and tooltip(bottom).endswith("Rank 4")
    ticks = tick_values(root, "y-axis")
    assert all(t.is_integer() for t in ticks)  # ranks get whole-number ticks
    assert "rank 1 at the top" in tooltip(root)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([3, 97], [0, 20, 40, 60, 80, 100]),
        ([0.12, 0.31], [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]),
        ([-40, 15], [-40, -20, 0, 20]),
        ([1200, 48_000], [0, 10_000, 20_000, 30_000, 40_000, 50_000]),
        ([2_000_000, 3_500_000], [2_000_000, 2_500_000, 3_000_000, 3_500_000]),
    ],
)
def test_value_ticks_are_nice_numbers_covering_the_data(
    values: list[float], expected: list[float]
) -> None:
    root = parse(line_chart([("A", list(enumerate(values)))], y_label="v"))
    ticks = tick_values(root, "y-axis")
    assert ticks == pytest.approx(expected)
    assert_nice(ticks)


def test_big_ticks_use_short_suffixes() -> None:
    root = parse(line_chart([("A", [(0, 1200), (1, 48_000)])], y_label="v"))
    (axis,) = groups(root, "y-axis")
    assert texts(axis, "tick-label") == ["0", "10k", "20k", "30k", "40k", "50k"]


def test_one_point_and_all_equal_values_still_get_an_axis() -> None:
    for series in ([(5, 42)], [(1, 42), (2, 42), (3, 42)]):
        root = parse(line_chart([("A", series)], y_label="v"))
        ticks = tick_values(root, "y-axis")
        assert ticks[0] < 42 < ticks[-1]
        assert_nice(ticks)
        assert len(points(root)) == len(series)
        assert_inside(root)


def test_all_zero_values_get_an_axis_around_zero() -> None:
    ticks = tick_values(parse(line_chart([("A", [(1, 0), (2, 0)])], y_label="v")), "y-axis")
    assert ticks[0] < 0 < ticks[-1]


def test_non_finite_values_are_skipped_and_break_the_line() -> None:
    series = [(1, 1.0), (2, 2.0), (3, NAN), (4, 4.0), (5, 5.0), (6, None), (INF, 1.0)]
    root = parse(line_chart([("A", series)], y_label="v"))
    assert len(points(root)) == 4
    assert len(marks(root, "path", "line")) == 2  # the gap at x = 3 shows
    assert "3 non-finite values skipped" in tooltip(root)


def test_decimal_values_are_read() -> None:
    root = parse(line_chart([("A", [(1, Decimal("1.25")), (2, Decimal("2.5"))])], y_label="v"))
    assert [tooltip(dot) for dot in points(root)] == ["A — 1: v 1.25", "A — 2: v 2.5"]


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2025, 3, 3), 4, ["Mar 3, 2025", "Mar 4", "Mar 5", "Mar 6", "Mar 7"]),
        (date(2025, 3, 1), 40, ["Mar 3, 2025", "Mar 10", "Mar 17", "Mar 24", "Mar 31", "Apr 7"]),
        (date(2025, 3, 1), 60, ["Mar 3, 2025", "Mar 17", "Mar 31", "Apr 14", "Apr 28"]),
        (date(2025, 1, 1), 150, ["Jan 2025", "Feb", "Mar", "Apr", "May"]),
        (date(2024, 12, 1), 365, ["Q1 2025", "Q2 2025", "Q3 2025", "Q4 2025"]),
        (date(2024, 12, 1), 800, ["H1 2025", "H2 2025", "H1 2026", "H2 2026", "H1 2027"]),
        (date(2019, 6, 1), 4 * 365, ["2020", "2021", "2022", "2023"]),
        (date(1990, 1, 1), 35 * 365, ["1990", "2000", "2010", "2020"]),
    ],
)
def test_date_ticks_follow_the_span(start: date, days: int, expected: list[str]) -> None:
    series = [(start, 1), (start + timedelta(days=days), 2)]
    (axis,) = groups(parse(line_chart([("A", series)], y_label="v")), "x-axis")
    assert texts(axis, "tick-label") == expected


def test_one_date_gets_the_days_around_it() -> None:
    root = parse(line_chart([("A", [(date(2025, 5, 6), 3)])], y_label="v"))
    (axis,) = groups(root, "x-axis")
    assert texts(axis, "tick-label") == ["May 5, 2025", "May 6", "May 7"]
    assert tooltip(points(root)[0]) == "A — 2025-05-06: v 3"


def test_datetimes_get_hour_ticks_and_show_in_the_first_zone() -> None:
    paris = timezone(timedelta(hours=1))
    start = datetime(2025, 5, 6, 9, 30, tzinfo=paris)
    series = [(start, 1), (datetime(2025, 5, 6, 14, 0, tzinfo=UTC), 2)]
    root = parse(line_chart([("A", series)], y_label="v"))
    (axis,) = groups(root, "x-axis")
    assert texts(axis, "tick-label") == ["10:00", "11:00", "12:00", "13:00", "14:00", "15:00"]
    assert [tooltip(dot) for dot in points(root)] == [
        "A — 2025-05-06 09:30: v 1",
        "A — 2025-05-06 15:00: v 2",
    ]


def test_dates_and_numbers_do_not_mix() -> None:
    with pytest.raises(ValueError, match="x: values mix dates and numbers"):
        line_chart([("A", [(date(2025, 1, 1), 1), (2, 2)])], y_label="v")


def test_band_is_shaded_behind_the_lines_and_widens_the_axis() -> None:
    days = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    band = [(days[0], 8, 12), (days[1], 9, 30), (days[2], NAN, 14)]
    root = parse(line_chart([("A", [(d, 10) for d in days])], y_label="v", band=band))
    (area,) = marks(root, "path", "band")
    assert tooltip(area) == "Target range: 2025-01-01: 8 to 12; 2025-02-01: 9 to 30"
    assert tick_values(root, "y-axis")[-1] >= 30
    assert texts(root, "legend-label") == ["A", "Target range"]
    assert "1 non-finite value skipped" in tooltip(root)


def test_annotations_mark_moments_inside_the_range() -> None:
    days = [date(2025, 1, 1), date(2025, 6, 1)]
    notes = [(date(2025, 3, 1), "Release 2.0 <b>"), (date(2026, 1, 1), "Later")]
    root = parse(line_chart([("A", [(d, 1) for d in days])], y_label="v", annotations=notes))
    (note,) = groups(root, "annotation")
    assert tooltip(note) == "Release 2.0 <b> — 2025-03-01"
    assert texts(note, "annotation-label") == ["Release 2.0 <b>"]
    (marker,) = marks(note, "line", "marker")
    dots = points(root)
    assert number(dots[0], "cx") < number(marker, "x1") < number(dots[1], "cx")


def test_line_points_with_links_are_wrapped() -> None:
    root = parse(line_chart([("A", [(1, 1, "/f/1"), (2, 2, None)])], y_label="v"))
    links = list(root.iter("a"))
    assert [a.get("href") for a in links] == ["/f/1"]
    assert [tooltip(c) for c in links[0].iter("circle")] == ["A — 1: v 1"]


def test_long_series_show_dots_on_hover_only() -> None:
    root = parse(line_chart([("A", [(i, i) for i in range(61)])], y_label="v"))
    assert "dense" in root.get("class", "").split()
    assert len(points(root)) == 61


def test_a_long_series_name_is_truncated_in_the_legend() -> None:
    name = "A very long series name that goes on and on"
    root = parse(line_chart([(name, [(1, 1)]), ("B", [(1, 2)])], y_label="v"))
    legend = texts(root, "legend-label")[0]
    assert legend.endswith("…") and len(legend) == 28 and name.startswith(legend[:-1])
    assert tooltip(points(root)[0]).startswith(name)


# --- 2. quadrant chart -----------------------------------------------------------------------


def items(root: ET.Element) -> list[ET.Element]:
    return groups(root, "item")


def dot(item: ET.Element) -> ET.Element:
    (circle,) = item.iter("circle")
    return circle


def test_quadrant_chart_places_points_by_value_and_effort() -> None:
    data = [("Quick", 1, 9), ("Bet", 8, 8), ("Fill", 2, 1), ("Sink", 9, 2), ("Mid", 5, 5)]
    root = parse(quadrant_chart(data, x_label="Effort", y_label="Value"))
    found = {tooltip(i).split(":")[0]: dot(i) for i in items(root)}
    assert len(found) == 5
    xs = sorted(data, key=lambda p: p[1])
    assert [number(found[p[0]], "cx") for p in xs] == sorted(number(found[p[0]], "cx") for p in xs)
    ys = sorted(data, key=lambda p: p[2])
    assert [number(found[p[0]], "cy") for p in ys] == sorted(
        (number(found[p[0]], "cy") for p in ys), reverse=True
    )
    classes = {name: found[name].get("class") for name in ("Quick", "Bet", "Fill", "Sink")}
    assert classes == {
        "Quick": "point q-tl",
        "Bet": "point q-tr",
        "Fill": "point q-bl",
        "Sink": "point q-br",
    }
    assert texts(root, "quadrant-label") == ["Quick wins", "Big bets", "Fill-ins", "Time sinks"]


def test_quadrant_splits_default_to_the_medians() -> None:
    data = [("a", 1, 10), ("b", 2, 20), ("c", 6, 60)]
    root = parse(quadrant_chart(data, x_label="Effort", y_label="Value"))
    assert "split at Effort 2 and Value 20" in tooltip(root)
    vertical, horizontal = marks(root, "line", "split")
    b = dot(items(root)[1])
    assert (number(vertical, "x1"), number(horizontal, "y1")) == (number(b, "cx"), number(b, "cy"))


def test_quadrant_splits_can_be_given() -> None:
    data = [("a", 1, 10), ("b", 2, 20)]
    labels = ("Do now", "Plan", "Later", "Drop")
    root = parse(
        quadrant_chart(
            data, x_label="x", y_label="y", x_split=5, y_split=50, quadrant_labels=labels
        )
    )
    assert "split at x 5 and y 50" in tooltip(root)
    assert [dot(i).get("class") for i in items(root)] == ["point q-bl", "point q-bl"]
    assert texts(root, "quadrant-label") == list(labels)
    assert tick_values(root, "x-axis")[-1] >= 5 and tick_values(root, "y-axis")[-1] >= 50


def test_quadrant_whiskers_show_the_ranges() -> None:
    point = QuadrantPoint("Export", 3, 80, x_low=2, x_high=5, y_low=60, y_high=Decimal(90))
    root = parse(quadrant_chart([point, ("Plain", 4, 50)], x_label="Effort", y_label="Value"))
    ranged, plain = items(root)
    assert tooltip(ranged) == "Export: Effort 3 (range 2 to 5), Value 80 (range 60 to 90)"
    whiskers = marks(ranged, "line", "whisker")
    assert len(whiskers) == 6  # two lines with caps
    x_line = whiskers[0]
    assert number(x_line, "x1") < number(dot(ranged), "cx") < number(x_line, "x2")
    assert not marks(plain, "line", "whisker")


def test_quadrant_reads_objects_with_attributes() -> None:
    @dataclass
    class Feature:
        label: str
        x: float
        y: float
        href: str = "/f/7"

    root = parse(quadrant_chart([Feature("F-7 Export", 2, 3)], x_label="x", y_label="y"))
    (link,) = root.iter("a")
    assert link.get("href") == "/f/7"
    assert [tooltip(i) for i in link.iter("g")] == ["F-7 Export: x 2, y 3"]


def test_quadrant_labels_are_truncated_and_never_overlap() -> None:
    long = "Bulk export of every report to spreadsheets"
    root = parse(
        quadrant_chart([(long, 1, 1), ("Twin", 1, 1), ("Far", 9, 9)], x_label="x", y_label="y")
    )
    labels = texts(root, "point-label")
    assert labels[0] == "Bulk export of every…"  # 22 characters at most
    assert len(labels) == 3 and labels[1] == "Twin"  # placed on the other side of the dot
    assert tooltip(items(root)[0]).startswith(long)
    xs = [number(t, "x") for t in marks(root, "text", "point-label")[:2]]
    assert xs[0] != xs[1]


def test_quadrant_skips_non_finite_points() -> None:
    data = [("a", 1, 2), ("b", NAN, 2), ("c", 2, 3, INF, None)]
    root = parse(quadrant_chart(data, x_label="x", y_label="y"))
    assert len(items(root)) == 2
    assert "1 non-finite value skipped" in tooltip(root)
    assert not marks(root, "line", "whisker")  # the infinite x_low is ignored


# --- 3. tornado chart ------------------------------------------------------------------------


def test_tornado_sorts_by_swing_widest_on_top() -> None:
    rows = [("Confidence", 45, 52), ("Reach", 30, 70), ("Effort", 62, 38), ("Impact", 40, 55)]
    root = parse(tornado_chart(rows, base=50, value_label="RICE"))
    assert texts(root, "row-label") == ["Reach", "Effort", "Impact", "Confidence"]
    assert texts(root, "base-label") == ["Base 50"]
    row = groups(root, "row")[1]
    assert tooltip(row) == (
        "Effort: at its low value 62 (+12), at its high value 38 (-12); swing 24"
    )


def test_tornado_bars_run_from_the_base_to_each_end() -> None:
    rows = [("Reach", 30, 70), ("Impact", 45, 60)]
    root = parse(tornado_chart(rows, base=50, value_label="RICE"))
    (base,) = marks(root, "line", "base")
    at = number(base, "x1")
    low_bars, high_bars = marks(root, "rect", "low"), marks(root, "rect", "high")
    assert len(low_bars) == len(high_bars) == 2
    for bar in low_bars:  # both lows are below the base: they end at it
        assert number(bar, "x") + number(bar, "width") == pytest.approx(at)
    for bar in high_bars:
        assert number(bar, "x") == pytest.approx(at)
    widths = [number(b, "width") for b in high_bars]
    assert widths[0] == pytest.approx(2 * widths[1], abs=0.2)  # +20 against +10
    assert number(low_bars[0], "width") == pytest.approx(widths[0], abs=0.2)  # -20
    assert number(low_bars[1], "width") == pytest.approx(widths[1] / 2, abs=0.2)  # -5


def test_tornado_with_a_non_finite_base_is_empty() -> None:
    root = parse(tornado_chart([("a", 1, 2)], base=NAN, value_label="v"))
    assert texts(root, "empty") == ["No data yet"]
    assert "the base is not a finite number" in tooltip(root)


def test_tornado_rows_link() -> None:
    root = parse(tornado_chart([("a", 1, 2, "/d/1"), ("b", 0, 9)], base=1, value_label="v"))
    (link,) = root.iter("a")
    assert link.get("href") == "/d/1"
    assert len(marks(link, "rect", "bar")) == 2


# --- 4. interval chart -----------------------------------------------------------------------


def test_interval_chart_draws_p10_to_p90_with_the_p50_dot() -> None:
    root = parse(
        interval_chart(
            [("F-1", 10, 20, 35, "/f/1"), ("F-2", 40, 55, 60, None, True), ("F-3", 5, 8, 9)],
            value_label="Score",
        )
    )
    dots = marks(root, "circle", "p50")
    assert len(dots) == 3
    xs = [number(d, "cx") for d in dots]
    assert xs[2] < xs[0] < xs[1]  # 8 < 20 < 55
    for row in groups(root, "row"):
        span = marks(row, "line", "range")[0]
        assert number(span, "x1") < number(dot(row), "cx") < number(span, "x2")
    assert [r.get("class") for r in groups(root, "row")] == ["row", "row highlight", "row"]
    assert tooltip(groups(root, "row")[0]) == "F-1: P50 20, P10 10 to P90 35"
    (link,) = root.iter("a")
    assert link.get("href") == "/f/1" and len(list(link.iter("circle"))) == 1
    assert texts(root, "row-label") == ["F-1", "F-2", "F-3"]  # rows keep their order


def test_interval_row_labels_are_truncated() -> None:
    label = "An interval row label far longer than the label column"
    root = parse(interval_chart([(label, 1, 2, 3)], value_label="v"))
    (shown,) = texts(root, "row-label")
    assert shown.endswith("…") and len(shown) == 26
    assert tooltip(groups(root, "row")[0]).startswith(label)


# --- 5. capacity chart -----------------------------------------------------------------------


def test_capacity_chart_flags_over_capacity() -> None:
    root = parse(capacity_chart([("Q1", 40, 50), ("Q2", 62, 50), ("Q3", 0, 0)]))
    q1, q2, q3 = groups(root, "row")
    assert (q1.get("class"), q2.get("class"), q3.get("class")) == ("row", "row over", "row")
    assert texts(root, "share") == ["80%", "124% over", "no capacity"]
    assert tooltip(q2) == "Q2: 62 of 50 person-weeks used (124%); over capacity by 12"
    assert not marks(q1, "rect", "excess")
    (excess,) = marks(q2, "rect", "excess")
    (capacity,) = marks(q2, "rect", "capacity")
    assert number(excess, "x") == pytest.approx(number(capacity, "x") + number(capacity, "width"))
    assert "1 over capacity" in tooltip(root)


def test_capacity_rows_link() -> None:
    root = parse(capacity_chart([("Q1", 1, 2, "/r/q1"), ("Q2", 1, 2)]))
    (link,) = root.iter("a")
    assert link.get("href") == "/r/q1"
    assert len(marks(link, "rect", "used")) == 1


def test_capacity_bars_grow_with_use() -> None:
    root = parse(capacity_chart([("A", 10, 50), ("B", 30, 50)], unit="points"))
    small, large = (number(r, "width") for r in marks(root, "rect", "used"))
    assert large == pytest.approx(3 * small, abs=0.2)
    assert texts(root, "axis-label") == ["points"]


# --- 6. bar chart ----------------------------------------------------------------------------


def test_bar_chart_draws_one_bar_per_row_negatives_left_of_zero() -> None:
    root = parse(
        bar_chart(
            [("Better", 0.62), ("Worse", -0.41), ("Zero", 0), ("Demand", 1.0, "/d")],
            value_label="Coefficient",
        )
    )
    bars = marks(root, "rect", "bar")
    assert len(bars) == 4
    (zero,) = marks(root, "line", "zero")
    at = number(zero, "x1")
    better, worse, nothing, demand = bars
    assert number(worse, "x") + number(worse, "width") == pytest.approx(at, abs=0.15)
    assert "negative" in worse.get("class", "").split()
    assert number(better, "x") == pytest.approx(at) and number(nothing, "width") == 0
    assert number(better, "width") < number(demand, "width")
    assert texts(root, "value") == ["0.62", "-0.41", "0", "1"]
    assert tooltip(groups(root, "row")[1]) == "Worse: Coefficient -0.41"
    (link,) = root.iter("a")
    assert link.get("href") == "/d" and list(link.iter("rect")) == [demand]
    ticks = tick_values(root, "x-axis")
    assert ticks[0] <= -0.41 and ticks[-1] >= 1.0
    assert_nice(ticks)


def test_bar_values_go_inside_a_bar_that_reaches_the_edge() -> None:
    root = parse(bar_chart([("Big", 1_000_000_000), ("Small", 1)], value_label="v"))
    assert [t.get("class") for t in marks(root, "text", "value")] == ["value inside", "value"]
    assert texts(root, "value") == ["1,000,000,000", "1"]
    assert_inside(root)


# --- properties ------------------------------------------------------------------------------

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1e6, 1e6),
    st.integers(-(10**6), 10**6),
    st.none(),
)
labels = st.text(max_size=40)
hrefs = st.sampled_from([None, "", "/f/1", "https://example.com/?a=1&b=<2>"])
moments = st.one_of(
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=-7))])),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(labels, st.lists(st.tuples(st.floats(-1e9, 1e9) | st.just(NAN), values))))
    | st.lists(st.tuples(labels, st.lists(st.tuples(moments, values, hrefs))), max_size=3),
    st.booleans(),
    st.lists(labels, max_size=3),
)
def test_any_line_chart_is_well_formed_and_inside(series, invert, notes) -> None:
    xs = [p[0] for _, pts in series for p in pts]
    annotations = [(x, label) for x, label in zip(xs, notes, strict=False)]
    band = [(x, 1, 2) for x in xs[:3]]
    root = parse(
        line_chart(series, y_label="v", invert_y=invert, band=band, annotations=annotations)
    )
    assert_inside(root)
    finite = [p for _, pts in series for p in pts if _real(p[0]) and _real(p[1])]
    assert len(marks(root, "circle", "point")) == len(finite)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(labels, values, values, values, values, values, values, hrefs),
        max_size=30,
    ),
    values,
    values,
)
def test_any_quadrant_chart_is_well_formed_and_inside(data, x_split, y_split) -> None:
    root = parse(quadrant_chart(data, x_label="x", y_label="y", x_split=x_split, y_split=y_split))
    assert_inside(root)
    assert len(items(root)) == sum(_real(p[1]) and _real(p[2]) for p in data)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(labels, values, values, hrefs), max_size=12), values)
def test_any_tornado_chart_is_well_formed_and_inside(rows, base) -> None:
    root = parse(tornado_chart(rows, base=base, value_label="v"))
    assert_inside(root)
    kept = sum(_real(r[1]) and _real(r[2]) for r in rows) if _real(base) else 0
    assert len(marks(root, "rect", "high")) == kept


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(labels, values, values, values, hrefs, st.booleans()), max_size=12))
def test_any_interval_chart_is_well_formed_and_inside(rows) -> None:
    root = parse(interval_chart(rows, value_label="v"))
    assert_inside(root)
    assert len(marks(root, "circle", "p50")) == sum(all(map(_real, r[1:4])) for r in rows)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(labels, values, values), max_size=12))
def test_any_capacity_chart_is_well_formed_and_inside(periods) -> None:
    root = parse(capacity_chart(periods))
    assert_inside(root)
    assert len(marks(root, "rect", "used")) == sum(_real(u) and _real(c) for _, u, c in periods)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(labels, st.floats(-1e12, 1e12), hrefs), min_size=1, max_size=12))
def test_any_bar_chart_has_nice_ticks_covering_zero_and_the_data(rows) -> None:
    root = parse(bar_chart(rows, value_label="v"))
    assert_inside(root)
    assert len(marks(root, "rect", "bar")) == len(rows)
    ticks = tick_values(root, "x-axis")
    data = [0.0, *(value for _, value, _ in rows)]
    assert_nice(ticks)
    slack = 1e-9 * max(map(abs, data)) + 1e-12  # the labels round to the step's decimals
    assert ticks[0] <= min(data) + slack and max(data) - slack <= ticks[-1]
    bars = marks(root, "rect", "bar")
    ends = [
        number(b, "x") + number(b, "width") if v >= 0 else number(b, "x")
        for (_, v, _), b in zip(rows, bars, strict=True)
    ]
    by_value = [end for _, end in sorted(zip([v for _, v, _ in rows], ends, strict=True))]
    assert all(a <= b + 0.1 for a, b in itertools.pairwise(by_value))


def _real(value: object) -> bool:
    """What the charts draw: a date, or a finite number within ±1e250."""
    if isinstance(value, date):
        return True
    if value is None or isinstance(value, bool):
        return False
    number = float(value)  # type: ignore[arg-type]
    return math.isfinite(number) and abs(number) <= 1e250
