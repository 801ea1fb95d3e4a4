"""load_suite: YAML file → validated, expanded Suite (cases, rendered prompts, scorers).

Fails closed: every problem found is reported with file:line:col, the key path, the
offending line and a hint; nothing is half-loaded.
"""
from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError

from ..errors import Location, Problem, ProblemList, SuiteError, UsageError, did_you_mean
from ..registry import UnknownPluginError, scorer_class
from ..scorers.base import Scorer
from ..scorers.factory import SPEC_KEYS, build_scorer
from ..types import Case, Request, sha256_hex
from . import streaming
from .cases import load_cases, needs_network
from .counterfactuals import expand_counterfactuals
from .gate_spec import gate_problems
from .grouped_problems import RenderFailures, undefined_hint
from .schema import CaseSource, SuiteSpec
from .scorer_filter import filter_problems, filters_of
from .shard import ShardInfo, ShardSpec
from .streaming import CaseStream, scan_cases, streamed_file
from .template import PromptTemplate, TemplateProblem
from .template_bounds import CASE_SECONDS, SecurityError, SuiteBudget
from .yaml_source import KeyPath, YamlDoc, format_key_path, load_yaml

MAX_RENDER_PROBLEMS = 20


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path
    spec: SuiteSpec
    cases: tuple[Case, ...] | CaseStream  # a CaseStream for large case files (streaming.py)
    requests: dict[str, Request]  # by case id (empty for a CaseStream: see chunks())
    scorers: tuple[Scorer, ...]
    suite_hash: str  # the YAML file's content
    cases_hash: str  # the expanded cases (covers data files and datasets)
    prompt_hash: str
    vars: dict = field(default_factory=dict)  # the suite's shared template vars, overrides applied
    unfetched: str | None = None  # cases left unloaded (they need the network): what was skipped
    shard: ShardInfo | None = None  # set on the cases of one shard (`evalkit run --shard I/N`)
    option_overrides: dict = field(default_factory=dict)  # `evalkit run -O KEY=VALUE` given
    scorer_filters: dict = field(default_factory=dict)  # name -> ScorerFilter (`when:`)

    @property
    def options(self) -> dict[str, Any]:
        return self.spec.options.as_request_options()

    def subset(self, case_ids) -> "Suite":
        """The suite restricted to these cases (e.g. those a pytest run selected); the suite
        itself when they are all of its cases."""
        keep = set(case_ids)
        if keep >= {c.id for c in self.cases}:
            return self
        pairs = [(c, r) for chunk in self.chunks() for c, r in chunk if c.id in keep]
        cases = tuple(c for c, _ in pairs)
        return replace(self, cases=cases, requests={c.id: r for c, r in pairs},
                       cases_hash=cases_digest(cases), shard=None)  # a subset is no whole shard

    def sharded(self, spec: ShardSpec) -> "Suite":
        """The cases of one shard (suite/shard.py): a deterministic 1/N of the suite. The run
        records the shard and the whole suite's cases hash, so `evalkit merge` can check it."""
        info = ShardInfo(spec, self.cases_hash, len(self.cases))
        if isinstance(self.cases, CaseStream):
            stream, digest = self.cases.sharded(spec)
            return replace(self, cases=stream, cases_hash=digest, shard=info)
        cases = tuple(c for c in self.cases if spec.holds(c.id, c.metadata))
        return replace(self, cases=cases, requests={c.id: self.requests[c.id] for c in cases},
                       cases_hash=cases_digest(cases), shard=info)

    def chunks(self, size: int | None = None) -> Iterator[list[tuple[Case, Request]]]:
        """The cases with their rendered requests, `size` (default streaming.CHUNK_CASES) at a
        time; a streamed suite renders each chunk as it reads it."""
        size = size or streaming.CHUNK_CASES
        if isinstance(self.cases, CaseStream):
            yield from self.cases.chunks(size)
            return
        for start in range(0, len(self.cases), size):
            yield [(c, self.requests[c.id]) for c in self.cases[start:start + size]]

    def describe_scorers(self) -> list[dict]:
        described = [s.describe() for s in self.scorers]
        for entry in described:  # `when:` changes what a scorer's numbers mean: part of it
            found = self.scorer_filters.get(entry["name"])
            if found is not None:
                entry["params"] = {**entry["params"], "when": found.describe()}
        return described

    def scorers_for(self, case: Case) -> tuple[Scorer, ...]:
        """The scorers that score this case (scorer_filter.py: `when:`, case-named ones)."""
        if not self.scorer_filters:
            return self.scorers
        return tuple(s for s in self.scorers if s.name not in self.scorer_filters
                     or self.scorer_filters[s.name].applies(case))


def cases_digest(cases) -> str:
    """The expanded cases' identity (covers data files and datasets)."""
    return sha256_hex([(c.id, c.content_hash()) for c in cases])


def _data_path(data: Any, loc: tuple) -> KeyPath:
    """Map a pydantic error location onto the document, skipping union tags and the like."""
    path: list = []
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
            path.append(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
            path.append(part)
        elif isinstance(data, dict) and part == "from_" and "from" in data:
            data, path = data["from"], path + ["from"]
    return tuple(path)


def _field_names(annotation: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {f.alias or n for n, f in annotation.model_fields.items()}
    for arg in typing.get_args(annotation):
        names |= _field_names(arg)
    return names


def _allowed_keys(model: type[BaseModel], loc: tuple) -> set[str]:
    """Field names valid at the parent of `loc` (for 'did you mean')."""
    annotation: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        for candidate in _models_in(annotation):
            field = candidate.model_fields.get(part) or next(
                (f for f in candidate.model_fields.values() if f.alias == part), None)
            if field is not None:
                annotation = field.annotation
                break
    return _field_names(annotation)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def validation_problems(exc: ValidationError, model: type[BaseModel], doc: YamlDoc,
                        data: Any, prefix: KeyPath = ()) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        path = prefix + _data_path(data, loc)
        if error["type"] == "extra_forbidden":
            key = str(loc[-1])
            problems.append(Problem(f"unknown key '{key}'", doc.location(path, at_key=True),
                                    format_key_path(path),
                                    did_you_mean(key, _allowed_keys(model, loc))))
        elif error["type"] == "missing":
            field = str(loc[-1])
            problems.append(Problem(f"missing required key '{field}'", doc.location(path),
                                    format_key_path(path) or "(top level)",
                                    f"add '{field}:' here"))
        else:
            message = error["msg"].removeprefix("Value error, ")
            shown = error.get("input")
            if isinstance(shown, (str, int, float, bool)) and error["type"] != "value_error":
                message += f" (got {shown!r})"
            problems.append(Problem(message, doc.location(path), format_key_path(path)))
    return sorted(problems, key=lambda p: (p.location.line or 0, p.location.col or 0))


def _build_scorers(spec: SuiteSpec, doc: YamlDoc, problems: ProblemList) -> list[Scorer]:
    scorers = []
    suite_dir = Path(doc.path).parent
    for index, scorer_spec in enumerate(spec.scorers):
        path = ("scorers", index)
        raw = doc.data["scorers"][index]
        params_data = {k: v for k, v in raw.items() if k not in SPEC_KEYS}
        try:
            scorers.append(build_scorer(scorer_spec.type, params_data, suite_dir,
                                        scorer_spec.name))
        except UnknownPluginError as exc:
            problems.add(Problem(f"unknown scorer type '{exc.name}'", doc.location(path + ("type",)),
                                 format_key_path(path + ("type",)), did_you_mean(exc.name, exc.known)))
        except ValidationError as exc:
            params_model = scorer_class(scorer_spec.type).Params
            for problem in validation_problems(exc, params_model, doc, params_data, path):
                problems.add(problem)
    return scorers


def _template_location(doc: YamlDoc, part: str, line: int | None) -> Location:
    """The suite line of a template line (block scalars start on the line after the key)."""
    path: list = []
    for piece in part.replace("[", ".").replace("]", "").split("."):
        path.append(int(piece) if piece.isdigit() else piece)
    if isinstance(doc.data.get("prompt"), str):
        path = ["prompt"]
    base = doc.location(tuple(path))
    if base.line is None or line is None:
        return base
    source = base.source_line or ""
    block = base.col is not None and source[base.col - 1: base.col] in ("|", ">")
    if block:
        return doc.location_at(base.line + line, 1)
    # A quoted or plain scalar: "\n" escapes and folding make template lines differ from
    # file lines, so stay inside the scalar (a one-line "a\n{{ b }" is all on its line).
    last = doc.value_end_lines.get(tuple(path), base.line)
    return doc.location_at(min(base.line + line - 1, max(last, base.line)), 1)


class _Renderer:
    """Renders each case's prompt at load time; reports the first MAX_RENDER_PROBLEMS failures.
    With a SuiteBudget, the suite's renders together are bounded in time and characters too:
    once it is spent the remaining cases are left unrendered, and one problem says so."""

    def __init__(self, template: PromptTemplate, doc: YamlDoc, problems: ProblemList,
                 budget: SuiteBudget | None = None):
        self.template, self.doc, self.problems, self.failures = template, doc, problems, 0
        self.budget, self.seen, self.skipped, self.out_of_time = budget, 0, 0, None
        self.failed, self.dropped = RenderFailures(), 0

    def __call__(self, case: Case) -> Request | None:
        self.seen += 1
        if self.skipped:
            self.skipped += 1
            return None
        try:
            seconds = self.budget.case_seconds() if self.budget else CASE_SECONDS
        except SecurityError as exc:  # the suite's time is spent: this case and the rest wait
            self.out_of_time, self.skipped = exc.message, 1
            return None
        try:
            request = self.template.render(case, seconds)
            if self.budget:
                self.budget.spent(len(request.text()))
            return request
        except TemplateProblem as exc:
            self.failures += 1
            key = (exc.message, exc.part, exc.line)  # the same mistake in many cases: one problem
            if key in self.failed.groups or len(self.failed.groups) < MAX_RENDER_PROBLEMS:
                fields = {**self.template.shared, **case.vars}
                self.failed.add(key, Problem(
                    f"case '{case.id}' ({case.source}): {exc.message}",
                    _template_location(self.doc, exc.part, exc.line),
                    f"{exc.part}, template line {exc.line}",
                    undefined_hint(exc.message, fields, "every variable the template uses must "
                                   "be set by each case") if "undefined" in exc.message else ""),
                    case.id, fields)
            else:
                self.dropped += 1
        except SecurityError as exc:  # the suite's characters are spent: the rest wait
            self.skipped = 1
            self.problems.add(Problem(f"case '{case.id}' ({case.source}): {exc.message}",
                                      self.doc.location(("prompt",)), "prompt"))
        return None

    def finish(self) -> None:
        for problem in self.failed.problems(lambda key: key[0]):
            self.problems.add(problem)
        if self.dropped:
            self.problems.add(Problem(f"... and {self.dropped} more cases fail to render",
                                      self.doc.location(("prompt",))))
        if self.out_of_time:
            self.problems.add(Problem(
                f"{self.out_of_time}: {self.skipped} of {self.seen} cases left unrendered",
                self.doc.location(("prompt",)), "prompt",
                "make the template cheaper; prompts render when the suite loads"))


def _render_all(template: PromptTemplate, cases: list[Case], doc: YamlDoc,
                problems: ProblemList) -> dict[str, Request]:
    # The suite's prompts are held in memory: bounded as a whole too (time, characters).
    render, requests = _Renderer(template, doc, problems, SuiteBudget()), {}
    for case in cases:
        request = render(case)
        if request is not None:
            requests[case.id] = request
    render.finish()
    return requests


def _slice_problems(spec: SuiteSpec, keys: set[str], has_cases: bool, doc: YamlDoc,
                    problems: ProblemList) -> None:
    """A slice key no case's metadata has (`keys`: every metadata key of the cases)."""
    for key in spec.slices:
        if has_cases and key not in keys:
            problems.add(Problem(f"slice key '{key}' is in no case's metadata",
                                 doc.location(("slices", spec.slices.index(key))), "slices",
                                 did_you_mean(key, keys)))


def _shared_vars(spec: SuiteSpec, overrides: Mapping[str, Any] | None, doc: YamlDoc,
                 problems: ProblemList, undeclared_ok: bool) -> tuple[dict, dict]:
    """The suite's `vars`, with `--var KEY=VALUE` overrides; an override must name a var the
    suite declares (a typo would otherwise change nothing, silently)."""
    shared, applied = dict(spec.vars), {}
    for key, value in (overrides or {}).items():
        if key not in spec.vars and undeclared_ok:  # several suites: the others may declare it
            continue
        if key not in spec.vars:
            declared = ", ".join(sorted(spec.vars)) or "none"
            problems.add(Problem(f"--var {key}: the suite declares no var '{key}' (declared: "
                                 f"{declared})", doc.location(("vars",) if spec.vars else ()),
                                 "vars", did_you_mean(key, set(spec.vars)) or
                                 f"declare it first, e.g. 'vars: {{{key}: default}}'"))
            continue
        shared[key] = applied[key] = value
    return shared, applied


def parse_vars(pairs, flag: str = "--var") -> dict[str, str]:
    """`KEY=VALUE` overrides of suite vars, as given on a command line (values stay text)."""
    found = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{flag} {pair!r}: expected KEY=VALUE, e.g. {flag} prompt=v2")
        found[key.strip()] = value
    return found


def load_suite(path: str | Path, overrides: Mapping[str, Any] | None = None, *,
               undeclared_ok: bool = False, fetch: bool = True) -> Suite:
    """Load, validate and expand a suite file; raises SuiteError listing every problem.
    `overrides`: values for the suite's declared `vars` (`evalkit run --var KEY=VALUE`); one
    the suite does not declare is an error unless `undeclared_ok` (it is then ignored).
    `fetch=False` (`evalkit validate`) checks everything but cases that need the network."""
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise SuiteError([Problem("a suite file must be a YAML mapping (key: value lines)",
                                  doc.location(()), hint="start with 'suite: NAME'")])
    try:
        spec = SuiteSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise SuiteError(validation_problems(exc, SuiteSpec, doc, doc.data)) from None
    problems = ProblemList()
    scorers = _build_scorers(spec, doc, problems)
    shared, applied = _shared_vars(spec, overrides, doc, problems, undeclared_ok)
    try:
        template = PromptTemplate(spec.prompt, shared)
    except TemplateProblem as exc:
        problems.add(Problem(exc.message, _template_location(doc, exc.part, exc.line), exc.part))
        template = None
    unfetched = None
    if not fetch and isinstance(spec.cases, CaseSource) and needs_network(spec.cases):
        unfetched = f"cases from hf:{spec.cases.hf} not fetched: `evalkit run` downloads them"
    streamed = streamed_file(spec.cases, Path(doc.path).parent)
    if streamed is not None:  # a large case file: checked in one pass, then read as a stream
        return _load_streamed(path, doc, spec, scorers, shared, applied, template, streamed,
                              problems)
    cases = load_cases(spec.cases, doc, spec.seed, problems, fetch=fetch)
    if spec.counterfactuals is not None:
        cases = expand_counterfactuals(spec.counterfactuals, cases, doc, problems)
    _slice_problems(spec, {k for c in cases for k in c.metadata}, bool(cases), doc, problems)
    for problem in gate_problems(spec, _metric_scorers(spec),
                                 {case.id for case in cases}, doc.location):
        problems.add(problem)
    for problem in filter_problems(spec.scorers, filters_of(spec.scorers), cases, doc.location):
        problems.add(problem)
    requests = _render_all(template, cases, doc, problems) if template else {}
    problems.raise_if_any()
    return _suite(path, doc, spec, scorers, shared, applied, tuple(cases), requests,
                  cases_digest(cases), unfetched)


def _metric_scorers(spec: SuiteSpec) -> set[str]:
    """Scorer names a gate may use: the suite's scorers and its human rubrics (human:NAME)."""
    return {s.name or s.type for s in spec.scorers} | {r.scorer for r in spec.human}


def _load_streamed(path, doc: YamlDoc, spec: SuiteSpec, scorers: list[Scorer], shared: dict,
                   applied: dict, template: PromptTemplate | None, file: Path,
                   problems: ProblemList) -> Suite:
    render = _Renderer(template, doc, problems) if template else (lambda case: None)
    scan = scan_cases(file, spec.cases, doc.location(("cases", "from")), spec.seed,
                      spec.counterfactuals, doc, template, render, bool(spec.waivers), problems)
    if template:
        render.finish()
    _slice_problems(spec, scan.metadata_keys, bool(len(scan.stream)), doc, problems)
    for problem in gate_problems(spec, _metric_scorers(spec), scan.ids,
                                 doc.location):
        problems.add(problem)
    problems.raise_if_any()
    return _suite(path, doc, spec, scorers, shared, applied, scan.stream, {}, scan.cases_hash)


def _suite(path, doc: YamlDoc, spec: SuiteSpec, scorers: list[Scorer], shared: dict,
           applied: dict, cases, requests: dict, cases_hash: str,
           unfetched: str | None = None) -> Suite:
    return Suite(
        name=spec.suite, path=Path(path), spec=spec, cases=cases, requests=requests,
        scorers=tuple(scorers),
        # Overridden vars change what runs: they are part of the suite's and prompt's identity
        # (resume, cache and the comparison's manifest tell the two apart).
        suite_hash=sha256_hex(doc.text) if not applied else sha256_hex(doc.text, shared),
        cases_hash=cases_hash,
        prompt_hash=(sha256_hex(spec.prompt.model_dump()) if not shared
                     else sha256_hex(spec.prompt.model_dump(), shared)),
        vars=shared, unfetched=unfetched, scorer_filters=filters_of(spec.scorers))
