"""Counterfactual expansion: one case becomes variants across demographic groups.

    counterfactuals:
      fields: [question]            # case vars to substitute in (default: every text var)
      groups:
        name: [Emily, Lakisha, Mohammed, Wei]        # {{name}} → each name; group = the name
        gender:                                       # linked terms: one group sets several
          female: {pronoun: she, possessive: her}
          male: {pronoun: he, possessive: his}

A case whose text holds `{{name}}` becomes one variant per group, with id
`<origin>~name=Emily`, the group in its metadata (`name: Emily`) and `origin: <origin id>`,
so results can be sliced by group and variants of one case compared. A case using
placeholders of several dimensions gets every combination. The target is substituted too.
Cases without placeholders are kept as they are.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import replace
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from ..errors import Problem, ProblemList
from ..types import Case
from .yaml_source import YamlDoc

MAX_VARIANTS = 100_000
ORIGIN_KEY = "origin"
TermMap = dict[str, str]


def _two_or_more(value: list[str] | dict) -> list[str] | dict:
    if len(value) < 2:
        raise ValueError("a dimension needs at least two groups to compare")
    if isinstance(value, list) and len(set(value)) != len(value):
        raise ValueError("a term is listed twice")
    return value


Dimension = Annotated[list[str] | dict[str, str | TermMap], AfterValidator(_two_or_more)]


class CounterfactualSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    fields: list[str] | None = Field(None, description="case vars to substitute in (default: all)")
    groups: dict[str, Dimension] = Field(
        description="dimension: [terms] (placeholder {{dimension}}), or dimension: {group: term} "
                    "or {group: {placeholder: term}} for linked terms")

    @field_validator("groups")
    @classmethod
    def _names(cls, groups: dict) -> dict:
        if not groups:
            raise ValueError("give at least one dimension, e.g. name: [Emily, Wei]")
        for dim in groups:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", dim):
                raise ValueError(f"dimension {dim!r} must be a name (letters, digits, _)")
        return groups

    def dimensions(self) -> dict[str, dict[str, TermMap]]:
        """dimension → group label → {placeholder: term}."""
        out: dict[str, dict[str, TermMap]] = {}
        for dim, value in self.groups.items():
            if isinstance(value, list):
                out[dim] = {str(term): {dim: str(term)} for term in value}
            else:
                out[dim] = {label: ({dim: term} if isinstance(term, str) else dict(term))
                            for label, term in value.items()}
        return out


def _placeholder(name: str) -> re.Pattern:
    return re.compile(r"\{\{\s*" + re.escape(name) + r"\s*\}\}")


def _substitute(value: Any, terms: TermMap) -> Any:
    if isinstance(value, str):
        for name, term in terms.items():
            value = _placeholder(name).sub(lambda _m, t=term: t, value)
        return value
    if isinstance(value, list):
        return [_substitute(v, terms) for v in value]
    return value


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    return ""


def _variants(case: Case, spec: CounterfactualSpec, dims: dict[str, dict[str, TermMap]]
              ) -> list[Case] | None:
    fields = spec.fields if spec.fields is not None else list(case.vars)
    text = " ".join(_text(case.vars.get(f)) for f in fields) + " " + _text(case.target)
    used = [dim for dim, groups in dims.items()
            if any(_placeholder(p).search(text) for terms in groups.values() for p in terms)]
    if not used:
        return None
    out = []
    for combo in itertools.product(*(dims[dim].items() for dim in used)):
        terms: TermMap = {}
        for _, group_terms in combo:
            terms.update(group_terms)
        suffix = "".join(f"~{dim}={label}" for dim, (label, _) in zip(used, combo))
        new_vars = {k: (_substitute(v, terms) if k in fields else v) for k, v in case.vars.items()}
        metadata = {**case.metadata, ORIGIN_KEY: case.id,
                    **{dim: label for dim, (label, _) in zip(used, combo)}}
        out.append(replace(case, id=case.id + suffix, vars=new_vars, metadata=metadata,
                           target=_substitute(case.target, terms)))
    return out


class CounterfactualExpander:
    """Expands cases one at a time (a streamed suite never holds them all) and collects the
    problems that need every case: a field no case has, a spec no case uses, clashing ids.
    `doc` None: expand only (the cases were checked when the suite loaded)."""

    def __init__(self, spec: CounterfactualSpec, doc: YamlDoc | None, problems: ProblemList):
        self.spec, self.doc, self.problems = spec, doc, problems
        self.dims = spec.dimensions()
        self.expanded = 0
        self.fields_seen: set[str] = set()

    def expand(self, case: Case) -> list[Case]:
        if self.spec.fields is not None:
            self.fields_seen.update(f for f in self.spec.fields if f in case.vars)
        variants = _variants(case, self.spec, self.dims)
        if variants is None:
            return [case]
        self.expanded += 1
        return variants

    def check_unique(self, case: Case, seen: dict[str, str]) -> None:
        """A variant id that is also another case's id (`seen`: id -> source so far)."""
        if case.id in seen:
            self.problems.add(Problem(f"counterfactual variant id '{case.id}' is also the id of "
                                      f"another case ({seen[case.id]})",
                                      self.doc.location(("counterfactuals",)), "counterfactuals"))
        seen[case.id] = case.source

    def finish(self) -> None:
        """Problems about the cases as a whole (call once every case was expanded)."""
        where = ("counterfactuals",)
        for index, name in enumerate(self.spec.fields or ()):
            if name not in self.fields_seen:
                self.problems.add(Problem(f"counterfactual field '{name}' is in no case's vars",
                                          self.doc.location(where + ("fields", index)),
                                          f"counterfactuals.fields[{index}]"))
        if not self.expanded:
            names = sorted({p for groups in self.dims.values() for t in groups.values() for p in t})
            self.problems.add(Problem("no case uses a counterfactual placeholder",
                                      self.doc.location(where + ("groups",), at_key=True),
                                      "counterfactuals.groups",
                                      "write " + " or ".join("{{" + n + "}}" for n in names[:4])
                                      + " in a case's text where the term goes"))


def expand_counterfactuals(spec: CounterfactualSpec, cases: list[Case], doc: YamlDoc,
                           problems: ProblemList) -> list[Case]:
    """Every case with placeholders replaced by its variants (problems collected, not raised)."""
    expander = CounterfactualExpander(spec, doc, problems)
    out: list[Case] = []
    for case in cases:
        out.extend(expander.expand(case))
        if len(out) > MAX_VARIANTS:
            problems.add(Problem(f"counterfactual expansion makes more than {MAX_VARIANTS} cases",
                                 doc.location(("counterfactuals",)), "counterfactuals",
                                 "use fewer groups, or fewer placeholders per case"))
            return cases
    if cases:
        expander.finish()
    seen: dict[str, str] = {}
    for case in out:
        expander.check_unique(case, seen)
    return out
