"""Planning records: product areas, features, scoring models and their inputs, score history,
team estimation, scenarios, simulation and portfolio runs, decisions and Kano surveys.

Scores are absolute: a feature's score depends only on its own inputs under one scoring model
(and scenario), so `FeatureScore` is a stored, indexed copy that changes only when that
feature's inputs or the model's definition change.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from northline.core.models import WorkspaceScoped


class ProductArea(WorkspaceScoped):
    """A part of the product (a tree): features belong to one; strategic balance groups by it."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="area_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Feature(WorkspaceScoped):
    """An idea, initiative, feature or sub-feature; `number` is its short id in the workspace."""

    class Kind(models.TextChoices):
        IDEA = "idea", "Idea"
        INITIATIVE = "initiative", "Initiative"
        FEATURE = "feature", "Feature"
        SUB_FEATURE = "sub_feature", "Sub-feature"

    class Status(models.TextChoices):
        IDEA = "idea", "Idea"
        DISCOVERY = "discovery", "Discovery"
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        SHIPPED = "shipped", "Shipped"
        DROPPED = "dropped", "Dropped"

    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FEATURE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IDEA)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    area = models.ForeignKey(
        ProductArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="features"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.CharField(max_length=80, blank=True)
    requires = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="required_by"
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "number"], name="feature_number_unique")
        ]
        indexes = [models.Index(fields=["workspace", "status"], name="feature_status")]

    def __str__(self) -> str:
        return f"F-{self.number} {self.title}"

    @property
    def ref(self) -> str:
        return f"F-{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("planning:feature", args=[self.workspace.slug, self.number])


class ScoringModel(WorkspaceScoped):
    """A scoring formula the workspace uses. `drivers` defines a weighted formula:
    [{"name", "weight", "minimum", "maximum", "direction"}]; built-in kinds ignore it."""

    class Kind(models.TextChoices):
        RICE = "rice", "RICE"
        ICE = "ice", "ICE"
        WSJF = "wsjf", "WSJF"
        VALUE_EFFORT = "value_effort", "Value vs effort"
        WEIGHTED = "weighted", "Weighted drivers"

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    drivers = models.JSONField(default=list, blank=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="scoring_model_name_unique"),
            models.UniqueConstraint(
                fields=["workspace"], condition=Q(is_default=True), name="one_default_model"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Scenario(WorkspaceScoped):
    """A named copy of the inputs (and weights, capacity) to try changes without touching the
    baseline. Rows with `scenario=None` elsewhere are the baseline."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    # {"<model id>": {"<driver>": weight}}: weights of weighted models changed in this scenario
    weights = models.JSONField(default=dict, blank=True)
    # [{"name", "capacity", "team_capacity": {team: weeks}}]: the capacity this scenario plans for
    periods = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="scenario_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ScoreInput(WorkspaceScoped):
    """One driver's estimate for one feature under one model: a number (low = likely = high)
    or a range read as PERT or triangular. `source` says where it came from; an evidence input
    names its `rule` (see planning.evidence)."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Entered"
        TEAM = "team", "Team estimate"
        EVIDENCE = "evidence", "From evidence"

    class Distribution(models.TextChoices):
        PERT = "pert", "PERT"
        TRIANGULAR = "triangular", "Triangular"

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="inputs")
    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="inputs")
    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, null=True, blank=True, related_name="inputs"
    )
    driver = models.CharField(max_length=60)
    low = models.FloatField()
    likely = models.FloatField()
    high = models.FloatField()
    distribution = models.CharField(
        max_length=12, choices=Distribution.choices, default=Distribution.PERT
    )
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.MANUAL)
    rule = models.CharField(max_length=40, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["feature", "model", "driver"],
                condition=Q(scenario__isnull=True),
                name="baseline_input_unique",
            ),
            models.UniqueConstraint(
                fields=["scenario", "feature", "model", "driver"],
                condition=Q(scenario__isnull=False),
                name="scenario_input_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feature} {self.driver}"

    @property
    def is_range(self) -> bool:
        return self.low != self.high

    def as_dict(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "likely": self.likely,
            "high": self.high,
            "distribution": self.distribution,
            "source": self.source,
            "rule": self.rule,
        }


class FeatureScore(WorkspaceScoped):
    """A feature's current score under a model (and scenario), computed from the likely values
    of its inputs; None while an input is missing. Stored so that ranked lists are one indexed
    query at any backlog size."""

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="scores")
    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="scores")
    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, null=True, blank=True, related_name="scores"
    )
    score = models.FloatField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["feature", "model"],
                condition=Q(scenario__isnull=True),
                name="baseline_score_unique",
            ),
            models.UniqueConstraint(
                fields=["scenario", "feature", "model"],
                condition=Q(scenario__isnull=False),
                name="scenario_score_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "model", "scenario", "-score"], name="score_rank")
        ]


class ScoreChange(WorkspaceScoped):
    """Score history: one row per change of an input, with the score and rank right after."""

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="score_changes")
    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="+")
    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    driver = models.CharField(max_length=60, blank=True)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    score = models.FloatField(null=True)
    rank = models.PositiveIntegerField(null=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["feature", "model", "id"], name="score_history")]


class EstimationRound(WorkspaceScoped):
    """Planning-poker style estimation of one driver of one feature: members vote privately;
    the spread shows once the round is revealed; settling writes the agreed input."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        REVEALED = "revealed", "Revealed"
        SETTLED = "settled", "Settled"

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="rounds")
    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="+")
    driver = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["feature", "model", "driver"],
                condition=~Q(status="settled"),
                name="one_active_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.feature} {self.driver}"


class EstimateVote(models.Model):
    round = models.ForeignKey(EstimationRound, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    low = models.FloatField()
    likely = models.FloatField()
    high = models.FloatField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="one_vote_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.round}"


class SimulationRun(WorkspaceScoped):
    """A Monte Carlo run over a model's ranged inputs. `results` holds, per feature number,
    {"p10", "p50", "p90", "mean", "p_top", "dominant", "swing": {driver: [at_low, at_high]}}."""

    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="+")
    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    samples = models.PositiveIntegerField()
    top_n = models.PositiveIntegerField()
    seed = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0.0)
    results = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Simulation {self.pk}"


class PortfolioRun(WorkspaceScoped):
    """An optimised plan: the `constraints` it was asked (periods, mandatory, excluded,
    balance, risk budget, value basis) and the `result` (status, selected feature numbers by
    period, total value, capacity used, gap, seconds, reasons for each left-out feature)."""

    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="+")
    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    constraints = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Plan {self.pk}"


class Decision(WorkspaceScoped):
    """A decision log entry: what was decided among which options, on what evidence, with
    which risks accepted, by whom and when; and when to look at it again."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        DECIDED = "decided", "Decided"
        REVISITED = "revisited", "Revisited"
        REVERSED = "reversed", "Reversed"

    title = models.CharField(max_length=200)
    context = models.TextField(blank=True)
    options = models.JSONField(default=list, blank=True)  # [{"name", "notes", "chosen": bool}]
    outcome = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DECIDED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)
    revisit_on = models.DateField(null=True, blank=True)
    features = models.ManyToManyField(Feature, blank=True, related_name="decisions")
    scenarios = models.ManyToManyField(Scenario, blank=True, related_name="decisions")
    simulation = models.ForeignKey(
        SimulationRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    portfolio = models.ForeignKey(
        PortfolioRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return self.title


class DecisionRisk(models.Model):
    """A risk accepted with a decision: probability (0..1) times impact (1..5) = exposure."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="risks")
    description = models.CharField(max_length=300)
    probability = models.FloatField()
    impact = models.FloatField()
    mitigation = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description

    @property
    def exposure(self) -> float:
        return self.probability * self.impact


class KanoSurvey(WorkspaceScoped):
    """A Kano questionnaire over some features; customers answer through a public link whose
    secret is stored only as a hash."""

    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True)
    features = models.ManyToManyField(Feature, related_name="kano_surveys")
    is_open = models.BooleanField(default=True)
    link_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class KanoResponse(WorkspaceScoped):
    """One respondent's answers to a survey, from the public link or an import."""

    class Source(models.TextChoices):
        LINK = "link", "Survey link"
        IMPORT = "import", "Import"

    survey = models.ForeignKey(KanoSurvey, on_delete=models.CASCADE, related_name="responses")
    respondent = models.CharField(max_length=254, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.LINK)

    class Meta:
        ordering = ["id"]


class KanoAnswer(models.Model):
    response = models.ForeignKey(KanoResponse, on_delete=models.CASCADE, related_name="answers")
    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="kano_answers")
    functional = models.CharField(max_length=12)
    dysfunctional = models.CharField(max_length=12)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "feature"], name="one_answer_per_feature")
        ]

    def __str__(self) -> str:
        return f"{self.functional}/{self.dysfunctional}"
