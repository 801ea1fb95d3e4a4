"""Gates, waivers and comparison settings in the suite file (pydantic, extra keys forbidden).

```yaml
compare: {alpha: 0.05, margin: 0.0, swap_margin: 0.05, primary: [passed], allow_subset: false}
gates:
  - {metric: exact, min: 0.85}                 # absolute threshold on one run
  - {metric: exact, by: lang, min: 0.8}        # ... in every value of slice `lang`
  - {metric: exact, by: lang, max_gap: 0.05}   # largest gap between slice values (parity)
  - {regression: {metric: exact, margin: 0.02, by: lang}}  # verdict "regressed" fails
  - {regression: {metric: passed, max_flips: 3}}           # at most 3 pass→fail flips
  - {max_increase: {latency_p95: 0.20, cost: 0.10}}        # relative to the baseline
waivers:
  - {case: q17, reason: "tokenizer bug, TICKET-12", expires: 2025-09-30}
```

The policy is stored on each run (runs.gates) so a comparison needs no suite file.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    model_validator,
)

from ..errors import Location, Problem, did_you_mean
from .yaml_source import format_key_path

OVERALL_METRIC = "passed"  # every scorer passed and the call succeeded (results.passed)
Stat = Literal["pass_rate", "mean"]


class Strict(BaseModel):  # as in schema.py (which imports this module, so no import back)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


SWAP_MARGIN = 0.05  # the default drop in the primary pass rate that "safe to swap: yes" tolerates


class ComparePolicy(Strict):
    alpha: float = Field(0.05, gt=0, lt=1, description="family-wise error rate across metrics "
                         "and slices (graphical procedure: the primary metrics first)")
    margin: float = Field(0.0, ge=0, description="default margin: a verdict needs the whole "
                          "confidence interval beyond ±margin")
    swap_margin: float = Field(SWAP_MARGIN, ge=0, lt=1, description="'safe to swap: yes' needs "
                               "the interval of each primary pass rate to rule out a drop "
                               "larger than this, and the suite to be able to detect one")
    primary: list[str] = Field(default_factory=lambda: [OVERALL_METRIC], min_length=1,
                               description="metrics whose pass rates decide the swap answer "
                               f"(default: '{OVERALL_METRIC}', every scorer passed)")
    allow_subset: bool = Field(False, description="compare only the cases both runs have; "
                               "by default a case run on one side only makes the answer "
                               "inconclusive")
    resamples: int = Field(2000, ge=100, le=100_000, description="bootstrap and sign-flip resamples")
    seed: int = 0


class MetricGate(Strict):
    """An absolute threshold on one run, overall or in every slice value, or a slice gap."""

    metric: str = Field(description=f"a scorer name, or '{OVERALL_METRIC}' (all scorers passed)")
    stat: Stat = "pass_rate"
    by: str | None = Field(None, description="a slice key (listed in `slices`)")
    min: float | None = None
    max: float | None = None
    max_gap: float | None = Field(None, ge=0, description="largest allowed gap between the "
                                  "best and worst slice value; needs `by`")

    @model_validator(mode="after")
    def _something_to_check(self) -> MetricGate:
        if self.min is None and self.max is None and self.max_gap is None:
            raise ValueError("a metric gate needs 'min', 'max' or 'max_gap'")
        if self.max_gap is not None and self.by is None:
            raise ValueError("'max_gap' compares slice values: add 'by: SLICE_KEY'")
        return self


class RegressionRule(Strict):
    metric: str = OVERALL_METRIC
    stat: Stat = "pass_rate"
    margin: float | None = Field(None, ge=0, description="overrides compare.margin for this metric")
    by: str | None = Field(None, description="also fail when any value of this slice regressed")
    max_flips: int | None = Field(None, ge=0, description="fail when more pass→fail flips than "
                                  "this (instead of the verdict)")

    @model_validator(mode="after")
    def _flips_are_binary(self) -> RegressionRule:
        if self.max_flips is not None and self.stat != "pass_rate":
            raise ValueError("'max_flips' counts pass→fail flips: it needs stat: pass_rate")
        return self


def _metric_name_shorthand(schema: dict) -> None:
    """For editors: `{regression: exact, margin: 0.02}` is `{regression: {metric: exact, ...}}`."""
    rule = RegressionRule.model_json_schema()["properties"]
    schema["properties"]["regression"] = {"anyOf": [
        {"type": "string", "description": "a metric name; the rule's other keys may sit beside it"},
        schema["properties"]["regression"]]}
    schema["properties"].update({k: v for k, v in rule.items() if k != "metric"})


class RegressionGate(Strict):
    """Against the baseline: the verdict 'regressed' (or too many pass→fail flips) fails."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_metric_name_shorthand)
    regression: RegressionRule

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # {regression: exact, margin: 0.02} = {regression: {metric: exact, margin: 0.02}}
        if isinstance(value, dict) and isinstance(value.get("regression"), str):
            rule = {k: v for k, v in value.items() if k != "regression"}
            return {"regression": {"metric": value["regression"], **rule}}
        return value


class MaxIncrease(Strict):
    """Largest allowed relative increase over the baseline (0.2 = +20%)."""

    cost: float | None = Field(None, ge=-1, description="mean cost per result")
    latency_p50: float | None = Field(None, ge=-1)
    latency_p95: float | None = Field(None, ge=-1)
    tokens_in: float | None = Field(None, ge=-1, description="mean input tokens per result")
    tokens_out: float | None = Field(None, ge=-1, description="mean output tokens per result")

    @model_validator(mode="after")
    def _not_empty(self) -> MaxIncrease:
        if not self.limits():
            raise ValueError("give at least one of " + ", ".join(MaxIncrease.model_fields))
        return self

    def limits(self) -> dict[str, float]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class ChangeGate(Strict):
    max_increase: MaxIncrease


def _gate_kind(value: Any) -> str:
    # Tags are no key names: the loader maps error paths onto the document by key.
    keys = value if isinstance(value, dict) else vars(value)  # YAML data, or a built gate
    if "regression" in keys:
        return "regression-gate"
    if "max_increase" in keys:
        return "change-gate"
    return "metric-gate"


GateSpec = Annotated[
    Annotated[MetricGate, Tag("metric-gate")]
    | Annotated[RegressionGate, Tag("regression-gate")]
    | Annotated[ChangeGate, Tag("change-gate")],
    Discriminator(_gate_kind),
]


class Waiver(Strict):
    """A known failure: the case is left out of gates and verdicts until `expires`."""

    case: Annotated[str, WithJsonSchema({"type": ["string", "integer"],
                                         "description": "the case id"})]
    metric: str | None = Field(None, description="waive only this metric (default: all)")
    reason: str = Field(min_length=1, description="why, e.g. a ticket")
    expires: date = Field(description="YYYY-MM-DD; after this day the waiver fails the gates")

    @model_validator(mode="before")
    @classmethod
    def _case_as_text(cls, value: Any) -> Any:  # `case: 17` is the case id "17"
        if isinstance(value, dict) and isinstance(value.get("case"), int):
            return {**value, "case": str(value["case"])}
        return value

    @model_validator(mode="after")
    def _reason_not_blank(self) -> Waiver:
        if not self.reason.strip():
            raise ValueError("a waiver needs a reason")
        return self


class Policy(Strict):
    """A suite's gates, waivers and comparison settings, as stored on its runs (runs.gates)."""

    gates: list[GateSpec] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)
    compare: ComparePolicy = Field(default_factory=ComparePolicy)

    @classmethod
    def of(cls, spec: Any) -> Policy:
        return cls(gates=spec.gates, waivers=spec.waivers, compare=spec.compare)

    def margin_for(self, metric: str, stat: str) -> float:
        for gate in self.gates:
            rule = getattr(gate, "regression", None)
            if rule is not None and (rule.metric, rule.stat) == (metric, stat) \
                    and rule.margin is not None:
                return rule.margin
        return self.compare.margin

    def active_waivers(self, today: date) -> list[Waiver]:
        return [w for w in self.waivers if w.expires >= today]

    def expired_waivers(self, today: date) -> list[Waiver]:
        return [w for w in self.waivers if w.expires < today]


def policy_json(spec: Any) -> dict | None:
    """What a run stores in runs.gates (None when the suite sets none of it)."""
    if not spec.gates and not spec.waivers and "compare" not in spec.model_fields_set:
        return None
    return Policy.of(spec).model_dump(mode="json", exclude_none=True)


def _metric_names(gate: Any) -> list[tuple[tuple, str, str | None, str | None]]:
    """(key path inside the gate, metric, by, stat) references of one gate."""
    if isinstance(gate, MetricGate):
        return [((), gate.metric, gate.by, gate.stat)]
    if isinstance(gate, RegressionGate):
        rule = gate.regression
        return [(("regression",), rule.metric, rule.by, rule.stat)]
    return []


def gate_problems(spec: Any, scorer_names: set[str], case_ids: set[str],
                  locate: Any) -> list[Problem]:
    """Cross-checks pydantic cannot do alone: names of metrics, slices and cases exist.

    `locate(path)` returns the Location of a key path in the suite file.
    """
    problems: list[Problem] = []
    metrics = scorer_names | {OVERALL_METRIC}
    if OVERALL_METRIC in scorer_names:
        index = next(i for i, s in enumerate(spec.scorers) if (s.name or s.type) == OVERALL_METRIC)
        problems.append(Problem(f"the scorer name '{OVERALL_METRIC}' is reserved for the overall "
                                "metric (every scorer passed)", locate(("scorers", index)),
                                f"scorers[{index}]", "give the scorer another 'name'"))
    for index, name in enumerate(spec.compare.primary):
        if name not in metrics:
            problems.append(_problem(f"primary metric '{name}' is neither a scorer nor "
                                     f"'{OVERALL_METRIC}'", locate, ("compare", "primary", index),
                                     did_you_mean(name, metrics)))
    margins: dict[tuple[str, str], float] = {}
    for index, gate in enumerate(spec.gates):
        for inner, metric, by, stat in _metric_names(gate):
            path = ("gates", index, *inner)
            if metric not in metrics:
                problems.append(_problem(f"gate on unknown metric '{metric}'", locate,
                                         path + ("metric",), did_you_mean(metric, metrics)))
            if by is not None and by not in spec.slices:
                problems.append(_problem(f"gate by slice '{by}', which is not in 'slices'", locate,
                                         path + ("by",), did_you_mean(by, spec.slices)
                                         or "add it to the suite's 'slices' list"))
        if isinstance(gate, RegressionGate) and gate.regression.margin is not None:
            key = (gate.regression.metric, gate.regression.stat)
            if margins.setdefault(key, gate.regression.margin) != gate.regression.margin:
                problems.append(_problem(f"two regression gates give '{key[0]}' different "
                                         "margins", locate, ("gates", index, "regression", "margin"),
                                         "keep one margin per metric"))
    for index, waiver in enumerate(spec.waivers):
        path = ("waivers", index)
        if case_ids and waiver.case not in case_ids:
            problems.append(_problem(f"waiver for unknown case '{waiver.case}'", locate,
                                     path + ("case",), did_you_mean(waiver.case, case_ids)))
        if waiver.metric is not None and waiver.metric not in metrics:
            problems.append(_problem(f"waiver for unknown metric '{waiver.metric}'", locate,
                                     path + ("metric",), did_you_mean(waiver.metric, metrics)))
    return problems


def _problem(message: str, locate: Any, path: tuple, hint: str = "") -> Problem:
    location: Location = locate(path)
    return Problem(message, location, format_key_path(path), hint)
