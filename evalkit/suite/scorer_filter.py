"""Per-case scorer selection: a scorer with `when: {kind: json}` scores only the cases whose
metadata (or fields) match; `when: named` scores only the cases that name it; a case names
extra scorers in its `scorers` field (`scorers: [json_valid]`, or "a, b" in a CSV cell).

A case a scorer does not apply to gets no score from it (absent, not failed): that scorer's
pass rate, gates and comparisons count the cases it scored, and `passed` ignores it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import Problem, did_you_mean
from ..types import Case

CASE_SCORERS = "scorers"  # the case field naming extra scorers
NAMED = "named"  # `when: named`: only the cases that name the scorer
_SPLIT = re.compile(r"[,;\s]+")
SHOWN = 5


def case_scorers(case: Case) -> tuple[str, ...]:
    """The scorers a case names (its `scorers` field: a list, or a comma-separated string)."""
    value = case.vars.get(CASE_SCORERS, case.metadata.get(CASE_SCORERS))
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(n for n in _SPLIT.split(value) if n)
    if isinstance(value, (list, tuple)):
        return tuple(str(n) for n in value)
    return (str(value),)


def _field(case: Case, key: str) -> Any:
    return case.metadata[key] if key in case.metadata else case.vars.get(key)


def _matches(value: Any, expected: Any) -> bool:
    if isinstance(expected, list):  # any of these values
        return any(_matches(value, e) for e in expected)
    # CSV cells are text: `when: {priority: 1}` matches the cell "1"
    return value == expected or (value is not None and str(value) == str(expected))


@dataclass(frozen=True)
class ScorerFilter:
    name: str
    when: Mapping[str, Any] | str  # a metadata filter, or NAMED

    def applies(self, case: Case) -> bool:
        if self.name in case_scorers(case):
            return True
        if self.when == NAMED:
            return False
        return all(_matches(_field(case, k), v) for k, v in self.when.items())

    def describe(self) -> Any:
        return self.when if isinstance(self.when, str) else dict(self.when)


def filters_of(specs: Sequence[Any]) -> dict[str, ScorerFilter]:
    """The ScorerFilter of each scorer spec that has `when`, by scorer name."""
    return {(s.name or s.type): ScorerFilter(s.name or s.type, s.when)
            for s in specs if s.when is not None}


def filter_problems(specs: Sequence[Any], filters: Mapping[str, ScorerFilter],
                    cases: Iterable[Case], locate) -> list[Problem]:
    """A case naming a scorer the suite lacks; a scorer whose `when` matches no case."""
    names = [s.name or s.type for s in specs]
    problems: list[Problem] = []
    used = {name: False for name in filters}
    for case in cases:
        for named in case_scorers(case):
            if named not in names:
                problems.append(Problem(f"case '{case.id}' ({case.source}) names scorer "
                                        f"'{named}', which the suite does not define",
                                        locate(("scorers",)), "scorers",
                                        did_you_mean(named, names)))
        for name, found in used.items():
            if not found and filters[name].applies(case):
                used[name] = True
    for index, name in enumerate(names):
        if name in used and not used[name]:
            problems.append(Problem(f"scorer '{name}' applies to no case (when: "
                                    f"{filters[name].describe()})",
                                    locate(("scorers", index, "when")),
                                    f"scorers[{index}].when",
                                    "match a metadata key and value of some case, or name the "
                                    f"scorer in a case's '{CASE_SCORERS}' field"))
    return problems[:SHOWN * 4]
