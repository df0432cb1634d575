"""`northline plan score|simulate|optimise`: the planning analysis from the command line."""

from __future__ import annotations

import json
from argparse import ArgumentParser, RawDescriptionHelpFormatter
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from rich.console import Console
from rich.table import Table

from northline.accounts.models import Membership
from northline.core.access import Access, Actor, load
from northline.core.errors import DomainError
from northline.core.roles import Role

from ...api.analysis import plan_out, simulation_out
from ...api.scores import RankedOut, RankingOut, breakdown_out, input_out
from ...models import Scenario, ScoringModel
from ...services import analysis, scenarios, scores


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"


def _listed(values: list[str] | None) -> list[str]:
    """Repeated and comma-separated values ("F-1,F-2" --mandatory F-3) as one list."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _ranked_out(r: scores.RankedRow) -> RankedOut:
    """A ranked row as GET /ranking gives it."""
    return RankedOut(
        rank=r.rank, ref=r.feature.ref, title=r.feature.title, status=r.feature.status,
        area=r.feature.area.name if r.feature.area else None, score=r.score, missing=r.missing,
        breakdown=breakdown_out(r.breakdown), inputs=[input_out(i) for i in r.inputs.values()],
    )  # fmt: skip


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's option order; the description and the subcommands' help kept as written."""


class Command(BaseCommand):
    help = """Score, simulate or optimise a workspace's plan.

  plan score      the ranked list with each score's breakdown
  plan simulate   a Monte Carlo simulation over the ranged estimates (stored as a run)
  plan optimise   the most valuable plan within capacity (stored as a run)

The command acts as the workspace's first owner (the owner who joined first), so it sees and
writes what that owner may; runs are stored and shown on the Simulate and Plan pages. Prints a
table, or one JSON object with --json (the API's shape)."""

    def add_arguments(self, parser: ArgumentParser) -> None:
        common = ArgumentParser(add_help=False)
        common.add_argument("--workspace", required=True, metavar="SLUG", help="workspace slug")
        common.add_argument("--model", help="scoring model name (default: the default model)")
        common.add_argument("--scenario", help="scenario name (default: the baseline)")
        common.add_argument("--json", action="store_true", help="print one JSON object")
        actions = parser.add_subparsers(dest="action", required=True)
        score = actions.add_parser(
            "score", parents=[common], help="the ranked list with each score's breakdown"
        )
        score.add_argument("--limit", type=int, default=50, help="rows to print (default 50)")
        simulate = actions.add_parser(
            "simulate", parents=[common], help="a Monte Carlo simulation over ranged estimates"
        )
        simulate.add_argument("--samples", type=int, default=10_000, help="draws (default 10000)")
        simulate.add_argument(
            "--top-n", type=int, default=10, help="odds of the top N (default 10)"
        )
        simulate.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        optimise = actions.add_parser(
            "optimise", parents=[common], help="the most valuable plan within capacity"
        )
        optimise.add_argument(
            "--period", action="append", metavar="'Q1:40'",
            help="a period and its capacity in person-weeks, optionally 'Q1:40 team=Web:10'; "
            "repeat for more (default: the scenario's periods)",
        )  # fmt: skip
        optimise.add_argument(
            "--mandatory",
            action="append",
            metavar="F-1",
            help="features that must be in (repeat, or F-1,F-3)",
        )
        optimise.add_argument(
            "--exclude",
            action="append",
            metavar="F-2",
            help="features to leave out (repeat, or F-2,F-4)",
        )
        optimise.add_argument(
            "--balance", action="append", metavar="'Area:0.3'",
            help="an area's minimum share of the planned effort (0.3 or 30%%); repeatable",
        )  # fmt: skip
        optimise.add_argument(
            "--risk-budget", type=float, help="most person-weeks of effort uncertainty in total"
        )
        optimise.add_argument(
            "--value", choices=analysis.VALUE_BASES, default="mean",
            help="value each feature by its simulated mean (default) or a percentile",
        )  # fmt: skip
        parser.formatter_class = _HelpFormatter
        parser.epilog = "\n".join(sub.format_help() for sub in (score, simulate, optimise))

    def handle(self, *args: Any, **options: Any) -> None:
        access = self._access(options["workspace"])
        try:
            model, scenario = self._chosen(access, options["model"], options["scenario"])
            action = {"score": self._score, "simulate": self._simulate, "optimise": self._optimise}
            payload = action[options["action"]](access, model, scenario, options)
        except DomainError as error:
            raise CommandError("; ".join(error.errors or [error.message])) from None
        if options["json"]:
            self.stdout.write(json.dumps(payload))

    def _access(self, slug: str) -> Access:
        """The workspace as its first owner sees it."""
        owner = (
            Membership.objects.filter(workspace__slug=slug, role=Role.OWNER, user__is_active=True)
            .select_related("user")
            .order_by("created_at", "pk")
            .first()
        )
        if owner is None:
            raise CommandError(f"--workspace: no workspace {slug!r}")
        return load(Actor(owner.user), slug, Role.OWNER)

    def _chosen(
        self, access: Access, model: str | None, scenario: str | None
    ) -> tuple[ScoringModel, Scenario | None]:
        chosen = scores.model_by_name(access, model, "--model") if model else None
        chosen = chosen or scores.default_model(access)
        if chosen is None:
            raise CommandError("--model: this workspace has no scoring model yet")
        side = scenarios.scenario_by_name(access, scenario, "--scenario") if scenario else None
        return chosen, side

    def _console(self) -> Console:
        return Console(file=cast(IO[str], self.stdout), width=120)

    def _score(
        self, access: Access, model: ScoringModel, scenario: Scenario | None, options: Any
    ) -> dict[str, Any] | None:
        result = scores.ranked(access, model, scenario, per_page=max(options["limit"], 1))
        if options["json"]:
            rows = [_ranked_out(r) for r in result.rows]
            return RankingOut(
                model=model.name, scenario=scenario.name if scenario else None, page=result.page,
                pages=result.pages, total=result.total, rows=rows,
            ).model_dump(mode="json")  # fmt: skip
        table = Table(
            "rank", "ref", "title", "score", "breakdown", title=self._title(model, scenario)
        )
        for r in result.rows:
            parts = scores.explain(r.breakdown) if r.breakdown else []
            why = " · ".join(f"{p.driver} {p.effect}" for p in parts)
            table.add_row(
                str(r.rank or "—"), r.feature.ref, r.feature.title, _number(r.score),
                why or f"needs {', '.join(r.missing)}",
            )  # fmt: skip
        self._console().print(table)
        if result.total > len(result.rows):
            self.stdout.write(f"{len(result.rows)} of {result.total} features; --limit shows more")
        return None

    def _title(self, model: ScoringModel, scenario: Scenario | None) -> str:
        return f"{model.name} · {scenario.name if scenario else 'baseline'}"

    def _simulate(
        self, access: Access, model: ScoringModel, scenario: Scenario | None, options: Any
    ) -> dict[str, Any] | None:
        run = analysis.run_simulation(
            access, model, scenario, samples=options["samples"], top_n=options["top_n"],
            seed=options["seed"],
        )  # fmt: skip
        if options["json"]:
            return simulation_out(access, run).model_dump(mode="json")
        view = analysis.view_simulation(access, run)
        table = Table(
            "ref", "title", "P10", "P50", "P90", f"P(top {run.top_n})", "rank P10–P90",
            "dominant", title=f"Simulation {run.pk}: {self._title(model, scenario)}",
        )  # fmt: skip
        for r in view.rows:
            table.add_row(
                r.ref, r.title, _number(r.p10), _number(r.p50), _number(r.p90), f"{r.p_top:.2f}",
                f"{r.rank_p10}–{r.rank_p90}", r.dominant or "—",
            )  # fmt: skip
        self._console().print(table)
        self.stdout.write(
            f"{len(view.rows)} features, {run.samples} samples, seed {run.seed},"
            f" {run.seconds:.2f} s."
        )
        if view.uncertain:
            refs = ", ".join(r.ref for r in view.uncertain)
            self.stdout.write(f"Uncertain ranks (moving {view.span}+ places): {refs}")
        for s in view.skipped:
            self.stdout.write(f"Not simulated: {s.ref} {s.title} needs {', '.join(s.missing)}")
        return None

    def _optimise(
        self, access: Access, model: ScoringModel, scenario: Scenario | None, options: Any
    ) -> dict[str, Any] | None:
        periods = analysis.parse_periods(options["period"] or [])
        run = analysis.run_portfolio(
            access, model, scenario, periods=periods or None,
            mandatory=_listed(options["mandatory"]), excluded=_listed(options["exclude"]),
            balance=analysis.parse_balance(options["balance"] or []),
            risk_budget=options["risk_budget"], value_basis=options["value"],
        )  # fmt: skip
        if options["json"]:
            return plan_out(access, run).model_dump(mode="json")
        view = analysis.view_plan(access, run)
        table = Table(
            "period", "ref", "title", "value", "effort", "area", "team",
            title=f"Plan {run.pk}: {self._title(model, scenario)}",
        )  # fmt: skip
        for p in view.periods:
            for f in p.features:
                table.add_row(
                    p.name, f.ref, f.title, _number(f.value), _number(f.effort), f.area or "",
                    f.team or "",
                )  # fmt: skip
            table.add_row(
                p.name, "", "used", "", f"{_number(p.used)} of {_number(p.capacity)}", "", "",
                end_section=True,
            )  # fmt: skip
        self._console().print(table)
        gap = "—" if view.gap_percent is None else f"{view.gap_percent:.2f}%"
        self.stdout.write(
            f"{view.status}: {view.selected} features, total value {_number(view.total_value)},"
            f" gap {gap}, {view.seconds:.2f} s."
        )
        if view.left_out:
            left = Table("ref", "title", "why left out", title="Left out")
            for o in view.left_out:
                left.add_row(o.ref, o.title, o.reason)
            self._console().print(left)
        return None
