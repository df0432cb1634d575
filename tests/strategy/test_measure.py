"""Key-result numbers keep the digits that matter: rates are not rounded to two decimals."""

from __future__ import annotations

import pytest

from northline.strategy.templatetags.strategy import measure


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.175, "0.175"),
        (0.1834, "0.183"),
        (17.5, "17.5"),
        (5190, "5190"),
        (562.6, "562.6"),
        (5850.0, "5850"),
        (-0.25, "-0.25"),
        (None, ""),
    ],
)
def test_measure_keeps_significant_digits(value: float | None, shown: str) -> None:
    assert measure(value) == shown
