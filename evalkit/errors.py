"""Errors raised at evalkit's edges, and the exit codes the CLI maps them to.

Inside a run, failures are data (recorded on the case). These exceptions are for
the edges: bad input, a locked store, a missing optional extra.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .location import Location

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_RUNTIME = 3
EXIT_INTERRUPTED = 130


class EvalkitError(Exception):
    """Base class: the CLI prints str(error) on one or a few lines, never a traceback."""

    exit_code = EXIT_RUNTIME


class UsageError(EvalkitError):
    exit_code = EXIT_USAGE


class MissingExtraError(EvalkitError):
    """An optional dependency is not installed; the message names the pip command."""

    def __init__(self, module: str, extra: str, purpose: str):
        super().__init__(
            f"{purpose} needs the '{module}' package, which is not installed.\n"
            f"  fix: pip install 'evalkit[{extra}]'"
        )


class StoreError(EvalkitError):
    pass


class StoreLockedError(StoreError):
    pass


def output_error(path, exc: OSError) -> EvalkitError:
    """A file evalkit was asked to write could not be: a bad path is a usage error (exit 2),
    a full or failing disk a runtime one (exit 3)."""
    import errno

    error = UsageError if exc.errno in (errno.ENOENT, errno.EACCES, errno.EPERM, errno.EROFS,
                                        errno.ENOTDIR, errno.EISDIR, errno.EEXIST) else EvalkitError
    return error(f"cannot write {path}: {exc.strerror or exc}\n"
                 "  fix: choose a path in a writable folder" if error is UsageError else
                 f"cannot write {path}: {exc.strerror or exc}")


# Problem kinds: codes that callers match on, so a reworded message changes no behaviour.
UNKNOWN_KEY = "unknown-key"
MISSING_KEY = "missing-key"
INVALID_VALUE = "invalid-value"
MISSING_FILE = "missing-file"
MISSING_GOLDEN = "missing-golden"  # a scorer's golden file (pytest --evalkit-update-golden makes it)
UNDEFINED_VARIABLE = "undefined-variable"  # a template variable no case or `vars` sets


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user file."""

    message: str
    location: Location
    key_path: str = ""
    hint: str = ""
    kind: str = ""  # one of the kinds above, where a caller needs to tell problems apart

    def render(self) -> str:
        text = f"{self.location}: error: {self.message}"
        if self.key_path:
            text += f" (at {self.key_path})"
        loc = self.location
        if loc.source_line is not None and loc.line is not None:
            gutter = f"{loc.line:>5} | "
            text += f"\n{gutter}{loc.source_line.rstrip()}"
            if loc.col is not None:
                text += "\n" + " " * (len(gutter) - 2) + "| " + " " * (loc.col - 1) + "^"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class SuiteError(EvalkitError):
    """A suite (or a file it refers to) is invalid. Carries every problem found."""

    exit_code = EXIT_USAGE

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(p.render() for p in self.problems))


@dataclass
class ProblemList:
    """Collects problems so one load reports all of them, not just the first."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def raise_if_any(self) -> None:
        if self.problems:
            raise SuiteError(self.problems)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest valid choice(s), or listing them when none is close."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(str(word), choices, n=2, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    if choices and len(choices) <= 24:  # a suite's top-level keys (17) still fit
        return "expected one of: " + ", ".join(choices)
    return ""
