"""load_suite: YAML file → validated, expanded Suite (cases, rendered prompts, scorers).

Fails closed: every problem found is reported with file:line:col, the key path, the
offending line and a hint; nothing is half-loaded.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

from pydantic import ValidationError

from ..errors import Location, Problem, ProblemList, SuiteError, UsageError, did_you_mean
from ..registry import UnknownPluginError, scorer_class
from ..scorers.base import Scorer
from ..scorers.factory import SPEC_KEYS, build_scorer
from ..types import Case, Request, sha256_hex
from . import streaming
from .cases import load_cases, needs_network
from .counterfactuals import expand_counterfactuals
from .gate_spec import gate_problems
from .prompt_rendering import CaseRenderer, render_all, template_location
from .schema import CaseSource, SuiteSpec
from .scorer_filter import filter_problems, filters_of
from .shard import ShardInfo, ShardSpec
from .streaming import CaseStream, scan_cases, streamed_file
from .template import PromptTemplate, TemplateProblem
from .validation_problems import validation_problems
from .yaml_source import KeyPath, YamlDoc, format_key_path, load_yaml


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
    # the parsed file with its key positions, so callers locate keys without parsing it again
    doc: YamlDoc | None = field(default=None, repr=False, compare=False)

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

    def locate(self, key_path: KeyPath) -> Location:
        """Where a key of the suite file is (`("gates", 0)`; the deepest known prefix)."""
        return self.doc.location(key_path) if self.doc is not None else Location(str(self.path))

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
        problems.add(Problem(exc.message, template_location(doc, exc.part, exc.line), exc.part))
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
    requests = render_all(template, cases, doc, problems) if template else {}
    problems.raise_if_any()
    return _suite(path, doc, spec, scorers, shared, applied, tuple(cases), requests,
                  cases_digest(cases), unfetched)


def _metric_scorers(spec: SuiteSpec) -> set[str]:
    """Scorer names a gate may use: the suite's scorers and its human rubrics (human:NAME)."""
    return {s.name or s.type for s in spec.scorers} | {r.scorer for r in spec.human}


def _load_streamed(path, doc: YamlDoc, spec: SuiteSpec, scorers: list[Scorer], shared: dict,
                   applied: dict, template: PromptTemplate | None, file: Path,
                   problems: ProblemList) -> Suite:
    render = CaseRenderer(template, doc, problems) if template else (lambda case: None)
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
        vars=shared, unfetched=unfetched, scorer_filters=filters_of(spec.scorers), doc=doc)
