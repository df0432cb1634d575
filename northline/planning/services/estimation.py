"""Domain verbs of planning: team estimation rounds, planning-poker style.

Each member estimates one driver of one feature privately (low / likely / high). While the round
is open, members see only how many have voted and their own vote; once revealed, everyone sees
every vote and the spread; settling writes the agreed estimate as the feature's input (source
"team") and closes the round.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Conflict, Invalid
from northline.core.roles import WRITE

from ..models import EstimateVote, EstimationRound, Feature, ScoreInput, ScoringModel
from . import scores

PHRASES: dict[str, str] = {
    "round.opened": "opened a team estimate of",
    "round.revealed": "revealed the team estimate of",
    "round.settled": "settled the team estimate of",
}


@dataclass(frozen=True)
class Spread:
    """The votes of a revealed round: medians of each point and the range of the likely values."""

    votes: int
    low: float
    likely: float
    high: float
    likely_min: float
    likely_max: float

    @property
    def agreement(self) -> str:
        """'tight' when the likely values differ by at most 25% of their median, else 'wide'."""
        width = self.likely_max - self.likely_min
        return "tight" if width <= 0.25 * abs(self.likely) else "wide"


def open_round(
    access: Access, feature: Feature, model: ScoringModel, driver: str
) -> EstimationRound:
    access.require(WRITE)
    names = scores.formula_for(model).domains
    if driver not in names:
        raise Invalid(f"driver: {driver!r} is not one of {', '.join(names)} of {model.name}")
    try:
        with transaction.atomic():
            estimation = EstimationRound.objects.create(
                workspace=access.workspace, feature=feature, model=model, driver=driver,
                opened_by=access.user,
            )  # fmt: skip
            activity.record(
                access.workspace, access.user, "round.opened", feature, {"driver": [None, driver]}
            )
    except IntegrityError:
        raise Conflict(
            f"driver: a team estimate of {feature.ref} {driver} is already open"
        ) from None
    return estimation


def vote(
    access: Access, estimation: EstimationRound, *, low: float, likely: float, high: float
) -> EstimateVote:
    """Cast or change the member's own vote while the round is open."""
    access.require(WRITE)
    if estimation.status != EstimationRound.Status.OPEN:
        raise Conflict(f"round: the estimate is {estimation.status}; votes are closed")
    domain = scores.formula_for(estimation.model).domains[estimation.driver]
    scores.checked_estimate(
        f"{estimation.feature.ref}.{estimation.driver}", domain, low, likely, high
    )
    with transaction.atomic():
        ballot, _created = EstimateVote.objects.update_or_create(
            round=estimation, user=access.user,
            defaults={"low": low, "likely": likely, "high": high},
        )  # fmt: skip
    return ballot


def spread(estimation: EstimationRound) -> Spread | None:
    votes = list(estimation.votes.all())
    if not votes:
        return None
    likely = [v.likely for v in votes]
    return Spread(
        votes=len(votes),
        low=statistics.median(v.low for v in votes),
        likely=statistics.median(likely),
        high=statistics.median(v.high for v in votes),
        likely_min=min(likely),
        likely_max=max(likely),
    )


def reveal(access: Access, estimation: EstimationRound) -> EstimationRound:
    access.require(WRITE)
    if estimation.status != EstimationRound.Status.OPEN:
        raise Conflict(f"round: the estimate is already {estimation.status}")
    if not estimation.votes.exists():
        raise Invalid("round: nobody has voted yet")
    with transaction.atomic():
        estimation.status = EstimationRound.Status.REVEALED
        estimation.save(update_fields=["status", "updated_at"])
        activity.record(access.workspace, access.user, "round.revealed", estimation.feature)
    return estimation


def settle(
    access: Access,
    estimation: EstimationRound,
    *,
    low: float,
    likely: float,
    high: float,
    distribution: str = "pert",
) -> ScoreInput:
    """Write the agreed estimate (often the medians of the votes) and close the round."""
    access.require(WRITE)
    if estimation.status != EstimationRound.Status.REVEALED:
        raise Conflict("round: reveal the votes before settling")
    with transaction.atomic():
        settled = scores.set_input(
            access, estimation.feature, estimation.model, estimation.driver,
            low=low, likely=likely, high=high, distribution=distribution,
            source=ScoreInput.Source.TEAM,
        )  # fmt: skip
        estimation.status = EstimationRound.Status.SETTLED
        estimation.save(update_fields=["status", "updated_at"])
        activity.record(access.workspace, access.user, "round.settled", estimation.feature)
    return settled
