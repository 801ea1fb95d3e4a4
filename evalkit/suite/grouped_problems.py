"""The same mistake on many cases is one problem, not forty: a template variable that is
undefined in 20 cases, a field (a CSV column) that 40 records lack. A group of one keeps the
message it always had; a larger group says how many and which, points at the suite line
that names the field, and suggests the case's own field that was probably meant."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Location, Problem, did_you_mean

SHOWN = 5
_UNDEFINED = re.compile(r"'([^']+)' is undefined")


def shown(items: Sequence[str], total: int) -> str:
    return ", ".join(items[:SHOWN]) + (", …" if total > SHOWN else "")


def suggestion(name: str, fields: Iterable[str]) -> str:
    """'did you mean X?' when one of `fields` is close to `name`, else ''."""
    hint = did_you_mean(name, [str(f) for f in fields])
    return hint if hint.startswith("did you mean") else ""


def undefined_hint(message: str, fields: Iterable[str], usual: str) -> str:
    """The hint of an undefined-variable problem: the close field, then the usual advice."""
    found = _UNDEFINED.search(message)
    close = suggestion(found.group(1), fields) if found else ""
    return f"{close} {usual}".strip() if close else usual


@dataclass
class _Group:
    first: Problem  # the problem as it reads for one occurrence
    where: list[str] = field(default_factory=list)  # the first SHOWN occurrences
    count: int = 0
    fields: tuple[str, ...] = ()


class MissingFields:
    """Records that lack a field the suite maps (target, fields, metadata), grouped by field."""

    def __init__(self) -> None:
        self.groups: dict[str, _Group] = {}
        self.records = 0

    def add(self, name: str, problem: Problem, record: Location, present: Iterable[str]) -> None:
        group = self.groups.setdefault(name, _Group(problem, fields=tuple(map(str, present))))
        group.count += 1
        if len(group.where) < SHOWN:
            group.where.append(str(record.line) if record.line is not None
                               else f"row {record.row}")

    def problems(self, doc, source) -> list[Problem]:
        """One problem per field: as it always read for one record, grouped for more."""
        found = []
        for name, group in self.groups.items():
            if group.count == 1:
                found.append(group.first)
                continue
            path = _mapping_path(source, name)
            file = Path(group.first.location.path).name if group.first.location.line else (
                source.from_ or f"hf:{source.hf}")
            unit = "lines" if group.first.location.line is not None else "rows"
            lead = (f"none of the {group.count} records of {file} has a field '{name}'"
                    if group.count == self.records else
                    f"{group.count} records of {file} have no field '{name}'")
            close = suggestion(name, group.fields)
            present = "fields present: " + ", ".join(sorted(group.fields))
            found.append(Problem(f"{lead} ({unit} {shown(group.where, group.count)})",
                                 doc.location(path), ".".join(map(str, path)),
                                 f"{close} {present}" if close else present))
        return found


def _mapping_path(source, name: str) -> tuple:
    """The suite key that names field `name`: cases.target, cases.fields.VAR or cases.metadata."""
    if source.target == name:
        return ("cases", "target")
    for var, field_name in source.fields.items():
        if field_name == name:
            return ("cases", "fields", var)
    if name in source.metadata:
        return ("cases", "metadata", source.metadata.index(name))
    return ("cases",)


class RenderFailures:
    """Cases whose prompt fails to render, grouped by what failed and where in the template."""

    def __init__(self) -> None:
        self.groups: dict[tuple, _Group] = {}

    def add(self, key: tuple, problem: Problem, case_id: str, fields: Iterable[str]) -> bool:
        """False when this is a new group (the caller may cap how many groups it keeps)."""
        group = self.groups.get(key)
        new = group is None
        if new:
            group = self.groups[key] = _Group(problem, fields=tuple(map(str, fields)))
        group.count += 1
        if len(group.where) < SHOWN:
            group.where.append(case_id)
        return not new

    def problems(self, message_of) -> list[Problem]:
        """`message_of(key)`: the failure's own message (without the case), for groups."""
        found = []
        for key, group in self.groups.items():
            if group.count == 1:
                found.append(group.first)
                continue
            found.append(Problem(
                f"{message_of(key)} in {group.count} cases: "
                + shown([repr(w) for w in group.where], group.count),
                group.first.location, group.first.key_path, group.first.hint))
        return found
