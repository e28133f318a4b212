"""A respondent's private result: domain scores, bands and the continuum picture.

Computed from the scores kept in the respondent's own journey cookie and
never stored. Only the continuum self-assessment (sections of kind
"assessment") is shown: ratings of one's leader (CARES) and of the workplace
describe the workplace, not the person, and only mean something in group
results, where they are counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from surveys.instruments.definition import Band, Definition, Domain, Stage

# Geometry of the continuum picture (SVG user units; it scales to the page width).
SVG_WIDTH = 360
BAR_X = 8
BAR_WIDTH = 250
ROW_HEIGHT = 52
TOP = 34


@dataclass(frozen=True)
class DomainResult:
    domain: Domain
    score: int | None
    band: Band | None

    @property
    def is_high_risk(self) -> bool:
        return (
            self.domain.direction == "risk" and self.band is not None and self.band.code == "high"
        )


@dataclass(frozen=True)
class StageResult:
    """One stage of the continuum: the highest score among its risk domains."""

    stage: Stage
    score: int | None
    band: Band | None
    domains: tuple[DomainResult, ...]
    # Geometry for the SVG row.
    y: int = 0

    @property
    def bar_width(self) -> int:
        return round(BAR_WIDTH * (self.score or 0) / 100)

    @property
    def label_x(self) -> int:
        return BAR_X + BAR_WIDTH + 8

    @property
    def text_y(self) -> int:
        return self.y + 14

    @property
    def bar_y(self) -> int:
        return self.y + 22


@dataclass(frozen=True)
class PersonalResult:
    risk: tuple[DomainResult, ...]
    protective: tuple[DomainResult, ...]
    stages: tuple[StageResult, ...]
    any_high_risk: bool
    svg_height: int

    @property
    def highest_stages(self) -> tuple[StageResult, ...]:
        """The stages in their high band, in continuum order, for the plain-language summary."""
        return tuple(stage for stage in self.stages if stage.band and stage.band.code == "high")

    @property
    def answered_any(self) -> bool:
        return any(result.score is not None for result in (*self.risk, *self.protective))


def personal_result(definition: Definition, scores: dict[str, int | None]) -> PersonalResult:
    domains = definition.domains_of_kind("assessment")
    results = [
        DomainResult(
            domain=domain,
            score=scores.get(domain.code),
            band=domain.band_for(scores[domain.code])
            if scores.get(domain.code) is not None
            else None,
        )
        for domain in domains
    ]
    risk = tuple(result for result in results if result.domain.direction == "risk")
    protective = tuple(result for result in results if result.domain.direction == "protective")
    stages = []
    for index, stage in enumerate(definition.stages):
        members = tuple(result for result in risk if result.domain.stage == stage.code)
        scored = [result for result in members if result.score is not None]
        top = max(scored, key=lambda result: result.score or 0) if scored else None
        stages.append(
            StageResult(
                stage=stage,
                score=top.score if top else None,
                band=top.band if top else None,
                domains=members,
                y=TOP + index * ROW_HEIGHT,
            )
        )
    return PersonalResult(
        risk=risk,
        protective=protective,
        stages=tuple(stages),
        any_high_risk=any(result.is_high_risk for result in risk),
        svg_height=TOP + len(stages) * ROW_HEIGHT + 30,
    )


def scores_to_bytes(definition: Definition, scores: dict[str, int | None]) -> bytes:
    """One uint8 per domain (255 = not scored), the same layout as `Response.scores`."""
    return bytes(
        0xFF if scores.get(domain.code) is None else int(scores[domain.code])  # type: ignore[arg-type]
        for domain in definition.domains
    )
