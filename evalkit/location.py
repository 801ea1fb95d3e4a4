"""Positions in user files as data: where a case, a key or a problem is.

Below every other module (types and errors both use it), so a Case can carry its Location
and no layer has to parse a "file:line" string back.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A position in a user file (1-based line and column), or a row of a dataset that has
    no lines (Parquet, a `save_to_disk` folder, the hub)."""

    path: str
    line: int | None = None
    col: int | None = None
    source_line: str | None = None  # the offending line's text, shown under the message
    row: int | None = None  # a dataset row (0-based), when there is no line

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def shown(self) -> str:
        """For people: `file:line:col`, or `file (row N)` for a dataset row."""
        return f"{self} (row {self.row})" if self.line is None and self.row is not None else str(self)

    def bare(self) -> "Location":
        """The position without the line's text (what a Case keeps: no copy of its record)."""
        return Location(self.path, self.line, self.col, row=self.row)
