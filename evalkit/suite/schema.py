"""The suite file format as pydantic models (extra keys forbidden everywhere).

`evalkit schema` prints `suite_json_schema()` for editors.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from .budget_spec import BudgetSpec
from .counterfactuals import CounterfactualSpec
from .gate_spec import ComparePolicy, GateSpec, Waiver
from .human_spec import HumanRubric

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
INT64_MIN, INT64_MAX = -2**63, 2**63 - 1  # seeds are stored as BIGINT and sent as int64
MAX_SAMPLES = 1000
RESERVED_EXTRA = {
    "model": "the model is chosen with --model (reports name the model that was called)",
    "messages": "the prompt comes from 'prompt:'",
    "prompt": "the prompt comes from 'prompt:'",
    "stream": "evalkit reads whole replies",
    "n": "use 'samples:' for several answers per case",
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MessageSpec(Strict):
    role: Literal["system", "user", "assistant"]
    content: str


class PromptSpec(Strict):
    """A chat prompt (`system` + `user`, or `messages`) or a raw completion prompt.

    A plain string is shorthand for `{user: STRING}`.
    """

    system: str | None = None
    user: str | None = None
    messages: list[MessageSpec] | None = None
    completion: str | None = Field(None, description="raw completion prompt, no chat format")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"user": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_form(self) -> "PromptSpec":
        forms = [name for name in ("user", "messages", "completion") if getattr(self, name) is not None]
        if len(forms) != 1:
            raise ValueError("give exactly one of 'user' (with optional 'system'), 'messages' "
                             "or 'completion'" + (f"; found {', '.join(forms)}" if forms else ""))
        if self.system is not None and self.user is None:
            raise ValueError("'system' goes with 'user'; inside 'messages' use role: system")
        return self


class GenerationOptions(Strict):
    """Options sent with every request. Provider-specific extras go under `extra`."""

    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    top_k: int | None = Field(None, ge=1)
    max_tokens: int | None = Field(None, ge=1)
    stop: str | list[str] | None = None
    seed: int | None = Field(None, ge=INT64_MIN, le=INT64_MAX - MAX_SAMPLES,
                             description="a 64-bit integer; sample k of a case uses seed + k")
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    response_format: dict[str, Any] | None = None
    extra: dict[str, Any] = Field(default_factory=dict, description="passed to the backend as is")

    @field_validator("extra")
    @classmethod
    def _no_request_keys(cls, extra: dict[str, Any]) -> dict[str, Any]:
        # These would silently replace what evalkit sends (the model a report names, the
        # rendered prompt) or change the reply's shape; each has its own place instead.
        for key, instead in RESERVED_EXTRA.items():
            if key in extra:
                raise ValueError(f"options.extra cannot set '{key}': {instead}")
        return extra

    def as_request_options(self) -> dict[str, Any]:
        options = {k: v for k, v in self.model_dump(exclude={"extra"}).items() if v is not None}
        options.update(self.extra)
        return options


class InlineCase(BaseModel):
    """An inline case: `id`, `target` and `metadata` are reserved; other keys are template vars."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: str | int | None = None
    target: Any = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class CaseSource(Strict):
    """Cases from a file (JSONL, JSON, CSV, Parquet, a `save_to_disk` folder) or the HF hub."""

    from_: str | None = Field(None, alias="from", description="path relative to the suite file")
    hf: str | None = Field(None, description="Hugging Face dataset: a hub name, or a builder "
                           "such as json/csv/parquet used with data_files")
    data_files: str | list[str] | dict[str, str | list[str]] | None = None
    config: str | None = Field(None, description="dataset configuration name")
    split: str | None = None
    revision: str | None = None
    id: str = Field("id", description="field holding the case id; a content hash when absent")
    target: str | None = Field(None, description="field holding the expected answer")
    fields: dict[str, str] = Field(default_factory=dict, description="var name: source field")
    metadata: list[str] = Field(default_factory=list, description="fields used as slice keys")
    limit: int | None = Field(None, ge=1)
    sample: int | None = Field(None, ge=1, description="seeded random sample of this many cases")
    seed: int | None = Field(None, ge=INT64_MIN, le=INT64_MAX)

    @model_validator(mode="after")
    def _one_origin(self) -> "CaseSource":
        if (self.from_ is None) == (self.hf is None):
            raise ValueError("give exactly one of 'from' (a local file or folder) or 'hf'")
        if self.data_files is not None and self.hf is None:
            raise ValueError("'data_files' goes with 'hf' (e.g. hf: json)")
        return self


def _cases_kind(value: Any) -> str:
    return "inline" if isinstance(value, list) else "source"


CasesSpec = Annotated[
    Union[Annotated[list[InlineCase], Tag("inline")], Annotated[CaseSource, Tag("source")]],
    Discriminator(_cases_kind),
]


class ScorerSpec(BaseModel):
    """`type` picks a registered scorer; the other keys are its parameters, checked by it."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: str
    name: str | None = Field(None, pattern=NAME_PATTERN, description="defaults to the type")
    when: dict[str, Any] | Literal["named"] | None = Field(None, description=(
        "score only the cases whose metadata (or fields) match, e.g. {kind: json} (a list value "
        "matches any of its items); 'named': only the cases that name this scorer in their "
        "'scorers' field. Other cases get no score from it (absent, not failed)"))


class SuiteSpec(Strict):
    suite: str = Field(pattern=NAME_PATTERN, description="the suite's name, stable across versions")
    version: int | str = 1
    description: str = ""
    prompt: PromptSpec
    options: GenerationOptions = Field(default_factory=GenerationOptions)
    vars: dict[str, Any] = Field(default_factory=dict, description=(
        "template variables shared by every case (a case's own vars win); "
        "`evalkit run --var KEY=VALUE` overrides one, e.g. a prompt version to A/B"))
    samples: int = Field(1, ge=1, le=MAX_SAMPLES, description="samples drawn per case")
    seed: int = Field(0, ge=INT64_MIN, le=INT64_MAX, description="a 64-bit integer")
    cases: CasesSpec
    scorers: list[ScorerSpec] = Field(default_factory=list)
    slices: list[str] = Field(default_factory=list, description="metadata keys to group results by")
    counterfactuals: CounterfactualSpec | None = Field(
        None, description="bias slices: each case's {{placeholders}} swapped across groups")
    gates: list[GateSpec] = Field(default_factory=list, description="pass/fail policy: "
                                  "thresholds, slice gaps, regression and cost/latency gates")
    waivers: list[Waiver] = Field(default_factory=list, description="known failures, with expiry")
    compare: ComparePolicy = Field(default_factory=ComparePolicy)
    budget: BudgetSpec | None = Field(None, description="spending caps per run: dispatch "
                                      "stops before a batch would pass one")
    human: list[HumanRubric] = Field(default_factory=list, description="rubrics people rate "
                                     "offline (evalkit review); ratings are scores human:NAME")

    @field_validator("human")
    @classmethod
    def _unique_rubric_names(cls, rubrics: list[HumanRubric]) -> list[HumanRubric]:
        names = [r.name for r in rubrics]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"two human rubrics are named '{twice[0]}'")
        return rubrics

    @field_validator("scorers")
    @classmethod
    def _unique_scorer_names(cls, scorers: list[ScorerSpec]) -> list[ScorerSpec]:
        seen: set[str] = set()
        for spec in scorers:
            name = spec.name or spec.type
            if name in seen:
                raise ValueError(f"two scorers are named '{name}'; give one a distinct 'name'")
            seen.add(name)
        return scorers


def suite_json_schema() -> dict:
    schema = SuiteSpec.model_json_schema(by_alias=True)
    schema["title"] = "evalkit suite"
    # `prompt: "{{ question }}"` is shorthand for {user: ...} (PromptSpec._shorthand).
    schema["properties"]["prompt"] = {"anyOf": [
        {"type": "string", "description": "shorthand for {user: STRING}"},
        schema["properties"]["prompt"]]}
    return schema
